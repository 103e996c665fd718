"""The JSON task feed (docs/task-feed.md, docs/task-feed.schema.json, analytics/connectors/
feed.py): the schema and its documentation agree, every problem names the task, the field and
the value, and the feed is parsed in the upload sandbox's child (action "feed")."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from analytics import sandbox
from analytics.connectors import feed

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "task-feed.md").read_text(encoding="utf-8")


def example() -> dict:
    return json.loads(re.search(r"```json\n(.*?)\n```", DOC, re.S).group(1))


def rejected(doc) -> list:
    data = doc if isinstance(doc, bytes) else json.dumps(doc, ensure_ascii=False).encode()
    with pytest.raises(feed.FeedRejected) as exc:
        feed.convert(data)
    return exc.value.problems


def test_the_schema_is_draft_2020_12_and_documented_field_by_field():
    schema = feed.schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    fields = set(schema["properties"]) - {"$schema"} | set(schema["$defs"]["task"]["properties"])
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOC, re.M))
    assert documented == fields
    assert set(schema["$defs"]["task"]["properties"]) == set(feed.HEADERS) | {"deadline_text"}


def test_the_documented_example_is_a_valid_feed():
    doc = example()
    assert feed.problems_of(doc) == []
    rows = feed.convert(json.dumps(doc).encode())
    assert rows.as_of == dt.date(2025, 8, 28) and rows.ids == ("NV-01", "NV-02")


@pytest.mark.parametrize(
    ("change", "column", "value", "en", "vi"),
    [
        (lambda d: d["tasks"][1].update(deadline="30/09/2025"), "deadline", "30/09/2025",
         "Task 2 (id NV-02), field 'deadline': '30/09/2025' is not a date",
         "Nhiệm vụ thứ 2 (mã NV-02), trường 'deadline'"),
        (lambda d: d["tasks"][0].update(completed_on="2025-02-30"), "completed_on", "2025-02-30",
         "Task 1 (id NV-01)", "không phải ngày"),
        (lambda d: d["tasks"][0].pop("title"), "title", None,
         "Task 1 (id NV-01), field 'title': missing", "thiếu (bắt buộc)"),
        (lambda d: d["tasks"][1].update(lead_agencies="Bộ Công an"), "lead_agencies", "Bộ Công an",
         "must be a list", "phải là một danh sách"),
        (lambda d: d["tasks"][1].update(lead_agencies=[]), "lead_agencies", None,
         "Task 2 (id NV-02), field 'lead_agencies': must not be empty", "không được để trống"),
        (lambda d: d["tasks"][0].update(lead_agency="Bộ Tài chính"), "lead_agency", "lead_agency",
         "field 'lead_agency': not a field of the schema", "không phải trường của lược đồ"),
        (lambda d: d["tasks"][0].update(difficult="có"), "difficult", "có",
         "must be true or false", "phải là true hoặc false"),
        (lambda d: d.update(as_of="28/08/2025"), "as_of", "28/08/2025",
         "Field 'as_of': '28/08/2025' is not a date", "Trường 'as_of'"),
        (lambda d: d.pop("as_of"), "as_of", None, "Field 'as_of': missing", "thiếu"),
        (lambda d: d.update(tasks=[]), "tasks", None, "holds no task", "không có nhiệm vụ nào"),
        (lambda d: d["tasks"][1].update(id="NV-01"), "id", "NV-01",
         "Task 2 (id NV-01), field 'id': the id 'NV-01' is used by another task", "đã dùng"),
        (lambda d: d.update(generated_at="2025-08-28 17:00"), "generated_at", "2025-08-28 17:00",
         "is not an ISO 8601 time with its zone", "có múi giờ"),
        (lambda d: d["tasks"][0].update(title="x" * 40000), "title", None,
         "longer than 32767 characters", "dài hơn 32767 ký tự"),
    ],
)  # fmt: skip
def test_each_problem_names_the_task_the_field_and_the_value(change, column, value, en, vi):
    doc = example()
    change(doc)
    [problem] = rejected(doc)
    assert (problem.column, problem.value) == (column, value)
    assert en in problem.message and vi in problem.message_vi
    assert "jsonschema" not in problem.message and "'type'" not in problem.message


def test_every_problem_is_said_at_once():
    doc = example()
    doc["tasks"][0]["deadline"] = "soon"
    doc["tasks"][1]["status"] = 3
    doc["tasks"][1]["colour"] = "red"
    assert {p.column for p in rejected(doc)} == {"deadline", "status", "colour"}


def test_what_is_not_json_too_deep_or_too_large_is_refused():
    [p] = rejected(b'{"as_of": "2025-08-28", "tasks": [')
    assert p.code == "not_json" and "line 1" in p.message and "dòng 1" in p.message_vi
    [p] = rejected(b"\xff\xfe\x00")
    assert p.code == "not_json"
    deep = b'{"as_of": "2025-08-28", "tasks": [' + b"[" * 50 + b"]" * 50 + b"]}"
    [p] = rejected(deep)
    assert p.code == "too_deep" and "8" in p.message
    assert feed.depth_of(b'{"a": "[[[[[[[[[[[[[[[[[["}') == 1  # brackets in strings do not count
    with pytest.raises(feed.FeedRejected) as exc:
        feed.convert(json.dumps(example()).encode(), max_bytes=100)
    assert exc.value.problems[0].code == "too_large"


def test_a_byte_order_mark_is_accepted():
    rows = feed.convert(b"\xef\xbb\xbf" + json.dumps(example()).encode())
    assert rows.ids == ("NV-01", "NV-02")


def test_the_feed_is_parsed_in_the_sandbox_child():
    assert "feed" in sandbox.ACTIONS
    answer, payload = sandbox.run_action("feed", {}, json.dumps(example()).encode())
    assert answer["ok"] and answer["stats"]["peak_rss_mb"] > 0  # the child's own account
    assert payload == feed.convert(json.dumps(example()).encode()).csv
    bad = example()
    bad["tasks"][0]["deadline"] = "mai"
    with pytest.raises(feed.FeedRejected) as exc:
        feed.read_feed(json.dumps(bad).encode())
    [problem] = exc.value.problems
    assert problem.column == "deadline" and "Nhiệm vụ thứ 1 (mã NV-01)" in problem.message_vi


def test_the_rows_read_back_as_the_tasks_the_feed_gives():
    doc = example()
    doc["tasks"][0].update(
        group="Thể chế", assigned_on="2025-05-18", leader="Thứ trưởng", progress="Đã trình",
        result="Dự thảo", causes="Chờ ý kiến", proposals="Gia hạn", difficult=True,
    )  # fmt: skip
    doc["tasks"][1]["lead_agencies"] = ["Bộ Không Có Thật"]
    rows = feed.read_feed(json.dumps(doc).encode())
    read = sandbox.read_file(rows.csv, "feed.csv", as_of=rows.as_of, source=rows.source)
    assert read.ok, read.errors
    one, two = read.prepared.tasks
    assert (one.task_id, one.lead_ids, one.support_ids) == ("NV-01", ("mof",), ("moj", "mps"))
    assert (one.deadline, one.status_class, one.difficult) == (
        dt.date(2025, 9, 30), "in_progress_on_time", True,
    )  # fmt: skip
    assert (one.group, one.assigned_date, one.leader, one.progress) == (
        "Thể chế", dt.date(2025, 5, 18), "Thứ trưởng", "Đã trình",
    )  # fmt: skip
    assert (one.result, one.causes, one.proposals, one.notes) == (
        "Dự thảo", "Chờ ý kiến", "Gia hạn", "Trình Quốc hội tại kỳ họp thứ 10",
    )  # fmt: skip
    assert (two.deadline, two.deadline_text) == (dt.date(2025, 12, 31), "Quý IV/2025")
    assert (two.status_class, two.completion_date) == ("done_on_time", dt.date(2025, 8, 15))
    [warning] = [w for w in read.prepared.warnings if w.code == "unknown_agency"]
    said = feed.as_task_problem(warning, rows.ids)
    assert said.message_vi.startswith("Nhiệm vụ thứ 2 (mã NV-02)")
    assert said.message.startswith("Task 2 (id NV-02)") and "Bộ Không Có Thật" in said.message
