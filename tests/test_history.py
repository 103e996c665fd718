"""analytics.history: the trend query across snapshots (equal to load_tasks at every date, scope
and filters applied in SQL, one query), the task search, original files, retract and restore."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics import history, metrics, store
from analytics.model import Filters, Scope, Task
from analytics.problems import warning
from tests.helpers import AGENCIES

D = dt.date


AUG31 = D(2025, 8, 31)


def task(tid, lead="mof", deadline=AUG31, done=None, status_class=None, **kw) -> Task:
    leads = (lead,) if isinstance(lead, str) else tuple(lead)
    return Task(
        task_id=tid,
        title=kw.pop("title", f"Nhiệm vụ {tid}"),
        lead_ids=leads,
        lead_text="; ".join(leads),
        deadline=deadline,
        deadline_text=deadline.strftime("%d/%m/%Y") if deadline else None,
        deadline_kind="date" if deadline else "none",
        completion_date=done,
        status_class=status_class or ("done_unspecified" if done else "in_progress_on_time"),
        sheet="Phụ lục I",
        row=7,
        **kw,
    )


def commit(db, tasks, as_of, source="NQ71", data=None, **kw):
    data = data if data is not None else repr((source, as_of, tasks)).encode()
    return store.commit_snapshot(
        db,
        source=source,
        as_of=as_of,
        tasks=tasks,
        agencies=AGENCIES,
        file_bytes=data,
        file_name=kw.pop("file_name", "bao_cao.xlsx"),
        user="tester",
        **kw,
    )


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "h.duckdb"
    # NQ71: three reports; TBKL: two; one back-dated, one agency update, one retracted
    commit(
        path,
        [
            task("a", deadline=D(2025, 7, 15)),
            task("b", lead="most", deadline=D(2025, 8, 10)),
            task("c", lead="p01", deadline=None),
            task("d", lead=("mof", "p01"), deadline=D(2025, 9, 30), done=D(2025, 7, 1)),
            task("e", deadline=D(2025, 6, 1), status_class="done_late"),
        ],
        D(2025, 7, 31),
    )
    commit(
        path,
        [
            task("a", deadline=D(2025, 9, 15)),  # deadline moved
            task("b", lead="most", deadline=D(2025, 8, 10), done=D(2025, 8, 20)),  # done late
            task("c", lead="p01", deadline=None),
            task("d", lead=("mof", "p01"), deadline=D(2025, 9, 30), done=D(2025, 7, 1)),
            task("f", lead="most", deadline=D(2025, 8, 20), difficult=True),  # new
            task("g", deadline=D(2025, 10, 31), done=D(2025, 10, 1), title="Số hóa hồ sơ đất đai"),
        ],
        D(2025, 8, 28),
    )
    commit(path, [task("x", lead="p01", deadline=D(2025, 7, 1))], D(2025, 7, 31), source="TBKL")
    commit(
        path,
        [
            task("x", lead="p01", deadline=D(2025, 7, 1)),
            task("y", lead="most", deadline=D(2025, 9, 9)),
        ],
        D(2025, 9, 30),
        source="TBKL",
    )
    # back-dated: inserted between the NQ71 reports of 31/07 and 28/08
    commit(
        path,
        [
            task("a", deadline=D(2025, 7, 15), done=D(2025, 8, 5)),
            task("b", lead="most", deadline=D(2025, 8, 10)),
        ],
        D(2025, 8, 10),
    )
    commit(
        path,
        [task("a", deadline=D(2025, 9, 15), done=D(2025, 9, 1))],
        D(2025, 9, 30),
        update_agencies=["mof"],
    )
    retracted = commit(path, [task("z")], D(2025, 10, 15))
    store.set_snapshot_status(path, retracted.snapshot_id, "retracted", user="admin")
    return path


SCOPES = [
    Scope.everything(),
    Scope.agencies(["mof"]),
    Scope.agencies(["p01", "most"]),
    Scope.agencies([]),
]
FILTERS = [
    Filters(),
    Filters(sources=("NQ71",)),
    Filters(sources=("TBKL",)),
    Filters(agency_ids=("most",)),
    Filters(agency_types=("province",)),
    Filters(difficult_only=True),
]


def expected(db, as_of, filters=Filters(), scope=Scope.everything()):  # noqa: B008
    return metrics.counts(store.load_tasks(db, as_of, filters, scope))


CASES = [
    *[(Filters(), scope) for scope in SCOPES],
    *[(filters, Scope.everything()) for filters in FILTERS[1:]],
    (Filters(sources=("NQ71",), agency_types=("province",)), Scope.agencies(["p01", "most"])),
    (Filters(agency_ids=("most",)), Scope.agencies(["mof"])),  # a filter cannot widen the scope
]


@pytest.mark.parametrize(("filters", "scope"), CASES, ids=lambda v: str(v)[:60])
def test_trend_equals_load_tasks_at_every_date(db, filters, scope):
    frame = history.trend(db, filters, scope)
    snaps = store.list_snapshots(db)
    active = snaps[snaps["status"] == "active"]
    if filters.sources:
        active = active[active["source"].isin(filters.sources)]
    dates = sorted({d.date() for d in active["as_of"]})
    assert list(frame["as_of"]) == dates
    for row in frame.to_dict("records"):
        day = row.pop("as_of")
        assert row == expected(db, day, filters, scope), (day, filters, scope)


def test_trend_values_by_hand(db):
    frame = history.trend(db).set_index("as_of")
    # 31/07: a overdue, b in progress, c no deadline, d done (1 Jul), e done late (status), x overdue
    day = frame.loc[D(2025, 7, 31)]
    got = (day.total, day.completed, day.overdue, day.in_progress, day.no_deadline)
    assert got == (6, 2, 2, 1, 1)
    # 10/08 (back-dated NQ71 report): a done on 5/8 (late), b in progress; TBKL x overdue
    day = frame.loc[D(2025, 8, 10)]
    assert (day.total, day.completed_late, day.in_progress, day.overdue) == (3, 1, 1, 1)
    # 28/08: g's completion on 1/10 is in the future → open; b done late on 20/08
    day = frame.loc[D(2025, 8, 28)]
    assert (day.total, day.completed, day.completed_late, day.overdue) == (7, 2, 1, 2)
    # the retracted report of 15/10 is not a date of the trend
    assert D(2025, 10, 15) not in frame.index


def test_trend_follows_retraction_and_restore(db):
    snaps = store.list_snapshots(db)
    retracted = int(snaps.loc[snaps["status"] == "retracted", "snapshot_id"].item())
    assert D(2025, 10, 15) not in set(history.trend(db)["as_of"])
    assert history.set_status(db, retracted, "active", "admin")
    frame = history.trend(db).set_index("as_of")
    assert frame.loc[D(2025, 10, 15)].total == expected(db, D(2025, 10, 15))["total"]
    assert history.set_status(db, retracted, "retracted", "admin")
    assert D(2025, 10, 15) not in set(history.trend(db)["as_of"])


def test_trend_is_one_query(db, monkeypatch):
    calls = {"connect": 0}
    real_connect = store.connect

    def counting(*args, **kwargs):
        calls["connect"] += 1
        return real_connect(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the trend must not load the tasks date by date")

    monkeypatch.setattr(store, "connect", counting)
    monkeypatch.setattr(store, "load_tasks", forbidden)
    frame = history.trend(db)
    assert len(frame) == 4 and calls["connect"] == 1


def test_trend_of_an_empty_store(tmp_path):
    frame = history.trend(tmp_path / "empty.duckdb")
    assert frame.empty and list(frame.columns) == ["as_of", *metrics.COUNT_KEYS]


def test_trend_scales_to_many_snapshots(tmp_path):
    """30 snapshots of 6,000 tasks (versions written directly, 5% changing per report)."""
    path = tmp_path / "big.duckdb"
    n, s = 6000, 30
    with store.connect(path) as con:
        for k in range(1, s + 1):
            con.execute(
                "insert into snapshots values (?, 'S', ?, ?, now(), 'bench', 'f.xlsx', 'x', null, "
                "null, 'full', null, ?, 0, 'active', null, null)",
                [k, D(2025, 1, 31) + dt.timedelta(days=30 * (k - 1)), k, n],
            )
        con.execute(
            """
            insert into task_versions by name
            with changes as (
                select i, k as from_seq
                from range($n) as t(i), range(1, $s + 1) as r(k)
                where k = 1 or hash(i, k) % 20 = 0
            ),
            ranged as (
                select i, from_seq,
                       lead(from_seq) over (partition by i order by from_seq) as to_seq
                from changes
            )
            select 'S' as source, 'T' || i as task_id, from_seq, to_seq,
                   md5(i::varchar || '-' || from_seq::varchar) as content_hash,
                   'Nhiệm vụ ' || i as title,
                   [['mof', 'most', 'p01'][1 + i % 3]] as lead_ids,
                   date '2025-01-01' + (hash(i) % 700)::integer as deadline,
                   case when hash(i, from_seq, 1) % 3 = 0 then 'done_unspecified'
                        else 'in_progress_on_time' end as status_class,
                   case when hash(i, from_seq, 2) % 4 = 0
                        then date '2025-01-01' + (hash(i, 7) % 700)::integer end as completion_date,
                   i % 11 = 0 as difficult
            from ranged
            """,
            {"n": n, "s": s},
        )
        for a in AGENCIES:
            con.execute(
                "insert into agencies values (?, ?, ?, ?)", [a.id, a.name_vi, a.name_en, a.type]
            )
    scope = Scope.agencies(["mof", "p01"])
    filters = Filters(difficult_only=False, agency_types=("ministry",))
    frame = history.trend(path)
    scoped = history.trend(path, filters, scope)
    assert len(frame) == s and len(scoped) == s
    assert (frame["total"] == n).all()
    for k in (0, 13, 29):
        day = frame["as_of"].iloc[k]
        assert frame.drop(columns="as_of").iloc[k].to_dict() == expected(path, day)
        assert scoped.drop(columns="as_of").iloc[k].to_dict() == expected(path, day, filters, scope)


def test_snapshot_dates(db):
    snaps = store.list_snapshots(db)
    assert history.snapshot_dates(snaps) == [
        D(2025, 7, 31),
        D(2025, 8, 10),
        D(2025, 8, 28),
        D(2025, 9, 30),
    ]
    assert history.snapshot_dates(snaps, ("TBKL",)) == [D(2025, 7, 31), D(2025, 9, 30)]
    assert history.snapshot_dates(snaps.iloc[0:0]) == []


# --------------------------------------------------------------------------- search


def test_search_folds_diacritics_and_matches_ids_titles_and_agencies(db):
    df = store.load_tasks(db, D(2025, 8, 28), Filters(), Scope.everything())
    index = history.search_index(df, store.list_agencies(db))

    def ids(q):
        return set(history.search(df, index, q)["task_id"])

    assert ids("bo tai chinh") == {"a", "d", "g"}  # lead Bộ Tài chính (d co-led with Hà Nội)
    assert ids("Bộ Tài Chính") == ids("BO TAI CHINH") == {"a", "d", "g"}
    assert ids("ha noi") == {"c", "d", "x"}
    assert ids("hanoi") == {"c", "d", "x"}  # English names too
    assert ids("khoa hoc va cong nghe") == {"b", "f"}
    assert ids("tai chinh ha noi") == set()  # a phrase, not words scattered over fields
    assert ids("so hoa ho so dat dai") == ids("Số hoá hồ sơ") == {"g"}  # title, either tone mark
    assert ids("ĐẤT ĐAI") == {"g"}
    assert ids("  ") == set(df["task_id"])
    assert ids("không có gì như thế") == set()


def test_search_keeps_to_the_scope(db):
    df = store.load_tasks(db, D(2025, 8, 28), Filters(), Scope.agencies(["most"]))
    index = history.search_index(df, store.list_agencies(db))
    assert set(history.search(df, index, "bo tai chinh")["task_id"]) == set()
    assert set(history.search(df, index, "nhiem vu")["task_id"]) == {"b", "f"}


# --------------------------------------------------------------------------- files and warnings


def test_original_file_and_its_safe_name(tmp_path):
    path = tmp_path / "f.duckdb"
    result = commit(
        path,
        [task("a")],
        D(2025, 7, 31),
        data=b"PK original bytes",
        file_name="../../etc/Báo cáo?.xlsx",
    )
    content, name = history.original_file(path, result.snapshot_id)
    assert content == b"PK original bytes"
    assert name == "Báo cáo_.xlsx"
    assert history.original_file(path, 999) is None


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("bao_cao.xlsx", "bao_cao.xlsx"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\Windows\\x.xlsx", "x.xlsx"),
        ('a"b<c>\r\n.xlsx', "a_b_c_.xlsx"),
        ("", "snapshot.xlsx"),
        (None, "snapshot.xlsx"),
        ("..", "snapshot.xlsx"),
    ],
)
def test_safe_file_name(raw, safe):
    assert history.safe_file_name(raw) == safe


def test_warnings_per_snapshot(tmp_path):
    path = tmp_path / "w.duckdb"
    problem = warning(
        "bad_date",
        "Unreadable deadline",
        "Không đọc được thời hạn",
        row=9,
        column="Thời hạn",
        value="??",
    )
    first = commit(path, [task("a")], D(2025, 7, 31), warnings=[problem])
    second = commit(path, [task("a")], D(2025, 8, 28))
    assert len(history.warnings(path)) == 1
    found = history.warnings(path, first.snapshot_id)
    assert list(found["message_vi"]) == ["Không đọc được thời hạn"] and list(found["row_no"]) == [9]
    assert history.warnings(path, second.snapshot_id).empty


# --------------------------------------------------------------------------- retract / restore


def test_set_status_changes_the_figures_and_is_recorded(db):
    before = history.trend(db).set_index("as_of")
    snaps = store.list_snapshots(db)
    target = int(
        snaps.loc[
            (snaps["source"] == "NQ71") & (snaps["as_of"] == "2025-08-28"), "snapshot_id"
        ].item()
    )
    assert history.set_status(db, target, "retracted", "root")
    snaps = store.list_snapshots(db).set_index("snapshot_id")
    assert (
        snaps.loc[target, "status"] == "retracted"
        and snaps.loc[target, "status_changed_by"] == "root"
    )
    after = history.trend(db).set_index("as_of")
    assert D(2025, 8, 28) not in after.index
    assert expected(db, D(2025, 8, 28)) != before.loc[D(2025, 8, 28)].to_dict()
    assert history.set_status(db, target, "active", "root")
    assert history.trend(db).set_index("as_of").equals(before)
    from analytics import audit

    log = audit.read(db, actions=["retract", "restore"])
    assert sorted(log["action"]) == ["restore", "retract"]
    assert set(log["target"]) == {str(target)} and set(log["username"]) == {"root"}


def test_set_status_refuses_unknown_status_and_missing_snapshot(db):
    with pytest.raises(ValueError):
        history.set_status(db, 1, "deleted", "root")
    assert history.set_status(db, 999, "retracted", "root") is False
