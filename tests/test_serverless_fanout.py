"""The segments' seam rule (local pool and fan-out alike) and segment messages, and file-name parsing
for the S3 library."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from ashen.aws.fanout import SegmentTask, plan_tasks
from ashen.aws.naming import naming_for_key, parse_filename
from ashen.aws.s3 import S3Object
from ashen.box import Box
from ashen.indexing.indexer import IndexOptions, index_video, keyed
from ashen.indexing.picture import detect_picture
from ashen.indexing.scenes import scenes_of
from ashen.indexing.segments import Segment, SourceVideo, hash_segment
from ashen.media.ffmpeg import FrameBatch, ReadOptions, VideoInfo, probe, read_all, read_range
from ashen.store import SqliteStore

CLIP = str(Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "sintel-26s-848x480.mp4")


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


def test_tasks_round_trip_and_cover_the_time_line() -> None:
    info = VideoInfo(duration=1450.0, start_time=0.0, width=1920, height=1080, fps=23.976, codec="hevc")
    tasks = plan_tasks("vid", S3Object("bucket", "library/A/b.mkv", "rev", "v1"), info, segment_seconds=90.0)
    assert len(tasks) == 17 and all(t.planned == 17 for t in tasks)
    assert tasks[0].segment.start == 0.0 and tasks[-1].segment.end is None
    assert all(a.segment.end == b.segment.start for a, b in itertools.pairwise(tasks))
    assert all((b.segment.end or info.duration) - b.segment.start <= 90.0 for b in tasks)
    assert SegmentTask.from_message(tasks[3].to_message()) == tasks[3]
    assert tasks[3].info == info
    assert len(tasks[3].to_message()) < 1024  # far under SQS's 256 KiB


INFO_JSON = '{"duration":1450.0,"start_time":0.0,"width":1920,"height":1080,"fps":23.976,"codec":"hevc"}'


def test_the_message_format_is_unchanged() -> None:
    """Messages already in the queue when a new version deploys must still parse, and the same."""
    info = VideoInfo(duration=1450.0, start_time=0.0, width=1920, height=1080, fps=23.976, codec="hevc")
    upload = S3Object("bucket", "library/A/b.mkv", "rev", "v1")
    task = plan_tasks("vid", upload, info, crop=Box(58, 422, 0, 848), segment_seconds=90.0)[3]
    body = (
        '{"video_id":"vid","revision":"rev","bucket":"bucket","key":"library/A/b.mkv","index":3,"start":255.882,'
        f'"end":341.176,"planned":17,"info":{INFO_JSON},"version_id":"v1","crop":[58,422,0,848]}}'
    )
    assert task.to_message() == body and SegmentTask.from_message(body) == task
    assert task.crop == Box(58, 422, 0, 848) and type(task.crop) is Box
    # An unversioned upload without bars; and a message from a split that wrote neither field.
    plain = plan_tasks("vid", S3Object("bucket", "library/A/b.mkv", "rev"), info, segment_seconds=90.0)[0]
    old = (
        '{"video_id":"vid","revision":"rev","bucket":"bucket","key":"library/A/b.mkv","index":0,"start":0.0,'
        f'"end":85.294,"planned":17,"info":{INFO_JSON}}}'
    )
    assert SegmentTask.from_message(old) == plain
    assert plain.to_message() == old[:-1] + ',"version_id":null,"crop":null}'


@pytest.mark.parametrize(
    ("key", "title", "episode"),
    [
        (
            "library/Boku no Hero Academia/[HorribleSubs] Boku no Hero Academia - 65 [1080p].mkv",
            "Boku no Hero Academia",
            "65",
        ),
        ("library/Cowboy Bebop/Cowboy Bebop - S01E05 - Ballad of Fallen Angels.mkv", "Cowboy Bebop", "S01E05"),
        ("library/Sintel/sintel-26s-848x480.mp4", "Sintel", None),
        ("library/[SubsPlease] Frieren - 12 (720p) [ABCD1234].mkv", "Frieren", "12"),
    ],
)
def test_title_and_episode_from_the_key(key: str, title: str, episode: str | None) -> None:
    naming = naming_for_key(key)
    assert (naming.title, naming.episode) == (title, episode)


def test_metadata_wins_and_odd_names_do_not_crash() -> None:
    assert naming_for_key("library/X/y - 03.mkv", {"Title": "Real", "episode": "7"}).title == "Real"
    assert naming_for_key("library/X/y - 03.mkv", {"Title": "Real", "episode": "7"}).episode == "7"
    assert parse_filename("") == (None, None)
    assert naming_for_key("library/X/.mkv").title == "X"
