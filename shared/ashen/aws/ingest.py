"""What an S3 event under library/ does to the index: events only say "look at this object", and
what is done follows from the object's current version, so events delivered late, twice or out of
order all end in the same state.

* A create of the object's current version is indexed (a new revision; the previous complete
  index answers until it is done): a video by the fan-out, a still image at once (ashen.aws.stills).
  A create of a version that is no longer current is ignored: the event of what replaced it
  decides.
* A delete that leaves the object without a current version (a delete marker, or an unversioned
  delete) removes the video and leaves a tombstone with the event's sequencer, which refuses a
  create delivered after it. A delete of a noncurrent version changes nothing; a delete of the
  current version, which makes an older version current again, indexes that version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from ashen.aws.fanout import SEGMENT_S, SegmentTask, start_video
from ashen.aws.naming import LIBRARY_PREFIX, naming_for_key
from ashen.aws.s3 import S3Object, s3_key, s3_url
from ashen.aws.stills import index_still_upload, is_still_key
from ashen.indexing.indexer import video_id_for
from ashen.indexing.stills import MAX_STILL_BYTES
from ashen.store.port import FanoutStore


class EventError(ValueError):
    """An event record that is not an S3 object event this function can act on."""


@dataclass(frozen=True)
class ObjectEvent:
    """One record of an S3 event notification."""

    name: str  # ObjectCreated:Put, ObjectRemoved:DeleteMarkerCreated...
    bucket: str
    key: str
    version_id: str | None
    etag: str
    sequencer: str

    @property
    def created(self) -> bool:
        return self.name.startswith("ObjectCreated")

    @property
    def revision(self) -> str:
        """The revision this event is about: its version, or its ETag in an unversioned bucket."""
        return self.version_id or self.etag

    @property
    def in_library(self) -> bool:
        return self.key.startswith(LIBRARY_PREFIX) and not self.key.endswith("/")

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> ObjectEvent:
        """The fields of one record; EventError naming what is missing."""
        try:
            s3, name = record["s3"], str(record["eventName"])
            obj, bucket = s3["object"], str(s3["bucket"]["name"])
            key = s3_key(str(obj["key"]))
        except (KeyError, TypeError) as exc:
            raise EventError(f"not an S3 object event record (no {exc})") from None
        if not name.startswith(("ObjectCreated", "ObjectRemoved")):
            raise EventError(f"not an object created or removed event: {name}")
        version = obj.get("versionId") or None
        version = None if version == "null" else version  # S3's "null" version: an unversioned put
        return cls(name, bucket, key, version, str(obj.get("eTag") or ""), str(obj.get("sequencer") or ""))


def event_records(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The records of an S3 event notification (read each with ObjectEvent.from_record);
    EventError when it is not one."""
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list):
        raise EventError("not an S3 event notification (no Records list)")
    return records


class Uploads(Protocol):
    """The ingest bucket as ingest sees it (ashen.aws.s3 on AWS)."""

    def current(self, bucket: str, key: str) -> tuple[S3Object, dict[str, str]] | None:
        """The object's current version and its user metadata; None when it has none (deleted)."""

    def reader_url(self, upload: S3Object) -> str:
        """A URL through which ffmpeg reads this version."""

    def read(self, upload: S3Object, limit: int) -> bytes:
        """The bytes of this version (a still image); ImageTooLarge when it holds more than ``limit``."""


class TaskQueue(Protocol):
    def send(self, tasks: list[SegmentTask]) -> None:
        """Queue every task, or raise."""


@dataclass(frozen=True)
class Applied:
    """What an event did, for the logs."""

    action: str  # queued | indexed (a still) | failed | known | removed | kept | ignored
    video_id: str
    detail: str = ""
    segments: int = 0


@dataclass(frozen=True)
class Ingest:
    store: FanoutStore
    uploads: Uploads
    queue: TaskQueue
    segment_seconds: float = SEGMENT_S

    def apply(self, event: ObjectEvent) -> Applied:
        """Bring the video of ``event``'s object in line with the object's current version."""
        video_id = video_id_for(s3_url(event.bucket, event.key))
        current = self.uploads.current(event.bucket, event.key)
        if current is None:
            if event.created:
                return Applied("ignored", video_id, "the object was deleted before it was indexed")
            removed = self.store.remove_upload(video_id, event.sequencer)
            return Applied("removed" if removed else "known", video_id, "" if removed else "a later event decided")
        upload, metadata = current
        if event.created and upload.revision != event.revision:
            return Applied("ignored", video_id, "a later version is current; its own event indexes it")
        if not event.created and self._recorded(video_id) == upload.revision:
            return Applied("kept", video_id, "a noncurrent version was deleted")
        return self._index(event, upload, metadata)

    def _recorded(self, video_id: str) -> str | None:
        recorded = self.store.revision_of(video_id)
        return recorded[0] if recorded is not None else None

    def _index(self, event: ObjectEvent, upload: S3Object, metadata: dict[str, str]) -> Applied:
        naming = naming_for_key(upload.key, metadata)
        if is_still_key(upload.key):
            read = partial(self.uploads.read, upload, MAX_STILL_BYTES)
            action, still = index_still_upload(self.store, upload, naming, read, event.sequencer)
            return Applied(action, still.id, still.error, segments=0)
        source = self.uploads.reader_url(upload)
        video, tasks = start_video(
            self.store, upload, naming, source, sequencer=event.sequencer, segment_seconds=self.segment_seconds
        )
        if not tasks:
            action = "failed" if video.error else "known"
            return Applied(action, video.id, video.error or "this revision was queued before, or a later event won")
        # When sending fails the event is retried: begin_indexing then answers RETRY and it is queued again.
        self.queue.send(tasks)
        self.store.mark_queued(video.id, upload.revision)
        return Applied("queued", video.id, segments=len(tasks))
