"""Plotly figures shared by the pages: status-stacked bars, the status donut, a deadline timeline.

Every status has its colour and a pattern (or marker symbol) from analytics/style.py, so a grey
print still tells the statuses apart. Agency and task names go to Plotly as data, never into
HTML built here; `<`, `>` and `&` are turned into entities so that Plotly shows them as text
instead of reading its own small tag set (links, bold) from a name.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from analytics.exports import task_codes
from analytics.i18n import fmt_date, t
from analytics.style import STATUS_COLORS, STATUS_ORDER, STATUS_PATTERNS

# Marker symbols standing in for patterns on scatter plots.
STATUS_SYMBOLS = {
    "completed_on_time": "circle",
    "completed_late": "triangle-up",
    "completed_timing_unknown": "diamond",
    "in_progress": "circle-open",
    "overdue": "x",
    "no_deadline": "square-open",
    "cancelled": "x-thin-open",
}
FONT = "Arial, 'DejaVu Sans', sans-serif"  # has the Vietnamese diacritics
BAR_PX = 26  # height of one horizontal bar row
# a value on a bar: dark on a white halo, readable over every status colour and pattern
VALUE_FONT = {"color": "#1A1A1A", "weight": "bold", "shadow": "0 0 2px #FFFFFF, 0 0 3px #FFFFFF"}


def plot_text(value: object) -> str:
    """Data text as Plotly shows it literally (entities for its tag characters)."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=False)


def _pattern(status: str) -> dict:
    return {
        "shape": STATUS_PATTERNS.get(status, ""),
        "fillmode": "overlay",
        "fgcolor": "#FFFFFF",
        "fgopacity": 0.9,
        "size": 7,
        "solidity": 0.35,
    }


def _layout(fig: go.Figure, title: str | None, height: int, legend: bool = True) -> go.Figure:
    fig.update_layout(
        title={"text": plot_text(title) if title else None, "x": 0, "xanchor": "left"},
        height=height,
        margin={"l": 10, "r": 10, "t": 50 if title else 10, "b": 10},
        font={"family": FONT},
        showlegend=legend,
        # below the plot, across: the chart's toolbar (top right) never covers it, and on a
        # phone it wraps under the chart instead of squeezing it
        legend={
            "orientation": "h",
            "yref": "container",
            "yanchor": "bottom",
            "y": 0,
            "xref": "container",
            "x": 0,
            "xanchor": "left",
            "title": {"text": ""},
            "traceorder": "normal",
        },
        hoverlabel={"namelength": -1},
    )
    return fig


TASK_LABEL_CHARS = 40  # of a title on the deadline chart's axis (the hover has the whole)


def task_label(code: str, title: object, width: int = TASK_LABEL_CHARS) -> str:
    """'2.14 · Xây dựng Đề án chuyển đổi số…': a task's code and the start of its title."""
    text = " ".join(str(title).split()) if isinstance(title, str) else ""
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    return " · ".join(p for p in (code, text) if p) or "–"


def _unique_labels(names: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Category labels, made unique with the id where two agencies share a name."""
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return [plot_text(n if seen[n] == 1 else f"{n} ({i})") for n, i in zip(names, ids, strict=True)]


def stacked_status_bars(
    frame: pd.DataFrame,
    lang: str,
    *,
    label_col: str,
    id_col: str,
    statuses: Sequence[str],
    title: str | None = None,
    axis_title: str | None = None,
) -> go.Figure:
    """Horizontal bars, one per row of `frame` (first row on top), stacked by status counts.

    `frame` has one column per status with counts; `id_col` goes to customdata so a click on a
    bar tells which row it was.
    """
    labels = _unique_labels(
        frame[label_col].astype(str).tolist(), frame[id_col].astype(str).tolist()
    )
    ids = frame[id_col].astype(str).tolist()
    fig = go.Figure()
    for status in statuses:
        if status not in frame.columns:
            continue
        counts = frame[status].astype(int).tolist()
        fig.add_trace(
            go.Bar(
                x=counts,
                y=labels,
                customdata=ids,
                orientation="h",
                name=t(f"status.{status}", lang),
                # the bar carries its value (none on an empty part)
                text=[str(v) if v else "" for v in counts],
                textposition="inside",
                insidetextanchor="middle",
                textangle=0,
                insidetextfont=VALUE_FONT,
                marker={
                    "color": STATUS_COLORS[status],
                    "pattern": _pattern(status),
                    "line": {"color": "#FFFFFF", "width": 0.5},
                },
                hovertemplate="%{y}<br>%{fullData.name}: %{x}<extra></extra>",
            )
        )
    fig.update_layout(
        barmode="stack",
        clickmode="event+select",
        dragmode=False,
        uniformtext={"minsize": 9, "mode": "hide"},  # a value too wide for its part is not drawn
    )
    _bar_totals(fig, frame, labels, statuses)
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], automargin=True, title=None)
    fig.update_xaxes(title=axis_title or t("col.tasks", lang), rangemode="tozero", tickformat="d")
    height = max(220, BAR_PX * len(labels) + 140)
    return _layout(fig, title, height)


def _bar_totals(fig: go.Figure, frame: pd.DataFrame, labels: list[str], statuses) -> None:
    """Each bar's total at its end (annotations, not a trace: the legend and a click on a bar
    stay the statuses'), the axis widened so that the number fits."""
    parts = [s for s in statuses if s in frame.columns]
    if not parts or frame.empty:
        return
    totals = frame[parts].astype(int).sum(axis=1).tolist()
    for label, total in zip(labels, totals, strict=True):
        fig.add_annotation(
            x=total,
            y=label,
            text=str(total),
            showarrow=False,
            xanchor="left",
            xshift=4,
            font={"size": 12},
        )
    top = max(totals)
    fig.update_xaxes(range=[0, max(1, top) * 1.12 + 0.5])
    if top <= 10:  # whole numbers only: no "0 1 1 2" when Plotly steps by halves
        fig.update_xaxes(tick0=0, dtick=1)


def status_donut(counts: Mapping[str, int], lang: str, title: str | None = None) -> go.Figure:
    """A donut of task counts by status (statuses with no task left out), the total inside."""
    statuses = [s for s in STATUS_ORDER if int(counts.get(s, 0)) > 0]
    total = sum(int(counts.get(s, 0)) for s in STATUS_ORDER)
    fig = go.Figure(
        go.Pie(
            labels=[t(f"status.{s}", lang) for s in statuses],
            values=[int(counts[s]) for s in statuses],
            hole=0.55,
            sort=False,
            direction="clockwise",
            marker={
                "colors": [STATUS_COLORS[s] for s in statuses],
                "pattern": {
                    "shape": [STATUS_PATTERNS.get(s, "") for s in statuses],
                    "fillmode": "overlay",
                    "fgcolor": "#FFFFFF",
                    "size": 8,
                    "solidity": 0.35,
                },
                "line": {"color": "#FFFFFF", "width": 1},
            },
            textinfo="value",
            insidetextorientation="horizontal",
            hovertemplate="%{label}: %{value} (%{percent})<extra></extra>",
        )
    )
    fig.add_annotation(
        text=f"<b>{total}</b><br>{plot_text(t('briefing.donut_total', lang))}",
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 15},
    )
    return _layout(fig, title, 400)  # the legend below, as every chart's


def deadline_timeline(
    frame: pd.DataFrame,
    lang: str,
    as_of: dt.date,
    *,
    title: str | None = None,
    max_rows: int = 60,
) -> go.Figure:
    """One dot per open task at its deadline (soonest first, top to bottom), a line at `as_of`.

    `frame`: task rows with task_id, title, deadline, status, source (analytics.briefing.open_timeline).
    """
    rows = frame.head(max_rows)
    # each row named by its code and the start of its title (a code alone says nothing; an
    # id derived for a row without one is left out: exports.task_codes)
    labels = _unique_labels(
        [task_label(c, x) for c, x in zip(task_codes(rows), rows["title"], strict=True)],
        rows["source"].astype(str).tolist(),
    )
    fig = go.Figure()
    date_fmt = "%d/%m/%Y"  # both languages
    for status in ("overdue", "in_progress"):
        part = rows["status"] == status
        if not part.any():
            continue
        sub = rows[part]
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(sub["deadline"]).tolist(),
                y=[lbl for lbl, keep in zip(labels, part.tolist(), strict=True) if keep],
                mode="markers",
                name=t(f"status.{status}", lang),
                marker={
                    "color": STATUS_COLORS[status],
                    "symbol": STATUS_SYMBOLS[status],
                    "size": 11,
                    "line": {"width": 2, "color": STATUS_COLORS[status]},
                },
                customdata=[[plot_text(x[:160])] for x in sub["title"].fillna("").astype(str)],
                hovertemplate="%{y}<br>%{customdata[0]}<br>"
                + plot_text(t("col.deadline", lang))
                + ": %{x|"
                + date_fmt
                + "}<extra>%{fullData.name}</extra>",
            )
        )
    when = pd.Timestamp(as_of)
    fig.add_shape(
        type="line",
        x0=when,
        x1=when,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": "#333333", "width": 2, "dash": "dash"},
    )
    fig.add_annotation(
        x=when,
        y=1,
        yref="paper",
        yanchor="top",
        xanchor="left",
        xshift=4,
        showarrow=False,
        bgcolor="rgba(255,255,255,0.85)",
        text=plot_text(f"{t('common.as_of_line', lang)} {fmt_date(as_of, lang)}"),
    )
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], automargin=True, title=None)
    fig.update_xaxes(title=t("col.deadline", lang), tickformat="%d/%m/%Y")
    height = max(260, 22 * len(labels) + 140)
    return _layout(fig, title, height)


def selected_ids(event: object) -> list[str]:
    """The customdata ids of the points picked in a chart's selection state (click on a bar)."""
    if event is None:
        return []
    selection = (
        event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    )
    if selection is None:
        return []
    points = (
        selection.get("points")
        if isinstance(selection, Mapping)
        else getattr(selection, "points", None)
    )
    out = []
    for point in points or []:
        if not isinstance(point, Mapping):
            continue
        custom = point.get("customdata")
        if isinstance(custom, list | tuple):
            custom = custom[0] if custom else None
        if isinstance(custom, str) and custom and custom not in out:
            out.append(custom)
    return out
