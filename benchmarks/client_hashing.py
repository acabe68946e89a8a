"""Client-side hashing against image upload, on the robustness benchmark's queries (issue 15).

One run, from a fixed seed: indexes the clips of ../shared/media/video that the robustness
benchmark indexes (benchmarks/robustness.py: same samples, same edits, same 2-second clips with the
hard edits), then searches every query twice through the one search pipeline:

- upload: the picture, as ``POST /search`` with the image reads it (``search_clip`` on its frames);
- local: its descriptor made as ``ashen_client``'s ``search(local=True)`` makes it
  (``ashen.query.descriptor.describe``, fitted to the common shapes and the library's), serialised
  to the JSON body, parsed back as the server parses it, and searched (``search_descriptor``);
- local, common shapes only: the same without the library's shapes (``shapes=()`` in the SDK).

Prints recall@1 per edit for each (right video, true time within 2 s, as in robustness.py), how
many answers were identical to the upload's (every match, similarity and reading), and the bytes
sent per query: the descriptor body against the image body as PNG (a lossless screenshot) and as
JPEG (quality 90). Writes benchmarks/out/client_hashing.json.

    .venv/bin/python benchmarks/client_hashing.py [--seed 0] [--per-video 12] [--quick]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import frames
from edits import HARD_EDITS, apply
from media import OUT, shared_videos
from robustness import (
    CLIP_SECONDS,
    CLIP_STEP,
    NEGATIVE_VIDEOS,
    TOLERANCE_S,
    edited_copies,
    make_samples,
    sample_count,
)

from ashen.box import Box
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.media.probe import probe
from ashen.query.descriptor import FIT_RATIOS, describe, from_json, to_json
from ashen.search import SearchOptions, SearchResult, search_clip, search_descriptor
from ashen.store import SqliteStore

Frames = list[tuple[float, np.ndarray]]
OPTIONS = SearchOptions(limit=5)
WAYS = ("upload", "local", "local-common")


def encoded(rgb: np.ndarray, fmt: str) -> int:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return len(out.getvalue())


def descriptor_body(query: Frames, shapes: tuple[float, ...]) -> bytes:
    """The SDK's request body for ``query`` hashed here (ashen_client._local.descriptor_body)."""
    described = to_json(describe(query, ratios=(*FIT_RATIOS, *shapes)))
    return json.dumps({"descriptor": described}, separators=(",", ":")).encode()


def searched(store: SqliteStore, query: Frames, shapes: tuple[float, ...]) -> tuple[dict[str, SearchResult], int]:
    """The query searched each way, and the bytes of its descriptor body (library shapes)."""
    body = descriptor_body(query, shapes)
    common = descriptor_body(query, ())
    out = {
        "upload": search_clip(store, query, OPTIONS),
        "local": search_descriptor(store, from_json(json.loads(body)["descriptor"]), OPTIONS),
        "local-common": search_descriptor(store, from_json(json.loads(common)["descriptor"]), OPTIONS),
    }
    return out, len(body)


def top(result: SearchResult) -> tuple[str, float, float, float] | None:
    if not result.matches:
        return None
    m = result.matches[0]
    return Path(m.video.filename).name, m.at, m.start, m.end


def right(result: SearchResult, source: str, truth: float) -> bool:
    t = top(result)
    if t is None or t[0] != source:
        return False
    return abs(t[1] - truth) <= TOLERANCE_S or t[2] - TOLERANCE_S <= truth <= t[3] + TOLERANCE_S


class Tally:
    """Per (kind, edit): queries, right answers each way, identical answers, bytes sent."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def add(
        self, kind: str, edit: str, results: dict[str, SearchResult], ok: dict[str, bool], sizes: dict[str, int]
    ) -> None:
        row = self.rows[(kind, edit)]
        for way in WAYS:
            row[way].append(ok[way])
        row["identical"].append(results["local"].to_dict() == results["upload"].to_dict())
        for name, size in sizes.items():
            row[name].append(size)

    def summary(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for (kind, edit), row in sorted(self.rows.items()):
            out[f"{kind}:{edit}"] = {k: float(np.mean(v)) for k, v in row.items()} | {"n": len(row["upload"])}
        everything = defaultdict(list)
        for (kind, _), row in self.rows.items():
            for k, v in row.items():
                everything[f"{kind}:{k}"] += v
        for kind in ("image", "clip"):
            if everything[f"{kind}:upload"]:
                keys = [k for k in everything if k.startswith(f"{kind}:")]
                out[f"{kind}:all"] = {k.split(":", 1)[1]: float(np.mean(everything[k])) for k in keys}
                out[f"{kind}:all"]["n"] = len(everything[f"{kind}:upload"])
                for k in keys:
                    if "bytes" in k:
                        out[f"{kind}:all"][k.split(":", 1)[1] + "_median"] = float(statistics.median(everything[k]))
        return out


def query_video(
    store: SqliteStore, video: Path, n: int, rng: np.random.Generator, shapes: tuple[float, ...], tally: Tally
) -> None:
    for sample in make_samples(video, n, True, None, rng):
        original = frames.export_frame(video, sample.t)
        for name, rgb in edited_copies(original, sample.params):
            results, size = searched(store, [(0.0, rgb)], shapes)
            ok = {way: right(r, video.name, sample.truth) for way, r in results.items()}
            sizes = {"descriptor_bytes": size, "png_bytes": encoded(rgb, "PNG"), "jpeg_bytes": encoded(rgb, "JPEG")}
            tally.add("image", name, results, ok, sizes)
        clip = frames.clip(video, sample.clip_start, CLIP_SECONDS, CLIP_STEP)
        for name, edit in HARD_EDITS.items():
            edited = [(offset, apply(edit, rgb, sample.params)) for offset, rgb in clip]
            results, size = searched(store, edited, shapes)
            ok = {way: right(r, video.name, sample.clip_start) for way, r in results.items()}
            tally.add("clip", name, results, ok, {"descriptor_bytes": size})


def library_shapes(store: SqliteStore) -> tuple[float, ...]:
    """What the SDK's ``library_shapes`` reads from GET /videos: each video's picture shape."""
    shapes = {(v.picture or Box.whole(v.height, v.width)).ratio for v in store.list_videos()}
    return tuple(sorted(s for s in shapes if s))


def print_report(summary: dict[str, dict[str, float]], header: list[str]) -> None:
    print("\n".join(header))
    print(f"\n{'query':32} {'n':>4} {'upload':>7} {'local':>7} {'common':>7} {'same':>6}")
    for key, row in summary.items():
        print(
            f"{key:32} {int(row['n']):4d} {row['upload']:7.1%} {row['local']:7.1%} {row['local-common']:7.1%}"
            f" {row['identical']:6.1%}"
        )
    print("\nbytes sent per query (median):")
    for kind in ("image", "clip"):
        row = summary.get(f"{kind}:all")
        if row:
            parts = [f"{k.removesuffix('_bytes_median')} {row[k]:,.0f}" for k in sorted(row) if k.endswith("_median")]
            print(f"  {kind}: " + ", ".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-video", type=int, default=12)
    ap.add_argument("--quick", action="store_true", help="2 samples per video")
    ap.add_argument("--json", type=Path, default=OUT / "client_hashing.json")
    args = ap.parse_args()
    per_video = 2 if args.quick else args.per_video
    rng = np.random.default_rng(args.seed)
    began = time.perf_counter()
    videos = [v for v in shared_videos() if v.name not in NEGATIVE_VIDEOS]
    tally = Tally()
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "client.sqlite3") as store:
        for v in videos:
            index_video(store, str(v), IndexOptions(title=v.stem))
        shapes = library_shapes(store)
        print(f"indexed {len(videos)} videos; library shapes {[round(s, 3) for s in shapes]}", file=sys.stderr)
        for v in videos:
            query_video(store, v, sample_count(probe(str(v)).duration or 1.0, per_video), rng, shapes, tally)
            print(f"  {v.name} done ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)
    summary = tally.summary()
    header = [
        f"client-side hashing vs image upload, seed {args.seed}, {per_video} samples per video, "
        f"{time.perf_counter() - began:.0f} s",
        f"index: {', '.join(v.name for v in videos)}",
        "upload: the picture searched; local: its descriptor (common + library shapes) over JSON; "
        "common: descriptor fitted to common shapes only; same: local answer identical to upload's",
    ]
    print_report(summary, header)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"seed": args.seed, "per_video": per_video, "summary": summary}, indent=1))
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
