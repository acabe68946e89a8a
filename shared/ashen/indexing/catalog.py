"""Incremental indexing of a local library: which files need hashing, and which are known.

Each indexed file has an entry in the store (``records.FileEntry``): its absolute path, size,
mtime and content **fingerprint**, a BLAKE2b of its size and of up to three 1 MiB samples (its
start, middle and end), read in milliseconds whatever the file's length. A local video's id is
its first fingerprint's first 16 hex digits, so it follows the content:

* size and mtime as recorded: **unchanged**, nothing read but the file's status;
* otherwise the fingerprint: content already indexed from a path that is gone is **moved** (the
  video's path follows), from a path still there a **copy** (one video, two files), from this
  same path (touched, copied back) **unchanged**;
* anything else is **new** and hashed; a path that held other content is **changed**, and the
  video it held is removed once no file of it is left.

A store written before file entries (ids from the path, ``indexer.video_id_for``) keeps its ids:
a file whose path-id video was indexed after the file's mtime is adopted as unchanged (and its
source, kept as given then, becomes the absolute path).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from ashen.errors import MediaError
from ashen.indexing.indexer import video_id_for
from ashen.records import FileEntry, VideoRecord, VideoStatus
from ashen.store.port import CatalogStore

SAMPLE_BYTES = 1 << 20  # each of the three samples a fingerprint reads
ID_DIGITS = 16


class Found(StrEnum):
    """What ``look`` found a file to be."""

    NEW = "new"  # never indexed: hash it
    CHANGED = "changed"  # its path held other content: hash it; the old video goes once no file of it is left
    UNCHANGED = "unchanged"  # as last indexed: not hashed again
    MOVED = "moved"  # its content was indexed from a path that is gone: the video's path follows
    COPY = "copy"  # its content was indexed from a path still there: one video, two files


@dataclass(frozen=True)
class Look:
    """A file as it is now (``entry``, with the id it has or will have), what it was found to be,
    the stored video when it is known, and what it replaces: the entry its path held (CHANGED) or
    the entry of the same content elsewhere (MOVED, COPY)."""

    found: Found
    entry: FileEntry
    video: VideoRecord | None = None
    previous: FileEntry | None = None

    @property
    def needs_hashing(self) -> bool:
        return self.found in (Found.NEW, Found.CHANGED)


def fingerprint(path: str | os.PathLike[str], size: int) -> str:
    """BLAKE2b (128 bits, hex) of the size and the first, middle and last ``SAMPLE_BYTES``."""
    digest = hashlib.blake2b(size.to_bytes(8, "little"), digest_size=16)
    offsets = sorted({0, max(0, size // 2 - SAMPLE_BYTES // 2), max(0, size - SAMPLE_BYTES)})
    with open(path, "rb") as f:
        for offset in offsets:
            f.seek(offset)
            digest.update(f.read(SAMPLE_BYTES))
    return digest.hexdigest()


def look(store: CatalogStore, path: Path, *, force: bool = False) -> Look:
    """What the file at ``path`` (absolute) is to the store; ``force``: hash it whatever it is."""
    try:
        status = path.stat()
    except OSError as exc:
        raise MediaError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    if not path.is_file():
        raise MediaError(f"{path}: not a file")
    known = store.file_at(str(path))
    if known and not force and (known.size, known.mtime_ns) == (status.st_size, status.st_mtime_ns):
        video = _indexed(store, known.video_id)
        if video is not None:
            return Look(Found.UNCHANGED, known, video)
    try:
        print_ = fingerprint(path, status.st_size)
    except OSError as exc:
        raise MediaError(f"{path}: {exc.strerror or 'cannot be read'}") from None
    entry = FileEntry(str(path), status.st_size, status.st_mtime_ns, print_, print_[:ID_DIGITS])
    if force:
        return Look(Found.CHANGED if known else Found.NEW, entry, None, known)
    return _by_content(store, entry, known) or _legacy(store, entry, known)


def _indexed(store: CatalogStore, video_id: str) -> VideoRecord | None:
    video = store.get_video(video_id)
    return video if video is not None and video.status == VideoStatus.INDEXED else None


def _by_content(store: CatalogStore, entry: FileEntry, known: FileEntry | None) -> Look | None:
    """The same content indexed before: from this path (touched), from a path gone, or a copy."""
    same = [(e, v) for e in store.files_with(entry.fingerprint) if (v := _indexed(store, e.video_id)) is not None]
    here = [(e, v) for e, v in same if e.path == entry.path]
    if here:
        return Look(Found.UNCHANGED, replace(entry, video_id=here[0][0].video_id), here[0][1])
    for other, video in same:
        found = Found.COPY if Path(other.path).exists() else Found.MOVED
        return Look(found, replace(entry, video_id=other.video_id), video, other)
    return None


def _legacy(store: CatalogStore, entry: FileEntry, known: FileEntry | None) -> Look:
    """A file with no entry of its content: adopted from an older store's path id when indexed
    after its last change, else new (or changed, when its path held something)."""
    if known is not None:
        return Look(Found.CHANGED, entry, None, known)
    old = store.get_video(video_id_for(entry.path))
    if old is None:
        return Look(Found.NEW, entry)
    old_entry = replace(entry, video_id=old.id)
    if old.status == VideoStatus.INDEXED and old.indexed_at * 1e9 >= entry.mtime_ns:
        return Look(Found.UNCHANGED, old_entry, old)
    return Look(Found.CHANGED, entry, None, old_entry)


def settle(store: CatalogStore, seen: Look, video: VideoRecord | None = None) -> VideoRecord | None:
    """Record what ``look`` found: the file's entry, a moved video's new path, and (after hashing,
    ``video`` the stored record) the removal of a video this path no longer holds. The record as
    it is now."""
    if seen.found == Found.MOVED and seen.video is not None and seen.previous is not None:
        moved = replace(seen.video, source=seen.entry.path, filename=Path(seen.entry.path).name)
        store.keep_file(seen.entry, video=moved, forget=[seen.previous.path])
        return moved
    if seen.video is not None and not Path(seen.video.source).is_absolute():  # adopted from an older store
        absolute = replace(seen.video, source=seen.entry.path)
        store.keep_file(seen.entry, video=absolute)
        return absolute
    store.keep_file(seen.entry)
    if seen.needs_hashing:
        _forget_gone(store, seen.entry.video_id)
        old = seen.previous
        if old is not None and old.video_id != seen.entry.video_id and not _has_files(store, old.video_id):
            store.remove_video(old.video_id)
    return video or seen.video


def _forget_gone(store: CatalogStore, video_id: str) -> None:
    """Drop the entries of a video's files that are no longer there (hashed again from elsewhere)."""
    gone = [e.path for e in store.files_of(video_id) if not Path(e.path).exists()]
    if gone:
        store.forget_files(gone)


def _has_files(store: CatalogStore, video_id: str) -> bool:
    return any(Path(e.path).exists() for e in store.files_of(video_id))


def prune(store: CatalogStore, *, dry_run: bool = False) -> list[VideoRecord]:
    """Remove the videos none of whose files is left (unless ``dry_run``), forget the entries of
    files that are gone, and give the space back; the videos removed. A video whose path is gone
    but a copy is left follows the copy. Videos read from a URL, or from a relative path (stores
    written before absolute paths), are kept: whether they are gone cannot be told from here."""
    entries = store.files()
    gone = sorted(e.path for e in entries if not Path(e.path).exists())
    left: dict[str, str] = {}
    for e in entries:
        if e.path not in gone:
            left.setdefault(e.video_id, e.path)
    removed = []
    for video in store.list_videos():
        source = Path(video.source)
        if "://" in video.source or not source.is_absolute() or source.exists():
            continue
        if video.id in left:
            if not dry_run:
                store.put_video(replace(video, source=left[video.id], filename=Path(left[video.id]).name))
            continue
        removed.append(video)
    if not dry_run:
        store.forget_files(gone)
        for video in removed:
            store.remove_video(video.id)
        store.reclaim_space()
    return removed
