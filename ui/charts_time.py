"""Plotly figures over time (Workload and Trends pages) and date formatting for their tables.

Labels come in the chosen language; names and figures are passed as data (x, y, z, customdata),
never written into markup. Every status keeps its colour and pattern from analytics.style, so a
grey print still tells them apart (bars: fill patterns; lines: dash styles and marker symbols).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics.i18n import DATE_PLOTLY, DATE_WIDGET, fmt_date, fmt_month, t
from analytics.style import STATUS_COLORS, STATUS_PATTERNS

LINE_STYLES = {
    # status → (dash, marker symbol): the line equivalent of the bar patterns
    "completed": ("solid", "circle"),
    "completed_on_time": ("solid", "circle"),
    "completed_late": ("dash", "triangle-up"),
    "in_progress": ("dot", "square"),
    "overdue": ("dash", "x"),
    "no_deadline": ("dashdot", "diamond"),
    "total": ("longdash", "diamond-open"),
}
LINE_COLORS = {**STATUS_COLORS, "completed": STATUS_COLORS["completed_on_time"], "total": "#555555"}


def _layout(fig: go.Figure, lang: str, height: int = 420) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        # below the plot, across (as ui/charts.py): the as-of line's date label at the top and
        # the chart's toolbar never cover it, and on a phone it wraps under the chart
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        separators=",." if lang == "vi" else ".,",
        hovermode="x unified",
    )
    return fig


def pattern(status: str) -> dict:
    """The fill pattern of a status, drawn over its colour (visible in grey print too)."""
    return {
        "shape": STATUS_PATTERNS[status],
        "fillmode": "overlay",
        "fgcolor": "#FFFFFF",
        "fgopacity": 0.8,
        "size": 8,
    }


def monthly_bars(table: pd.DataFrame, lang: str, last_month: str | None = None) -> go.Figure:
    """Per deadline month: the due tasks stacked by status, the due total on top, and the
    overdue backlog carried into each month as a line: solid up to `last_month` (the as-of
    month), fainter after it (what would be carried if nothing more were completed)."""
    labels = [fmt_month(m, lang) for m in table["month"]]
    fig = go.Figure()
    for status in (
        "completed_on_time",
        "completed_late",
        "completed_timing_unknown",
        "in_progress",
        "overdue",
    ):
        values = table[status]
        if status == "completed_timing_unknown" and not values.any():
            continue
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                name=t(f"status.{status}", lang),
                marker={"color": STATUS_COLORS[status], "pattern": pattern(status)},
                hovertemplate="%{y}",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=table["due"],
            mode="text",
            text=[str(int(v)) if v else "" for v in table["due"]],
            textposition="top center",
            name=t("col.due", lang),
            hovertemplate="%{y}",
            showlegend=False,
        )
    )
    # the backlog up to the as-of month is a fact; after it, what is carried if nothing more is done
    known = [m <= last_month for m in table["month"]] if last_month else [False] * len(table)
    split = max((i for i, k in enumerate(known) if k), default=-1)
    if split >= 0:
        fig.add_trace(
            go.Scatter(
                x=labels[: split + 1],
                y=table["backlog"][: split + 1],
                mode="lines+markers",
                name=t("chart.backlog", lang),
                line={"color": STATUS_COLORS["overdue"], "dash": "dot", "width": 2.5},
                marker={"symbol": "x", "size": 9, "color": STATUS_COLORS["overdue"]},
                hovertemplate="%{y}",
            )
        )
    if split < len(table) - 1:
        start = max(split, 0)
        fig.add_trace(
            go.Scatter(
                x=labels[start:],
                y=table["backlog"][start:],
                mode="lines+markers",
                name=t("chart.backlog_projected", lang),
                line={"color": STATUS_COLORS["overdue"], "dash": "dot", "width": 1.5},
                marker={"symbol": "x-open", "size": 8, "color": STATUS_COLORS["overdue"]},
                opacity=0.55,
                hovertemplate="%{y}",
            )
        )
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    top = max(int(table["due"].max() or 0), int(table["backlog"].max() or 0), 1)
    fig.update_yaxes(title_text=t("col.tasks", lang), range=[0, top * 1.15])
    fig.update_xaxes(title_text=t("chart.month", lang), type="category")
    return _layout(fig, lang)


def trajectory(table: pd.DataFrame, lang: str) -> go.Figure:
    """Cumulative tasks due by each month against cumulative completions (by completion month)."""
    labels = [fmt_month(m, lang) for m in table["month"]]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=table["planned_cum"],
            mode="lines+markers",
            name=t("chart.planned_cum", lang),
            line={"color": STATUS_COLORS["in_progress"], "dash": "dash", "width": 2},
            marker={"symbol": "square", "color": STATUS_COLORS["in_progress"]},
            hovertemplate="%{y}",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=table["actual_cum"],
            mode="lines+markers",
            name=t("chart.actual_cum", lang),
            line={"color": STATUS_COLORS["completed_on_time"], "width": 3},
            marker={"symbol": "circle", "color": STATUS_COLORS["completed_on_time"]},
            hovertemplate="%{y}",
            connectgaps=False,
        )
    )
    fig.update_yaxes(title_text=t("col.tasks", lang), rangemode="tozero")
    fig.update_xaxes(type="category")
    return _layout(fig, lang, height=380)


def agency_heatmap(wide: pd.DataFrame, months: list[str], lang: str) -> go.Figure:
    """Open tasks per lead agency (rows, largest first) and deadline month (columns)."""
    frame = wide.iloc[::-1]  # plotly draws the first row at the bottom
    z = frame[months].to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[fmt_month(m, lang) for m in months],
            y=frame["agency"].tolist(),
            colorscale=[[0.0, "#FFFFFF"], [1.0, STATUS_COLORS["in_progress"]]],
            zmin=0,
            text=[[str(int(v)) if v else "" for v in row] for row in z],
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{z}<extra></extra>",
            colorbar={"title": {"text": t("col.remaining", lang)}},
            xgap=1,
            ygap=1,
        )
    )
    fig.update_xaxes(type="category", side="top")
    fig.update_yaxes(type="category", automargin=True)
    fig.update_layout(hovermode="closest")
    return _layout(fig, lang, height=max(260, 26 * len(frame) + 110))


def trend_lines(trend: pd.DataFrame, lang: str, as_of: dt.date | None = None) -> go.Figure:
    """Completed, overdue, in progress and total at every snapshot date (judged at that date)."""
    dates = [pd.Timestamp(d) for d in trend["as_of"]]
    fig = go.Figure()
    for key in ("total", "completed", "in_progress", "overdue"):
        dash, symbol = LINE_STYLES[key]
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=trend[key],
                mode="lines+markers",
                name=t(f"status.{key}", lang),
                line={"color": LINE_COLORS[key], "dash": dash, "width": 2.5},
                marker={"symbol": symbol, "size": 9, "color": LINE_COLORS[key]},
                hovertemplate="%{y}",
            )
        )
    if as_of is not None and dates and dates[0] <= pd.Timestamp(as_of) <= dates[-1]:
        # the sidebar's as-of date, for orientation (a shape: no markup, no date arithmetic)
        fig.add_shape(
            type="line",
            xref="x",
            yref="paper",
            x0=pd.Timestamp(as_of),
            x1=pd.Timestamp(as_of),
            y0=0,
            y1=1,
            line={"color": "#777777", "dash": "dot", "width": 1},
        )
        # above the plot (the legend is below it), on the side of the line with room
        late = pd.Timestamp(as_of) > dates[0] + (dates[-1] - dates[0]) / 2
        fig.add_annotation(
            x=pd.Timestamp(as_of),
            xref="x",
            yref="paper",
            y=1,
            text=f"{t('common.as_of_line', lang)} {fmt_date(as_of, lang)}",
            showarrow=False,
            xanchor="right" if late else "left",
            xshift=-4 if late else 4,
            yanchor="bottom",
            font={"size": 11, "color": "#555555"},
        )
    fig.update_xaxes(
        title_text=t("col.report_date", lang),
        tickmode="array",
        tickvals=dates,
        ticktext=[fmt_date(d, lang) for d in trend["as_of"]],
        hoverformat=DATE_PLOTLY,
    )
    fig.update_yaxes(title_text=t("col.tasks", lang), rangemode="tozero")
    return _layout(fig, lang)


# --------------------------------------------------------------------------- tables


def date_columns(frame: pd.DataFrame, lang: str) -> dict:
    """column_config showing every date column as dd/mm/yyyy (both languages); columns of
    python dates are calendar days, datetime64 columns are moments (shown with the time)."""
    fmt = DATE_WIDGET
    config = {}
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_datetime64_any_dtype(series):  # a moment (uploads): with the time
            config[col] = st.column_config.DatetimeColumn(format=fmt + " HH:mm")
        elif series.dtype == object:
            sample = series.dropna().head(20)
            if len(sample) and all(
                isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in sample
            ):
                config[col] = st.column_config.DateColumn(format=fmt)
    return config


def show_table(frame: pd.DataFrame, lang: str, key: str, height: int | str = "auto") -> None:
    """A table in the page: at most MAX_ROWS_ON_SCREEN rows go to the browser (the downloads
    next to it hold every row)."""
    from ui.components import MAX_ROWS_ON_SCREEN

    if len(frame) > MAX_ROWS_ON_SCREEN:
        st.caption(t("common.rows_shown", lang, n=MAX_ROWS_ON_SCREEN, total=len(frame)))
        frame = frame.head(MAX_ROWS_ON_SCREEN)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        height=height,
        column_config=date_columns(frame, lang),
        key=key,
    )
