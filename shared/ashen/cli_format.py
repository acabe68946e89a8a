"""How the `ashen` command prints for people: tables with a header row, lengths of video as
h:mm:ss, moments as h:mm:ss.mmm, sizes in MiB. (``--json`` prints the raw numbers instead.)"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MIB = 2**20


def duration(seconds: float | None) -> str:
    """A length of video or of work, to the second: ``1:02:03``, ``0:00:26``; ``-`` when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def timecode(seconds: float) -> str:
    """A moment in a video, to the millisecond: ``0:07:03.440``."""
    millis = max(0, round(seconds * 1000))
    secs, millis = divmod(millis, 1000)
    minutes, secs = divmod(secs, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}.{millis:03d}"


def mebibytes(size: int) -> str:
    """A size in MiB, one decimal (two below 1 MiB, so a small store is not "0.0 MiB")."""
    return f"{size / MIB:.{1 if size >= MIB else 2}f} MiB"


@dataclass(frozen=True)
class Column:
    """A table's column: its header, and whether its cells align right (numbers) or left (words)."""

    header: str
    right: bool = False


def table(columns: Sequence[Column], rows: Iterable[Sequence[object]], indent: str = "") -> list[str]:
    """The lines of a table: a header row, then one line per row, columns two spaces apart."""
    cells = [[c.header for c in columns], *([str(v) for v in row] for row in rows)]
    if any(len(row) != len(columns) for row in cells):
        raise ValueError("every row of a table has one cell per column")
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]

    def line(row: list[str]) -> str:
        parts = (v.rjust(w) if c.right else v.ljust(w) for c, v, w in zip(columns, row, widths, strict=True))
        return (indent + "  ".join(parts)).rstrip()

    return [line(row) for row in cells]


def pairs(items: Sequence[tuple[str, object]]) -> list[str]:
    """Labelled values, one a line, the values aligned: ``videos      3``."""
    width = max((len(label) for label, _ in items), default=0)
    return [f"{label.ljust(width)}  {value}" for label, value in items]
