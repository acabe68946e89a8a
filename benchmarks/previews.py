"""What a preview costs: seconds of ffmpeg (wall and CPU) and bytes per preview, cut cold, and the
time of a cached hit. Indexes the vendored clip and the clips of ../shared/media/video (when
present), cuts ``--n`` previews at spread times of each for every size with and without sound, and
the still (JPEG and WebP). The table goes to docs/benchmarks.md ("Previews").

    PYTHONPATH=shared .venv/bin/python benchmarks/previews.py [--n 4]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from ashen.indexing.indexer import IndexOptions, index_video
from ashen.preview.service import FolderCache, PreviewAsk, Previews
from ashen.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
SHARED_VIDEO = ROOT.parent / "shared" / "media" / "video"
SUFFIXES = {".mp4", ".webm", ".mpg", ".mkv", ".mov"}
ASKS = [("video", size, mute, "jpg") for size in "sml" for mute in (False, True)]
ASKS += [("image", "m", False, "jpg"), ("image", "m", False, "webp")]


def clips() -> list[Path]:
    found = sorted(p for p in SHARED_VIDEO.glob("*") if p.suffix in SUFFIXES) if SHARED_VIDEO.is_dir() else []
    return [FIXTURE, *(p for p in found if p.name != FIXTURE.name)]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(previews: Previews, ask: PreviewAsk) -> tuple[float, float, int, float] | None:
    """(wall s, ffmpeg CPU s, bytes) of a cold cut, and the wall time of the cached hit after it;
    None when it was cached already (two times of one short shot share its clip)."""
    cpu, began = children_cpu(), time.perf_counter()
    made = previews.make(ask)
    wall, used = time.perf_counter() - began, children_cpu() - cpu
    if made.hit:
        return None
    size = (previews.cache.root / made.key).stat().st_size  # type: ignore[attr-defined]
    began = time.perf_counter()
    assert previews.make(ask).hit
    return wall, used, size, time.perf_counter() - began


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=4, help="previews per clip and kind (spread over the clip)")
    args = ap.parse_args()
    rows: dict[str, list[tuple[float, float, int, float]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "s.sqlite3")
        for clip in clips():
            video = index_video(store, str(clip), IndexOptions()).video
            duration = video.duration or 1.0
            previews = Previews(store, FolderCache(Path(tmp) / "previews" / video.id))
            for t in np.linspace(0.1, 0.9, args.n) * duration:
                for kind, size, mute, fmt in ASKS:
                    label = f"{kind} {size}" + (" mute" if mute else "") + (f" {fmt}" if kind == "image" else "")
                    got = measure(previews, PreviewAsk(video.id, kind, float(t), size, mute, fmt))
                    rows[label] += [got] if got else []
            print(f"{clip.name}: {video.width}x{video.height}, {duration:.1f} s", flush=True)
    print("\n| preview | n | wall p50 / max (s) | ffmpeg CPU p50 / max (s) | bytes p50 / max | cached hit p50 (ms) |")
    print("|---|---|---|---|---|---|")
    for label, got in rows.items():
        wall, cpu, size, hit = (np.array(x) for x in zip(*got, strict=True))
        print(
            f"| {label} | {len(got)} | {np.median(wall):.2f} / {wall.max():.2f}"
            f" | {np.median(cpu):.2f} / {cpu.max():.2f}"
            f" | {np.median(size) / 1024:.0f} KiB / {size.max() / 1024:.0f} KiB | {np.median(hit) * 1000:.1f} |"
        )


if __name__ == "__main__":
    main()
