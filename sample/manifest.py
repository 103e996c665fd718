"""What the sample is: its two sources, its three dates, the seed, and the bundled files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

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
