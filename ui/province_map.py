"""The map of provinces on the Briefing (issue 16): one square per province on a tile grid placed
geographically (analytics/province_map.py, data/reference/province_grid.csv), coloured by the
overdue tasks or the completion rate, the province's short name and value written in its square.

A click on a square filters the whole page to that province: the on_select callback sets the
sidebar's agency filter (ui/state.py, kept in the URL), as a callback may before the next run;
a click on the province already chosen, or the reset button, clears it. After every pick the
chart is drawn under a new key (GEN_KEY), so that no selection lingers and the next click on
any square, the same one included, is seen.

The map's figures leave out the agency and agency-type filters (the map is how a province is
chosen, so every province stays on it, the chosen one outlined) and keep the rest of the view:
date, sources, documents, difficult only, the original deadlines, and the viewer's scope. A
province outside the scope is a pale square without name or figures; a viewer whose scope holds
no province sees no map.
"""

from __future__ import annotations

import functools
from collections.abc import MutableMapping

import plotly.graph_objects as go
import streamlit as st

from analytics import province_map as PM
from analytics.i18n import fmt_int, fmt_pct, t
from analytics.model import Filters
from analytics.style import STATUS_COLORS
from ui import charts, data
from ui.html import esc
from ui.state import View

MAP_KEY = "briefing_province_map"  # the chart's key is MAP_KEY + "_" + the generation
GEN_KEY = "_province_map_gen"
MEASURE_KEY = "briefing_map_measure"
RESET_KEY = "briefing_map_reset"
AGENCY_KEY = "agency"  # the sidebar's agency filter (ui/state.py)
TYPE_KEY = "agency_type"  # the sidebar's agency type (ui/state.py)
MEASURE_TEXTS = {"overdue": "map16.m_overdue", "completion_rate": "map16.m_rate"}

CELL = 48  # px per square, gaps included: 7 columns fit a 390 px wide phone
GAP = 3
TOP = 64  # the colour scale above the squares
NO_TASKS = "#D9D9D9"
OUTSIDE = "#F0F2F6"
TEXT = "#1F1F1F"
SCALES = {  # light to the status colour: more overdue is darker, a higher rate is darker
    "overdue": ["#FBEADF", STATUS_COLORS["overdue"]],
    "completion_rate": ["#E3F4EE", STATUS_COLORS["completed_on_time"]],
}


def _state(state: MutableMapping | None) -> MutableMapping:
    return st.session_state if state is None else state


def chart_key(state: MutableMapping | None = None) -> str:
    return f"{MAP_KEY}_{_state(state).get(GEN_KEY, 0)}"


def _next_chart(state: MutableMapping) -> None:
    state[GEN_KEY] = state.get(GEN_KEY, 0) + 1


def on_select(key: str, options: tuple[str, ...], state: MutableMapping | None = None) -> None:
    """A click on a square: filter the page to that province (the sidebar's agency filter), or
    clear the filter when it is the province already chosen. `options`: the provinces a click
    may choose (in the viewer's scope, with tasks)."""
    state = _state(state)
    picked = charts.selected_ids(state.get(key))
    if not picked or picked[0] not in options:
        return
    if state.get(AGENCY_KEY) == picked[0]:
        state[AGENCY_KEY] = ""
    else:
        state[AGENCY_KEY] = picked[0]
        if state.get(TYPE_KEY) == "central":  # the ministries only: the province would be dropped
            state[TYPE_KEY] = "all"
    _next_chart(state)


def clear(state: MutableMapping | None = None) -> None:
    """The reset button: no agency filter."""
    state = _state(state)
    state[AGENCY_KEY] = ""
    _next_chart(state)


def map_filters(filters: Filters) -> Filters:
    """The view's filters without the agency and agency-type ones (see the module docstring)."""
    return Filters(
        sources=filters.sources,
        difficult_only=filters.difficult_only,
        source_docs=filters.source_docs,
        judge_original=filters.judge_original,
    )


def _lines(name: str) -> str:
    """A short name on at most two lines, split at the space nearest the middle."""
    words = name.split()
    if len(words) < 2:
        return charts.plot_text(name)
    cut = min(range(1, len(words)), key=lambda i: abs(len(" ".join(words[:i])) - len(name) / 2))
    return "<br>".join(charts.plot_text(" ".join(part)) for part in (words[:cut], words[cut:]))


def _value_text(row, measure: str, lang: str) -> str:
    if not row["has_tasks"]:
        return "–"
    if measure == "overdue":
        return fmt_int(row["overdue"], lang)
    return fmt_pct(row["completion_rate"], lang, digits=0)


def _hover(row, lang: str, selected: bool) -> str:
    name = charts.plot_text(row["name_vi" if lang == "vi" else "name_en"])
    if not row["has_tasks"]:
        return f"<b>{name}</b><br>{charts.plot_text(t('common.no_tasks', lang))}"
    lines = [
        f"<b>{name}</b>",
        t("map16.h_total", lang, n=fmt_int(row["total"], lang)),
        t(
            "map16.h_completed",
            lang,
            n=fmt_int(row["completed"], lang),
            rate=fmt_pct(row["completion_rate"], lang),
        ),
        t("map16.h_overdue", lang, n=fmt_int(row["overdue"], lang)),
        t("map16.h_unclick" if selected else "map16.h_click", lang),
    ]
    return "<br>".join(charts.plot_text(x) if i else x for i, x in enumerate(lines))


def _range(frame, measure: str) -> tuple[float, float]:
    if measure == "completion_rate":
        return 0.0, 1.0
    return 0.0, float(max(1, int(frame["overdue"].max())))


def _colour_bar(measure: str, top: float, lang: str) -> dict:
    bar = {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": 1,
        "yanchor": "bottom",
        "ypad": 6,
        "len": 0.9,  # room for the last value at the end
        "thickness": 10,
        "outlinewidth": 0,
        "ticklabeloverflow": "allow",  # the last value (100%) written at the scale's end
        "title": {"text": charts.plot_text(t(MEASURE_TEXTS[measure], lang)), "side": "top"},
    }
    if measure == "completion_rate":
        ticks = [0, 0.25, 0.5, 0.75, 1]
        bar.update(tickvals=ticks, ticktext=[fmt_pct(x, lang, digits=0) for x in ticks])
    else:
        step = max(1, round(top / 4))
        ticks = list(range(0, int(top) + 1, step))
        bar.update(tickvals=ticks, ticktext=[fmt_int(x, lang) for x in ticks])
    return bar


def figure(frame, measure: str, lang: str, selected: str | None = None) -> go.Figure:
    """The squares of `frame` (analytics.province_map.province_figures) coloured by `measure`;
    `selected` (the province the page is filtered to) outlined. The provinces with tasks carry
    their id in customdata (a click on one tells which); those without tasks are grey; those
    outside the scope pale shapes with nothing written."""
    rows = int(PM.grid()["row"].max()) + 1
    cols = int(PM.grid()["col"].max()) + 1
    low, high = _range(frame, measure)
    fig = go.Figure()
    inside = frame[frame["in_scope"]]
    for _, row in frame[~frame["in_scope"]].iterrows():
        half = (CELL - GAP) / CELL / 2
        fig.add_shape(
            type="rect",
            x0=row["col"] - half,
            x1=row["col"] + half,
            y0=row["row"] - half,
            y1=row["row"] + half,
            line={"width": 0},
            fillcolor=OUTSIDE,
            layer="below",
        )
    short = "short_vi" if lang == "vi" else "short_en"
    for has_tasks in (True, False):
        part = inside[inside["has_tasks"] == has_tasks]
        if part.empty:
            continue
        values = [PM.value(r, measure) for _, r in part.iterrows()]
        marked = [r["agency_id"] == selected for _, r in part.iterrows()]
        marker = {
            "symbol": "square",
            "size": CELL - GAP,
            "line": {
                "width": [3 if m else 0 for m in marked],
                "color": "#000000",
            },
            "opacity": 1,
        }
        if has_tasks:
            marker.update(
                color=values,
                colorscale=SCALES[measure],
                cmin=low,
                cmax=high,
                showscale=True,
                colorbar=_colour_bar(measure, high, lang),
            )
        else:
            marker["color"] = NO_TASKS
        fig.add_trace(
            go.Scatter(
                x=part["col"].tolist(),
                y=part["row"].tolist(),
                mode="markers+text",
                marker=marker,
                text=[
                    f"{_lines(r[short])}<br><b>{_value_text(r, measure, lang)}</b>"
                    for _, r in part.iterrows()
                ],
                textposition="middle center",
                # dark text on every square: more contrast than white even on the darkest
                textfont={"size": 10, "color": TEXT},
                # only a province with tasks may be chosen (customdata is what a click reads)
                customdata=[[a] for a in part["agency_id"]] if has_tasks else None,
                hovertext=[
                    _hover(r, lang, m) for (_, r), m in zip(part.iterrows(), marked, strict=True)
                ],
                hovertemplate="%{hovertext}<extra></extra>",
                selected={"marker": {"opacity": 1}},
                unselected={"marker": {"opacity": 1}},
                showlegend=False,
            )
        )
    axis = {"visible": False, "fixedrange": True, "showgrid": False, "zeroline": False}
    fig.update_xaxes(axis, range=[-0.5, cols - 0.5])
    fig.update_yaxes(axis, range=[rows - 0.5, -0.5])  # row 0, the north, on top
    fig.update_layout(
        width=cols * CELL + 4,
        height=rows * CELL + TOP + 4,
        margin={"l": 2, "r": 2, "t": TOP, "b": 2},
        font={"family": charts.FONT},
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
        hoverlabel={"namelength": -1, "bgcolor": "#FFFFFF", "font": {"color": TEXT}},
        showlegend=False,
    )
    return fig


def _filtered_line(view: View, row) -> str:
    return view.t(
        "map16.filtered",
        name=row["name_vi" if view.lang == "vi" else "name_en"],
        total=fmt_int(row["total"], view.lang),
        overdue=fmt_int(row["overdue"], view.lang),
        rate=fmt_pct(row["completion_rate"], view.lang),
    )


def section(view: View) -> None:
    """The map with its measure choice, the province the page is filtered to and the way back;
    nothing when the viewer's scope holds no province."""
    by_agency = data.aggregate("by_agency", view.as_of, map_filters(view.filters), view.scope)
    frame = PM.province_figures(by_agency, view.scope.agency_ids)
    if not PM.shown(frame):
        return
    st.subheader(view.t("map16.title"))
    st.caption(view.t("map16.caption"))
    measure = st.radio(
        view.t("map16.measure"),
        PM.MEASURES,
        key=MEASURE_KEY,
        horizontal=True,
        format_func=lambda m: view.t(MEASURE_TEXTS[m]),
    )
    chosen = frame[frame["agency_id"] == view.agency_id]
    selected = view.agency_id if len(chosen) else None
    options = tuple(frame.loc[frame["in_scope"] & frame["has_tasks"], "agency_id"])
    left, right = st.columns([2, 3])
    with left:
        key = chart_key()
        st.plotly_chart(
            figure(frame, measure, view.lang, selected),
            key=key,
            on_select=functools.partial(on_select, key, options),
            selection_mode="points",
            width="content",
            config={"displayModeBar": False},
        )
    with right:
        if selected:
            st.markdown(esc(_filtered_line(view, chosen.iloc[0])))
            st.button(
                view.t("map16.reset"),
                key=RESET_KEY,
                on_click=clear,
                icon=":material/filter_alt_off:",
            )
        else:
            st.caption(view.t("map16.hint"))
        if not frame["in_scope"].all():
            st.caption(view.t("map16.outside"))
