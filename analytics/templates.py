"""Workbooks the upload page hands out: a blank template, an agency's "my tasks" workbook to fill
in and send back, and an annotated copy of an uploaded file with its problem cells explained.

The template and "my tasks" share one layout: canonical columns headed in Vietnamese (the reader
recognises every header), dropdowns (data validation) for the status and the lead agency whose
lists sit on a hidden sheet, date-formatted deadline and completion cells, and an instructions
sheet. Text from the store is always written as text (never a formula, whatever it starts with),
without what an xlsx file cannot hold (`safe_text.for_xlsx`: control characters a stored value or
an uploaded cell may carry).

`annotate` opens an uploaded workbook with openpyxl, so it must run in the sandbox child (see
analytics/sandbox.py), where defusedxml is checked and memory and time are limited. Formulas are
kept as they are and never evaluated. For csv/tsv/txt, .xls and .ods (which openpyxl cannot
write back) it returns an .xlsx with the same cells at the same row and column positions.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from analytics.exports import is_formula_like
from analytics.i18n import t
from analytics.safe_text import for_xlsx

# canonical field, Vietnamese header (recognised by analytics.reading), column width
TEMPLATE_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("row_no", "STT", 6),
    ("task_id", "Mã nhiệm vụ", 16),
    ("group", "Nhóm nhiệm vụ", 24),
    ("task", "Nội dung nhiệm vụ", 60),
    ("lead_agency", "Cơ quan chủ trì", 30),
    ("support_agencies", "Cơ quan phối hợp", 30),
    ("product", "Sản phẩm", 24),
    ("deadline", "Thời hạn", 14),
    ("status", "Trạng thái", 26),
    ("progress", "Tình hình thực hiện", 40),
    ("completion_date", "Ngày hoàn thành", 14),
    ("result", "Kết quả đạt được", 30),
    ("issues", "Khó khăn, vướng mắc", 30),
    ("proposals", "Kiến nghị, đề xuất", 30),
    ("difficulty", "Mức độ khó", 10),
    ("notes", "Ghi chú", 24),
    ("source_doc", "Văn bản giao nhiệm vụ", 30),
    ("assigned_date", "Ngày giao", 14),
    ("leader", "Lãnh đạo phụ trách", 24),
    ("agency_comment", "Ý kiến của đơn vị", 30),
)
# The "my tasks" workbook's report columns after those (issue 15): what the agency reports on
# each task, filled with its latest report; sent back as an agency update, each row that changes
# them is saved as the in-app table saves it (analytics/ingest/file_reports.py). Headers are
# recognised exactly (data/reference/header_variants.csv), never as the task's own columns.
REPORT_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("report_status", "Tình trạng báo cáo", 22),
    ("report_completed_on", "Ngày hoàn thành (báo cáo)", 14),
    ("report_evidence", "Văn bản minh chứng (số, ngày)", 32),
    ("report_progress", "Tình hình thực hiện (báo cáo)", 40),
    ("report_causes", "Nguyên nhân (danh mục)", 32),
    ("report_cause_text", "Nguyên nhân (diễn giải)", 32),
    ("report_commitment", "Ngày cam kết hoàn thành", 14),
    ("report_proposals", "Đề xuất, kiến nghị (báo cáo)", 32),
    ("report_confidence", "Mức độ tin cậy", 24),
)
REPORT_DATES = ("report_completed_on", "report_commitment")
CAUSE_SEPARATOR = "; "  # several causes in one cell
STATUS_CHOICES = (
    "Đang thực hiện",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đã hoàn thành",
    "Quá hạn chưa hoàn thành",
    "Chưa hoàn thành",
    "Có nguy cơ chậm tiến độ",
    "Thường xuyên",
    "Tạm dừng",
    "Đã hủy",
)
DIFFICULTY_CHOICES = ("Khó",)
DATA_SHEET = "Nhiệm vụ"
LISTS_SHEET = "DanhMuc"
HELP_SHEET = "Hướng dẫn"
HEADER_ROW = 4  # rows 1-2: title; row 3: empty; row 4: headers
BLANK_ROWS = 300
DATE_FORMAT = "DD/MM/YYYY"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_FILL = PatternFill("solid", fgColor="1F3864")
HEADER_FONT = Font(bold=True, color="FFFFFF")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
MAX_COMMENTS = 5_000
COMMENT_AUTHOR = "Kiểm tra tệp / File check"

# The 'Hướng dẫn' sheet: each line in the file's language, then in the other.
HELP_KEYS = ("template.help_title", *(f"template.help_{i}" for i in range(1, 9)))


def _put_text(cell, value: str) -> None:
    """A string cell that is never a formula (and holds nothing an xlsx file cannot)."""
    value = for_xlsx(value)
    cell.value = value
    cell.data_type = "s"
    if is_formula_like(value):
        cell.quotePrefix = True


def _put(cell, value) -> None:
    if value is None:
        return
    if isinstance(value, str):
        _put_text(cell, value)
    elif isinstance(value, dt.date):  # datetime included
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, bool | int | float):
        cell.value = value
    else:
        _put_text(cell, str(value))


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _agency_names(agency_names: Iterable[str] | None) -> list[str]:
    if agency_names is not None:
        names = list(agency_names)
    else:
        from analytics.agencies import default_resolver

        names = [a.name_vi for a in default_resolver().all()]
    seen: set[str] = set()
    return [n for n in names if n and not (n in seen or seen.add(n))]


def report_choices(lang: str = "vi") -> dict[str, list[str]]:
    """The labels the report columns' dropdowns offer ([report_status], [cause], [confidence])."""
    from analytics.reporting.rules import CAUSES, CONFIDENCE, REPORT_STATUSES

    return {
        "report_status": [t(f"report_status.{c}", lang) for c in REPORT_STATUSES],
        "report_causes": [t(f"cause.{c}", lang) for c in CAUSES],
        "report_confidence": [t(f"confidence.{c}", lang) for c in CONFIDENCE],
    }


def _task_workbook(
    rows: Sequence[dict],
    *,
    title: str,
    subtitle: str,
    lang: str,
    agency_names: Iterable[str] | None = None,
    columns: Sequence[tuple[str, str, int]] = TEMPLATE_COLUMNS,
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    ws.cell(1, 1).font = Font(bold=True, size=13)
    _put_text(ws.cell(1, 1), title)
    _put_text(ws.cell(2, 1), subtitle)
    ws.cell(2, 1).font = Font(italic=True)
    col = {}
    for j, (fld, header, width) in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, j)
        _put_text(cell, header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(j)].width = width
        col[fld] = j
    first = HEADER_ROW + 1
    for i, rec in enumerate(rows):
        r = first + i
        for fld, j in col.items():
            _put(ws.cell(r, j), rec.get(fld))
            if fld in ("task", "result", "issues", "proposals", "notes", "report_progress"):
                ws.cell(r, j).alignment = Alignment(wrap_text=True, vertical="top")
    last = first + len(rows) + BLANK_ROWS - 1
    for fld in ("deadline", "completion_date", "assigned_date", *REPORT_DATES):
        if fld not in col:
            continue
        letter = get_column_letter(col[fld])
        for r in range(first + len(rows), last + 1):
            ws[f"{letter}{r}"].number_format = DATE_FORMAT

    # lists for the dropdowns, on a hidden sheet
    lists = wb.create_sheet(LISTS_SHEET)
    names = _agency_names(agency_names)
    for i, s in enumerate(STATUS_CHOICES, start=1):
        _put_text(lists.cell(i, 1), s)
    for i, n in enumerate(names, start=1):
        _put_text(lists.cell(i, 2), n)
    for i, s in enumerate(DIFFICULTY_CHOICES, start=1):
        _put_text(lists.cell(i, 3), s)
    report_lists = {  # field -> (the lists sheet's column, its labels)
        fld: (get_column_letter(4 + k), labels)
        for k, (fld, labels) in enumerate(report_choices(lang).items())
        if fld in col
    }
    for letter, labels in report_lists.values():
        for i, s in enumerate(labels, start=1):
            _put_text(lists[f"{letter}{i}"], s)
    lists.sheet_state = "hidden"

    def listed(fld: str, column: str, n: int, prompt: str) -> None:
        letter = get_column_letter(col[fld])
        dv = DataValidation(
            type="list",
            formula1=f"{LISTS_SHEET}!${column}$1:${column}${max(n, 1)}",
            allow_blank=True,
            showDropDown=False,  # False shows the in-cell arrow (the OOXML flag is inverted)
            showErrorMessage=True,
            errorStyle="warning",  # other values are allowed after a warning
            showInputMessage=True,
            promptTitle=ws.cell(HEADER_ROW, col[fld]).value,
            prompt=prompt,
        )
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)

    listed("status", "A", len(STATUS_CHOICES), t("template.status_prompt", lang))
    listed("lead_agency", "B", len(names), t("template.agency_prompt", lang))
    listed("difficulty", "C", len(DIFFICULTY_CHOICES), "Khó")
    for fld, (letter, labels) in report_lists.items():
        listed(fld, letter, len(labels), t(f"proposals.prompt_{fld}", lang))
    prompts = (("deadline", "template.date_prompt"), ("completion_date", "template.done_prompt"))
    prompts += tuple((f, f"proposals.prompt_{f}") for f in REPORT_DATES if f in col)
    for fld, key in prompts:
        letter = get_column_letter(col[fld])
        dv = DataValidation(
            type="date",
            operator="greaterThan",
            formula1="36526",  # 01/01/2000
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            showInputMessage=True,
            promptTitle=ws.cell(HEADER_ROW, col[fld]).value,
            prompt=t(key, lang),
        )
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)
    ws.freeze_panes = ws.cell(first, 1)

    helpws = wb.create_sheet(HELP_SHEET)
    helpws.column_dimensions["A"].width = 110
    order = ("vi", "en") if lang == "vi" else ("en", "vi")
    r = 1
    keys = HELP_KEYS + (("proposals.help_report",) if "report_status" in col else ())
    for key in keys:
        for lg in order:
            _put_text(helpws.cell(r, 1), t(key, lg))
            helpws.cell(r, 1).alignment = Alignment(wrap_text=True)
            if r == 1:
                helpws.cell(r, 1).font = Font(bold=True, size=13)
            r += 1
        r += 1
    wb.active = 0
    return _save(wb)


def blank_template(lang: str = "vi", agency_names: Iterable[str] | None = None) -> bytes:
    """An empty task sheet with the canonical Vietnamese headers, dropdowns and instructions."""
    return _task_workbook(
        [],
        title=t("template.title_blank", lang),
        subtitle=t("template.subtitle_blank", lang, row=HEADER_ROW + 1),
        lang=lang,
        agency_names=agency_names,
    )


def _date_or_none(value) -> dt.date | None:
    if value is None:
        return None
    try:
        if value != value:  # NaN / NaT
            return None
    except (TypeError, ValueError):
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _text_or_none(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    text = str(value)
    return text if text else None


def _codes(value) -> list[str]:
    """A list cell of a frame (cause_codes) as its codes: None, NaN, a list or an array."""
    if value is None or isinstance(value, float | str):
        return [value] if isinstance(value, str) and value else []
    return [str(c) for c in value if c is not None]


def report_cells(rec: dict, lang: str = "vi") -> dict:
    """The report columns of one task (a task frame's record): its latest report, written as
    the reader takes it back (labels for codes, dates as date cells)."""
    status = _text_or_none(rec.get("status_reported"))
    confidence = _text_or_none(rec.get("confidence"))
    done_on = None
    if status == "completed":  # the pending claim's date, else the confirmed one
        done_on = _date_or_none(rec.get("claimed_on")) or _date_or_none(rec.get("confirmed_on"))
    causes = [t(f"cause.{c}", lang) for c in _codes(rec.get("cause_codes"))]
    return {
        "report_status": t(f"report_status.{status}", lang) if status else None,
        "report_completed_on": done_on,
        "report_evidence": _text_or_none(rec.get("evidence_text")),
        "report_progress": _text_or_none(rec.get("progress_note")),
        "report_causes": CAUSE_SEPARATOR.join(causes) or None,
        "report_cause_text": _text_or_none(rec.get("cause_text")),
        "report_commitment": _date_or_none(rec.get("commitment_date")),
        "report_proposals": _text_or_none(rec.get("reported_proposals")),
        "report_confidence": t(f"confidence.{confidence}", lang) if confidence else None,
    }


def task_rows(frame, source: str | None = None, lang: str | None = None) -> list[dict]:
    """Template rows from a task frame (store.load_tasks columns), written so that reading them
    back gives the same task: dates as date cells, periods as their text, texts as written.
    `lang`: with the report columns (`report_cells`) in that language."""
    from analytics.deadlines import format_date

    rows = []
    for n, rec in enumerate(frame.to_dict("records"), start=1):
        kind = rec.get("deadline_kind")
        deadline = _date_or_none(rec.get("deadline"))
        deadline_text = _text_or_none(rec.get("deadline_text"))
        if (
            kind == "date"
            and deadline is not None
            and deadline_text in (None, format_date(deadline))
        ):
            deadline_cell: object = deadline  # a date cell reads back as the same text
        else:
            deadline_cell = deadline_text  # as written ("21/5/2025", "Quý IV/2025")
        rows.append(
            {
                "row_no": n,
                "task_id": _text_or_none(rec.get("task_id")),
                "group": _text_or_none(rec.get("grp")),
                "task": _text_or_none(rec.get("title")),
                "lead_agency": _text_or_none(rec.get("lead_text")),
                "support_agencies": _text_or_none(rec.get("support_text")),
                "product": _text_or_none(rec.get("product")),
                "deadline": deadline_cell,
                "status": _text_or_none(rec.get("status_text")),
                "progress": _text_or_none(rec.get("progress")),
                "completion_date": _date_or_none(rec.get("completion_date")),
                "result": _text_or_none(rec.get("result")),
                "issues": _text_or_none(rec.get("causes")),
                "proposals": _text_or_none(rec.get("proposals")),
                "difficulty": _text_or_none(rec.get("priority")),
                "notes": _text_or_none(rec.get("notes")),
                # the task's own attributes, so that they read back unchanged (the source is
                # named in the title block, which the reader looks at first)
                "source_doc": _text_or_none(rec.get("source_doc")),
                "assigned_date": _date_or_none(rec.get("assigned_date")),
                "leader": _text_or_none(rec.get("leader")),
                "agency_comment": _text_or_none(rec.get("agency_comment")),
                **(report_cells(rec, lang) if lang else {}),
            }
        )
    return rows


def my_tasks_workbook(
    frame,
    *,
    agency_name: str,
    source: str,
    as_of: dt.date,
    lang: str = "vi",
    agency_names: Iterable[str] | None = None,
) -> bytes:
    """An agency's current tasks in one source, with their ids and their latest reports (the
    report columns, REPORT_COLUMNS), to fill in and upload back."""
    from analytics.i18n import fmt_date

    return _task_workbook(
        task_rows(frame, source, lang),
        title=t("template.title_mine", lang, agency=agency_name, source=source),
        subtitle=t("template.subtitle_mine", lang, date=fmt_date(as_of, lang)),
        lang=lang,
        agency_names=agency_names,
        columns=TEMPLATE_COLUMNS + REPORT_COLUMNS,
    )


# --------------------------------------------------------------------------- annotated copy


def _problem_text(p, lang: str) -> str:
    text = p.message_vi if lang == "vi" else p.message
    if p.suggestions:
        text += " " + t("template.suggest", lang, names=", ".join(p.suggestions))
    return text


def _column_index(p, table: dict) -> int | None:
    """0-based column of a problem: its header as written, else its canonical field."""
    if not p.column:
        return None
    headers = list(table.get("headers") or [])
    if p.column in headers:
        return headers.index(p.column)
    mapping = table.get("mapping") or {}
    if p.column in mapping:
        return int(mapping[p.column])
    return None


def _grid_rows(data: bytes, table: dict) -> list[list]:
    """The cells of the sheet that was read (text files: the records), for a rebuilt copy."""
    from analytics.reading import TEXT_FORMATS

    if table.get("file_format") in TEXT_FORMATS:  # delimited text, or a web page named .xls
        from analytics.reading.delimited import text_rows

        return text_rows(data, table.get("delimiter"))
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = table.get("sheet")
    if sheet not in wb.sheet_names:
        sheet = wb.sheet_names[0]
    return wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _rebuilt(data: bytes, table: dict, lang: str):
    wb = Workbook()
    ws = wb.active
    ws.title = _safe_title(table.get("sheet") or DATA_SHEET)
    _copy_cells(ws, _grid_rows(data, table))
    return wb, ws


def _copy_cells(ws, rows: list[list]) -> None:
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            _put(ws.cell(i, j), value)


def _sheets_read(data: bytes, table: dict, wb, ws, rebuilt: bool) -> dict[str, tuple]:
    """Several task sheets read: each sheet's worksheet in the copy and its own reading (a
    rebuilt copy gets every sheet read); one sheet: {}."""
    per_sheet = table.get("sheets") or {}
    if len(per_sheet) < 2:
        return {}
    out = {}
    for name, reading in per_sheet.items():
        info = {**table, **reading, "sheet": name}
        if name == table.get("sheet"):
            out[name] = (ws, info)
        elif not rebuilt and name in wb.sheetnames:
            out[name] = (wb[name], info)
        elif rebuilt:
            other = wb.create_sheet(_safe_title(name))
            _copy_cells(other, _grid_rows(data, info))
            out[name] = (other, info)
    return out


def _safe_title(name: str) -> str:
    bad = "[]:*?/\\"
    clean = "".join("_" if ch in bad else ch for ch in for_xlsx(str(name))).strip("'") or "Sheet"
    return clean[:31]


def _anchor(ws, row: int, col: int):
    """The cell that can carry a comment: the top-left cell of a merged range."""
    cell = ws.cell(row, col)
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def annotate(
    data: bytes, file_name: str, table: dict, problems: Sequence, lang: str = "vi"
) -> bytes:
    """The uploaded workbook with problem cells filled (red error, yellow warning) and explained
    in cell comments, plus a sheet listing every problem. Run only inside the sandbox child."""
    fmt = table.get("file_format")
    wb = ws = None
    if fmt in ("xlsx", "xlsm"):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False)
        except Exception:  # openpyxl refuses what calamine read: rebuild from the cells
            wb = None
        if wb is not None:
            sheet = table.get("sheet")
            ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
    rebuilt = wb is None or ws is None
    if rebuilt:
        wb, ws = _rebuilt(data, table, lang)
    sheets = _sheets_read(data, table, wb, ws, rebuilt)
    order = {name: k for k, name in enumerate(sheets)}

    cells: dict[tuple[int, int, int], list] = {}
    for p in problems:
        if not p.row:
            continue
        if sheets and p.sheet not in sheets:
            continue  # not a cell of a sheet read: listed on the problems sheet only
        _ws, info = sheets[p.sheet] if sheets else (ws, table)
        c = _column_index(p, info)
        key = (order.get(p.sheet, 0), int(p.row), (c if c is not None else 0) + 1)
        cells.setdefault(key, []).append(p)
    n_comments = 0
    targets = list(sheets.values()) or [(ws, table)]
    for (k, r, c), found in sorted(cells.items()):
        ws_p, info = targets[k]
        cell = _anchor(ws_p, r, c)
        is_error = any(p.level == "error" for p in found)
        cell.fill = ERROR_FILL if is_error else WARNING_FILL
        if n_comments >= MAX_COMMENTS:
            continue
        lines = []
        for p in found:
            level = t(
                "template.level_error" if p.level == "error" else "template.level_warning", lang
            )
            prefix = "" if _column_index(p, info) is not None or not p.column else f"[{p.column}] "
            lines.append(f"{level}: {prefix}{_problem_text(p, lang)}")
        text = "\n".join(lines)
        if cell.comment is not None and cell.comment.text:
            text = text + "\n---\n" + cell.comment.text
        comment = Comment(for_xlsx(text[:30_000]), COMMENT_AUTHOR)
        comment.width = 420
        comment.height = min(60 + 40 * len(lines), 600)
        cell.comment = comment
        n_comments += 1

    name = t("template.problems_sheet", lang)
    while name in wb.sheetnames:
        name = name + "_"
    ps = wb.create_sheet(name)
    n_err = sum(1 for p in problems if p.level == "error")
    n_warn = len(problems) - n_err
    _put_text(
        ps.cell(1, 1),
        t("template.summary_title", lang, name=file_name, errors=n_err, warnings=n_warn),
    )
    ps.cell(1, 1).font = Font(bold=True)
    if len(cells) > MAX_COMMENTS:
        _put_text(ps.cell(2, 1), t("template.more_comments", lang, n=MAX_COMMENTS, sheet=name))
    heads = ("col.level", "col.row", "col.column", "col.value", "col.message", "col.suggestions")
    widths = (10, 8, 24, 30, 90, 40)
    for j, (key, width) in enumerate(zip(heads, widths, strict=True), start=1):
        cell = ps.cell(3, j)
        _put_text(cell, t(key, lang))
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        ps.column_dimensions[get_column_letter(j)].width = width
    ordered = sorted(
        problems, key=lambda p: (p.level != "error", order.get(p.sheet, -1), p.row or 0)
    )
    for i, p in enumerate(ordered, start=4):
        level = t("template.level_error" if p.level == "error" else "template.level_warning", lang)
        _put_text(ps.cell(i, 1), level)
        ps.cell(i, 1).fill = ERROR_FILL if p.level == "error" else WARNING_FILL
        if p.row:
            ps.cell(i, 2).value = int(p.row)
        _put(ps.cell(i, 3), p.column)
        _put(ps.cell(i, 4), p.value)
        _put_text(ps.cell(i, 5), p.message_vi if lang == "vi" else p.message)
        ps.cell(i, 5).alignment = Alignment(wrap_text=True, vertical="top")
        if p.suggestions:
            _put_text(ps.cell(i, 6), "; ".join(p.suggestions))
    ps.freeze_panes = ps.cell(4, 1)
    return _save(wb)


def annotated_name(file_name: str) -> str:
    """A download name derived from the upload's name (display only, never a path)."""
    stem = file_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:60] or "tep"
    return f"{keep}_kiem_tra.xlsx"
