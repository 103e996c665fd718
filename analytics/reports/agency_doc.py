"""The agency's report document from the store (issue 15, point 6): the plain values
analytics/reports/agency_report.py draws (`AgencyReport`, one `ReportTask` per task), read for
one agency at one date.

    report = agency_report_from_store(db, "mof", dt.date(2025, 8, 28))
    payload = agency_docx(report)  # or agency_pdf(report, "en")

The agency is found through the store's register (analytics.agency_units.resolver_for: the
reference lists and the registered units), by id or by name, and, failing that, among the
agencies the store's tasks name; an unknown one raises `UnknownAgency` (a ValueError, with both
languages). The figures are those every page shows: metrics.headline and metrics.reconciled of
the agency's tasks in force (its units' included, as its filter takes them in).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import re
from pathlib import Path

import pandas as pd

from analytics import exports, metrics, store
from analytics.agencies import Agency
from analytics.agency_units import resolver_for
from analytics.i18n import t
from analytics.model import Filters, Scope
from analytics.reporting.rules import VN, vn_day
from analytics.reporting.words import cause_labels
from analytics.reports.agency_report import AgencyReport, ReportTask

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"
PROVINCE_DOC_CODE = "UBND"  # a province's reports are issued by its People's Committee


class UnknownAgency(ValueError):
    """No agency of that id or name: nothing is made."""

    code = "unknown_agency"

    def __init__(self, name: str) -> None:
        self.name = name
        self.message = t("agency_doc.unknown", "en", name=name)
        self.message_vi = t("agency_doc.unknown", "vi", name=name)
        super().__init__(self.message)

    def text(self, lang: str) -> str:
        return self.message_vi if lang == "vi" else self.message


# --------------------------------------------------------------------------- the agency


@functools.cache
def _reference_rows(name: str) -> dict[str, dict]:
    """A reference list's rows by agency id (a province's id is "p" + its code)."""
    with (REFERENCE / name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {r["id"] if "id" in r else "p" + r["code"]: r for r in rows}


def doc_code(agency: Agency) -> str:
    """The agency's code in document numbers ("BTC" in "Số: …/BC-BTC"): the reference list's
    doc_code_vi for a ministry or government agency ("VHL (doc) / KHCNVN (file-code)" → "VHL"),
    UBND for a province; '' for a unit or an agency without one (the number is left to fill)."""
    if agency.parent_id:
        return ""
    if agency.type == "province":
        return PROVINCE_DOC_CODE
    row = _reference_rows("agencies_central.csv").get(agency.id)
    text = re.sub(r"\([^()]*\)", " ", (row or {}).get("doc_code_vi") or "")
    return next((p.strip() for p in text.split("/") if p.strip()), "")


def _names(agency: Agency) -> tuple[str, str]:
    """The names the document is issued under: a province's People's Committee ("Ủy ban nhân
    dân thành phố Hà Nội"), the agency's own name otherwise."""
    row = _reference_rows("provinces_34.csv").get(agency.id)
    if agency.type != "province" or agency.parent_id or row is None:
        return agency.name_vi, agency.name_en or agency.name_vi
    full = row["full_name_vi"] or agency.name_vi
    full = full[:1].lower() + full[1:]
    return (
        t("agency_doc.province", "vi", name=full),
        t("agency_doc.province", "en", name=agency.name_en or agency.name_vi),
    )


def resolve_agency(db, name: str) -> Agency:
    """The agency of an id or a name (a registered unit too, or an agency only the store's tasks
    name); raises UnknownAgency."""
    text = str(name or "").strip()
    resolver = resolver_for(db)
    agency = (resolver.get(text) or resolver.resolve(text)) if text else None
    if agency is not None:
        return agency
    if text:
        known = store.list_agencies(db)
        hit = known.loc[known["agency_id"] == text]
        if len(hit):
            row = hit.iloc[0]
            parent = row.get("parent_id")
            return Agency(
                text,
                str(row["name_vi"] or text),
                str(row["name_en"] or row["name_vi"] or text),
                str(row["agency_type"] or "other"),
                parent if isinstance(parent, str) and parent else None,
            )
    raise UnknownAgency(text)


# --------------------------------------------------------------------------- the tasks


def _value(row, name: str):
    """A cell as a plain value: None for a missing column, None, NaN or NaT."""
    value = row.get(name)
    if value is None or isinstance(value, str) or hasattr(value, "__len__"):
        return value  # a text, or a list (numpy array) of codes
    return None if pd.isna(value) else value


def _day(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    return value.date() if isinstance(value, dt.datetime) else value


def _int(value) -> int | None:
    return None if value is None else int(value)


def _text(row, *names: str) -> str | None:
    """The first of the columns `names` with a text."""
    for name in names:
        value = _value(row, name)
        if value is not None and str(value).strip():
            return str(value)
    return None


def _task(row, lang: str) -> ReportTask:
    adjusted = bool(_value(row, "deadline_adjusted"))
    claimed = bool(_value(row, "reported_completed"))
    codes = _value(row, "cause_codes")
    return ReportTask(
        source=str(row["source"]),
        task_id=exports.shown_id(row["task_id"], _value(row, "id_derived")),  # '' if derived
        title=str(_value(row, "title") or ""),
        status=str(row["status"]),
        deadline=_day(_value(row, "deadline")),
        deadline_original=_day(_value(row, "deadline_original")) if adjusted else None,
        deadline_approved_on=vn_day(_value(row, "deadline_approved_at")) if adjusted else None,
        days_overdue=_int(_value(row, "days_overdue")) if row["status"] == "overdue" else None,
        days_late=_int(_value(row, "days_late")),
        completion_date=_day(_value(row, "completion_date")),
        claim_pending_on=_day(_value(row, "claimed_on")) if claimed else None,
        evidence=_text(row, "claim_evidence", "evidence_text")
        if claimed
        else _text(row, "evidence_text"),
        progress_note=_text(row, "progress_note", "progress"),
        causes=tuple(cause_labels(list(codes) if codes is not None else [], lang)),
        cause_text=_text(row, "cause_text", "causes"),
        commitment_date=_day(_value(row, "commitment_date")),
        commitment_missed=bool(_value(row, "commitment_missed")),
        proposals=_text(row, "reported_proposals", "proposals"),
        confidence=_text(row, "confidence"),
    )


def agency_report_from_store(
    db,
    agency_id: str,
    as_of: dt.date | None = None,
    lang: str = "vi",
    filters: Filters | None = None,
    *,
    scope: Scope | None = None,
    now: dt.datetime | None = None,
) -> AgencyReport:
    """The report of `agency_id` (an id or a name) on its tasks in force at `as_of` (default: the
    latest snapshot's date). `filters`: the view's (sources, assigning documents, difficult only,
    judged by the original deadlines); its agencies are replaced by this one. `scope`: what the
    reader may see (default: everything). `lang`: the language of the cause labels. Raises
    UnknownAgency."""
    agency = resolve_agency(db, agency_id)
    as_of = as_of or store.latest_as_of(db) or dt.datetime.now(VN).date()
    filters = dataclasses.replace(filters or Filters(), agency_ids=(agency.id,), agency_types=())
    df = store.load_tasks(db, as_of, filters, scope or Scope.everything())
    head = metrics.headline(df, as_of)
    rec = metrics.reconciled(df)
    rows = df.to_dict("records")
    tasks = tuple(_task(row, lang) for row in rows)
    sources = tuple(dict.fromkeys(str(r["source"]) for r in rows if r.get("source")))
    name_vi, name_en = _names(agency)
    made = (now or dt.datetime.now(dt.UTC)).astimezone(VN)
    return AgencyReport(
        agency_id=agency.id,
        agency_name_vi=name_vi,
        agency_name_en=name_en,
        as_of=as_of,
        made_at=made,
        counts=head,
        reported_completed=rec["reported_completed"],
        commitments_missed=rec["commitments_missed"],
        tasks=tasks,
        sources=sources,
        doc_code=doc_code(agency),
    )
