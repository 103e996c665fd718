"""The reports' formats, MIME types and file names (ASCII: 'Bộ Tài chính' → 'Bo-Tai-chinh')."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import TYPE_CHECKING

from analytics.i18n import t

if TYPE_CHECKING:
    from analytics.reports.figures import BriefingData

FORMATS = ("pdf", "xlsx", "zip")
MIME = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def slug(text: str) -> str:
    """ASCII file-name part: 'Bộ Tài chính' → 'Bo-Tai-chinh'."""
    text = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60] or "x"


def agency_file_name(data: BriefingData, agency_id: str, lang: str) -> str:
    row = data.agencies.loc[data.agencies["agency_id"] == agency_id]
    name = row.iloc[0]["name_vi"] if len(row) else agency_id
    return f"{slug(agency_id)}_{slug(name)}_{data.as_of.isoformat()}.xlsx"


def file_name(kind: str, as_of: dt.date, lang: str, agency: str | None = None) -> str:
    base = t("report.file_agencies" if kind == "zip" else "report.file_briefing", lang)
    middle = f"-{slug(agency)}" if agency else ""
    return f"{base}{middle}-{as_of.isoformat()}.{kind}"
