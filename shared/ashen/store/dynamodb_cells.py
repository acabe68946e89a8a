"""Reading the buckets of a search from DynamoDB in a few requests (issue 19).

On DynamoDB a search's cost is its number of round trips, not its compute: one Query per bucket
made a screenshot, whose readings name some 600 buckets, cost some 600 Queries. The scenes table
is therefore laid out by **block** (ashen.descriptors.buckets.block_key: the bucket grid made
twice as coarse in each of its six values, 64 buckets a block): a block is one partition, and its
items' sort keys lead with the bucket, so neighbouring buckets of a block are one sort-key range.
A **cell map** lists the buckets that hold scenes in a region twice as coarse again (8 x 8 x ...
blocks, 4,096 buckets: ``map_key``), so that a search reads a few maps, not one per block. A search
then reads:

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

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from ashen.descriptors.buckets import block_key, is_hot_bucket
from ashen.store.dynamodb_models import MAP_KEY, READ_CONNECTIONS, CellMapItem, SceneItem

T = TypeVar("T")
R = TypeVar("R")
_BATCH_GET = 100  # keys per BatchGetItem (DynamoDB's limit)
MAP_FACTOR = 4  # a cell map covers the bucket grid four times as coarse: 2^6 blocks


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
            return list(self.cell_map.batch_get(part, attributes_to_get=["block", "cells"]))

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

    def note(self, buckets: Iterable[str]) -> None:
        """Add buckets to their blocks' cell maps (before their scenes are written, so a reader
        that sees a scene also sees its bucket listed)."""
        by_map: dict[str, set[str]] = {}
        for b in buckets:
            by_map.setdefault(map_key(b), set()).add(b)

        def add(entry: tuple[str, set[str]]) -> None:
            key, cells = entry
            self.cell_map(key, MAP_KEY).update(actions=[self.cell_map.cells.add(cells)])

        in_parallel(add, sorted(by_map.items()))
