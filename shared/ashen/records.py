"""Plain records shared by the domain and the storage adapters."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from ashen.box import Box


class VideoStatus(StrEnum):
    """Where a video is in its indexing. Stored and sent as the plain string (``"indexed"``)."""

    INDEXING = "indexing"
    INDEXED = "indexed"
    FAILED = "failed"


class VideoKind(StrEnum):
    """What an entry of the library is: a ``video`` (scenes with times) or a ``still`` (one image:
    a cover, fan art, a visual-novel CG; one scene, no times). Stored and sent as the string."""

    VIDEO = "video"
    STILL = "still"


@dataclass
class VideoRecord:
    """One indexed (or indexing) video, or still image (``kind``)."""

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
    status: VideoStatus = VideoStatus.INDEXED
    error: str = ""
    segments_planned: int = 0
    segments_done: int = 0
    indexed_at: float = 0.0
    picture: Box | None = None  # inside baked-in bars, if any; [top, bottom, left, right] in to_dict
    extra: dict[str, str] = field(default_factory=dict)
    anilist: int | None = None  # the AniList id of the show, if known
    mal: int | None = None  # its MyAnimeList id, if given
    kind: VideoKind = VideoKind.VIDEO  # a record written before stills existed is a video

    @property
    def still(self) -> bool:
        return self.kind == VideoKind.STILL

    def to_dict(self) -> dict[str, object]:
        """The record as plain JSON values: ``status`` and ``kind`` their strings, ``picture`` a list."""
        data = asdict(self)
        data["status"] = str(self.status)
        data["kind"] = str(self.kind)
        data["picture"] = list(self.picture) if self.picture is not None else None
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VideoRecord:
        """A record read back from ``to_dict``'s form; keys it does not know (written by another
        version) are left out."""
        known = {k: v for k, v in data.items() if k in _VIDEO_FIELDS}
        if "status" in known:
            known["status"] = VideoStatus(known["status"])
        if "kind" in known:
            known["kind"] = VideoKind(known["kind"])
        if known.get("picture") is not None:
            known["picture"] = Box(*known["picture"])
        return cls(**known)


_VIDEO_FIELDS = frozenset(f.name for f in fields(VideoRecord))


@dataclass(frozen=True)
class VideoEdit:
    """What editing a video sets, without indexing it again: its title, episode, AniList id and
    MyAnimeList id (None clears all but the title)."""

    title: str
    episode: str | None = None
    anilist: int | None = None
    mal: int | None = None

    @classmethod
    def of(cls, video: VideoRecord) -> VideoEdit:
        """The video's editable fields as they are."""
        return cls(video.title, video.episode, video.anilist, video.mal)

    def apply(self, video: VideoRecord) -> None:
        """Set these fields on ``video``."""
        video.title, video.episode, video.anilist, video.mal = self.title, self.episode, self.anilist, self.mal

    def changes(self) -> dict[str, object]:
        """The fields as ``VideoRecord.to_dict`` names them."""
        return {"title": self.title, "episode": self.episode, "anilist": self.anilist, "mal": self.mal}


def listing_key(video: VideoRecord) -> tuple[str, str, str, str]:
    """Where a video sorts in every store's listing: title, episode, file name, then id (unique)."""
    return (video.title, video.episode or "", video.filename, video.id)


def listing_order(videos: Iterable[VideoRecord]) -> list[VideoRecord]:
    """Videos in the order every store lists them: by title, then episode, then file name."""
    return sorted(videos, key=listing_key)


@dataclass(frozen=True)
class VideoPage:
    """One page of the listing: ``videos`` in listing order, and the listing key of the last one
    when more may follow (pass it back as ``after``), else None."""

    videos: list[VideoRecord]
    last: tuple[str, str, str, str] | None


@dataclass(frozen=True)
class Scene:
    """One stored entry: frames from ``start`` to ``end`` (seconds, inclusive) share ``signature``.

    ``at`` is the representative time (the middle frame); ``frames`` how many frames merged;
    ``luma`` the frames' mean luma grid (see ashen.descriptors.luma_grid; empty when not computed);
    ``cut`` whether the scene starts a shot (previews never cross one, see ashen.preview.shots).
    Made by ashen.indexing.scenes.scenes_of; its times come in the order Candidate reads them back.
    """

    start: float
    at: float
    end: float
    frames: int
    signature: bytes  # packed, 21 bytes
    luma: bytes = b""  # its luma grid, 256 bytes (stored as "layout")
    cut: bool = False  # its first frame starts a new shot (a cut; see ashen.indexing.scenes)

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.start,
            "at": self.at,
            "to": self.end,
            "frames": self.frames,
            "signature": self.signature.hex(),
            "luma": self.luma.hex(),
            "cut": self.cut,
        }


@dataclass(frozen=True)
class Candidate:
    """A stored scene read back from a bucket."""

    video_id: str
    start: float
    at: float
    end: float
    signature: bytes
    luma: bytes = b""  # luma grid (ashen.descriptors.luma_grid); empty in stores written before luma grids
    cut: bool = False  # the scene starts a shot (False in stores written before shots were recorded)
    revision: str = ""  # the revision tag of the upload it was hashed from ("" where every scene answers: SQLite)


@dataclass(frozen=True)
class StoreStats:
    videos: int
    frames: int
    scenes: int
    size_bytes: int


@dataclass(frozen=True)
class UploadRequest:
    """A video a client is about to upload: its file name, how to call it, its size in bytes."""

    filename: str
    title: str
    episode: str | None
    size: int


@dataclass(frozen=True)
class UploadTicket:
    """Where to send an upload: ``url`` with ``method``, the form ``fields`` to send before the file
    (a presigned POST on S3; none locally, where the body is the file), until ``expires`` (seconds
    since the epoch). ``video_id`` is the id the video will have once it arrives."""

    video_id: str
    url: str
    fields: dict[str, str]
    expires: float
    method: str = "POST"


@dataclass(frozen=True)
class FileEntry:
    """A file of the local library as it was when last indexed: its absolute ``path``, ``size``
    (bytes), ``mtime_ns``, its content **fingerprint** (ashen.indexing.catalog) and the video it is.
    Several files may be one video (copies of the same content)."""

    path: str
    size: int
    mtime_ns: int
    fingerprint: str
    video_id: str
