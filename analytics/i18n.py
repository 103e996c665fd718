"""Vietnamese first, English second: labels shared by pages, reports and exports."""

from __future__ import annotations

import datetime as dt

LANGS = ("vi", "en")

STRINGS: dict[str, tuple[str, str]] = {
    # frame
    "app_title": ("Theo dõi nhiệm vụ Nghị quyết 57 – 71", "Resolution 57 – 71 task tracker"),
    "app_subtitle": (
        "Nghị quyết 71/NQ-CP và Thông báo kết luận của Ban Chỉ đạo Trung ương",
        "Resolution 71/NQ-CP and the Central Steering Committee's conclusion notices",
    ),
    "page_briefing": ("Tổng quan", "Briefing"),
    "page_agency": ("Bộ, ngành, địa phương", "Agency"),
    "page_workload": ("Khối lượng theo tháng", "Monthly workload"),
    "page_trends": ("Diễn biến", "Trends"),
    "page_data": ("Dữ liệu", "Data"),
    "page_upload": ("Cập nhật dữ liệu", "Upload"),
    "page_admin": ("Quản trị", "Administration"),
    "language": ("Ngôn ngữ / Language", "Ngôn ngữ / Language"),
    "filters": ("Bộ lọc", "Filters"),
    "as_of": ("Số liệu tính đến ngày", "Figures as of"),
    "sources": ("Nguồn nhiệm vụ", "Task sources"),
    "all_sources": ("Tất cả nguồn", "All sources"),
    "agency_type": ("Loại cơ quan", "Agency type"),
    "type_all": ("Tất cả", "All"),
    "type_central": ("Bộ, ngành", "Ministries and agencies"),
    "type_province": ("Địa phương", "Provinces"),
    "agency": ("Cơ quan chủ trì", "Lead agency"),
    "all_agencies": ("Tất cả cơ quan", "All agencies"),
    "difficult_only": ("Chỉ nhiệm vụ khó", "Difficult tasks only"),
    "source_docs": ("Văn bản giao", "Assigning document"),
    "all_source_docs": ("Tất cả văn bản", "All documents"),
    "figures_as_of": ("Số liệu tính đến {date}", "Figures as of {date}"),
    "from_snapshots": ("Nguồn số liệu: {items}", "From snapshots: {items}"),
    "no_data": (
        "Chưa có số liệu cho ngày này. Hãy tải lên bảng theo dõi nhiệm vụ hoặc chọn ngày khác.",
        "No figures for this date yet. Upload a task sheet or choose another date.",
    ),
    "download_xlsx": ("Tải Excel", "Download Excel"),
    "download_csv": ("Tải CSV", "Download CSV"),
    "legend": ("Chú giải màu", "Colour legend"),
    "error_generic": (
        "Đã xảy ra lỗi khi xử lý yêu cầu. Vui lòng thử lại; nếu vẫn lỗi, báo cho quản trị viên.",
        "Something went wrong while handling the request. Please try again; if it persists, tell an administrator.",
    ),
    "store_busy": (
        "Cơ sở dữ liệu đang được cập nhật. Vui lòng thử lại sau giây lát.",
        "The database is being updated. Please try again in a moment.",
    ),
    # rows held back (a file's valid rows committed without its rows with errors)
    "held_back_notice": (
        "{n} dòng của tệp {file} không đọc được",
        "{n} rows of file {file} could not be read",
    ),
    "held_back_notice_one": (
        "{n} dòng của tệp {file} không đọc được",
        "{n} row of file {file} could not be read",
    ),
    "held_back_notice_more": (
        "Số liệu không gồm các dòng này; nhiệm vụ đã có của các dòng đó giữ nguyên như trước.",
        "The figures leave these rows out; the tasks they name that were known stay as they were.",
    ),
    "held_back_link": ("Xem các dòng này", "See these rows"),
    "held_back_title": (
        "Các dòng không đọc được (bị giữ lại)",
        "Rows that could not be read (held back)",
    ),
    "held_back_none": (
        "Không có dòng nào bị giữ lại trong các kỳ số liệu đang dùng.",
        "No rows are held back in the snapshots in force.",
    ),
    "held_back_pick": ("Kỳ số liệu có dòng bị giữ lại", "Snapshot with rows held back"),
    "held_back_count": ("{n} dòng bị giữ lại.", "{n} row(s) held back."),
    "held_back_kept": ("Giữ phiên bản trước", "Previous version kept"),
    "held_back_accept": (
        "Ghi các dòng hợp lệ ({n}), giữ lại {m} dòng lỗi",
        "Commit the {n} valid rows, hold back {m}",
    ),
    "held_back_accept_help": (
        "Các dòng lỗi không được ghi thành nhiệm vụ; chúng được lưu kèm kỳ số liệu và liệt kê ở "
        "trang Dữ liệu. Nhiệm vụ đã có của các dòng đó giữ nguyên như trước.",
        "The rows with errors do not become tasks; they are recorded with the snapshot and listed "
        "on the Data page. The tasks they name that were known stay as they were.",
    ),
    "held_back_upload": (
        "{m} dòng có lỗi: sửa trong tệp rồi tải lên lại, hoặc ghi các dòng hợp lệ và giữ lại "
        "các dòng lỗi.",
        "{m} row(s) with errors: fix them in the file and upload it again, or commit the valid "
        "rows and hold back the rows with errors.",
    ),
    "held_back_chosen": (
        "Sẽ ghi {n} dòng hợp lệ; {m} dòng lỗi được giữ lại, không ghi thành nhiệm vụ: {rows}.",
        "The {n} valid rows will be stored; {m} row(s) with errors are held back, not stored as "
        "tasks: {rows}.",
    ),
    "held_back_kept_preview": (
        "{k} nhiệm vụ đã có của các dòng bị giữ lại giữ nguyên như hiện nay: {ids}.",
        "{k} known task(s) of the held-back rows stay as they are now: {ids}.",
    ),
    "held_back_committed": (
        "{m} dòng bị giữ lại, xem ở trang Dữ liệu.",
        "{m} row(s) held back, listed on the Data page.",
    ),
    # statuses
    "completed_on_time": ("Hoàn thành đúng hạn", "Completed on time"),
    "completed_late": ("Hoàn thành quá hạn", "Completed late"),
    "completed_timing_unknown": ("Hoàn thành (chưa rõ hạn)", "Completed (timing unknown)"),
    "overdue": ("Quá hạn chưa hoàn thành", "Overdue"),
    "in_progress": ("Đang thực hiện trong hạn", "In progress"),
    "no_deadline": ("Không có thời hạn", "No deadline"),
    "cancelled": ("Đã hủy", "Cancelled"),
    "cancelled_apart": (
        "Đã hủy (không tính vào tổng số và tỷ lệ)",
        "Cancelled (not in the total or the rates)",
    ),
    "completed": ("Đã hoàn thành", "Completed"),
    "total": ("Tổng số nhiệm vụ", "Total tasks"),
    "late": ("Chậm, muộn", "Late"),
    # columns
    "col_task_id": ("Mã nhiệm vụ", "Task id"),
    "col_source": ("Nguồn", "Source"),
    "col_group": ("Nhóm nhiệm vụ", "Group"),
    "col_title": ("Nội dung nhiệm vụ", "Task"),
    "col_lead": ("Cơ quan chủ trì", "Lead agency"),
    "col_support": ("Cơ quan phối hợp", "Supporting agencies"),
    "col_product": ("Sản phẩm", "Product"),
    "col_deadline": ("Thời hạn", "Deadline"),
    "col_deadline_text": ("Thời hạn (như ghi)", "Deadline (as written)"),
    "col_status": ("Tình trạng", "Status"),
    "col_status_text": ("Tình hình thực hiện (như ghi)", "Status (as written)"),
    "col_completion_date": ("Ngày hoàn thành", "Completed on"),
    "col_days_overdue": ("Số ngày quá hạn", "Days overdue"),
    "col_days_late": ("Số ngày chậm", "Days late"),
    "col_causes": ("Khó khăn, vướng mắc", "Causes of delay"),
    "col_proposals": ("Kiến nghị, đề xuất", "Proposals"),
    "col_source_doc": ("Văn bản giao", "Assigning document"),
    "col_assigned_date": ("Ngày giao", "Date assigned"),
    "col_leader": ("Lãnh đạo phụ trách", "Leader in charge"),
    "col_agency_comment": ("Ý kiến của đơn vị", "Agency's comment"),
    "col_progress": ("Tình hình thực hiện", "Progress"),
    "col_difficult": ("Nhiệm vụ khó", "Difficult"),
    "col_file": ("Tệp", "File"),
    "col_sheet": ("Trang tính", "Sheet"),
    "col_row": ("Dòng", "Row"),
    "col_agency": ("Cơ quan", "Agency"),
    "col_agency_type": ("Loại cơ quan", "Agency type"),
    "col_month": ("Tháng", "Month"),
    "col_due": ("Đến hạn", "Due"),
    "col_remaining": ("Còn lại", "Remaining"),
    "col_rate": ("Tỷ lệ hoàn thành (đến hạn)", "Completion rate (due)"),
    # agency types
    "ministry": ("Bộ", "Ministry"),
    "ministerial_agency": ("Cơ quan ngang bộ", "Ministerial-level agency"),
    "gov_agency": ("Cơ quan thuộc Chính phủ", "Government agency"),
    "province": ("Tỉnh, thành phố", "Province"),
    "party": ("Cơ quan Đảng", "Party body"),
    "group": ("Nhóm cơ quan", "Group of agencies"),
    "other": ("Khác", "Other"),
}


def t(key: str, lang: str = "vi", **fmt) -> str:
    """The label for `key` in `lang`; unknown keys come back as themselves."""
    pair = STRINGS.get(key)
    text = key if pair is None else pair[0 if lang == "vi" else 1]
    return text.format(**fmt) if fmt else text


def fmt_date(value, lang: str = "vi") -> str:
    """dd/mm/yyyy in Vietnamese, ISO in English; '' for missing."""
    if value is None or value != value:  # NaN/NaT
        return ""
    if hasattr(value, "date") and not isinstance(value, dt.date):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


def fmt_int(value: int, lang: str = "vi") -> str:
    text = f"{int(value):,}"
    return text.replace(",", ".") if lang == "vi" else text


def fmt_pct(value: float | None, lang: str = "vi", digits: int = 1) -> str:
    if value is None or value != value:
        return "–"
    text = f"{value * 100:.{digits}f}%"
    return text.replace(".", ",") if lang == "vi" else text


def fmt_month(month: str, lang: str = "vi") -> str:
    """'2025-08' → 'T8/2025' (vi) or 'Aug 2025' (en)."""
    year, mon = month.split("-")
    if lang == "vi":
        return f"T{int(mon)}/{year}"
    return dt.date(int(year), int(mon), 1).strftime("%b %Y")
