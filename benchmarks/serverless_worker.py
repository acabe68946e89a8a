"""One side of benchmarks/serverless.py: index, copy into DynamoDB (moto), search, count requests.

Runs with ``--shared`` first on ``sys.path``, so the base commit's package and this checkout's
are measured by the same code. Writes one record per query (JSON).
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import sys
import tempfile
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
import boto3  # noqa: E402
import frames  # noqa: E402
import numpy as np  # noqa: E402
from dynamo_bench import Calls, copy_into, fake_aws_env, item_size  # noqa: E402
from edits import EDITS, HARD_EDITS, RELEASE_EDITS, SampleParams, apply  # noqa: E402
from moto import mock_aws  # noqa: E402
from PIL import Image  # noqa: E402

from ashen.descriptors.signature import Signature, unpack_all  # noqa: E402
from ashen.indexing.indexer import IndexOptions, index_video  # noqa: E402
from ashen.query.images import load_rgb  # noqa: E402
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


def videos() -> list[Path]:
    folder = SHARED_MEDIA / "video"
    if not folder.is_dir():
        return [FIXTURE]
    return sorted(
        p for p in folder.iterdir() if p.suffix in {".mp4", ".webm", ".mpg", ".gif"} and p.name not in NEGATIVE_VIDEOS
    )


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
