"""The seam rule: segments hashed apart (the local pool and the fan-out alike) store exactly the
scenes of one full read."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ashen.indexing.indexer import IndexOptions, index_video, keyed
from ashen.indexing.picture import detect_picture
from ashen.indexing.scenes import scenes_of
from ashen.indexing.segments import Segment, SourceVideo, hash_segment
from ashen.media.frames import FrameBatch, ReadOptions, read_all, read_range
from ashen.media.probe import VideoInfo, probe
from ashen.store import SqliteStore
from tests.support import CLIP as VENDORED_CLIP

pytestmark = pytest.mark.slow  # each test decodes the clip several times

CLIP = str(VENDORED_CLIP)


@pytest.fixture(scope="module")
def reference() -> tuple[VideoInfo, list]:
    info = probe(CLIP)
    full = read_all(CLIP, info=info)
    return info, scenes_of(full.times, full.signatures, full.luma)


def test_independent_segments_leave_no_duplicate_at_the_seams(reference: tuple[VideoInfo, list]) -> None:
    info, ref = reference
    runs = [s for s in ref if s.frames >= 3]
    assert len(runs) >= 2, "the clip needs static runs to put seams in"
    # Seams in the middle of two multi-frame runs (their scenes cross a seam), one between scenes.
    bounds = sorted(
        {0.0, round((runs[0].start + runs[0].end) / 2, 3), round((runs[1].start + runs[1].end) / 2, 3), 13.0}
    )
    segments = [Segment(i, b, bounds[i + 1] if i + 1 < len(bounds) else None) for i, b in enumerate(bounds)]
    parts = [hash_segment(SourceVideo(CLIP, info), s) for s in segments]
    owned = [scene for p in parts for scene in p.scenes]
    assert owned == ref  # exactly one full read's scenes, each with its full extent
    assert sum(p.frames for p in parts) == sum(s.frames for s in ref)
    # Without the rule, the runs cut by a seam would be stored twice.
    cut = sum(1 for b in bounds for r in ref if r.start < b <= r.end)
    assert cut >= 2
    reads = [FrameBatch.join(list(read_range(CLIP, s.start, s.end, info=info))) for s in segments]
    naive = [scene for r in reads for scene in scenes_of(r.times, r.signatures, r.luma)]
    assert len(naive) >= len(ref) + cut


def test_a_run_split_by_drift_stays_whole_across_a_seam(reference: tuple[VideoInfo, list]) -> None:
    """A run of one signature whose picture drifts is several scenes; a seam inside it (where the
    next worker's share of the run is itself more than one scene) or at its drift break must leave
    those scenes as one full read makes them."""
    info, ref = reference
    pairs = [(a, b) for a, b in itertools.pairwise(ref) if a.signature == b.signature and a.frames >= 3]
    assert pairs, "the clip needs a run split by drift"
    a, b = pairs[0]
    after_first = a.start + (a.end - a.start) / (2 * (a.frames - 1))  # between its first two frames
    for seam in (round(after_first, 3), round((a.end + b.start) / 2, 3)):
        segments = [Segment(0, 0.0, seam), Segment(1, seam, None)]
        owned = [scene for s in segments for scene in hash_segment(SourceVideo(CLIP, info), s).scenes]
        assert owned == ref, seam


def test_the_local_indexer_stores_one_full_read_whatever_its_worker_count(
    reference: tuple[VideoInfo, list], tmp_path: Path
) -> None:
    info, _ = reference
    crop = detect_picture(CLIP, info)  # the clip is letterboxed: the indexer hashes the picture inside
    assert crop is not None
    full = read_all(CLIP, info=info, options=ReadOptions(crop=crop))
    expected = [
        (r.start, r.end, r.signature, r.luma) for _, r in keyed(scenes_of(full.times, full.signatures, full.luma))
    ]
    for workers in (1, 3):
        store = SqliteStore(tmp_path / f"w{workers}.sqlite3")
        progress = Recorder()
        report = index_video(store, CLIP, IndexOptions(workers=workers), progress)
        assert report.video.segments_planned == workers and report.video.picture == crop
        stored = sorted(store.candidates(sorted(store.bucket_sizes())), key=lambda c: c.start)
        assert [(c.start, c.end, c.signature, c.luma) for c in stored] == expected, workers
        # Told the duration once, then seconds covered that add up to the time line, each once.
        assert progress.started_with == [info] and all(s > 0 for s in progress.seconds)
        assert sum(progress.seconds) == pytest.approx(full.times[-1], abs=1e-6), workers


class Recorder:
    """An IndexProgress that keeps what it is told."""

    def __init__(self) -> None:
        self.started_with: list[VideoInfo] = []
        self.seconds: list[float] = []

    def started(self, info: VideoInfo) -> None:
        self.started_with.append(info)

    def advanced(self, seconds: float) -> None:
        self.seconds.append(seconds)
