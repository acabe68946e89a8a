"""What every part of the DynamoDB adapter shares: the bound models, where a scene item goes (its
partition and sort key) and the clean-up of revisions that no longer answer."""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterable
from functools import cache

import pynamodb
from botocore.session import Session, get_session
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from ashen.descriptors.buckets import block_key, is_hot_bucket
from ashen.records import Scene, VideoKind, VideoRecord, VideoStatus, listing_key
from ashen.store.dynamodb_cells import CellReader, hot_partitions
from ashen.store.dynamodb_models import (
    REMOVED,
    SceneItem,
    VideoItem,
    candidate_of,
    cell_key,
    listing_string,
    make_models,
    stored,
)
from ashen.store.dynamodb_small import SmallLibrary
from ashen.store.dynamodb_timeline import Timelines

DEFAULT_HOT_SHARDS = 8


def is_hot(bucket: str) -> bool:
    """Buckets of low-texture frames, which every video fills: spread over shards."""
    return is_hot_bucket(bucket)


SESSION_LOCK = threading.Lock()  # botocore makes clients of one session one at a time


@cache
def botocore_session() -> Session:
    """The process's one botocore session, whose clients share the service descriptions it parsed
    (the DynamoDB models' here, the preview key's Secrets Manager client in ashen.aws.previews)."""
    return get_session()


def connect(*models: type[Model]) -> None:
    """Make the models' botocore clients now, from the process's one botocore session. pynamodb
    gives each model's connection a session of its own (and one per thread until a client exists),
    and every new session parses botocore's DynamoDB description again: the query function's first
    search made five (docs/benchmarks.md, Query function cold start). Made here, the description
    is parsed once a process, and a search's threads find the clients made."""
    shared = botocore_session()
    with SESSION_LOCK:
        for model in models:
            connection = model._get_connection().connection
            share_session(connection, shared)
            assert connection.client is not None  # made now, from the shared session


def share_session(connection: Connection, session: Session) -> None:
    """Give a pynamodb connection ``session`` for this thread. pynamodb (6.1) has no public way to
    give a model a session (its issues #876 and #1245 ask for one): it keeps a session per thread
    in the private ``Connection._local`` and makes its client from ``Connection.session``. That is
    pinned here: should a release keep it elsewhere, this fails at once (and the store tests with
    it) instead of quietly parsing the DynamoDB description once per model again."""
    local = getattr(connection, "_local", None)
    if local is None:
        raise RuntimeError(f"pynamodb {pynamodb.__version__} keeps no per-thread session in Connection._local")
    local.session = session
    if connection.session is not session:
        raise RuntimeError(f"pynamodb {pynamodb.__version__}'s Connection.session no longer reads Connection._local")


class DynamoTables:
    """The two tables of one store and the item plumbing its parts share."""

    def __init__(
        self,
        scenes_table: str,
        videos_table: str,
        *,
        region: str | None = None,
        host: str | None = None,
        hot_shards: int = DEFAULT_HOT_SHARDS,
    ) -> None:
        models = make_models(scenes_table, videos_table, region=region, host=host)
        self.Scene, self.CellMap, self.Timeline, self.Video = models
        connect(*models)
        self.hot_shards = max(1, hot_shards)
        self.cells = CellReader(self.Scene, self.CellMap, self.hot_shards)
        self.timelines = Timelines(self.Timeline)
        self.small = SmallLibrary(self.Scene, candidate_of)

    def create_tables(self) -> None:
        """For tests and local use; on AWS the tables come from template.yaml."""
        for model in (self.Scene, self.Video):  # (cell maps and timelines: items of the scenes table)
            if not model.exists():
                model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")

    # partition keys
    def partition_of(self, bucket: str, video_id: str, start: float) -> str:
        """The partition of a scene: its bucket's block (a hot bucket: one of the block's shards)."""
        block = block_key(bucket)
        if not is_hot(bucket) or self.hot_shards == 1:
            return block
        shard = zlib.crc32(f"{video_id}#{start:012.3f}".encode()) % self.hot_shards
        return f"{block}#{shard}"

    def partitions(self, bucket: str) -> list[str]:
        """Every partition that may hold scenes of ``bucket``."""
        block = block_key(bucket)
        return hot_partitions(block, self.hot_shards) if is_hot(bucket) else [block]

    # items
    def _scene_item(self, video_id: str, tag: str, bucket: str, scene: Scene) -> SceneItem:
        return self.Scene(
            self.partition_of(bucket, video_id, scene.start),
            cell_key(bucket, video_id, tag, scene.start),
            video=video_id,
            start=scene.start,
            at=scene.at,
            end=scene.end,
            sig=scene.signature,
            cut=scene.cut or None,  # only shot starts carry the attribute
        )  # (its luma grid is in its timeline item)

    def _write_scenes(self, video_id: str, tag: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        """Note the buckets in their blocks' cell maps, then write the scene items and their
        timeline items."""
        scenes = list(scenes)
        count = 0
        buckets = (bucket for bucket, _ in scenes)
        with self.cells.writing(buckets), self.Scene.batch_write() as batch, self.Timeline.batch_write() as timeline:
            for bucket, scene in scenes:
                timeline.save(self.timelines.item(video_id, tag, scene))
                batch.save(self._scene_item(video_id, tag, bucket, scene))
                count += 1
        return count

    def _delete_scenes(self, video_id: str, keep: str | None = None) -> int:
        """Delete the video's scene items of every revision but ``keep`` (a revision tag; None:
        all). Found through the by_video index, which lags writes by a moment: a writer whose
        revision stopped answering also takes back its own items (see FanoutProgress). Then the
        buckets emptied leave their cell maps, and the timeline items of those revisions go."""
        count, emptied = 0, set()
        with self.Scene.batch_write() as batch:
            S = self.Scene
            for key in S.by_video.query(video_id, attributes_to_get=stored(S.block, S.sk)):
                if keep is None or key.rev != keep:
                    batch.delete(S(key.block, key.sk))
                    emptied.add(key.bucket)
                    count += 1
        self.cells.shrink(emptied)
        self.timelines.delete(video_id, keep)
        return count

    # videos
    def _to_item(self, video: VideoRecord, revision: str, *, live: str = "") -> VideoItem:
        return self.Video(
            video.id,
            record=json.dumps(video.to_dict()),
            title=video.title,
            kind=str(video.kind),
            status=video.status,
            error=video.error,
            revision=revision,
            live=live,
            segments_planned=video.segments_planned,
            segments_done=video.segments_done,
            frames=video.frames,
            scenes=video.scenes,
            indexed_at=video.indexed_at,
            done=None,
            listing=listing_string(listing_key(video)),
        )

    @staticmethod
    def _to_record(item: VideoItem) -> VideoRecord:
        video = VideoRecord.from_dict(json.loads(item.record))
        # The counters live in their own attributes (updated atomically by the hash workers).
        video.status = VideoStatus(item.status)
        video.kind = VideoKind(item.kind) if item.kind else video.kind  # the record's, before the attribute
        video.error = item.error or ""
        video.segments_planned = int(item.segments_planned or 0)
        video.segments_done = int(item.segments_done or 0)
        video.frames = int(item.frames or 0)
        video.scenes = int(item.scenes or 0)
        video.indexed_at = float(item.indexed_at or 0)
        return video

    def _video_item(self, video_id: str, *attributes: str) -> VideoItem | None:
        """The video's item (only ``attributes`` when given), or None; tombstones are None."""
        wanted = [*attributes, "status"] if attributes else None
        try:
            item = self.Video.get(video_id, consistent_read=True, attributes_to_get=wanted)
        except DoesNotExist:
            return None
        return None if item.status == REMOVED else item
