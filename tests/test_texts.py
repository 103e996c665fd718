"""The one text catalogue (analytics/texts.toml): every text in both languages, each defined once,
the same placeholders in both, every key the code names present, and no string table of the old
shape (`dict[str, tuple[str, str]]` of texts) back in analytics/, ui/ or pages/."""

from __future__ import annotations

import ast
import re
import string
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from analytics import i18n

ROOT = Path(__file__).resolve().parents[1]
CODE = [
    ROOT / "app.py",
    *sorted(p for d in ("analytics", "ui", "pages") for p in (ROOT / d).rglob("*.py")),
]

# One English word for two Vietnamese texts that say different things (the Vietnamese is the
# reference wording, English has no shorter distinction). A new English text used twice fails.
ENGLISH_HOMONYMS = {
    "Accounts": {"admin.accounts", "admin.users"},  # Tài khoản / Danh sách tài khoản
    "Agency": {"page.agency", "col.agency"},  # the page / a column
    "As of": {"common.as_of_line", "data.col_as_of"},  # Ngày số liệu / Số liệu đến ngày
    "Audit log": {"audit.title", "report.k_audit"},  # Nhật ký hoạt động / Nhật ký kiểm toán
    "By source": {"briefing.by_source", "report.sheet_sources"},  # …nguồn nhiệm vụ / Theo nguồn
    "Change": {"col.change", "report.change_delta"},  # Thay đổi / Tăng (+) / giảm (-)
    "Completed": {"status.completed", "report.h_completed"},  # Đã hoàn thành / Đã HT (PDF)
    "Figures as of {date}": {"common.figures_as_of", "report.cutoff"},  # …đến {date} / …ngày {date}
    "In progress": {"status.in_progress", "col.in_progress"},  # …trong hạn / Đang thực hiện
    "New tasks": {"change.new", "report.change_new"},  # Nhiệm vụ mới / Nhiệm vụ mới giao
    "On time": {"col.on_time", "report.h_on_time"},  # Đúng hạn / HT đúng hạn (PDF)
    "Overdue": {
        "status.overdue",
        "col.overdue",
        "report.h_overdue",
    },  # …chưa hoàn thành / Quá hạn / …chưa HT
    "Part of": {"admin.reg_parent", "admin.col_parent"},  # Thuộc cơ quan / Thuộc
    "Rank": {"briefing.peer_rank", "col.rank"},  # Xếp hạng / Hạng
    "Sheet": {"col.sheet", "col.sheet_short"},  # Trang tính / Trang
    "Snapshot": {"data.col_id", "data.pick_snapshot"},  # Mã kỳ / Kỳ số liệu
    "Status": {
        "col.status",
        "col.state",
        "field.status",
    },  # Tình trạng / Trạng thái / …(tình trạng)
    "Status changed": {
        "report.change_status_changed",
        "upload.c_status_changed",
    },  # Thay đổi / Đổi tình trạng
    "Tasks": {"col.tasks", "common.task_list"},  # Số nhiệm vụ / Danh sách nhiệm vụ
    "This report": {"report.change_after", "report.as_of_mark"},  # Kỳ này / Kỳ báo cáo
    "Total": {"col.total", "workload.col_total"},  # Tổng số / Tổng
    # Streamlit's own button and calendar texts (ui/streamlit_vi.py): its English, our Vietnamese
    "Upload": {"page.upload", "widgets16.upload"},  # Cập nhật dữ liệu / Chọn tệp
    "Previous": {"report.change_before", "widgets16.previous"},  # Kỳ trước / Lùi lại
}

KEY = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
T_CALL = re.compile(r"""\bt\(\s*(["'])([^"'{}]+)\1""")  # t("ns.key", view.t('ns.key'


def _raw() -> dict[str, dict[str, object]]:
    with i18n.CATALOGUE_PATH.open("rb") as f:
        return tomllib.load(f)


def _entries() -> dict[str, object]:
    return {f"{sec}.{key}": value for sec, items in _raw().items() for key, value in items.items()}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_key_has_both_languages():
    bad = {
        key: value
        for key, value in _entries().items()
        if not (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(text, str) and text.strip() for text in value)
        )
    }
    assert not bad, f"entries without a Vietnamese and an English text: {bad}"
    assert all(isinstance(items, dict) for items in _raw().values()), "a key outside a [section]"
    assert {key: tuple(value) for key, value in _entries().items()} == i18n.TEXTS


@pytest.mark.parametrize("lang", [0, 1], ids=["vi", "en"])
def test_no_text_is_defined_twice(lang):
    keys = defaultdict(set)
    for key, value in _entries().items():
        keys[value[lang]].add(key)
    twice = {}
    for text, where in keys.items():
        # "x_one" is the singular of "x": the same Vietnamese, an English of its own
        plural = {k for k in where if k.endswith("_one") and k[: -len("_one")] in where}
        rest = where - plural
        if lang == 1 and ENGLISH_HOMONYMS.get(text) == where:
            continue
        if len(rest) > 1:
            twice[text] = sorted(where)
    assert not twice, f"texts defined under several keys (keep one key): {twice}"


def test_the_english_homonyms_are_still_there():
    """The exceptions above name real entries (an exception left behind is removed)."""
    entries = _entries()
    for text, keys in ENGLISH_HOMONYMS.items():
        assert {entries[k][1] for k in keys if k in entries} == {text}, (text, keys)
        assert len({entries[k][0] for k in keys}) == len(keys), (text, keys)


def test_placeholders_match():
    differ = {
        key: (sorted(_fields(vi)), sorted(_fields(en)))
        for key, (vi, en) in _entries().items()
        if _fields(vi) != _fields(en)
    }
    assert not differ, f"placeholders differ between Vietnamese and English: {differ}"


def _key_arguments(tree: ast.AST):
    """The literal keys given to t(...) or x.t(...): a string, or either string of `a if c else b`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name != "t":
                continue
            first = node.args[0]
            for arg in (first.body, first.orelse) if isinstance(first, ast.IfExp) else (first,):
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.value


def _literal_keys(path: Path) -> set[str]:
    """Keys the code names: literal arguments of t(...) and "section.key" string literals."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    found = {m.group(2) for m in T_CALL.finditer(source)} | set(_key_arguments(tree))
    sections = set(_raw())
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts:
            text = node.value
            if KEY.match(text) and text.split(".", 1)[0] in sections:
                found.add(text)
    return found


def test_every_key_named_in_the_code_exists():
    known = set(_entries())
    missing = {}
    for path in CODE:
        absent = sorted(k for k in _literal_keys(path) if k not in known)
        if absent:
            missing[str(path.relative_to(ROOT))] = absent
    assert not missing, f"keys not in analytics/texts.toml: {missing}"


def test_every_text_is_used():
    """A key the code names literally, or under a prefix it completes (f"status.{code}")."""
    code = "\n".join(path.read_text(encoding="utf-8") for path in CODE)
    prefixes = tuple(set(re.findall(r"""f["']([a-z_]+\.[a-z0-9_]*)\{""", code)))
    unused = sorted(k for k in _entries() if k not in code and not k.startswith(prefixes))
    assert not unused, f"texts nothing shows (remove them): {unused}"


def test_lookup():
    assert i18n.t("status.completed") == "Đã hoàn thành"
    assert i18n.t("status.completed", "en") == "Completed"
    assert (
        i18n.t("held_back.notice", "en", n=3, file="a.xlsx")
        == "3 rows of file a.xlsx could not be read"
    )
    assert i18n.t("role.admin", "vi") == "Quản trị viên"
    assert i18n.t("agency_type.unknown_kind") == "unknown_kind"  # a code without a label


def _text_tables(path: Path) -> list[str]:
    """Names of dict literals whose values are all (str, str) pairs, Vietnamese among them."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            values = node.value.values
            pairs = [
                v
                for v in values
                if isinstance(v, ast.Tuple)
                and len(v.elts) == 2
                and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in v.elts)
            ]
            if values and len(pairs) == len(values):
                texts = [e.value for v in pairs for e in v.elts]
                if any(not text.isascii() for text in texts):
                    target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                    found.append(ast.unparse(target))
    return found


def test_no_string_table_of_the_old_shape():
    tables = {}
    for path in CODE:
        names = _text_tables(path)
        if names:
            tables[str(path.relative_to(ROOT))] = names
    assert not tables, f"texts belong in analytics/texts.toml: {tables}"


def test_the_old_shape_is_recognised(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text(
        'S: dict[str, tuple[str, str]] = {"a": ("Đã hủy", "Cancelled")}\n'
        'STYLES = {"a": ("dash", "circle")}\n',
        encoding="utf-8",
    )
    assert _text_tables(path) == ["S"]


def test_every_key_built_from_a_value_exists():
    """Keys the code builds from a value (t(f"status.{s}"), t(f"role.{role}"), ...) exist for
    every value of their domain: t() falls back to the bare code, which would show a user
    "completed_on_time" instead of a label."""
    from analytics import access, audit, briefing, model, uploads
    from analytics.agencies import AGENCY_TYPES
    from analytics.i18n import TEXTS

    families = {
        "status": model.STATUSES,
        "role": access.ROLES,
        "agency_type": AGENCY_TYPES,
        "change": briefing.CHANGE_KINDS,
        "missing_column": model.REQUIRED_FIELDS,
        "briefing.peer_group_": briefing.PEER_GROUPS,
        "audit_action": audit.ACTIONS,
        "audit_outcome": audit.OUTCOMES,
        "upload.g_": tuple(g for g in uploads.PROBLEM_GROUPS if g != "unknown_agency"),
    }
    missing = []
    for prefix, values in families.items():
        assert values, prefix
        for value in values:
            key = f"{prefix}{value}" if prefix.endswith("_") else f"{prefix}.{value}"
            if key not in TEXTS:
                missing.append(key)
    assert not missing, missing
