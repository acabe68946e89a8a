"""Search through the DynamoDB adapter answers as through SQLite, the reference (issue 19).

The time ranges of the neighbour search end at sub-millisecond floats (``3.4000000000000004``),
while DynamoDB keys a scene's start to the millisecond: the adapter must still return exactly
the scenes that start inside the range. And a small library indexed into both stores gives the
same answers, query for query, with the same candidates and keys read.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.signature import pack
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.media.probe import ffmpeg_exe
from ashen.records import Scene, VideoRecord
from ashen.search import SearchOptions, SearchResult, search_clip, search_image
from ashen.store.dynamodb import DynamoStore
from ashen.store.sqlite import SqliteStore
from tests.support import CLIP


@pytest.fixture()
def dynamo(fake_aws: None) -> Iterator[DynamoStore]:
    store = DynamoStore("scenes", "videos")
    store.create_tables()
    yield store


def video(video_id: str) -> VideoRecord:
    return VideoRecord(
        id=video_id,
        title="Clip",
        filename=f"{video_id}.mp4",
        source=f"/media/{video_id}.mp4",
        episode=None,
        duration=30.0,
        fps=25.0,
        width=848,
        height=480,
    )


# Scene starts as an index stores them: frame times of 25 and 30 fps clips, not all whole milliseconds.
STARTS = (3.36, 3.4, 5.0, 6.0333333, 6.0666667, 9.56)


def test_time_ranges_hold_exactly_the_scenes_that_start_inside_them(dynamo: DynamoStore, tmp_path: Path) -> None:
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    values = [16] * 33
    scenes = [(bucket_key(values), Scene(s, s, s + 0.04, 1, pack(np.array(values)).tobytes())) for s in STARTS]
    for store in (dynamo, sqlite):
        store.replace_video(video("v"), scenes)
    spans = [
        (3.4000000000000004, 6.0334),  # float noise above 3.4 (a neighbour range's end); past 6.0333333
        (3.3600000000000003, 9.559999999999999),  # as a search asked, both ends within a start's millisecond
        (6.03334, 6.0666),  # between two 1/30 s frames, inside their milliseconds
        (-2.0, 3.36),  # from before zero, ending on a start
        (0.0, 100.0),
    ]
    for lo, hi in spans:
        expected = [s for s in STARTS if lo <= s <= hi]
        assert [c.start for c in sqlite.scenes_between("v", lo, hi)] == expected
        assert [c.start for c in dynamo.scenes_between("v", lo, hi)] == expected, (lo, hi)
    assert [c.start for c in dynamo.scenes_in("v", spans)] == [c.start for c in sqlite.scenes_in("v", spans)]


def frames_of(clip: Path, every_s: float, width: int) -> list[tuple[float, np.ndarray]]:
    """Frames of the clip every ``every_s`` seconds from 0.5 s, scaled to ``width`` (one ffmpeg run)."""
    height = width * 480 // 848 // 2 * 2
    picks = f"fps=1/{every_s}:start_time=0.5,scale={width}:{height}"
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(clip), "-vf", picks, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout
    shots = np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)
    return [(0.5 + i * every_s, shot) for i, shot in enumerate(shots)]


def jpeg(rgb: np.ndarray) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=30)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def letterbox(rgb: np.ndarray) -> np.ndarray:
    bar = np.zeros((rgb.shape[0] // 6, rgb.shape[1], 3), np.uint8)
    return np.concatenate([bar, rgb, bar])


EDITS = {
    "as is": lambda rgb: rgb,
    "jpeg": jpeg,
    "mirror": lambda rgb: np.ascontiguousarray(rgb[:, ::-1]),
    "crop": lambda rgb: np.ascontiguousarray(rgb[:, rgb.shape[1] // 10 :]),
    "letterbox": letterbox,
}


def answer(result: SearchResult) -> tuple[object, ...]:
    """Everything a search answered and read, but its time taken."""
    matches = [(m.video.id, m.start, m.at, m.end, m.similarity, m.reading) for m in result.matches]
    return (matches, result.frame_count, result.buckets_read, result.ranges_read, result.flat)


@pytest.mark.slow
def test_a_library_answers_the_same_through_dynamodb_as_through_sqlite(dynamo: DynamoStore, tmp_path: Path) -> None:
    """The vendored clip indexed twice (two videos of the same pictures: every answer a tie to
    break) into SQLite and, through the same indexer, into DynamoDB; screenshots under several
    edits and short clips searched through the buckets of each give the same answers."""
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    for store in (sqlite, dynamo):
        for name in ("second", "first"):  # indexed out of id order: SQLite returns them so
            index_video(store, str(CLIP), IndexOptions(title=name, video_id=f"{name}-id", workers=1))
    assert dynamo.stats().scenes == sqlite.stats().scenes > 100
    shots = frames_of(CLIP, 2.0, 640)
    options = SearchOptions(limit=5)
    asked = 0
    for edit, change in EDITS.items():
        for t, rgb in shots:
            query = change(rgb)
            want = answer(search_image(sqlite, query, options))
            assert answer(search_image(dynamo, query, options)) == want, (edit, t)
            asked += 1
    for i in range(0, len(shots) - 3, 4):
        clip = [(t - shots[i][0], jpeg(rgb)) for t, rgb in shots[i : i + 3]]
        assert answer(search_clip(dynamo, clip, options)) == answer(search_clip(sqlite, clip, options)), i
        asked += 1
    assert asked >= 60
