"""The embedded store: one SQLite file under ASHEN_HOME (default ~/.ashen).

Several processes may share the file (two `ashen index` runs, `ashen serve` while indexing). SQLite
lets one write at a time: a writer waits up to the busy timeout (ASHEN_BUSY_TIMEOUT_S, default ten
minutes, far longer than one video's write) for the lock, then gives up with StoreBusy, one line
that names the file. Writes prepare their rows before they take the lock, so it is held only for
the SQL.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ashen.errors import StoreBusy, StoreError
from ashen.records import (
    Candidate,
    FileEntry,
    Scene,
    StoreStats,
    VideoEdit,
    VideoPage,
    VideoRecord,
    VideoStatus,
    listing_key,
    listing_order,
)

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
    cut INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, video_id, start)
) WITHOUT ROWID;
DROP INDEX IF EXISTS scenes_by_video;
CREATE INDEX IF NOT EXISTS scenes_by_video_time ON scenes (video_id, start);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    video_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_by_fingerprint ON files (fingerprint);
CREATE INDEX IF NOT EXISTS files_by_video ON files (video_id);
"""
_INCREMENTAL = 2  # PRAGMA auto_vacuum: free pages can be given back (PRAGMA incremental_vacuum)
# Every free page back, then the WAL written back and emptied. A script: executed by sqlite3_exec,
# which steps incremental_vacuum to its end (one execute() frees a single page).
_GIVE_BACK = "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);"

_INSERT_SCENE = (
    "INSERT OR REPLACE INTO scenes (bucket, video_id, start, at, end, frames, signature, layout, cut)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_FILES = "SELECT path, size, mtime_ns, fingerprint, video_id FROM files"
_SELECT_CANDIDATES = "SELECT video_id, start, at, end, signature, layout, cut FROM scenes"  # rows for _candidates
_SELECT_BUCKETED = "SELECT bucket, video_id, start, at, end, signature, layout, cut FROM scenes"  # bucket + those
_KEYS_PER_STATEMENT = 2000  # well under the host parameters an SQLite statement may have
BUSY_TIMEOUT_ENV = "ASHEN_BUSY_TIMEOUT_S"
DEFAULT_BUSY_TIMEOUT_S = 600.0  # a 4 h video's write takes seconds: wait for another index run's, don't drop ours
_CACHE_KIB = 65536  # page cache per connection: a long video's DELETE + inserts touch more pages than the 2 MiB default
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (sqlite3 names them only from Python 3.11's sqlite_errorcode)

_Row = tuple[str, str, float, float, float, int, bytes, bytes | None, int]

# A video's records.listing_key in SQL (BINARY collation: code point order, as Python sorts str).
_LISTING_KEY = (
    "json_extract(record, '$.title'), coalesce(json_extract(record, '$.episode'), ''),"
    " json_extract(record, '$.filename'), id"
)


def default_home() -> Path:
    return Path(os.environ.get("ASHEN_HOME") or Path.home() / ".ashen")


def busy_timeout() -> float:
    """Seconds a write waits for another process's lock: $ASHEN_BUSY_TIMEOUT_S, default ten minutes."""
    text = os.environ.get(BUSY_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_BUSY_TIMEOUT_S
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise StoreError(f"{BUSY_TIMEOUT_ENV} must be a number of seconds (0 or more), not {text!r}")
    return seconds


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in _BUSY_CODES  # extended codes (SQLITE_BUSY_SNAPSHOT...) keep the primary low byte
    return "locked" in str(exc) or "busy" in str(exc)


class SqliteStore:
    """SceneStore on SQLite. Safe to share between threads of one process."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, timeout: float | None = None) -> None:
        """``timeout``: seconds to wait for another process's lock (default: ``busy_timeout()``)."""
        if path is None:
            home = default_home()
            home.mkdir(parents=True, exist_ok=True)
            path = home / DB_NAME
        self.path = Path(path)
        self.timeout = busy_timeout() if timeout is None else timeout
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=self.timeout, check_same_thread=False, isolation_level=None)
        try:
            with self._guard() as db:
                db.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
                if db.execute("PRAGMA page_count").fetchone()[0] == 0:  # a new file; an older one: reclaim_space
                    db.execute(f"PRAGMA auto_vacuum={_INCREMENTAL}")
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
                columns = {row[1] for row in db.execute("PRAGMA table_info(scenes)")}
                if "layout" not in columns:  # a store written before scenes kept their luma grid (column layout)
                    db.execute("ALTER TABLE scenes ADD COLUMN layout BLOB")
                if "cut" not in columns:  # written before shots were recorded: no scene known to start one
                    db.execute("ALTER TABLE scenes ADD COLUMN cut INTEGER NOT NULL DEFAULT 0")
                _migrate_kinds(db)
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        """The connection, for one thread at a time; SQLite's "database is locked" becomes StoreBusy."""
        began = time.monotonic()
        with self._lock:
            try:
                yield self._db
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                waited = time.monotonic() - began
                raise StoreBusy(
                    f"the store {self.path} is locked by another process (waited {waited:.0f} s; "
                    f"{BUSY_TIMEOUT_ENV} sets how long)"
                ) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE (the write lock up front, waiting for it) ... COMMIT, or ROLLBACK on any error."""
        with self._guard() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # some errors (a full disk) roll back on their own
                    db.execute("ROLLBACK")
                raise

    # videos
    def put_video(self, video: VideoRecord) -> None:
        record = json.dumps(video.to_dict())
        with self._guard() as db:
            db.execute("INSERT OR REPLACE INTO videos (id, record) VALUES (?, ?)", (video.id, record))

    def get_video(self, video_id: str) -> VideoRecord | None:
        with self._guard() as db:
            row = db.execute("SELECT record FROM videos WHERE id = ?", (video_id,)).fetchone()
        return _video(row[0]) if row else None

    def list_videos(self) -> list[VideoRecord]:
        with self._guard() as db:
            rows = db.execute("SELECT record FROM videos").fetchall()
        return listing_order(_video(r[0]) for r in rows)

    def list_page(
        self, *, limit: int, after: tuple[str, str, str, str] | None = None, status: VideoStatus | None = None
    ) -> VideoPage:
        where, params = [], []
        if after is not None:
            where.append(f"({_LISTING_KEY}) > (?, ?, ?, ?)")
            params += list(after)
        if status is not None:
            where.append("json_extract(record, '$.status') = ?")
            params.append(str(status))
        sql = "SELECT record FROM videos" + (" WHERE " + " AND ".join(where) if where else "")
        sql += f" ORDER BY {_LISTING_KEY} LIMIT ?"
        with self._guard() as db:
            rows = db.execute(sql, (*params, limit + 1)).fetchall()
        videos = [_video(r[0]) for r in rows[:limit]]
        return VideoPage(videos, listing_key(videos[-1]) if len(rows) > limit else None)

    # scenes
    def replace_video(self, video: VideoRecord, scenes: Iterable[tuple[str, Scene]]) -> None:
        rows = _rows(video.id, scenes)  # before BEGIN: the lock is held for the SQL only
        with self._transaction() as db:
            db.execute("DELETE FROM scenes WHERE video_id = ?", (video.id,))
            db.executemany(_INSERT_SCENE, rows)
            db.execute(
                "INSERT OR REPLACE INTO videos (id, record) VALUES (?, ?)", (video.id, json.dumps(video.to_dict()))
            )

    def add_scenes(self, video_id: str, scenes: Iterable[tuple[str, Scene]]) -> int:
        rows = _rows(video_id, scenes)
        with self._transaction() as db:
            db.executemany(_INSERT_SCENE, rows)
        return len(rows)

    def candidates(self, buckets: Sequence[str]) -> list[Candidate]:
        rows = []
        with self._guard() as db:
            for i in range(0, len(buckets), _KEYS_PER_STATEMENT):  # a colourless query's probe has thousands
                chunk = tuple(buckets[i : i + _KEYS_PER_STATEMENT])
                marks = ",".join("?" * len(chunk))
                rows += db.execute(f"{_SELECT_CANDIDATES} WHERE bucket IN ({marks})", chunk).fetchall()
        return _candidates(rows)

    def scenes_between(self, video_id: str, start: float, end: float) -> list[Candidate]:
        with self._guard() as db:
            rows = db.execute(
                f"{_SELECT_CANDIDATES} WHERE video_id = ? AND start BETWEEN ? AND ? ORDER BY start",
                (video_id, start, end),
            ).fetchall()
        return _candidates(rows)

    def scenes_in(
        self, video_id: str, spans: Sequence[tuple[float, float]], revision: str | None = None
    ) -> list[Candidate]:
        return [c for lo, hi in spans for c in self.scenes_between(video_id, lo, hi)]

    def luma_grids(self, candidates: Sequence[Candidate]) -> list[bytes]:
        """Candidates come with their grids here: those without one have none."""
        return [c.luma for c in candidates]

    def answering_videos(self, video_ids: Iterable[str]) -> dict[str, tuple[VideoRecord, str]]:
        """Every video's scenes answer (a replace is one transaction): its record, revision ""."""
        ids, rows = sorted(set(video_ids)), []
        with self._guard() as db:
            for i in range(0, len(ids), _KEYS_PER_STATEMENT):
                chunk = tuple(ids[i : i + _KEYS_PER_STATEMENT])
                marks = ",".join("?" * len(chunk))
                rows += db.execute(f"SELECT id, record FROM videos WHERE id IN ({marks})", chunk).fetchall()
        return {video_id: (_video(record), "") for video_id, record in rows}

    def remove_video(self, video_id: str) -> bool:
        """Delete the video, its scenes and its files' entries; in a store made with incremental
        auto-vacuum (every store since the files table), give the freed pages back at once."""
        with self._transaction() as db:
            db.execute("DELETE FROM scenes WHERE video_id = ?", (video_id,))
            db.execute("DELETE FROM files WHERE video_id = ?", (video_id,))
            gone: int = db.execute("DELETE FROM videos WHERE id = ?", (video_id,)).rowcount
        if gone:
            with self._guard() as db:
                if db.execute("PRAGMA auto_vacuum").fetchone()[0] == _INCREMENTAL:
                    db.executescript(_GIVE_BACK)
        return gone > 0

    def reclaim_space(self) -> int:
        """Free pages back to the file system: an incremental vacuum, or (a store made before
        incremental auto-vacuum) one VACUUM that also turns it on; then the WAL is truncated."""
        before = self._size()
        with self._guard() as db:
            if db.execute("PRAGMA auto_vacuum").fetchone()[0] != _INCREMENTAL:
                db.execute(f"PRAGMA auto_vacuum={_INCREMENTAL}")
                db.execute("VACUUM")
            db.executescript(_GIVE_BACK)
        return max(0, before - self._size())

    def _size(self) -> int:
        """Bytes of the store's files (the database, its WAL and shared memory)."""
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())

    # files of the local library (ashen.indexing.catalog)
    def file_at(self, path: str) -> FileEntry | None:
        with self._guard() as db:
            row = db.execute(f"{_SELECT_FILES} WHERE path = ?", (path,)).fetchone()
        return FileEntry(*row) if row else None

    def files_with(self, fingerprint: str) -> list[FileEntry]:
        with self._guard() as db:
            rows = db.execute(f"{_SELECT_FILES} WHERE fingerprint = ? ORDER BY path", (fingerprint,)).fetchall()
        return [FileEntry(*r) for r in rows]

    def files(self) -> list[FileEntry]:
        with self._guard() as db:
            rows = db.execute(f"{_SELECT_FILES} ORDER BY path").fetchall()
        return [FileEntry(*r) for r in rows]

    def files_of(self, video_id: str) -> list[FileEntry]:
        with self._guard() as db:
            rows = db.execute(f"{_SELECT_FILES} WHERE video_id = ? ORDER BY path", (video_id,)).fetchall()
        return [FileEntry(*r) for r in rows]

    def keep_file(self, entry: FileEntry, *, video: VideoRecord | None = None, forget: Sequence[str] = ()) -> None:
        record = json.dumps(video.to_dict()) if video is not None else None
        with self._transaction() as db:
            db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in forget])
            db.execute(
                "INSERT OR REPLACE INTO files (path, size, mtime_ns, fingerprint, video_id) VALUES (?, ?, ?, ?, ?)",
                (entry.path, entry.size, entry.mtime_ns, entry.fingerprint, entry.video_id),
            )
            if video is not None:
                db.execute("INSERT OR REPLACE INTO videos (id, record) VALUES (?, ?)", (video.id, record))

    def forget_files(self, paths: Sequence[str]) -> None:
        with self._transaction() as db:
            db.executemany("DELETE FROM files WHERE path = ?", [(p,) for p in paths])

    def edit_video(self, video_id: str, edit: VideoEdit) -> VideoRecord | None:
        """One UPDATE of the record's editable fields: status, progress and scenes stay."""
        with self._transaction() as db:
            db.execute(
                "UPDATE videos SET record = json_set(record, '$.title', ?, '$.episode', ?, '$.anilist', ?, '$.mal', ?)"
                " WHERE id = ?",
                (edit.title, edit.episode, edit.anilist, edit.mal, video_id),
            )
            row = db.execute("SELECT record FROM videos WHERE id = ?", (video_id,)).fetchone()
        return _video(row[0]) if row else None

    def stats(self) -> StoreStats:
        videos = self.list_videos()
        with self._guard() as db:
            scenes = db.execute("SELECT COUNT(*) FROM scenes").fetchone()[0]
        return StoreStats(len(videos), sum(v.frames for v in videos), int(scenes), self._size())

    def bucket_sizes(self) -> dict[str, int]:
        with self._guard() as db:
            rows = db.execute("SELECT bucket, COUNT(*) FROM scenes GROUP BY bucket").fetchall()
        return {b: int(n) for b, n in rows}

    def small_library(self, limit: int) -> list[tuple[str, Candidate]] | None:
        with self._guard() as db:
            if db.execute("SELECT COUNT(*) FROM scenes").fetchone()[0] > limit:
                return None
            rows = db.execute(f"{_SELECT_BUCKETED} ORDER BY bucket, video_id, start").fetchall()
        return [(row[0], c) for row, c in zip(rows, _candidates(row[1:] for row in rows), strict=True)]


def _migrate_kinds(db: sqlite3.Connection) -> None:
    """Records written before stills existed are videos: say so, once (a read first, so that opening
    a store already migrated takes no write lock)."""
    unkinded = "json_extract(record, '$.kind') IS NULL"
    if db.execute(f"SELECT 1 FROM videos WHERE {unkinded} LIMIT 1").fetchone():
        db.execute(f"UPDATE videos SET record = json_set(record, '$.kind', 'video') WHERE {unkinded}")


def _rows(video_id: str, scenes: Iterable[tuple[str, Scene]]) -> list[_Row]:
    """Scene rows in primary-key order: the inserts walk the table's B-tree once instead of jumping
    about it (a long video's write touches far fewer pages)."""
    rows = [(b, video_id, s.start, s.at, s.end, s.frames, s.signature, s.luma or None, int(s.cut)) for b, s in scenes]
    rows.sort(key=lambda r: (r[0], r[2]))
    return rows


def _candidates(rows: Iterable[tuple[str, float, float, float, bytes, bytes | None, int]]) -> list[Candidate]:
    return [Candidate(v, s, a, e, bytes(sig), bytes(lay or b""), bool(cut)) for v, s, a, e, sig, lay, cut in rows]


def _video(text: str) -> VideoRecord:
    return VideoRecord.from_dict(json.loads(text))


def open_store(path: str | os.PathLike[str] | None = None) -> SqliteStore:
    """The embedded store: the SQLite file at ``path``, or in a folder given as ``path``, or in
    $ASHEN_HOME (default ~/.ashen) when none is given."""
    if path is not None and Path(path).is_dir():
        path = Path(path) / DB_NAME
    return SqliteStore(path)
