"""The storage port. Shaped after DynamoDB's access patterns: the partition is the bucket key,
scenes of a bucket are fetched together, and a video's scenes can be found without a scan."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Protocol

from ashen.records import Candidate, FileEntry, Scene, StoreStats, VideoEdit, VideoPage, VideoRecord, VideoStatus


class SceneStore(Protocol):
    def put_video(self, video: VideoRecord) -> None:
        """Create or update a video record (status, progress, metadata)."""

    def get_video(self, video_id: str) -> VideoRecord | None: ...

    def list_videos(self) -> list[VideoRecord]:
        """Every video, in ``ashen.records.listing_order``."""

    def list_page(
        self, *, limit: int, after: tuple[str, str, str, str] | None = None, status: VideoStatus | None = None
    ) -> VideoPage:
        """At most ``limit`` videos (of ``status`` if given) that sort after ``after`` (a
        ``records.listing_key``), in listing order; without reading the whole library."""

    def replace_video(self, video: VideoRecord, scenes: Iterable[tuple[str, Scene]]) -> None:
        """Atomically make ``scenes`` (bucket key, scene) the only entries of ``video``."""

    def add_scenes(self, video_id: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        """Write scenes of one video (idempotent: the same scene twice is stored once)."""

    def candidates(self, buckets: Sequence[str]) -> list[Candidate]:
        """Every stored scene in the given buckets, each with its ``revision``, with or without
        its luma grid (DynamoDB: without; ``luma_grids`` reads those a search compares). Where a video is
        indexed in revisions (DynamoDB), scenes of a revision that does not answer may be among
        them (while the video is indexed again): only those whose revision ``answering_videos``
        names may answer a search."""

    def scenes_between(self, video_id: str, start: float, end: float) -> list[Candidate]:
        """The stored scenes of one video that start in [start, end] (seconds), by time."""

    def scenes_in(
        self, video_id: str, spans: Sequence[tuple[float, float]], revision: str | None = None
    ) -> list[Candidate]:
        """``scenes_between`` of each (start, end) span, span after span, read together (on
        DynamoDB: in one round of requests). ``revision``: the live revision's tag, when the
        caller has it from ``answering_videos`` (DynamoDB then does not read it again)."""

    def luma_grids(self, candidates: Sequence[Candidate]) -> list[bytes]:
        """The luma grid of each candidate (b"" where none is stored), read together (DynamoDB:
        one round, from the videos' timelines). Candidates that came with their grid need not
        be asked for."""

    def answering_videos(self, video_ids: Iterable[str]) -> dict[str, tuple[VideoRecord, str]]:
        """The record and live revision tag of those of ``video_ids`` whose scenes answer
        searches, read together and up to date (DynamoDB: one strongly consistent BatchGetItem
        per 100); a candidate of any other revision, or of a video not named, must not answer."""

    def remove_video(self, video_id: str) -> bool:
        """Delete a video and all its scenes; False if it was not there."""

    def edit_video(self, video_id: str, edit: VideoEdit) -> VideoRecord | None:
        """Set a video's title, episode, AniList and MyAnimeList ids (the title and episode are its
        place in the listing), keeping its status, progress, revision and scenes; the record as it
        is now, or None for no such video."""

    def stats(self) -> StoreStats: ...

    def bucket_sizes(self) -> dict[str, int]:
        """Scenes per bucket (for occupancy reports)."""

    def small_library(self, limit: int) -> list[tuple[str, Candidate]] | None:
        """Every scene with its bucket, sorted by bucket, video and start, when the store holds at
        most ``limit`` scenes; None when it holds more (DynamoDB: a bounded Scan tells,
        ashen.store.dynamodb_small)."""


class CatalogStore(SceneStore, Protocol):
    """The port plus the files of a local library (SqliteStore): each file as it was when last
    indexed, so that an unchanged file is not hashed again and a moved one is known by its content
    (ashen.indexing.catalog)."""

    def file_at(self, path: str) -> FileEntry | None:
        """The entry of the file at ``path`` (absolute), or None."""

    def files_with(self, fingerprint: str) -> list[FileEntry]:
        """Every file entry of this content fingerprint."""

    def files(self) -> list[FileEntry]:
        """Every file entry, by path."""

    def files_of(self, video_id: str) -> list[FileEntry]:
        """The entries of one video's files (copies: several), by path."""

    def keep_file(self, entry: FileEntry, *, video: VideoRecord | None = None, forget: Sequence[str] = ()) -> None:
        """In one transaction: record ``entry`` (replacing what its path held), put ``video`` when
        given (a moved file's record) and forget the entries of the paths in ``forget``."""

    def forget_files(self, paths: Sequence[str]) -> None:
        """Drop the entries of these paths (their videos stay)."""

    def reclaim_space(self) -> int:
        """Give the space of removed videos back to the file system; the bytes the store shrank by."""


class Begun(StrEnum):
    """What ``FanoutStore.begin_indexing`` made of an upload."""

    NEW = "new"  # recorded: plan its segments and queue them
    RETRY = "retry"  # recorded before but its segments never queued (a split that died): queue them
    KNOWN = "known"  # queued before, or a later event (by S3's sequencer) already decided the video


class FanoutStore(SceneStore, Protocol):
    """The port plus the progress of a video indexed by independent workers, one segment each
    (ashen.aws.fanout; DynamoStore implements it). ``revision`` names the upload being indexed:
    work for any other revision is refused, so a replaced or redelivered upload counts once.
    Scenes are written per revision; the revision that answers searches changes only when a new
    one is complete, so the previous complete index answers until then."""

    def begin_indexing(self, video: VideoRecord, revision: str, sequencer: str = "") -> Begun:
        """Record ``video`` as indexing ``revision``, unless a later S3 event (by ``sequencer``)
        already decided the video."""

    def mark_queued(self, video_id: str, revision: str) -> bool:
        """Every segment message of ``revision`` is on the queue."""

    def put_scenes(self, video_id: str, revision: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        """Write scenes of one revision (idempotent)."""

    def take_back_scenes(self, video_id: str, revision: str, scenes: Iterable[tuple[str, Scene]]) -> None:
        """Delete what ``put_scenes`` wrote for these scenes."""

    def mark_segment_done(self, video_id: str, revision: str, index: int, frames: int, scenes: int) -> bool:
        """Count segment ``index`` done, with its frames and scenes; False if it was counted
        already or the video is no longer indexing ``revision``."""

    def note_error(self, video_id: str, revision: str, reason: str) -> bool:
        """Keep the last error of a segment that will be retried."""

    def finish_if_complete(self, video_id: str, revision: str) -> bool:
        """Once every planned segment is done, mark the video indexed and make ``revision``
        answer; True only for the call that does."""

    def fail_video(self, video_id: str, revision: str, reason: str, *, idle_since: float | None = None) -> bool:
        """Fail the indexing of ``revision`` with ``reason``; False if the video is not indexing it
        (or, with ``idle_since``, made progress since then)."""

    def remove_upload(self, video_id: str, sequencer: str = "") -> bool:
        """The object was deleted: remove the video, unless a later event already decided it."""

    def revision_of(self, video_id: str) -> tuple[str, VideoStatus] | None:
        """(revision, status) of a video, or None when there is no such video."""

    def stalled(self, before: float) -> list[tuple[str, str]]:
        """(video id, revision) of the videos indexing without progress since ``before``."""
