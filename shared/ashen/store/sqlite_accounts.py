"""The AccountStore port (ashen.accounts.port) on SQLite, in the store's file (or any path).

Each call opens its own connection and a counter's read-decide-write runs in one ``BEGIN
IMMEDIATE`` transaction (the write lock taken before the read), so threads and processes that
count at once are serialised by SQLite: none passes a limit, none loses a count. Nothing is
cached: a key revoked by `ashen keys revoke` is refused by the next request of a running server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ashen.accounts.keys import ApiKey, KeyExists, Role
from ashen.accounts.port import Reservation, Window

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    quota INTEGER NOT NULL,
    rate INTEGER NOT NULL,
    created REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS api_usage (
    subject TEXT NOT NULL,
    day TEXT NOT NULL,
    used INTEGER NOT NULL,
    minute INTEGER NOT NULL,
    minute_used INTEGER NOT NULL,
    PRIMARY KEY (subject, day)
) WITHOUT ROWID;
"""
_COLUMNS = "name, key_hash, role, quota, rate, created, revoked"
_BUSY_TIMEOUT_S = 30.0


class SqliteAccounts:
    """Keys and counters in two tables of an SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        with self._connection() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _key(row: tuple[str, str, str, int, int, float, int]) -> ApiKey:
        name, key_hash, role, quota, rate, created, revoked = row
        return ApiKey(name, key_hash, Role(role), quota, rate, created, bool(revoked))

    def add_key(self, key: ApiKey) -> None:
        row = (key.name, key.key_hash, str(key.role), key.quota, key.rate, key.created, int(key.revoked))
        try:
            with self._transaction() as db:
                db.execute(f"INSERT INTO api_keys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        except sqlite3.IntegrityError as exc:
            raise KeyExists(f"a key named {key.name!r} exists") from exc

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        with self._connection() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM api_keys WHERE key_hash = ?", (key_hash,)).fetchone()
        return None if row is None else self._key(row)

    def keys(self) -> list[ApiKey]:
        with self._connection() as db:
            return [self._key(r) for r in db.execute(f"SELECT {_COLUMNS} FROM api_keys ORDER BY name")]

    def revoke(self, name: str) -> bool:
        with self._transaction() as db:
            return db.execute("UPDATE api_keys SET revoked = 1 WHERE name = ?", (name,)).rowcount > 0

    def reserve(self, subject: str, window: Window, quota: int, rate: int) -> Reservation:
        with self._transaction() as db:
            row = db.execute(
                "SELECT used, minute, minute_used FROM api_usage WHERE subject = ? AND day = ?", (subject, window.day)
            ).fetchone()
            used, minute, minute_used = row if row is not None else (0, window.minute, 0)
            minute_used = minute_used if minute == window.minute else 0
            if used >= quota:
                return Reservation(False, used, "quota")
            if minute_used >= rate:
                return Reservation(False, used, "rate")
            db.execute(
                "INSERT OR REPLACE INTO api_usage (subject, day, used, minute, minute_used) VALUES (?, ?, ?, ?, ?)",
                (subject, window.day, used + 1, window.minute, minute_used + 1),
            )
            db.execute("DELETE FROM api_usage WHERE day < ?", (window.day,))  # yesterday's counters go
            return Reservation(True, used + 1)

    def refund(self, subject: str, window: Window) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE api_usage SET used = max(used - 1, 0),"
                " minute_used = CASE WHEN minute = ? THEN max(minute_used - 1, 0) ELSE minute_used END"
                " WHERE subject = ? AND day = ?",
                (window.minute, subject, window.day),
            )

    def used(self, subject: str, day: str) -> int:
        with self._connection() as db:
            row = db.execute("SELECT used FROM api_usage WHERE subject = ? AND day = ?", (subject, day)).fetchone()
        return 0 if row is None else int(row[0])
