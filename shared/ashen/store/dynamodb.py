"""SceneStore on DynamoDB, through pynamodb models.

Two tables:

* scenes: partition key ``pk`` = bucket key (plus a shard suffix for hot buckets), sort key
  ``sk`` = ``<video id>#<start, zero padded>``, so one bucket is one Query and one video's
  scenes in a bucket sort by time. A global secondary index ``by_video`` (``video``, ``sk``)
  lists one video's entries without a scan, to delete or replace them, and, as it carries the
  times, signature and luma grid (attribute ``layout``), serves ``scenes_between`` (a time range of
  one video) in one Query.
* videos: one item per video: metadata, status (indexing | indexed | failed), progress
  (``segments_planned``, ``segments_done`` and the string set ``done`` of finished segment
  indexes, which makes marking a segment done idempotent) and the S3 revision being indexed.

Hot partitions: low-detail frames (black, white, fades, title cards) all fall in the few buckets
whose two Y AC cells are neutral, and such frames are in every episode. Those buckets are written
across ``hot_shards`` partitions (``<bucket>#0`` .. ``#N-1``, the shard chosen by a hash of video
and time), and ``candidates`` reads every shard of them. The shard count is part of the data
layout: changing it needs a re-index.
"""

from __future__ import annotations

import json
import os
import time
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor

from pynamodb.attributes import (
    BinaryAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from ashen.descriptors.buckets import is_hot_bucket
from ashen.records import Candidate, Scene, StoreStats, VideoRecord, VideoStatus, listing_order

DEFAULT_HOT_SHARDS = 8
_READ_THREADS = 8
# What the by_video index carries besides its keys: enough to make a Candidate.
BY_VIDEO_ATTRIBUTES = ["start", "at", "end", "sig", "layout"]


def is_hot(bucket: str) -> bool:
    """Buckets of low-texture frames, which every video fills: spread over shards."""
    return is_hot_bucket(bucket)


def sort_key(video_id: str, start: float) -> str:
    return f"{video_id}#{start:012.3f}"


def _conditional_failed(exc: Exception) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


class ByVideo(GlobalSecondaryIndex["SceneItem"]):  # type: ignore[no-untyped-call]  # pynamodb's __init_subclass__
    class Meta:
        index_name = "by_video"
        projection = IncludeProjection(BY_VIDEO_ATTRIBUTES)

    video = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class SceneItem(Model):
    """One scene in its bucket's partition. Unbound: ``make_models`` gives each store a subclass
    naming its table (pynamodb copies the index onto it)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    video = UnicodeAttribute()
    bucket = UnicodeAttribute()
    start = NumberAttribute()
    at = NumberAttribute()
    end = NumberAttribute()
    frames = NumberAttribute()
    sig = BinaryAttribute(legacy_encoding=False)
    luma = BinaryAttribute(legacy_encoding=False, null=True, attr_name="layout")
    by_video = ByVideo()


class VideoItem(Model):
    """One video: its record, and the fields the hash workers update in place. Unbound, as SceneItem."""

    id = UnicodeAttribute(hash_key=True)
    record = UnicodeAttribute()  # the VideoRecord as JSON, minus the fields below
    title = UnicodeAttribute()
    status = UnicodeAttribute()  # a VideoStatus, stored as its plain string
    error = UnicodeAttribute(default="")
    revision = UnicodeAttribute(default="")
    segments_planned = NumberAttribute(default=0)
    segments_done = NumberAttribute(default=0)
    frames = NumberAttribute(default=0)
    scenes = NumberAttribute(default=0)
    indexed_at = NumberAttribute(default=0)
    done = UnicodeSetAttribute(null=True)


def make_models(
    scenes_table: str, videos_table: str, *, region: str | None = None, host: str | None = None
) -> tuple[type[SceneItem], type[VideoItem]]:
    """The item models bound to the given table names (set at run time from the environment)."""
    aws_region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    endpoint = host

    class Scenes(SceneItem):
        class Meta:
            table_name = scenes_table
            billing_mode = "PAY_PER_REQUEST"
            region = aws_region
            if endpoint:  # else pynamodb's own default
                host = endpoint

    class Videos(VideoItem):
        class Meta:
            table_name = videos_table
            billing_mode = "PAY_PER_REQUEST"
            region = aws_region
            if endpoint:
                host = endpoint

    return Scenes, Videos


class DynamoStore:
    """The FanoutStore port (ashen.store.port) on DynamoDB: the SceneStore plus the fan-out's progress."""

    def __init__(
        self,
        scenes_table: str,
        videos_table: str,
        *,
        region: str | None = None,
        host: str | None = None,
        hot_shards: int = DEFAULT_HOT_SHARDS,
    ) -> None:
        self.Scene, self.Video = make_models(scenes_table, videos_table, region=region, host=host)
        self.hot_shards = max(1, hot_shards)

    @classmethod
    def from_env(cls) -> DynamoStore:
        return cls(
            os.environ["ASHEN_SCENES_TABLE"],
            os.environ["ASHEN_VIDEOS_TABLE"],
            host=os.environ.get("ASHEN_DYNAMODB_ENDPOINT") or None,
            hot_shards=int(os.environ.get("ASHEN_HOT_SHARDS", DEFAULT_HOT_SHARDS)),
        )

    def create_tables(self) -> None:
        """For tests and local use; on AWS the tables come from template.yaml."""
        for model in (self.Scene, self.Video):
            if not model.exists():
                model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")

    # partition keys
    def partition_of(self, bucket: str, video_id: str, start: float) -> str:
        if not is_hot(bucket) or self.hot_shards == 1:
            return bucket
        shard = zlib.crc32(sort_key(video_id, start).encode()) % self.hot_shards
        return f"{bucket}#{shard}"

    def partitions(self, bucket: str) -> list[str]:
        if not is_hot(bucket) or self.hot_shards == 1:
            return [bucket]
        return [f"{bucket}#{i}" for i in range(self.hot_shards)]

    # videos
    def _to_item(self, video: VideoRecord, revision: str | None = None) -> VideoItem:
        data = video.to_dict()
        rev = revision if revision is not None else str(video.extra.get("revision", ""))
        return self.Video(
            video.id,
            record=json.dumps(data),
            title=video.title,
            status=video.status,
            error=video.error,
            revision=rev,
            segments_planned=video.segments_planned,
            segments_done=video.segments_done,
            frames=video.frames,
            scenes=video.scenes,
            indexed_at=video.indexed_at,
            done=None,
        )

    @staticmethod
    def _to_record(item: VideoItem) -> VideoRecord:
        video = VideoRecord.from_dict(json.loads(item.record))
        # The counters live in their own attributes (updated atomically by the hash workers).
        video.status = VideoStatus(item.status)
        video.error = item.error or ""
        video.segments_planned = int(item.segments_planned or 0)
        video.segments_done = int(item.segments_done or 0)
        video.frames = int(item.frames or 0)
        video.scenes = int(item.scenes or 0)
        video.indexed_at = float(item.indexed_at or 0)
        return video

    def put_video(self, video: VideoRecord) -> None:
        self._to_item(video).save()

    def get_video(self, video_id: str) -> VideoRecord | None:
        try:
            return self._to_record(self.Video.get(video_id, consistent_read=True))
        except DoesNotExist:
            return None

    def list_videos(self) -> list[VideoRecord]:
        # The videos table holds one small item per video: a scan of it is the listing.
        return listing_order(self._to_record(item) for item in self.Video.scan())

    # scenes
    def _scene_item(self, video_id: str, bucket: str, scene: Scene) -> SceneItem:
        return self.Scene(
            self.partition_of(bucket, video_id, scene.start),
            sort_key(video_id, scene.start),
            video=video_id,
            bucket=bucket,
            start=scene.start,
            at=scene.at,
            end=scene.end,
            frames=scene.frames,
            sig=scene.signature,
            luma=scene.luma or None,
        )

    def _delete_scenes(self, video_id: str) -> int:
        count = 0
        with self.Scene.batch_write() as batch:
            for key in self.Scene.by_video.query(video_id):
                batch.delete(self.Scene(key.pk, key.sk))
                count += 1
        return count

    def replace_video(self, video: VideoRecord, scenes: Iterable[tuple[str, Scene]]) -> None:
        """Delete the video's entries, write ``scenes``, then the record (not atomic on DynamoDB:
        readers may briefly see neither; the record is written last so it never names missing scenes)."""
        self._delete_scenes(video.id)
        self.add_scenes(video.id, scenes)
        self.put_video(video)

    def add_scenes(self, video_id: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        count = 0
        with self.Scene.batch_write() as batch:
            for bucket, scene in scenes:
                batch.save(self._scene_item(video_id, bucket, scene))
                count += 1
        return count

    @staticmethod
    def _candidate(item: SceneItem) -> Candidate:
        return Candidate(
            item.video, float(item.start), float(item.at), float(item.end), bytes(item.sig), bytes(item.luma or b"")
        )

    def _query(self, partition: str) -> list[Candidate]:
        return [self._candidate(item) for item in self.Scene.query(partition)]

    def scenes_between(self, video_id: str, start: float, end: float) -> list[Candidate]:
        span = self.Scene.sk.between(sort_key(video_id, max(0.0, start)), sort_key(video_id, max(0.0, end)))
        return [self._candidate(item) for item in self.Scene.by_video.query(video_id, range_key_condition=span)]

    def candidates(self, buckets: Sequence[str]) -> list[Candidate]:
        partitions = [p for b in dict.fromkeys(buckets) for p in self.partitions(b)]
        if not partitions:
            return []
        if len(partitions) == 1:
            return self._query(partitions[0])
        with ThreadPoolExecutor(max_workers=min(_READ_THREADS, len(partitions))) as pool:
            return [c for part in pool.map(self._query, partitions) for c in part]

    def remove_video(self, video_id: str) -> bool:
        deleted = self._delete_scenes(video_id)
        try:
            self.Video(video_id).delete(condition=self.Video.id.exists())
            existed = True
        except DeleteError as exc:
            if not _conditional_failed(exc):
                raise
            existed = False
        return existed or deleted > 0

    def stats(self) -> StoreStats:
        videos = self.list_videos()
        size = 0
        for model in (self.Scene, self.Video):
            size += int(model.describe_table().get("TableSizeBytes", 0))
        return StoreStats(len(videos), sum(v.frames for v in videos), sum(v.scenes for v in videos), size)

    def bucket_sizes(self) -> dict[str, int]:
        """Scenes per bucket. A full scan: for occupancy reports, not for the request path."""
        sizes: dict[str, int] = {}
        for item in self.Scene.scan(attributes_to_get=["bucket"]):
            sizes[item.bucket] = sizes.get(item.bucket, 0) + 1
        return sizes

    def scene_count(self, video_id: str) -> int:
        """Entries of one video, through the by_video index."""
        return sum(1 for _ in self.Scene.by_video.query(video_id))

    # fan-out progress
    def begin_indexing(self, video: VideoRecord, revision: str) -> bool:
        """Record ``video`` as indexing ``revision``; False if that revision is already recorded
        (a redelivered S3 event). A new revision of the same video clears its old entries."""
        item = self._to_item(video, revision)
        try:
            item.save(condition=self.Video.id.does_not_exist() | (self.Video.revision != revision))
        except PutError as exc:
            if _conditional_failed(exc):
                return False
            raise
        self._delete_scenes(video.id)
        return True

    def mark_segment_done(self, video_id: str, revision: str, index: int, frames: int, scenes: int) -> bool:
        """Count a segment once: False if it was already counted (or the video moved on)."""
        marker = str(index)
        try:
            self.Video(video_id).update(
                actions=[
                    self.Video.done.add({marker}),
                    self.Video.segments_done.add(1),
                    self.Video.frames.add(frames),
                    self.Video.scenes.add(scenes),
                ],
                condition=(self.Video.revision == revision)
                & (self.Video.status == VideoStatus.INDEXING)
                & ~self.Video.done.contains(marker),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def finish_if_complete(self, video_id: str, revision: str) -> bool:
        """Flip the video to ``indexed`` once every planned segment is done (exactly once)."""
        video = self.get_video(video_id)
        if video is None or video.status != VideoStatus.INDEXING or video.segments_done < video.segments_planned:
            return False
        try:
            self.Video(video_id).update(
                actions=[self.Video.status.set(VideoStatus.INDEXED), self.Video.indexed_at.set(time.time())],
                condition=(self.Video.revision == revision) & (self.Video.status == VideoStatus.INDEXING),
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def fail_video(self, video_id: str, revision: str, reason: str) -> bool:
        try:
            self.Video(video_id).update(
                actions=[self.Video.status.set(VideoStatus.FAILED), self.Video.error.set(reason[:1000])],
                condition=self.Video.revision == revision,
            )
        except UpdateError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def revision_of(self, video_id: str) -> tuple[str, VideoStatus] | None:
        """(revision, status) of a video, or None."""
        try:
            item = self.Video.get(video_id, consistent_read=True, attributes_to_get=["revision", "status"])
        except DoesNotExist:
            return None
        return item.revision or "", VideoStatus(item.status)
