"""Formal reports (báo cáo): the briefing as an A4 PDF and as an Excel workbook, and one Excel
file per agency in a zip ("gửi từng bộ, ngành, địa phương"). No Streamlit here: the dashboard
(ui/reports.py) and the command line (`python -m analytics report`, analytics/cli/report.py)
call the same functions, so a daily job writes the very files a user downloads.

    figures.py       BriefingData and build_briefing: the figures, sentences, scope, snapshots
    pdf_kit.py       the A4 document, tables and charts (no figures)
    pdf.py           the briefing PDF, one function per section
    xlsx.py          the briefing workbook and the frames its sheets show
    agency_files.py  one workbook per agency, and the zip of them
    file_names.py    formats, MIME types, file names
"""

from analytics.reports.agency_files import (
    agency_files,
    agency_ids_in,
    agency_xlsx,
    agency_zip,
    zip_agency_files,
)
from analytics.reports.figures import (
    BriefingData,
    audit_head_text,
    build_briefing,
    footnote,
    headline_parts,
    headline_sentence,
    overall_sentence,
    previous_date,
    scope_text,
    snapshots_text,
)
from analytics.reports.file_names import FORMATS, MIME, agency_file_name, file_name, slug
from analytics.reports.pdf import briefing_pdf, render_pdf
from analytics.reports.xlsx import briefing_xlsx

__all__ = [
    "FORMATS",
    "MIME",
    "BriefingData",
    "agency_file_name",
    "agency_files",
    "agency_ids_in",
    "agency_xlsx",
    "agency_zip",
    "audit_head_text",
    "briefing_pdf",
    "briefing_xlsx",
    "build_briefing",
    "file_name",
    "footnote",
    "headline_parts",
    "headline_sentence",
    "overall_sentence",
    "previous_date",
    "render_pdf",
    "scope_text",
    "slug",
    "snapshots_text",
    "zip_agency_files",
]
