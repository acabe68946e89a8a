"""The robustness benchmark through DynamoDB (``benchmarks/robustness.py --store dynamodb``, issue 19).

The library the run indexed into SQLite is copied into the template's DynamoDB tables (moto, in
this process) through the real adapter (``ashen.store.dynamodb.DynamoStore``), and every query is
asked a second time through the buckets on that store, as the method ``ashen dynamodb``. The
store is used through the storage port only: the search is ``ashen.search``'s, as in a Lambda.

Each query's two answers are then compared record by record, on what
``benchmarks/compare_records.py`` compares (the answer, whether it is right, the candidates
compared and the bucket keys and time ranges read), and the DynamoDB requests and read units of
each query are counted (``dynamo_bench.Calls``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from compare_records import COMPARED
from dynamo_bench import Calls, copy_into, fake_aws_env
from methods import RGB, AshenMethod, Clip, Outcome
from moto import mock_aws

from ashen.store import SqliteStore
from ashen.store.dynamodb import DynamoStore

NAME = "ashen dynamodb"
SQLITE = "ashen buckets"
BRUTE = "ashen brute"
PAIRED = ("source", "positive", "edit", "kind", "truth")  # a query; the same one may be asked twice


class Rec(Protocol):
    """What is read of a robustness.Record."""

    source: str
    positive: bool
    edit: str
    kind: str
    method: str
    truth: float | None
    correct: bool
    candidates: int


class DynamoMethod:
    """Ashen through its buckets on a DynamoStore, counting the requests and read units of each query."""

    candidates_kind = "scenes"
    name = NAME

    def __init__(self, store: DynamoStore, calls: Calls) -> None:
        self.inner = AshenMethod(store, brute_force=False)  # type: ignore[arg-type]  # any SceneStore
        self.calls = calls
        self.requests: dict[str, list[int]] = {"image": [], "clip": []}
        self.units: dict[str, list[float]] = {"image": [], "clip": []}

    def _counted(self, kind: str, ask: Callable[[], Outcome]) -> Outcome:
        self.calls.log = []
        out = ask()
        self.requests[kind].append(len(self.calls.log))
        self.units[kind].append(sum(r["units"] for r in self.calls.log))
        return out

    def image(self, rgb: RGB) -> Outcome:
        return self._counted("image", lambda: self.inner.image(rgb))

    def clip(self, frames: Clip) -> Outcome:
        return self._counted("clip", lambda: self.inner.clip(frames))


def open_dynamo(sqlite: SqliteStore, path: Path, stack: ExitStack, log: Callable[[str], None]) -> DynamoMethod:
    """Copy the SQLite library at ``path`` into fresh moto tables; the method searching them.
    The tables live as long as ``stack``."""
    fake_aws_env()
    stack.enter_context(mock_aws())
    store = DynamoStore("scenes", "videos")
    store.create_tables()
    scenes = copy_into(sqlite, path, store)
    log(f"copied {len(store.list_videos())} videos, {scenes} scenes into DynamoDB (moto, the template's layout)")
    calls = Calls()
    calls.install()
    return DynamoMethod(store, calls)


def _pairs(records: Sequence[Rec]) -> list[tuple[Rec, Rec]]:
    """(SQLite buckets, DynamoDB buckets) records of each query, in the order asked."""
    mine: dict[tuple[Any, ...], list[Rec]] = {}
    for r in records:
        if r.method == NAME:
            mine.setdefault(tuple(getattr(r, k) for k in PAIRED), []).append(r)
    out = []
    for r in records:
        if r.method == SQLITE:
            queue = mine.get(tuple(getattr(r, k) for k in PAIRED))
            if queue:
                out.append((r, queue.pop(0)))
    return out


def _right(records: Sequence[Rec], method: str, kind: str) -> str:
    rs = [r for r in records if r.method == method and r.kind == kind and r.positive]
    return f"{sum(r.correct for r in rs)}/{len(rs)} ({100 * np.mean([r.correct for r in rs]) if rs else 0:.1f}%)"


def _spread(values: Sequence[float]) -> str:
    if not values:
        return "none"
    p50, p95 = np.percentile(values, 50), np.percentile(values, 95)
    return f"p50 {p50:g}, p95 {p95:g}, max {max(values):g}"


def read_whole(record: Rec, scenes: int) -> bool:
    """No probe found a scene, and the search read the small library whole (``small_library``)."""
    return record.candidates >= scenes


def compare(records: Sequence[Rec], method: DynamoMethod, scenes: int) -> dict[str, Any]:
    """Per kind (image, clip): queries compared, identical records, those that read the small
    library whole on SQLite and on DynamoDB (``read_whole``), recall@1 of the must-match ones
    through buckets on SQLite and on DynamoDB and by brute force, DynamoDB requests and read units
    per query (and of the queries that read the library whole); and the first few records that differ."""
    pairs = _pairs(records)
    same = [all(getattr(a, c) == getattr(b, c) for c in COMPARED) for a, b in pairs]
    out: dict[str, Any] = {"kinds": {}, "differ": []}
    for kind in ("image", "clip"):
        mine = [(s, a, b) for s, (a, b) in zip(same, pairs, strict=True) if a.kind == kind]
        asked_here = [r for r in records if r.method == NAME and r.kind == kind]  # in the order asked
        whole = [i for i, r in enumerate(asked_here) if read_whole(r, scenes)]
        asked = method.requests[kind], method.units[kind]
        out["kinds"][kind] = {
            "compared": len(mine),
            "identical": sum(s for s, _, _ in mine),
            "whole_sqlite": sum(read_whole(a, scenes) for _, a, _ in mine),
            "whole_dynamodb": sum(read_whole(b, scenes) for _, _, b in mine),
            "right_sqlite_buckets": _right(records, SQLITE, kind),
            "right_dynamodb_buckets": _right(records, NAME, kind),
            "right_brute_force": _right(records, BRUTE, kind),
            "requests": _spread(asked[0]),
            "read_units": _spread(asked[1]),
            "whole_requests": _spread([asked[0][i] for i in whole if i < len(asked[0])]),
            "whole_read_units": _spread([asked[1][i] for i in whole if i < len(asked[1])]),
        }
    for s, (a, b) in zip(same, pairs, strict=True):
        if not s and len(out["differ"]) < 10:
            out["differ"].append({c: [str(getattr(a, c)), str(getattr(b, c))] for c in (*PAIRED, *COMPARED)})
    return out


def print_comparison(result: dict[str, Any]) -> None:
    print("\nthrough DynamoDB (moto, the template's tables) vs SQLite, query by query")
    for kind, row in result["kinds"].items():
        print(
            f"  {kind:5s}: {row['compared']} queries compared, {row['identical']} identical "
            f"(answer, right, candidates, keys), {row['compared'] - row['identical']} differ; read the small "
            f"library whole: SQLite {row['whole_sqlite']}, DynamoDB {row['whole_dynamodb']}; right of those that "
            f"must match: buckets SQLite {row['right_sqlite_buckets']}, buckets DynamoDB "
            f"{row['right_dynamodb_buckets']}, brute force {row['right_brute_force']}"
        )
        whole = f"requests {row['whole_requests']}; read units {row['whole_read_units']}"
        print(f"         the whole reads on DynamoDB: {whole}")
        print(f"         DynamoDB requests per query {row['requests']}; read units {row['read_units']}")
    for d in result["differ"]:
        print(f"  differs: {d}")
