"""Deterministic sample workbooks: the Government's task appendices ("Phụ lục") at three dates.

Two sources are generated, each with its own layout:

- "Nghị quyết 71/NQ-CP" (330 tasks), one header row (row 6);
- "Thông báo kết luận của Ban Chỉ đạo Trung ương" (322 tasks at 28/8/2025), a two-row header
  (rows 5-6, "Thời hạn" merged over "Theo kế hoạch" | "Ngày hoàn thành").

Snapshots are taken at 31/7/2025, 28/8/2025 and 28/10/2025. The figures reported at the
meetings of 1/8/2025 and 28/8/2025 and in Directive 33/CT-TTg come out of the files exactly when
each task is judged at the snapshot's date D with these rules: completed iff it has a completion
date <= D (on time iff completion <= deadline); otherwise no deadline -> no_deadline, deadline < D
-> overdue, else in progress. Deadlines written as periods resolve to the last day of the period.

Everything is drawn from one ``random.Random`` with a fixed seed, in a fixed order, so the files are
the same on every run (byte for byte: the zip entries and document properties carry a fixed time).

``python -m analytics.sample`` rewrites the bundled files in ``data/sample/``.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

SOURCE_NQ71 = "Nghị quyết 71/NQ-CP"
SOURCE_TBKL = "Thông báo kết luận của Ban Chỉ đạo Trung ương"
SOURCES = (SOURCE_NQ71, SOURCE_TBKL)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"

D1 = dt.date(2025, 7, 31)
D2 = dt.date(2025, 8, 28)
D3 = dt.date(2025, 10, 28)
AS_OF_DATES = (D1, D2, D3)

SEED = 20250828
FIXED_TIME = dt.datetime(2025, 11, 1, 8, 0, 0)
_ZIP_TIME = (2025, 11, 1, 8, 0, 0)


@dataclass(frozen=True)
class SampleFile:
    path: Path
    source: str
    as_of: dt.date


# The bundled files, in load order (by date, NQ71 first).
_MANIFEST: tuple[tuple[str, str, dt.date], ...] = (
    ("nq71_2025-07-31.xlsx", SOURCE_NQ71, D1),
    ("tbkl_2025-07-31.xlsx", SOURCE_TBKL, D1),
    ("nq71_2025-08-28.xlsx", SOURCE_NQ71, D2),
    ("tbkl_2025-08-28.xlsx", SOURCE_TBKL, D2),
    ("nq71_2025-10-28.xlsx", SOURCE_NQ71, D3),
    ("tbkl_2025-10-28.xlsx", SOURCE_TBKL, D3),
)


def sample_files(directory: Path = SAMPLE_DIR) -> list[SampleFile]:
    """The bundled sample files in load order (by date, NQ71 first)."""
    directory = Path(directory)
    return [SampleFile(directory / name, source, as_of) for name, source, as_of in _MANIFEST]


# --------------------------------------------------------------------------------------------
# Agencies (a subset of data/reference: official names, short forms, former names)
# --------------------------------------------------------------------------------------------

# id -> (official name, short forms, former names that count under it)
_MINISTRIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "most": ("Bộ Khoa học và Công nghệ", ("Bộ KH&CN", "BKHCN"), ("Bộ Thông tin và Truyền thông",)),
    "mof": ("Bộ Tài chính", ("Bộ TC", "BTC"), ("Bộ Kế hoạch và Đầu tư",)),
    "mps": ("Bộ Công an", ("BCA", "Bộ CA"), ()),
    "mae": (
        "Bộ Nông nghiệp và Môi trường",
        ("Bộ NN&MT",),
        ("Bộ Tài nguyên và Môi trường", "Bộ Nông nghiệp và Phát triển nông thôn"),
    ),
    "memr": ("Bộ Dân tộc và Tôn giáo", ("Bộ DT&TG",), ("Ủy ban Dân tộc",)),
    "moet": ("Bộ Giáo dục và Đào tạo", ("Bộ GD&ĐT",), ()),
    "moh": ("Bộ Y tế", ("BYT",), ()),
    "moj": ("Bộ Tư pháp", ("BTP",), ()),
    "moit": ("Bộ Công Thương", ("BCT",), ()),
    "moc": ("Bộ Xây dựng", ("BXD",), ("Bộ Giao thông vận tải",)),
    "moha": ("Bộ Nội vụ", ("BNV",), ()),
    "mocst": ("Bộ Văn hóa, Thể thao và Du lịch", ("Bộ VHTTDL",), ()),
    "mnd": ("Bộ Quốc phòng", ("BQP",), ()),
    "mofa": ("Bộ Ngoại giao", ("BNG",), ()),
    "sbv": ("Ngân hàng Nhà nước Việt Nam", ("NHNN",), ()),
    "go": ("Văn phòng Chính phủ", ("VPCP",), ()),
}

# name -> is a centrally-run city (the 34 provincial units from 1/7/2025)
_PROVINCES: dict[str, bool] = {
    "Hà Nội": True,
    "Cao Bằng": False,
    "Tuyên Quang": False,
    "Điện Biên": False,
    "Lai Châu": False,
    "Sơn La": False,
    "Lào Cai": False,
    "Thái Nguyên": False,
    "Lạng Sơn": False,
    "Quảng Ninh": False,
    "Bắc Ninh": False,
    "Phú Thọ": False,
    "Hải Phòng": True,
    "Hưng Yên": False,
    "Ninh Bình": False,
    "Thanh Hóa": False,
    "Nghệ An": False,
    "Hà Tĩnh": False,
    "Quảng Trị": False,
    "Huế": True,
    "Đà Nẵng": True,
    "Quảng Ngãi": False,
    "Gia Lai": False,
    "Khánh Hòa": False,
    "Đắk Lắk": False,
    "Lâm Đồng": False,
    "Đồng Nai": False,
    "Hồ Chí Minh": True,
    "Tây Ninh": False,
    "Đồng Tháp": False,
    "Vĩnh Long": False,
    "An Giang": False,
    "Cần Thơ": True,
    "Cà Mau": False,
}

# Weights of the lead ministries for tasks drawn at random.
_MINISTRY_WEIGHTS: dict[str, int] = {
    "most": 16,
    "mof": 9,
    "mps": 8,
    "mae": 8,
    "moh": 5,
    "moet": 5,
    "moj": 4,
    "moit": 5,
    "moc": 4,
    "moha": 5,
    "mocst": 3,
    "memr": 3,
    "sbv": 2,
    "go": 2,
    "mnd": 1,
    "mofa": 1,
}
_LOCALITY_SHARE = 0.27

# Pairs of leads used for tasks with two lead agencies.
_LEAD_PAIRS: tuple[tuple[str, str], ...] = (
    ("mof", "mps"),
    ("most", "mps"),
    ("moha", "go"),
    ("most", "moit"),
    ("mae", "moc"),
    ("moh", "mof"),
    ("moet", "most"),
    ("moj", "go"),
)


def _agency_name(agency: str) -> str:
    """Canonical display name of an agency key ("mof" or "p:Thanh Hóa")."""
    if agency.startswith("p:"):
        return agency[2:]
    return _MINISTRIES[agency][0]


def _spell(rng: random.Random, agency: str) -> str:
    """How a report writes the agency: official name, short form, former name, UBND forms."""
    if agency.startswith("p:"):
        name = agency[2:]
        if _PROVINCES[name]:
            if name == "Hồ Chí Minh":
                forms = ["UBND TP. Hồ Chí Minh", "TP. Hồ Chí Minh", "Thành phố Hồ Chí Minh"]
                return rng.choices(forms, weights=[5, 4, 2])[0]
            forms = [f"UBND TP. {name}", f"TP. {name}", f"Thành phố {name}", name]
            return rng.choices(forms, weights=[5, 3, 2, 1])[0]
        forms = [f"UBND tỉnh {name}", f"Tỉnh {name}", name]
        return rng.choices(forms, weights=[6, 2, 2])[0]
    official, shorts, formers = _MINISTRIES[agency]
    r = rng.random()
    if formers and r < 0.07:
        return rng.choice(formers)
    if shorts and r < 0.27:
        return rng.choice(shorts)
    return official


# --------------------------------------------------------------------------------------------
# Titles
# --------------------------------------------------------------------------------------------

# Domain fields per ministry ("lĩnh vực {field}"), regulation topics and laws.
_FIELDS: dict[str, tuple[str, ...]] = {
    "most": (
        "khoa học và công nghệ",
        "sở hữu trí tuệ",
        "tiêu chuẩn, đo lường, chất lượng",
        "bưu chính",
        "viễn thông",
        "an toàn thông tin mạng",
        "công nghiệp công nghệ số",
        "năng lượng nguyên tử",
        "đổi mới sáng tạo",
        "tần số vô tuyến điện",
        "chuyển giao công nghệ",
    ),
    "mof": (
        "quản lý thuế",
        "hải quan",
        "ngân sách nhà nước",
        "đầu tư công",
        "đăng ký doanh nghiệp",
        "kho bạc nhà nước",
        "chứng khoán",
        "bảo hiểm xã hội",
        "thống kê",
        "quản lý nợ công",
        "đấu thầu",
    ),
    "mps": (
        "cư trú",
        "căn cước",
        "xuất nhập cảnh",
        "đăng ký, quản lý phương tiện giao thông",
        "phòng cháy, chữa cháy",
        "quản lý con dấu",
    ),
    "mae": (
        "đất đai",
        "tài nguyên nước",
        "môi trường",
        "khí tượng thủy văn",
        "trồng trọt",
        "chăn nuôi",
        "thủy sản",
        "lâm nghiệp",
        "đo đạc và bản đồ",
        "biển và hải đảo",
        "địa chất và khoáng sản",
        "thủy lợi",
    ),
    "memr": (
        "công tác dân tộc",
        "tín ngưỡng, tôn giáo",
        "chính sách dân tộc",
        "phát triển vùng đồng bào dân tộc thiểu số",
    ),
    "moet": (
        "giáo dục mầm non",
        "giáo dục phổ thông",
        "giáo dục đại học",
        "giáo dục nghề nghiệp",
        "tuyển sinh",
        "văn bằng, chứng chỉ",
    ),
    "moh": (
        "khám bệnh, chữa bệnh",
        "dược",
        "y tế dự phòng",
        "trang thiết bị y tế",
        "an toàn thực phẩm",
        "bảo trợ xã hội",
    ),
    "moj": (
        "hộ tịch",
        "lý lịch tư pháp",
        "công chứng",
        "thi hành án dân sự",
        "đăng ký biện pháp bảo đảm",
        "trợ giúp pháp lý",
    ),
    "moit": (
        "thương mại điện tử",
        "xuất nhập khẩu",
        "năng lượng",
        "công nghiệp hỗ trợ",
        "quản lý thị trường",
        "an toàn hóa chất",
    ),
    "moc": (
        "quy hoạch đô thị",
        "nhà ở và thị trường bất động sản",
        "đường bộ",
        "đường sắt",
        "hàng không",
        "hàng hải",
        "đăng kiểm",
    ),
    "moha": (
        "công chức, viên chức",
        "lao động, việc làm",
        "tiền lương",
        "bảo hiểm thất nghiệp",
        "văn thư, lưu trữ",
        "thi đua, khen thưởng",
    ),
    "mocst": ("báo chí", "xuất bản", "di sản văn hóa", "du lịch", "thể dục thể thao", "quảng cáo"),
    "mnd": ("quốc phòng", "cơ yếu"),
    "mofa": ("lãnh sự", "ngoại giao"),
    "sbv": ("thanh toán", "tín dụng", "ngoại hối", "phòng, chống rửa tiền"),
    "go": ("kiểm soát thủ tục hành chính", "văn thư điện tử"),
}

_REGS: dict[str, tuple[str, ...]] = {
    "most": (
        "cơ chế thử nghiệm có kiểm soát đối với công nghệ mới",
        "quản lý nhiệm vụ khoa học và công nghệ sử dụng ngân sách nhà nước",
        "Trung tâm đổi mới sáng tạo quốc gia",
        "khu công nghệ số tập trung",
        "phát triển công nghiệp bán dẫn",
        "chia sẻ dữ liệu số giữa các cơ quan nhà nước",
        "đánh giá, công nhận doanh nghiệp khoa học và công nghệ",
    ),
    "mof": (
        "cơ chế tài chính thực hiện nhiệm vụ khoa học, công nghệ và đổi mới sáng tạo",
        "quản lý, sử dụng kinh phí chi thường xuyên cho chuyển đổi số",
        "ưu đãi thuế đối với doanh nghiệp công nghệ số",
        "quỹ phát triển khoa học và công nghệ của doanh nghiệp",
        "đấu thầu mua sắm sản phẩm, dịch vụ công nghệ số",
    ),
    "mps": (
        "định danh và xác thực điện tử",
        "bảo vệ dữ liệu cá nhân",
        "Trung tâm dữ liệu quốc gia",
        "kết nối, khai thác Cơ sở dữ liệu quốc gia về dân cư",
    ),
    "mae": (
        "xây dựng, quản lý và khai thác cơ sở dữ liệu đất đai quốc gia",
        "truy xuất nguồn gốc nông sản",
        "quan trắc môi trường tự động",
        "hệ thống thông tin đất đai thống nhất toàn quốc",
    ),
    "memr": (
        "cơ sở dữ liệu về dân tộc thiểu số",
        "quản lý hoạt động tín ngưỡng, tôn giáo trên môi trường số",
    ),
    "moet": (
        "đào tạo nhân lực chất lượng cao ngành công nghệ số",
        "học liệu số dùng chung",
        "chuyển đổi số trong cơ sở giáo dục đại học",
    ),
    "moh": ("hồ sơ sức khỏe điện tử", "khám bệnh, chữa bệnh từ xa", "đơn thuốc điện tử"),
    "moj": (
        "cơ sở dữ liệu quốc gia về pháp luật",
        "chứng thực bản sao điện tử từ bản chính",
        "đăng ký hộ tịch trực tuyến",
    ),
    "moit": (
        "phát triển thương mại điện tử xuyên biên giới",
        "sản xuất thông minh trong công nghiệp chế biến, chế tạo",
    ),
    "moc": ("phát triển đô thị thông minh", "mô hình thông tin công trình (BIM)"),
    "moha": (
        "vị trí việc làm trong lĩnh vực công nghệ số",
        "thu hút, trọng dụng chuyên gia công nghệ",
    ),
    "mocst": ("phát triển công nghiệp văn hóa số",),
    "sbv": ("thanh toán không dùng tiền mặt", "cơ chế thử nghiệm công nghệ tài chính (Fintech)"),
    "go": ("vận hành Hệ thống thông tin báo cáo Chính phủ",),
}

_LAWS: dict[str, tuple[str, ...]] = {
    "most": (
        "Luật Tiêu chuẩn và quy chuẩn kỹ thuật",
        "Luật Năng lượng nguyên tử",
        "Luật Viễn thông",
    ),
    "mof": ("Luật Đầu tư công", "Luật Đấu thầu", "Luật Thuế thu nhập doanh nghiệp"),
    "mps": ("Luật Căn cước", "Luật Cư trú", "Luật An ninh mạng"),
    "mae": ("Luật Đất đai", "Luật Tài nguyên nước", "Luật Bảo vệ môi trường"),
    "memr": ("Luật Tín ngưỡng, tôn giáo",),
    "moet": ("Luật Giáo dục đại học", "Luật Giáo dục nghề nghiệp"),
    "moh": ("Luật Dược", "Luật Khám bệnh, chữa bệnh"),
    "moj": ("Luật Thi hành án dân sự", "Luật Công chứng"),
    "moit": ("Luật Điện lực", "Luật Quản lý ngoại thương"),
    "moc": ("Luật Đường sắt", "Luật Nhà ở"),
    "moha": ("Luật Cán bộ, công chức", "Luật Việc làm"),
    "mocst": ("Luật Báo chí", "Luật Quảng cáo"),
    "sbv": ("Luật Các tổ chức tín dụng",),
}

# (group, template, product). {f}: field, {r}: regulation topic, {law}: a law.
_MINISTRY_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    ("inst", "Xây dựng Nghị định quy định về {r}", "Nghị định"),
    ("inst", "Xây dựng Luật sửa đổi, bổ sung một số điều của {law}", "Luật"),
    ("inst", "Xây dựng Thông tư hướng dẫn về {r}", "Thông tư"),
    (
        "inst",
        "Trình Thủ tướng Chính phủ ban hành Quyết định phê duyệt Đề án về {r}",
        "Quyết định của Thủ tướng Chính phủ",
    ),
    ("inst", "Rà soát, cắt giảm, đơn giản hóa thủ tục hành chính lĩnh vực {f}", "Báo cáo"),
    (
        "inst",
        "Rà soát, đề xuất sửa đổi các quy định pháp luật còn vướng mắc trong lĩnh vực {f}",
        "Báo cáo",
    ),
    (
        "infra",
        "Xây dựng, hoàn thiện cơ sở dữ liệu chuyên ngành về {f}, kết nối, chia sẻ với các cơ sở dữ liệu quốc gia",
        "Cơ sở dữ liệu",
    ),
    (
        "infra",
        "Hoàn thành kết nối hệ thống thông tin giải quyết thủ tục hành chính lĩnh vực {f} với Cơ sở dữ liệu quốc gia về dân cư",
        "Hệ thống thông tin",
    ),
    (
        "infra",
        "Đầu tư, nâng cấp hạ tầng kỹ thuật phục vụ chuyển đổi số lĩnh vực {f}",
        "Hệ thống thông tin",
    ),
    (
        "hr",
        "Đào tạo, bồi dưỡng kỹ năng số cho cán bộ, công chức, viên chức lĩnh vực {f}",
        "Kế hoạch",
    ),
    ("hr", "Xây dựng Đề án phát triển nguồn nhân lực chất lượng cao lĩnh vực {f}", "Đề án"),
    ("dx", "Triển khai ứng dụng trí tuệ nhân tạo trong lĩnh vực {f}", "Hệ thống thông tin"),
    (
        "dx",
        "Cung cấp dịch vụ công trực tuyến toàn trình đối với thủ tục hành chính lĩnh vực {f}",
        "Hệ thống thông tin",
    ),
    ("dx", "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính lĩnh vực {f}", "Cơ sở dữ liệu"),
    ("dx", "Xây dựng Kế hoạch chuyển đổi số lĩnh vực {f} giai đoạn 2025-2030", "Kế hoạch"),
    (
        "st",
        "Xây dựng Chương trình nghiên cứu, ứng dụng khoa học, công nghệ và đổi mới sáng tạo lĩnh vực {f} đến năm 2030",
        "Đề án",
    ),
    (
        "st",
        "Đặt hàng nhiệm vụ khoa học và công nghệ phục vụ chuyển đổi số lĩnh vực {f}",
        "Báo cáo",
    ),
)

_LOCALITY_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "inst",
        "Ban hành Kế hoạch thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị trên địa bàn {loc}",
        "Kế hoạch",
    ),
    (
        "inst",
        "Ban hành cơ chế, chính sách hỗ trợ doanh nghiệp khởi nghiệp sáng tạo trên địa bàn {loc}",
        "Nghị quyết của Hội đồng nhân dân",
    ),
    (
        "infra",
        "Hoàn thành kết nối hệ thống thông tin giải quyết thủ tục hành chính của {loc} với Cơ sở dữ liệu quốc gia về dân cư",
        "Hệ thống thông tin",
    ),
    (
        "infra",
        "Trang bị thiết bị đầu cuối cho các xã, phường trên địa bàn {loc} bảo đảm vận hành chính quyền địa phương hai cấp",
        "Báo cáo",
    ),
    (
        "infra",
        "Phủ sóng di động băng rộng các thôn, bản còn vùng lõm sóng trên địa bàn {loc}",
        "Báo cáo",
    ),
    (
        "infra",
        "Nâng cấp Trung tâm dữ liệu của {loc} đáp ứng yêu cầu an toàn thông tin",
        "Hệ thống thông tin",
    ),
    (
        "hr",
        "Đào tạo, bồi dưỡng kỹ năng số cho cán bộ, công chức cấp xã trên địa bàn {loc}",
        "Kế hoạch",
    ),
    (
        "dx",
        "Triển khai ứng dụng trí tuệ nhân tạo trong giải quyết thủ tục hành chính tại {loc}",
        "Hệ thống thông tin",
    ),
    (
        "dx",
        "Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính tại Trung tâm phục vụ hành chính công {loc}",
        "Cơ sở dữ liệu",
    ),
    ("dx", "Vận hành Trung tâm giám sát, điều hành thông minh (IOC) {loc}", "Hệ thống thông tin"),
    ("st", "Xây dựng Đề án phát triển đô thị thông minh {loc}", "Đề án"),
    ("st", "Thành lập Trung tâm đổi mới sáng tạo {loc}", "Quyết định"),
)

_RECURRING_MINISTRY = (
    ("dx", "Theo dõi, đôn đốc, báo cáo định kỳ tình hình chuyển đổi số lĩnh vực {f}", "Báo cáo"),
    (
        "st",
        "Tuyên truyền, phổ biến về khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số lĩnh vực {f}",
        "Báo cáo",
    ),
)
_RECURRING_LOCALITY = (
    (
        "inst",
        "Tổng hợp, báo cáo định kỳ tình hình thực hiện Nghị quyết số 57-NQ/TW trên địa bàn {loc}",
        "Báo cáo",
    ),
)

# Group keys -> section titles, per source.
_GROUPS: dict[str, dict[str, str]] = {
    SOURCE_NQ71: {
        "inst": "Hoàn thiện thể chế",
        "infra": "Đầu tư hạ tầng số",
        "hr": "Phát triển nguồn nhân lực",
        "dx": "Chuyển đổi số",
        "st": "Khoa học, công nghệ và đổi mới sáng tạo",
    },
    SOURCE_TBKL: {
        "inst": "Hoàn thiện thể chế, chính sách",
        "infra": "Hạ tầng số và dữ liệu",
        "dx": "Chuyển đổi số trong hoạt động của hệ thống chính trị",
        "hr": "Phát triển nguồn nhân lực",
        "st": "Khoa học, công nghệ và đổi mới sáng tạo",
    },
}
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")

_CAUSES = (
    "Chưa đến kỳ họp của Quốc hội nên chưa trình được",
    "Quy trình xây dựng văn bản phải lấy ý kiến nhiều bộ, ngành, địa phương",
    "Đang hoàn thiện hồ sơ theo ý kiến thẩm định của Bộ Tư pháp",
    "Chưa bố trí được kinh phí thực hiện",
    "Hạ tầng kỹ thuật chưa đáp ứng yêu cầu kết nối, chia sẻ dữ liệu",
    "Thiếu nhân lực chuyên trách về công nghệ thông tin",
    "Sắp xếp tổ chức bộ máy, chính quyền địa phương hai cấp nên chậm triển khai",
    "Dữ liệu chưa được làm sạch, chưa đồng bộ với Cơ sở dữ liệu quốc gia",
    "Thủ tục mua sắm, đấu thầu thiết bị kéo dài",
    "Đã hoàn thành nhưng chưa cập nhật kết quả lên Hệ thống",
    "Thời gian chuẩn bị ngắn, khối lượng công việc lớn",
    "Chờ hướng dẫn của bộ quản lý chuyên ngành",
)

_STATUS_DONE_ON_TIME = (
    "Hoàn thành đúng hạn",
    "Đã hoàn thành đúng hạn",
    "Hoàn thành trong hạn",
    "Đã hoàn thành",
    "Hoàn thành",
)
_STATUS_DONE_LATE = (
    "Hoàn thành quá hạn",
    "Đã hoàn thành quá hạn",
    "Hoàn thành chậm",
    "Hoàn thành trễ hạn",
    "Đã hoàn thành",
)
_STATUS_ISSUED = "Đã ban hành"
_STATUS_OVERDUE = (
    "Quá hạn",
    "Quá hạn chưa hoàn thành",
    "Chậm tiến độ",
    "Chưa hoàn thành (quá hạn)",
    "Đang thực hiện quá hạn",
    "Chưa hoàn thành",
)
_STATUS_IN_PROGRESS = (
    "Đang thực hiện",
    "Đang triển khai",
    "Đang triển khai thực hiện",
    "Chưa đến hạn",
    "Đang thực hiện",
    "Trong hạn",
    "Chưa hoàn thành",
    "Đang thực hiện",
)
_STATUS_DRAFTING = ("Đang xây dựng", "Đang dự thảo", "Đang lấy ý kiến", "Đang thẩm định")
_STATUS_AT_RISK = "Có nguy cơ chậm tiến độ"
_STATUS_RECURRING = ("Thường xuyên", "Đang thực hiện (thường xuyên)", "Thực hiện thường xuyên")
_LEGAL_PRODUCTS = ("Nghị định", "Luật", "Thông tư", "Quyết định của Thủ tướng Chính phủ")

# Conclusion notices of the Central Steering Committee: number, date.
_NOTICES_BASE = (
    ("01-TB/BCĐTW", dt.date(2025, 2, 10)),
    ("02-TB/BCĐTW", dt.date(2025, 2, 28)),
    ("03-TB/BCĐTW", dt.date(2025, 3, 20)),
    ("04-TB/BCĐTW", dt.date(2025, 4, 10)),
    ("05-TB/BCĐTW", dt.date(2025, 5, 5)),
    ("06-TB/BCĐTW", dt.date(2025, 5, 26)),
    ("07-TB/BCĐTW", dt.date(2025, 6, 16)),
    ("08-TB/BCĐTW", dt.date(2025, 7, 7)),
)
_NOTICES_NEW1 = (("09-TB/BCĐTW", dt.date(2025, 8, 4)), ("10-TB/BCĐTW", dt.date(2025, 8, 14)))
_NOTICES_NEW2 = (("11-TB/BCĐTW", dt.date(2025, 9, 12)), ("12-TB/BCĐTW", dt.date(2025, 9, 29)))


# --------------------------------------------------------------------------------------------
# Deadlines
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A deadline as written (``cell``: text or a real date) and the date it resolves to."""

    date: dt.date | None
    cell: str | dt.date | None
    form: str  # date_text | date_cell | month | month_short | quarter | half | year | before | recurring


RECURRING = Deadline(None, "Thường xuyên", "recurring")

_FORM_WEIGHTS = {
    "date_text": 24,
    "date_cell": 14,
    "month": 18,
    "month_short": 7,
    "quarter": 15,
    "half": 5,
    "year": 7,
    "before": 10,
}


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def _render(form: str, d: dt.date, rng: random.Random) -> str | dt.date:
    if form == "date_cell":
        return d
    if form == "date_text":
        return f"{d:%d/%m/%Y}" if rng.random() < 0.7 else f"{d.day}/{d.month}/{d.year}"
    if form == "month":
        return f"Tháng {d.month}/{d.year}"
    if form == "month_short":
        return f"T{d.month}/{d.year}"
    if form == "quarter":
        return f"Quý {_ROMAN[(d.month - 1) // 3]}/{d.year}"
    if form == "half":
        return f"6 tháng {'đầu' if d.month == 6 else 'cuối'} năm {d.year}"
    if form == "year":
        return f"Năm {d.year}"
    if form == "before":
        word = "Trước" if rng.random() < 0.7 else "Trước ngày"
        return f"{word} {d.day}/{d.month}/{d.year}"
    raise ValueError(form)


def _candidates(form: str, lo: dt.date, hi: dt.date) -> list[dt.date]:
    """Dates in [lo, hi] that a deadline of this form can resolve to."""
    if hi < lo:
        return []
    if form in ("date_text", "date_cell"):
        return [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    out: list[dt.date] = []
    for year in range(lo.year, hi.year + 1):
        if form in ("month", "month_short"):
            out += [_month_end(year, m) for m in range(1, 13)]
        elif form == "quarter":
            out += [_month_end(year, m) for m in (3, 6, 9, 12)]
        elif form == "half":
            out += [dt.date(year, 6, 30), dt.date(year, 12, 31)]
        elif form == "year":
            out.append(dt.date(year, 12, 31))
        elif form == "before":
            # Days that can never touch an as-of date or its eve ("before 15/9" may be read as 14/9).
            out += [dt.date(year, m, day) for m in range(1, 13) for day in (10, 15, 20, 25)]
    return [d for d in out if lo <= d <= hi]


def _pick_deadline(
    rng: random.Random,
    lo: dt.date,
    hi: dt.date,
    forms: dict[str, int] | None = None,
    avoid: tuple[dt.date, ...] = (),
) -> Deadline:
    """A deadline resolving into [lo, hi]; ``avoid``: dates a "before" deadline must not be."""
    weights = dict(forms or _FORM_WEIGHTS)
    for _ in range(20):
        names = list(weights)
        form = rng.choices(names, weights=[weights[n] for n in names])[0]
        cands = _candidates(form, lo, hi)
        if form == "before":
            bad = set()
            for a in avoid:
                bad.update((a, a + dt.timedelta(days=1)))
            cands = [c for c in cands if c not in bad]
        if cands:
            d = rng.choice(cands)
            return Deadline(d, _render(form, d, rng), form)
        weights.pop(form)
        if not weights:
            break
    d = lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))
    return Deadline(d, _render("date_text", d, rng), "date_text")


def _pick_day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    """A working day in [lo, hi] (any day if the range has none)."""
    days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
    work = [d for d in days if d.weekday() < 5]
    return rng.choice(work or days)


def _completion_cell(rng: random.Random, d: dt.date) -> str | dt.date:
    return d if rng.random() < 0.3 else f"{d:%d/%m/%Y}"


# --------------------------------------------------------------------------------------------
# Task model
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """One task across the snapshots: identity, and the deadline written at each snapshot."""

    key: int
    source: str
    group: str
    title: str
    leads: tuple[str, ...]
    lead_text: str
    support_text: str
    product: str
    first: int  # index into AS_OF_DATES of the first snapshot listing the task
    deadlines: tuple[Deadline, Deadline, Deadline]
    completion: dt.date | None
    completion_cell: str | dt.date | None
    difficult: bool
    cause: str
    pick: float  # stable choice among status words
    at_risk: bool
    notice: str | None = None
    task_id: str = ""
    merge_lead: bool = False


@dataclass(frozen=True)
class SampleTask:
    """One task as written in one snapshot workbook (``deadline`` and ``completion`` resolved)."""

    task_id: str
    source: str
    as_of: dt.date
    group: str
    title: str
    leads: tuple[str, ...]  # canonical names: "Bộ Tài chính", "Thanh Hóa"
    lead_text: str
    support_text: str
    product: str
    notice: str | None
    deadline: dt.date | None
    deadline_cell: str | dt.date | None
    deadline_form: str
    status_text: str
    completion: dt.date | None
    completion_cell: str | dt.date | None
    difficult: bool
    cause: str | None
    note: str | None
    merge_lead: bool

    @property
    def status(self) -> str:
        return status_at(self.deadline, self.completion, self.as_of)


def status_at(deadline: dt.date | None, completion: dt.date | None, as_of: dt.date) -> str:
    """The dashboard's rule: completed_on_time | completed_late | overdue | in_progress | no_deadline."""
    if completion is not None and completion <= as_of:
        if deadline is None:
            return "completed_timing_unknown"
        return "completed_on_time" if completion <= deadline else "completed_late"
    if deadline is None:
        return "no_deadline"
    return "overdue" if deadline < as_of else "in_progress"


# Trajectories. Each entry: (count, kind, outcome, agency constraint, special title or None).
# kind: T1 done on time by D1; L1 done late by D1; OL2 overdue at D1, done (late) by D2;
#   OOL3 overdue at D1 and D2, done late by D3; OOO overdue at all three;
#   EXTaug / EXTq4 overdue at D1, deadline moved by D2 (to end of August / Q4), outcome at D3;
#   OOX3 overdue at D1 and D2, deadline moved by D3 (outcome P or T);
#   PT2 in progress at D1, done on time by D2; PPaug / PPdue / PPlate in progress at D1 and D2
#   with a deadline at end of August / 1/9-27/10 / from 28/10 on, outcome at D3;
#   NEW1aug / NEW1due / NEW1late first listed at D2; NEW2 first listed at D3; N recurring.
# outcome at D3: T on time, L late, O overdue, P in progress ("-" when fixed by the kind).
# agency: None any; "nomof" any but the Ministry of Finance; or a tuple of agency keys.
_Entry = tuple[int, str, str, object, tuple | None]
# A special title is (group, title, product) or (group, title, product, fixed Deadline).

_BEFORE_15_SEPT = Deadline(dt.date(2025, 9, 15), "Trước 15/9/2025", "before")
_MOST_LAWS = (
    "Xây dựng Luật Chuyển đổi số",
    "Xây dựng Luật Công nghệ cao (sửa đổi)",
    "Xây dựng Luật Chuyển giao công nghệ (sửa đổi)",
    "Xây dựng Luật Sở hữu trí tuệ (sửa đổi)",
)

_IT_TITLE = (
    "infra",
    "Nâng cấp, hoàn thiện hạ tầng công nghệ thông tin đáp ứng yêu cầu an toàn thông tin",
    "Hệ thống thông tin",
)
_POPDB_TITLE = (
    "infra",
    "Hoàn thành kết nối Hệ thống thông tin giải quyết thủ tục hành chính cấp bộ, cấp tỉnh với Cơ sở dữ liệu quốc gia về dân cư phục vụ giải quyết thủ tục hành chính, dịch vụ công theo Nghị định số 107/2021/NĐ-CP",
    "Hệ thống thông tin",
)

_NQ71_PLAN: tuple[_Entry, ...] = (
    # The 21 tasks overdue at 31/7/2025 (meeting of 1/8/2025).
    (
        1,
        "OOL3",
        "-",
        ("memr", "moet", "mae", "moh", "p:Thanh Hóa", "p:Đồng Nai", "p:Bắc Ninh"),
        _IT_TITLE,
    ),
    (
        1,
        "OOO",
        "-",
        (
            "p:Vĩnh Long",
            "p:Ninh Bình",
            "p:Hải Phòng",
            "p:Tây Ninh",
            "p:Quảng Ninh",
            "p:Hà Nội",
            "p:Gia Lai",
            "p:Hưng Yên",
        ),
        _POPDB_TITLE,
    ),
    (
        1,
        "OOL3",
        "-",
        ("mof",),
        (
            "inst",
            "Xây dựng Nghị định quy định về thành lập, tổ chức và hoạt động của quỹ đầu tư mạo hiểm cho khởi nghiệp sáng tạo, ươm tạo công nghệ và chuyển đổi số",
            "Nghị định",
        ),
    ),
    (
        1,
        "OOO",
        "-",
        ("mof",),
        (
            "inst",
            "Xây dựng Luật sửa đổi, bổ sung một số điều của Luật Ngân sách nhà nước, Luật Quản lý, đầu tư vốn nhà nước tại doanh nghiệp, Luật Doanh nghiệp, Luật Quản lý thuế",
            "Luật",
        ),
    ),
    (
        1,
        "EXTaug",
        "L",
        ("mof", "mps"),
        (
            "dx",
            "Xây dựng giải pháp, công cụ giám sát các cơ sở khám bệnh, chữa bệnh liên thông dữ liệu khám bệnh, chữa bệnh bảo hiểm y tế",
            "Hệ thống thông tin",
        ),
    ),
    (1, "OL2", "-", ("mof",), None),
    (
        1,
        "OL2",
        "-",
        ("most",),
        (
            "dx",
            "Xây dựng các ứng dụng triển khai trí tuệ nhân tạo trong hoạt động của cơ quan nhà nước",
            "Hệ thống thông tin",
        ),
    ),
    (
        1,
        "EXTaug",
        "T",
        ("most",),
        (
            "st",
            "Tháo gỡ vướng mắc về cơ chế, chính sách phát triển đô thị thông minh và khu công nghệ cao",
            "Báo cáo",
        ),
    ),
    (
        1,
        "OL2",
        "-",
        ("mae",),
        (
            "st",
            "Ban hành chương trình thúc đẩy sản xuất thông minh trong nông nghiệp",
            "Quyết định của Thủ tướng Chính phủ",
        ),
    ),
    (1, "EXTaug", "O", ("mae",), None),
    (1, "EXTq4", "P", ("mae",), None),
    (6, "OL2", "-", ("mae",), None),
    (
        1,
        "OL2",
        "-",
        ("memr",),
        (
            "inst",
            "Hoàn thành xây dựng, cập nhật Kế hoạch hành động thực hiện Chương trình hành động của Chính phủ về phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
            "Kế hoạch",
        ),
    ),
    (2, "OL2", "-", ("memr",), None),
    (1, "OL2", "-", ("moj",), None),
    # Completed by 31/7 (12 of them late, two of those led by the Ministry of Finance).
    (48, "T1", "-", None, None),
    (2, "L1", "-", ("mof",), None),
    (10, "L1", "-", "nomof", None),
    (17, "PT2", "-", None, None),
    # In progress at 28/8.
    (5, "PPaug", "T", None, None),
    (2, "PPaug", "L", None, None),
    (2, "PPaug", "O", None, None),
    # The four laws to submit to the National Assembly before 15/9 (meeting of 28/8/2025).
    *((1, "PPdue", "T", ("most",), ("inst", t, "Luật", _BEFORE_15_SEPT)) for t in _MOST_LAWS[:3]),
    (1, "PPdue", "L", ("most",), ("inst", _MOST_LAWS[3], "Luật", _BEFORE_15_SEPT)),
    (37, "PPdue", "T", None, None),
    (11, "PPdue", "L", None, None),
    (13, "PPdue", "O", None, None),
    (15, "PPlate", "T", None, None),
    (
        1,
        "PPlate",
        "P",
        ("most",),
        (
            "inst",
            "Xây dựng Luật Trí tuệ nhân tạo",
            "Luật",
            Deadline(dt.date(2025, 12, 31), "Quý IV/2025", "quarter"),
        ),
    ),
    (132, "PPlate", "P", None, None),
    (2, "NEW1late", "P", None, None),
    (8, "N", "-", None, None),
)

_TBKL_PLAN: tuple[_Entry, ...] = (
    (70, "T1", "-", None, None),
    (3, "L1", "-", ("mof",), None),
    (25, "L1", "-", "nomof", None),
    (1, "OL2", "-", ("mof",), None),
    (11, "OL2", "-", "nomof", None),
    (1, "OOL3", "-", ("mof",), None),
    (11, "OOL3", "-", "nomof", None),
    (1, "OOO", "-", ("mof",), None),
    (7, "OOO", "-", "nomof", None),
    (1, "OOX3", "P", ("mof",), None),
    (6, "OOX3", "P", "nomof", None),
    (3, "OOX3", "T", "nomof", None),
    (2, "EXTaug", "T", None, None),
    (1, "EXTaug", "L", None, None),
    (26, "PT2", "-", None, None),
    (5, "PPaug", "T", None, None),
    (2, "PPaug", "L", None, None),
    (2, "PPaug", "O", None, None),
    (30, "PPdue", "T", None, None),
    (16, "PPdue", "L", None, None),
    (18, "PPdue", "O", None, None),
    (15, "PPlate", "T", None, None),
    (39, "PPlate", "P", None, None),
    (2, "NEW1aug", "T", None, None),
    (1, "NEW1aug", "L", None, None),
    (3, "NEW1due", "O", None, None),
    (4, "NEW1due", "T", None, None),
    (6, "NEW1late", "P", None, None),
    (3, "NEW2", "T", None, None),
    (2, "NEW2", "O", None, None),
    (11, "NEW2", "P", None, None),
    (10, "N", "-", None, None),
)

_DAY = dt.timedelta(days=1)
_AUG_END_FORMS = {"month": 40, "month_short": 15, "date_text": 30, "date_cell": 15}
_LATE_FORMS = {
    "quarter": 22,
    "year": 12,
    "half": 8,
    "month": 20,
    "month_short": 6,
    "date_text": 18,
    "date_cell": 10,
    "before": 4,
}


def _timeline(
    rng: random.Random, kind: str, outcome: str, start: dt.date
) -> tuple[int, tuple[Deadline, Deadline, Deadline], dt.date | None]:
    """(first snapshot, deadline at each snapshot, completion date) for one trajectory."""
    first = 0
    comp: dt.date | None = None
    y26 = dt.date(2026, 12, 31)
    if kind == "N":
        return 0, (RECURRING, RECURRING, RECURRING), None
    if kind == "T1":
        comp = _pick_day(rng, max(start + dt.timedelta(days=10), dt.date(2025, 2, 20)), D1 - _DAY)
        hi = min(comp + dt.timedelta(days=rng.choice((20, 45, 90, 150))), dt.date(2025, 12, 31))
        dl = _pick_deadline(rng, comp, max(hi, comp), avoid=(comp,))
        return 0, (dl, dl, dl), comp
    if kind == "L1":
        dl = _pick_deadline(
            rng, max(start + dt.timedelta(days=20), dt.date(2025, 3, 15)), D1 - 12 * _DAY
        )
        assert dl.date is not None
        comp = _pick_day(rng, dl.date + 3 * _DAY, D1 - _DAY)
        return 0, (dl, dl, dl), comp
    if kind in ("OL2", "OOL3", "OOO", "OOX3", "EXTaug", "EXTq4"):
        lo = max(start + dt.timedelta(days=20), dt.date(2025, 4, 15))
        dl = _pick_deadline(rng, lo, D1 - 3 * _DAY)
        if kind == "OL2":
            comp = _pick_day(rng, D1 + _DAY, D2 - _DAY)
            return 0, (dl, dl, dl), comp
        if kind == "OOL3":
            comp = _pick_day(rng, D2 + _DAY, D3 - _DAY)
            return 0, (dl, dl, dl), comp
        if kind == "OOO":
            return 0, (dl, dl, dl), None
        if kind == "OOX3":
            dl3 = _pick_deadline(
                rng, D3 + 3 * _DAY, dt.date(2025, 12, 31), _LATE_FORMS, AS_OF_DATES
            )
            if outcome == "T":
                comp = _pick_day(rng, D2 + _DAY, D3 - _DAY)
            return 0, (dl, dl, dl3), comp
        if kind == "EXTq4":
            dl2 = Deadline(dt.date(2025, 12, 31), "Quý IV/2025", "quarter")
            return 0, (dl, dl2, dl2), None
        dl2 = _pick_deadline(rng, dt.date(2025, 8, 31), dt.date(2025, 8, 31), _AUG_END_FORMS)
        if outcome == "T":
            comp = _pick_day(rng, D2 + _DAY, dt.date(2025, 8, 29))
        elif outcome == "L":
            comp = _pick_day(rng, dt.date(2025, 9, 8), D3 - _DAY)
        return 0, (dl, dl2, dl2), comp
    if kind == "PT2":
        if rng.random() < 0.55:
            dl = _pick_deadline(rng, D1 + 5 * _DAY, D2 - 2 * _DAY, avoid=AS_OF_DATES)
        else:
            dl = _pick_deadline(rng, D2 + 5 * _DAY, dt.date(2025, 12, 31), avoid=AS_OF_DATES)
        assert dl.date is not None
        comp = _pick_day(rng, D1 + _DAY, min(dl.date - 2 * _DAY, D2 - _DAY))
        return 0, (dl, dl, dl), comp
    if kind.startswith(("PP", "NEW1", "NEW2")):
        first = 0 if kind.startswith("PP") else (1 if kind.startswith("NEW1") else 2)
        sub = kind.removeprefix("PP").removeprefix("NEW1").removeprefix("NEW2") or "any"
        if kind == "NEW2":
            sub = {"T": "new2T", "O": "new2O", "P": "late"}[outcome]
        if sub == "aug":
            # Due at the end of August: open on 28/8 (never "before" forms, never 28/8 itself).
            lo = dt.date(2025, 8, 30) if outcome == "T" else dt.date(2025, 8, 29)
            dl = _pick_deadline(rng, lo, dt.date(2025, 8, 31), _AUG_END_FORMS)
        elif sub == "due":
            hi = D3 - (3 if outcome == "L" else 1) * _DAY
            dl = _pick_deadline(rng, dt.date(2025, 9, 3), hi, avoid=AS_OF_DATES)
        elif sub == "new2T":
            dl = _pick_deadline(
                rng, dt.date(2025, 10, 10), dt.date(2025, 12, 31), _LATE_FORMS, AS_OF_DATES
            )
        elif sub == "new2O":
            dl = _pick_deadline(rng, dt.date(2025, 10, 5), D3 - 3 * _DAY, avoid=AS_OF_DATES)
        else:  # late: from 28/10/2025, a few in 2026
            hi = y26 if rng.random() < 0.12 else dt.date(2025, 12, 31)
            lo = dt.date(2026, 1, 1) if hi == y26 else D3
            dl = _pick_deadline(rng, lo, hi, _LATE_FORMS, AS_OF_DATES)
        assert dl.date is not None
        if outcome == "T":
            lo = D2 + _DAY if first < 2 else dt.date(2025, 10, 1)
            comp = _pick_day(rng, lo, min(dl.date - _DAY, D3 - _DAY))
        elif outcome == "L":
            comp = _pick_day(rng, dl.date + 2 * _DAY, D3 - _DAY)
        return first, (dl, dl, dl), comp
    raise ValueError(kind)


class _TitlePool:
    """Distinct task titles drawn from templates, per lead agency."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def _fill(self, template: str, agency: str) -> str:
        rng = self.rng
        if agency.startswith("p:"):
            name = agency[2:]
            loc = f"thành phố {name}" if _PROVINCES[name] else f"tỉnh {name}"
            return template.format(loc=loc)
        return template.format(
            f=rng.choice(_FIELDS[agency]),
            r=rng.choice(_REGS.get(agency) or _REGS["most"]),
            law=rng.choice(_LAWS.get(agency) or _LAWS["most"]),
        )

    def draw(self, agency: str, recurring: bool = False) -> tuple[str, str, str]:
        rng = self.rng
        if agency.startswith("p:"):
            templates = _RECURRING_LOCALITY if recurring else _LOCALITY_TEMPLATES
        else:
            templates = _RECURRING_MINISTRY if recurring else _MINISTRY_TEMPLATES
            if agency not in _REGS:
                templates = tuple(t for t in templates if "{r}" not in t[1])
            if agency not in _LAWS:
                templates = tuple(t for t in templates if "{law}" not in t[1])
        for _ in range(200):
            group, template, product = rng.choice(templates)
            title = self._fill(template, agency)
            if title not in self.used:
                self.used.add(title)
                return group, title, product
        raise RuntimeError(f"no more distinct titles for {agency}")

    def take(self, title: str) -> None:
        if title in self.used:
            raise RuntimeError(f"duplicate title {title!r}")
        self.used.add(title)


def _pick_leads(rng: random.Random, constraint: object) -> tuple[str, ...]:
    if isinstance(constraint, tuple):
        return constraint
    allow_mof = constraint != "nomof"
    if rng.random() < 0.06:
        pairs = [p for p in _LEAD_PAIRS if allow_mof or "mof" not in p]
        return rng.choice(pairs)
    if rng.random() < _LOCALITY_SHARE:
        return ("p:" + rng.choice(list(_PROVINCES)),)
    names = [m for m in _MINISTRY_WEIGHTS if allow_mof or m != "mof"]
    return (rng.choices(names, weights=[_MINISTRY_WEIGHTS[m] for m in names])[0],)


def _support(rng: random.Random, leads: tuple[str, ...]) -> str:
    if leads[0].startswith("p:"):
        pool = ["Bộ Khoa học và Công nghệ", "Bộ Công an", "Bộ Tài chính", "Bộ Nội vụ"]
        picks = rng.sample(pool, rng.choice((1, 1, 2)))
        return ", ".join(["Các sở, ngành liên quan", *picks])
    others = [
        _MINISTRIES[k][0] for k in _MINISTRY_WEIGHTS if k not in leads and k not in ("mocst",)
    ]
    r = rng.random()
    if r < 0.15:
        return "Các bộ, ngành, địa phương"
    if r < 0.22:
        return ""
    picks = rng.sample(others, rng.choice((1, 2, 2, 3)))
    if rng.random() < 0.3:
        picks.append("các địa phương")
    return ", ".join(picks)


def _build_plans(source: str, plan: tuple[_Entry, ...], rng: random.Random, titles: _TitlePool):
    plans: list[_Plan] = []
    for count, kind, outcome, constraint, special in plan:
        for _ in range(count):
            if kind.startswith("NEW1"):
                notice, start = rng.choice(_NOTICES_NEW1)
            elif kind == "NEW2":
                notice, start = rng.choice(_NOTICES_NEW2)
            else:
                notice, start = rng.choice(_NOTICES_BASE[:5])
            if source == SOURCE_NQ71:
                notice, start = None, dt.date(2025, 1, 9)
            first, deadlines, comp = _timeline(rng, kind, outcome, start)
            if special is not None and len(special) == 4:
                fixed: Deadline = special[3]
                assert fixed.date is not None and kind.startswith("PP")
                deadlines = (fixed, fixed, fixed)
                if outcome == "T":
                    comp = _pick_day(rng, D2 + _DAY, min(fixed.date - 2 * _DAY, D3 - _DAY))
                elif outcome == "L":
                    comp = _pick_day(rng, fixed.date + 2 * _DAY, D3 - _DAY)
            if notice is not None:
                # The latest notice that leaves time before the first deadline / completion.
                first_dates = [d.date for d in deadlines if d.date is not None]
                if comp is not None:
                    first_dates.append(comp)
                limit = min(first_dates) if first_dates else D1
                pool = {0: _NOTICES_BASE, 1: _NOTICES_NEW1, 2: _NOTICES_NEW2}[first]
                fits = [n for n in pool if n[1] + dt.timedelta(days=12) <= limit]
                notice = rng.choice(fits or pool[:1])[0]
            leads = _pick_leads(rng, constraint)
            if special is not None:
                group, title, product = special[:3]
                titles.take(title)
            else:
                group, title, product = titles.draw(leads[0], recurring=(kind == "N"))
            lead_text = "; ".join(_spell(rng, a) for a in leads)
            hard_bias = 0.3 if kind in ("OOO", "OOL3", "OOX3") or product == "Luật" else 0.07
            plans.append(
                _Plan(
                    key=len(plans),
                    source=source,
                    group=group,
                    title=title,
                    leads=leads,
                    lead_text=lead_text,
                    support_text=_support(rng, leads),
                    product=product,
                    first=first,
                    deadlines=deadlines,
                    completion=comp,
                    completion_cell=None if comp is None else _completion_cell(rng, comp),
                    difficult=rng.random() < hard_bias,
                    cause=rng.choice(_CAUSES),
                    pick=rng.random(),
                    at_risk=kind.endswith("aug") and rng.random() < 0.5,
                    notice=notice,
                    merge_lead=rng.random() < 0.5,
                )
            )
    return plans


def _order_and_number(source: str, plans: list[_Plan], rng: random.Random) -> list[_Plan]:
    """Sheet order (by group; leads clustered now and then) and stable ids."""
    prefix = "NQ71" if source == SOURCE_NQ71 else "TBKL"
    ordered: list[_Plan] = []
    for group in _GROUPS[source]:
        members = [p for p in plans if p.group == group and p.first == 0]
        rng.shuffle(members)
        cluster: dict[str, int] = {}
        keyed = []
        for i, p in enumerate(members):
            if p.lead_text not in cluster:
                cluster[p.lead_text] = i if rng.random() < 0.4 else -1
            c = cluster[p.lead_text]
            keyed.append(((c if c >= 0 else i), i, p))
        keyed.sort(key=lambda t: (t[0], t[1]))
        ordered += [p for _, _, p in keyed]
    later = [p for p in plans if p.first > 0]
    later.sort(key=lambda p: (p.first, p.key))
    numbered = {}
    for n, p in enumerate(ordered + later, start=1):
        numbered[p.key] = replace(p, task_id=f"{prefix}-{n:03d}")
    # Sheet order: base tasks in their order, later tasks at the end of their group.
    out: list[_Plan] = []
    for group in _GROUPS[source]:
        out += [numbered[p.key] for p in ordered if p.group == group]
        out += [numbered[p.key] for p in later if p.group == group]
    return out


def _status_words(p: _Plan, status: str) -> str:
    def pick(words: tuple[str, ...]) -> str:
        return words[int(p.pick * len(words)) % len(words)]

    if status == "completed_on_time":
        if p.product in _LEGAL_PRODUCTS[:1] + _LEGAL_PRODUCTS[2:] and p.pick < 0.25:
            return _STATUS_ISSUED
        return pick(_STATUS_DONE_ON_TIME)
    if status == "completed_late":
        return pick(_STATUS_DONE_LATE)
    if status == "overdue":
        return pick(_STATUS_OVERDUE)
    if status == "no_deadline":
        return pick(_STATUS_RECURRING)
    if p.at_risk:
        return _STATUS_AT_RISK
    if p.product in _LEGAL_PRODUCTS and p.pick < 0.5:
        return pick(_STATUS_DRAFTING)
    return pick(_STATUS_IN_PROGRESS)


def _snapshot(plans: list[_Plan], index: int) -> list[SampleTask]:
    as_of = AS_OF_DATES[index]
    out: list[SampleTask] = []
    for p in plans:
        if p.first > index:
            continue
        dl = p.deadlines[index]
        done = p.completion is not None and p.completion <= as_of
        comp = p.completion if done else None
        status = status_at(dl.date, comp, as_of)
        moved = [d for d in p.deadlines[: index + 1] if d.date is not None and d.date != dl.date]
        note = None
        if moved:
            old = moved[-1].date
            assert old is not None
            note = f"Điều chỉnh thời hạn (thời hạn cũ: {old.day}/{old.month}/{old.year})"
        elif p.first > 0:
            note = "Nhiệm vụ mới được giao bổ sung"
        cause = None
        if status in ("overdue", "completed_late") or moved or (p.difficult and not done):
            cause = p.cause
        out.append(
            SampleTask(
                task_id=p.task_id,
                source=p.source,
                as_of=as_of,
                group=p.group,
                title=p.title,
                leads=tuple(_agency_name(a) for a in p.leads),
                lead_text=p.lead_text,
                support_text=p.support_text,
                product=p.product,
                notice=p.notice,
                deadline=dl.date,
                deadline_cell=dl.cell,
                deadline_form=dl.form,
                status_text=_status_words(p, status),
                completion=comp,
                completion_cell=p.completion_cell if done else None,
                difficult=p.difficult,
                cause=cause,
                note=note,
                merge_lead=p.merge_lead,
            )
        )
    return out


def build_snapshots() -> dict[tuple[str, dt.date], list[SampleTask]]:
    """The in-memory model of every sample workbook, keyed by (source, as-of date), load order."""
    rng = random.Random(SEED)
    titles = _TitlePool(rng)
    plans = {
        SOURCE_NQ71: _order_and_number(
            SOURCE_NQ71, _build_plans(SOURCE_NQ71, _NQ71_PLAN, rng, titles), rng
        ),
        SOURCE_TBKL: _order_and_number(
            SOURCE_TBKL, _build_plans(SOURCE_TBKL, _TBKL_PLAN, rng, titles), rng
        ),
    }
    out: dict[tuple[str, dt.date], list[SampleTask]] = {}
    for _name, source, as_of in _MANIFEST:
        out[(source, as_of)] = _snapshot(plans[source], AS_OF_DATES.index(as_of))
    return out


def _expected_counts(
    snapshots: dict[tuple[str, dt.date], list[SampleTask]] | None = None,
) -> dict[tuple[str, dt.date], dict[str, int]]:
    """Per (source, as-of): total and tasks per status, computed with the dashboard's rules."""
    snapshots = snapshots or build_snapshots()
    out: dict[tuple[str, dt.date], dict[str, int]] = {}
    for key, tasks in snapshots.items():
        c = Counter(t.status for t in tasks)
        out[key] = {
            "total": len(tasks),
            "completed": c["completed_on_time"] + c["completed_late"],
            "completed_on_time": c["completed_on_time"],
            "completed_late": c["completed_late"],
            "overdue": c["overdue"],
            "in_progress": c["in_progress"],
            "no_deadline": c["no_deadline"],
        }
    return out


# --------------------------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name="Times New Roman", size=11)
_BOLD = Font(name="Times New Roman", size=11, bold=True)
_TITLE = Font(name="Times New Roman", size=13, bold=True)
_ITALIC = Font(name="Times New Roman", size=11, italic=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WRAP = Alignment(horizontal="left", vertical="center", wrap_text=True)
_DATE_FORMAT = "dd/mm/yyyy"

# Layout per source: (field, header, width); TBKL's "Thời hạn" spans two columns (row 5 over 6).
_NQ71_COLUMNS = (
    ("row_no", "STT", 6),
    ("task_id", "Mã nhiệm vụ", 11),
    ("task", "Nội dung nhiệm vụ", 52),
    ("lead", "Cơ quan chủ trì", 24),
    ("support", "Cơ quan phối hợp", 24),
    ("product", "Sản phẩm", 16),
    ("deadline", "Thời hạn hoàn thành", 15),
    ("status", "Tình hình thực hiện", 18),
    ("completion", "Ngày hoàn thành", 13),
    ("issues", "Khó khăn, vướng mắc", 30),
    ("difficulty", "Mức độ khó", 9),
    ("notes", "Ghi chú", 22),
)
_TBKL_COLUMNS = (
    ("row_no", "TT", 6),
    ("notice", "Thông báo kết luận", 18),
    ("task", "Nhiệm vụ", 52),
    ("lead", "Đơn vị chủ trì", 24),
    ("support", "Đơn vị phối hợp", 24),
    ("product", "Kết quả/Sản phẩm", 16),
    ("deadline", "Theo kế hoạch", 15),
    ("completion", "Ngày hoàn thành", 13),
    ("status", "Tình trạng", 18),
    ("issues", "Nguyên nhân", 30),
    ("difficulty", "Mức độ khó", 9),
    ("notes", "Ghi chú", 22),
    ("task_id", "Mã NV", 11),
)
HEADER_ROW = {SOURCE_NQ71: 6, SOURCE_TBKL: 5}  # first header row
DATA_START_ROW = 8  # after the header and the "(1) (2) ..." row, in both layouts


def _fmt_date(d: dt.date) -> str:
    return f"{d.day}/{d.month}/{d.year}"


def _title_block(source: str, as_of: dt.date) -> list[tuple[str, Font]]:
    report_no = {D1: "215", D2: "312", D3: "468"}[as_of]
    report_day = as_of + dt.timedelta(days=1)
    if source == SOURCE_NQ71:
        return [
            ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", _BOLD),
            ("PHỤ LỤC I", _TITLE),
            (
                "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ TẠI NGHỊ QUYẾT SỐ 71/NQ-CP NGÀY 01/4/2025 CỦA CHÍNH PHỦ "
                f"(tính đến ngày {_fmt_date(as_of)})",
                _TITLE,
            ),
            (
                f"(Kèm theo Báo cáo số {report_no}/BC-BKHCN ngày {_fmt_date(report_day)} "
                "của Bộ Khoa học và Công nghệ)",
                _ITALIC,
            ),
        ]
    return [
        ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", _BOLD),
        ("PHỤ LỤC II", _TITLE),
        (
            "TÌNH HÌNH THỰC HIỆN NHIỆM VỤ TẠI CÁC THÔNG BÁO KẾT LUẬN CỦA BAN CHỈ ĐẠO TRUNG ƯƠNG "
            "VỀ PHÁT TRIỂN KHOA HỌC, CÔNG NGHỆ, ĐỔI MỚI SÁNG TẠO VÀ CHUYỂN ĐỔI SỐ",
            _TITLE,
        ),
        (
            f"(Số liệu đến ngày {_fmt_date(as_of)}; kèm theo Báo cáo số {int(report_no) + 1}/BC-BKHCN "
            f"ngày {_fmt_date(report_day)} của Bộ Khoa học và Công nghệ)",
            _ITALIC,
        ),
    ]


def _cell_values(t: SampleTask, row_no: int) -> dict[str, object]:
    return {
        "row_no": row_no,
        "task_id": t.task_id,
        "notice": f"Thông báo số {t.notice}" if t.notice else None,
        "task": t.title,
        "lead": t.lead_text,
        "support": t.support_text or None,
        "product": t.product,
        "deadline": t.deadline_cell,
        "status": t.status_text,
        "completion": t.completion_cell,
        "issues": t.cause,
        "difficulty": "Khó" if t.difficult else None,
        "notes": t.note,
    }


def _footer_lines(source: str, tasks: list[SampleTask]) -> list[str]:
    c = Counter(t.status for t in tasks)
    done = c["completed_on_time"] + c["completed_late"]
    return [
        f"Tổng cộng: {len(tasks)} nhiệm vụ (đã hoàn thành {done}, trong đó đúng hạn "
        f"{c['completed_on_time']}, quá hạn {c['completed_late']}; quá hạn chưa hoàn thành "
        f"{c['overdue']})",
        "",
        "Ghi chú:",
        "- Nhiệm vụ có thời hạn theo tháng, quý, năm được tính đến ngày cuối cùng của kỳ.",
        "- Nhiệm vụ thực hiện thường xuyên không tính quá hạn.",
        "- Số liệu tổng hợp từ báo cáo của các bộ, ngành, địa phương và Hệ thống giám sát, đánh giá.",
        "",
        "Nơi nhận:",
        "- Phó Thủ tướng Nguyễn Chí Dũng (để b/c);",
        "- Văn phòng Chính phủ;",
        "- Các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ;",
        "- UBND các tỉnh, thành phố trực thuộc trung ương;",
        "- Lưu: VT, VP.",
    ]


def _write_snapshot(path: Path, source: str, as_of: dt.date, tasks: list[SampleTask]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục I" if source == SOURCE_NQ71 else "Phụ lục II"
    columns = _NQ71_COLUMNS if source == SOURCE_NQ71 else _TBKL_COLUMNS
    ncol = len(columns)
    last = get_column_letter(ncol)
    col_of = {f: i + 1 for i, (f, _, _) in enumerate(columns)}
    for i, (_, _, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    for r, (text, font) in enumerate(_title_block(source, as_of), start=1):
        cell = ws.cell(row=r, column=1, value=text)
        cell.font = font
        if r == 1:
            ws.merge_cells(f"A1:{get_column_letter(3)}1")
            cell.alignment = Alignment(horizontal="center")
        else:
            ws.merge_cells(f"A{r}:{last}{r}")
            cell.alignment = _CENTER
    ws.row_dimensions[3].height = 36

    h = HEADER_ROW[source]
    if source == SOURCE_NQ71:
        for f, text, _ in columns:
            cell = ws.cell(row=h, column=col_of[f], value=text)
            cell.font, cell.alignment, cell.border = _BOLD, _CENTER, _BORDER
        ws.row_dimensions[h].height = 32
    else:
        for f, text, _ in columns:
            c = col_of[f]
            if f == "deadline":
                ws.cell(row=h, column=c, value="Thời hạn")
                ws.merge_cells(start_row=h, start_column=c, end_row=h, end_column=c + 1)
                ws.cell(row=h + 1, column=c, value=text)
            elif f == "completion":
                ws.cell(row=h + 1, column=c, value=text)
            else:
                ws.cell(row=h, column=c, value=text)
                ws.merge_cells(start_row=h, start_column=c, end_row=h + 1, end_column=c)
        for r in (h, h + 1):
            for c in range(1, ncol + 1):
                cell = ws.cell(row=r, column=c)
                cell.font, cell.alignment, cell.border = _BOLD, _CENTER, _BORDER
    numbers_row = DATA_START_ROW - 1
    for c in range(1, ncol + 1):
        cell = ws.cell(row=numbers_row, column=c, value=f"({c})")
        cell.font, cell.alignment, cell.border = _ITALIC, _CENTER, _BORDER

    row = DATA_START_ROW
    groups = _GROUPS[source]
    counter = 0
    lead_col = col_of["lead"]
    for gi, (gkey, gtitle) in enumerate(groups.items()):
        members = [t for t in tasks if t.group == gkey]
        if not members:
            continue
        ws.cell(row=row, column=1, value=_ROMAN[gi])
        ws.cell(row=row, column=col_of["task"], value=gtitle)
        for c in range(1, ncol + 1):
            cell = ws.cell(row=row, column=c)
            cell.font, cell.alignment, cell.border = _BOLD, _WRAP, _BORDER
        ws.cell(row=row, column=1).alignment = _CENTER
        row += 1
        if source == SOURCE_TBKL:
            counter = 0  # numbering restarts in each section
        run_start = row
        for i, t in enumerate(members):
            counter += 1
            values = _cell_values(t, counter)
            for f, _, _ in columns:
                v = values[f]
                cell = ws.cell(row=row, column=col_of[f], value=v)
                cell.font, cell.border = _FONT, _BORDER
                cell.alignment = _CENTER if f not in ("task", "issues", "support") else _WRAP
                if isinstance(v, dt.date):
                    cell.number_format = _DATE_FORMAT
            # Merge the lead cell over a run of rows with the same single lead.
            nxt = members[i + 1] if i + 1 < len(members) else None
            same = nxt is not None and nxt.lead_text == t.lead_text and len(t.leads) == 1
            if not same:
                first_task = members[i - (row - run_start)]
                if row > run_start and first_task.merge_lead:
                    ws.merge_cells(
                        start_row=run_start, start_column=lead_col, end_row=row, end_column=lead_col
                    )
                run_start = row + 1
            row += 1

    for text in _footer_lines(source, tasks):
        if text:
            cell = ws.cell(row=row, column=1, value=text)
            cell.font = _BOLD if text.endswith(":") or text.startswith("Tổng") else _FONT
        row += 1
    sign = row - 6
    for k, text in enumerate(("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG", "", "", "Bùi Thế Duy")):
        if text:
            cell = ws.cell(row=sign + k, column=col_of["issues"], value=text)
            cell.font, cell.alignment = _BOLD, Alignment(horizontal="center")
    ws.freeze_panes = ws.cell(row=DATA_START_ROW, column=1)
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = f"{h}:{DATA_START_ROW - 1}"
    _save(wb, path)


def _save(wb: Workbook, path: Path) -> None:
    """Save with fixed document times and zip entry times, so the bytes never change."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "Bộ Khoa học và Công nghệ"
    wb.properties.lastModifiedBy = "Bộ Khoa học và Công nghệ"
    buf = io.BytesIO()
    wb.save(buf)
    _normalise_zip(buf.getvalue(), path)


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _normalise_zip(data: bytes, path: Path) -> None:
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    Path(path).write_bytes(out.getvalue())


def generate(directory: Path = SAMPLE_DIR) -> list[SampleFile]:
    """(Re)write every sample workbook into ``directory``; returns them in load order."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    snapshots = build_snapshots()
    files = sample_files(directory)
    for f in files:
        _write_snapshot(f.path, f.source, f.as_of, snapshots[(f.source, f.as_of)])
    return files


# --------------------------------------------------------------------------------------------
# Large workbook for benchmarks
# --------------------------------------------------------------------------------------------


def write_large_workbook(path: Path, n_rows: int, seed: int = 1) -> None:
    """One sheet in the NQ71 appendix layout with ``n_rows`` tasks (unique ids), write-only mode.

    Status words, deadlines and completion dates are consistent at 28/8/2025.
    """
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Phụ lục I")
    columns = _NQ71_COLUMNS
    ncol = len(columns)
    for i, (_, _, width) in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(ncol)
    for r, (text, _font) in enumerate(_title_block(SOURCE_NQ71, D2), start=1):
        ws.append([text])
        ws.merged_cells.add(CellRange(f"A{r}:{'C' if r == 1 else last}{r}"))
    ws.append([])
    header = []
    for _, text, _ in columns:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = _BOLD
        header.append(cell)
    ws.append(header)
    ws.append([f"({c})" for c in range(1, ncol + 1)])

    # Pools drawn once, then sampled per row.
    agencies = [*list(_MINISTRY_WEIGHTS), *("p:" + p for p in _PROVINCES)]
    lead_texts = [[_spell(rng, a) for _ in range(4)] for a in agencies]
    titles: list[tuple[str, str]] = []
    for a in agencies:
        templates = _LOCALITY_TEMPLATES if a.startswith("p:") else _MINISTRY_TEMPLATES
        pool = _TitlePool(rng)
        for _ in range(6):
            _g, title, product = rng.choice(templates)
            titles.append((pool._fill(title, a), product))
    deadlines = [_pick_deadline(rng, dt.date(2025, 3, 1), dt.date(2026, 6, 30)) for _ in range(400)]
    deadlines += [RECURRING] * 8
    n_groups = 5 if n_rows >= 5 else 1
    per_group = -(-n_rows // n_groups)
    width = max(3, len(str(n_rows)))
    group_titles = list(_GROUPS[SOURCE_NQ71].values())
    n = 0
    for g in range(n_groups):
        ws.append([_ROMAN[g], None, group_titles[g]])
        for _ in range(per_group):
            if n >= n_rows:
                break
            n += 1
            ai = rng.randrange(len(agencies))
            title, product = titles[(ai * 6 + rng.randrange(6)) % len(titles)]
            dl = rng.choice(deadlines)
            comp = None
            if dl.date is not None and rng.random() < 0.35:
                comp = dl.date + dt.timedelta(days=rng.randint(-40, 20))
                if comp > D2:
                    comp = None
            status = status_at(dl.date, comp, D2)
            words = {
                "completed_on_time": "Hoàn thành đúng hạn",
                "completed_late": "Hoàn thành quá hạn",
                "overdue": "Quá hạn",
                "in_progress": "Đang thực hiện",
                "no_deadline": "Thường xuyên",
            }
            dcell: object = dl.cell
            if isinstance(dcell, dt.date):
                dcell = WriteOnlyCell(ws, value=dcell)
                dcell.number_format = _DATE_FORMAT
            ws.append(
                [
                    n,
                    f"NQ71-{n:0{width}d}",
                    f"{title} (đợt {n})",
                    rng.choice(lead_texts[ai]),
                    "Các bộ, ngành, địa phương",
                    product,
                    dcell,
                    words[status],
                    None if comp is None else f"{comp:%d/%m/%Y}",
                    rng.choice(_CAUSES) if status in ("overdue", "completed_late") else None,
                    "Khó" if rng.random() < 0.1 else None,
                    None,
                ]
            )
    ws.append([f"Tổng cộng: {n_rows} nhiệm vụ"])
    ws.append([])
    ws.append(["Nơi nhận:"])
    ws.append(["- Lưu: VT, VP."])
    _save(wb, Path(path))


if __name__ == "__main__":
    for f in generate():
        print(f"{f.path}  {f.source}  {f.as_of}")
