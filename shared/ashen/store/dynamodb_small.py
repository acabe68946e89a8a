"""The small-library read on DynamoDB: every scene of a scenes table of at most ``limit`` scenes,
read by a bounded parallel Scan (``SceneStore.small_library``; issue 19).

A search whose probes find no scene at all reads a **small store** whole (ashen.search.pipeline,
``Tuning.read_all_scenes``): a small library has empty neighbourhoods, and reading it costs less
than a wider probe. SQLite counts its scenes first; here the Scan is the count: ``SEGMENTS``
segments are read at once, each page's scene items counted as they come, and the read stops as
soon as more than ``limit`` have been seen (None: not a small library). So a Scan reads at most
``limit`` scene items plus the pages in flight when it stops (``SEGMENTS`` pages of at most 1 MB),
whatever the table holds, and never an unbounded amount of memory, time or read units.

A library found larger is remembered for ``LARGE_MEMO_S`` (per store object: a warm Lambda's),
so a large library pays for one bounded Scan per container and period, and only when a search
found nothing (which the probe makes rare at scale). A library that shrank below the limit is read
whole again once that period ends.

The count is of scene items of every revision (a new upload being hashed, a revision not yet
deleted), as the table holds them; the search drops those of a revision that does not answer
(stale candidates). The scenes are handed back sorted by bucket, video and start: the order in
which SQLite hands back the same scenes (its primary key), so both stores rank them alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence

from ashen.records import Candidate
from ashen.store.dynamodb_cells import in_parallel
from ashen.store.dynamodb_models import SceneItem

SEGMENTS = 8  # parallel Scan segments: pages in flight at once (each at most 1 MB)
# SqliteStore asks for the scenes of at most this many buckets a statement (its _KEYS_PER_STATEMENT)
STATEMENT_BUCKETS = 2000
LARGE_MEMO_S = 600.0  # a library found larger than the limit is not scanned again for this long


def in_sqlite_order(buckets: Sequence[str], items: Iterable[SceneItem]) -> list[SceneItem]:
    """The scene items of ``buckets`` in the order SQLite hands back the same scenes: statement by
    statement (``STATEMENT_BUCKETS`` of ``buckets`` each, in the order given), each sorted by its
    primary key (bucket, video, start). A search breaks exact distance ties by this order, so both
    stores answer alike (a tie between scenes of two buckets read block by block once did not)."""
    statement: dict[str, int] = {}
    for i, bucket in enumerate(buckets):
        statement.setdefault(bucket, i // STATEMENT_BUCKETS)
    return sorted(items, key=lambda item: (statement[item.bucket], item.bucket, item.video, float(item.start)))


class _Tally:
    """Scene items seen so far by every segment; ``over`` once more than ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit, self.seen, self.lock = limit, 0, threading.Lock()

    def add(self, n: int = 1) -> bool:
        """Count ``n`` more; whether the total is now over the limit."""
        with self.lock:
            self.seen += n
            return self.seen > self.limit

    @property
    def over(self) -> bool:
        with self.lock:
            return self.seen > self.limit


class SmallLibrary:
    """The bounded Scan of one scenes table, and the memory of having found it large."""

    def __init__(
        self,
        scene: type[SceneItem],
        to_candidate: Callable[[SceneItem], Candidate],
        *,
        segments: int = SEGMENTS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scene, self.to_candidate, self.segments, self.clock = scene, to_candidate, max(1, segments), clock
        self.large_until = float("-inf")

    def read(self, limit: int) -> list[tuple[str, Candidate]] | None:
        """Every scene with its bucket, sorted as SQLite's primary key, when the table holds at
        most ``limit`` scene items; None when it holds more (or held more a moment ago)."""
        if self.clock() < self.large_until:
            return None
        tally = _Tally(limit)
        parts = in_parallel(lambda segment: self._segment(segment, tally), list(range(self.segments)))
        if tally.over:
            self.large_until = self.clock() + LARGE_MEMO_S
            return None
        scenes = [pair for part in parts for pair in part]
        scenes.sort(key=lambda pair: (pair[0], pair[1].video_id, pair[1].start))
        return scenes

    def _segment(self, segment: int, tally: _Tally) -> list[tuple[str, Candidate]]:
        """The scene items of one Scan segment, until the tally is over: those with a video id (cell
        maps have none, and timeline items keep theirs in the key: ashen.store.dynamodb_timeline)."""
        S, out = self.scene, []
        for item in S.scan(S.video.exists(), segment=segment, total_segments=self.segments):
            if tally.add():
                return []
            out.append((item.bucket, self.to_candidate(item)))
        return out
