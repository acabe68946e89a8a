"""The fan-out's progress on DynamoDB (the FanoutStore part of ashen.store.port): which upload of
a video is being indexed, its segments counted once each, the switch of the answering revision
when the last one is done, failures, deletes ordered by S3's sequencer, and the sweep of videos
that stopped making progress.

Every write that could race is a conditional update of the video item; scene items are scoped to
their revision (ashen.store.dynamodb_models), so whatever a late worker of an old revision writes
never answers, and is taken back."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from ashen.records import Scene, VideoRecord, VideoStatus, listing_key
from ashen.store.dynamodb_models import (
    REMOVED,
    VideoItem,
    cell_key,
    conditional_failed,
    listing_string,
    revision_tag,
    sequencer_order,
)
from ashen.store.dynamodb_tables import DynamoTables
from ashen.store.port import Begun

TOMBSTONE_S = 14 * 86400  # a deleted object's marker outlives any late event about it


class FanoutProgress(DynamoTables):
    def begin_indexing(self, video: VideoRecord, revision: str, sequencer: str = "") -> Begun:
        """Record ``video`` as indexing ``revision`` (the revision that answers stays as it is);
        see Begun for the answers. Refused when the video's last event is later (by sequencer)."""
        V, order = self.Video, sequencer_order(sequencer)
        actions: list[Action] = [
            V.record.set(json.dumps(video.to_dict())),
            V.title.set(video.title),
            V.kind.set(str(video.kind)),
            V.listing.set(listing_string(listing_key(video))),
            V.status.set(video.status),
            V.error.set(video.error),
            V.revision.set(revision),
            V.sequencer.set(order),
            V.queued.set(False),
            V.updated_at.set(time.time()),
            V.segments_planned.set(video.segments_planned),
            V.segments_done.set(0),
            V.frames.set(0),
            V.scenes.set(0),
            V.live.set(V.live | ""),
            V.done.remove(),
            V.expires.remove(),
        ]
        in_order = V.sequencer.does_not_exist() | (V.sequencer <= order)
        new = (V.revision != revision) | (V.status == REMOVED)
        try:
            V(video.id).update(actions=actions, condition=V.id.does_not_exist() | (new & in_order))
        except UpdateError as exc:
            if not conditional_failed(exc):
                raise
            item = self._video_item(video.id, "revision", "queued")
            if item is None or item.revision != revision or item.status != VideoStatus.INDEXING or item.queued:
                return Begun.KNOWN
            return Begun.RETRY
        return Begun.NEW

    def mark_queued(self, video_id: str, revision: str) -> bool:
        """Note that every segment message of ``revision`` is on the queue (a retry of the split
        then plans nothing)."""
        return self._update(video_id, revision, [self.Video.queued.set(True)])

    def put_scenes(self, video_id: str, revision: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        """Write scenes of one revision (idempotent: the same scene twice is one item)."""
        return self._write_scenes(video_id, revision_tag(revision), scenes)

    def take_back_scenes(self, video_id: str, revision: str, scenes: Iterable[tuple[str, Scene]]) -> None:
        """Delete the items ``put_scenes`` wrote for these scenes (by key: no index lag)."""
        tag = revision_tag(revision)
        with self.Scene.batch_write() as batch, self.Timeline.batch_write() as timeline:
            for bucket, scene in scenes:
                timeline.delete(self.timelines.key(video_id, tag, scene.start))
                batch.delete(
                    self.Scene(
                        self.partition_of(bucket, video_id, scene.start), cell_key(bucket, video_id, tag, scene.start)
                    )
                )

    def mark_segment_done(self, video_id: str, revision: str, index: int, frames: int, scenes: int) -> bool:
        """Count a segment once: False if it was already counted (or the video moved on)."""
        V, marker = self.Video, str(index)
        actions: list[Action] = [
            V.done.add({marker}),
            V.segments_done.add(1),
            V.frames.add(frames),
            V.scenes.add(scenes),
            V.updated_at.set(time.time()),
        ]
        condition = (V.revision == revision) & (V.status == VideoStatus.INDEXING) & ~V.done.contains(marker)
        return self._conditional(video_id, actions, condition)

    def note_error(self, video_id: str, revision: str, reason: str) -> bool:
        """Keep the last error of a video still indexing (a segment that will be retried)."""
        return self._update(video_id, revision, [self.Video.error.set(reason[:1000])])

    def finish_if_complete(self, video_id: str, revision: str) -> bool:
        """Once every planned segment is done: the video is indexed, ``revision`` answers, and the
        items of every other revision are deleted. True only for the call that does it."""
        item = self._video_item(video_id, "revision", "segments_done", "segments_planned")
        if item is None or item.status != VideoStatus.INDEXING or item.revision != revision:
            return False
        if (item.segments_done or 0) < (item.segments_planned or 0):
            return False
        V = self.Video
        actions: list[Action] = [V.status.set(VideoStatus.INDEXED), V.indexed_at.set(time.time()), V.live.set(revision)]
        if not self._update(video_id, revision, [*actions, V.error.set("")]):
            return False
        self._delete_scenes(video_id, keep=revision_tag(revision))
        return True

    def fail_video(self, video_id: str, revision: str, reason: str, *, idle_since: float | None = None) -> bool:
        """Mark the video's indexing of ``revision`` failed with ``reason`` and delete that
        revision's items; the revision that answered before (if any) still answers. False if the
        video is not indexing ``revision`` (it moved on, or is done), or, with ``idle_since``, if
        it made progress since then."""
        V = self.Video
        actions: list[Action] = [
            V.status.set(VideoStatus.FAILED),
            V.error.set(reason[:1000]),
            V.updated_at.set(time.time()),
        ]
        condition = (V.revision == revision) & (V.status == VideoStatus.INDEXING)
        if idle_since is not None:
            condition = condition & (V.updated_at < idle_since)
        failed = self._updated(video_id, actions, condition)
        if failed is None:
            return False
        self._delete_scenes(video_id, keep=revision_tag(failed.live) if failed.live else "")
        return True

    def remove_upload(self, video_id: str, sequencer: str = "") -> bool:
        """The object was deleted: leave a tombstone carrying the delete's sequencer (so a create
        event delivered late is refused) and delete every item of the video. False when a later
        event (by sequencer) already decided the video."""
        V, order = self.Video, sequencer_order(sequencer)
        actions: list[Action] = [
            V.record.set(V.record | "{}"),
            V.title.set(V.title | ""),
            V.status.set(REMOVED),
            V.revision.set(""),
            V.live.set(""),
            V.sequencer.set(order),
            V.queued.set(False),
            V.updated_at.set(time.time()),
            V.expires.set(int(time.time()) + TOMBSTONE_S),
        ]
        if not self._conditional(video_id, actions, V.sequencer.does_not_exist() | (V.sequencer <= order)):
            return False
        self._delete_scenes(video_id)
        return True

    def revision_of(self, video_id: str) -> tuple[str, VideoStatus] | None:
        """(revision, status) of a video, or None (no such video, or deleted)."""
        item = self._video_item(video_id, "revision")
        return None if item is None else (item.revision or "", VideoStatus(item.status))

    def stalled(self, before: float) -> list[tuple[str, str]]:
        """(video id, revision) of videos indexing with no progress since ``before`` (a scan of
        the small videos table)."""
        V = self.Video
        condition = (V.status == VideoStatus.INDEXING) & (V.updated_at < before)
        return [(i.id, i.revision) for i in V.scan(condition, attributes_to_get=["id", "revision"])]

    def _update(self, video_id: str, revision: str, actions: list[Action]) -> bool:
        """Apply ``actions`` while the video is indexing ``revision``; False once it is not."""
        condition = (self.Video.revision == revision) & (self.Video.status == VideoStatus.INDEXING)
        return self._conditional(video_id, actions, condition)

    def _conditional(self, video_id: str, actions: list[Action], condition: Condition) -> bool:
        return self._updated(video_id, actions, condition) is not None

    def _updated(self, video_id: str, actions: list[Action], condition: Condition) -> VideoItem | None:
        """The video item as the conditional update left it (DynamoDB returns it), or None when
        the condition failed."""
        item = self.Video(video_id)
        try:
            item.update(actions=actions, condition=condition)
        except (UpdateError, PutError) as exc:
            if conditional_failed(exc):
                return None
            raise
        return item
