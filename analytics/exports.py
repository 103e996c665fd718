"""Tables as users see them, and as Excel and CSV files that are safe to open.

Text that a spreadsheet would run as a formula (starting with = + - @ tab CR) is written as
plain text: an inert string cell in xlsx, a leading apostrophe in CSV. What an xlsx file cannot
hold (control characters a stored value may carry) is cleaned first (`safe_text.for_xlsx`), so
no stored value can make an export fail.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from analytics.i18n import DATE_EXCEL, source_label, t
from analytics.reporting import words
from analytics.safe_text import for_xlsx

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralise_csv(value: object) -> object:
    return "'" + value if is_formula_like(value) else value


# --------------------------------------------------------------------------- task tables

TASK_COLUMNS = (
    ("task_id", "col.task_id"),
    ("source", "col.source"),
    ("title", "col.title"),
    ("lead", "col.lead"),
    ("status_label", "col.status"),
    ("deadline", "col.deadline"),
    ("deadline_text", "col.deadline_text"),
    ("days_overdue", "col.days_overdue"),
    ("completion_date", "col.completion_date"),
    ("days_late", "col.days_late"),
    ("status_text", "col.status_text"),
    ("progress", "col.progress"),
    ("source_doc", "col.source_doc"),
    ("assigned_date", "col.assigned_date"),
    ("leader", "col.leader"),
    ("agency_comment", "col.agency_comment"),
    ("support", "col.support"),
    ("product", "col.product"),
    ("grp", "col.group"),
    ("causes", "col.causes"),
    ("proposals", "col.proposals"),
    ("difficult", "col.difficult"),
    ("snapshot_as_of", "viewer16.col_snapshot_date"),  # the date of the snapshot the row is of
    ("origin_file", "col.file"),
    ("origin_sheet", "col.sheet"),
    ("origin_row", "col.row"),
    # what agencies reported (issue 15): only where a table names them (REPORTED_FIELDS)
    ("deadline_original", "pages_reported.col_deadline_original"),
    ("deadline_note", "pages_reported.col_deadline_note"),
    ("report_state", "pages_reported.col_report"),
    ("claimed_on", "pages_reported.col_claimed_on"),
    ("commitment_date", "pages_reported.col_commitment_date"),
    ("commitment_missed", "pages_reported.col_commitment_missed"),
    ("confidence", "pages_reported.col_confidence"),
    ("reported_causes", "pages_reported.col_causes"),
    ("cause_text", "pages_reported.col_cause_text"),
    ("cancel_reason", "pages_reported.col_cancel_reason"),
    ("cancel_document", "pages_reported.col_cancel_document"),
)

# The columns of what agencies reported and the steering office decided: a table (or file) has
# them when it names them; present_tasks without `columns` leaves them out.
REPORTED_FIELDS = (
    "deadline_original",
    "deadline_note",
    "report_state",
    "claimed_on",
    "commitment_date",
    "commitment_missed",
    "confidence",
    "reported_causes",
    "cause_text",
    "cancel_reason",
    "cancel_document",
)
DEFAULT_COLUMNS = tuple(c for c, _ in TASK_COLUMNS if c not in REPORTED_FIELDS)

# The task attributes real systems carry (the assigning document, the date assigned, the leader
# in charge, the agency's comment, the progress text).
ATTRIBUTE_COLUMNS = ("source_doc", "assigned_date", "leader", "agency_comment", "progress")


def shown_columns(columns, df: pd.DataFrame) -> list[str]:
    """`columns` for a table on a page: the task attributes that no task of `df` carries are
    left out (files without such a column would show an empty one); the Excel exports keep
    their columns whatever they hold."""
    return [
        c
        for c in columns
        if c not in ATTRIBUTE_COLUMNS or (c in df.columns and bool(df[c].notna().any()))
    ]


DERIVED_ID = re.compile(r"auto-[0-9a-f]{10}")  # analytics/ingest/cells.py _derived_id


def shown_id(task_id, derived=None) -> str:
    """A task's code as users read it: '' for an id the ingest derived for a row without one
    ('auto-fe4785b4de' means nothing to anyone; the title names the task). `derived`: the
    task's id_derived; unknown (None, a held-back row), an id of the derived form."""
    if not _present(task_id):
        return ""
    if _present(derived) and not isinstance(derived, str):
        if bool(derived):
            return ""
    elif DERIVED_ID.fullmatch(str(task_id)):
        return ""
    return str(task_id)


def task_codes(df: pd.DataFrame) -> list[str]:
    """shown_id of every task of a frame (by its id_derived column when it has one)."""
    derived = df["id_derived"] if "id_derived" in df.columns else [None] * len(df)
    return [shown_id(i, d) for i, d in zip(df["task_id"], derived, strict=True)]


def agency_names(agencies: pd.DataFrame, lang: str) -> dict[str, str]:
    col = "name_vi" if lang == "vi" else "name_en"
    return dict(zip(agencies["agency_id"], agencies[col].fillna(agencies["name_vi"]), strict=False))


def present_tasks(
    df: pd.DataFrame, agencies: pd.DataFrame, lang: str = "vi", columns=None
) -> pd.DataFrame:
    """A task frame with readable agency names and status labels, headed in `lang`."""
    names = agency_names(agencies, lang)
    wanted = list(columns or DEFAULT_COLUMNS)
    out = pd.DataFrame(index=df.index)
    for col, label_key in TASK_COLUMNS:
        if col not in wanted:
            continue
        if col == "task_id":
            values = task_codes(df)
        elif col == "lead":
            values = df["lead_ids"].map(
                lambda ids: "; ".join(names.get(i, i) for i in ids) if ids is not None else ""
            )
        elif col == "support":
            values = df["support_ids"].map(
                lambda ids: (
                    "; ".join(names.get(i, i) for i in ids) if ids is not None and len(ids) else ""
                )
            )
        elif col == "status_label":
            values = df["status"].map(lambda s: t(f"status.{s}", lang))
        elif col == "source":
            values = df["source"].map(lambda s: source_label(s, lang))
        elif col in REPORTED_FIELDS:
            values = reported_values(df, col, lang)
        elif col not in df.columns and col in (*ATTRIBUTE_COLUMNS, "snapshot_as_of"):
            values = None  # a frame from before the task attributes: the column stays empty
        elif col in ("deadline", "completion_date", "assigned_date", "snapshot_as_of"):
            values = pd.to_datetime(df[col]).dt.date
        elif col in ("days_overdue", "days_late", "origin_row"):
            values = df[col].astype("Int64")
        elif col == "difficult":
            yes = t("common.yes", lang)
            values = df[col].map({True: yes, False: ""}).fillna("")
        else:
            values = df[col]
        out[t(label_key, lang)] = values
    return out.reset_index(drop=True)


def _present(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return False
    return not (isinstance(value, float) and value != value)


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.date.astype(object).where(series.map(_present), None)


def _cause_list(codes) -> list[str]:
    if codes is None or isinstance(codes, str | float):
        return []
    return list(codes)


def _deadline_notes(df: pd.DataFrame, lang: str) -> list[str]:
    """words.deadline_note of every task: the approved change, also when the view judges by the
    original deadlines (`deadline` is then the original one)."""
    if "adjusted_deadline" in df.columns:
        adjusted = df["adjusted_deadline"]
    elif "deadline_adjusted" in df.columns:
        adjusted = df["deadline"].where(df["deadline_adjusted"].fillna(False).astype(bool), None)
    else:
        return [""] * len(df)
    approved = df["deadline_approved_at"] if "deadline_approved_at" in df.columns else None
    out = []
    for i, (orig, new) in enumerate(zip(df["deadline_original"], adjusted, strict=True)):
        on = approved.iloc[i] if approved is not None else None
        out.append(
            words.deadline_note(
                orig if _present(orig) else None,
                new if _present(new) else None,
                on if _present(on) else None,
                lang,
            )
            if _present(new)
            else ""
        )
    return out


def reported_values(df: pd.DataFrame, col: str, lang: str) -> pd.Series | list | None:
    """One column of what agencies reported, as users read it (None: the frame has none)."""
    if col == "deadline_note":
        return _deadline_notes(df, lang) if "deadline_original" in df.columns else None
    if col == "report_state":
        if "status_reported" not in df.columns:
            return None
        claimed = df.get("reported_completed", pd.Series(False, index=df.index))
        awaiting = t("pages_reported.awaiting", lang)
        return [
            awaiting if bool(c) else words.status_label(s, lang)
            for c, s in zip(claimed.fillna(False), df["status_reported"], strict=True)
        ]
    source = "cause_codes" if col == "reported_causes" else col
    if source not in df.columns:
        return None
    if col in ("deadline_original", "claimed_on", "commitment_date"):
        return _dates(df[source])
    if col == "commitment_missed":
        missed = t("pages_reported.missed", lang)
        return df[source].fillna(False).astype(bool).map({True: missed, False: ""})
    if col == "confidence":
        return df[source].map(lambda c: words.confidence_label(c, lang))
    if col == "reported_causes":
        return df[source].map(lambda c: "; ".join(words.cause_labels(_cause_list(c), lang)))
    return df[source]


def without_empty_reported(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A presented table on screen: the reported columns no task fills are left out (the
    original deadline too when no deadline was adjusted); the files keep every column."""
    labels = dict(TASK_COLUMNS)
    drop = []
    for field in REPORTED_FIELDS:
        label = t(labels[field], lang)
        if label not in frame.columns:
            continue
        values = frame[label]
        if field == "deadline_original":
            note = t(labels["deadline_note"], lang)
            values = frame[note] if note in frame.columns else values.iloc[0:0]
        filled = values.map(lambda v: _present(v) and v != "")
        if not bool(filled.any()):
            drop.append(label)
    return frame.drop(columns=drop)


# --------------------------------------------------------------------------- files

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def _cell_value(value):
    if value is None or value is pd.NA:  # pd.NA: the missing value of Int64 columns
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return value.item()
        except (ValueError, AttributeError):
            return str(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def write_sheet(ws, frame: pd.DataFrame, lang: str = "vi", title: str | None = None) -> None:
    """Write a frame as a styled table: header row, frozen panes, autofilter, real dates."""
    date_format = DATE_EXCEL  # both languages
    start = 1
    if title:
        ws.cell(row=1, column=1, value=for_xlsx(title)).font = Font(bold=True, size=13)
        start = 3
    widths = []
    for j, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=start, column=j, value=for_xlsx(str(name)))
        if is_formula_like(cell.value):
            cell.data_type = "s"
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        widths.append(min(max(len(str(name)), 8), 60))
    for i, row in enumerate(frame.itertuples(index=False), start=start + 1):
        for j, raw in enumerate(row, start=1):
            value = _cell_value(raw)
            cell = ws.cell(row=i, column=j)
            if isinstance(value, str):
                value = for_xlsx(value)
                cell.value = value
                cell.data_type = "s"  # never a formula, whatever the text starts with
                if is_formula_like(value):
                    cell.quotePrefix = True
                widths[j - 1] = min(max(widths[j - 1], len(value) if len(value) < 80 else 60), 60)
            elif isinstance(value, dt.datetime | dt.date):
                cell.value = value
                cell.number_format = date_format
                widths[j - 1] = max(widths[j - 1], 11)
            else:
                cell.value = value
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width + 2
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    if len(frame.columns):
        last = get_column_letter(len(frame.columns))
        ws.auto_filter.ref = f"A{start}:{last}{start + max(len(frame), 1)}"


def to_xlsx(
    sheets: Mapping[str, pd.DataFrame], lang: str = "vi", titles: Mapping[str, str] | None = None
) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=_sheet_title(name))
        write_sheet(ws, frame, lang, (titles or {}).get(name))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(name: str) -> str:
    bad = "[]:*?/\\"
    clean = "".join("_" if ch in bad else ch for ch in for_xlsx(name)).strip("'") or "Sheet"
    return clean[:31]


def _csv_date(value) -> object:
    """A date as dd/mm/yyyy, a moment as dd/mm/yyyy HH:MM (as the pages show them; a CSV file
    has no date cells, and pandas would write ISO)."""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value == value else None
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel opens it with the diacritics right), formula-like text
    neutralised, dates dd/mm/yyyy."""
    safe = frame.copy()
    safe.columns = [neutralise_csv(str(c)) for c in safe.columns]
    for col in safe.columns:
        if pd.api.types.is_datetime64_any_dtype(safe[col]):
            safe[col] = safe[col].astype(object).map(_csv_date)
        if safe[col].dtype == object or pd.api.types.is_string_dtype(safe[col]):
            safe[col] = safe[col].map(lambda v: neutralise_csv(_csv_date(v)))
    return safe.to_csv(index=False).encode("utf-8-sig")
