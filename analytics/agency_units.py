"""The agency register a store keeps on top of the reference lists: units and other names.

Real exports name units inside a ministry ("Vụ Pháp chế", "Cục Nhà giáo", "Văn phòng Bộ") and
provincial departments ("Sở GD&ĐT Ninh Thuận"). An administrator registers them once, on the
Administration page, from the upload page's "which agency is this?" question, or with
`python -m analytics agencies add|alias|list` (analytics/cli/agencies.py); the next file naming
them resolves without a question. Two tables of the store (analytics/sql/schema.sql), rows only
ever added, every addition written to the audit log:

- `agency_units`: a unit and its parent (a ministry, a ministerial-level or government agency,
  or a province; never another unit). Its tasks count for the parent in the overall figures
  (`metrics.roll_up`) and a filter or access scope naming the parent takes them in
  (`store.with_units`).
- `agency_aliases`: another name for an agency, a unit or a reference one.

`resolver_for(db)` is the reference resolver with the store's register layered over it, cached
on the register's contents. No streamlit and no duckdb at import (the sandbox child, which never
sees the store, gets the register as a `Register` and builds its resolver with `layered`).
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass

from analytics.access import STEERING_ROLES
from analytics.agencies import (
    PARENT_TYPES,
    Agency,
    AgencyResolver,
    default_resolver,
    name_key,
    unit_id,
)
from analytics.text import nfc

MAX_NAME = 200


class RegisterError(ValueError):
    """A register change refused (unknown parent, a name already taken, ...): nothing written."""

    def __init__(self, code: str, message: str, message_vi: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_vi = message_vi

    def text(self, lang: str) -> str:
        return self.message_vi if lang == "vi" else self.message


@dataclass(frozen=True)
class Register:
    """A store's register as read: units (agency_id, parent_id, name_vi, name_en) and aliases
    (alias_text, agency_id), oldest first. Hashable: resolvers are cached on it."""

    units: tuple[tuple[str, str, str, str | None], ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.units or self.aliases)

    def to_doc(self) -> dict:
        """Plain JSON (for the sandbox child)."""
        return {"units": [list(u) for u in self.units], "aliases": [list(a) for a in self.aliases]}

    @classmethod
    def from_doc(cls, doc: dict | None) -> Register:
        doc = doc or {}
        units = tuple(
            (str(u[0]), str(u[1]), str(u[2]), None if u[3] is None else str(u[3]))
            for u in doc.get("units") or ()
        )
        aliases = tuple((str(a[0]), str(a[1])) for a in doc.get("aliases") or ())
        return cls(units, aliases)


# --------------------------------------------------------------------------- resolving


@functools.lru_cache(maxsize=16)
def layered(register: Register) -> AgencyResolver:
    """The reference resolver with `register` over it (the reference one when it is empty)."""
    base = default_resolver()
    if not register:
        return base
    return base.with_register(register.units, register.aliases)


def _read(con) -> Register:
    units = con.execute(
        "select agency_id, parent_id, name_vi, name_en from agency_units "
        "order by created_at, agency_id"
    ).fetchall()
    aliases = con.execute(
        "select alias_text, agency_id from agency_aliases order by created_at, alias_key"
    ).fetchall()
    return Register(tuple(tuple(u) for u in units), tuple(tuple(a) for a in aliases))


_read_cache: dict[str, tuple[tuple, Register]] = {}
_read_lock = threading.Lock()


def read_register(db) -> Register:
    """The store's register, read again only when the database file has changed (a stat). A
    database that does not exist yet has an empty register (and is not created here)."""
    from analytics import store

    path = store.db_path(db)
    if not path.exists():
        return Register()
    token = store.version_token(path)
    key = str(path)
    with _read_lock:
        hit = _read_cache.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]
    with store.connect(path) as con:
        register = _read(con)
    with _read_lock:
        _read_cache[key] = (token, register)
    return register


def resolver_for(db) -> AgencyResolver:
    """The resolver for files read for the store `db`: the reference lists and its register."""
    return layered(read_register(db))


def resolver_for_later(db) -> Callable[[], AgencyResolver]:
    """resolver_for(db) made in a thread now; the function returned waits for it. `ingest`
    hands it to `prepare`, so that the register loads while the workbook is parsed."""
    done = threading.Event()
    out: list = []

    def load() -> None:
        try:
            out.append(resolver_for(db))
        except BaseException as exc:  # handed to the caller below
            out.append(exc)
        finally:
            done.set()

    try:
        threading.Thread(target=load, name="agency-register", daemon=True).start()
    except RuntimeError:  # no thread to be had: load it when asked
        return lambda: resolver_for(db)

    def get() -> AgencyResolver:
        done.wait()
        if isinstance(out[0], BaseException):
            raise out[0]
        return out[0]

    return get


# --------------------------------------------------------------------------- changing


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _name(text: object, what_en: str, what_vi: str) -> str:
    name = nfc(text)
    if not name_key(name):
        raise RegisterError(
            "empty_name",
            f"The {what_en} is empty or has no letters.",
            f"{what_vi} để trống hoặc không có chữ.",
        )
    if len(name) > MAX_NAME:
        raise RegisterError(
            "long_name",
            f"The {what_en} has more than {MAX_NAME} characters.",
            f"{what_vi} dài quá {MAX_NAME} ký tự.",
        )
    return name


def label(agency: Agency, resolver: AgencyResolver, lang: str = "vi") -> str:
    """'Vụ Pháp chế (Bộ Tài chính)' for a unit, the plain name otherwise."""
    name = agency.name_vi if lang == "vi" else agency.name_en or agency.name_vi
    parent = resolver.get(agency.parent_id) if agency.parent_id else None
    if parent is None:
        return name
    return f"{name} ({parent.name_vi if lang == 'vi' else parent.name_en or parent.name_vi})"


def parent_options(resolver: AgencyResolver | None = None) -> list[Agency]:
    """The agencies a unit may belong to: ministries, ministerial-level and government agencies,
    provinces (reference order)."""
    resolver = resolver or default_resolver()
    return [a for a in resolver.all() if a.type in PARENT_TYPES and a.parent_id is None]


def _parent(resolver: AgencyResolver, parent_id: str) -> Agency:
    parent = resolver.get(str(parent_id or "").strip())
    if parent is None or parent.type not in PARENT_TYPES or parent.parent_id is not None:
        shown = str(parent_id or "")[:60]
        if parent is not None and parent.parent_id is not None:
            why_en, why_vi = "it is itself a unit", "bản thân nó là một đơn vị"
        elif parent is not None:
            why_en = (
                "only a ministry, a ministerial-level or government agency or a province has units"
            )
            why_vi = "chỉ bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ hoặc tỉnh, thành phố có đơn vị trực thuộc"
        else:
            why_en, why_vi = "no agency has this id", "không có cơ quan nào mang mã này"
        raise RegisterError(
            "bad_parent",
            f"'{shown}' cannot be the parent of a unit: {why_en}.",
            f"'{shown}' không thể là cơ quan cấp trên của đơn vị: {why_vi}.",
        )
    return parent


def _taken(resolver: AgencyResolver, hit: Agency, text: str) -> RegisterError:
    named = label(hit, resolver, "en")
    named_vi = label(hit, resolver, "vi")
    return RegisterError(
        "duplicate",
        f"'{text}' is already a name of {named} ({hit.id}); nothing was added.",
        f"'{text}' đã là tên của {named_vi} ({hit.id}); không thêm gì.",
    )


def _write(db):
    """The store's write lock and a connection, the audit log anchored after (audit.writing)."""
    from analytics import audit

    return audit.writing(db)


def _audit(con, by: str | None, action: str, target: str, details: dict) -> None:
    from analytics import audit

    audit.append(con, by, action, target, details, "ok", _now())


def add_unit(
    db, name: str, parent_id: str, name_en: str | None = None, by: str | None = None
) -> Agency:
    """Register `name` as a unit of `parent_id`; returns the unit. RegisterError when the
    parent cannot have units or the name is already a unit of that parent or another agency's
    name. A name another parent's unit already has stays with that unit: the new one is then
    known by its name followed by its parent's ('Vụ Pháp chế Bộ Giáo dục và Đào tạo')."""
    name = _name(name, "unit name", "Tên đơn vị")
    english = _name(name_en, "English name", "Tên tiếng Anh") if nfc(name_en) else None
    with _write(db) as con:
        resolver = layered(_read(con))
        parent = _parent(resolver, parent_id)
        new_id = unit_id(name, parent.id)
        hit = resolver.resolve(name)
        if hit is not None and (hit.parent_id is None or hit.parent_id == parent.id):
            raise _taken(resolver, hit, name)
        if resolver.get(new_id) is not None:
            raise _taken(resolver, resolver.get(new_id), name)
        now = _now()
        con.execute(
            "insert into agency_units (agency_id, parent_id, name_vi, name_en, created_at, "
            "created_by) values (?, ?, ?, ?, ?, ?)",
            [new_id, parent.id, name, english, now, by],
        )
        _audit(
            con,
            by,
            "agency_unit_add",
            new_id,
            {"name_vi": name, "name_en": english, "parent_id": parent.id},
        )
    return Agency(new_id, name, english or name, parent.type, parent.id)


def add_alias(db, text: str, agency_id: str, by: str | None = None) -> Agency:
    """Register `text` as another name of `agency_id` (a reference agency or a unit); returns
    the agency. RegisterError when the agency is unknown or the text already names one."""
    text = _name(text, "name", "Tên")
    with _write(db) as con:
        resolver = layered(_read(con))
        target = resolver.get(str(agency_id or "").strip())
        if target is None:
            shown = str(agency_id or "")[:60]
            raise RegisterError(
                "unknown_agency",
                f"No agency has the id '{shown}'.",
                f"Không có cơ quan nào mang mã '{shown}'.",
            )
        hit = resolver.resolve(text)
        if hit is not None:
            raise _taken(resolver, hit, text)
        con.execute(
            "insert into agency_aliases (alias_key, alias_text, agency_id, created_at, created_by) "
            "values (?, ?, ?, ?, ?)",
            [name_key(text), text, target.id, _now(), by],
        )
        _audit(con, by, "agency_alias_add", target.id, {"alias": text})
    return target


def listing(db, parent_id: str | None = None) -> dict:
    """The register as plain data: units (with their parent and aliases) and aliases, narrowed
    to one parent (its units and the names of the parent and its units) when given."""
    from analytics import store

    with store.connect(db) as con:
        rows = con.execute(
            "select agency_id, parent_id, name_vi, name_en, created_at, created_by "
            "from agency_units order by created_at, agency_id"
        ).fetchall()
        alias_rows = con.execute(
            "select alias_text, agency_id, created_at, created_by from agency_aliases "
            "order by created_at, alias_key"
        ).fetchall()
        resolver = layered(_read(con))
    if parent_id is not None:
        _parent(resolver, parent_id)
    units = [
        {
            "agency_id": r[0],
            "parent_id": r[1],
            "parent": getattr(resolver.get(r[1]), "name_vi", r[1]),
            "name_vi": r[2],
            "name_en": r[3],
            "created_at": r[4].isoformat() if r[4] else None,
            "created_by": r[5],
            "aliases": [a[0] for a in alias_rows if a[1] == r[0]],
        }
        for r in rows
        if parent_id is None or r[1] == parent_id
    ]
    wanted = None if parent_id is None else {parent_id, *(u["agency_id"] for u in units)}
    aliases = [
        {
            "alias": a[0],
            "agency_id": a[1],
            "agency": label(resolver.get(a[1]), resolver) if resolver.get(a[1]) else a[1],
            "created_at": a[2].isoformat() if a[2] else None,
            "created_by": a[3],
        }
        for a in alias_rows
        if wanted is None or a[1] in wanted
    ]
    return {"units": units, "aliases": aliases}


# --------------------------------------------------------------------------- the upload's question

UNIT = "unit:"  # an answer 'unit:<parent id>': the name is a unit of that parent


def remembered(names, resolver: AgencyResolver) -> dict[str, str]:
    """Of the unknown names of a file, those the register now knows: name → agency id (what
    `uploads.apply_agency_choices` applies, so that a file read before an answer was given is
    resolved as the next file will be)."""
    out = {}
    for name in names:
        hit = resolver.resolve(name)
        if hit is not None:
            out[name] = hit.id
    return out


def _own(user) -> set[str] | None:
    """The agencies an account may answer for: None for every agency (admins, coordinators),
    else its own."""
    if getattr(user, "role", None) in STEERING_ROLES:
        return None
    if getattr(user, "role", None) == "agency_editor":
        return set(getattr(user, "agency_ids", ()) or ())
    return set()


def _answer_allowed(answer: str, resolver: AgencyResolver, own: set[str] | None) -> bool:
    if own is None:
        return True
    agency_id = answer[len(UNIT) :] if answer.startswith(UNIT) else answer
    agency = resolver.get(agency_id)
    return agency is not None and (agency.id in own or agency.parent_id in own)


def answer_options(
    name: str, suggestions, resolver: AgencyResolver, user, file_agencies=()
) -> list[str]:
    """The answers offered to "which agency is '<name>'?", best first: an agency id ('another
    name for it': the closest names), then 'unit:<parent id>' ('a unit of it'): the parent the
    name ends with (resolver.unit_parent), the file's own lead agencies, then every other
    parent. An agency editor is offered only its own agencies and their units."""
    options: list[str] = []
    for text in suggestions or ():
        hit = resolver.resolve(text)
        if hit is not None:
            options.append(hit.id)
    parents = [p for p in (resolver.unit_parent(name),) if p is not None]
    for agency_id in file_agencies:
        agency = resolver.get(agency_id)
        if agency is not None and agency.parent_id is not None:
            agency = resolver.get(agency.parent_id)
        if agency is not None:
            parents.append(agency)
    parents += parent_options(resolver)
    options += [UNIT + p.id for p in parents if p.type in PARENT_TYPES and p.parent_id is None]
    own = _own(user)
    return [a for a in dict.fromkeys(options) if _answer_allowed(a, resolver, own)]


def answer_label(answer: str, resolver: AgencyResolver, lang: str, suggested: str | None = None):
    """'Tên khác của: Bộ Tài chính' / 'A unit of: Khánh Hòa (suggested)'."""
    is_unit = answer.startswith(UNIT)
    agency = resolver.get(answer[len(UNIT) :] if is_unit else answer)
    name = label(agency, resolver, lang) if agency is not None else answer
    if is_unit:
        text = f"Đơn vị thuộc: {name}" if lang == "vi" else f"A unit of: {name}"
    else:
        text = f"Tên khác của: {name}" if lang == "vi" else f"Another name for: {name}"
    if suggested and answer == suggested:
        text += " (gợi ý)" if lang == "vi" else " (suggested)"
    return text


def remember_answer(db, user, name: str, answer: str) -> Agency:
    """Store an answer to "which agency is '<name>'?" in the register (audited as the user's):
    'unit:<parent id>' registers the name as a unit of that parent, an agency id as another
    name of that agency. Returns the agency the name now resolves to. RegisterError when the
    answer is refused (an agency editor answering with another agency, a name already taken)."""
    resolver = resolver_for(db)
    if not _answer_allowed(answer, resolver, _own(user)):
        raise RegisterError(
            "not_own",
            "An agency account may only answer with its own agency or a unit of it.",
            "Tài khoản của cơ quan chỉ được chọn chính cơ quan mình hoặc đơn vị thuộc cơ quan mình.",
        )
    by = getattr(user, "username", None)
    if answer.startswith(UNIT):
        return add_unit(db, name, answer[len(UNIT) :], by=by)
    return add_alias(db, name, answer, by=by)
