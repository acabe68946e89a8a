"""Reading the buckets of a search from DynamoDB in a few requests (issue 19).

On DynamoDB a search's cost is its number of round trips, not its compute: one Query per bucket
made a screenshot, whose readings name some 600 buckets, cost some 600 Queries. The scenes table
is therefore laid out by **block** (ashen.descriptors.buckets.block_key: the bucket grid made
twice as coarse in each of its six values, 64 buckets a block): a block is one partition, and its
items' sort keys lead with the bucket, so neighbouring buckets of a block are one sort-key range.
A **cell map** lists the buckets that hold scenes in a region twice as coarse again (8 x 8 x ...
blocks, 4,096 buckets: ``map_key``), so that a search reads a few maps, not one per block. A writer
adds its buckets before it writes (``CellReader.writing``); a clean-up that deleted scenes takes
the emptied buckets out (``CellReader.shrink``), never one that holds a scene. A search then reads:

1. the cell maps of the regions its buckets fall in: one BatchGetItem per 100 maps;
2. for each block, one Query per **run**: wanted buckets that follow each other among the
   buckets the map lists (a bucket that holds scenes but is not wanted ends a run, so a range never
   reads a scene of a bucket not asked for, unless written since the map was read: those are
   dropped); buckets the map does not list are not read at all;
3. all those Queries at once (``READ_CONNECTIONS`` in flight).

Hot buckets (low-texture frames, ashen.store.dynamodb_tables.is_hot) are spread over
``hot_shards`` partitions of their block (``<block>#<shard>``); their runs are read on every shard.

``plan`` is pure (buckets and maps in, spans out), so a benchmark can model what a search reads
from a library of any size (benchmarks/serverless.py).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action

from ashen.descriptors.buckets import block_key, is_hot_bucket
from ashen.store.dynamodb_models import MAP_KEY, READ_CONNECTIONS, CellMapItem, SceneItem, conditional_failed, stored

T = TypeVar("T")
R = TypeVar("R")
_BATCH_GET = 100  # keys per BatchGetItem (DynamoDB's limit)
MAP_FACTOR = 4  # a cell map covers the bucket grid four times as coarse: 2^6 blocks
# A writer's token older than this is taken for a writer that died between note and done (a
# Lambda runs at most 15 minutes; a write of one video's scenes takes seconds to minutes).
WRITER_LEASE_S = 3600


def _by_map(buckets: Iterable[str]) -> dict[str, set[str]]:
    """``buckets`` grouped by the cell map that lists them (``map_key``)."""
    by_map: dict[str, set[str]] = {}
    for b in buckets:
        by_map.setdefault(map_key(b), set()).add(b)
    return by_map


def map_key(bucket: str) -> str:
    """The partition of the cell map that lists ``bucket`` (``<scheme>m-<cells / 4>``)."""
    return block_key(bucket, MAP_FACTOR, "m")


@dataclass(frozen=True)
class Span:
    """One Query: the scenes of buckets ``first`` .. ``last`` (in key order) of one partition."""

    partition: str
    first: str
    last: str

    @property
    def low(self) -> str:
        return f"{self.first}#"

    @property
    def high(self) -> str:
        return f"{self.last}$"  # "$" sorts right after "#": every item of bucket ``last``


def hot_partitions(block: str, shards: int) -> list[str]:
    """The partitions the hot buckets of ``block`` are spread over."""
    return [f"{block}#{i}" for i in range(shards)] if shards > 1 else [block]


def runs(present: Sequence[str], wanted: Collection[str]) -> list[tuple[str, str]]:
    """(first, last) of each run of wanted buckets among ``present`` (sorted): a present bucket
    that is not wanted ends a run."""
    out: list[tuple[str, str]] = []
    open_run: list[str] = []
    for bucket in present:
        if bucket in wanted:
            open_run = [open_run[0] if open_run else bucket, bucket]
            continue
        if open_run:
            out.append((open_run[0], open_run[1]))
        open_run = []
    if open_run:
        out.append((open_run[0], open_run[1]))
    return out


def plan(wanted: Iterable[str], maps: Mapping[str, Collection[str]], hot_shards: int) -> list[Span]:
    """The Queries that read every scene of the ``wanted`` buckets, given the cell maps of their
    blocks (a block without a map holds nothing)."""
    want = set(wanted)
    spans: list[Span] = []
    for block in sorted({block_key(b) for b in want}):
        present = sorted(maps.get(block, ()))
        if not present:
            continue
        hot = {b for b in present if is_hot_bucket(b)} if hot_shards > 1 else set()
        cold = [b for b in present if b not in hot]
        spans += [Span(block, first, last) for first, last in runs(cold, want)]
        for first, last in runs(sorted(hot), want):
            spans += [Span(p, first, last) for p in hot_partitions(block, hot_shards)]
    return spans


def in_parallel(fn: Callable[[T], R], work: Sequence[T]) -> list[R]:
    """``fn`` over ``work``, up to READ_CONNECTIONS at once, in order."""
    if len(work) <= 1:
        return [fn(w) for w in work]
    with ThreadPoolExecutor(max_workers=min(READ_CONNECTIONS, len(work))) as pool:
        return list(pool.map(fn, work))


def chunks(items: Sequence[T], size: int = _BATCH_GET) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class CellReader:
    """The read and the upkeep of cell maps, and the Queries of a plan, for one scenes table."""

    def __init__(self, scene: type[SceneItem], cell_map: type[CellMapItem], hot_shards: int) -> None:
        self.scene, self.cell_map, self.hot_shards = scene, cell_map, hot_shards

    def maps(self, buckets: Iterable[str]) -> dict[str, set[str]]:
        """The buckets holding scenes of each block the ``buckets`` fall in, from their cell maps
        (eventually consistent, as the scene reads)."""
        keys = [(m, MAP_KEY) for m in sorted({map_key(b) for b in buckets})]

        def get(part: Sequence[tuple[str, str]]) -> list[CellMapItem]:
            M = self.cell_map
            return list(M.batch_get(part, attributes_to_get=stored(M.block, M.cells)))

        by_block: dict[str, set[str]] = {}
        for part in in_parallel(get, chunks(keys)):
            for item in part:
                for bucket in item.cells or ():
                    by_block.setdefault(block_key(bucket), set()).add(bucket)
        return by_block

    def read(self, buckets: Iterable[str]) -> list[SceneItem]:
        """Every scene item of the buckets (of any revision): maps, then every span at once."""
        wanted = set(buckets)
        if not wanted:
            return []
        spans = plan(wanted, self.maps(wanted), self.hot_shards)

        def query(span: Span) -> list[SceneItem]:
            return list(self.scene.query(span.partition, self.scene.sk.between(span.low, span.high)))

        return [item for part in in_parallel(query, spans) for item in part if item.bucket in wanted]

    @contextmanager
    def writing(self, buckets: Iterable[str]) -> Iterator[None]:
        """Around a write of scenes into ``buckets``: add them to their cell maps first (so a
        reader that sees a scene also sees its bucket listed) with this writer's token, and take
        the token back when the block ends. A shrink leaves alone a map with a writer in flight."""
        by_map = _by_map(buckets)
        token = {f"{time.time():.0f}#{uuid.uuid4().hex}"}
        M = self.cell_map

        def note(entry: tuple[str, set[str]]) -> None:
            M(entry[0], MAP_KEY).update(actions=[M.cells.add(entry[1]), M.writers.add(token), M.version.add(1)])

        def done(key: str) -> None:
            M(key, MAP_KEY).update(actions=[M.writers.delete(token), M.version.add(1)])

        in_parallel(note, sorted(by_map.items()))
        try:
            yield
        finally:
            in_parallel(done, sorted(by_map))

    def empty(self, bucket: str) -> bool:
        """No scene item in ``bucket`` on any of its partitions (Limit=1 strongly consistent Queries)."""
        block = block_key(bucket)
        parts = hot_partitions(block, self.hot_shards) if is_hot_bucket(bucket) else [block]
        span = Span(block, bucket, bucket)

        def holds(partition: str) -> bool:
            found = self.scene.query(
                partition, self.scene.sk.between(span.low, span.high), limit=1, consistent_read=True
            )
            return next(iter(found), None) is not None

        return not any(in_parallel(holds, parts))

    def shrink(self, buckets: Iterable[str]) -> int:
        """Take the emptied ones of ``buckets`` out of their cell maps (after their scenes were
        deleted); the number taken out. Per map: read it (strongly consistent); skip it while a
        writer is in flight; Query each listed bucket for one item; remove the empty ones with an
        update conditional on the map's version as read. A writer that notes after the read
        changes the version, so its bucket stays; one that noted before is in flight (skipped) or
        done, and then its scenes were there for the Queries: a bucket holding scenes is never
        missing from its map."""
        return sum(in_parallel(self._shrink_map, sorted(_by_map(buckets).items())))

    def _shrink_map(self, entry: tuple[str, set[str]]) -> int:
        key, asked = entry
        M = self.cell_map
        try:
            item = M.get(key, MAP_KEY, consistent_read=True)
        except DoesNotExist:
            return 0
        stale = {w for w in item.writers or () if float(w.split("#", 1)[0]) < time.time() - WRITER_LEASE_S}
        if set(item.writers or ()) - stale:
            return 0
        gone = {b for b in (item.cells or set()) & asked if self.empty(b)}
        if not gone:
            return 0
        same = M.version == item.version if item.version is not None else M.version.does_not_exist()
        actions: list[Action] = [M.cells.delete(gone)]
        if stale:  # writers that died between note and done
            actions.append(M.writers.delete(stale))
        try:
            M(key, MAP_KEY).update(actions=actions, condition=same)
        except UpdateError as exc:
            if not conditional_failed(exc):
                raise
            return 0  # a writer came by: its buckets stay listed; a later removal shrinks the map
        return len(gone)
