"""Search latency of this checkout against another commit, measured in one run (A/B).

Both sides index the same clips (the vendored Sintel clip and, when present, ../shared/media/video)
into a store of their own, then search the same queries: JPEG screenshots with bars and subtitles
added, and 2-second clips of them (a frame every 0.25 s). Rounds alternate between the sides, each
in a fresh process, so that the load of a shared machine falls on both alike; the ratios of the
medians (this checkout / the base) are what to read, not the milliseconds.

    .venv/bin/python benchmarks/ab_search.py --base dc01d7b [--rounds 3] [--queries 40]

The base is checked out into a temporary git worktree. The worker calls the search functions the
way each side offers them (``SearchOptions`` now, keyword arguments before the restructuring).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED_VIDEO = ROOT.parent / "shared" / "media" / "video"
FIXTURE = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"


def clips() -> list[Path]:
    found = sorted(p for p in SHARED_VIDEO.glob("*") if p.suffix in {".mp4", ".webm", ".mpg"})
    return found or [FIXTURE]


def _edited(rgb: Any, rng: Any) -> Any:
    """A screenshot as users make them: bars added, a line of subtitles, JPEG."""
    import io

    import numpy as np
    from PIL import Image

    h, w = rgb.shape[:2]
    out = np.pad(rgb, ((h // 8, h // 8), (0, 0), (0, 0)))
    y = h // 8 + int(h * 0.8)
    out[y : y + max(2, h // 20), w // 4 : 3 * w // 4] = 235
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, format="JPEG", quality=int(rng.integers(40, 80)))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _queries(count: int) -> tuple[list[Any], list[list[tuple[float, Any]]]]:
    """Images and 2 s clips (9 frames) cut at random times of the clips (the same on both sides)."""
    import numpy as np

    from ashen.media.probe import probe
    from ashen.media.stills import grab_frame

    rng = np.random.default_rng(7)
    images, clip_queries = [], []
    videos = [v for v in clips() if (probe(str(v)).duration or 0) >= 3.0]  # room for a 2 s clip
    for k in range(count):
        video = str(videos[k % len(videos)])
        t = float(rng.uniform(0, (probe(video).duration or 3.0) - 2.5))
        frames = [(i * 0.25, _edited(grab_frame(video, t + i * 0.25), rng)) for i in range(9)]
        images.append(frames[0][1])
        if k % 2 == 0:
            clip_queries.append(frames)
    return images, clip_queries


def _call(fn: Any, store: Any, query: Any) -> Any:
    """``fn(store, query)`` with limit 5, in the calling convention this side has."""
    try:
        from ashen.search import SearchOptions

        return fn(store, query, SearchOptions(limit=5))
    except ImportError:
        return fn(store, query, limit=5)


def worker(queries_file: str, store_path: str, out: str) -> None:
    """One side's round (run with that side's package first on the path)."""
    import pickle
    import time

    from ashen.store import SqliteStore

    search = __import__("ashen.search", fromlist=["search_image", "search_clip"])
    store = SqliteStore(store_path)
    if not store.list_videos():
        try:
            from ashen.indexing.indexer import index_video as index
        except ImportError:  # before the package was grouped by stage
            from ashen.indexer import index_video as index  # type: ignore[import-not-found,no-redef]
        for video in clips():
            index(store, str(video))
    images, clip_queries = pickle.loads(Path(queries_file).read_bytes())
    timings: dict[str, list[float]] = {"image": [], "clip": []}
    for kind, items, fn in (("image", images, search.search_image), ("clip", clip_queries, search.search_clip)):
        for q in items:
            began = time.perf_counter()
            _call(fn, store, q)
            timings[kind].append(time.perf_counter() - began)
    Path(out).write_text(json.dumps(timings))


def _round(shared: Path, queries_file: Path, store: Path, out: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(shared)}
    cmd = [sys.executable, __file__, "--worker", str(queries_file), str(store), str(out)]
    subprocess.run(cmd, env=env, check=True)
    timings = json.loads(out.read_text())
    return {kind: statistics.median(values) * 1000 for kind, values in timings.items()}


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(*sys.argv[2:5])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the commit to compare with")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=40, help="images (half as many clips)")
    args = ap.parse_args()
    import pickle

    sys.path.insert(0, str(ROOT / "shared"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(base), args.base], check=True)
        try:
            queries = work / "queries.pickle"
            queries.write_bytes(pickle.dumps(_queries(args.queries)))
            sides = {"base": base / "shared", "this": ROOT / "shared"}
            medians: dict[str, dict[str, list[float]]] = {s: {"image": [], "clip": []} for s in sides}
            for r in range(args.rounds):
                for side, shared in sides.items():
                    got = _round(shared, queries, work / f"{side}.sqlite3", work / f"{side}.json")
                    for kind, ms in got.items():
                        medians[side][kind].append(ms)
                    print(f"round {r + 1} {side}: image p50 {got['image']:.1f} ms, clip p50 {got['clip']:.1f} ms")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=True)
    for kind in ("image", "clip"):
        a, b = statistics.median(medians["base"][kind]), statistics.median(medians["this"][kind])
        print(f"{kind}: base p50 {a:.1f} ms, this checkout p50 {b:.1f} ms -> ratio {b / a:.3f}")


if __name__ == "__main__":
    main()
