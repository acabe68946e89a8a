"""What a preview request asks (``PreviewAsk``, checked), and ``Previews``: the span from the
store, the cut from the source, kept in a ``PreviewCache`` under a key that names everything the
bytes depend on (video, its indexing, kind, span, size, sound, format), so a hit is never stale."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ashen.errors import AshenError, NotFoundError
from ashen.media.inputs import STILL_FORMATS, VIDEO_FORMATS
from ashen.preview.cutting import WIDTHS, clip_command, run_cut, still_command
from ashen.preview.shots import Span, preview_span
from ashen.records import VideoRecord
from ashen.store.port import SceneStore

CONTENT_TYPES = {"mp4": "video/mp4", "jpg": "image/jpeg", "webp": "image/webp"}
DEFAULT_SIZE = "m"
_FLAGS = {"": True, "1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


class PreviewInputError(AshenError):
    """A preview request's ``size`` or ``mute`` is not one the API knows."""


@dataclass(frozen=True)
class PreviewAsk:
    video_id: str
    kind: str  # "video" or "image"
    t: float
    size: str = DEFAULT_SIZE
    mute: bool = False
    image_format: str = "jpg"  # a still's format: "jpg" or "webp"

    @property
    def extension(self) -> str:
        return "mp4" if self.kind == "video" else self.image_format


def preview_ask(video_id: str, kind: str, t: float, params: Mapping[str, str], accept: str = "") -> PreviewAsk:
    """The request checked: ``size`` one of s/m/l (default m), ``mute`` a flag (``&mute`` alone,
    or 1/0, true/false); a still is WebP when ``accept`` names image/webp, else JPEG."""
    size = params.get("size", DEFAULT_SIZE) or DEFAULT_SIZE
    if size not in WIDTHS:
        raise PreviewInputError(f"size must be one of {', '.join(WIDTHS)}, not {size[:20]!r}")
    mute_text = params.get("mute")
    if mute_text is not None and mute_text.lower() not in _FLAGS:
        raise PreviewInputError(f"mute is a flag (&mute, mute=1 or mute=0), not {mute_text[:20]!r}")
    mute = mute_text is not None and _FLAGS[mute_text.lower()]
    image_format = "webp" if "image/webp" in accept.lower() else "jpg"
    return PreviewAsk(video_id, kind, t, size, mute and kind == "video", image_format)


@dataclass(frozen=True)
class Preview:
    """A preview ready in the cache under ``key``: what it shows (``span``; a still's is one
    instant), its content type, an ETag, and whether it was there already (``hit``)."""

    key: str
    content_type: str
    span: Span
    etag: str
    hit: bool


class PreviewCache(Protocol):
    def has(self, key: str) -> bool: ...

    def put(self, key: str, path: Path, content_type: str) -> None:
        """Keep the file at ``path`` under ``key`` (it may be moved)."""


@dataclass(frozen=True)
class FolderCache:
    """Previews as files under ``root`` (``ashen serve``: <ASHEN_HOME>/previews)."""

    root: Path

    def has(self, key: str) -> bool:
        return (self.root / key).is_file()

    def put(self, key: str, path: Path, content_type: str) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)  # atomic: a reader sees the whole file or none

    def read(self, key: str) -> bytes:
        return (self.root / key).read_bytes()


@dataclass(frozen=True)
class Previews:
    """Previews of the videos of ``store``, read from ``source_of(video)`` (a path, or a URL
    ffmpeg may read) and kept in ``cache``; ffmpeg writes under ``workdir`` (None: the system's)."""

    store: SceneStore
    cache: PreviewCache
    source_of: Callable[[VideoRecord], str] = lambda video: video.source
    workdir: Path | None = None

    def make(self, ask: PreviewAsk) -> Preview:
        video = self.store.get_video(ask.video_id)
        if video is None:
            raise NotFoundError(f"no video {ask.video_id[:64]!r}")
        if video.still and ask.kind == "video":
            raise NotFoundError(f"{video.filename} is a still image: it has an image preview, no video one")
        t = min(max(0.0, ask.t), video.duration or ask.t)
        span = preview_span(self.store, video, t) if ask.kind == "video" else Span(t, t)
        key = cache_key(video, ask, span)
        etag = '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'
        content_type = CONTENT_TYPES[ask.extension]
        if self.cache.has(key):
            return Preview(key, content_type, span, etag, hit=True)
        with tempfile.TemporaryDirectory(prefix="ashen-preview-", dir=self.workdir) as tmp:
            out = Path(tmp) / f"preview.{ask.extension}"
            source = self.source_of(video)
            if ask.kind == "video":
                run_cut(clip_command(source, span, ask.size, ask.mute, out), out)
            else:
                formats = STILL_FORMATS if video.still else VIDEO_FORMATS  # a still's preview: the image itself
                run_cut(still_command(source, t, ask.size, ask.image_format, out, formats), out)
            self.cache.put(key, out, content_type)
        return Preview(key, content_type, span, etag, hit=False)


def cache_key(video: VideoRecord, ask: PreviewAsk, span: Span) -> str:
    """``<video id>/<indexing stamp>/<kind>-<start>-<end>-<size>[-mute].<ext>``: a re-indexed
    video (a new upload) gets new keys, and every parameter of the cut is in the name."""
    sound = "-mute" if ask.mute else ""
    stamp = f"{video.indexed_at:.0f}"
    return f"{video.id}/{stamp}/{ask.kind}-{span.start:.3f}-{span.end:.3f}-{ask.size}{sound}.{ask.extension}"
