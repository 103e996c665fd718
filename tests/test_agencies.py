"""Tests for analytics.agencies: resolving, splitting and suggesting agency names."""

from __future__ import annotations

import csv
import re
import shutil
import time
from pathlib import Path

import pytest

from analytics.agencies import (
    AGENCY_TYPES,
    CENTRAL_TYPES,
    Agency,
    AgencyResolver,
    default_resolver,
    name_key,
)

REF = Path(__file__).resolve().parent.parent / "data" / "reference"


def _rows(name: str) -> list[dict[str, str]]:
    with (REF / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _codes(value: str) -> list[str]:
    """Upper-case codes in a CSV cell: 'MND (also MOD)' → ['MND', 'MOD']."""
    return re.findall(r"\b[A-ZĐ]{2,}\b", value)


CENTRAL = _rows("agencies_central.csv")
OTHER = _rows("agencies_other.csv")
FORMER = _rows("agencies_former.csv")
PROV34 = _rows("provinces_34.csv")
PROV63 = _rows("provinces_63_to_34.csv")


@pytest.fixture(scope="module")
def resolver() -> AgencyResolver:
    return AgencyResolver()


# --- spellings -----------------------------------------------------------------------------

SPELLINGS = [
    # official names, any case, with or without diacritics
    ("Bộ Tài chính", "mof"),
    ("BỘ TÀI CHÍNH", "mof"),
    ("Bo Tai chinh", "mof"),
    ("bo tai chinh", "mof"),
    ("Bộ Tài Chính", "mof"),
    ("  Bộ   Tài chính  ", "mof"),
    ("Bộ Khoa học và Công nghệ", "most"),
    ("Bộ Khoa học & Công nghệ", "most"),
    ("Bộ Văn hóa, Thể thao và Du lịch", "mocst"),
    ("Ngân hàng Nhà nước Việt Nam", "sbv"),
    ("Đài Truyền hình VN", "vtv"),
    ("Bảo hiểm xã hội VN", "bhxh"),
    ("Văn phòng Chính phủ", "go"),
    ("Thanh tra Chính phủ", "gi"),
    ("Đài Truyền hình Việt Nam", "vtv"),
    # abbreviations and short forms from the CSVs
    ("BTC", "mof"),
    ("Bộ TC", "mof"),
    ("Bộ KH&CN", "most"),
    ("Bộ KHCN", "most"),
    ("BKHCN", "most"),
    ("BCA", "mps"),
    ("Bộ CA", "mps"),
    ("NHNN", "sbv"),
    ("Ngân hàng Nhà nước", "sbv"),
    ("VPCP", "go"),
    ("Bộ GD&ĐT", "moet"),
    ("Bộ GDĐT", "moet"),
    ("Bộ VH-TT&DL", "mocst"),
    ("Bộ VHTTDL", "mocst"),
    ("Bộ NN&MT", "mae"),
    ("Bộ DT&TG", "memr"),
    ("TTXVN", "vna"),
    # English abbreviations
    ("MOF", "mof"),
    ("MOST", "most"),
    ("MPS", "mps"),
    ("SBV", "sbv"),
    ("MOD", "mnd"),
    ("MCST", "mocst"),
    # English names
    ("Ministry of Finance", "mof"),
    ("ministry of science and technology", "most"),
    ("Ministry of Science & Technology", "most"),
    ("State Bank of Vietnam", "sbv"),
    ("State Bank of Viet Nam", "sbv"),
    ("Government Office", "go"),
    ("Ministry of Ethnic and Religious Affairs", "memr"),
    ("Hanoi People's Committee", "p01"),
    ("People's Committee of Hai Phong", "p31"),
    ("Ho Chi Minh City", "p79"),
    ("Da Nang City People's Committee", "p48"),
    # provinces with prefixes and aliases
    ("UBND tỉnh Thanh Hóa", "p38"),
    ("UBND tỉnh Thanh Hoá", "p38"),
    ("UBND thành phố Hà Nội", "p01"),
    ("UBND TP. Đà Nẵng", "p48"),
    ("UBND TP Cần Thơ", "p92"),
    ("Ủy ban nhân dân tỉnh Quảng Ninh", "p22"),
    ("Uỷ ban nhân dân thành phố Huế", "p46"),
    ("Tỉnh Nghệ An", "p40"),
    ("TP Hải Phòng", "p31"),
    ("TP. Hồ Chí Minh", "p79"),
    ("TP.HCM", "p79"),
    ("HCM", "p79"),
    ("Thành phố Hồ Chí Minh", "p79"),
    ("Sài Gòn", "p79"),
    ("Thừa Thiên Huế", "p46"),
    ("Thanh Hoa", "p38"),
    ("Quang Ninh", "p22"),
    ("UBND tinh Dak Lak", "p66"),
    # former ministries → successors
    ("Bộ Thông tin và Truyền thông", "most"),
    ("BTTTT", "most"),
    ("Bộ TT&TT", "most"),
    ("Bộ Kế hoạch và Đầu tư", "mof"),
    ("BKHĐT", "mof"),
    ("Bộ KH&ĐT", "mof"),
    ("Bộ KHĐT", "mof"),
    ("Bộ Giao thông vận tải", "moc"),
    ("Bộ GTVT", "moc"),
    ("Bộ Tài nguyên và Môi trường", "mae"),
    ("Bộ TN&MT", "mae"),
    ("Bộ Nông nghiệp và Phát triển nông thôn", "mae"),
    ("Bộ NN&PTNT", "mae"),
    ("Bộ Lao động - Thương binh và Xã hội", "moha"),
    ("Bộ LĐ-TB&XH", "moha"),
    ("Ủy ban Dân tộc", "memr"),
    ("MPI", "mof"),
    ("MIC", "most"),
    # former provinces → new provinces
    ("UBND tỉnh Bắc Giang", "p24"),
    ("Hà Giang", "p08"),
    ("Bà Rịa - Vũng Tàu", "p79"),
    ("Bình Dương", "p79"),
    ("UBND tỉnh Bình Dương", "p79"),
    ("Tỉnh Quảng Bình", "p44"),
    ("Bắc Ninh", "p24"),
    ("Hải Dương", "p31"),
    # named groups
    ("Các bộ, ngành, địa phương", "grp_all"),
    ("Các bộ, ngành", "grp_all_central"),
    ("Các bộ, ngành liên quan", "grp_all_central"),
    ("UBND các tỉnh, thành phố", "grp_all_prov"),
    ("UBND các tỉnh, thành phố trực thuộc trung ương", "grp_all_prov"),
    ("Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương", "grp_all_prov"),
    ("các địa phương", "grp_all_prov"),
    # party bodies, National Assembly, courts and others
    ("Văn phòng Trung ương Đảng", "vptw"),
    ("VPTW", "vptw"),
    ("Ban Tổ chức Trung ương", "btctw"),
    ("Ban Chính sách, chiến lược Trung ương", "bcsclttw"),
    ("Quốc hội", "qh"),
    ("Văn phòng Quốc hội", "qh"),
    ("VPQH", "qh"),
    ("Tòa án nhân dân tối cao", "tandtc"),
    ("TANDTC", "tandtc"),
    ("Viện kiểm sát nhân dân tối cao", "vksndtc"),
    ("Kiểm toán nhà nước", "ktnn"),
    ("MTTQ", "mttq"),
    ("ĐHQGHN", "vnu_hn"),
    ("VNU-HCM", "vnu_hcm"),
    ("Viettel", "soe"),
    ("Bảo hiểm xã hội Việt Nam", "bhxh"),
    # notes, bullets and numbering around a name
    ("Bộ Tài chính (chủ trì)", "mof"),
    ("- Bộ Công an", "mps"),
    ("+ Bộ Nội vụ", "moha"),
    ("1. Bộ Y tế", "moh"),
    ("Bộ Xây dựng chủ trì", "moc"),
    ("Chủ trì: Bộ Tư pháp", "moj"),
]


@pytest.mark.parametrize(("text", "expected"), SPELLINGS)
def test_resolve_spelling(resolver: AgencyResolver, text: str, expected: str) -> None:
    agency = resolver.resolve(text)
    assert agency is not None, text
    assert agency.id == expected


def test_enough_spellings(resolver: AgencyResolver) -> None:
    """The table above is wide, not just long: spellings that differ only in case, accents or
    spaces count once (the resolver's own key), most are not the official name, they reach many
    agencies of every kind, and each resolves (a table padded with repeats, cut down to official
    names, or a resolver that forgot them fails here)."""
    keys = {name_key(text) for text, _ in SPELLINGS}
    assert len(keys) >= 100
    resolved = {text: resolver.resolve(text) for text, _ in SPELLINGS}
    wrong = [(t, e) for t, e in SPELLINGS if resolved[t] is None or resolved[t].id != e]
    assert not wrong
    official = {e: name_key(resolver.get(e).name_vi) for _, e in SPELLINGS}
    other_forms = {name_key(t) for t, e in SPELLINGS if name_key(t) != official[e]}
    assert len(other_forms) >= 80  # abbreviations, English, former names, prefixes
    agencies = {e for _, e in SPELLINGS}
    assert len(agencies) >= 40
    kinds = {resolver.get(e).type for e in agencies}
    assert {"ministry", "province", "group"} <= kinds and len(kinds) >= 10


@pytest.mark.parametrize(
    "text",
    [
        "Hội Nông dân Việt Nam",
        "Sở Khoa học và Công nghệ tỉnh Nghệ An",
        "Tỉnh ủy Thanh Hóa",
        "Bộ Tài chánh",
        "Bộ",
        "UBND",
        "",
        "   ",
        "xyz",
    ],
)
def test_resolve_unknown_is_none(resolver: AgencyResolver, text: str) -> None:
    assert resolver.resolve(text) is None


@pytest.mark.parametrize("value", [None, float("nan")])
def test_resolve_missing_is_none(resolver: AgencyResolver, value: object) -> None:
    assert resolver.resolve(value) is None  # type: ignore[arg-type]


# --- canonical agencies --------------------------------------------------------------------


def test_agency_fields(resolver: AgencyResolver) -> None:
    assert resolver.resolve("BTC") == Agency(
        "mof", "Bộ Tài chính", "Ministry of Finance", "ministry"
    )
    assert resolver.resolve("UBND TP. Hà Nội") == Agency("p01", "Hà Nội", "Hanoi", "province")
    assert resolver.resolve("Bình Dương") == Agency(
        "p79", "Hồ Chí Minh", "Ho Chi Minh City", "province"
    )


@pytest.mark.parametrize(
    ("agency_id", "agency_type"),
    [
        ("mof", "ministry"),
        ("memr", "ministry"),
        ("sbv", "ministerial_agency"),
        ("go", "ministerial_agency"),
        ("vtv", "gov_agency"),
        ("vass", "gov_agency"),
        ("p38", "province"),
        ("vptw", "party"),
        ("qh", "legislature"),
        ("tandtc", "judiciary"),
        ("ktnn", "state"),
        ("mttq", "mass_org"),
        ("vnu_hn", "university"),
        ("bhxh", "agency"),
        ("soe", "enterprise"),
        ("grp_all", "group"),
    ],
)
def test_kind_maps_to_type(resolver: AgencyResolver, agency_id: str, agency_type: str) -> None:
    agency = resolver.get(agency_id)
    assert agency is not None
    assert agency.type == agency_type


def test_all_order_and_types(resolver: AgencyResolver) -> None:
    agencies = resolver.all()
    ids = [a.id for a in agencies]
    assert len(ids) == len(set(ids)) == len(CENTRAL) + len(PROV34) + len(OTHER)
    assert all(a.type in AGENCY_TYPES for a in agencies)
    ministries = [r["id"] for r in CENTRAL if r["kind"] == "ministry"]
    ministerial = [r["id"] for r in CENTRAL if r["kind"] == "ministerial-level agency"]
    government = [r["id"] for r in CENTRAL if r["kind"] == "government agency"]
    provinces = ["p" + code for code in sorted(r["code"] for r in PROV34)]
    others = [r["id"] for r in OTHER]
    assert ids == ministries + ministerial + government + provinces + others
    assert len(ministries) == 14 and len(ministerial) == 3 and len(government) == 5
    assert [a.type for a in agencies[:22]] == ["ministry"] * 14 + ["ministerial_agency"] * 3 + [
        "gov_agency"
    ] * 5
    assert set(CENTRAL_TYPES) == {a.type for a in agencies[:22]}


def test_get(resolver: AgencyResolver) -> None:
    most = resolver.get("most")
    assert most is not None and most.name_vi == "Bộ Khoa học và Công nghệ"
    assert resolver.get("p79") is not None and resolver.get("p79").name_en == "Ho Chi Minh City"
    assert resolver.get("nope") is None
    assert resolver.get("p02") is None  # Hà Giang is no longer a province


# --- provinces -----------------------------------------------------------------------------


@pytest.mark.parametrize("row", PROV34, ids=[r["code"] for r in PROV34])
def test_all_34_provinces_resolve(resolver: AgencyResolver, row: dict[str, str]) -> None:
    expected = "p" + row["code"]
    kind = "thành phố" if row["unit_type"] == "centrally-run city" else "tỉnh"
    spellings = [
        row["name_vi"],
        row["full_name_vi"],
        row["name_en"],
        row["name_ascii"],
        row["name_ascii"].upper(),
        f"UBND {kind} {row['name_vi']}",
        f"Ủy ban nhân dân {row['full_name_vi']}",
        f"UBND {row['name_vi']}",
        f"{row['name_en']} People's Committee",
    ]
    for text in spellings:
        agency = resolver.resolve(text)
        assert agency is not None, text
        assert agency.id == expected, text
    assert len(PROV34) == 34


@pytest.mark.parametrize("row", PROV63, ids=[r["old_code"] for r in PROV63])
def test_all_63_old_provinces_resolve(resolver: AgencyResolver, row: dict[str, str]) -> None:
    expected = "p" + row["new_code"]
    for text in (
        row["old_name_vi"],
        row["old_full_name_vi"],
        row["old_name_ascii"],
        f"UBND {row['old_full_name_vi']}",
        f"Ủy ban nhân dân {row['old_full_name_vi']}",
    ):
        agency = resolver.resolve(text)
        assert agency is not None, text
        assert agency.id == expected, text
    assert len(PROV63) == 63


# --- every short form listed in the CSVs resolves to its own row ---------------------------


def _own_forms() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for r in CENTRAL:
        forms = r["short_forms_vi"].split("|") + _codes(r["abbr_en"]) + _codes(r["doc_code_vi"])
        out += [(f, r["id"]) for f in forms]
    for r in OTHER:
        out += [(f, r["id"]) for f in r["short_forms_vi"].split("|")]
        out += [(f.strip(), r["id"]) for f in r["name_vi"].split(" / ")]
    for r in PROV34:
        out += [(f, "p" + r["code"]) for f in r["aliases"].split("|")]
    for r in FORMER:
        if r["successor_id"] == "mof" and r["former_name_vi"].startswith("Bảo hiểm"):
            continue  # a live agency keeps its own name (see test_former_bhxh_stays_bhxh)
        out.append((r["former_name_vi"], r["successor_id"]))
        out.append((r["former_name_en"], r["successor_id"]))
        out += [(f, r["successor_id"]) for f in _codes(r["former_abbr"])]
    return [(f.strip(), i) for f, i in out if f.strip()]


OWN_FORMS = _own_forms()


@pytest.mark.parametrize(("text", "expected"), OWN_FORMS)
def test_csv_short_forms_resolve_to_own_row(
    resolver: AgencyResolver, text: str, expected: str
) -> None:
    agency = resolver.resolve(text)
    assert agency is not None, text
    assert agency.id == expected


def test_own_forms_cover_the_csvs() -> None:
    assert len(OWN_FORMS) > 150
    assert ("Bộ KH&CN", "most") in OWN_FORMS and ("TP.HCM", "p79") in OWN_FORMS


OLDER = _rows("agencies_former_older.csv")


def _older_forms() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for r in OLDER:
        names = [r["former_name_vi"], r["former_name_en"], *r["other_names_vi"].split("|")]
        out += [(n, r["successor_id"]) for n in names + r["former_abbr"].split(" / ")]
    return [(f.strip(), i) for f, i in out if f.strip()]


@pytest.mark.parametrize(("text", "expected"), _older_forms())
def test_older_names_resolve_to_their_successors(
    resolver: AgencyResolver, text: str, expected: str
) -> None:
    agency = resolver.resolve(text)
    assert agency is not None and agency.id == expected, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hà Tây", "p01"),  # merged into Hà Nội on 1 Aug 2008 (Resolution 15/2008/QH12)
        ("Ha Tay", "p01"),
        ("UBND tỉnh Hà Tây", "p01"),
        ("Ủy ban nhân dân tỉnh Hà Tây", "p01"),
        ("tỉnh Hà Tây (cũ)", "p01"),
        ("Bộ Lao động - Thương binh và Xã hội", "moha"),
        ("Bộ LĐTBXH", "moha"),
        ("Ủy ban Dân tộc", "memr"),
        ("Bộ Bưu chính, Viễn thông", "most"),
        ("Bộ Thủy sản", "mae"),
        ("Bộ Thương mại", "moit"),
    ],
)
def test_former_names_before_2025_resolve(
    resolver: AgencyResolver, text: str, expected: str
) -> None:
    agency = resolver.resolve(text)
    assert agency is not None and agency.id == expected, text


def test_older_names_cite_a_source_and_never_take_a_live_name(resolver: AgencyResolver) -> None:
    assert {r["former_name_vi"] for r in OLDER} >= {"Hà Tây"}
    for r in OLDER:
        assert r["source"].strip() and r["effective"] < "2025-03-01", r
        assert r["successor_id"] in {a.id for a in resolver.all()}
    assert resolver.resolve("Hà Nội").id == "p01" and resolver.resolve("Hà Giang").id == "p08"
    assert resolver.resolve("Bộ Công Thương").id == "moit"


def test_former_bhxh_stays_bhxh(resolver: AgencyResolver) -> None:
    # agencies_former.csv maps "Bảo hiểm xã hội Việt Nam (as gov. agency)" to MOF, but
    # agencies_other.csv still lists it as its own agency: the live row wins.
    for text in ("Bảo hiểm xã hội Việt Nam", "BHXH VN", "BHXHVN"):
        agency = resolver.resolve(text)
        assert agency is not None and agency.id == "bhxh", text


# --- split ---------------------------------------------------------------------------------

SPLITS = [
    ("Bộ Văn hóa, Thể thao và Du lịch", ["Bộ Văn hóa, Thể thao và Du lịch"]),
    ("Bộ Tài chính, Bộ Công an", ["Bộ Tài chính", "Bộ Công an"]),
    ("Bộ Tài chính; Bộ Khoa học và Công nghệ", ["Bộ Tài chính", "Bộ Khoa học và Công nghệ"]),
    ("BTC, BCA, VPCP", ["BTC", "BCA", "VPCP"]),
    ("Bộ Nội vụ và Bộ Tài chính", ["Bộ Nội vụ", "Bộ Tài chính"]),
    ("Bộ Khoa học và Công nghệ", ["Bộ Khoa học và Công nghệ"]),
    ("Ban Chính sách, chiến lược Trung ương", ["Ban Chính sách, chiến lược Trung ương"]),
    ("Các bộ, ngành, địa phương", ["Các bộ, ngành, địa phương"]),
    (
        "UBND các tỉnh, thành phố trực thuộc trung ương",
        ["UBND các tỉnh, thành phố trực thuộc trung ương"],
    ),
    ("Bộ Tài chính\nBộ Công an", ["Bộ Tài chính", "Bộ Công an"]),
    # a line break inside one name: the whole cell is tried first
    ("Bộ Khoa học và\nCông nghệ", ["Bộ Khoa học và Công nghệ"]),
    ("Bộ Tài chính + Bộ Y tế", ["Bộ Tài chính", "Bộ Y tế"]),
    (
        "Bộ Tài chính (chủ trì), Bộ Công an\n- Bộ Nội vụ\n+ VPCP",
        ["Bộ Tài chính", "Bộ Công an", "Bộ Nội vụ", "VPCP"],
    ),
    ("1. Bộ Tài chính\n2. Bộ Y tế", ["Bộ Tài chính", "Bộ Y tế"]),
    (
        "Bộ Tài chính, Bộ Văn hóa, Thể thao và Du lịch",
        ["Bộ Tài chính", "Bộ Văn hóa, Thể thao và Du lịch"],
    ),
    ("Bộ Tài chính, các bộ, ngành, địa phương", ["Bộ Tài chính", "các bộ, ngành, địa phương"]),
    ("Bộ Công an (Cục C06, Cục QLHC), Bộ Tài chính", ["Bộ Công an", "Bộ Tài chính"]),
    (
        "Bộ Tài chính, Bộ Công an và Bộ Nội vụ",
        ["Bộ Tài chính", "Bộ Công an", "Bộ Nội vụ"],
    ),
    (
        "Bộ Khoa học và Công nghệ và Bộ Tài chính",
        ["Bộ Khoa học và Công nghệ", "Bộ Tài chính"],
    ),
    (
        "Chủ trì: Bộ Tài chính; Phối hợp: Bộ Công an, Bộ Nội vụ",
        ["Bộ Tài chính", "Bộ Công an", "Bộ Nội vụ"],
    ),
    ("UBND tỉnh Bắc Giang, UBND TP. Hà Nội", ["UBND tỉnh Bắc Giang", "UBND TP. Hà Nội"]),
    # 'và' splits only when both sides resolve
    ("Bộ Tài chính và Hội Nông dân", ["Bộ Tài chính và Hội Nông dân"]),
    ("Sở Khoa học và Công nghệ", ["Sở Khoa học và Công nghệ"]),
    # ',' splits outside known names even around unknown ones
    ("Sở Khoa học và Công nghệ, Bộ Tài chính", ["Sở Khoa học và Công nghệ", "Bộ Tài chính"]),
    ("", []),
    (" ; \n ", []),
    (None, []),
    (float("nan"), []),
]


@pytest.mark.parametrize(("cell", "expected"), SPLITS)
def test_split(resolver: AgencyResolver, cell: object, expected: list[str]) -> None:
    assert resolver.split(cell) == expected


def test_split_pandas_missing(resolver: AgencyResolver) -> None:
    pd = pytest.importorskip("pandas")
    assert resolver.split(pd.NA) == []
    assert resolver.resolve_cell(pd.NA) == ([], [])
    assert resolver.resolve(pd.NA) is None


def test_split_list_cell(resolver: AgencyResolver) -> None:
    assert resolver.split(["BTC; BCA", "VPCP"]) == ["BTC", "BCA", "VPCP"]


# --- resolve_cell and unknown names --------------------------------------------------------


def test_resolve_cell_known(resolver: AgencyResolver) -> None:
    agencies, unknown = resolver.resolve_cell("Bộ Tài chính (chủ trì); BCA, Bộ KH&ĐT, MOF")
    assert [a.id for a in agencies] == ["mof", "mps"]
    assert unknown == []


def test_resolve_cell_unknown(resolver: AgencyResolver) -> None:
    agencies, unknown = resolver.resolve_cell(
        "Hội Nông dân Việt Nam, Bộ Y tế; Hội Nông dân Việt Nam; Tổ công tác X"
    )
    assert unknown == ["Hội Nông dân Việt Nam", "Tổ công tác X"]
    assert [a.id for a in agencies] == ["x-hoi-nong-dan-viet-nam", "moh", "x-to-cong-tac-x"]
    assert agencies[0] == Agency(
        "x-hoi-nong-dan-viet-nam", "Hội Nông dân Việt Nam", "Hội Nông dân Việt Nam", "other"
    )


def test_unknown_id_is_stable_and_short(resolver: AgencyResolver) -> None:
    name = "Trung tâm " + "Nghiên cứu Phát triển Công nghệ Số Quốc gia " * 3
    (first,), _ = resolver.resolve_cell(name)
    (again,), _ = resolver.resolve_cell(name.upper())
    assert first.type == "other"
    assert first.id.startswith("x-trung-tam-nghien-cuu")
    assert len(first.id) <= 60 and not first.id.endswith("-")
    assert again.id == first.id


def test_resolve_cell_empty(resolver: AgencyResolver) -> None:
    assert resolver.resolve_cell(None) == ([], [])
    assert resolver.resolve_cell("") == ([], [])


# --- suggestions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Bộ Tài chánh", "mof"),
        ("Bo Khoa hoc Cong nghe", "most"),
        ("UBND tỉnh Thanh Hao", "p38"),
        ("Ban Tuyên giáo TW", "btgdvtw"),
        ("Bộ Giáo dục", "moet"),
        ("Bộ Nội Vụ", "moha"),
    ],
)
def test_suggestions_first(resolver: AgencyResolver, text: str, first: str) -> None:
    suggested = resolver.suggestions(text)
    assert suggested, text
    assert suggested[0].id == first
    assert len(suggested) <= 3
    assert len({a.id for a in suggested}) == len(suggested)


def test_suggestions_limit_and_nothing_close(resolver: AgencyResolver) -> None:
    assert len(resolver.suggestions("Bộ Tài chánh", n=1)) == 1
    assert len(resolver.suggestions("Bộ Tài chánh", n=5)) > 1
    assert resolver.suggestions("qqqq zzzz") == []
    assert resolver.suggestions("Bộ Tài chánh", n=0) == []


# --- speed, memoisation, construction ------------------------------------------------------


def test_build_is_fast() -> None:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        AgencyResolver()
        best = min(best, time.perf_counter() - start)
    assert best < 0.2


def test_resolve_is_memoised(monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = AgencyResolver()
    calls: list[str] = []
    real = fresh._lookup

    def counting(text: str) -> str | None:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(fresh, "_lookup", counting)
    for text in ("Bộ Tài chính", "BỘ TÀI CHÍNH", "Bo Tai chinh", "Bộ Tài chính"):
        agency = fresh.resolve(text)
        assert agency is not None and agency.id == "mof"
    assert len(calls) == 1


def test_default_resolver_is_shared() -> None:
    first = default_resolver()
    assert first is default_resolver()
    assert first.reference_dir == REF


def test_reference_dir_argument(tmp_path: Path) -> None:
    for name in (
        "agencies_central.csv",
        "agencies_other.csv",
        "agencies_former.csv",
        "agencies_former_older.csv",
        "provinces_34.csv",
        "provinces_63_to_34.csv",
    ):
        shutil.copy(REF / name, tmp_path / name)
    with (tmp_path / "agencies_other.csv").open("a", encoding="utf-8") as fh:
        fh.write("hnd,mass-org,Hội Nông dân Việt Nam,Vietnam Farmers' Union,HND,\n")
    custom = AgencyResolver(tmp_path)
    agency = custom.resolve("Hội Nông dân Việt Nam")
    assert agency is not None and agency.id == "hnd" and agency.type == "mass_org"
    assert custom.all()[-1].id == "hnd"


def test_missing_reference_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        AgencyResolver(tmp_path / "nowhere")
