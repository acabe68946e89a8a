"""Stills in the robustness benchmark (issue 18): covers, fan art and CGs indexed as stills beside
videos, and queried with the benchmark's edits.

One run, from a fixed seed:

1. indexes as videos the shared clips that give no stills, so that their scenes compete with the
   stills in every search;
2. makes stills: frames at random times of the other shared clips (exported losslessly, as a CG is
   saved as a PNG) and the photos of ../shared/media/images, each indexed as a still the way
   ``ashen index`` indexes an image (a picture too plain to tell, hubble_deep_field, is refused);
3. queries each still with every image edit of benchmarks/edits.py (the single-frame edits, the
   release differences and the hard combinations) through Ashen's buckets;
4. prints per edit recall@1 (the top answer is that still), the share answered right and
   confident, and the shares whose top answer was a video's scene or another still of the same
   clip (another moment of one shot: a still has no time, so a neighbour counts as wrong).

    .venv/bin/python benchmarks/robustness.py --stills [--seed 0] [--per-video 3] [--quick]
        [--edits grayscale,mist]
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import frames
import numpy as np
from edits import EDITS, HARD_EDITS, RELEASE_EDITS, Edit, SampleParams, apply
from media import SHARED_IMAGES, shared_videos
from PIL import Image

from ashen.errors import ImageError
from ashen.indexing.indexer import index_video
from ashen.media.probe import probe
from ashen.query.images import load_rgb
from ashen.records import VideoKind
from ashen.search import search_image
from ashen.store import SqliteStore

# The clips whose frames become stills; the others are indexed as videos.
STILL_CLIPS = (
    "bikes-640x272.mp4",
    "chaplin-640x360.mp4",
    "city-720x405.mpg",
    "flower-960x540.mp4",
    "friday-640x480.mp4",
    "rabbit-320x240.webm",
)


@dataclass
class StillRow:
    """What one edit did over every still: queries, right top answers, right and confident, top
    answers that were a video's scene, and top answers that were another still of the same clip
    (another moment of the same shot, often)."""

    queries: int = 0
    right: int = 0
    confident: int = 0
    scene_first: int = 0
    sibling_first: int = 0
    latency_ms: list[float] = field(default_factory=list)


def make_stills(folder: Path, per_video: int, rng: np.random.Generator) -> list[Path]:
    """Frames of the STILL_CLIPS at random times (PNG files) and the shared photos."""
    out: list[Path] = []
    for video in (v for v in shared_videos() if v.name in STILL_CLIPS):
        duration = probe(str(video)).duration or 1.0
        for t in sorted(rng.uniform(0.3, max(0.4, duration - 0.5), per_video)):
            path = folder / f"{video.stem}-{t:.2f}.png"
            Image.fromarray(frames.export_frame(video, float(t))).save(path)
            out.append(path)
    return out + sorted(SHARED_IMAGES.glob("*.*")) if SHARED_IMAGES.is_dir() else out


def index_library(store: SqliteStore, stills: list[Path], log: Callable[[str], None]) -> list[Path]:
    """The other shared clips as videos, and the stills; the stills indexed (flat ones left out)."""
    for video in (v for v in shared_videos() if v.name not in STILL_CLIPS):
        report = index_video(store, str(video))
        log(f"video {video.name}: {report.scenes} scenes")
    kept = []
    for path in stills:
        try:
            index_video(store, str(path))
            kept.append(path)
        except ImageError as exc:
            log(f"still refused: {exc}")
    return kept


def query_still(
    store: SqliteStore, path: Path, params: SampleParams, edits: dict[str, Edit], rows: dict[str, StillRow]
) -> None:
    """Every edit of one still searched; its row counts the outcome."""
    original = load_rgb(path.read_bytes())
    for name, edit in edits.items():
        rgb = apply(edit, original, params)
        began = time.perf_counter()
        result = search_image(store, rgb)
        row = rows.setdefault(name, StillRow())
        row.latency_ms.append((time.perf_counter() - began) * 1000)
        row.queries += 1
        top = result.matches[0] if result.matches else None
        if top is None:
            continue
        row.right += top.video.filename == path.name
        row.confident += top.video.filename == path.name and top.confident
        row.scene_first += top.video.kind == VideoKind.VIDEO
        row.sibling_first += top.video.filename != path.name and _clip_of(top.video.filename) == _clip_of(path.name)


def _clip_of(name: str) -> str:
    """The clip a still was made of (``<clip>-<time>.png``), or the photo's own name."""
    stem = Path(name).stem
    return stem.rsplit("-", 1)[0] if name.endswith(".png") and "-" in stem else name


def run_stills(seed: int, per_video: int, only: frozenset[str] | None, log: Callable[[str], None]) -> None:
    """The stills benchmark: build, query, print the table."""
    rng = np.random.default_rng(seed)
    edits = {n: e for n, e in {**EDITS, **RELEASE_EDITS, **HARD_EDITS}.items() if only is None or n in only}
    began = time.perf_counter()
    rows: dict[str, StillRow] = {}
    with tempfile.TemporaryDirectory() as tmp, SqliteStore(Path(tmp) / "stills.sqlite3") as store:
        stills = index_library(store, make_stills(Path(tmp), per_video, rng), log)
        videos = [v for v in store.list_videos() if v.kind == VideoKind.VIDEO]
        for path in stills:
            query_still(store, path, SampleParams.draw(rng), edits, rows)
        scenes = store.stats().scenes
    elapsed = time.perf_counter() - began
    print(
        f"robustness benchmark, stills: seed {seed}, {per_video} frames per clip, {elapsed:.0f} s "
        f"({platform.machine()}, {os.cpu_count()} cores)"
    )
    print(f"index: {len(stills)} stills beside {len(videos)} videos ({scenes} entries in all)")
    print(
        f"{'edit':24} {'queries':>7} {'recall@1':>9} {'confident':>9} {'scene 1st':>9} {'same clip':>9} {'p50 ms':>7}"
    )
    total = StillRow()
    for name, row in rows.items():
        _print_row(name, row)
        total.queries, total.right = total.queries + row.queries, total.right + row.right
        total.confident, total.scene_first = total.confident + row.confident, total.scene_first + row.scene_first
        total.sibling_first += row.sibling_first
        total.latency_ms += row.latency_ms
    _print_row("all edits", total)


def _print_row(name: str, row: StillRow) -> None:
    n = max(1, row.queries)
    p50 = float(np.percentile(row.latency_ms, 50)) if row.latency_ms else 0.0
    print(
        f"{name:24} {row.queries:7d} {row.right / n:9.1%} {row.confident / n:9.1%} "
        f"{row.scene_first / n:9.1%} {row.sibling_first / n:9.1%} {p50:7.0f}"
    )
