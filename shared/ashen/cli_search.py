"""`ashen search`: where images, GIFs, clips, or images at a URL come from, in the embedded store.
A URL is fetched as the API fetches one (ashen.api.url_fetch: public addresses only unless
ASHEN_ALLOW_PRIVATE_URLS=1, one deadline, the size cap), then read as the API reads it."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time

import numpy as np
import numpy.typing as npt

from ashen.cli_common import Commands, CommonOptions, NoStore, index_hint, needs_extra, store_to_read, whole
from ashen.cli_format import Column, table, timecode
from ashen.errors import AshenError
from ashen.query.files import frames_of_file
from ashen.query.readings import ReadingOptions
from ashen.search import DEFAULT_LIMIT, SearchOptions, SearchResult, search_clip
from ashen.search.options import MAX_LIMIT

Frames = list[tuple[float, npt.NDArray[np.uint8]]]
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")  # a scheme and "//": a URL, never a file's path
MATCH_COLUMNS = (
    Column("similarity", right=True),
    Column("confident"),
    Column("title"),
    Column("episode"),
    Column("file"),
    Column("at"),
    Column("scene"),
    Column("reading"),
)


def is_url(query: str) -> bool:
    """Whether a query names a URL (``https://...``) rather than a file."""
    return _URL.match(query) is not None


def query_frames(query: str) -> Frames:
    """The frames of a query: a file read by ashen.query.files, or a URL fetched and read by the API's code."""
    if not is_url(query):
        return frames_of_file(query)
    try:  # only a URL needs the HTTP stack (the `serve` extra)
        from ashen.api.errors import ApiError
        from ashen.api.requests import ImageUrl
        from ashen.api.search_routes import query_frames as api_query_frames
    except ModuleNotFoundError as exc:
        needs_extra(exc, "searching a URL")
    try:
        return api_query_frames(ImageUrl(query))
    except ApiError as exc:  # a bad URL, a refused address, a failed fetch, an image over the cap
        raise AshenError(str(exc)) from None


def match_rows(result: SearchResult) -> list[list[str]]:
    """The rows of MATCH_COLUMNS for a result's matches."""
    return [
        [
            f"{m.similarity:.1%}",
            "yes" if m.confident else "no",
            m.video.title,
            m.video.episode or "-",
            m.video.filename,
            "still" if m.video.still else timecode(m.at),  # a still image has no time
            "-" if m.video.still else f"{timecode(m.start)}-{timecode(m.end)}",
            m.reading,
        ]
        for m in result.matches
    ]


def _print_text(query: str, frames: Frames, result: SearchResult, total: int, elapsed: float) -> None:
    share = f"{result.frame_count / total:.2%}" if total else "0%"
    kind = f"clip of {len(frames)} frames" if len(frames) > 1 else "image"
    print(
        f"{query} ({kind}): compared {result.frame_count} scenes from {result.buckets_read} buckets "
        f"({share} of {total}) in {elapsed * 1000:.1f} ms"
    )
    if result.flat:
        print("  the image is nearly uniform (black, white or one colour): no video can be told from it")
    elif not result.matches:
        print("  no match")
    else:
        print("\n".join(table(MATCH_COLUMNS, match_rows(result), indent="  ")))


def _failed(query: str, exc: AshenError, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"image": query, "error": str(exc), "result": [], "frameCount": 0}), flush=True)
    said = str(exc)
    print(f"ashen: {said}" if said.startswith(query) else f"ashen: {query}: {said}", file=sys.stderr)


def cmd_search(args: argparse.Namespace) -> int:
    store = store_to_read(args)
    stats = store.stats()  # searching does not change the store: counted once, not per image
    if not stats.videos:
        raise NoStore(f"the store at {store.path} holds no videos yet; index something first: {index_hint(args)}")
    readings = ReadingOptions(
        mirrors=not args.no_mirror, borders=not args.no_borders, crops=not args.no_crops, tones=not args.no_tones
    )
    options = SearchOptions(limit=args.limit, title=args.title, anilist_id=args.anilist, readings=readings)
    failures = 0
    for query in args.images:
        try:
            frames = query_frames(query)
            began = time.perf_counter()
            result = search_clip(store, frames, options)
            elapsed = time.perf_counter() - began
        except AshenError as exc:
            failures += 1
            _failed(query, exc, args.json)
            continue
        if args.json:
            print(json.dumps({"image": query, **result.to_dict()}), flush=True)
        else:
            _print_text(query, frames, result, stats.scenes, elapsed)
    return 1 if failures else 0


def register(commands: Commands, common: CommonOptions) -> None:
    """`ashen search` and its options."""
    p = commands.add_parser(
        "search",
        parents=[common.store, common.output],
        help="find where images, GIFs, short clips or image URLs come from",
        description="Find where images, GIFs, short clips or image URLs come from. Text: a table per query "
        "with the reading that matched; --json: one JSON object per query (JSON Lines).",
    )
    p.add_argument("images", nargs="+", metavar="IMAGE", help="an image, GIF or clip file, or an http(s) URL of one")
    p.add_argument(
        "--limit",
        type=whole(1, MAX_LIMIT),
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"most matches shown (default {DEFAULT_LIMIT})",
    )
    p.add_argument("--title", help="only videos whose title contains this")
    p.add_argument("--anilist", type=whole(1), metavar="ID", help="only videos of this AniList id")
    p.add_argument("--no-mirror", action="store_true", help="do not also search the mirrored image")
    p.add_argument("--no-borders", action="store_true", help="do not also search the picture inside borders")
    p.add_argument("--no-crops", action="store_true", help="do not also try un-cropping the image")
    p.add_argument("--no-tones", action="store_true", help="do not also try undoing brightness/contrast/gamma edits")
    p.set_defaults(func=cmd_search)
