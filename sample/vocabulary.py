"""The sample's words: agencies (a subset of data/reference: official names, short forms, former
names, how reports spell them), task titles, groups, causes, status words and the notices."""

from __future__ import annotations

import datetime as dt
import random

from sample.manifest import SOURCE_NQ71, SOURCE_TBKL

# --------------------------------------------------------------------------------------------
# Agencies
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
