"""The upload page's decisions (analytics.upload_plan), as pure functions over plain values; and
the page's shape: a thin script over ui/upload/, one `esc()` in the project."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace as NS

import pandas as pd
import pytest

from analytics import upload_plan as plan
from analytics import uploads
from analytics.agencies import Agency
from analytics.model import FIELDS, REQUIRED_FIELDS
from analytics.problems import error, warning
from ui.html import esc

ROOT = Path(__file__).resolve().parent.parent
DAY = dt.date(2025, 8, 28)


def head(rows, sheet="Sheet1", sheets=("Sheet1",)):
    return NS(rows=[list(r) for r in rows], width=max((len(r) for r in rows), default=0),
              sheet=sheet, sheets=list(sheets))  # fmt: skip


def table(header_row=1, headers=(), mapping=None, sheet="Sheet1"):
    return NS(header_row=header_row, headers=list(headers), mapping=dict(mapping or {}),
              sheet=sheet)  # fmt: skip


def unknown(name, *suggestions):
    return warning("unknown_agency", "unknown", "không rõ", value=name, suggestions=suggestions)


@dataclasses.dataclass(frozen=True)
class Read:  # the part of an ingest.Prepared the page's rules look at
    source: str
    warnings: list
    tables: tuple = ()
    held_back: tuple = ()


# --------------------------------------------------------------------------- the reading


def test_a_reading_is_keyed_on_file_task_list_date_and_choices():
    a = plan.read_key("abc", None, DAY, {"header_row": 3, "mapping": {"task": 2}})
    assert a == plan.read_key("abc", None, DAY, {"mapping": {"task": 2}, "header_row": 3})
    assert a != plan.read_key("abc", "NQ", DAY, {"header_row": 3, "mapping": {"task": 2}})
    assert a != plan.read_key("abc", None, DAY, {})
    assert plan.is_automatic({}) and plan.is_automatic({"mapping": {}, "sheets": None})
    assert not plan.is_automatic({"skip_sheets": ["B"]})


def test_column_options_come_from_the_reading_else_the_rows_shown():
    h = head([["STT", "Nội dung"], ["1", "Việc", "x"]])
    read = NS(prepared=NS(table=table(1, ["STT", "Nội dung"])), head=h)
    assert plan.column_options(read, 1) == ["STT", "Nội dung", ""]
    assert plan.column_options(read, 2) == ["1", "Việc", "x"]
    assert plan.column_options(NS(prepared=None, head=h), 9) == ["", "", ""]
    assert plan.column_options(NS(prepared=None, head=None), 1) == []


def test_the_form_starts_from_the_row_chosen_found_or_of_the_first_error():
    found = NS(prepared=NS(table=table(4)), errors=[])
    lost = NS(prepared=None, errors=[error("x", "e", "e"), error("no_header", "e", "e", row=7)])
    assert plan.guess_header_row(found) == 4
    assert plan.guess_header_row(lost) == 7
    assert plan.guess_header_row(NS(prepared=None, errors=[])) == 1
    assert plan.form_header_row({"header_row": 2}, found, 10) == 2
    assert plan.form_header_row({}, found, 10) == 4
    assert plan.form_header_row({"header_row": -3}, found, 10) == 1


def test_a_row_is_shown_by_its_number_and_first_texts():
    rows = [["", "Nội dung", "Cơ quan"], []]
    assert plan.row_preview(rows, 1) == "1: Nội dung | Cơ quan"
    assert plan.row_preview(rows, 2) == "2"
    assert plan.row_preview(rows, 5) == "5"
    assert len(plan.row_preview([["x" * 200]], 1)) == len("1: ") + 80


def test_the_mapping_is_shown_in_field_order_and_the_form_asks_required_fields_first():
    assert plan.mapping_order({"deadline": 4, "zzz": 9, "task": 1, "row_no": 0}) == [
        ("row_no", 0),
        ("task", 1),
        ("deadline", 4),
        ("zzz", 9),
    ]
    assert plan.FORM_FIELDS[: len(REQUIRED_FIELDS)] == REQUIRED_FIELDS
    assert sorted(plan.FORM_FIELDS) == sorted(FIELDS)


def test_only_the_columns_changed_by_hand_are_overrides():
    effective = {"task": 1, "lead_agency": 2, "deadline": 3}
    picked = {"task": 1, "lead_agency": 5, "deadline": -1, "status": -1, "notes": 7}
    assert plan.mapping_overrides({}, picked, effective) == {"lead_agency": 5, "notes": 7}
    # an earlier override set back to "automatic" is dropped, the others kept
    earlier = {"deadline": 3, "result": 8}
    assert plan.mapping_overrides(earlier, {"deadline": -1, "result": 8}, effective) == {
        "result": 8
    }


def corrected(params=None, **kw):
    base = dict(
        overrides={},
        chosen_row=1,
        header_row=1,
        sheet=None,
        head_sheet="Sheet1",
        read_header_row=1,
        n_tables=1,
    )
    return plan.corrected_params(params or {}, **{**base, **kw})


def test_a_correction_of_one_sheet_is_read_again_as_asked():
    # nothing changed on a one-sheet file: read automatically again (the header row found)
    assert corrected() == {}
    assert corrected(chosen_row=3) == {"header_row": 3}
    assert corrected(overrides={"task": 2}) == {"header_row": 1, "mapping": {"task": 2}}
    # a sheet chosen before stays chosen
    assert corrected({"sheet": "B"}, head_sheet="B") == {"header_row": 1, "sheet": "B"}
    # the file could not be read: the row chosen is asked for
    assert corrected(read_header_row=None, n_tables=0) == {"header_row": 1}


def test_another_sheet_is_read_afresh_unless_its_header_row_is_chosen_too():
    assert corrected(sheet="B", overrides={"task": 2}) == {"sheet": "B"}
    assert corrected(sheet="B", chosen_row=4) == {"sheet": "B", "header_row": 4}
    assert corrected(sheet="Sheet1", chosen_row=4) == {"header_row": 4}


def test_a_correction_with_several_sheets_read_reads_that_sheet_alone():
    assert corrected(n_tables=3) is None  # nothing changed: every task sheet stays read
    assert corrected(n_tables=3, overrides={"task": 2}) == {
        "header_row": 1,
        "sheet": "Sheet1",
        "mapping": {"task": 2},
    }
    assert corrected(n_tables=3, chosen_row=2) == {"header_row": 2, "sheet": "Sheet1"}


def test_a_remembered_layout_is_read_as_it_was_confirmed():
    layout = NS(sheet="DM", header_row=3, mapping={"task": 1})
    assert plan.remembered_params(layout) == {
        "sheet": "DM",
        "header_row": 3,
        "mapping": {"task": 1},
    }
    assert plan.layout_applied(NS(table=table(3, mapping={"task": 1})), layout)
    assert not plan.layout_applied(NS(table=table(2, mapping={"task": 1})), layout)
    assert not plan.layout_applied(None, layout)


# --------------------------------------------------------------------------- the sheets


def test_the_task_sheets_offered_keep_the_workbook_order():
    names = ["Bìa", "A", "B", "Ẩn", "C"]
    assert plan.sheet_options(names, ["A", "C"], ["A", "B", "C"], [], ["Ẩn"]) == [
        "A",
        "B",
        "Ẩn",
        "C",
    ]
    assert plan.sheet_options(names, ["A"], ["A"], ["C"], []) == ["A", "C"]


def test_leaving_a_sheet_out_skips_it_and_adding_one_names_them_all():
    options = ["A", "B", "Ẩn", "C"]
    auto = ["A", "B", "C"]
    assert plan.params_for_sheets(["A", "C"], auto, options) == {"skip_sheets": ["B"]}
    assert plan.params_for_sheets(["C", "A", "B"], auto, options) == {}
    assert plan.params_for_sheets(["Ẩn", "A"], auto, options) == {"sheets": ["A", "Ẩn"]}


# --------------------------------------------------------------------------- the task list


def test_the_task_list_the_file_names_is_offered_first_and_a_new_one_can_be_named():
    named = Read("Kết luận 123", [])
    silent = Read("tên tệp", [warning("source_from_name", "from name", "theo tên tệp")])
    assert plan.detected_source(named) == "Kết luận 123"
    assert plan.detected_source(silent) is None
    known = ["Nghị quyết 71/NQ-CP", "Thông báo kết luận"]
    assert plan.source_options(known, "Kết luận 123") == ["Kết luận 123", *known, plan.NEW_SOURCE]
    assert plan.source_options(known, known[1]) == [*known, plan.NEW_SOURCE]
    assert plan.source_options(known, None) == [*known, plan.NEW_SOURCE]
    options = plan.source_options(known, None)
    assert plan.named_source("  nghi quyet   71/nq-cp ", options) == "Nghị quyết 71/NQ-CP"
    assert plan.named_source("K\u00ea\u0301t  luận 9", options) == "Kết luận 9"  # NFC, spaces
    assert plan.named_source("   ", options) is None
    assert plan.named_source(None, options) is None


def test_the_file_goes_under_the_task_list_chosen_without_the_readers_warning():
    other = warning("free_text_deadline", "w", "w")
    read = Read("tên tệp", [warning("source_from_name", "n", "n"), other])
    assert plan.with_task_list(read, "NQ 71") == Read("NQ 71", [other])
    assert plan.with_task_list(read, None) == Read("tên tệp", [other])


# --------------------------------------------------------------------------- agencies


def test_one_question_per_unknown_agency_name():
    warns = [unknown("Sở A", "Sở Ả"), unknown("Bộ B"), unknown("Sở A"), warning("x", "w", "w")]
    assert plan.unknown_names(Read("s", warns)) == {"Sở A", "Bộ B"}
    assert plan.unknown_name_questions(warns) == [("Bộ B", ()), ("Sở A", ("Sở Ả",))]
    many = [unknown(f"Sở {i:03}") for i in range(60)]
    assert len(plan.unknown_name_questions(many)) == 50


def test_the_files_own_agencies_are_added_to_the_register_once():
    known = pd.DataFrame(
        [{"agency_id": "mof", "name_vi": "Bộ Tài chính", "name_en": "MoF",
          "agency_type": "ministry", "parent_id": None}]
    )  # fmt: skip
    extra = [
        Agency(id="mof", name_vi="x", name_en="x", type="ministry"),
        Agency(id="new", name_vi="Sở Mới", name_en="New", type="other"),
    ]
    out = plan.with_extra_agencies(known, extra)
    assert out["agency_id"].tolist() == ["mof", "new"]
    assert out.loc[0, "name_vi"] == "Bộ Tài chính"
    assert plan.with_extra_agencies(known) is known
    assert plan.update_agency_options({"p01", "mof"}, ("most", "mof")) == ["mof", "most", "p01"]


# --------------------------------------------------------------------------- the preview


def test_the_judged_preview_is_kept_for_one_reading_task_list_and_answers():
    a = plan.judged_token("k", "NQ", {"Sở A": "p01", "Bộ B": "mof"})
    assert a == plan.judged_token("k", "NQ", {"Bộ B": "mof", "Sở A": "p01"})
    assert a != plan.judged_token("k", "NQ", {"Sở A": "p01"})
    assert a != plan.judged_token("k2", "NQ", {"Sở A": "p01", "Bộ B": "mof"})
    assert a != plan.judged_token("k", "TB", {"Sở A": "p01", "Bộ B": "mof"})
    assert plan.preview_columns(False)[-1] == "origin_row"
    assert "origin_sheet" not in plan.preview_columns(False)
    assert plan.preview_columns(True)[-2:] == ["origin_sheet", "origin_row"]


def test_long_lists_are_cut_with_an_ellipsis():
    assert plan.shortened(["a", "b"], 2) == "a, b"
    assert plan.shortened(["a", "b", "c"], 2) == "a, b …"
    assert plan.shortened(["a", "b", "c"], 2, "; ") == "a; b …"
    assert plan.shortened([], 2) == ""


def test_rows_held_back_and_refused_tasks_are_named_by_row_and_title():
    one = Read("s", [], tables=(1,), held_back=(NS(row=5, sheet="A"), NS(row=9, sheet="A")))
    two = dataclasses.replace(one, tables=(1, 2))
    assert plan.held_back_rows(one, "vi", uploads.TaskRef) == "dòng 5, dòng 9"
    assert plan.held_back_rows(two, "en", uploads.TaskRef) == "sheet 'A', row 5, sheet 'A', row 9"
    refusal = uploads.Refusal(
        agencies=("p01", "most"),
        tasks={"p01": ["t3"], "most": ["t5"]},
        named={"p01": [uploads.TaskRef(7, "Việc ba"), uploads.TaskRef(None, "Việc cũ")]},
    )
    names = {"p01": "Tỉnh 01", "most": "Bộ KH&CN"}
    assert plan.refusal_items(refusal, names.get, "vi") == (
        "Tỉnh 01 (dòng 7: Việc ba; 'Việc cũ' (không còn trong tệp)); Bộ KH&CN"
    )


# --------------------------------------------------------------------------- confirm


def test_the_confirm_button_is_blocked_while_anything_is_missing_or_refused():
    ready, waiting = NS(ready=True), NS(ready=False)
    fine, refused = NS(refusal=None), NS(refusal=object())
    assert not plan.confirm_blocked(ready, fine, False)
    assert plan.confirm_blocked(None, fine, False)
    assert plan.confirm_blocked(waiting, fine, False)
    assert plan.confirm_blocked(ready, None, False)
    assert plan.confirm_blocked(ready, fine, True)
    assert plan.confirm_blocked(ready, refused, False)


def test_a_user_looking_at_the_latest_date_keeps_looking_at_the_latest_date():
    later = DAY + dt.timedelta(days=3)
    assert plan.followed_date(DAY, DAY, later) == later
    assert plan.followed_date(DAY - dt.timedelta(days=1), DAY, later) is None  # an older date
    assert plan.followed_date(DAY, DAY, DAY - dt.timedelta(days=1)) is None  # an earlier file
    assert plan.followed_date(DAY, None, later) is None
    assert plan.followed_date(DAY, DAY, None) is None


def test_a_committed_layout_is_remembered_under_its_header_row_of_one_sheet():
    h = head([["a"], ["STT", "Nội dung"]])
    assert plan.layout_header_texts(h, table(2), False) == ["STT", "Nội dung"]
    assert plan.layout_header_texts(h, table(2), True) is None
    assert plan.layout_header_texts(h, table(3), False) is None
    assert plan.layout_header_texts(None, table(1), False) is None
    assert plan.layout_header_texts(head([]), table(1), False) is None


def test_an_agencys_tasks_file_is_named_by_agency_source_and_date():
    assert (
        plan.my_tasks_file_name("mof", "Nghị quyết 71/NQ-CP", DAY)
        == "nhiem_vu_mof_nghị_quyết_71_nq_cp_2025-08-28.xlsx"
    )
    assert (
        len(plan.my_tasks_file_name("a", "x" * 99, DAY)) == len("nhiem_vu_a__2025-08-28.xlsx") + 30
    )


# --------------------------------------------------------------------------- the audit log


def test_the_audit_log_records_the_reading_the_refusal_and_the_commit():
    p = NS(tasks=[1, 2], errors=[error("b", "e", "e"), error("a", "e", "e")], warnings=[1])
    read = NS(prepared=p, errors=[], warnings=[], file_format="xlsx", stats={"rows": 2})
    assert plan.read_audit_detail("f.xlsx", 10, read) == {
        "name": "f.xlsx",
        "bytes": 10,
        "format": "xlsx",
        "tasks": 2,
        "errors": 2,
        "warnings": 1,
        "codes": ["a", "b"],
        "stats": {"rows": 2},
    }
    refused = NS(prepared=None, errors=[error("zip", "e", "e")], warnings=[], file_format=None,
                 stats={})  # fmt: skip
    assert plan.read_audit_detail("f", 1, refused)["codes"] == ["zip"]
    refusal = uploads.Refusal(agencies=("p01",), tasks={"p01": [f"t{i}" for i in range(60)]})
    detail = plan.denied_audit_detail("f", refusal)
    assert detail["reason"] == "agencies" and len(detail["tasks"]["p01"]) == 50
    pl = uploads.Plan("NQ", DAY, ("mof",), mode="agency")
    result = NS(snapshot_id=7, tasks=3, kind="agency", duplicate=False, held_back=1,
                kept=[f"k{i}" for i in range(60)])  # fmt: skip
    done = plan.commit_audit_detail("sha", "f", pl, result)
    assert done["as_of"] == "2025-08-28" and done["update_agencies"] == ["mof"]
    assert len(done["kept_previous"]) == 50
    assert plan.committed_note(pl, result) == {
        "id": 7,
        "n": 3,
        "source": "NQ",
        "date": DAY,
        "duplicate": False,
        "held_back": 1,
    }


# --------------------------------------------------------------------------- the shape


def test_user_text_is_escaped_for_markdown_by_one_function():
    assert esc("**x** [a](b) <i>`c`</i> $1:") == (r"\*\*x\*\* \[a\]\(b\) \<i\>\`c\`\</i\> \$1\:")
    assert esc("a\u0000b\nc") == "abc"
    copies = [
        str(path.relative_to(ROOT))
        for folder in ("analytics", "ui", "pages")
        for path in (ROOT / folder).rglob("*.py")
        if re.search(r"^\s*def esc\(", path.read_text(encoding="utf-8"), re.M)
    ]
    assert copies == ["ui/html.py"], copies
    if (ROOT / "app.py").exists():
        assert "def esc(" not in (ROOT / "app.py").read_text(encoding="utf-8")


def test_the_upload_page_is_a_thin_script_over_its_steps():
    page = (ROOT / "pages" / "upload.py").read_text(encoding="utf-8")
    assert len(page.splitlines()) < 150
    assert "S: dict" not in page and "FIELD_LABELS" not in page
    steps = ROOT / "ui" / "upload"
    for path in steps.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 800, path.name


@pytest.mark.parametrize("module", ["analytics.upload_plan"])
def test_the_upload_rules_need_no_streamlit(module):
    code = f"import sys, {module}; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
