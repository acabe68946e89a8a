"""One side of benchmarks/serverless.py: index, copy into DynamoDB (moto), search, count requests.

Runs with ``--shared`` first on ``sys.path``, so the base commit's package and this checkout's
are measured by the same code. Writes one record per query (JSON).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--queries", type=Path, required=True, help="the folder benchmarks/serverless_queries.py wrote")
    return ap.parse_args()


ARGS = parse()
sys.path.insert(0, str(ARGS.shared))
sys.path.insert(1, str(HERE))
import boto3  # noqa: E402
import numpy as np  # noqa: E402
from dynamo_bench import Calls, copy_into, fake_aws_env, item_size  # noqa: E402
from moto import mock_aws  # noqa: E402
from serverless_worker_media import videos  # noqa: E402

from ashen.descriptors.signature import Signature, unpack_all  # noqa: E402
from ashen.indexing.indexer import IndexOptions, index_video  # noqa: E402
from ashen.search.pipeline import search_file, search_image, search_signature  # noqa: E402
from ashen.store.dynamodb import DynamoStore  # noqa: E402
from ashen.store.sqlite import SqliteStore  # noqa: E402

fake_aws_env()


def rounds(requests: list[dict[str, Any]]) -> list[int]:
    """Requests per round, in order: those made together (one ``in_parallel`` call, the old
    layout's pool of bucket Queries) are one round, any other request is a round of its own."""
    out: dict[str, int] = {}
    for r in sorted(requests, key=lambda r: r["t0"]):
        out[r["round"]] = out.get(r["round"], 0) + 1
    return list(out.values())


def busy_seconds(requests: list[dict[str, Any]]) -> float:
    total, end = 0.0, -1.0
    for r in sorted(requests, key=lambda r: r["t0"]):
        total += max(0.0, r["t1"] - max(r["t0"], end))
        end = max(end, r["t1"])
    return total


def scene_item_bytes(dynamo: DynamoStore) -> dict[str, float]:
    """Mean size of the scenes table's items as DynamoDB counts them (names and values), per kind:
    the items a probe reads (those naming their video, under the name the side's model stores it
    as) and the rest (cell maps, timeline items)."""
    sizes: dict[str, list[int]] = {}
    video = dynamo.Scene.video.attr_name
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=dynamo.Scene.Meta.table_name)
    for item in (i for page in pages for i in page["Items"]):
        sizes.setdefault("probe" if video in item else "other", []).append(item_size(item))
    return {k: float(np.mean(v)) for k, v in sizes.items()}


def save_templates(path: Path, out: Path) -> None:
    """Each indexed video's scene signatures in time order: the templates of the modelled library."""
    db = sqlite3.connect(path)
    ids = [r[0] for r in db.execute("SELECT DISTINCT video_id FROM scenes")]
    arrays = [
        unpack_all(
            bytes(r[0]) for r in db.execute("SELECT signature FROM scenes WHERE video_id = ? ORDER BY start", (v,))
        )
        for v in ids
    ]
    np.savez(out, *sorted(arrays, key=len, reverse=True))


def queries(folder: Path) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(kind, name, search) of every query, as benchmarks/serverless_queries.py wrote them."""
    out: list[tuple[str, str, Callable[[Any], Any]]] = []
    for q in json.loads((folder / "queries.json").read_text()):
        kind, name = q["kind"], q["name"]
        if "signature" in q:
            sig = Signature.from_hex(q["signature"])
            out.append((kind, name, lambda s, sig=sig: search_signature(s, sig)))
        elif q["file"].endswith(".npy"):
            rgb = np.load(folder / q["file"])
            out.append((kind, name, lambda s, rgb=rgb: search_image(s, rgb)))
        else:
            path = folder / q["file"]
            out.append((kind, name, lambda s, path=path: search_file(s, path)))
    return out


def measure(store: DynamoStore, calls: Calls, kind: str, name: str, search: Callable[[Any], Any]) -> dict[str, Any]:
    calls.log, calls.buckets = [], []
    began, cpu = time.perf_counter(), time.thread_time()
    result = search(store)
    wall, cpu = time.perf_counter() - began, time.thread_time() - cpu
    phases: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in calls.log:
        phases.setdefault(tuple(r["phase"] or ("other", 0)), []).append(r)
    return {
        "kind": kind,
        "name": name,
        "answer": [[m.video.title, round(m.at, 2)] for m in result.matches],
        "compute_ms": 1000 * (wall - busy_seconds(calls.log)),
        # the main thread's CPU time outside DynamoDB calls (moto answers in the process): what a
        # loaded machine's waits do not inflate
        "compute_cpu_ms": 1000 * (cpu - sum(r["cpu"] for r in calls.log)),
        "phases": [
            {"name": key[0], "rounds": rounds(rs), "units": sum(r["units"] for r in rs)}
            for key, rs in sorted(phases.items(), key=lambda kv: min(r["t0"] for r in kv[1]))
        ],
        "buckets": calls.buckets,
    }


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="ashen-sls-") as tmp, mock_aws():
        db = Path(tmp) / "index.db"
        sqlite = SqliteStore(db)
        for v in videos():
            index_video(sqlite, str(v), IndexOptions(title=v.stem))
        store = DynamoStore("scenes", "videos")
        store.create_tables()
        scenes = copy_into(sqlite, db, store)
        item_bytes = scene_item_bytes(store)
        print(f"  {ARGS.out.stem} mean item bytes: {item_bytes}", file=sys.stderr, flush=True)
        save_templates(db, ARGS.out.with_suffix(".npz"))
        work = queries(ARGS.queries)
        calls = Calls()
        calls.install()
        # the new layout's rounds
        for module in ("ashen.store.dynamodb_cells", "ashen.store.dynamodb", "ashen.store.dynamodb_timeline"):
            if module in sys.modules:
                calls.mark_rounds(sys.modules[module])
        names = ("candidates", "scenes_between", "scenes_in", "get_video", "get_videos", "answering_videos")
        for name in (*names, "luma_grids"):  # (a side whose scene items carry their grids has no luma_grids)
            calls.wrap(store, name)
        records = []
        for q in work:
            records.append(measure(store, calls, *q) | {"scenes": scenes, "item_bytes": item_bytes["probe"]})
            spent = sum(sum(p["rounds"]) for p in records[-1]["phases"])
            print(f"  {ARGS.out.stem} {q[0]} {q[1]}: {spent} requests", file=sys.stderr, flush=True)
    ARGS.out.write_text(json.dumps(records))


if __name__ == "__main__":
    main()
