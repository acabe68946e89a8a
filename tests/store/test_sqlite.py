import json
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ashen.errors import StoreBusy, StoreError
from ashen.indexing.indexer import keyed
from ashen.indexing.scenes import scenes_of
from ashen.records import VideoRecord
from ashen.store import SqliteStore
from ashen.store.sqlite import BUSY_TIMEOUT_ENV


def make_scenes(n, seed):
    rng = np.random.default_rng(seed)
    v = rng.integers(10, 20, (n, 33)).astype(np.uint8)
    return keyed(scenes_of(np.arange(n) * 0.04, v))


def video(vid, title="T"):
    return VideoRecord(id=vid, title=title, filename=f"{vid}.mp4", source=f"/x/{vid}.mp4", frames=10)


def test_replace_is_atomic_and_never_duplicates(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite3")
    store.replace_video(video("a"), make_scenes(50, 1))
    store.replace_video(video("b"), make_scenes(30, 2))
    before = store.stats().scenes
    store.replace_video(video("a"), make_scenes(50, 1))  # re-index: same rows, not twice
    assert store.stats().scenes == before
    store.replace_video(video("a"), make_scenes(10, 3))
    assert store.stats().scenes == before - 50 + 10


def failing_iterable():
    """The scenes' iterable breaks. The rows are read before BEGIN, so nothing is written yet."""

    def scenes():
        yield from make_scenes(5, 9)
        raise RuntimeError("disk on fire")

    return video("a", title="New"), scenes(), RuntimeError


def failing_row():
    """Inside the transaction: after the DELETE and ten inserts, a row SQLite cannot bind."""
    rows = make_scenes(20, 9)
    bucket, scene = rows[10]
    rows[10] = (bucket, replace(scene, frames=2**63))  # too large for an SQLite INTEGER
    return video("a", title="New"), rows, OverflowError


def failing_record():
    """Inside the transaction: after the DELETE and every insert, a record that cannot be serialised."""
    record = video("a", title="New")
    record.extra = {"blob": b"not JSON"}
    return record, make_scenes(20, 9), TypeError


@pytest.mark.parametrize("failure", [failing_iterable, failing_row, failing_record])
def test_failed_replace_rolls_back(tmp_path, failure):
    store = SqliteStore(tmp_path / "a.sqlite3")
    old = make_scenes(40, 1)
    store.replace_video(video("a"), old)
    store.replace_video(video("b"), make_scenes(30, 2))
    buckets = sorted({b for b, _ in old})

    def state():
        stats = store.stats()  # (its size in bytes follows the WAL file, not the content)
        return (
            (stats.videos, stats.scenes),
            store.get_video("a"),
            store.scenes_between("a", 0, 1e9),
            store.candidates(buckets),
        )

    before = state()

    new_record, new_scenes, error = failure()
    with pytest.raises(error):
        store.replace_video(new_record, new_scenes)

    assert state() == before
    with SqliteStore(store.path) as other:  # what another connection sees: committed, and the same
        assert other.get_video("a") == before[1] and other.scenes_between("a", 0, 1e9) == before[2]
    # The store is usable: no transaction was left open.
    store.replace_video(video("a", title="New"), make_scenes(20, 9))
    assert store.get_video("a").title == "New" and len(store.scenes_between("a", 0, 1e9)) == 20


def test_candidates_remove_and_buckets(tmp_path):
    store = SqliteStore(tmp_path / "a.sqlite3")
    rows = make_scenes(60, 4)
    store.replace_video(video("a"), rows)
    buckets = sorted({b for b, _ in rows})
    got = store.candidates(buckets[:1])
    assert got and all(c.video_id == "a" for c in got)
    assert sum(store.bucket_sizes().values()) == len(rows)
    assert store.add_scenes("a", rows[:5]) == 5 and store.stats().scenes == len(rows)  # idempotent
    assert store.remove_video("a") and not store.remove_video("a")
    assert store.stats().scenes == 0 and store.candidates(buckets) == []


# ---- two processes on one store: the second writer waits for the first one's transaction --------


def hold_write_lock(path: Path, seconds: float, held: threading.Event) -> None:
    """Another process's `ashen index` writing: BEGIN IMMEDIATE, ``seconds``, then COMMIT."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO videos (id, record) VALUES (?, ?)", ("held", json.dumps(video("held").to_dict())))
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def test_the_busy_timeout_is_long_and_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BUSY_TIMEOUT_ENV, raising=False)
    with SqliteStore(tmp_path / "a.sqlite3") as store:  # SQLite's own setting, not just an attribute
        assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 600_000
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "2.5")
    with SqliteStore(tmp_path / "a.sqlite3") as store:
        assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 2_500
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "ten minutes")
    with pytest.raises(StoreError, match=BUSY_TIMEOUT_ENV):
        SqliteStore(tmp_path / "a.sqlite3")


@pytest.mark.slow  # seconds of indexing or waiting: the full suite runs it, not the fast one
def test_a_second_writer_waits_for_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BUSY_TIMEOUT_ENV, "30")
    path = tmp_path / "a.sqlite3"
    SqliteStore(path).close()  # the file exists, in WAL mode
    held = threading.Event()
    writer = threading.Thread(target=hold_write_lock, args=(path, 1.5, held))
    writer.start()
    try:
        assert held.wait(5)
        with SqliteStore(path) as store:
            began = time.monotonic()
            store.replace_video(video("a"), make_scenes(50, 1))
            waited = time.monotonic() - began
            assert waited > 1.0  # it did wait for the other transaction, and then wrote
            assert {v.id for v in store.list_videos()} == {"held", "a"}
            assert len(store.scenes_between("a", 0, 1e9)) == 50
    finally:
        writer.join()


def test_a_writer_that_cannot_get_the_lock_says_so_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    with SqliteStore(path) as store:
        store.replace_video(video("a"), make_scenes(40, 1))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with SqliteStore(path, timeout=0.2) as store:
            before = (store.list_videos(), store.scenes_between("a", 0, 1e9))  # readers are not blocked (WAL)
            for write in (
                lambda: store.replace_video(video("a", title="New"), make_scenes(10, 3)),
                lambda: store.add_scenes("a", make_scenes(10, 3)),
                lambda: store.put_video(video("b")),
                lambda: store.remove_video("a"),
            ):
                with pytest.raises(StoreBusy) as caught:
                    write()
                message = str(caught.value)
                assert (
                    message
                    == f"the store {path} is locked by another process (waited 0 s; {BUSY_TIMEOUT_ENV} sets how long)"
                )
                assert not store._db.in_transaction
            assert (store.list_videos(), store.scenes_between("a", 0, 1e9)) == before
    finally:
        other.execute("ROLLBACK")
        other.close()
    with SqliteStore(path) as store:  # usable once the lock is gone
        store.replace_video(video("a", title="New"), make_scenes(10, 3))
        assert store.get_video("a").title == "New"
