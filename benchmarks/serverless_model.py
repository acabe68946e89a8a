"""The models behind benchmarks/serverless.py: request latency, prices, and the probe of a search
against a synthetic library of any size (benchmarks/simulate.py)."""

from __future__ import annotations

import heapq
import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

from ashen.descriptors.buckets import block_key, is_hot_bucket  # noqa: E402
from ashen.store.dynamodb_cells import map_key, plan  # noqa: E402

PRICES = {
    "lambda_gb_second": 0.0000166667,  # x86, first 6 billion GB-s a month
    "lambda_request": 0.20 / 1e6,
    "read_unit": 0.125 / 1e6,  # DynamoDB on-demand read request unit
    "memory_gb": 1.0,  # template.yaml: QueryFunction MemorySize 1024
    "source": "AWS list prices, us-east-1, as of 2024-11-01 (DynamoDB on-demand after that day's reduction): "
    "Lambda x86 $0.0000166667 per GB-second and $0.20 per million requests; DynamoDB on-demand $0.125 per "
    "million read request units; the query function's 1024 MB",
}
ITEM_BYTES = 492  # a scene item when a record does not say (each side measures its own: serverless_worker.py)
MAP_ITEM_BYTES = 20  # a cell map item's keys and attribute names; each bucket listed adds its key
PAGE_BYTES = 1 << 20  # a Query answers at most 1 MB a page
HOT_SHARDS = 8  # template.yaml's default HotShards
LIKELIEST = 11  # videos whose records and live revisions a search reads together (SearchOptions.limit + 1)
LIVE_READ_PER_VIDEO = False  # this layout: no live-revision read per video among the scenes (issue 19)


class LatencyModel:
    """One DynamoDB request's latency: log-normal, median ``median_ms`` (the issue's 8 ms a round
    in one region), spread ``sigma`` (p95 = median * exp(1.645 sigma))."""

    def __init__(self, median_ms: float = 8.0, sigma: float = 0.4) -> None:
        self.median_ms, self.sigma = median_ms, sigma

    def describe(self) -> str:
        p95 = self.median_ms * math.exp(1.645 * self.sigma)
        return f"per request log-normal, median {self.median_ms:.0f} ms, p95 {p95:.1f} ms"

    def round_ms(self, requests: int, concurrency: int, rng: np.random.Generator) -> float:
        """The time of ``requests`` run ``concurrency`` at a time (each to the first free slot)."""
        times = rng.lognormal(math.log(self.median_ms), self.sigma, requests)
        slots = [0.0] * min(concurrency, requests)
        for t in times:
            heapq.heapreplace(slots, slots[0] + t)
        return max(slots, default=0.0)

    def search_ms(self, rounds: list[int], concurrency: int, rng: np.random.Generator) -> float:
        return sum(self.round_ms(n, concurrency, rng) for n in rounds)


def cost_per_1000(latency_ms: float, read_units: float) -> float:
    """USD per 1,000 searches: Lambda for the search's time and its request, DynamoDB's reads."""
    lam = PRICES["lambda_gb_second"] * PRICES["memory_gb"] * latency_ms / 1000 + PRICES["lambda_request"]
    return 1000 * (lam + PRICES["read_unit"] * read_units)


def _key(cells: np.ndarray) -> str:
    return "v2-" + "".join(f"{c:02d}" for c in cells)


class Library:
    """Bucket contents of a synthetic library: scenes per bucket, films per bucket, cell maps."""

    def __init__(self, templates: list[np.ndarray], size: int, seed: int) -> None:
        from simulate import library  # benchmarks/simulate.py

        values, films, _ = library(templates, size, seed=seed + 1)
        cells = values[:, [0, 21, 27, 1, 2, 5]].astype(np.int64) // np.array([3, 2, 2, 3, 3, 3])
        code = np.ravel_multi_index(cells.T, (22, 32, 32, 11, 11, 11))
        order = np.argsort(code, kind="stable")
        self.code, self.films = code[order], films[order]
        self.keys, starts = np.unique(self.code, return_index=True)
        self.starts = np.append(starts, len(self.code))
        self.maps: dict[str, set[str]] = defaultdict(set)
        self.map_bytes: dict[str, int] = defaultdict(lambda: MAP_ITEM_BYTES)
        for k in self.keys.tolist():
            key = _key(np.array(np.unravel_index(k, (22, 32, 32, 11, 11, 11))))
            self.maps[block_key(key)].add(key)
            self.map_bytes[map_key(key)] += len(key)

    def slice_of(self, bucket: str) -> tuple[int, int]:
        cells = [int(bucket[3 + i : 5 + i]) for i in range(0, 12, 2)]
        code = int(np.ravel_multi_index(cells, (22, 32, 32, 11, 11, 11)))
        i = int(np.searchsorted(self.keys, code))
        if i == len(self.keys) or self.keys[i] != code:
            return 0, 0
        return int(self.starts[i]), int(self.starts[i + 1])

    def probe(self, buckets: list[str], item_bytes: tuple[float, float]) -> dict[str, Any]:
        """Requests and read units of one probe, old layout and new (scene items of the measured
        sizes, ``item_bytes`` old and new), what it reads, and where each side's units go."""
        sizes = {b: (lambda s: s[1] - s[0])(self.slice_of(b)) for b in buckets}
        films = np.unique(np.concatenate([self.films[slice(*self.slice_of(b))] for b in buckets] or [np.array([])]))
        live = math.ceil(len(films) / 100)
        old_q, old_u = 0, 0.0
        for b, n in sizes.items():
            parts = HOT_SHARDS if is_hot_bucket(b) else 1
            old_q += parts
            old_u += sum(max(1, math.ceil(n / parts * item_bytes[0] / 4096)) * 0.5 for _ in range(parts))
        maps = {map_key(b) for b in buckets}
        spans = plan(buckets, self.maps, HOT_SHARDS)
        map_u = sum(max(1, math.ceil(self.map_bytes[m] / 4096)) * 0.5 for m in maps)
        new_q, new_u = 0, 0.0
        for s in spans:
            present = [b for b in self.maps[block_key(s.first)] if s.first <= b <= s.last and b in sizes]
            parts = HOT_SHARDS if s.partition.count("#") else 1
            size = sum(sizes[b] for b in present) / parts * item_bytes[1]
            new_q += max(1, math.ceil(size / PAGE_BYTES))
            new_u += max(1, math.ceil(size / 4096)) * 0.5
        old_live = float(len(films))  # one strongly consistent read of every video's live revision
        new_live = float(len(films)) if LIVE_READ_PER_VIDEO else 0.0
        return {
            "items": sum(sizes.values()),
            "films": len(films),
            "old": ([old_q, live], old_u + old_live, {"maps": 0.0, "scenes": old_u, "live": old_live}),
            "new": (
                [math.ceil(len(maps) / 100), new_q] + ([live] if LIVE_READ_PER_VIDEO else []),
                map_u + new_u + new_live,
                {"maps": map_u, "scenes": new_u, "live": new_live},
            ),
        }


def _rescaled(record: dict[str, Any], probes: list[dict[str, Any]], side: str) -> dict[str, Any]:
    phases, found = [], iter(probes)
    for p in record["phases"]:
        if p["name"] != "candidates":
            phases.append(p)
            continue
        rounds, units, split = next(found)[side]
        phases.append({"name": "candidates", "rounds": [n for n in rounds if n], "units": units, "split": split})
    films = max((p["films"] for p in probes), default=0)
    for i, p in enumerate(phases):
        if p["name"] == "answering_videos":  # the likeliest videos' records, strongly consistent: 1 unit each
            phases[i] = p | {"units": max(p["units"], float(min(LIKELIEST, films)))}
    return record | {"phases": phases, "scale_items": sum(p["items"] for p in probes)}


def scale_rounds(
    old: list[dict[str, Any]], new: list[dict[str, Any]], size: int, seed: int, templates: list[np.ndarray]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both sides' records with their probe rounds modelled against a library of ``size`` scenes
    (the buckets probed are the same on both sides: the probes of the new side's run are used)."""
    lib = Library(templates, size, seed)
    old_out, new_out = [], []
    for a, b in zip(old, new, strict=True):
        sizes = (a.get("item_bytes", ITEM_BYTES), b.get("item_bytes", ITEM_BYTES))
        probes = [lib.probe(buckets, sizes) for buckets in b["buckets"]]
        if len(a["buckets"]) != len(b["buckets"]):
            continue  # the sides probed differently: not comparable (counted as a differing answer)
        old_out.append(_rescaled(a, probes, "old"))
        new_out.append(_rescaled(b, probes, "new"))
    return old_out, new_out
