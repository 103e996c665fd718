"""The JSON task feed (docs/task-feed.md, docs/task-feed.schema.json) → the rows ingest reads.

A feed is parsed and checked only inside the upload sandbox's limited child (analytics/sandbox.py,
action "feed": `read_feed` runs it): its size is capped, its nesting depth counted before
`json.loads` sees it (`MAX_DEPTH`), then it is validated against the JSON Schema, every
problem naming the task (its number and id), the field and the value. What passes becomes CSV
bytes under headers the header matching knows (`HEADERS`), which the pull then reads in the
sandbox like any uploaded CSV: the same reading, resolution of agencies and status rule.

Pure functions but `read_feed` (which starts the child).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from analytics.i18n import t
from analytics.problems import Problem, error

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "task-feed.schema.json"
MAX_DEPTH = 8  # a feed is 4 deep (object, tasks, task, agencies); a deeper one is refused
MAX_PROBLEMS = 200
SHOWN_VALUE = 80

# The feed's task fields → the CSV header the reader maps to the same canonical field
# (analytics/reading/headers.py EXTRA_VARIANTS).
HEADERS = {
    "id": "Task ID",
    "group": "Group",
    "title": "Task",
    "lead_agencies": "Lead agency",
    "support_agencies": "Supporting agencies",
    "product": "Product",
    "deadline": "Deadline",
    "source_document": "Source document",
    "assigned_on": "Assigned date",
    "status": "Status",
    "completed_on": "Completion date",
    "difficult": "Difficulty",
    "leader": "Leader",
    "progress": "Progress",
    "result": "Result",
    "causes": "Causes",
    "proposals": "Proposals",
    "notes": "Notes",
}
DATE_FIELDS = ("deadline", "completed_on", "assigned_on")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")
_TYPE_WORDS = {
    "string": "connectors.type_string",
    "array": "connectors.type_array",
    "object": "connectors.type_object",
    "boolean": "connectors.type_boolean",
    "null": "connectors.type_null",
}


@dataclass(frozen=True)
class FeedRows:
    """A checked feed as rows: CSV bytes, the date and source it states, its task ids."""

    csv: bytes
    as_of: dt.date
    source: str | None
    ids: tuple[str, ...]


def _said(key: str, code: str, *, column=None, value=None, **fmt) -> Problem:
    return error(code, t(key, "en", **fmt), t(key, "vi", **fmt), column=column, value=value)


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def depth_of(data: bytes) -> int:
    """The deepest nesting of arrays and objects (strings left out), without parsing."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b"", data)):
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse(data: bytes, max_bytes: int | None = None) -> object:
    """The feed's JSON document; a list of Problems (raised as FeedRejected) when it is too
    large, too deep or not JSON."""
    from analytics.reading import MAX_BYTES

    cap = min(max_bytes or MAX_BYTES, MAX_BYTES)
    if len(data) > cap:
        raise FeedRejected(
            [_said("connectors.feed_too_large", "too_large", mb=f"{cap / 2**20:.3g}")]
        )
    if depth_of(data) > MAX_DEPTH:
        raise FeedRejected([_said("connectors.feed_too_deep", "too_deep", depth=MAX_DEPTH)])
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FeedRejected([_said("connectors.feed_not_json", "not_json", line=1, col=1)]) from None
    except json.JSONDecodeError as exc:
        raise FeedRejected(
            [_said("connectors.feed_not_json", "not_json", line=exc.lineno, col=exc.colno)]
        ) from None


class FeedRejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems[:3]))


def _shown(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= SHOWN_VALUE else text[: SHOWN_VALUE - 1] + "…"


def _where(doc, path: list) -> tuple[dict, str]:
    """(the place's words for both languages, the field) of a path into the feed."""
    if len(path) >= 2 and path[0] == "tasks" and isinstance(path[1], int):
        index = path[1]
        tasks = doc.get("tasks") if isinstance(doc, dict) else None
        task = tasks[index] if isinstance(tasks, list) and index < len(tasks) else None
        task_id = task.get("id") if isinstance(task, dict) else None
        field = ".".join(str(p) for p in path[2:]) or "tasks"
        fmt = {"index": index + 1, "id": _shown(task_id) if task_id else "?", "field": field}
        return {lang: t("connectors.feed_at_task", lang, **fmt) for lang in ("en", "vi")}, field
    field = ".".join(str(p) for p in path) or "$"
    return {lang: t("connectors.feed_at_field", lang, field=field) for lang in ("en", "vi")}, field


def _problem(doc, err) -> Problem:
    """One schema error of `jsonschema` in our words (its own words never reach a user)."""
    path = list(err.absolute_path)
    kind, instance = err.validator, err.instance
    extra: dict = {}
    if kind == "required":
        missing = [
            p for p in err.validator_value if isinstance(instance, dict) and p not in instance
        ]
        path.append(missing[0] if missing else "?")
        key, value = "connectors.feed_required", None
    elif kind == "additionalProperties":
        allowed = set(err.schema.get("properties", {}))
        unknown = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        path.append(unknown[0] if unknown else "?")
        key, value = "connectors.feed_unknown_field", unknown[0] if unknown else "?"
    elif kind == "type":
        wanted = (
            err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        )
        extra = {
            lang: " / ".join(t(_TYPE_WORDS.get(w, w), lang) for w in wanted if w != "null")
            for lang in ("en", "vi")
        }
        key, value = "connectors.feed_type", _shown(instance)
    elif kind in ("format", "pattern") and err.schema.get("format") == "date":
        key, value = "connectors.feed_date", _shown(instance)
    elif kind == "minLength" or (kind == "minItems" and path != ["tasks"]):
        key, value = "connectors.feed_empty", None
    elif kind == "minItems":
        return _said("connectors.feed_no_tasks", "no_rows", column="tasks")
    elif kind in ("maxLength", "maxItems"):
        key, value = (
            ("connectors.feed_too_long" if kind == "maxLength" else "connectors.feed_too_many"),
            None,
        )
        extra = {"en": err.validator_value, "vi": err.validator_value}
    else:
        key, value = "connectors.feed_invalid", _shown(instance)
    where, field = _where(doc, path)
    words = {}
    for lang in ("en", "vi"):
        fmt = {"where": where[lang], "value": value if value is not None else ""}
        if key == "connectors.feed_type":
            fmt["expected"] = extra[lang]
        elif extra:
            fmt["limit"] = extra[lang]
        words[lang] = t(key, lang, **fmt)
    return error("feed_" + kind.lower(), words["en"], words["vi"], column=field, value=value)


def problems_of(doc) -> list[Problem]:
    """Every way the document departs from the schema (at most MAX_PROBLEMS), then what the
    schema cannot say: real calendar dates, a zone on generated_at, ids used twice."""
    from jsonschema import Draft202012Validator, FormatChecker

    validator = Draft202012Validator(schema(), format_checker=FormatChecker(formats=("date",)))
    found, places = [], set()
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        place = tuple(err.absolute_path)
        if place in places:  # one problem per place (a date failing its pattern and format)
            continue
        places.add(place)
        found.append(_problem(doc, err))
        if len(found) >= MAX_PROBLEMS:
            break
    if found or not isinstance(doc, dict):
        return found
    stamp = doc.get("generated_at")
    if stamp is not None:
        try:
            ok = dt.datetime.fromisoformat(stamp).tzinfo is not None
        except ValueError:
            ok = False
        if not ok:
            where, field = _where(doc, ["generated_at"])
            found.append(_with(where, "connectors.feed_datetime", field, stamp))
    seen: dict[str, int] = {}
    for index, task in enumerate(doc["tasks"]):
        if task["id"] in seen:
            where, field = _where(doc, ["tasks", index, "id"])
            found.append(_with(where, "connectors.feed_id_twice", field, task["id"]))
        seen.setdefault(task["id"], index)
    return found


def _with(where: dict, key: str, field: str, value) -> Problem:
    shown = _shown(value)
    en, vi = (t(key, lang, where=where[lang], value=shown) for lang in ("en", "vi"))
    return error("feed_" + key.rsplit("_", 1)[-1], en, vi, column=field, value=shown)


def _cell(field: str, task: dict) -> str:
    value = task.get(field)
    if field == "deadline" and value is None:
        return task.get("deadline_text") or ""
    if value is None:
        return ""
    if field in DATE_FIELDS:
        d = dt.date.fromisoformat(value)
        return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
    if field in ("lead_agencies", "support_agencies"):
        return "; ".join(value)
    if field == "difficult":
        return "x" if value else ""
    return value


def to_rows(doc: dict) -> FeedRows:
    """A checked feed (no problems_of) as CSV rows under HEADERS, one row a task, in order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS.values())
    for task in doc["tasks"]:
        writer.writerow(_cell(field, task) for field in HEADERS)
    return FeedRows(
        out.getvalue().encode("utf-8"),
        dt.date.fromisoformat(doc["as_of"]),
        doc.get("source"),
        tuple(task["id"] for task in doc["tasks"]),
    )


def convert(data: bytes, max_bytes: int | None = None) -> FeedRows:
    """Bytes of a feed → FeedRows; FeedRejected with every problem found."""
    doc = parse(data, max_bytes)
    found = problems_of(doc)
    if found:
        raise FeedRejected(found)
    return to_rows(doc)


_ROW_LEAD = {
    "en": re.compile(r"^(?:Sheet '[^']*', )?[Rr]ow (\d+)"),
    "vi": re.compile(r"^(?:Trang '[^']*', )?[Dd]òng (\d+)"),
}


def as_task_problem(p: Problem, ids: tuple[str, ...]) -> Problem:
    """A problem the reader found in the feed's rows, said of the task (row 2 is task 1)."""
    if p.row is None or not 2 <= p.row <= len(ids) + 1:
        return p
    index = p.row - 1
    words = {}
    for lang, text in (("en", p.message), ("vi", p.message_vi)):
        lead = t(
            "connectors.feed_at_task", lang, index=index, id=ids[index - 1], field=p.column or "?"
        )
        words[lang] = _ROW_LEAD[lang].sub(lead, text, count=1)
    from dataclasses import replace

    return replace(p, message=words["en"], message_vi=words["vi"])


def read_feed(
    data: bytes, *, max_bytes: int | None = None, timeout: float | None = None
) -> FeedRows:
    """`convert` in the upload sandbox's limited child; FeedRejected with its problems."""
    from analytics import sandbox
    from analytics import sandbox_wire as wire

    answer, payload = sandbox.run_action("feed", {"max_bytes": max_bytes}, data, timeout=timeout)
    if answer.get("ok"):
        return FeedRows(
            payload,
            dt.date.fromisoformat(answer["as_of"]),
            answer.get("source") if isinstance(answer.get("source"), str) else None,
            tuple(str(i) for i in answer.get("ids") or ()),
        )
    if answer.get("errors"):
        raise FeedRejected([wire.problem_from(x) for x in answer["errors"]])
    raise FeedRejected([sandbox._limit_problem(answer.get("limit") or "crash")])
