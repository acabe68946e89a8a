"""The `ashen` command line: index videos, search screenshots, inspect the embedded store."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from tqdm import tqdm

from ashen.cli_keys import add_access_arguments, add_keys_parser
from ashen.cli_upload import add_upload_parser
from ashen.descriptors.signature import Signature
from ashen.errors import AshenError
from ashen.indexing.indexer import IndexOptions, find_videos, folder_naming, index_video, video_id_for
from ashen.indexing.library import LocalLibrary
from ashen.media.probe import VideoInfo
from ashen.query.files import frames_of_file
from ashen.query.images import load_rgb, read_image_file
from ashen.query.readings import ReadingOptions, query_readings
from ashen.search import DEFAULT_LIMIT, SearchOptions, search_clip
from ashen.store import SqliteStore
from ashen.store.sqlite import DB_NAME, default_home

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from ashen.accounts.access import Access
    from ashen.api.preview_routes import PreviewSite


def _fmt_time(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:06.3f}" if h else f"{m:02d}:{s:06.3f}"


def _store(args: argparse.Namespace) -> SqliteStore:
    return SqliteStore(Path(args.home) / DB_NAME if args.home else None)


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


def cmd_index(args: argparse.Namespace) -> int:
    sources = find_videos(args.paths)
    if not sources:
        raise AshenError("no videos or images found in " + ", ".join(args.paths))
    store = _store(args)
    failures = 0
    totals = {"frames": 0, "scenes": 0, "duration": 0.0, "seconds": 0.0}
    for source in sources:
        title, anilist = folder_naming(Path(source).parent.name) if Path(args.paths[0]).is_dir() else (None, None)
        options = IndexOptions(
            title=args.title or title,
            episode=args.episode,
            anilist=args.anilist or anilist,
            mal=args.mal,
            workers=args.workers,
        )
        bar = _ProgressBar(Path(source).name[:40], quiet=args.quiet)
        try:
            report = index_video(store, source, options, bar)
        except AshenError as exc:
            failures += 1
            bar.close()
            print(f"ashen: {exc}", file=sys.stderr)
            continue
        bar.close(complete=True)
        v = report.video
        totals["frames"] += report.frames
        totals["scenes"] += report.scenes
        totals["duration"] += v.duration or 0.0
        totals["seconds"] += report.seconds
        named = f"indexed {v.filename} as '{v.title}'{' episode ' + v.episode if v.episode else ''} [{v.id}]"
        if v.still:
            print(f"{named}: still, 1 entry stored, {report.seconds:.2f} s wall")
            continue
        print(
            f"{named}: {report.frames} frames read, {report.scenes} scenes stored "
            f"({report.flat} near-uniform left out), {report.seconds:.2f} s wall, "
            f"{report.frames / report.seconds:.0f} frames/s, {report.realtime_factor:.1f}x realtime"
        )
    if len(sources) > 1:
        rt = totals["duration"] / totals["seconds"] if totals["seconds"] else 0
        print(
            f"total: {len(sources) - failures}/{len(sources)} files, {totals['frames']} frames read, "
            f"{totals['scenes']} scenes stored, {totals['seconds']:.2f} s wall, {rt:.1f}x realtime"
        )
    return 1 if failures else 0


def cmd_search(args: argparse.Namespace) -> int:
    store = _store(args)
    failures = 0
    readings = ReadingOptions(
        mirrors=not args.no_mirror, borders=not args.no_borders, crops=not args.no_crops, tones=not args.no_tones
    )
    options = SearchOptions(limit=args.limit, title=args.title, anilist_id=args.anilist, readings=readings)
    total = store.stats().scenes  # searching does not change the store: count once, not per image
    for path in args.images:
        try:
            frames = frames_of_file(path)
            began = time.perf_counter()
            result = search_clip(store, frames, options)
            elapsed = time.perf_counter() - began
        except AshenError as exc:
            failures += 1
            if args.json:
                print(json.dumps({"image": path, "error": str(exc), "result": [], "frameCount": 0}), flush=True)
            print(f"ashen: {path}: {exc}" if not str(exc).startswith(path) else f"ashen: {exc}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps({"image": path, **result.to_dict()}), flush=True)
            continue
        share = f"{result.frame_count / total:.2%}" if total else "0%"
        kind = f"clip of {len(frames)} frames" if len(frames) > 1 else "image"
        print(
            f"{path} ({kind}): compared {result.frame_count} scenes from {result.buckets_read} buckets "
            f"({share} of {total}) in {elapsed * 1000:.1f} ms"
        )
        if result.flat:
            print("  the image is nearly uniform (black, white or one colour): no video can be told from it")
        elif not result.matches:
            print("  no match")
        for m in result.matches:
            ep = f" ep {m.video.episode}" if m.video.episode else ""
            flag = "" if m.confident else "  (not confident)"
            where = "still" if m.video.still else f"at {_fmt_time(m.at)} ({_fmt_time(m.start)} - {_fmt_time(m.end)})"
            print(f"  {m.similarity:6.1%}  {m.video.title}{ep}  {m.video.filename}  {where}{flag}")
    return 1 if failures else 0


def cmd_signature(args: argparse.Namespace) -> int:
    rgb = load_rgb(read_image_file(args.image))
    sig = Signature.of_image(rgb)
    # Videos with baked-in bars are stored inside them: the border-trimmed readings, for clients
    # that search by signature ({"signature": hex}) on such videos.
    trimmed = [
        v for v in query_readings(rgb, ReadingOptions(mirrors=False, crops=False, tones=False)) if v.name != "original"
    ]
    if args.json:
        inside = [{"name": v.name, "hex": str(Signature(v.values))} for v in trimmed]
        print(json.dumps({"values": list(sig.values), "hex": str(sig), "inside_borders": inside}))
    else:
        print(" ".join(str(v) for v in sig.values))
        print(sig)
        for v in trimmed:
            print(f"{Signature(v.values)}  ({v.name}: the picture inside detected borders)")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    videos = _store(args).list_videos()
    if args.json:
        print(json.dumps([v.to_dict() for v in videos]))
        return 0
    for v in videos:
        ep = f" ep {v.episode}" if v.episode else ""
        length = "still" if v.still else f"{v.duration or 0:.1f} s"
        print(f"{v.id}  {v.title}{ep}  {v.filename}  {length}  {v.frames} frames  {v.scenes} scenes  {v.status}")
    if not videos:
        print("(no videos indexed)")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    store = _store(args)
    videos = store.list_videos()
    wanted = args.video
    ids = {v.id for v in videos}
    if wanted in ids:
        match = [wanted]
    else:
        by_path = video_id_for(wanted) if Path(wanted).exists() else None
        match = [v.id for v in videos if v.id == by_path or v.filename == wanted or v.source == wanted]
    if not match:
        raise AshenError(f"{wanted}: no such video in the index (see 'ashen list')")
    if len(match) > 1:
        raise AshenError(f"{wanted}: matches {len(match)} videos; give the id from 'ashen list'")
    store.remove_video(match[0])
    print(f"removed {match[0]}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    store = _store(args)
    s = store.stats()
    hours = sum((v.duration or 0) for v in store.list_videos()) / 3600
    data = {
        "videos": s.videos,
        "frames": s.frames,
        "scenes": s.scenes,
        "storeBytes": s.size_bytes,
        "buckets": len(store.bucket_sizes()),
        "hours": round(hours, 4),
        "scenesPerHour": round(s.scenes / hours) if hours else 0,
        "path": str(store.path),
    }
    if args.json:
        print(json.dumps(data))
    else:
        for k, v in data.items():
            print(f"{k}: {v}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    try:  # imported lazily: only `serve` needs the HTTP stack
        from ashen.api.app import create_app
        from ashen.api.serve_edge import EdgeLimits
        from ashen.api.serve_gunicorn import ServeOptions, serve
    except ModuleNotFoundError as exc:
        package = (exc.name or "").split(".")[0]
        if package not in ("aws_lambda_powertools", "gunicorn"):
            raise
        name = package.replace("_", "-")
        raise AshenError(f"serve needs {name} (not installed): pip install 'ashen[serve]'") from exc

    if args.home:  # a server's home is made, as ~/.ashen is (the store, its keys, previews, uploads)
        Path(args.home).mkdir(parents=True, exist_ok=True)
    _store(args).close()  # made (schema, WAL) once here; each worker thread opens its own connection
    path = Path(args.home) / DB_NAME if args.home else None
    options = ServeOptions(
        host=args.host,
        port=args.port,
        workers=args.workers,
        limits=EdgeLimits(threads=args.threads),
        cors_origins=tuple(args.cors_origin),
        request_timeout=args.request_timeout,
    )
    home = Path(args.home) if args.home else default_home()
    access = _access(args, home)
    library = LocalLibrary(home, lambda: SqliteStore(path))  # upload URLs and background indexing
    previews = _preview_site(home, path)

    def app() -> APIGatewayHttpResolver:
        return create_app(store_factory=lambda: SqliteStore(path), previews=previews, access=access, library=library)

    serve(app, options, library)
    return 0


def _access(args: argparse.Namespace, home: Path) -> Access:
    """The access rules of `ashen serve`: keys in the store's file, the anonymous tier unless --require-key."""
    from ashen.accounts.access import Access, AccessPolicy
    from ashen.store.sqlite_accounts import SqliteAccounts

    policy = AccessPolicy(args.require_key, args.anonymous_quota, args.anonymous_rate)
    return Access(SqliteAccounts(home / DB_NAME), policy)


def _preview_site(home: Path, path: Path | None) -> PreviewSite:
    """Previews for `ashen serve`: signed with <home>/preview.key, cut from each video's source
    file, cached under <home>/previews and answered inline."""

    from ashen.api.preview_routes import PreviewSite
    from ashen.preview.service import FolderCache, Previews
    from ashen.preview.signing import Signer, local_key

    cache = FolderCache(home / "previews")
    return PreviewSite(
        signer_factory=lambda: Signer(local_key(home)),
        previews_factory=lambda: Previews(SqliteStore(path), cache, workdir=None),
        body=cache.read,
    )


def _serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the HTTP search API locally")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=0, help="server processes (default: CPU count)")
    p.add_argument("--threads", type=int, default=8, help="requests a process takes at once; more get 503")
    p.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin (https://host[:port]) whose pages may read the API; repeatable (default: none)",
    )
    p.add_argument("--request-timeout", type=float, default=15.0, help="seconds to receive a whole request")
    add_access_arguments(p)
    p.set_defaults(func=cmd_serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ashen", description="Find which video and which second a screenshot is from."
    )
    parser.add_argument("--home", help="store folder (default: $ASHEN_HOME or ~/.ashen)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index videos and still images (covers, fan art, CGs), or folders of them")
    p.add_argument("paths", nargs="+")
    p.add_argument("--title")
    p.add_argument("--episode")
    p.add_argument("--anilist", type=int, help="the AniList id (default: a numeric folder's name)")
    p.add_argument("--mal", type=int, help="the MyAnimeList id")
    p.add_argument("--workers", type=int, default=None, help="segments hashed in parallel (default: CPU count)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="find where images, GIFs or short clips come from")
    p.add_argument("images", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON object per image (JSON Lines)")
    p.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    p.add_argument("--title", help="only videos whose title contains this")
    p.add_argument("--anilist", type=int, help="only videos of this AniList id")
    p.add_argument("--no-mirror", action="store_true", help="do not also search the mirrored image")
    p.add_argument("--no-borders", action="store_true", help="do not also search the picture inside borders")
    p.add_argument("--no-crops", action="store_true", help="do not also try un-cropping the image")
    p.add_argument("--no-tones", action="store_true", help="do not also try undoing brightness/contrast/gamma edits")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("signature", help="print an image's 33 Color Layout values and hex signature")
    p.add_argument("image")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_signature)

    p = sub.add_parser("list", help="list indexed videos")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("remove", help="remove a video (id, path or file name) from the index")
    p.add_argument("video")
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("stats", help="videos, frames read, scenes stored, store size")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    _serve_parser(sub)
    add_keys_parser(sub)
    add_upload_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except AshenError as exc:
        print(f"ashen: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ashen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
