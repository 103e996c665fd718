"""The words every page, report and export says about what agencies reported (pure): the
official figure with the reconciled one beside it, an adjusted deadline, a report's status,
causes and confidence as labels."""

from __future__ import annotations

import datetime as dt

from analytics.i18n import fmt_date, fmt_int, t
from analytics.reporting.rules import CAUSES, vn_day


def reconciled_sentence(c: dict, rec: dict, lang: str = "vi") -> str:
    """'652 nhiệm vụ, 34 quá hạn; trong đó 9 đã báo cáo hoàn thành, chờ xác nhận': `c`
    metrics.counts (or headline), `rec` metrics.reconciled. Without claims awaiting
    confirmation, the official figures alone."""
    head = t(
        "reported.sentence_head",
        lang,
        total=fmt_int(c.get("total", 0), lang),
        overdue=fmt_int(c.get("overdue", 0), lang),
    )
    n = rec.get("reported_completed", 0)
    if not n:
        return head + "."
    tail = t(
        "reported.sentence_claims",
        lang,
        n=fmt_int(n, lang),
        overdue=fmt_int(rec.get("reported_completed_overdue", 0), lang),
        completed=fmt_int(rec.get("completed_reconciled", 0), lang),
    )
    return f"{head}; {tail}."


def deadline_note(
    original: dt.date | None, adjusted: dt.date | None, approved_at, lang: str = "vi"
) -> str:
    """'thời hạn điều chỉnh từ 30/06/2025 sang 30/09/2025, duyệt ngày 15/06/2025' ('' when the
    deadline was not adjusted)."""
    if adjusted is None or adjusted != adjusted:  # None or NaT
        return ""
    approved = fmt_date(vn_day(approved_at), lang)  # stored in UTC: the day in Vietnam
    key = "reported.deadline_moved" if approved else "reported.deadline_moved_undated"
    return t(
        key,
        lang,
        old=fmt_date(original, lang) or t("reported.no_deadline", lang),
        new=fmt_date(adjusted, lang),
        on=approved,
    )


def status_label(code, lang: str = "vi") -> str:
    return t(f"report_status.{code}", lang) if isinstance(code, str) and code else ""


def confidence_label(code, lang: str = "vi") -> str:
    return t(f"confidence.{code}", lang) if isinstance(code, str) and code else ""


def cause_labels(codes, lang: str = "vi") -> list[str]:
    """The labels of cause codes, each with its kind: 'Chưa bố trí được kinh phí (khách
    quan)'."""
    out = []
    for code in list(codes) if codes is not None else []:
        kind = CAUSES.get(code)
        if kind is None:
            continue
        out.append(f"{t(f'cause.{code}', lang)} ({t(f'cause.{kind}', lang).lower()})")
    return out
