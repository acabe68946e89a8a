"""What a search costs on DynamoDB, the layout of a base commit against this checkout's (issue 19).

One run: both sides index the clips of ../shared/media/video (the vendored Sintel clip when that is
absent) into SQLite, copy every scene into DynamoDB tables of their own layout (moto, through the
real adapter, ashen.store.dynamodb), then search the same queries, each in a worker process of its
own code (the base's ``shared/`` comes from ``git archive``); the queries are made once, with this
checkout's package (benchmarks/serverless_queries.py):

* ``screenshot``: frames at seeded random times, each with an edit of benchmarks/edits.py (the
  edits taken in turn), searched with all their readings;
* ``photo``: the photos of ../shared/media/images, which are in no video (the wide probe runs);
* ``gif``: 3-second GIFs (10 frames a second) cut from the clips, searched as an upload is;
* ``signature``: the bare signature of a frame (``{"signature": hex}``).

Every DynamoDB request is counted (a wrapper around botocore's ``_make_api_call``), with its read
units by DynamoDB's rules (item sizes rounded up to 4 KB, half a unit eventually consistent, the
minimum for every Query and for every key of a GetItem/BatchGetItem). Requests in flight together
form a **round**; a round's latency is modelled by drawing each request's latency from a stated
distribution and running them ``--old-concurrency`` / ``--concurrency`` at a time. The search's
own compute (its wall time minus its time inside DynamoDB calls, on this machine) is added.
Cost per 1,000 searches: Lambda (the query function's 1024 MB for the modelled time, plus the
request price) and DynamoDB on-demand read units, at the prices in ``PRICES``.

At 10^7 scenes (``--scale``): a synthetic library (benchmarks/simulate.py, the indexed clips as
templates) gives each bucket's and each block's contents; each probe of the run (the buckets of
every ``candidates`` call) is planned against it (``ashen.store.dynamodb_cells.plan`` for the new
layout, one Query per bucket partition for the old) and the probe rounds are modelled with those
counts, the other rounds as measured. Answers are compared between the sides: the layouts must
find the same scenes.

    .venv/bin/python benchmarks/serverless.py [--base adb97fe] [--screenshots 24] [--photos 11] [--gifs 6]
        [--signatures 16] [--clips bikes,sintel] [--scale 10000000]

A colourless query sweeps every chroma cell of its luma cells (13,000-30,000 buckets): in the old
layout that is as many Queries, which moto answers in minutes; ``--clips`` leaves such clips out.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from serverless_model import PRICES, LatencyModel, cost_per_1000, scale_rounds  # noqa: E402

KINDS = ("screenshot", "photo", "gif", "signature")


def export_base(base: str, into: Path) -> Path:
    """The base commit's ``shared/`` (the package it searched with), without touching the worktree."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", base, "shared"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "shared"


def make_queries(args: argparse.Namespace, folder: Path) -> None:
    """The queries, once, with this checkout's package (benchmarks/serverless_queries.py)."""
    cmd = [sys.executable, str(HERE / "serverless_queries.py"), "--out", str(folder), "--clips", args.clips]
    cmd += ["--seed", str(args.seed), "--screenshots", str(args.screenshots), "--gifs", str(args.gifs)]
    cmd += ["--signatures", str(args.signatures), "--photos", str(args.photos)]
    subprocess.run(cmd, check=True)


def run_side(shared: Path, queries: Path, out: Path) -> list[dict[str, Any]]:
    cmd = [sys.executable, str(HERE / "serverless_worker.py"), "--shared", str(shared), "--out", str(out)]
    subprocess.run([*cmd, "--queries", str(queries)], check=True)
    data: list[dict[str, Any]] = json.loads(out.read_text())
    return data


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def summarise(
    records: list[dict[str, Any]],
    model: LatencyModel,
    concurrency: int,
    rng: np.random.Generator,
    compute: str = "compute_ms",
):
    rows = {}
    for kind in KINDS:
        mine = [r for r in records if r["kind"] == kind]
        requests = [float(sum(sum(p["rounds"]) for p in r["phases"])) for r in mine]
        units = [float(sum(p["units"] for p in r["phases"])) for r in mine]
        latency = [
            model.search_ms([n for p in r["phases"] for n in p["rounds"]], concurrency, rng) + r.get(compute, 0.0)
            for r in mine
        ]
        cost = [cost_per_1000(ms, u) for ms, u in zip(latency, units, strict=True)]
        rows[kind] = {
            "n": len(mine),
            "req": (pct(requests, 50), pct(requests, 95)),
            "units": (pct(units, 50), pct(units, 95)),
            "ms": (pct(latency, 50), pct(latency, 95)),
            "cost": pct(cost, 50),
        }
    return rows


def print_side_by_side(title: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(
        "| query | n | requests p50 / p95 (old -> new) | read units p50 / p95 | modelled latency p50 / p95 (ms) | "
        "cost per 1,000 searches (USD, p50) | cost ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for kind in KINDS:
        o, n = old[kind], new[kind]
        if not n["n"]:
            continue
        print(
            f"| {kind} | {n['n']} | {o['req'][0]:.0f} / {o['req'][1]:.0f} -> "
            f"**{n['req'][0]:.0f}** / {n['req'][1]:.0f} | "
            f"{o['units'][0]:.1f} / {o['units'][1]:.1f} -> {n['units'][0]:.1f} / {n['units'][1]:.1f} | "
            f"{o['ms'][0]:.0f} / {o['ms'][1]:.0f} -> **{n['ms'][0]:.0f}** / {n['ms'][1]:.0f} | "
            f"{o['cost']:.4f} -> {n['cost']:.4f} | {n['cost'] / o['cost']:.3f} |"
        )


def unit_split(record: dict[str, Any]) -> dict[str, float]:
    """A search's read units by where they go: the probe's cell maps, scene items and live
    revisions (modelled), and every other store call by name (as measured)."""
    out: dict[str, float] = {}
    for p in record["phases"]:
        parts = p.get("split") or {p["name"]: p["units"]}
        for name, units in parts.items():
            out[name] = out.get(name, 0.0) + units
    return out


def print_split(title: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Mean read units per part of a search, per query kind, old -> new."""
    print(f"\n{title}")
    print("| query | part | read units, mean (old -> new) |")
    print("|---|---|---|")
    for kind in KINDS:
        sides = [[unit_split(r) for r in records if r["kind"] == kind] for records in (old, new)]
        if not sides[1]:
            continue
        for part in sorted({k for side in sides for s in side for k in s}):
            o, n = (np.mean([s.get(part, 0.0) for s in side]) for side in sides)
            print(f"| {kind} | {part} | {o:.1f} -> {n:.1f} |")


def same_answers(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[int, int, list[str]]:
    differ = [
        f"{a['kind']} {a['name']}: {a['answer']} vs {b['answer']}"
        for a, b in zip(old, new, strict=True)
        if a["answer"] != b["answer"]
    ]
    return len(old) - len(differ), len(old), differ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default="adb97fe", help="the commit of the old layout (default: before issue 19)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--screenshots", type=int, default=24)
    ap.add_argument("--photos", type=int, default=11, help="photos of ../shared/media/images searched (in no video)")
    ap.add_argument("--gifs", type=int, default=6)
    ap.add_argument("--clips", default="", help="comma-separated clip names to cut queries from (default: all)")
    ap.add_argument("--signatures", type=int, default=16)
    ap.add_argument("--scale", type=int, default=10_000_000, help="scenes of the modelled library (0: skip)")
    ap.add_argument("--old-concurrency", type=int, default=8, help="requests in flight, old layout (its pool)")
    ap.add_argument("--concurrency", type=int, default=32, help="requests in flight, new layout (READ_CONNECTIONS)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ashen-serverless-") as tmp:
        base_shared = export_base(args.base, Path(tmp))
        make_queries(args, Path(tmp) / "queries")
        old = run_side(base_shared, Path(tmp) / "queries", Path(tmp) / "old.json")
        new = run_side(ROOT / "shared", Path(tmp) / "queries", Path(tmp) / "new.json")
        saved = np.load(Path(tmp) / "new.npz")
        templates = [saved[k] for k in saved.files]
    model = LatencyModel()
    print(f"latency model: {model.describe()}; in flight: old {args.old_concurrency}, new {args.concurrency}")
    print(f"prices: {PRICES['source']}")
    rng = np.random.default_rng(args.seed)
    print_side_by_side(
        f"Measured (moto, {new[0]['scenes']} scenes, base {args.base})",
        summarise(old, model, args.old_concurrency, rng),
        summarise(new, model, args.concurrency, rng),
    )
    same, total, differ = same_answers(old, new)
    print(f"\nsame answers (video and moment of every match) old vs new: {same} / {total}")
    for line in differ[:10]:
        print("  differs:", line)
    if args.scale:
        old_s, new_s = scale_rounds(old, new, args.scale, args.seed, templates)
        print_side_by_side(
            f"Modelled at {args.scale:,} scenes (synthetic library; probe rounds planned against it)",
            summarise(old_s, model, args.old_concurrency, rng),
            summarise(new_s, model, args.concurrency, rng),
        )
        print_side_by_side(
            f"The same at {args.scale:,} scenes, the search's compute as its main thread's CPU time outside "
            "DynamoDB calls (not inflated by waits on a loaded machine; work in the read threads left out)",
            summarise(old_s, model, args.old_concurrency, rng, "compute_cpu_ms"),
            summarise(new_s, model, args.concurrency, rng, "compute_cpu_ms"),
        )
        print_split(f"Where the read units go at {args.scale:,} scenes", old_s, new_s)
        share = [r["scale_items"] / args.scale for r in new_s if r["kind"] == "screenshot"]
        print(
            f"\nscenes read per screenshot at {args.scale:,}: p50 {pct(share, 50):.4%}, mean {np.mean(share):.4%} "
            "(identical for both layouts: each reads exactly the buckets probed)"
        )


if __name__ == "__main__":
    main()
