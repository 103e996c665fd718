"""The briefing a leader reads (issue 16), computed from task frames. Pure functions, no
Streamlit: the figures among the tasks due in their own titled block and the figures over all
tasks in the cards' own words (one set of numbers), the agency viewer's banner, whether a rank
means something, and the year's remaining workload from the as-of month (from
analytics/workload.py's frames). Words: the [briefing16] texts.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics import exports, metrics
from analytics.briefing import PeerRank, as_date, headline_cards
from analytics.i18n import fmt_int, fmt_month, fmt_pct, t


def due_parts(df: pd.DataFrame, as_of: dt.date) -> dict:
    """Among the tasks due at `as_of` (deadline on or before it, cancelled ones left out): due,
    completed (x), its rate (y), on time (a), late (b), timing unknown (u), not completed."""
    h = metrics.headline(df, as_of)
    counted = metrics.counted(df)
    if len(counted):
        due = counted["deadline"].notna() & (
            pd.to_datetime(counted["deadline"]) <= pd.Timestamp(as_date(as_of))
        )
        status = counted.loc[due, "status"]
    else:
        status = pd.Series(dtype=object)
    return {
        "due": h["due"],
        "x": h["due_completed"],
        "y": h["due_completion_rate"],
        "a": int((status == "completed_on_time").sum()),
        "b": int((status == "completed_late").sum()),
        "u": int((status == "completed_timing_unknown").sum()),
        "open": h["due"] - h["due_completed"],
    }


def due_block(due: dict, lang: str) -> str:
    """'Trong số nhiệm vụ đã đến hạn (N): hoàn thành X, đạt Y% (đúng hạn a, quá hạn b);
    chưa hoàn thành c.' from due_parts."""
    n = lambda v: fmt_int(v, lang)  # noqa: E731
    unknown = t("briefing16.due_unknown", lang, n=n(due["u"])) if due["u"] else ""
    return t(
        "briefing16.due_block",
        lang,
        due=n(due["due"]),
        x=n(due["x"]),
        y=fmt_pct(due["y"], lang),
        a=n(due["a"]),
        b=n(due["b"]),
        u=unknown,
        open=n(due["open"]),
    )


def all_block(head: dict, lang: str) -> str:
    """The figures over all tasks in the cards' own words ('Tổng số nhiệm vụ 652: đã hoàn thành
    226 (hoàn thành đúng hạn 65, …); …') from metrics.headline."""
    n = lambda v: fmt_int(v, lang)  # noqa: E731
    u = head.get("completed_timing_unknown", 0)
    return t(
        "briefing16.all_block",
        lang,
        total=n(head["total"]),
        completed=n(head["completed"]),
        on_time=n(head["completed_on_time"]),
        late=n(head["completed_late"]),
        u=t("briefing16.all_unknown", lang, n=n(u)) if u else "",
        in_progress=n(head["in_progress"]),
        overdue=n(head["overdue"]),
        no_deadline=n(head["no_deadline"]),
    )


def scope_banner(scope, agencies: pd.DataFrame, total: int, lang: str) -> str | None:
    """'Bộ Tài chính — 59 nhiệm vụ' when the viewer's scope is one agency (None otherwise)."""
    ids = None if scope is None else scope.agency_ids
    if ids is None or len(ids) != 1:
        return None
    (agency_id,) = tuple(ids)
    names = exports.agency_names(agencies, lang) if agencies is not None else {}
    return t(
        "briefing16.banner", lang, name=names.get(agency_id, agency_id), n=fmt_int(total, lang)
    )


def single_agency(scope) -> bool:
    """The viewer sees one agency only (no agency-type or agency choice, no per-agency zip; its
    rank is among all its peers, when access.agency_sees_rank)."""
    return scope is not None and scope.agency_ids is not None and len(scope.agency_ids) == 1


def rank_means_something(rank: PeerRank | None) -> bool:
    """A rank is worth showing only among more than one ranked peer ('1/1' says nothing)."""
    return rank is not None and rank.rank is not None and rank.n_ranked > 1


def remaining_months(monthly: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """workload.monthly's rows from the as-of month to December (the year's remaining work)."""
    if monthly is None or monthly.empty:
        return monthly
    current = as_date(as_of).strftime("%Y-%m")
    return monthly[monthly["month"] >= current].reset_index(drop=True)


def remaining_agency_months(wide: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """workload.agency_month narrowed to the months from the as-of month on, total recounted,
    agencies with nothing left dropped: agency_id, agency, months…, total."""
    if wide is None or wide.empty:
        return wide
    current = as_date(as_of).strftime("%Y-%m")
    months = [c for c in wide.columns if len(str(c)) == 7 and str(c)[4] == "-" and c >= current]
    out = wide[["agency_id", "agency", *months]].copy()
    out["total"] = out[months].sum(axis=1).astype("int64") if months else 0
    out = out[out["total"] > 0]
    return out.sort_values(["total", "agency"], ascending=[False, True]).reset_index(drop=True)


KEY_CARDS = ("total", "completed", "overdue")  # with the month's count: the four numbers


def month_label(as_of: dt.date, lang: str) -> str:
    """'Đến hạn trong 08/2025, chưa hoàn thành': the label of the briefing's month count."""
    return t("briefing.month_count", lang, month=fmt_month(as_date(as_of).strftime("%Y-%m"), lang))


def key_numbers(head: dict, month_count: int, lang: str, as_of: dt.date) -> list[tuple[str, str]]:
    """The four numbers a leader asks for first, as (label, value): total tasks, completed and
    overdue in the headline cards' own labels and values (all tasks), and the tasks due this
    month still open in the label and count of the briefing's month figure (one set of numbers)."""
    cards = {c.key: c for c in headline_cards(head, None, lang, as_of)}
    out = [(cards[k].label, cards[k].value) for k in KEY_CARDS]
    return [*out, (month_label(as_of, lang), fmt_int(month_count, lang))]
