"""A still image uploaded under library/: indexed by the split function itself, with no segment
messages. Its one entry is computed from the object's bytes as ``ashen index`` computes it
(``ashen.indexing.stills``), then written through the same revision steps as a video's segments,
one segment done at once: a replaced, deleted or redelivered upload ends as a video's does, and
the previous complete revision answers until the new one is written. Needs Pillow (the split
function carries the image layer)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath

from ashen.aws.fanout import upload_record
from ashen.aws.naming import Naming
from ashen.aws.s3 import S3Object
from ashen.errors import ImageError
from ashen.indexing.indexer import STILL_SUFFIXES
from ashen.indexing.stills import StillEntry, still_entry
from ashen.records import VideoKind, VideoRecord, VideoStatus
from ashen.store.port import Begun, FanoutStore


def is_still_key(key: str) -> bool:
    """Whether an object under library/ is a still image (by its name: JPEG, PNG, WebP, BMP); a GIF
    is indexed as a video by the fan-out, whatever its frames."""
    return PurePosixPath(key).suffix.lower() in STILL_SUFFIXES


def index_still_upload(
    store: FanoutStore, upload: S3Object, naming: Naming, read: Callable[[], bytes], sequencer: str = ""
) -> tuple[str, VideoRecord]:
    """Index the still ``upload`` (``read`` gives its bytes, within the query images' size limit):
    ``("indexed", record)``, ``("failed", record)`` when it is no image the query path accepts or
    too plain to tell (the reason on the record), or ``("known", record)`` when this revision was
    indexed before or a later event decided the object."""
    try:
        entry = still_entry(read(), naming.filename)
    except ImageError as exc:
        video = upload_record(upload, naming, VideoStatus.FAILED, VideoKind.STILL)
        video.error = str(exc)[:300]
        store.begin_indexing(video, upload.revision, sequencer)
        return "failed", video
    return _write(store, upload, naming, entry, sequencer)


def _write(
    store: FanoutStore, upload: S3Object, naming: Naming, entry: StillEntry, sequencer: str
) -> tuple[str, VideoRecord]:
    video = upload_record(upload, naming, VideoStatus.INDEXING, VideoKind.STILL)
    video.width, video.height, video.picture, video.segments_planned = entry.width, entry.height, entry.picture, 1
    if store.begin_indexing(video, upload.revision, sequencer) == Begun.KNOWN:
        return "known", video
    # A retried event (the split died half-way) does these again: each step is idempotent.
    rows = [(entry.bucket, entry.scene)]
    written = store.put_scenes(video.id, upload.revision, rows)
    if not store.mark_segment_done(video.id, upload.revision, 0, 1, written):
        now = store.revision_of(video.id)
        if now is None or now[0] != upload.revision:  # replaced or deleted meanwhile
            store.take_back_scenes(video.id, upload.revision, rows)
            return "known", video
    store.finish_if_complete(video.id, upload.revision)
    store.mark_queued(video.id, upload.revision)
    return "indexed", video
