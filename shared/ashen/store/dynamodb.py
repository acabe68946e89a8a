"""SceneStore on DynamoDB, through pynamodb models (ashen.store.dynamodb_models).

Two tables:

* scenes: partition key ``block`` = the block of the scene's bucket (plus a shard suffix for hot
  buckets), sort key ``sk`` = ``<bucket>#<video id>#<revision tag>#<start in ms, base 36>``, so the
  neighbouring buckets of a block are one Query, and cell maps (sort key ``#map``) list the
  buckets that hold scenes: a search reads the maps, then one Query per run of wanted buckets,
  all at once (ashen.store.dynamodb_cells). A global secondary index ``by_video`` (``video``,
  ``sk``; keys only) lists one video's scene items without a scan, to delete or replace them.
  Items are lean: one-letter stored names, each part once, no luma grid and no frame count
  (ashen.store.dynamodb_models). Each scene is also a timeline item in its video's
  **timeline** partition (``@<video id>``, sort key ``vsk``) with its times, signature and luma
  grid: ``scenes_between`` and ``scenes_in`` (time ranges of one video) are one Query of it per
  range, and ``luma_grids`` reads the grids a search compares from there
  (ashen.store.dynamodb_timeline).
* videos: one item per video: metadata, status (indexing | indexed | failed), progress
  (``segments_planned``, ``segments_done`` and the string set ``done`` of finished segment
  indexes, which makes marking a segment done idempotent), the S3 revision being indexed
  (``revision``), the revision whose scenes answer (``live``) and the sequencer of the last S3
  event applied. A deleted object leaves a tombstone (status ``removed``, expiring by TTL).

Only each video's live revision answers: while a new upload of a video is hashed, the previous
complete index still answers; once it is complete, nothing of an older one does. ``candidates``
hands back scenes of any revision with their tag, and ``answering_videos`` names the live ones of
the videos a search may answer with (ashen.search.pipeline drops the others: stale candidates).

Hot partitions: low-detail frames (black, white, fades, title cards) all fall in the few buckets
whose keyed Y AC cells are neutral, and such frames are in every episode. Those buckets are
written across ``hot_shards`` partitions of their block (``<block>#0`` .. ``#N-1``, the shard
chosen by a hash of video and time), and ``candidates`` reads every shard of them. The shard
count and the block layout are part of the data layout: changing either needs a re-index
(docs/serverless.md).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Sequence

from pynamodb.exceptions import DeleteError
from pynamodb.expressions.update import Action

from ashen.errors import StoreBusy
from ashen.records import (
    Candidate,
    Scene,
    StoreStats,
    VideoEdit,
    VideoPage,
    VideoRecord,
    VideoStatus,
    listing_key,
    listing_order,
)
from ashen.store.dynamodb_cells import chunks, in_parallel
from ashen.store.dynamodb_fanout import FanoutProgress
from ashen.store.dynamodb_models import (
    REMOVED,
    VideoItem,
    candidate_of,
    conditional_failed,
    listing_string,
    revision_tag,
    sort_key,
    stored,
)
from ashen.store.dynamodb_small import in_sqlite_order
from ashen.store.dynamodb_tables import DEFAULT_HOT_SHARDS, is_hot

__all__ = ["DEFAULT_HOT_SHARDS", "DynamoStore", "is_hot", "sort_key"]

_RENAME_TRIES = 5


class DynamoStore(FanoutProgress):
    """The FanoutStore port (ashen.store.port) on DynamoDB: the SceneStore plus the fan-out's progress."""

    @classmethod
    def from_env(cls) -> DynamoStore:
        return cls(
            os.environ["ASHEN_SCENES_TABLE"],
            os.environ["ASHEN_VIDEOS_TABLE"],
            host=os.environ.get("ASHEN_DYNAMODB_ENDPOINT") or None,
            hot_shards=int(os.environ.get("ASHEN_HOT_SHARDS", DEFAULT_HOT_SHARDS)),
        )

    # videos
    def put_video(self, video: VideoRecord) -> None:
        current = self._video_item(video.id, "revision", "live")
        revision, live = (current.revision, current.live) if current is not None else ("", "")
        self._to_item(video, revision, live=live).save()

    def get_video(self, video_id: str) -> VideoRecord | None:
        item = self._video_item(video_id)
        return None if item is None else self._to_record(item)

    def list_videos(self) -> list[VideoRecord]:
        # The videos table holds one small item per video: a scan of it is the listing.
        return listing_order(self._to_record(item) for item in self.Video.scan() if item.status != REMOVED)

    def list_page(
        self, *, limit: int, after: tuple[str, str, str, str] | None = None, status: VideoStatus | None = None
    ) -> VideoPage:
        """One Query of the by_status index per status asked (three without a filter), each from
        ``after`` on and at most ``limit + 1`` items, merged."""
        statuses = [status] if status is not None else list(VideoStatus)
        since = self.Video.listing > listing_string(after) if after is not None else None
        items = [
            item
            for s in statuses
            for item in self.Video.by_status.query(str(s), range_key_condition=since, limit=limit + 1)
        ]
        videos = sorted((self._to_record(item) for item in items), key=listing_key)
        page = videos[:limit]
        return VideoPage(page, listing_key(page[-1]) if len(videos) > limit else None)

    # scenes
    def replace_video(self, video: VideoRecord, scenes: Iterable[tuple[str, Scene]]) -> None:
        """Write ``scenes`` as a new revision, make it answer (with the record), then delete the
        items of every other revision. Readers see the old entries or the new ones, never a mix."""
        revision = uuid.uuid4().hex
        self._write_scenes(video.id, revision_tag(revision), scenes)
        self._to_item(video, revision, live=revision).save()
        self._delete_scenes(video.id, keep=revision_tag(revision))

    def add_scenes(self, video_id: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        """Write scenes into the video's answering revision (idempotent)."""
        current = self._video_item(video_id, "live")
        return self._write_scenes(video_id, revision_tag(current.live if current is not None else ""), scenes)

    def candidates(self, buckets: Sequence[str]) -> list[Candidate]:
        """Every scene in the buckets, of any revision (each with its tag): the blocks' cell maps,
        then one Query per run of wanted buckets, all at once. Which revision answers is not read
        here: a search asks ``answering_videos`` only for the videos it may answer with."""
        return [candidate_of(item) for item in in_sqlite_order(buckets, self.cells.read(buckets))]

    def scenes_between(self, video_id: str, start: float, end: float) -> list[Candidate]:
        return self.scenes_in(video_id, [(start, end)])

    def scenes_in(
        self, video_id: str, spans: Sequence[tuple[float, float]], revision: str | None = None
    ) -> list[Candidate]:
        """One Query of the video's timeline per span of the live revision, all at once (each by
        time, span after span); the live revision read first (one GetItem) unless ``revision``
        names it."""
        if revision is None:
            current = self._video_item(video_id, "live")
            revision = revision_tag(current.live) if current is not None and current.live else ""
        if not revision or not spans:
            return []
        return self.timelines.between(video_id, revision, spans)

    def luma_grids(self, candidates: Sequence[Candidate]) -> list[bytes]:
        """The grids of candidates from the probe (whose items leave them out), read from their
        timelines: one round of Queries of nearby starts and BatchGetItems of lone ones."""
        return self.timelines.grids(candidates)

    def answering_videos(self, video_ids: Iterable[str]) -> dict[str, tuple[VideoRecord, str]]:
        """The records and live revision tags of the videos that have one: BatchGetItem, strongly
        consistent (a revision made live a moment ago is seen), 100 a request, all at once."""
        ids = sorted(set(video_ids))

        def get(part: Sequence[str]) -> list[VideoItem]:
            return list(self.Video.batch_get(part, consistent_read=True))

        items = [item for part in in_parallel(get, chunks(ids)) for item in part]
        return {
            item.id: (self._to_record(item), revision_tag(item.live))
            for item in items
            if item.live and item.status != REMOVED
        }

    def remove_video(self, video_id: str) -> bool:
        deleted = self._delete_scenes(video_id)
        try:
            self.Video(video_id).delete(condition=self.Video.id.exists() & (self.Video.status != REMOVED))
            existed = True
        except DeleteError as exc:
            if not conditional_failed(exc):
                raise
            existed = False
        return existed or deleted > 0

    def edit_video(self, video_id: str, edit: VideoEdit) -> VideoRecord | None:
        """A conditional update of the record JSON, the title and the listing key (by_status's sort
        key), on the record as read: a concurrent change of the record (a new upload planned) makes
        it read again. Counters, status and revisions are other attributes and stay as they are."""
        for _ in range(_RENAME_TRIES):
            item = self._video_item(video_id)
            if item is None:
                return None
            video = self._to_record(item)
            edit.apply(video)
            record = json.loads(item.record) | edit.changes()
            V = self.Video
            actions: list[Action] = [
                V.record.set(json.dumps(record)),
                V.title.set(edit.title),
                V.listing.set(listing_string(listing_key(video))),
            ]
            if self._conditional(video_id, actions, (V.record == item.record) & (V.status != REMOVED)):
                return video
        raise StoreBusy(f"video {video_id} kept changing while its title was changed; try again")

    def stats(self) -> StoreStats:
        videos = self.list_videos()
        size = 0
        for model in (self.Scene, self.Video):
            size += int(model.describe_table().get("TableSizeBytes", 0))
        return StoreStats(len(videos), sum(v.frames for v in videos), sum(v.scenes for v in videos), size)

    def bucket_sizes(self) -> dict[str, int]:
        """Scenes per bucket. A full scan: for occupancy reports, not for the request path."""
        sizes: dict[str, int] = {}
        S = self.Scene
        for item in S.scan(S.video.exists(), attributes_to_get=stored(S.block, S.sk)):  # not cell maps or timelines
            sizes[item.bucket] = sizes.get(item.bucket, 0) + 1
        return sizes

    def small_library(self, limit: int) -> list[tuple[str, Candidate]] | None:
        """A bounded parallel Scan of the scenes table (ashen.store.dynamodb_small)."""
        return self.small.read(limit)

    def scene_count(self, video_id: str) -> int:
        """Entries of one video (of every revision), through the by_video index."""
        return sum(1 for _ in self.Scene.by_video.query(video_id))
