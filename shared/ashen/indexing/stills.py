"""Stills: an image (a cover, fan art, a visual-novel CG) indexed as one entry with no times.

A still is decoded as a query image is (``ashen.query.images``: the accepted formats and the
decoding budget, EXIF orientation, transparency laid over ``ashen.media.alpha.BACKGROUND``) and
stored as one scene holding the descriptors every frame gets, its signature and its luma grid, of
the picture inside bars baked into it (as a video's frames are hashed) read as a query's
``original`` reading is. Every reading of a query (trimmed,
mirrored, un-cropped, tones undone, luma-only...) is then compared with it as with a frame, and a
screenshot or JPEG of it lands as close to it as a screenshot of a frame lands to its scene.

This module needs Pillow; ``ashen.indexing.indexer`` imports it only for a still, so the hash
Lambda (no Pillow) never loads it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ashen.box import Box
from ashen.descriptors.luma_grid import pack_grid
from ashen.descriptors.signature import pack
from ashen.errors import ImageError
from ashen.indexing.indexer import IndexOptions, IndexReport, keyed, video_id_for
from ashen.query.borders import common_box, picture_box
from ashen.query.images import MAX_IMAGE_BYTES, load_frames, read_image_file
from ashen.query.readings import ReadingOptions, query_readings
from ashen.records import Scene, VideoKind, VideoRecord, VideoStatus
from ashen.store.port import SceneStore

MAX_STILL_BYTES = MAX_IMAGE_BYTES  # a still is an image the query path accepts
# The picture as given, nothing else: what the index stores of a frame.
_AS_GIVEN = ReadingOptions(mirrors=False, borders=False, crops=False, tones=False)


def is_animated_gif(path: str) -> bool:
    """Whether a GIF file holds more than one frame (it is then indexed as a video, by ffmpeg); a
    file Pillow cannot open as a GIF counts as animated, so that ffmpeg says what it is."""
    try:
        with Image.open(path, formats=("GIF",)) as img:
            return bool(getattr(img, "is_animated", False))
    except (OSError, SyntaxError, ValueError):
        return True


@dataclass(frozen=True)
class StillEntry:
    """What a still image stores: its scene (at time 0) and its bucket key, the size it was decoded
    at (a large image is box-reduced) and the picture inside bars baked into it, if any."""

    bucket: str
    scene: Scene
    width: int
    height: int
    picture: Box | None


def still_entry(data: bytes, name: str) -> StillEntry:
    """The one entry of a still image (its bytes), hashed inside bars baked into it (symmetric
    pairs, as a video's are: ashen.indexing.picture) as a video's frames are, so a screenshot
    with bars of its own is found by its trimmed reading. ImageError when it is no image the query
    path accepts, or too plain to tell from others (``flat``: nothing would be stored)."""
    try:
        frames = load_frames(data, max_frames=1)
    except ImageError as exc:
        raise type(exc)(f"{name}: {exc}") from None
    rgb = frames[0][1]
    height, width = rgb.shape[:2]
    picture = common_box([picture_box(rgb)], height, width, min_votes=1)
    reading = query_readings(picture.of(rgb) if picture is not None else rgb, _AS_GIVEN)[0]
    luma = pack_grid(reading.luma) if reading.luma is not None else b""
    scene = Scene(0.0, 0.0, 0.0, 1, pack(reading.values).tobytes(), luma, cut=True)
    rows = keyed([scene])
    if not rows:
        raise ImageError(f"{name}: the image is nearly uniform (black, white or one colour): nothing to index")
    return StillEntry(rows[0][0], scene, int(width), int(height), picture)


def still_record(video_id: str, name: str, source: str, entry: StillEntry, options: IndexOptions) -> VideoRecord:
    """The record of an indexed still: kind ``still``, one frame, one scene, no duration."""
    return VideoRecord(
        id=video_id,
        title=options.title or Path(name).stem,
        filename=name,
        source=source,
        episode=options.episode,
        width=entry.width,
        height=entry.height,
        picture=entry.picture,
        frames=1,
        scenes=1,
        status=VideoStatus.INDEXED,
        indexed_at=time.time(),
        anilist=options.anilist,
        mal=options.mal,
        kind=VideoKind.STILL,
    )


def index_still(store: SceneStore, source: str, options: IndexOptions | None = None) -> IndexReport:
    """Index one still image file into the store, replacing whatever it held for the same file.
    Nothing is written when the image cannot be read or is too plain (ImageError)."""
    began = time.perf_counter()
    options = options or IndexOptions()
    name = Path(source).name
    entry = still_entry(read_image_file(source), name)
    record = still_record(options.video_id or video_id_for(source), name, source, entry, options)
    store.replace_video(record, [(entry.bucket, entry.scene)])
    return IndexReport(record, 1, 1, time.perf_counter() - began)
