"""One side of benchmarks/serverless.py: index, copy into DynamoDB (moto), search, count requests.

Runs with ``--shared`` first on ``sys.path``, so the base commit's package and this checkout's
are measured by the same code. Writes one record per query (JSON).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED_MEDIA = HERE.parents[1] / "shared" / "media"
FIXTURE = HERE.parent / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
NEGATIVE_VIDEOS = ("friday-640x480.mp4", "rabbit-320x240.webm")  # kept out of the index, as robustness.py does


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--screenshots", type=int, default=24)
    ap.add_argument("--photos", type=int, default=11)
    ap.add_argument("--clips", default="", help="comma-separated file names: cut queries only from these clips")
    ap.add_argument("--gifs", type=int, default=6)
    ap.add_argument("--signatures", type=int, default=16)
    return ap.parse_args()


ARGS = parse()
sys.path.insert(0, str(ARGS.shared))
sys.path.insert(1, str(HERE))
for k, v in {
    "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "x",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}.items():
    os.environ[k] = v
os.environ.pop("AWS_ENDPOINT_URL", None)

import boto3  # noqa: E402
import botocore.client  # noqa: E402
import frames  # noqa: E402
import numpy as np  # noqa: E402
from edits import EDITS, HARD_EDITS, RELEASE_EDITS, SampleParams, apply  # noqa: E402
from moto import mock_aws  # noqa: E402
from PIL import Image  # noqa: E402

from ashen.descriptors.signature import Signature, unpack_all  # noqa: E402
from ashen.indexing.indexer import IndexOptions, index_video  # noqa: E402
from ashen.query.images import load_rgb  # noqa: E402
from ashen.records import Scene  # noqa: E402
from ashen.search.pipeline import search_file, search_image, search_signature  # noqa: E402
from ashen.store.dynamodb import DynamoStore  # noqa: E402
from ashen.store.sqlite import SqliteStore  # noqa: E402


class Calls:
    """Every DynamoDB request: operation, phase (the store method it was made in), times, units."""

    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []
        self.phase: tuple[str, int] | None = None
        self.count = 0
        self.lock = threading.Lock()
        self.buckets: list[list[str]] = []
        self.local = threading.local()

    def mark_rounds(self, module: Any) -> None:
        """Requests made inside one ``in_parallel`` call are one round (the new layout's)."""
        inner = getattr(module, "in_parallel", None)
        if inner is None:
            return
        calls = self

        def marked(fn: Callable[[Any], Any], work: Any) -> Any:
            calls.count += 1
            marker = ("parallel", calls.count)

            def each(item: Any) -> Any:
                calls.local.round = marker
                try:
                    return fn(item)
                finally:
                    calls.local.round = None

            return inner(each, work)

        module.in_parallel = marked

    def install(self) -> None:
        original = botocore.client.BaseClient._make_api_call
        calls = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            t0 = time.perf_counter()
            response = original(client, operation, params)
            t1 = time.perf_counter()
            marker = getattr(calls.local, "round", None)
            if marker is None and operation == "Query" and calls.phase and calls.phase[0] == "candidates":
                marker = ("pool", calls.phase)  # the old layout's thread pool of bucket Queries: one round
            with calls.lock:
                calls.count += 1
                calls.log.append(
                    {
                        "op": operation,
                        "phase": calls.phase,
                        "round": repr(marker or calls.count),
                        "t0": t0,
                        "t1": t1,
                        "units": read_units(operation, params, response),
                    }
                )
            return response

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def wrap(self, store: Any, name: str) -> None:
        inner = getattr(store, name, None)
        if inner is None:
            return
        calls = self

        def phased(*args: Any, **kwargs: Any) -> Any:
            if calls.phase is not None:
                return inner(*args, **kwargs)
            calls.count += 1
            calls.phase = (name, calls.count)
            if name == "candidates" and len(args[0]):
                calls.buckets.append(list(dict.fromkeys(args[0])))
            try:
                return inner(*args, **kwargs)
            finally:
                calls.phase = None

        setattr(store, name, phased)


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "B":
        return len(v)
    if kind == "N":
        return math.ceil(len(v.strip("-").replace(".", "")) / 2) + 1
    if kind in ("SS", "BS", "NS"):
        return sum(attribute_size({kind[0]: x}) for x in v)
    if kind in ("M", "L"):
        items = v.items() if kind == "M" else enumerate(v)
        return 3 + sum(len(str(k)) + attribute_size(x) for k, x in items)
    return 1


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def read_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
    """Read units by DynamoDB's rules: 4 KB rounded up, half for an eventually consistent read."""
    if operation == "Query":
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        return max(1, math.ceil(sum(item_size(i) for i in response.get("Items", [])) / 4096)) * factor
    if operation == "GetItem":
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        return max(1, math.ceil(item_size(response.get("Item", {})) / 4096)) * factor
    if operation == "BatchGetItem":
        units = 0.0
        for table, ask in params["RequestItems"].items():
            factor = 1.0 if ask.get("ConsistentRead") else 0.5
            got = response.get("Responses", {}).get(table, [])
            units += sum(max(1, math.ceil(item_size(i) / 4096)) for i in got) * factor
            units += max(0, len(ask["Keys"]) - len(got)) * factor  # a key not found costs the minimum
        return units
    return 0.0


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


def videos() -> list[Path]:
    folder = SHARED_MEDIA / "video"
    if not folder.is_dir():
        return [FIXTURE]
    return sorted(
        p for p in folder.iterdir() if p.suffix in {".mp4", ".webm", ".mpg", ".gif"} and p.name not in NEGATIVE_VIDEOS
    )


def copy_into(sqlite: SqliteStore, path: Path, dynamo: DynamoStore) -> int:
    """Every video and scene of the SQLite index, written through the DynamoDB adapter."""
    db = sqlite3.connect(path)
    count = 0
    for video in sqlite.list_videos():
        rows = db.execute(
            "SELECT bucket, start, at, end, frames, signature, layout, cut FROM scenes WHERE video_id = ?", (video.id,)
        ).fetchall()
        scenes = [
            (b, Scene(s, a, e, f, bytes(sig), bytes(luma or b""), bool(cut))) for b, s, a, e, f, sig, luma, cut in rows
        ]
        dynamo.replace_video(video, scenes)
        count += len(scenes)
    return count


def scene_item_bytes(dynamo: DynamoStore) -> dict[str, float]:
    """Mean size of the scenes table's items as DynamoDB counts them (names and values), per kind:
    the items a probe reads (those with a signature, under the name the side's model stores it
    as) and the rest (cell maps)."""
    sizes: dict[str, list[int]] = {}
    sig = dynamo.Scene.sig.attr_name
    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=dynamo.Scene.Meta.table_name)
    for item in (i for page in pages for i in page["Items"]):
        sizes.setdefault("probe" if sig in item else "other", []).append(item_size(item))
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


def gif_file(clip: list[tuple[float, np.ndarray]], folder: Path, name: str) -> Path:
    images = [Image.fromarray(rgb) for _, rgb in clip]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    path = folder / f"{name}.gif"
    path.write_bytes(buf.getvalue())
    return path


def queries(folder: Path, seed: int) -> list[tuple[str, str, Callable[[Any], Any]]]:
    """(kind, name, search) of every query, the same on both sides."""
    rng = np.random.default_rng(seed)
    chosen = [c for c in ARGS.clips.split(",") if c]
    clips = [v for v in videos() if not chosen or any(v.name.startswith(c) for c in chosen)]
    edits = {**EDITS, **RELEASE_EDITS, **HARD_EDITS}
    names = list(edits)
    out: list[tuple[str, str, Callable[[Any], Any]]] = []
    for i in range(ARGS.screenshots):
        video, t = clips[i % len(clips)], float(rng.uniform(0.3, 1.7))
        rgb = apply(edits[names[i % len(names)]], frames.export_frame(video, t), SampleParams.draw(rng))
        out.append(
            ("screenshot", f"{video.name}@{t:.2f} {names[i % len(names)]}", lambda s, rgb=rgb: search_image(s, rgb))
        )
    photos = sorted(p for p in (SHARED_MEDIA / "images").glob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    for p in photos[: ARGS.photos]:
        rgb = load_rgb(p.read_bytes())
        out.append(("photo", p.name, lambda s, rgb=rgb: search_image(s, rgb)))
    for i in range(ARGS.gifs):
        video = [c for c in clips if c.suffix != ".gif"][i % len(clips)]
        t = float(rng.uniform(0.0, 0.5))
        path = gif_file(frames.clip(video, t, 3.0, 0.1), folder, f"clip{i}")
        out.append(("gif", f"{video.name}@{t:.2f}", lambda s, path=path: search_file(s, path)))
    for i in range(ARGS.signatures):
        video, t = clips[i % len(clips)], float(rng.uniform(0.3, 1.7))
        sig = Signature.of_image(frames.export_frame(video, t))
        out.append(("signature", f"{video.name}@{t:.2f}", lambda s, sig=sig: search_signature(s, sig)))
    return out


def measure(store: DynamoStore, calls: Calls, kind: str, name: str, search: Callable[[Any], Any]) -> dict[str, Any]:
    calls.log, calls.buckets = [], []
    began = time.perf_counter()
    result = search(store)
    wall = time.perf_counter() - began
    phases: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in calls.log:
        phases.setdefault(tuple(r["phase"] or ("other", 0)), []).append(r)
    return {
        "kind": kind,
        "name": name,
        "answer": [[m.video.title, round(m.at, 2)] for m in result.matches],
        "compute_ms": 1000 * (wall - busy_seconds(calls.log)),
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
        work = queries(Path(tmp), ARGS.seed)
        calls = Calls()
        calls.install()
        for module in ("ashen.store.dynamodb_cells", "ashen.store.dynamodb"):  # the new layout's rounds
            if module in sys.modules:
                calls.mark_rounds(sys.modules[module])
        for name in ("candidates", "scenes_between", "scenes_in", "get_video", "get_videos", "answering_videos"):
            calls.wrap(store, name)
        records = []
        for q in work:
            records.append(measure(store, calls, *q) | {"scenes": scenes, "item_bytes": item_bytes["probe"]})
            spent = sum(sum(p["rounds"]) for p in records[-1]["phases"])
            print(f"  {ARGS.out.stem} {q[0]} {q[1]}: {spent} requests", file=sys.stderr, flush=True)
    ARGS.out.write_text(json.dumps(records))


if __name__ == "__main__":
    main()
