"""Typed results: frozen dataclasses, one per schema of openapi.json (tests check they match).

Each field names its JSON property in its metadata (``json``) where the two differ; properties the
API adds later are ignored, so an older SDK keeps working against a newer server.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from typing import Any

Json = dict[str, Any]


def _as(name: str, default: Any = None) -> Any:
    """A field read from JSON property ``name`` (and ``default`` when the answer leaves it out)."""
    return field(default=default, metadata={"json": name})


def json_names(cls: type) -> dict[str, str]:
    """Field name -> JSON property name of a model class."""
    return {f.name: f.metadata.get("json", f.name) for f in fields(cls)}


def as_json(value: Any) -> Any:
    """A model (or a tuple, list or dict of them) as the API's JSON names it (``videoId``, ``from``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = json_names(type(value))
        return {names[f.name]: as_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def _plain(cls: type, data: Json) -> dict[str, Any]:
    """The fields of ``cls`` read from ``data`` as they are (missing ones keep their default)."""
    return {name: data[key] for name, key in json_names(cls).items() if key in data}


@dataclass(frozen=True)
class AnilistInfo:
    """trace.moe's AniList object of a match (``search(..., anilist_info=True)``)."""

    id: int
    id_mal: int | None = _as("idMal")
    title: dict[str, str | None] = field(default_factory=dict)
    synonyms: tuple[str, ...] = ()
    is_adult: bool = _as("isAdult", False)

    @classmethod
    def from_json(cls, data: Json) -> AnilistInfo:
        out = _plain(cls, data)
        out["synonyms"] = tuple(data.get("synonyms") or ())
        return cls(**out)


@dataclass(frozen=True)
class Match:
    """One answer: the video, the moment (``start``, ``at``, ``end`` in seconds; None for a still), how similar,
    whether confident, which reading of the query matched, and its preview URLs when served."""

    title: str
    episode: str | None
    filename: str
    video_id: str = _as("videoId", "")
    kind: str = "video"  # or "still": an image (a cover, fan art, a CG) with no times
    start: float | None = _as("from", 0.0)  # None for a still
    at: float | None = 0.0
    end: float | None = _as("to", 0.0)
    similarity: float = 0.0
    confident: bool = False
    reading: str | None = None
    video_url: str | None = _as("video")
    image_url: str | None = _as("image")
    anilist: int | AnilistInfo | None = None
    duration: float | None = None

    @classmethod
    def from_json(cls, data: Json) -> Match:
        out = _plain(cls, data)
        if isinstance(data.get("anilist"), dict):
            out["anilist"] = AnilistInfo.from_json(data["anilist"])
        return cls(**out)


@dataclass(frozen=True)
class SearchResponse:
    """The answer to one search: its matches (``result``), best first; ``frame_count`` scenes
    compared; ``flat`` for a picture too plain to tell videos apart."""

    frame_count: int = _as("frameCount", 0)
    error: str = ""
    result: tuple[Match, ...] = ()
    flat: bool = False

    @classmethod
    def from_json(cls, data: Json) -> SearchResponse:
        out = _plain(cls, data)
        out["result"] = tuple(Match.from_json(m) for m in data.get("result") or ())
        return cls(**out)


@dataclass(frozen=True)
class Video:
    """A video of the library: its names, shape, status (``indexing``, ``indexed``, ``failed``)
    and indexing progress."""

    id: str = ""
    title: str = ""
    episode: str | None = None
    anilist: int | None = None
    mal: int | None = None
    filename: str = ""
    kind: str = "video"  # or "still": one image, no duration or fps
    duration: float | None = None
    fps: float | None = None
    width: int = 0
    height: int = 0
    picture: tuple[int, int, int, int] | None = None  # inside baked-in bars: top, bottom, left, right
    frames: int = 0
    scenes: int = 0
    status: str = ""
    error: str = ""
    segments_planned: int = 0
    segments_done: int = 0
    indexed_at: float | None = None
    progress: float | None = None

    @property
    def shape(self) -> float | None:
        """Width / height of the picture its scenes were hashed in (inside baked-in bars)."""
        top, bottom, left, right = self.picture or (0, self.height, 0, self.width)
        return (right - left) / (bottom - top) if bottom > top else None

    @classmethod
    def from_json(cls, data: Json) -> Video:
        out = _plain(cls, data)
        if out.get("picture") is not None:
            out["picture"] = tuple(out["picture"])
        return cls(**out)


@dataclass(frozen=True)
class VideoPage:
    """One page of ``GET /videos``; ``cursor`` asks for the next (None on the last page)."""

    videos: tuple[Video, ...]
    cursor: str | None = None

    @classmethod
    def from_json(cls, data: Json) -> VideoPage:
        return cls(tuple(Video.from_json(v) for v in data.get("videos") or ()), data.get("cursor"))


@dataclass(frozen=True)
class Removal:
    """``DELETE /videos/{id}``: the video removed, or being removed."""

    video_id: str = _as("videoId", "")
    status: str = ""

    @classmethod
    def from_json(cls, data: Json) -> Removal:
        return cls(**_plain(cls, data))


@dataclass(frozen=True)
class UploadTarget:
    """Where to send a video's bytes: the URL, the form ``fields`` to send first (S3; none
    locally) and the method."""

    url: str
    fields: dict[str, str] = field(default_factory=dict)
    method: str = "POST"

    @classmethod
    def from_json(cls, data: Json) -> UploadTarget:
        return cls(**_plain(cls, data))


@dataclass(frozen=True)
class Upload:
    """``POST /uploads``: the id the video will have, where to upload it, and until when."""

    video_id: str = _as("videoId", "")
    upload: UploadTarget = field(default_factory=lambda: UploadTarget(""))
    expires: float = 0.0

    @classmethod
    def from_json(cls, data: Json) -> Upload:
        out = _plain(cls, data)
        out["upload"] = UploadTarget.from_json(data.get("upload") or {})
        return cls(**out)


@dataclass(frozen=True)
class Me:
    """``GET /me``: who the caller counts as (a key's name, or ``anonymous``), its role, and its day."""

    name: str
    role: str
    quota: int = 0
    used: int = 0
    remaining: int = 0
    rate: int = 0
    reset: str = ""
    reset_epoch: int = _as("resetEpoch", 0)
    id: str = ""
    priority: int = 0
    concurrency: int = 1
    quota_used: int = _as("quotaUsed", 0)

    @classmethod
    def from_json(cls, data: Json) -> Me:
        return cls(**_plain(cls, data))
