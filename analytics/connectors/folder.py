"""kind "folder": a directory an exporting system drops files into (an SFTP target).

Each new file is taken once, oldest first (by modification time, then name), and moved by the
pull when it is done with it (`settle`): to `processed/` inside the folder when it was ingested
or unchanged, to `rejected/` with a `<name>.txt` beside it saying why, in both languages. A file
that goes on into `processed/` or `rejected/` under a name already there gets the time added.

Left for the next pull: a file still being written (its size changes between two looks
`LOOK_S` seconds apart, or it was modified less than the source's `settle_seconds` ago), and
hidden and partial files (names starting with "." or "~$", ending with ".part", ".partial",
".filepart", ".crdownload" or ".tmp"). Subfolders are not read. A file larger than the upload
cap is refused (moved to rejected/) without being read.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from analytics import connectors
from analytics.connectors import Payload, Rejected, Unreachable, problem
from analytics.connectors.sources import Source
from analytics.i18n import t

log = logging.getLogger(__name__)

LOOK_S = 1.0  # the wait between the two looks at a file's size
PROCESSED = "processed"
REJECTED = "rejected"
HIDDEN_PREFIXES = (".", "~$")
PARTIAL_SUFFIXES = (".part", ".partial", ".filepart", ".crdownload", ".tmp")


class NothingNew(Exception):
    """The folder holds no settled new file."""


def _folder(source: Source) -> Path:
    folder = Path(source.path or "")
    if not folder.is_dir() or not os.access(folder, os.R_OK | os.X_OK):
        raise Unreachable.said(
            "connectors.folder_missing",
            code="no_folder",
            source=source.name,
            path=source.path,
        )
    return folder


def ignored(name: str) -> bool:
    """A hidden or partial file's name (never taken)."""
    lower = name.lower()
    return name.startswith(HIDDEN_PREFIXES) or lower.endswith(PARTIAL_SUFFIXES)


def pending(source: Source, *, between: Callable[[], None] | None = None) -> list[Path]:
    """The settled new files of the folder, oldest first (Unreachable when it cannot be read).
    `between`: what happens between the two looks (default: waiting LOOK_S seconds)."""
    folder = _folder(source)
    now = time.time()
    first: dict[Path, tuple[int, float]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        raise Unreachable.said(
            "connectors.folder_missing", code="no_folder", source=source.name, path=source.path
        ) from None
    for entry in entries:
        if ignored(entry.name) or not entry.is_file(follow_symlinks=False):
            continue
        st = entry.stat(follow_symlinks=False)
        if now - st.st_mtime < source.settle_seconds:
            continue  # written a moment ago: maybe still being written
        first[Path(entry.path)] = (st.st_size, st.st_mtime)
    if not first:
        return []
    (between or (lambda: time.sleep(LOOK_S)))()
    settled = []
    for path, (size, mtime) in first.items():
        try:
            st = path.stat()
        except OSError:
            continue  # taken away meanwhile
        if (st.st_size, st.st_mtime) == (size, mtime):
            settled.append((mtime, path.name, path))
    return [path for _, _, path in sorted(settled)]


def read(source: Source, path: Path) -> Payload:
    """One file of the folder as a Payload (Rejected when larger than the cap)."""
    size = path.stat().st_size
    if size > source.cap:
        mb = f"{source.cap / 2**20:.3g}"
        raise Rejected(
            [
                problem(
                    "connectors.too_large", code="too_large", value=size, source=source.name, mb=mb
                )
            ]
        )
    with path.open("rb") as fh:
        data = fh.read(source.cap + 1)
    if len(data) > source.cap:  # grew meanwhile
        raise Rejected(
            [
                problem(
                    "connectors.too_large",
                    code="too_large",
                    value=len(data),
                    source=source.name,
                    mb=f"{source.cap / 2**20:.3g}",
                )
            ]
        )
    if not data:
        raise Rejected([problem("connectors.empty", code="empty", source=source.name)])
    return Payload(
        source=source.name,
        data=data,
        file_name=path.name,
        as_of=None,
        fetched_at=connectors.utc_now(),
        detail=str(path),
    )


def fetch(source: Source) -> Payload:
    """The oldest settled new file (NothingNew when there is none)."""
    files = pending(source)
    if not files:
        raise NothingNew(source.name)
    return read(source, files[0])


def _free(target: Path) -> Path:
    """`target`, or the same name with the time added when a file of that name is there."""
    if not target.exists():
        return target
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    return target.with_name(f"{target.stem}.{stamp}{target.suffix}")


def settle(source: Source, path: Path, accepted: bool, problems=(), lang_time: str = "") -> Path:
    """Move a file the pull is done with: processed/ (accepted: ingested or unchanged) or
    rejected/ with a .txt beside it naming every problem in both languages. The new path."""
    folder = path.parent / (PROCESSED if accepted else REJECTED)
    folder.mkdir(exist_ok=True)
    target = _free(folder / path.name)
    os.replace(path, target)
    if not accepted:
        when = lang_time or connectors.utc_now().isoformat(sep=" ")
        lines = []
        for lang, attr in (("vi", "message_vi"), ("en", "message")):
            lines.append(
                t("connectors.folder_note", lang, file=path.name, source=source.name, time=when)
            )
            lines.extend(f"- {getattr(p, attr)}" for p in problems)
            lines.append("")
        target.with_name(target.name + ".txt").write_text("\n".join(lines), encoding="utf-8")
    log.info("pull %s: %s moved to %s", source.name, path.name, target.parent.name)
    return target
