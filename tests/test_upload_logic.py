"""The upload flow's logic: quarantine, remembered layouts, templates and the annotated copy,
the preview (agency updates merged as the store merges them), permissions, commit, audit.

Every workbook is generated here (openpyxl); files are read in-process with ingest.prepare
except where the sandbox itself is under test (tests/test_hostile_files.py covers its limits).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import stat
import threading

import openpyxl
import pandas as pd
import pytest

from analytics import layouts, sandbox, store, templates, uploads
from analytics.access import GUEST, User
from analytics.ingest import prepare
from analytics.model import Filters, Scope, Task
from analytics.problems import InputRejected, error, warning
from analytics.reading import read_table
from tests.helpers import AGENCIES

AS_OF = dt.date(2025, 8, 28)
SRC = "Nghị quyết 71/NQ-CP"
NAMES = {a.id: a.name_vi for a in AGENCIES}
LEADS = {
    "t1": ("mof",),
    "t2": ("mof",),
    "t3": ("p01",),
    "t4": ("p01",),
    "t5": ("most",),
    "t6": ("mof", "p01"),
}
ADMIN = User("root", "admin")
EDITOR = User("ed", "agency_editor", agency_ids=("mof",))
LEADER = User("boss", "leader")


def task(tid: str, leads=("mof",), **kw) -> Task:
    base = dict(
        task_id=tid,
        title=f"Nhiệm vụ {tid}",
        lead_ids=tuple(leads),
        lead_text="; ".join(NAMES[a] for a in leads),
        deadline=dt.date(2025, 9, 30),
        deadline_text="30/09/2025",
        deadline_kind="date",
        status_text="Đang thực hiện",
        status_class="in_progress_on_time",
        sheet="Sheet1",
        row=5,
    )
    base.update(kw)
    return Task(**base)


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "tasks.duckdb"
    monkeypatch.setenv("TASKS_DB", str(path))
    monkeypatch.setenv("TASKS_UPLOADS", str(tmp_path / "uploads"))
    tasks = [task(tid, leads, row=5 + i) for i, (tid, leads) in enumerate(LEADS.items())]
    store.commit_snapshot(
        path,
        source=SRC,
        as_of=AS_OF,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=b"seed",
        file_name="seed.xlsx",
        user="tester",
    )
    return path


def xlsx(wb: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_bytes(header, rows, title="Sheet1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for r in rows:
        ws.append(r)
    return xlsx(wb)


HEADER = [
    "STT",
    "Mã nhiệm vụ",
    "Nội dung nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời hạn",
    "Tình hình thực hiện",
    "Ngày hoàn thành",
]


def prepared_of(rows, as_of=AS_OF, source=SRC):
    return prepare(sheet_bytes(HEADER, rows), "f.xlsx", as_of=as_of, source=source)


def state_of(db, as_of=AS_OF, source=SRC) -> pd.DataFrame:
    return store.load_tasks(db, as_of, Filters(sources=(source,)), Scope.everything())


# --------------------------------------------------------------------------- quarantine


def test_quarantine_keeps_bytes_under_their_hash_and_recognises_them(db, tmp_path):
    payload = b"STT,Nhiem vu\n1,x\n"
    q = uploads.quarantine(payload, "../../etc/passwd", "root")
    folder = tmp_path / "uploads"
    assert q.sha256 == store.sha256(payload) and not q.seen_before
    kept = folder / q.sha256
    assert kept.read_bytes() == payload
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    # the name was never a path: only <sha> and its sidecar exist, nothing outside the folder
    assert sorted(p.name for p in folder.iterdir()) == sorted([q.sha256, f"{q.sha256}.json"])
    assert not (tmp_path / "etc").exists()
    again = uploads.quarantine(payload, "other name.csv", "ed")
    assert again.seen_before and again.first_name == "passwd"
    assert uploads.quarantined_bytes(q.sha256) == payload
    with pytest.raises(ValueError):
        uploads.quarantined_bytes("../" + q.sha256)


def test_oversized_upload_is_refused_and_nothing_is_kept(db, tmp_path, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(InputRejected) as exc:
        uploads.quarantine(b"x" * 1001, "big.xlsx")
    assert exc.value.errors[0].code == "file_too_large"
    assert "Nothing was kept" in exc.value.errors[0].message
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_display_name_is_text_only():
    assert uploads.display_name("C:\\Users\\a\\b.xlsx") == "b.xlsx"
    assert uploads.display_name("../../x\x00\n.csv") == "x.csv"
    assert uploads.display_name("") == "upload"


# --------------------------------------------------------------------------- layouts


def test_fingerprint_folds_case_diacritics_and_spacing_but_not_the_sheet():
    a = layouts.fingerprint("Phụ lục I", ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", ""])
    b = layouts.fingerprint("PHU LUC I", ["stt", "  NOI DUNG   nhiem vu", "co quan chu tri"])
    c = layouts.fingerprint("Phụ lục II", ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì"])
    d = layouts.fingerprint("Phụ lục I", ["STT", "Cơ quan chủ trì", "Nội dung nhiệm vụ"])
    assert a == b
    assert a != c and a != d


def test_a_confirmed_mapping_is_remembered_and_matched_by_the_header_row(db):
    head = [
        ["DANH MỤC NHIỆM VỤ"],
        [""],
        ["TT", "Việc", "Đầu mối thực hiện", "Hạn"],
        ["1", "A", "BTC", "1/9/2025"],
    ]
    assert layouts.match(db, "Sheet1", head) is None
    assert layouts.all_layouts(db) == []  # reading remembered nothing
    fp = layouts.remember(
        db,
        sheet="Sheet1",
        header_row=3,
        header_texts=head[2],
        mapping={"row_no": 0, "task": 1, "lead_agency": 2, "deadline": 3, "bogus": 9},
        headers=head[2],
        source=SRC,
        user="root",
    )
    found = layouts.match(db, "sheet1", head)
    assert found is not None and found.fingerprint == fp
    assert found.header_row == 3 and found.confirmed_by == "root"
    assert found.mapping == {
        "row_no": 0,
        "task": 1,
        "lead_agency": 2,
        "deadline": 3,
    }  # unknown field dropped
    # same texts on another row, or another sheet, or other headers: no match
    assert layouts.match(db, "Sheet1", [head[2]]) is None
    assert layouts.match(db, "Khác", head) is None
    assert layouts.match(db, "Sheet1", [*head[:2], ["TT", "Việc", "Chủ trì", "Hạn"]]) is None
    layouts.remember(
        db,
        sheet="Sheet1",
        header_row=3,
        header_texts=head[2],
        mapping={"task": 1, "lead_agency": 2},
    )
    again = layouts.get(db, fp)
    assert again.uses == 2 and again.mapping == {"task": 1, "lead_agency": 2}


# --------------------------------------------------------------------------- templates


def test_blank_template_headers_are_recognised_with_dropdowns_dates_and_instructions():
    data = templates.blank_template("vi", agency_names=["Bộ Tài chính", "Hà Nội"])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [templates.DATA_SHEET, templates.LISTS_SHEET, templates.HELP_SHEET]
    assert wb[templates.LISTS_SHEET].sheet_state == "hidden"
    ws = wb[templates.DATA_SHEET]
    header = [c.value for c in ws[templates.HEADER_ROW]]
    assert header == [h for _f, h, _w in templates.TEMPLATE_COLUMNS]
    col = {f: i for i, (f, _h, _w) in enumerate(templates.TEMPLATE_COLUMNS)}
    letter = {f: openpyxl.utils.get_column_letter(i + 1) for f, i in col.items()}
    rules = {
        (dv.type, str(dv.sqref).split(":")[0][0]): dv for dv in ws.data_validations.dataValidation
    }
    status_dv = rules[("list", letter["status"])]
    agency_dv = rules[("list", letter["lead_agency"])]
    assert status_dv.formula1.startswith(templates.LISTS_SHEET + "!")
    assert agency_dv.formula1 == f"{templates.LISTS_SHEET}!$B$1:$B$2"
    assert ("date", letter["deadline"]) in rules and ("date", letter["completion_date"]) in rules
    first = templates.HEADER_ROW + 1
    assert ws[f"{letter['deadline']}{first}"].number_format == templates.DATE_FORMAT
    lists = wb[templates.LISTS_SHEET]
    assert [lists.cell(i, 2).value for i in (1, 2)] == ["Bộ Tài chính", "Hà Nội"]
    assert "Đang thực hiện" in [lists.cell(i, 1).value for i in range(1, 12)]
    help_text = " ".join(str(c.value) for c in wb[templates.HELP_SHEET]["A"] if c.value)
    assert "ngày/tháng/năm" in help_text and "Cơ quan chủ trì" in help_text
    # the reader recognises every column of the template
    with pytest.raises(InputRejected) as exc:
        read_table(data, "mau.xlsx")
    assert exc.value.errors[0].code == "no_rows"  # header found, no task yet
    ws.cell(first, col["task"] + 1, "Nhiệm vụ thử")
    ws.cell(first, col["lead_agency"] + 1, "Bộ Tài chính")
    ws.cell(first, col["deadline"] + 1, dt.date(2025, 12, 31))
    table = read_table(xlsx(wb), "mau.xlsx")
    assert table.header_row == templates.HEADER_ROW
    assert table.mapping == col


def test_my_tasks_workbook_reads_back_as_the_same_tasks(db):
    # one task whose deadline was written "21/5/2025" and one as a period: both must come back
    extra = [
        task("t7", ("mof",), deadline=dt.date(2025, 5, 21), deadline_text="21/5/2025"),
        task(
            "t8",
            ("mof",),
            deadline=dt.date(2025, 12, 31),
            deadline_text="Quý IV/2025",
            deadline_kind="quarter",
            title='=HYPERLINK("http://x","y")',
            completion_date=dt.date(2025, 8, 1),
            status_text="Đã hoàn thành",
            status_class="done_unspecified",
        ),
    ]
    store.commit_snapshot(
        db,
        source=SRC,
        as_of=dt.date(2025, 8, 29),
        tasks=[task(t, leads) for t, leads in LEADS.items()] + extra,
        agencies=AGENCIES,
        file_bytes=b"seed2",
        file_name="s2.xlsx",
    )
    as_of = dt.date(2025, 8, 29)
    mine = store.load_tasks(
        db, as_of, Filters(sources=(SRC,), agency_ids=("mof",)), Scope.everything()
    )
    assert set(mine["task_id"]) == {"t1", "t2", "t6", "t7", "t8"}
    data = templates.my_tasks_workbook(mine, agency_name="Bộ Tài chính", source=SRC, as_of=as_of)
    ws = openpyxl.load_workbook(io.BytesIO(data))[templates.DATA_SHEET]
    titles = [c for c in ws["D"] if c.value and str(c.value).startswith("=")]
    assert titles and all(c.data_type == "s" for c in titles)  # text, never a formula
    p = prepare(data, "nhiem_vu_mof.xlsx", as_of=as_of)
    assert p.source == SRC  # from the 'Văn bản giao nhiệm vụ' column
    assert not p.errors
    judged = store.judge_tasks(p.tasks, p.agencies, SRC, as_of)
    got = dict(zip(judged["task_id"], judged["content_hash"], strict=True))
    want = dict(zip(mine["task_id"], mine["content_hash"], strict=True))
    assert got == want


def test_annotated_copy_highlights_and_explains_problem_cells():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"])
    ws.append([1, "A", "Bộ Tài chánh", "31/02/2025"])
    ws.append([2, "B", "Hà Nội", "Sớm"])
    ws.append([3, "C", "Bộ Y tế", "30/9/2025"])
    ws.merge_cells("C3:C4")
    data = xlsx(wb)
    table = {
        "file_format": "xlsx",
        "sheet": "Phụ lục",
        "header_row": 1,
        "headers": ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì", "Thời hạn"],
        "mapping": {"row_no": 0, "task": 1, "lead_agency": 2, "deadline": 3},
    }
    problems = [
        error(
            "bad_deadline",
            "Row 2: bad date",
            "Dòng 2: ngày sai",
            row=2,
            column="Thời hạn",
            value="31/02/2025",
        ),
        warning(
            "unknown_agency",
            "Row 2: unknown",
            "Dòng 2: không rõ",
            row=2,
            column="Cơ quan chủ trì",
            value="Bộ Tài chánh",
            suggestions=("Bộ Tài chính",),
        ),
        warning(
            "free_text_deadline",
            "Row 3: free",
            "Dòng 3: chữ",
            row=3,
            column="deadline",
            value="Sớm",
        ),
        warning("dates_vs_words", "Row 4: x", "Dòng 4: y", row=4, column="Cơ quan chủ trì"),
        warning("derived_ids", "no ids", "không có mã"),
    ]
    out = openpyxl.load_workbook(
        io.BytesIO(templates.annotate(data, "f.xlsx", table, problems, "vi"))
    )
    sh = out["Phụ lục"]
    assert (
        sh["D2"].fill.fgColor.rgb.endswith("FFC7CE")
        and "Lỗi: Dòng 2: ngày sai" in sh["D2"].comment.text
    )
    assert (
        sh["C2"].fill.fgColor.rgb.endswith("FFEB9C")
        and "Có phải: Bộ Tài chính?" in sh["C2"].comment.text
    )
    assert "Dòng 3: chữ" in sh["D3"].comment.text  # canonical field name → its column
    assert "Dòng 4: y" in sh["C3"].comment.text  # C4 is merged into C3
    assert sh["B2"].comment is None and sh["D4"].comment is None
    summary = out[out.sheetnames[-1]]
    assert summary.title == "Kiểm tra tệp"
    assert "1 lỗi, 4 cảnh báo" in summary["A1"].value
    listed = [r for r in summary.iter_rows(min_row=4, values_only=True)]
    assert len(listed) == 5 and listed[0][0] == "Lỗi"
    en = openpyxl.load_workbook(
        io.BytesIO(templates.annotate(data, "f.xlsx", table, problems, "en"))
    )
    assert "Error: Row 2: bad date" in en["Phụ lục"]["D2"].comment.text


def test_annotated_copy_of_a_csv_is_an_xlsx_with_the_data_and_comments():
    data = "STT;Nội dung nhiệm vụ;Cơ quan chủ trì\n1;=cmd|' /C calc'!A0;Bộ Tài chánh\n".encode(
        "utf-8-sig"
    )
    table = {
        "file_format": "csv",
        "sheet": None,
        "header_row": 1,
        "delimiter": ";",
        "headers": ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì"],
        "mapping": {"task": 1, "lead_agency": 2},
    }
    problems = [
        warning(
            "unknown_agency", "Row 2: unknown", "Dòng 2: không rõ", row=2, column="Cơ quan chủ trì"
        )
    ]
    out = openpyxl.load_workbook(
        io.BytesIO(templates.annotate(data, "f.csv", table, problems, "en"))
    )
    sh = out.worksheets[0]
    assert [c.value for c in sh[1]] == ["STT", "Nội dung nhiệm vụ", "Cơ quan chủ trì"]
    assert sh["B2"].value.startswith("=cmd") and sh["B2"].data_type == "s"  # inert text
    assert "Warning: Row 2: unknown" in sh["C2"].comment.text
    assert out.sheetnames[-1] == "File check"


# --------------------------------------------------------------------------- preview and permissions


def test_agency_update_preview_is_the_merged_state_the_store_commits(db):
    before = state_of(db)
    p = prepared_of(
        [
            [
                1,
                "t1",
                "Nhiệm vụ t1",
                "Bộ Tài chính",
                dt.date(2025, 9, 30),
                "Đã hoàn thành",
                dt.date(2025, 8, 20),
            ],
            [
                2,
                "t9",
                "Nhiệm vụ mới",
                "Bộ Tài chính",
                dt.date(2025, 12, 31),
                "Đang thực hiện",
                None,
            ],
            [
                3,
                "t6",
                "Nhiệm vụ t6",
                "Bộ Tài chính; Hà Nội",
                dt.date(2025, 10, 31),
                "Đang thực hiện",
                None,
            ],
        ]
    )
    assert not p.errors
    suggested = uploads.default_update_agencies(ADMIN, p.tasks, before)
    assert suggested == ("mof",)  # every task is led by mof; the source holds others
    plan = uploads.Plan(SRC, AS_OF, suggested)
    pv = uploads.build_preview(db, p, plan, ADMIN)
    # t2 (mof's, not in the file), t3, t4 (p01) and t5 (most) stay: an agency's file never
    # removes a task
    assert pv.refusal is None and (pv.kept, pv.kept_own) == (4, 1)
    # t9, new, is a proposal the steering office accepts or declines, not a task
    assert set(pv.after["task_id"]) == {"t1", "t2", "t3", "t4", "t5", "t6"}
    assert store.proposed_ids(pv.before, pv.incoming, plan) == ["t9"]
    c = pv.changes
    assert c.new.empty
    assert c.removed.empty  # mof's task missing from the file stays as it is
    assert set(c.newly_completed["task_id"]) == {"t1"}
    assert set(c.deadline_moved["task_id"]) == {"t6"}
    assert pv.headline_before["total"] == 6 and pv.headline_after["total"] == 6
    assert pv.headline_after["completed"] == pv.headline_before["completed"] + 1
    result = uploads.commit(db, p, plan, b"file-1", "f.xlsx", ADMIN, pv)
    assert result.kind == "agency_update" and result.proposed == ("t9",)
    stored = state_of(db)
    cols = ["task_id", "status", "deadline"]
    pd.testing.assert_frame_equal(
        stored[cols].sort_values("task_id").reset_index(drop=True),
        pv.after[cols].sort_values("task_id").reset_index(drop=True),
        check_dtype=False,
    )


def test_full_replacement_by_default_when_the_file_holds_many_agencies(db):
    before = state_of(db)
    p = prepared_of(
        [
            [1, "t1", "Nhiệm vụ t1", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [2, "t3", "Nhiệm vụ t3", "Hà Nội", dt.date(2025, 9, 30), "Đang thực hiện", None],
        ]
    )
    assert uploads.default_update_agencies(ADMIN, p.tasks, before) == ()
    pv = uploads.build_preview(db, p, uploads.Plan(SRC, AS_OF), ADMIN)
    assert set(pv.changes.removed["task_id"]) == {"t2", "t4", "t5", "t6"}
    assert pv.overall_after["total"] == 2


def test_agency_editor_may_update_own_tasks_only_and_is_told_which_others(db):
    before = state_of(db)
    own = prepared_of(
        [
            [
                1,
                "t1",
                "Nhiệm vụ t1",
                "Bộ Tài chính",
                dt.date(2025, 9, 30),
                "Đã hoàn thành",
                dt.date(2025, 8, 1),
            ],
            [2, "t2", "Nhiệm vụ t2", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [
                3,
                "t6",
                "Nhiệm vụ t6",
                "Bộ Tài chính; Hà Nội",
                dt.date(2025, 9, 30),
                "Đang thực hiện",
                None,
            ],
        ]
    )
    plan = uploads.Plan(SRC, AS_OF, uploads.default_update_agencies(EDITOR, own.tasks, before))
    assert plan.update_agencies == ("mof",)
    assert uploads.build_preview(db, own, plan, EDITOR).refusal is None  # t6 (co-led) unchanged
    # another agency's task, and taking over another agency's task by its id
    other = prepared_of(
        [
            [1, "t1", "Nhiệm vụ t1", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [2, "t2", "Nhiệm vụ t2", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [
                3,
                "t6",
                "Nhiệm vụ t6",
                "Bộ Tài chính; Hà Nội",
                dt.date(2025, 9, 30),
                "Đang thực hiện",
                None,
            ],
            [4, "t5", "Nhiệm vụ t5", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [5, "t10", "Việc của Hà Nội", "Hà Nội", dt.date(2025, 9, 30), "Đang thực hiện", None],
        ]
    )
    plan = uploads.Plan(SRC, AS_OF, ("mof",))
    pv = uploads.build_preview(db, other, plan, EDITOR)
    assert pv.refusal is not None
    # t10, new, is no task of the list (a proposal): its row is refused as outside the update
    assert pv.refusal.agencies == ("most",)
    assert pv.refusal.tasks == {"most": ["t5"]}
    assert uploads.outside_refusal(other.tasks, plan).tasks == {"p01": ["t10"]}
    with pytest.raises(uploads.Refused):
        uploads.commit(db, other, plan, b"x", "x.xlsx", EDITOR, pv)
    # an editor never replaces the whole source, and a leader or a guest may not upload
    assert (
        uploads.build_preview(db, own, uploads.Plan(SRC, AS_OF), EDITOR).refusal.reason
        == "full_by_editor"
    )
    assert (
        uploads.build_preview(db, own, uploads.Plan(SRC, AS_OF, ("mof",)), LEADER).refusal.reason
        == "not_allowed"
    )
    assert (
        uploads.build_preview(db, own, uploads.Plan(SRC, AS_OF, ("mof",)), GUEST).refusal
        is not None
    )
    wider = uploads.build_preview(db, own, uploads.Plan(SRC, AS_OF, ("mof", "p01")), EDITOR)
    assert wider.refusal.agencies == ("p01",)
    assert len(state_of(db)) == 6  # nothing stored


def test_an_unknown_agency_is_refused_for_an_editor_until_matched(db):
    p = prepared_of(
        [
            [1, "t1", "Nhiệm vụ t1", "Bộ Tài chánh", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [
                2,
                "t6",
                "Nhiệm vụ t6",
                "Bộ Tài chính; Hà Nội",
                dt.date(2025, 9, 30),
                "Đang thực hiện",
                None,
            ],
        ]
    )
    unknown = [w for w in p.warnings if w.code == "unknown_agency"]
    assert unknown and "Bộ Tài chính" in unknown[0].suggestions
    plan = uploads.Plan(SRC, AS_OF, ("mof",))
    pv = uploads.build_preview(db, p, plan, EDITOR)
    assert pv.refusal is not None and any(a.startswith("x-") for a in pv.refusal.agencies)
    fixed = uploads.apply_agency_choices(p, {unknown[0].value: "mof"})
    assert fixed.tasks[0].lead_ids == ("mof",)
    assert not [w for w in fixed.warnings if w.code == "unknown_agency"]
    assert {a.id for a in fixed.agencies} == {"mof", "p01"}
    assert uploads.build_preview(db, fixed, plan, EDITOR).refusal is None
    # leaving out a task co-led with another agency keeps it as it was (one agency's file never
    # drops a shared task), so nothing of the other agency is touched and nothing is refused
    alone = uploads.apply_agency_choices(
        dataclasses.replace(p, tasks=p.tasks[:1]), {unknown[0].value: "mof"}
    )
    preview = uploads.build_preview(db, alone, plan, EDITOR)
    assert preview.refusal is None
    assert "t6" in set(preview.after["task_id"]) and "t6" not in set(
        preview.changes.removed["task_id"]
    )


def test_commit_refuses_a_preview_made_before_another_commit(db):
    p = prepared_of(
        [[1, "t1", "Nhiệm vụ t1", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None]]
    )
    plan = uploads.Plan(SRC, AS_OF, ("mof",))
    pv = uploads.build_preview(db, p, plan, ADMIN)
    store.commit_snapshot(
        db,
        source=SRC,
        as_of=AS_OF,
        tasks=[task("t2")],
        agencies=AGENCIES,
        file_bytes=b"someone else",
        file_name="x.xlsx",
        update_agencies=["mof"],
    )
    with pytest.raises(uploads.StaleState):
        uploads.commit(db, p, plan, b"mine", "f.xlsx", ADMIN, pv)
    fresh = uploads.build_preview(db, p, plan, ADMIN)
    assert uploads.commit(db, p, plan, b"mine", "f.xlsx", ADMIN, fresh).snapshot_id == 3
    again = uploads.build_preview(db, p, plan, ADMIN, sha=store.sha256(b"mine"))
    assert again.duplicate_of == 3


def test_errors_block_the_commit(db):
    p = prepared_of(
        [[1, "t1", "Nhiệm vụ t1", "Bộ Tài chính", "31/02/2025", "Đang thực hiện", None]]
    )
    assert [e.code for e in p.errors] == ["bad_deadline"]
    pv = uploads.build_preview(db, p, uploads.Plan(SRC, AS_OF, ("mof",)), ADMIN)
    with pytest.raises(InputRejected):
        uploads.commit(db, p, pv.plan, b"x", "x.xlsx", ADMIN, pv)


def test_later_snapshots_are_pointed_out(db):
    p = prepared_of(
        [[1, "t1", "Nhiệm vụ t1", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None]],
        as_of=dt.date(2025, 8, 1),
    )
    pv = uploads.build_preview(db, p, uploads.Plan(SRC, dt.date(2025, 8, 1), ("mof",)), ADMIN)
    assert pv.later == [AS_OF]
    assert pv.before.empty  # nothing in force on 1/8 yet


def test_problem_frames_and_groups_are_bilingual():
    ws = [
        warning("unknown_agency", "u", "kđ", row=3, column="C", value="X", suggestions=("A", "B")),
        warning("free_text_deadline", "f", "tự do", row=4),
        warning("something", "o", "khác"),
    ]
    groups = uploads.group_warnings(ws)
    assert list(groups) == ["unknown_agency", "free_text_deadline", "other"]
    vi = uploads.problems_frame(ws, "vi")
    assert list(vi.columns) == ["Dòng", "Cột", "Giá trị", "Nội dung", "Tên gần nhất"]
    assert vi.iloc[0]["Tên gần nhất"] == "A; B" and vi.iloc[1]["Nội dung"] == "tự do"
    en = uploads.problems_frame(ws[1:], "en")
    assert list(en.columns) == ["Row", "Column", "Value", "Message"]


# --------------------------------------------------------------------------- sandbox and audit


def test_the_sandbox_reads_what_the_command_line_reads(tmp_path):
    rows = [
        [
            1,
            "A-1",
            "Xây dựng Nghị định",
            "Bộ Tài chính; Bộ Tư pháp",
            dt.date(2025, 9, 30),
            "Đang thực hiện",
            None,
        ],
        [2, "A-2", "Đề án", "Hà Nội", "Quý IV/2025", "Hoàn thành", "15/08/2025"],
    ]
    data = sheet_bytes(HEADER, rows, title="Phụ lục I")
    direct = prepare(data, "nq71.xlsx", as_of=AS_OF)
    result = sandbox.read_file(data, "nq71.xlsx", as_of=AS_OF)
    assert result.ok, result.errors
    p = result.prepared
    assert p.tasks == direct.tasks
    assert [a.id for a in p.agencies] == [a.id for a in direct.agencies]
    assert p.warnings == direct.warnings and p.source == direct.source == SRC
    assert p.table.mapping == direct.table.mapping and p.table.sheet == "Phụ lục I"
    assert result.head.rows[0][:3] == ["STT", "Mã nhiệm vụ", "Nội dung nhiệm vụ"]
    assert result.stats["peak_rss_mb"] > 0


def test_a_layout_problem_comes_back_with_the_first_rows_and_a_mapping_fixes_it():
    header = ["TT", "Việc cần làm", "Đầu mối thực hiện", "Hạn"]
    data = sheet_bytes(header, [[1, "Nhiệm vụ A", "Bộ Tài chính", "30/9/2025"]])
    result = sandbox.read_file(data, "x.xlsx", as_of=AS_OF)
    assert not result.ok and result.layout_problem
    assert result.errors[0].code == "missing_columns"
    assert result.head.rows[0] == header
    fixed = sandbox.read_file(
        data, "x.xlsx", as_of=AS_OF, header_row=1, mapping={"task": 1, "lead_agency": 2}
    )
    assert fixed.ok and [t.lead_ids for t in fixed.prepared.tasks] == [("mof",)]


def test_audit_events_are_recorded_when_the_log_exists(db, monkeypatch):
    from analytics import audit

    assert uploads.audit(db, "root", "upload", "abc", {"name": "f.xlsx"}, "ok")
    rows = audit.read(db, actions=["upload"])
    assert list(rows["target"]) == ["abc"] and list(rows["username"]) == ["root"]
    monkeypatch.delattr(audit, "record")
    assert uploads.audit(db, "root", "commit", "1") is False  # guarded, no error


def test_editor_files_default_to_their_own_agencies():
    tasks = [task("a", ("mof", "p01")), task("b", ("mof",))]
    two = User("ed2", "agency_editor", agency_ids=("mof", "p01"))
    empty = pd.DataFrame({"task_id": [], "lead_ids": []})
    assert uploads.default_update_agencies(two, tasks, empty) == ("mof",)  # common lead only
    assert uploads.default_update_agencies(
        two, [task("c", ("p01",)), task("d", ("mof",))], empty
    ) == ("mof", "p01")
    assert uploads.default_update_agencies(ADMIN, tasks, empty) == ()


def test_quarantine_folder_defaults_next_to_the_database(tmp_path, monkeypatch):
    monkeypatch.delenv("TASKS_UPLOADS", raising=False)
    monkeypatch.setenv("TASKS_DB", str(tmp_path / "data" / "tasks.duckdb"))
    assert uploads.quarantine_dir() == tmp_path / "data" / "uploads"
    assert os.path.basename(uploads.quarantine_dir()) == "uploads"


def test_two_agency_updates_committed_at_once_both_end_correctly(db):
    mof = prepared_of(
        [
            [
                1,
                "t1",
                "Nhiệm vụ t1",
                "Bộ Tài chính",
                dt.date(2025, 9, 30),
                "Đã hoàn thành",
                dt.date(2025, 8, 2),
            ],
            [2, "t2", "Nhiệm vụ t2", "Bộ Tài chính", dt.date(2025, 9, 30), "Đang thực hiện", None],
            [
                3,
                "t6",
                "Nhiệm vụ t6",
                "Bộ Tài chính; Hà Nội",
                dt.date(2025, 9, 30),
                "Đang thực hiện",
                None,
            ],
        ]
    )
    hn = prepared_of(
        [
            [
                1,
                "t3",
                "Nhiệm vụ t3",
                "Hà Nội",
                dt.date(2025, 9, 30),
                "Đã hoàn thành",
                dt.date(2025, 8, 3),
            ],
            [2, "t4", "Nhiệm vụ t4", "Hà Nội", dt.date(2025, 9, 30), "Đang thực hiện", None],
        ]
    )
    plans = {"mof": uploads.Plan(SRC, AS_OF, ("mof",)), "p01": uploads.Plan(SRC, AS_OF, ("p01",))}
    files = {"mof": mof, "p01": hn}
    previews = {k: uploads.build_preview(db, files[k], plans[k], ADMIN) for k in files}
    outcome: dict[str, object] = {}
    barrier = threading.Barrier(2)

    def run(k: str) -> None:
        barrier.wait()
        try:
            outcome[k] = uploads.commit(
                db, files[k], plans[k], k.encode(), f"{k}.xlsx", ADMIN, previews[k]
            )
        except uploads.StaleState as exc:
            outcome[k] = exc

    threads = [threading.Thread(target=run, args=(k,)) for k in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert set(outcome) == {"mof", "p01"}
    done = [k for k, v in outcome.items() if not isinstance(v, Exception)]
    assert done  # at least one went through; a stale one was refused cleanly, nothing half-done
    for k in set(files) - set(done):
        fresh = uploads.build_preview(db, files[k], plans[k], ADMIN)
        uploads.commit(db, files[k], plans[k], k.encode(), f"{k}.xlsx", ADMIN, fresh)
    final = state_of(db).set_index("task_id")
    assert final.loc["t1", "status"] == "completed_on_time"  # no lost update either way
    assert final.loc["t3", "status"] == "completed_on_time"
    assert sorted(final.index) == ["t1", "t2", "t3", "t4", "t5", "t6"]
    assert len(store.list_snapshots(db)) == 3


def test_the_annotated_copy_is_made_in_the_sandbox():
    data = sheet_bytes(
        HEADER,
        [[1, "A-1", "Xây dựng Nghị định", "Bộ Tài chánh", "31/02/2025", "Đang thực hiện", None]],
    )
    p = prepare(data, "f.xlsx", as_of=AS_OF, source=SRC)
    problems = [*p.errors, *p.warnings]
    assert {x.code for x in problems} >= {"bad_deadline", "unknown_agency"}
    out = sandbox.annotate_file(data, "f.xlsx", uploads.table_info(p), problems, "vi")
    ws = openpyxl.load_workbook(io.BytesIO(out))["Sheet1"]
    assert "Dòng 2" in ws["E2"].comment.text and ws["E2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert "Có phải" in ws["D2"].comment.text
