"""Plain records shared by the domain and the storage adapters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field


@dataclass
class VideoRecord:
    """One indexed (or indexing) video."""

    id: str
    title: str
    filename: str
    source: str
    episode: str | None = None
    duration: float | None = None
    fps: float | None = None
    width: int = 0
    height: int = 0
    frames: int = 0
    scenes: int = 0
    status: str = "indexed"  # indexing | indexed | failed
    error: str = ""
    segments_planned: int = 0
    segments_done: int = 0
    indexed_at: float = 0.0
    picture: list[int] | None = None  # [top, bottom, left, right] inside baked-in bars, if any
    extra: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def listing_order(videos: Iterable[VideoRecord]) -> list[VideoRecord]:
    """Videos in the order every store lists them: by title, then episode, then file name."""
    return sorted(videos, key=lambda v: (v.title, v.episode or "", v.filename))


@dataclass(frozen=True)
class Candidate:
    """A stored scene read back from a bucket."""

    video_id: str
    start: float
    at: float
    end: float
    signature: bytes
    layout: bytes = b""  # 16x16 luma (ashen.descriptors.luma_grid); empty in stores written before layouts


@dataclass(frozen=True)
class StoreStats:
    videos: int
    frames: int
    scenes: int
    size_bytes: int
