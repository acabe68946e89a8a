"""Search latency of this checkout against another commit, measured in one run (A/B).

Both sides index the same clips (the vendored Sintel clip and, when present, ../shared/media/video)
into a store of their own, then search the same queries: JPEG screenshots with bars and subtitles
added, and 2-second clips of them (a frame every 0.25 s). Rounds alternate between the sides, each
in a fresh process, so that the load of a shared machine falls on both alike; the ratios of the
medians (this checkout / the base) are what to read, not the milliseconds.

    .venv/bin/python benchmarks/ab_search.py --base dc01d7b [--rounds 3] [--queries 40] [--edits grayscale,mist] [--cpu]
    .venv/bin/python benchmarks/ab_search.py --base e99f7b6,10d78fe --this HEAD --cpu ...

``--base`` takes several commits (comma-separated): each is a side of its own, all in the same
rounds, and this checkout's ratio is printed against each. ``--this`` pins this side to a commit
too (checked out like the bases): the working tree is read afresh by every round, so editing it
while a run goes would mix two versions.

``--edits`` adds, for each edit of benchmarks/edits.py named, the same screenshots with that edit
instead (``image grayscale``...): what a kind of query costs before and after a change.
``--cpu`` times each search's CPU (process time) instead of the wall clock: on a machine others
load too, the wall clock moves by several times between rounds, the CPU time far less.

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
SHARED_IMAGES = ROOT.parent / "shared" / "media" / "images"  # photos in no video (none in CI)
FIXTURE = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
Medians = dict[str, dict[str, list[float]]]  # side -> kind of query -> the p50 of each round (ms)


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


def _queries(count: int, edits: list[str]) -> dict[str, list[Any]]:
    """Images and 2 s clips (9 frames) cut at random times of the clips (the same on both sides),
    the shared photos (``photo``), and the same images with each of ``edits``
    (benchmarks/edits.py) instead, by kind."""
    import edits as edit_module
    import numpy as np

    from ashen.media.probe import probe
    from ashen.media.stills import grab_frame

    rng = np.random.default_rng(7)
    queries: dict[str, list[Any]] = {"image": [], "clip": [], "photo": _photos()} | {f"image {e}": [] for e in edits}
    videos = [v for v in clips() if (probe(str(v)).duration or 0) >= 3.0]  # room for a 2 s clip
    for k in range(count):
        video = str(videos[k % len(videos)])
        t = float(rng.uniform(0, (probe(video).duration or 3.0) - 2.5))
        plain = [(i * 0.25, grab_frame(video, t + i * 0.25)) for i in range(9)]
        frames = [(offset, _edited(rgb, rng)) for offset, rgb in plain]
        queries["image"].append(frames[0][1])
        if k % 2 == 0:
            queries["clip"].append(frames)
        params = edit_module.SampleParams.draw(rng) if edits else None  # no draw: the default queries stay
        for e in edits:
            chosen = {**edit_module.EDITS, **edit_module.RELEASE_EDITS}[e]
            queries[f"image {e}"].append(edit_module.apply(chosen, plain[0][1], params))
    return queries


def _photos() -> list[Any]:
    """The shared photos (in no video: what a search that finds nothing costs), as RGB."""
    import numpy as np
    from PIL import Image

    found = sorted(p for p in SHARED_IMAGES.glob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    return [np.asarray(Image.open(p).convert("RGB")) for p in found]


def _call(fn: Any, store: Any, query: Any) -> Any:
    """``fn(store, query)`` with limit 5, in the calling convention this side has."""
    try:
        from ashen.search import SearchOptions

        return fn(store, query, SearchOptions(limit=5))
    except ImportError:
        return fn(store, query, limit=5)


def worker(queries_file: str, store_path: str, out: str, clock: str = "wall") -> None:
    """One side's round (run with that side's package first on the path), timed by the wall clock
    or by this process's CPU time (``clock="cpu"``: steadier when other work loads the machine)."""
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
    queries: dict[str, list[Any]] = pickle.loads(Path(queries_file).read_bytes())
    timings: dict[str, list[float]] = {kind: [] for kind in queries}
    tick = time.process_time if clock == "cpu" else time.perf_counter
    for kind, items in queries.items():
        fn = search.search_clip if kind == "clip" else search.search_image
        for q in items:
            began = tick()
            _call(fn, store, q)
            timings[kind].append(tick() - began)
    Path(out).write_text(json.dumps(timings))


def _round(shared: Path, queries_file: Path, store: Path, out: Path, clock: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(shared)}
    cmd = [sys.executable, __file__, "--worker", str(queries_file), str(store), str(out), clock]
    subprocess.run(cmd, env=env, check=True)
    timings = json.loads(out.read_text())
    return {kind: statistics.median(values) * 1000 for kind, values in timings.items() if values}


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(*sys.argv[2:6])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the commit(s) to compare with, comma-separated")
    ap.add_argument("--this", default=None, help="a commit for this side (default: the working tree as it is)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--queries", type=int, default=40, help="images (half as many clips)")
    ap.add_argument("--edits", default="", help="comma-separated edits of benchmarks/edits.py to time too")
    ap.add_argument(
        "--cpu",
        action="store_true",
        help="time each search's CPU (process time), not the wall clock: steadier on a loaded machine",
    )
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "shared"))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    edits = [e.strip() for e in args.edits.split(",") if e.strip()]
    bases = [b.strip() for b in args.base.split(",") if b.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        revisions = {f"base {b}" if len(bases) > 1 else "base": b for b in bases}
        if args.this:
            revisions["this"] = args.this
        checkouts = {side: work / f"side{i}" for i, side in enumerate(revisions)}
        try:
            for side, rev in revisions.items():
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "add", "-q", "--detach", str(checkouts[side]), rev], check=True
                )
            made = _measure(args, work, edits, {side: path / "shared" for side, path in checkouts.items()})
        finally:
            for path in checkouts.values():
                if path.exists():
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=True)
    _report(made, bases)


def _measure(args: argparse.Namespace, work: Path, edits: list[str], checkouts: dict[str, Path]) -> Medians:
    """The per-round p50s of each side (the bases' checkouts, then this one), rounds alternating."""
    import pickle

    queries = work / "queries.pickle"
    made = _queries(args.queries, edits)
    queries.write_bytes(pickle.dumps(made))
    sides = {side: path for side, path in checkouts.items() if side != "this"} | {
        "this": checkouts.get("this", ROOT / "shared")
    }
    medians: Medians = {s: {kind: [] for kind in made if made[kind]} for s in sides}
    clock = "cpu" if args.cpu else "wall"
    for r in range(args.rounds):
        for i, (side, shared) in enumerate(sides.items()):
            got = _round(shared, queries, work / f"side{i}.sqlite3", work / f"side{i}.json", clock)
            for kind, ms in got.items():
                medians[side][kind].append(ms)
            print(f"round {r + 1} {side}: " + ", ".join(f"{k} p50 {ms:.1f} ms" for k, ms in got.items()), flush=True)
    return medians


def _report(medians: Medians, bases: list[str]) -> None:
    """This checkout's median p50 per kind of query against each base's."""
    this = medians["this"]
    for side in (s for s in medians if s != "this"):
        if len(bases) > 1:
            print(f"against {side}:")
        for kind, values in this.items():
            a, b = statistics.median(medians[side][kind]), statistics.median(values)
            print(f"{kind}: base p50 {a:.1f} ms, this checkout p50 {b:.1f} ms -> ratio {b / a:.3f}")


if __name__ == "__main__":
    main()
