"""The embedded store: one SQLite file under ASHEN_HOME (default ~/.ashen)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from ashen.records import Candidate, Scene, StoreStats, VideoRecord, listing_order

DB_NAME = "ashen.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    id TEXT PRIMARY KEY,
    record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scenes (
    bucket TEXT NOT NULL,
    video_id TEXT NOT NULL,
    start REAL NOT NULL,
    at REAL NOT NULL,
    end REAL NOT NULL,
    frames INTEGER NOT NULL,
    signature BLOB NOT NULL,
    layout BLOB,
    PRIMARY KEY (bucket, video_id, start)
) WITHOUT ROWID;
DROP INDEX IF EXISTS scenes_by_video;
CREATE INDEX IF NOT EXISTS scenes_by_video_time ON scenes (video_id, start);
"""

_INSERT_SCENE = (
    "INSERT OR REPLACE INTO scenes (bucket, video_id, start, at, end, frames, signature, layout)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_CANDIDATES = "SELECT video_id, start, at, end, signature, layout FROM scenes"  # rows for _candidates
_KEYS_PER_STATEMENT = 2000  # well under the host parameters an SQLite statement may have


def default_home() -> Path:
    return Path(os.environ.get("ASHEN_HOME") or Path.home() / ".ashen")


class SqliteStore:
    """SceneStore on SQLite. Safe to share between threads of one process."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        if path is None:
            home = default_home()
            home.mkdir(parents=True, exist_ok=True)
            path = home / DB_NAME
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(scenes)")}
        if "layout" not in columns:  # a store written before scenes kept their luma grid (column layout)
            self._db.execute("ALTER TABLE scenes ADD COLUMN layout BLOB")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # videos
    def put_video(self, video: VideoRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO videos (id, record) VALUES (?, ?)", (video.id, json.dumps(video.to_dict()))
            )

    def get_video(self, video_id: str) -> VideoRecord | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM videos WHERE id = ?", (video_id,)).fetchone()
        return _video(row[0]) if row else None

    def list_videos(self) -> list[VideoRecord]:
        with self._lock:
            rows = self._db.execute("SELECT record FROM videos").fetchall()
        return listing_order(_video(r[0]) for r in rows)

    # scenes
    def replace_video(self, video: VideoRecord, scenes: Iterable[tuple[str, Scene]]) -> None:
        rows = [(b, video.id, s.start, s.at, s.end, s.frames, s.signature, s.luma or None) for b, s in scenes]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM scenes WHERE video_id = ?", (video.id,))
                self._db.executemany(_INSERT_SCENE, rows)
                self._db.execute(
                    "INSERT OR REPLACE INTO videos (id, record) VALUES (?, ?)", (video.id, json.dumps(video.to_dict()))
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def add_scenes(self, video_id: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        rows = [(b, video_id, s.start, s.at, s.end, s.frames, s.signature, s.luma or None) for b, s in scenes]
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(_INSERT_SCENE, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return len(rows)

    def candidates(self, buckets: Sequence[str]) -> list[Candidate]:
        rows = []
        with self._lock:
            for i in range(0, len(buckets), _KEYS_PER_STATEMENT):  # a colourless query's probe has thousands
                chunk = tuple(buckets[i : i + _KEYS_PER_STATEMENT])
                marks = ",".join("?" * len(chunk))
                rows += self._db.execute(f"{_SELECT_CANDIDATES} WHERE bucket IN ({marks})", chunk).fetchall()
        return _candidates(rows)

    def scenes_between(self, video_id: str, start: float, end: float) -> list[Candidate]:
        with self._lock:
            rows = self._db.execute(
                f"{_SELECT_CANDIDATES} WHERE video_id = ? AND start BETWEEN ? AND ? ORDER BY start",
                (video_id, start, end),
            ).fetchall()
        return _candidates(rows)

    def remove_video(self, video_id: str) -> bool:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM scenes WHERE video_id = ?", (video_id,))
                gone = self._db.execute("DELETE FROM videos WHERE id = ?", (video_id,)).rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return gone > 0

    def stats(self) -> StoreStats:
        videos = self.list_videos()
        with self._lock:
            scenes = self._db.execute("SELECT COUNT(*) FROM scenes").fetchone()[0]
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        return StoreStats(len(videos), sum(v.frames for v in videos), int(scenes), size)

    def bucket_sizes(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT bucket, COUNT(*) FROM scenes GROUP BY bucket").fetchall()
        return {b: int(n) for b, n in rows}


def _candidates(rows: Iterable[tuple[str, float, float, float, bytes, bytes | None]]) -> list[Candidate]:
    return [Candidate(v, s, a, e, bytes(sig), bytes(lay or b"")) for v, s, a, e, sig, lay in rows]


def _video(text: str) -> VideoRecord:
    return VideoRecord.from_dict(json.loads(text))


def open_store(path: str | os.PathLike[str] | None = None) -> SqliteStore:
    """The embedded store: the SQLite file at ``path``, or in a folder given as ``path``, or in
    $ASHEN_HOME (default ~/.ashen) when none is given."""
    if path is not None and Path(path).is_dir():
        path = Path(path) / DB_NAME
    return SqliteStore(path)
