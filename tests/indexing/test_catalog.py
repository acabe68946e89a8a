"""Which files of a local library need hashing: unchanged, touched, moved, copied, changed, and
a store written before file entries (ids from the path). No video is hashed here: the records
stand for what index_video stored."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from ashen.indexing.catalog import SAMPLE_BYTES, Found, fingerprint, look, prune, settle
from ashen.indexing.indexer import video_id_for
from ashen.records import VideoRecord
from ashen.store.sqlite import SqliteStore


@pytest.fixture
def store(tmp_path: Path) -> SqliteStore:
    return SqliteStore(tmp_path / "store.sqlite3")


def write(path: Path, size: int = 3 * SAMPLE_BYTES + 12345, seed: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def indexed(store: SqliteStore, path: Path) -> VideoRecord:
    """What `ashen index` does for a file that needs hashing, with the hashing left out."""
    seen = look(store, path)
    assert seen.needs_hashing
    video = VideoRecord(seen.entry.video_id, path.stem, path.name, str(path), indexed_at=time.time())
    store.replace_video(video, [])
    settle(store, seen, video)
    return video


def test_the_fingerprint_reads_the_start_middle_and_end(tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv")
    data = bytearray(path.read_bytes())
    first = fingerprint(path, len(data))
    for at in (10, len(data) // 2, len(data) - 10):
        changed = bytearray(data)
        changed[at] ^= 0xFF
        path.write_bytes(changed)
        assert fingerprint(path, len(changed)) != first, at
    path.write_bytes(data)
    assert fingerprint(path, len(data)) == first
    small = write(tmp_path / "b.mkv", size=100)
    assert len(fingerprint(small, 100)) == 32


def test_an_unchanged_file_is_not_read_again(store: SqliteStore, tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path / "show" / "a.mkv")
    video = indexed(store, path)
    assert video.id == fingerprint(path, path.stat().st_size)[:16]  # the id follows the content
    monkeypatch.setattr("ashen.indexing.catalog.fingerprint", lambda *a: pytest.fail("read again"))
    seen = look(store, path)
    assert (seen.found, seen.video) == (Found.UNCHANGED, video)
    monkeypatch.undo()
    assert look(store, path, force=True).found == Found.CHANGED


def test_a_touched_file_is_unchanged_and_its_new_mtime_kept(store: SqliteStore, tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv")
    video = indexed(store, path)
    os.utime(path, ns=(1, 10**18))
    seen = look(store, path)
    assert (seen.found, seen.entry.video_id) == (Found.UNCHANGED, video.id)
    settle(store, seen)
    assert store.file_at(str(path)).mtime_ns == 10**18


def test_a_moved_file_keeps_its_video_and_its_path_follows(store: SqliteStore, tmp_path: Path) -> None:
    path = write(tmp_path / "old" / "a.mkv")
    video = indexed(store, path)
    moved = tmp_path / "new" / "renamed.mkv"
    moved.parent.mkdir()
    path.rename(moved)
    seen = look(store, moved)
    assert (seen.found, seen.entry.video_id) == (Found.MOVED, video.id)
    settle(store, seen)
    [now] = store.list_videos()
    assert (now.id, now.source, now.filename) == (video.id, str(moved), "renamed.mkv")
    assert [e.path for e in store.files()] == [str(moved)]


def test_a_copy_is_one_video_with_two_files(store: SqliteStore, tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv")
    video = indexed(store, path)
    copy = tmp_path / "b.mkv"
    copy.write_bytes(path.read_bytes())
    seen = look(store, copy)
    assert (seen.found, seen.entry.video_id) == (Found.COPY, video.id)
    settle(store, seen)
    assert [v.id for v in store.list_videos()] == [video.id]
    assert {e.video_id for e in store.files()} == {video.id} and len(store.files()) == 2


def test_changed_content_at_a_path_replaces_its_video(store: SqliteStore, tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv")
    old = indexed(store, path)
    write(path, seed=7)
    seen = look(store, path)
    assert seen.found == Found.CHANGED and seen.previous is not None and seen.previous.video_id == old.id
    new = indexed_after(store, seen, path)
    assert [v.id for v in store.list_videos()] == [new.id] and new.id != old.id


def indexed_after(store: SqliteStore, seen, path: Path) -> VideoRecord:
    video = VideoRecord(seen.entry.video_id, path.stem, path.name, str(path), indexed_at=time.time())
    store.replace_video(video, [])
    settle(store, seen, video)
    return video


def test_a_store_written_with_path_ids_keeps_them(store: SqliteStore, tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv")
    old_id = video_id_for(str(path))
    store.put_video(VideoRecord(old_id, "A", path.name, str(path), indexed_at=time.time() + 1))
    seen = look(store, path)
    assert (seen.found, seen.entry.video_id) == (Found.UNCHANGED, old_id)  # adopted, not hashed again
    settle(store, seen)
    assert store.file_at(str(path)).video_id == old_id
    other = write(tmp_path / "b.mkv", seed=3)  # changed since it was indexed: hashed, the old id replaced
    stale = video_id_for(str(other))
    store.put_video(VideoRecord(stale, "B", other.name, str(other), indexed_at=1.0))
    seen = look(store, other)
    assert seen.found == Found.CHANGED
    indexed_after(store, seen, other)
    assert store.get_video(stale) is None and store.get_video(old_id) is not None


def test_prune_removes_videos_whose_files_are_gone(store: SqliteStore, tmp_path: Path) -> None:
    kept, gone, copied = (write(tmp_path / f"{n}.mkv", seed=s) for n, s in (("kept", 1), ("gone", 3), ("copied", 5)))
    videos = {p.name: indexed(store, p) for p in (kept, gone, copied)}
    copy = tmp_path / "copy.mkv"
    copy.write_bytes(copied.read_bytes())
    settle(store, look(store, copy))
    store.put_video(VideoRecord("url", "U", "u.mkv", "https://example.com/u.mkv"))
    store.put_video(VideoRecord("relative", "R", "r.mkv", "r.mkv"))  # an older store's path as given
    gone.unlink()
    copied.unlink()
    assert [v.id for v in prune(store, dry_run=True)] == [videos["gone.mkv"].id]
    assert len(store.list_videos()) == 5 and len(store.files()) == 4
    assert [v.id for v in prune(store)] == [videos["gone.mkv"].id]
    left = {v.id: v for v in store.list_videos()}
    assert set(left) == {videos["kept.mkv"].id, videos["copied.mkv"].id, "url", "relative"}
    assert left[videos["copied.mkv"].id].source == str(copy)  # follows the copy that is left
    assert sorted(e.path for e in store.files()) == sorted([str(kept), str(copy)])


def test_a_missing_file_is_one_line(store: SqliteStore, tmp_path: Path) -> None:
    from ashen.errors import MediaError

    with pytest.raises(MediaError, match=r"missing\.mkv"):
        look(store, tmp_path / "missing.mkv")
    with pytest.raises(MediaError, match="not a file"):
        look(store, tmp_path)


def test_hashed_again_from_a_new_path_forgets_the_old_one(store: SqliteStore, tmp_path: Path) -> None:
    path = write(tmp_path / "a.mkv")
    video = indexed(store, path)
    moved = path.rename(tmp_path / "b.mkv")
    seen = look(store, moved, force=True)  # `ashen index --force` on the moved file
    assert (seen.found, seen.entry.video_id) == (Found.NEW, video.id)
    indexed_after(store, seen, moved)
    assert [e.path for e in store.files()] == [str(moved)] and [v.id for v in store.list_videos()] == [video.id]
