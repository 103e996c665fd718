"""`python -m analytics ingest`: messy files in, clear errors out, the store untouched on rejection."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import zipfile

import pytest
from openpyxl import Workbook

TITLE = ["BỘ TÀI CHÍNH", "PHỤ LỤC", "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ NGHỊ QUYẾT 71/NQ-CP"]
HEADER = [
    "STT",
    "Mã NV",
    "Nội dung nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời hạn hoàn thành",
    "Tình hình thực hiện",
    "Ngày hoàn thành",
]


def workbook(rows, header=HEADER, title=TITLE) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    for line in title:
        ws.append([line])
    ws.append([])
    ws.append(header)
    ws.append([f"({i + 1})" for i in range(len(header))])
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD_ROWS = [
    ["I", None, "HOÀN THIỆN THỂ CHẾ", None, None, None, None],
    [
        1,
        "NV-01",
        "Xây dựng Luật sửa đổi Luật Quản lý thuế",
        "Bộ TC",
        "Quý III/2025",
        "Đang thực hiện",
        None,
    ],
    [
        2,
        "NV-02",
        "Xây dựng Nghị định về quỹ đầu tư mạo hiểm",
        "Bộ KH&CN, Bộ Tài chính",
        "Trước 15/9/2025",
        "Đang thực hiện",
        None,
    ],
    [
        3,
        "NV-03",
        "Kết nối hệ thống giải quyết TTHC với CSDL dân cư",
        "UBND tỉnh Bắc Giang",
        dt.datetime(2025, 7, 15),
        "Đã hoàn thành",
        "20/07/2025",
    ],
    [4, "NV-04", "Nâng cấp hạ tầng CNTT", "Bo Tai chinh", "Tháng 6/2025", "Chưa hoàn thành", None],
    [None, None, "Tổng cộng: 4 nhiệm vụ", None, None, None, None],
]


def run(*args, db):
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", *map(str, args), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    doc = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc.returncode, doc, proc.stderr


@pytest.fixture
def db(tmp_path):
    return tmp_path / "tasks.duckdb"


def ingest(tmp_path, db, data: bytes, name="nq71.xlsx", *extra):
    path = tmp_path / name
    path.write_bytes(data)
    return run(
        "ingest", path, "--as-of", "2025-08-28", "--source", "Nghị quyết 71/NQ-CP", *extra, db=db
    )


def snapshot_count(db):
    code, doc, _ = run("snapshots", db=db)
    assert code == 0
    return len(doc["snapshots"])


def test_messy_workbook_is_ingested_and_summarised(tmp_path, db):
    code, doc, err = ingest(tmp_path, db, workbook(GOOD_ROWS))
    assert code == 0, err
    assert doc["tasks"] == 4 and doc["snapshot_id"] == 1 and doc["as_of"] == "2025-08-28"
    code, summary, _ = run("summary", "--as-of", "2025-08-28", db=db)
    t = summary["totals"]
    assert (t["total"], t["completed_late"], t["overdue"], t["in_progress"]) == (4, 1, 1, 2)
    agencies = {a["agency"]: a["total"] for a in summary["by_agency"]}
    # "Bộ TC", "Bộ Tài chính" and "Bo Tai chinh" are one ministry; Bắc Giang now counts under Bắc Ninh
    assert agencies == {"Bộ Tài chính": 3, "Bộ Khoa học và Công nghệ": 1, "Bắc Ninh": 1}
    months = {m["month"]: m for m in summary["by_month"]}
    assert months["2025-09"] == {"month": "2025-09", "due": 2, "completed": 0, "remaining": 2}


def test_same_file_again_adds_nothing(tmp_path, db):
    data = workbook(GOOD_ROWS)
    assert ingest(tmp_path, db, data)[0] == 0
    code, doc, _ = ingest(tmp_path, db, data)
    assert code == 0 and doc["duplicate"] and "already loaded" in doc["message"]
    assert snapshot_count(db) == 1


def test_source_detected_from_title_block(tmp_path, db):
    path = tmp_path / "bao_cao.xlsx"
    path.write_bytes(workbook(GOOD_ROWS))
    code, doc, err = run("ingest", path, "--as-of", "2025-08-28", db=db)
    assert code == 0, err
    assert doc["source"] == "Nghị quyết 71/NQ-CP"


def not_xlsx_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


BAD_INPUTS = {
    "no agency column": (
        workbook(
            [[1, "A", "Nhiệm vụ", "Quý III/2025", "x", None]],
            header=[
                "STT",
                "Mã NV",
                "Nội dung nhiệm vụ",
                "Thời hạn",
                "Tình trạng",
                "Ngày hoàn thành",
            ],
        ),
        None,
        "lead",
    ),
    "not a spreadsheet": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, None, None),
    "zip that is no workbook": (not_xlsx_zip(), None, None),
    "truncated file": (workbook(GOOD_ROWS)[:1500], None, None),
    "duplicate ids": (
        workbook([GOOD_ROWS[1], [5, "NV-01", "Nhiệm vụ khác", "BCA", "Năm 2025", None, None]]),
        8,
        "NV-01",
    ),
    "impossible deadline": (
        workbook([[1, "X1", "Nhiệm vụ", "BCA", "31/02/2025", None, None]]),
        7,
        "31/02/2025",
    ),
    "impossible completion date": (
        workbook([[1, "X1", "Nhiệm vụ", "BCA", "Năm 2025", "Đã hoàn thành", "32/07/2025"]]),
        7,
        "32/07/2025",
    ),
    "header only": (workbook([]), None, None),
    "empty file": (b"", None, None),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exit_2_clear_error_store_unchanged(tmp_path, db, case):
    assert ingest(tmp_path, db, workbook(GOOD_ROWS), "base.xlsx")[0] == 0
    data, row, needle = BAD_INPUTS[case]
    code, doc, err = ingest(tmp_path, db, data, "upload.xlsx")
    assert code == 2, (doc, err)
    assert "Traceback" not in err
    assert doc["errors"], doc
    first = doc["errors"][0]
    assert set(first) >= {"row", "column", "value", "message"}
    assert first["message"] and first["message_vi"]
    if row is not None:
        assert first["row"] == row
    if needle is not None:
        assert needle.lower() in json.dumps(doc["errors"], ensure_ascii=False).lower()
    assert snapshot_count(db) == 1


def test_duplicate_ids_name_both_rows(tmp_path, db):
    data, _, _ = BAD_INPUTS["duplicate ids"]
    code, doc, _ = ingest(tmp_path, db, data)
    assert code == 2
    assert "rows 7 and 8" in doc["errors"][0]["message"]
    assert "dòng 7 và dòng 8" in doc["errors"][0]["message_vi"]


def test_warnings_for_unknown_agency_and_free_text_deadline(tmp_path, db):
    rows = [
        [1, "W1", "Nhiệm vụ", "Sở Khoa học Hà Nam Bộ", "Theo tiến độ dự án xyz", None, None],
        [2, "W2", "Nhiệm vụ hai", "Bộ Tài chánh", "Quý IV/2025", None, None],
    ]
    code, doc, err = ingest(tmp_path, db, workbook(rows))
    assert code == 0, err
    codes = [w["code"] for w in doc["warnings"]]
    assert "unknown_agency" in codes
    unknown = [
        w for w in doc["warnings"] if w["code"] == "unknown_agency" and w["value"] == "Bộ Tài chánh"
    ]
    assert unknown and unknown[0]["suggestions"][0] == "Bộ Tài chính"
    assert unknown[0]["row"] == 8 and unknown[0]["column"] == "Cơ quan chủ trì"


def test_dates_win_over_words_with_a_warning(tmp_path, db):
    rows = [[1, "C1", "Nhiệm vụ", "BCA", "30/06/2025", "Hoàn thành đúng hạn", "15/07/2025"]]
    code, doc, _ = ingest(tmp_path, db, workbook(rows))
    assert code == 0
    assert any(w["code"] == "dates_vs_words" and w["row"] == 7 for w in doc["warnings"])
    _, summary, _ = run("summary", "--as-of", "2025-08-28", db=db)
    assert summary["totals"]["completed_late"] == 1


def test_without_id_column_ids_are_derived_and_stable(tmp_path, db):
    header = ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"]
    rows = [[1, "Nhiệm vụ A", "BCA", "Năm 2025"], [2, "Nhiệm vụ B", "BTC", "Năm 2025"]]
    code, doc, _ = ingest(tmp_path, db, workbook(rows, header=header))
    assert code == 0 and any(w["code"] == "derived_ids" for w in doc["warnings"])
    # the same tasks in another order, one day later: same ids, nothing new stored
    path = tmp_path / "again.xlsx"
    path.write_bytes(workbook(list(reversed(rows)), header=header))
    code, _, _ = run(
        "ingest", path, "--as-of", "2025-08-29", "--source", "Nghị quyết 71/NQ-CP", db=db
    )
    assert code == 0
    _, summary, _ = run("summary", "--as-of", "2025-08-29", db=db)
    assert summary["totals"]["total"] == 2


def test_retract_and_restore_from_the_command_line(tmp_path, db):
    ingest(tmp_path, db, workbook(GOOD_ROWS))
    assert run("retract", 1, db=db)[0] == 0
    assert run("summary", "--as-of", "2025-08-28", db=db)[1]["totals"]["total"] == 0
    assert run("restore", 1, db=db)[0] == 0
    assert run("summary", "--as-of", "2025-08-28", db=db)[1]["totals"]["total"] == 4
    assert run("retract", 99, db=db)[0] == 2


def windows_cp1258(text: str) -> bytes:
    """What Vietnamese Windows writes: a precomposed base letter plus a combining tone mark."""
    import unicodedata

    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            shape = "".join(
                m for m in marks if m in "\u0302\u0306\u031b"
            )  # â ê ô ă ơ ư exist precomposed
            tones = "".join(m for m in marks if m not in "\u0302\u0306\u031b")
            out.append((unicodedata.normalize("NFC", base + shape) + tones).encode("cp1258"))
    return b"".join(out)


def test_csv_in_cp1258_and_utf16(tmp_path, db):
    text = "Mã NV;Nội dung nhiệm vụ;Cơ quan chủ trì;Thời hạn\nK1;Xây dựng đề án;Bộ Công an;03/04/2025\n"
    cp = windows_cp1258(text)
    assert (
        "ộ".encode("cp1258", errors="replace") != cp[:0] and b"\xf4\xf2" in cp
    )  # "ô" + combining dot below
    code, doc, err = ingest(tmp_path, db, cp, "bang.csv")
    assert code == 0, err
    _, summary, _ = run("summary", "--as-of", "2025-08-28", db=db)
    assert summary["by_agency"][0]["agency"] == "Bộ Công an"
    assert summary["by_month"][0]["month"] == "2025-04"  # day first: 3 April, not 4 March
    utf16 = text.replace(";", "\t").replace("K1", "K2").encode("utf-16")
    code, doc, err = ingest(tmp_path, db, utf16, "bang.txt")
    assert code == 0, err
