"""The embedded store's file entries, a store made by the schema before them, and space given
back when videos are removed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ashen.indexing.indexer import keyed
from ashen.indexing.scenes import scenes_of
from ashen.records import FileEntry, VideoRecord
from ashen.store import SqliteStore

# The schema of every store written before file entries and incremental auto-vacuum.
OLD_SCHEMA = """
CREATE TABLE videos (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE scenes (
    bucket TEXT NOT NULL, video_id TEXT NOT NULL, start REAL NOT NULL, at REAL NOT NULL, end REAL NOT NULL,
    frames INTEGER NOT NULL, signature BLOB NOT NULL, layout BLOB, cut INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, video_id, start)
) WITHOUT ROWID;
CREATE INDEX scenes_by_video_time ON scenes (video_id, start);
"""


def scenes(n: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return keyed(scenes_of(np.arange(n) * 0.04, rng.integers(5, 31, (n, 33)).astype(np.uint8)))


def video(vid: str) -> VideoRecord:
    return VideoRecord(id=vid, title="T", filename=f"{vid}.mp4", source=f"/x/{vid}.mp4", frames=10)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def test_file_entries_round_trip(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3")
    a = FileEntry("/m/a.mkv", 10, 1, "f" * 32, "v1")
    store.keep_file(a)
    store.keep_file(FileEntry("/m/b.mkv", 10, 2, "f" * 32, "v1"))
    assert store.file_at("/m/a.mkv") == a and store.file_at("/m/none.mkv") is None
    assert [e.path for e in store.files_with("f" * 32)] == ["/m/a.mkv", "/m/b.mkv"]
    store.keep_file(FileEntry("/m/c.mkv", 5, 1, "e" * 32, "v2"))
    assert [e.path for e in store.files_of("v1")] == ["/m/a.mkv", "/m/b.mkv"] and store.files_of("v3") == []
    store.forget_files(["/m/c.mkv"])
    moved = video("v1")
    store.keep_file(FileEntry("/n/a.mkv", 10, 3, "f" * 32, "v1"), video=moved, forget=["/m/a.mkv"])
    assert [e.path for e in store.files()] == ["/m/b.mkv", "/n/a.mkv"] and store.get_video("v1") == moved
    store.forget_files(["/m/b.mkv"])
    assert [e.path for e in store.files()] == ["/n/a.mkv"]
    store.remove_video("v1")  # a video's entries go with it
    assert store.files() == []


def test_a_store_made_by_the_old_schema_opens_keeps_its_videos_and_shrinks(tmp_path: Path) -> None:
    path = tmp_path / "ashen.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(OLD_SCHEMA)
    db.close()
    with SqliteStore(path) as store:  # fill it (the old file has no auto-vacuum; today's code cannot change that)
        store.replace_video(video("a"), scenes(30000, 1))
        store.replace_video(video("b"), scenes(100, 2))
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
        db.execute("DROP TABLE files")  # as the old version left it
    store = SqliteStore(path)  # migrates: the files table is made, the videos and scenes are there
    assert [v.id for v in store.list_videos()] == ["a", "b"] and store.stats().scenes > 20000
    store.keep_file(FileEntry("/m/b.mp4", 1, 1, "0" * 32, "b"))
    before = size(path)
    assert store.remove_video("a")  # no auto-vacuum yet: the file keeps its size (no VACUUM behind a DELETE)
    assert size(path) >= before / 2
    freed = store.reclaim_space()  # one VACUUM (`ashen remove`, `ashen prune`), which turns auto-vacuum on
    assert size(path) < before / 2 and freed > before / 2
    assert store.stats().scenes < 200 and store.file_at("/m/b.mp4") is not None
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2


@pytest.mark.slow  # seconds of indexing or waiting: the full suite runs it, not the fast one
def test_a_new_store_gives_space_back_as_it_removes(tmp_path: Path) -> None:
    path = tmp_path / "ashen.sqlite3"
    store = SqliteStore(path)
    store.replace_video(video("a"), scenes(30000, 1))
    store.replace_video(video("b"), scenes(100, 2))
    assert store._db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, from the start
    before = size(path)
    assert store.remove_video("a")  # no reclaim_space: the removal gives the pages back itself
    assert size(path) < before / 2
    assert [v.id for v in store.list_videos()] == ["b"]
