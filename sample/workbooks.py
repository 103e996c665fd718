"""The sample workbooks: each snapshot in its source's appendix layout (title block, header,
groups, lead cells merged over runs, footer), saved with fixed times so the bytes never change."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from sample.manifest import (
    _ZIP_TIME,
    D1,
    D2,
    D3,
    FIXED_TIME,
    SAMPLE_DIR,
    SOURCE_NQ71,
    SOURCE_TBKL,
    SampleFile,
    sample_files,
)
from sample.snapshots import SampleTask, build_snapshots
from sample.vocabulary import _GROUPS, _ROMAN

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name="Times New Roman", size=11)
_BOLD = Font(name="Times New Roman", size=11, bold=True)
_TITLE = Font(name="Times New Roman", size=13, bold=True)
_ITALIC = Font(name="Times New Roman", size=11, italic=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
_DATE_FORMAT = "dd/mm/yyyy"

# Layout per source: (field, header, width); TBKL's "Thời hạn" spans two columns (row 5 over 6).
_NQ71_COLUMNS = (
    ("row_no", "STT", 6),
    ("task_id", "Mã nhiệm vụ", 11),
    ("task", "Nội dung nhiệm vụ", 52),
    ("lead", "Cơ quan chủ trì", 24),
    ("support", "Cơ quan phối hợp", 24),
    ("product", "Sản phẩm", 16),
    ("deadline", "Thời hạn hoàn thành", 15),
    ("status", "Tình hình thực hiện", 18),
    ("completion", "Ngày hoàn thành", 13),
    ("issues", "Khó khăn, vướng mắc", 30),
    ("difficulty", "Mức độ khó", 9),
    ("notes", "Ghi chú", 22),
)
_TBKL_COLUMNS = (
    ("row_no", "TT", 6),
    ("notice", "Thông báo kết luận", 18),
    ("task", "Nhiệm vụ", 52),
    ("lead", "Đơn vị chủ trì", 24),
    ("support", "Đơn vị phối hợp", 24),
    ("product", "Kết quả/Sản phẩm", 16),
    ("deadline", "Theo kế hoạch", 15),
    ("completion", "Ngày hoàn thành", 13),
    ("status", "Tình trạng", 18),
    ("issues", "Nguyên nhân", 30),
    ("difficulty", "Mức độ khó", 9),
    ("notes", "Ghi chú", 22),
    ("task_id", "Mã NV", 11),
)
HEADER_ROW = {SOURCE_NQ71: 6, SOURCE_TBKL: 5}  # first header row
DATA_START_ROW = 8  # after the header and the "(1) (2) ..." row, in both layouts


def _fmt_date(d: dt.date) -> str:
    return f"{d.day}/{d.month}/{d.year}"


def _title_block(source: str, as_of: dt.date) -> list[tuple[str, Font]]:
    report_no = {D1: "215", D2: "312", D3: "468"}[as_of]
    report_day = as_of + dt.timedelta(days=1)
    if source == SOURCE_NQ71:
        return [
            ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", _BOLD),
            ("PHỤ LỤC I", _TITLE),
            (
                "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ TẠI NGHỊ QUYẾT SỐ 71/NQ-CP NGÀY 01/4/2025 CỦA CHÍNH PHỦ "
                f"(tính đến ngày {_fmt_date(as_of)})",
                _TITLE,
            ),
            (
                f"(Kèm theo Báo cáo số {report_no}/BC-BKHCN ngày {_fmt_date(report_day)} "
                "của Bộ Khoa học và Công nghệ)",
                _ITALIC,
            ),
        ]
    return [
        ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", _BOLD),
        ("PHỤ LỤC II", _TITLE),
        (
            "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ TẠI CÁC THÔNG BÁO KẾT LUẬN CỦA BAN CHỈ ĐẠO TRUNG ƯƠNG "
            "VỀ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ",
            _TITLE,
        ),
        (
            f"(Số liệu đến ngày {_fmt_date(as_of)}; kèm theo Báo cáo số {int(report_no) + 1}/BC-BKHCN "
            f"ngày {_fmt_date(report_day)} của Bộ Khoa học và Công nghệ)",
            _ITALIC,
        ),
    ]


def _cell_values(t: SampleTask, row_no: int) -> dict[str, object]:
    return {
        "row_no": row_no,
        "task_id": t.task_id,
        "notice": f"Thông báo số {t.notice}" if t.notice else None,
        "task": t.title,
        "lead": t.lead_text,
        "support": t.support_text or None,
        "product": t.product,
        "deadline": t.deadline_cell,
        "status": t.status_text,
        "completion": t.completion_cell,
        "issues": t.cause,
        "difficulty": "Khó" if t.difficult else None,
        "notes": t.note,
    }


def _footer_lines(source: str, tasks: list[SampleTask]) -> list[str]:
    c = Counter(t.status for t in tasks)
    done = c["completed_on_time"] + c["completed_late"]
    return [
        f"Tổng cộng: {len(tasks)} nhiệm vụ (đã hoàn thành {done}, trong đó đúng hạn "
        f"{c['completed_on_time']}, quá hạn {c['completed_late']}; quá hạn chưa hoàn thành "
        f"{c['overdue']})",
        "",
        "Ghi chú:",
        "- Nhiệm vụ có thời hạn theo tháng, quý, năm được tính đến ngày cuối cùng của kỳ.",
        "- Nhiệm vụ thực hiện thường xuyên không tính quá hạn.",
        "- Số liệu tổng hợp từ báo cáo của các bộ, ngành, địa phương và Hệ thống giám sát, đánh giá.",
        "",
        "Nơi nhận:",
        "- Phó Thủ tướng Nguyễn Chí Dũng (để b/c);",
        "- Văn phòng Chính phủ;",
        "- Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
        "- UBND các tỉnh, thành phố trực thuộc trung ương;",
        "- Lưu: VT, VP.",
    ]


def _write_snapshot(path: Path, source: str, as_of: dt.date, tasks: list[SampleTask]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục I" if source == SOURCE_NQ71 else "Phụ lục II"
    columns = _NQ71_COLUMNS if source == SOURCE_NQ71 else _TBKL_COLUMNS
    ncol = len(columns)
    last = get_column_letter(ncol)
    col_of = {f: i + 1 for i, (f, _, _) in enumerate(columns)}
    for i, (_, _, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    for r, (text, font) in enumerate(_title_block(source, as_of), start=1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.font = font
        if r == 1:
            ws.merge_cells(f"A1:{get_column_letter(3)}1")
            cell.alignment = Alignment(horizontal="center")
        else:
            ws.merge_cells(f"A{r}:{last}{r}")
            cell.alignment = _CENTER
    ws.row_dimensions[3].height = 36

    h = HEADER_ROW[source]
    if source == SOURCE_NQ71:
        for f, text, _ in columns:
            cell = ws.cell(row=h, column=col_of[f], value=text)
            cell.font, cell.alignment, cell.border = _BOLD, _CENTER, _BORDER
        ws.row_dimensions[h].height = 32
    else:
        for f, text, _ in columns:
            c = col_of[f]
            if f == "deadline":
                ws.cell(row=h, column=c, value="Thời hạn")
                ws.merge_cells(start_row=h, start_column=c, end_row=h, end_column=c + 1)
                ws.cell(row=h + 1, column=c, value=text)
            elif f == "completion":
                ws.cell(row=h + 1, column=c, value=text)
            else:
                ws.cell(row=h, column=c, value=text)
                ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
        for r in (h, h + 1):
            for c in range(1, ncol + 1):
                cell = ws.cell(row=r, column=c)
                cell.font, cell.alignment, cell.border = _BOLD, _CENTER, _BORDER
    numbers_row = DATA_START_ROW - 1
    for c in range(1, ncol + 1):
        cell = ws.cell(row=numbers_row, column=c, value=f"({c})")
        cell.font, cell.alignment, cell.border = _ITALIC, _CENTER, _BORDER

    row = DATA_START_ROW
    groups = _GROUPS[source]
    counter = 0
    lead_col = col_of["lead"]
    for gi, (gkey, gtitle) in enumerate(groups.items()):
        members = [t for t in tasks if t.group == gkey]
        if not members:
            continue
        ws.cell(row=row, column=1, value=_ROMAN[gi])
        ws.cell(row=row, column=col_of["task"], value=gtitle)
        for c in range(1, ncol + 1):
            cell = ws.cell(row=row, column=c)
            cell.font, cell.alignment, cell.border = _BOLD, _WRAP, _BORDER
        ws.cell(row=row, column=1).alignment = _CENTER
        row += 1
        if source == SOURCE_TBKL:
            counter = 0  # numbering restarts in each section
        run_start = row
        for i, t in enumerate(members):
            counter += 1
            values = _cell_values(t, counter)
            for f, _, _ in columns:
                v = values[f]
                cell = ws.cell(row=row, column=col_of[f], value=v)
                cell.font, cell.border = _FONT, _BORDER
                cell.alignment = _CENTER if f not in ("task", "issues", "support") else _WRAP
                if isinstance(v, dt.date):
                    cell.number_format = _DATE_FORMAT
            # Merge the lead cell over a run of rows with the same single lead.
            nxt = members[i + 1] if i + 1 < len(members) else None
            same = nxt is not None and nxt.lead_text == t.lead_text and len(t.leads) == 1
            if not same:
                first_task = members[i - (row - run_start)]
                if row > run_start and first_task.merge_lead:
                    ws.merge_cells(
                        start_row=run_start, start_column=lead_col, end_row=row, end_column=lead_col
                    )
                run_start = row + 1
            row += 1

    for text in _footer_lines(source, tasks):
        if text:
            cell = ws.cell(row=row, column=1, value=text)
            cell.font = _BOLD if text.endswith(":") or text.startswith("Tổng") else _FONT
        row += 1
    sign = row - 6
    for k, text in enumerate(("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "", "", "Bùi Thế Duy")):
        if text:
            cell = ws.cell(row=sign + k, column=col_of["issues"], value=text)
            cell.font, cell.alignment = _BOLD, Alignment(horizontal="center")
    ws.freeze_panes = ws.cell(row=DATA_START_ROW, column=1)
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = f"{h}:{DATA_START_ROW - 1}"
    _save(wb, path)


def _save(wb: Workbook, path: Path) -> None:
    """Save with fixed document times and zip entry times, so the bytes never change."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "Bộ Khoa học và Công nghệ"
    wb.properties.lastModifiedBy = "Bộ Khoa học và Công nghệ"
    buf = io.BytesIO()
    wb.save(buf)
    _normalise_zip(buf.getvalue(), path)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _normalise_zip(data: bytes, path: Path) -> None:
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    Path(path).write_bytes(out.getvalue())


def generate(directory: Path = SAMPLE_DIR) -> list[SampleFile]:
    """(Re)write every sample workbook into ``directory``; returns them in load order."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    snapshots = build_snapshots()
    files = sample_files(directory)
    for f in files:
        _write_snapshot(f.path, f.source, f.as_of, snapshots[(f.source, f.as_of)])
    return files
