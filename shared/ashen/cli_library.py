"""The library commands of `ashen`: index (incremental, --dry-run, --force), remove (a video or a
title), edit (a video's names, without hashing again) and prune (videos whose files are gone).

Names come from ashen.indexing.naming (one rule with the split Lambda), which files need hashing
from ashen.indexing.catalog."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import NoReturn
from urllib.parse import unquote

from tqdm import tqdm

from ashen.cli_common import Commands, CommonOptions, NoStore, store_to_read, store_to_write, whole
from ashen.cli_format import mebibytes
from ashen.errors import AshenError
from ashen.indexing.catalog import Found, Look, look, prune, settle
from ashen.indexing.indexer import IndexOptions, IndexReport, find_videos, index_video, video_id_for
from ashen.indexing.naming import Given, Naming, name_video
from ashen.media.probe import VideoInfo
from ashen.records import VideoEdit, VideoRecord
from ashen.store.sqlite import SqliteStore


class _ProgressBar:
    """A tqdm bar on stderr for one video being indexed (an ashen.indexing.indexer.IndexProgress)."""

    def __init__(self, name: str, *, quiet: bool) -> None:
        self.name, self.quiet = name, quiet
        self.bar: tqdm[NoReturn] | None = None

    def started(self, info: VideoInfo) -> None:
        fmt = "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} s [{elapsed}<{remaining}, {rate_fmt}]"
        total = round(info.duration or 0, 1)
        self.bar = tqdm(total=total, unit="s", desc=self.name, file=sys.stderr, disable=self.quiet, bar_format=fmt)

    def advanced(self, seconds: float) -> None:
        if self.bar is not None:
            self.bar.update(round(seconds, 3))

    def close(self, *, complete: bool = False) -> None:
        if self.bar is None:
            return
        if complete and self.bar.total is not None:
            self.bar.n = self.bar.total
        self.bar.close()


def _dry_run_store(args: argparse.Namespace) -> SqliteStore:
    """The store a dry run compares against: the existing one, else an empty one in memory (a dry
    run makes no folder and no store file)."""
    try:
        return store_to_read(args)
    except NoStore:
        return SqliteStore(":memory:")


def _named(naming: Naming, video_id: str) -> str:
    episode = f" episode {naming.episode}" if naming.episode else ""
    anilist = f" (AniList {naming.anilist})" if naming.anilist else ""
    return f"'{naming.title}'{episode}{anilist} [{video_id}]"


class _IndexRun:
    """One `ashen index`: each file looked at, hashed when it must be, and what became of them."""

    def __init__(self, args: argparse.Namespace, count: int) -> None:
        self.args, self.count = args, count
        self.store = _dry_run_store(args) if args.dry_run else store_to_write(args)
        self.given = Given(args.title, args.episode, args.anilist, args.mal)
        self.found: Counter[str] = Counter()
        self.failures = 0
        self.totals = {"frames": 0, "scenes": 0, "duration": 0.0, "seconds": 0.0}

    def one(self, n: int, source: str) -> None:
        try:
            if "://" in source:  # a URL: no file to look at, its id is its address
                naming = name_video(unquote(PurePosixPath(source.split("?", 1)[0]).name), "", self.given)
                if self.args.dry_run:
                    print(f"would index {source} as {_named(naming, video_id_for(source))}")
                else:
                    self._hash(n, source, naming, None)
                self.found[Found.NEW] += 1
                return
            path = Path(source).resolve()
            seen = look(self.store, path, force=self.args.force)
            naming = self._naming(seen, path)
            if self.args.dry_run:
                self._preview(seen, naming)
            elif seen.needs_hashing:
                self._hash(n, str(path), naming, seen)
            else:
                self._known(seen)
            self.found[seen.found] += 1
        except AshenError as exc:
            self.failures += 1
            print(f"ashen: {exc}", file=sys.stderr)

    def _naming(self, seen: Look, path: Path) -> Naming:
        """The naming rule's names, but a video hashed again (``--force``, or new content at its
        path) keeps the names it has (``ashen edit``, ``PATCH``); names given here win over both."""
        prior = self.store.get_video(seen.entry.video_id)
        if prior is None and seen.previous is not None:
            prior = self.store.get_video(seen.previous.video_id)
        if prior is None or not seen.needs_hashing:
            return name_video(path.name, path.parent.name, self.given)
        g = self.given
        return Naming(
            g.title or prior.title,
            g.episode or prior.episode,
            path.name,
            g.anilist or prior.anilist,
            g.mal or prior.mal,
        )

    def _hash(self, n: int, source: str, naming: Naming, seen: Look | None) -> None:
        options = IndexOptions(
            title=naming.title,
            episode=naming.episode,
            anilist=naming.anilist,
            mal=naming.mal,
            workers=self.args.workers,
            video_id=seen.entry.video_id if seen is not None else None,
        )
        prefix = f"[{n}/{self.count}] " if self.count > 1 else ""
        bar = _ProgressBar(prefix + Path(source).name[:40], quiet=self.args.quiet)
        try:
            report = index_video(self.store, source, options, bar)
        except AshenError:
            bar.close()
            raise
        bar.close(complete=True)
        if seen is not None:
            settle(self.store, seen, report.video)
        self._print_indexed(report)

    def _print_indexed(self, report: IndexReport) -> None:
        v = report.video
        self.totals["frames"] += report.frames
        self.totals["scenes"] += report.scenes
        self.totals["duration"] += v.duration or 0.0
        self.totals["seconds"] += report.seconds
        named = f"indexed {v.filename} as '{v.title}'{' episode ' + v.episode if v.episode else ''} [{v.id}]"
        if v.still:
            print(f"{named}: still, 1 entry stored, {report.seconds:.2f} s wall")
            return
        print(
            f"{named}: {report.frames} frames read, {report.scenes} scenes stored "
            f"({report.flat} near-uniform left out), {report.seconds:.2f} s wall, "
            f"{report.frames / report.seconds:.0f} frames/s, {report.realtime_factor:.1f}x realtime"
        )

    def _known(self, seen: Look) -> None:
        """A file not hashed again: its entry recorded, a move followed, names given by hand applied."""
        video = settle(self.store, seen)
        if video is None:
            return
        if seen.found == Found.MOVED and seen.previous is not None:
            print(f"moved {seen.previous.path} -> {seen.entry.path} [{video.id}]: not hashed again")
        elif seen.found == Found.COPY and seen.previous is not None:
            print(f"{seen.entry.path}: the same content as {seen.previous.path} [{video.id}], not stored twice")
        if self.given.any:
            _rename(self.store, video, self.given)

    def _preview(self, seen: Look, naming: Naming) -> None:
        path, vid = seen.entry.path, seen.entry.video_id
        if seen.found == Found.UNCHANGED:
            print(f"unchanged {path} [{vid}]")
        elif seen.found == Found.MOVED and seen.previous is not None:
            print(f"would move [{vid}] {seen.previous.path} -> {path}")
        elif seen.found == Found.COPY and seen.previous is not None:
            print(f"{path}: the same content as {seen.previous.path} [{vid}], would not be stored twice")
        else:
            replacing = f", replacing [{seen.previous.video_id}]" if seen.previous else ""
            print(f"would index {path} as {_named(naming, vid)}{replacing}")

    def summary(self) -> None:
        hashed = self.found[Found.NEW] + self.found[Found.CHANGED]
        if self.args.dry_run:
            print(f"dry run: {hashed} to index, {self.found[Found.UNCHANGED]} unchanged; nothing stored")
            return
        if unchanged := self.found[Found.UNCHANGED]:
            files = "file" if unchanged == 1 else "files"
            print(f"unchanged: {unchanged} {files} (as last indexed; --force hashes them again)")
        if self.count > 1:
            t = self.totals
            rt = t["duration"] / t["seconds"] if t["seconds"] else 0
            work = f", {t['frames']} frames read, {t['scenes']} scenes stored, {t['seconds']:.2f} s wall"
            work += f", {rt:.1f}x realtime"
            print(
                f"total: {self.count - self.failures}/{self.count} videos, {hashed} hashed, "
                f"{self.found[Found.MOVED]} moved" + (work if t["frames"] else "")
            )


def cmd_index(args: argparse.Namespace) -> int:
    sources = find_videos(args.paths)
    if not sources:
        raise AshenError("no videos or images found in " + ", ".join(args.paths))
    if args.episode is not None and len(sources) > 1:
        raise AshenError(
            f"--episode names one video and {len(sources)} were found; each takes its episode from its "
            "file name (see --dry-run), or index them one at a time"
        )
    run = _IndexRun(args, len(sources))
    for n, source in enumerate(sources, 1):
        run.one(n, source)
    run.summary()
    return 1 if run.failures else 0


def _rename(store: SqliteStore, video: VideoRecord, given: Given) -> VideoRecord:
    """Set the names given on ``video`` without hashing it again (no change: no write)."""
    now = VideoEdit.of(video)
    edit = VideoEdit(
        given.title or now.title,
        now.episode if given.episode is None else given.episode or None,
        now.anilist if given.anilist is None else given.anilist or None,
        now.mal if given.mal is None else given.mal or None,
    )
    if edit == now:
        return video
    edited = store.edit_video(video.id, edit) or video
    print(f"renamed {edited.filename} to {_named(Naming(edited.title, edited.episode, '', edited.anilist), edited.id)}")
    return edited


def find_video(store: SqliteStore, wanted: str) -> VideoRecord:
    """The one video ``wanted`` names: its id, its file's path (now or as indexed) or file name."""
    videos = store.list_videos()
    exact = [v for v in videos if v.id == wanted]
    if exact:
        return exact[0]
    path = Path(wanted).resolve()
    entry = store.file_at(str(path))
    ids = {entry.video_id} if entry is not None else set()
    ids.add(video_id_for(wanted))  # a store written before file entries: the path's id
    match = [v for v in videos if v.id in ids or v.filename == wanted or v.source in (wanted, str(path))]
    if not match:
        raise AshenError(f"{wanted}: no such video in the index (see 'ashen list')")
    if len(match) > 1:
        raise AshenError(f"{wanted}: matches {len(match)} videos; give the id from 'ashen list'")
    return match[0]


def cmd_remove(args: argparse.Namespace) -> int:
    if (args.video is None) == (args.title is None):
        raise AshenError("remove takes a VIDEO or --title TITLE (one of them)")
    store = store_to_read(args)
    if args.title is not None:
        victims = [v for v in store.list_videos() if v.title == args.title]
        if not victims:
            raise AshenError(f"no video is titled '{args.title}' (see 'ashen list')")
    else:
        victims = [find_video(store, args.video)]
    before = store.stats().size_bytes
    for video in victims:
        store.remove_video(video.id)
        print(f"removed {video.id}  {video.title}{' ep ' + video.episode if video.episode else ''}  {video.filename}")
    store.reclaim_space()
    freed = max(0, before - store.stats().size_bytes)
    plural = "s" if len(victims) != 1 else ""
    print(f"removed {len(victims)} video{plural}; the store is {mebibytes(freed)} smaller")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    given = Given(args.title, args.episode, args.anilist, args.mal)
    if not given.any:
        raise AshenError("edit sets --title, --episode, --anilist or --mal (at least one)")
    if args.title is not None and not args.title.strip():
        raise AshenError("a title cannot be empty")
    store = store_to_read(args)
    video = find_video(store, args.video)
    if _rename(store, video, given) is video:
        print(f"{video.id}: nothing to change")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    store = store_to_read(args)
    before = store.stats().size_bytes
    removed = prune(store, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for video in removed:
        print(f"{verb} {video.id}  {video.title}  {video.source} (gone)")
    freed = max(0, before - store.stats().size_bytes)
    tail = "" if args.dry_run else f"; the store is {mebibytes(freed)} smaller"
    print(f"{verb} {len(removed)} video{'s' if len(removed) != 1 else ''} whose files are gone{tail}")
    return 0


def register(commands: Commands, common: CommonOptions) -> None:
    """`ashen index`, `remove`, `edit` and `prune`: the embedded store's library."""
    p = commands.add_parser(
        "index",
        parents=[common.store],
        help="index videos and still images (covers, fan art, CGs), or folders of them (only what changed)",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="a video or image file, a folder (every video and image in it) or a URL",
    )
    p.add_argument("--title", help="the title of every video given (default: the naming rule, see README)")
    p.add_argument("--episode", help="the episode, for one video (default: from its file name)")
    p.add_argument("--anilist", type=whole(1), metavar="ID", help="the AniList id (default: a numeric folder's name)")
    p.add_argument("--mal", type=whole(1), metavar="ID", help="the MyAnimeList id")
    p.add_argument(
        "--workers", type=whole(1), default=None, metavar="N", help="segments hashed in parallel (default: CPU count)"
    )
    p.add_argument("--dry-run", action="store_true", help="print what would be stored; store nothing")
    p.add_argument("--force", action="store_true", help="hash every file again, even when unchanged")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = commands.add_parser(
        "remove", parents=[common.store], help="remove a video (id, path or file name), or every video of a title"
    )
    p.add_argument("video", nargs="?", help="the video's id (see 'ashen list'), its file's path, or its file name")
    p.add_argument("--title", help="remove every video with exactly this title")
    p.set_defaults(func=cmd_remove)

    p = commands.add_parser(
        "edit", parents=[common.store], help="set a video's title, episode or ids without hashing it again"
    )
    p.add_argument("video", help="the video's id, its file's path, or its file name")
    p.add_argument("--title", help="the new title")
    p.add_argument("--episode", help="the new episode ('' clears it)")
    p.add_argument("--anilist", type=whole(0), metavar="ID", help="the AniList id (0 clears it)")
    p.add_argument("--mal", type=whole(0), metavar="ID", help="the MyAnimeList id (0 clears it)")
    p.set_defaults(func=cmd_edit)

    p = commands.add_parser(
        "prune", parents=[common.store], help="remove the videos whose files are gone, and give their space back"
    )
    p.add_argument("--dry-run", action="store_true", help="print what would be removed; remove nothing")
    p.set_defaults(func=cmd_prune)
