"""From file bytes to validated canonical tasks, and from there to a snapshot in the store."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from analytics import store
from analytics.agencies import Agency, default_resolver
from analytics.deadlines import DateError, format_date, parse_date, parse_deadline
from analytics.model import DONE_CLASSES, Task
from analytics.problems import InputRejected, Problem, error, warning
from analytics.reading import RawTable, read_table
from analytics.statuses import classify_status, is_difficult
from analytics.text import fold, nfc

SOURCE_NQ71 = "Nghị quyết 71/NQ-CP"
SOURCE_TBKL = "Thông báo kết luận của Ban Chỉ đạo Trung ương"
KNOWN_SOURCES = (SOURCE_NQ71, SOURCE_TBKL)

_SOURCE_PATTERNS = (
    (re.compile(r"71\s*/\s*nq\s*-?\s*cp|nq\s*71\b|nq71|nghi quyet (so )?71/nq-cp"), SOURCE_NQ71),
    (re.compile(r"thong bao ket luan|tb\s*-?\s*bcdtw|bcdtw|tbkl|conclusion notice"), SOURCE_TBKL),
)


@dataclass
class Prepared:
    """A file read and resolved, not yet stored."""

    table: RawTable
    source: str
    as_of: dt.date
    tasks: list[Task]
    agencies: list[Agency]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def detect_source(table: RawTable | None, file_name: str) -> str | None:
    """The source a file belongs to, from its title block, document column or name."""
    texts = []
    if table is not None:
        texts.extend(getattr(table, "title_lines", []) or [])
        for raw in table.rows[:50]:
            doc = raw.values.get("source_doc")
            if doc:
                texts.append(str(doc))
    texts.append(Path(file_name).stem.replace("_", " "))
    for text in texts:
        folded = fold(text)
        for pattern, source in _SOURCE_PATTERNS:
            if pattern.search(folded):
                return source
    return None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # the reader already NFC-normalised and stripped cell text
        return value or None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return format_date(value if isinstance(value, dt.date) else value.date())
    text = nfc(value)
    return text or None


def _task_id(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = value.strip() if isinstance(value, str) else nfc(value)
    return text or None


def _header(table: RawTable, field_name: str) -> str:
    idx = table.mapping.get(field_name)
    if idx is not None and idx < len(table.headers) and table.headers[idx]:
        return table.headers[idx]
    return field_name


def _derived_id(title: str, lead: str) -> str:
    digest = hashlib.blake2b(f"{fold(title)}|{fold(lead)}".encode(), digest_size=5).hexdigest()
    return f"auto-{digest}"


def resolve_rows(
    table: RawTable, as_of: dt.date
) -> tuple[list[Task], list[Agency], list[Problem], list[Problem]]:
    """Canonical tasks from a raw table, with the errors and warnings found on the way."""
    resolver = default_resolver()
    resolve_cell = functools.lru_cache(maxsize=65536)(resolver.resolve_cell)
    errors: list[Problem] = [p for p in table.warnings if p.level == "error"]
    warns: list[Problem] = [p for p in table.warnings if p.level != "error"]
    tasks: list[Task] = []
    agencies: dict[str, Agency] = {}
    seen_ids: dict[str, int] = {}
    has_id_column = "task_id" in table.mapping
    h_task, h_lead = _header(table, "task"), _header(table, "lead_agency")
    h_deadline, h_done = _header(table, "deadline"), _header(table, "completion_date")
    h_id = _header(table, "task_id")
    h_status = _header(table, "status")
    if not has_id_column:
        warns.append(
            warning(
                "derived_ids",
                "The file has no task id column; ids were derived from task title and lead agency.",
                "Tệp không có cột mã nhiệm vụ; mã được tạo từ nội dung nhiệm vụ và cơ quan chủ trì.",
            )
        )
    for raw in table.rows:
        v = raw.values
        row = raw.row
        title = _text(v.get("task"))
        lead_text = _text(v.get("lead_agency"))
        if not title:
            errors.append(
                error(
                    "missing_title",
                    f"Row {row}: the task title ({h_task}) is empty.",
                    f"Dòng {row}: nội dung nhiệm vụ ({h_task}) để trống.",
                    row=row,
                    column=h_task,
                    value="",
                )
            )
            continue
        if not lead_text:
            errors.append(
                error(
                    "missing_lead",
                    f"Row {row}: the lead agency ({h_lead}) is empty.",
                    f"Dòng {row}: cơ quan chủ trì ({h_lead}) để trống.",
                    row=row,
                    column=h_lead,
                    value="",
                )
            )
            continue
        leads, unknown = resolve_cell(lead_text)
        for name in unknown:
            sugg = tuple(a.name_vi for a in resolver.suggestions(name))
            hint = f" Did you mean: {', '.join(sugg)}?" if sugg else ""
            hint_vi = f" Có phải: {', '.join(sugg)}?" if sugg else ""
            warns.append(
                warning(
                    "unknown_agency",
                    f"Row {row}: unknown agency '{name}' kept as written.{hint}",
                    f"Dòng {row}: không nhận ra cơ quan '{name}', giữ nguyên như đã ghi.{hint_vi}",
                    row=row,
                    column=h_lead,
                    value=name,
                    suggestions=sugg,
                )
            )
        support_text = _text(v.get("support_agencies"))
        supports: list[Agency] = []
        if support_text:
            supports, _ = resolve_cell(support_text)
        for a in (*leads, *supports):
            agencies.setdefault(a.id, a)

        task_id = _task_id(v.get("task_id")) if has_id_column else None
        id_derived = False
        if not task_id:
            if has_id_column:
                warns.append(
                    warning(
                        "missing_task_id",
                        f"Row {row}: no task id ({h_id}); one was derived from the title.",
                        f"Dòng {row}: thiếu mã nhiệm vụ ({h_id}); mã được tạo từ nội dung.",
                        row=row,
                        column=h_id,
                        value="",
                    )
                )
            task_id = _derived_id(title, lead_text)
            id_derived = True
            base, n = task_id, 2
            while task_id in seen_ids:
                task_id = f"{base}-{n}"
                n += 1
        elif task_id in seen_ids:
            first = seen_ids[task_id]
            errors.append(
                error(
                    "duplicate_task_id",
                    f"Task id '{task_id}' appears on rows {first} and {row}.",
                    f"Mã nhiệm vụ '{task_id}' bị trùng ở dòng {first} và dòng {row}.",
                    row=row,
                    column=h_id,
                    value=task_id,
                )
            )
            continue
        seen_ids[task_id] = row

        raw_deadline = v.get("deadline")
        try:
            deadline = parse_deadline(
                raw_deadline, default_year=as_of.year, epoch_1904=table.epoch_1904
            )
        except DateError as exc:
            errors.append(
                error(
                    "bad_deadline",
                    f"Row {row}: {exc}",
                    f"Dòng {row}: {getattr(exc, 'message_vi', None) or exc}",
                    row=row,
                    column=h_deadline,
                    value=_text(raw_deadline),
                )
            )
            continue
        if deadline.kind == "free_text":
            warns.append(
                warning(
                    "free_text_deadline",
                    f"Row {row}: deadline '{deadline.text}' is not a date or period; the task has no deadline.",
                    f"Dòng {row}: thời hạn '{deadline.text}' không phải ngày hoặc kỳ; coi như không có thời hạn.",
                    row=row,
                    column=h_deadline,
                    value=deadline.text,
                )
            )
        raw_done = v.get("completion_date")
        try:
            completion = parse_date(raw_done, epoch_1904=table.epoch_1904)
        except DateError:
            errors.append(
                error(
                    "bad_completion_date",
                    f"Row {row}: the completion date '{_text(raw_done)}' is not a valid date.",
                    f"Dòng {row}: ngày hoàn thành '{_text(raw_done)}' không phải ngày hợp lệ.",
                    row=row,
                    column=h_done,
                    value=_text(raw_done),
                )
            )
            continue
        status_text = _text(v.get("status"))
        status_class = classify_status(status_text)
        if status_class == "unknown":
            pct = v.get("progress_pct")
            if (
                isinstance(pct, int | float)
                and pct >= 100
                or (isinstance(pct, str) and pct.strip() in ("100", "100%"))
            ):
                status_class = "done_unspecified"
        warns.extend(
            _contradictions(
                row, status_text, status_class, deadline.date, completion, as_of, h_status
            )
        )
        difficulty_raw = _text(v.get("difficulty"))
        tasks.append(
            Task(
                task_id=task_id,
                title=title,
                lead_ids=tuple(a.id for a in leads),
                lead_text=lead_text,
                group=_text(v.get("group")) or raw.group,
                support_ids=tuple(a.id for a in supports),
                support_text=support_text,
                product=_text(v.get("product")),
                deadline=deadline.date,
                deadline_text=deadline.text or None,
                deadline_kind=deadline.kind,
                status_text=status_text,
                status_class=status_class,
                completion_date=completion,
                difficult=is_difficult(difficulty_raw),
                priority=difficulty_raw,
                causes=_text(v.get("issues")),
                proposals=_text(v.get("proposals")),
                notes=_text(v.get("notes")),
                result=_text(v.get("result")),
                id_derived=id_derived,
                sheet=table.sheet,
                row=row,
            )
        )
    return tasks, list(agencies.values()), errors, warns


def _contradictions(
    row, status_text, status_class, deadline, completion, as_of, column
) -> list[Problem]:
    """Where dates and status words disagree, dates win; say so."""
    out = []

    def warn(en: str, vi: str) -> None:
        out.append(
            warning(
                "dates_vs_words",
                f"Row {row}: {en}",
                f"Dòng {row}: {vi}",
                row=row,
                column=column,
                value=status_text,
            )
        )

    done_word = status_class in DONE_CLASSES
    if (
        completion is not None
        and completion <= as_of
        and status_class
        in ("in_progress_on_time", "overdue_not_done", "not_done_unspecified", "at_risk")
    ):
        warn(
            "the status says not completed but a completion date is given; counted as completed.",
            "tình trạng ghi chưa hoàn thành nhưng có ngày hoàn thành; tính là đã hoàn thành.",
        )
    elif completion is not None and completion > as_of and done_word:
        warn(
            "the status says completed but the completion date is after the report date; counted as not completed.",
            "tình trạng ghi đã hoàn thành nhưng ngày hoàn thành sau ngày báo cáo; tính là chưa hoàn thành.",
        )
    if completion is not None and deadline is not None:
        if status_class == "done_on_time" and completion > deadline:
            warn(
                "the status says on time but the completion date is after the deadline; counted as late.",
                "tình trạng ghi đúng hạn nhưng ngày hoàn thành sau thời hạn; tính là quá hạn.",
            )
        elif status_class == "done_late" and completion <= deadline:
            warn(
                "the status says late but the completion date is within the deadline; counted as on time.",
                "tình trạng ghi quá hạn nhưng ngày hoàn thành trong thời hạn; tính là đúng hạn.",
            )
    if completion is None and not done_word and deadline is not None:
        if status_class == "overdue_not_done" and deadline >= as_of:
            warn(
                "the status says overdue but the deadline has not passed; counted as in progress.",
                "tình trạng ghi quá hạn nhưng chưa đến hạn; tính là đang thực hiện trong hạn.",
            )
        elif status_class == "in_progress_on_time" and deadline < as_of:
            warn(
                "the status says in progress within the deadline but the deadline has passed; counted as overdue.",
                "tình trạng ghi đang thực hiện trong hạn nhưng đã quá thời hạn; tính là quá hạn.",
            )
    return out


def prepare(
    data: bytes,
    file_name: str,
    *,
    as_of: dt.date,
    source: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
) -> Prepared:
    """Read and resolve a file. Raises InputRejected when the file cannot be read at all."""
    table = read_table(data, file_name, sheet=sheet, header_row=header_row, mapping=mapping)
    chosen = nfc(source) if source else detect_source(table, file_name)
    tasks, agencies, errors, warns = resolve_rows(table, as_of)
    if not chosen:
        chosen = Path(file_name).stem
        warns.append(
            warning(
                "source_from_name",
                f"The file does not say which task list it belongs to; recorded as '{chosen}'.",
                f"Tệp không ghi rõ thuộc danh mục nhiệm vụ nào; ghi nhận là '{chosen}'.",
            )
        )
    if not tasks and not errors:
        errors.append(
            error(
                "no_tasks",
                f"No task rows found below the header on row {table.header_row}.",
                f"Không tìm thấy dòng nhiệm vụ nào dưới dòng tiêu đề {table.header_row}.",
                row=table.header_row,
            )
        )
    return Prepared(table, chosen, as_of, tasks, agencies, errors, warns)


def ingest(
    db,
    data: bytes,
    file_name: str,
    *,
    as_of: dt.date,
    source: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: dict[str, int] | None = None,
    user: str | None = None,
    update_agencies: list[str] | None = None,
    _crash_after_stage: bool = False,
) -> tuple[store.CommitResult, Prepared]:
    """Read, validate and store one file as one snapshot; InputRejected stores nothing."""
    prepared = prepare(
        data,
        file_name,
        as_of=as_of,
        source=source,
        sheet=sheet,
        header_row=header_row,
        mapping=mapping,
    )
    if prepared.errors:
        raise InputRejected(prepared.errors, prepared.warnings)
    result = store.commit_snapshot(
        db,
        source=prepared.source,
        as_of=as_of,
        tasks=prepared.tasks,
        agencies=prepared.agencies,
        file_bytes=data,
        file_name=Path(file_name).name,
        sheet=prepared.table.sheet,
        header_row=prepared.table.header_row,
        user=user,
        warnings=prepared.warnings,
        update_agencies=update_agencies,
        _crash_after_stage=_crash_after_stage,
    )
    return result, prepared
