"""A large workbook in the NQ71 appendix layout, for the benchmarks and the ingest tests."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange

from analytics.statuses import judge
from sample.deadlines import RECURRING, Deadline, _pick_deadline
from sample.manifest import D2, SOURCE_NQ71
from sample.vocabulary import (
    _CAUSES,
    _GROUPS,
    _LOCALITY_TEMPLATES,
    _MINISTRY_TEMPLATES,
    _MINISTRY_WEIGHTS,
    _PROVINCES,
    _ROMAN,
    _spell,
    _TitlePool,
)
from sample.workbooks import _BOLD, _DATE_FORMAT, _NQ71_COLUMNS, _save, _title_block

# Status words per status (what the rows say of themselves at 28/8/2025).
_WORDS = {
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "overdue": "Quá hạn",
    "in_progress": "Đang thực hiện",
    "no_deadline": "Thường xuyên",
}
# A row completed (35 %) is completed between 40 days before and 20 days after its deadline.
_COMPLETION_OFFSETS = range(-40, 21)


def _statuses_by_dates(deadlines: list[Deadline], as_of: dt.date) -> dict[tuple, str]:
    """The status at as_of of every (deadline, completion) a row can have, judged at once by the
    project's rule (analytics.statuses.judge): each status is needed before the row's next draw
    (the cause), so the rows cannot wait for one judgement of them all."""
    keys = {(d.date, None) for d in deadlines}
    keys |= {
        (d.date, d.date + dt.timedelta(days=k))
        for d in deadlines
        if d.date is not None
        for k in _COMPLETION_OFFSETS
        if d.date + dt.timedelta(days=k) <= as_of
    }
    pairs = list(keys)
    return dict(zip(pairs, judge(((None, d, c) for d, c in pairs), as_of), strict=True))


def _header(ws) -> None:
    """The title block, the column headers and the "(1) (2) ..." row."""
    ncol = len(_NQ71_COLUMNS)
    for i, (_, _, width) in enumerate(_NQ71_COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    last = get_column_letter(ncol)
    for r, (text, _font) in enumerate(_title_block(SOURCE_NQ71, D2), start=1):
        ws.append([text])
        ws.merged_cells.add(CellRange(f"A{r}:{'C' if r == 1 else last}{r}"))
    ws.append([])
    header = []
    for _, text, _ in _NQ71_COLUMNS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = _BOLD
        header.append(cell)
    ws.append(header)
    ws.append([f"({c})" for c in range(1, ncol + 1)])


def _pools(rng: random.Random):
    """Agencies, how each is written, titles and deadlines: drawn once, then sampled per row."""
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
    return agencies, lead_texts, titles, deadlines


def write_large_workbook(path: Path, n_rows: int, seed: int = 1) -> None:
    """One sheet in the NQ71 appendix layout with ``n_rows`` tasks (unique ids), write-only mode.

    Status words, deadlines and completion dates are consistent at 28/8/2025.
    """
    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Phụ lục I")
    _header(ws)
    agencies, lead_texts, titles, deadlines = _pools(rng)
    status_of = _statuses_by_dates(deadlines, D2)
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
            status = status_of[(dl.date, comp)]
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
                    _WORDS[status],
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
