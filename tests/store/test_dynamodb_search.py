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
from moto import mock_aws
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
def dynamo(monkeypatch: pytest.MonkeyPatch) -> Iterator[DynamoStore]:
    for k, v in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
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
