"""The `ashen` command line: index videos, search screenshots, inspect the embedded store.

Its commands live here and in ``cli_*`` modules, each adding its own with ``register(commands, common)``
(ashen.cli_common: the global options and the store; ashen.cli_format: tables, durations, sizes)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sqlite3
import sys
from collections.abc import Sequence

from ashen.cli_common import (
    add_global_options,
    check_global_options,
    common_options,
    index_hint,
    store_to_read,
)
from ashen.cli_format import Column, duration, mebibytes, pairs, table
from ashen.cli_keys import register as register_keys
from ashen.cli_library import register as register_library
from ashen.cli_search import register as register_search
from ashen.cli_serve import register as register_serve
from ashen.cli_upload import register as register_upload
from ashen.descriptors.signature import Signature
from ashen.errors import AshenError
from ashen.query.images import load_rgb, read_image_file
from ashen.query.readings import ReadingOptions, query_readings
from ashen.records import VideoRecord


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


LIST_COLUMNS = (
    Column("id"),
    Column("title"),
    Column("episode"),
    Column("file"),
    Column("duration", right=True),
    Column("frames", right=True),
    Column("scenes", right=True),
    Column("status"),
)


def list_row(v: VideoRecord) -> list[object]:
    """A video's row of LIST_COLUMNS."""
    length = "still" if v.still else duration(v.duration)
    return [v.id, v.title, v.episode or "-", v.filename, length, v.frames, v.scenes, v.status]


def cmd_list(args: argparse.Namespace) -> int:
    videos = store_to_read(args).list_videos()
    if args.json:
        print(json.dumps([v.to_dict() for v in videos]))
    elif videos:
        print("\n".join(table(LIST_COLUMNS, (list_row(v) for v in videos))))
    else:
        print(f"no videos indexed yet; index some: {index_hint(args)}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    store = store_to_read(args)
    s = store.stats()
    seconds = sum((v.duration or 0) for v in store.list_videos())
    hours = seconds / 3600
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
        return 0
    shown = [
        ("videos", s.videos),
        ("video length", duration(seconds)),
        ("frames read", s.frames),
        ("scenes stored", s.scenes),
        ("scenes per hour", data["scenesPerHour"]),
        ("buckets", data["buckets"]),
        ("store size", mebibytes(s.size_bytes)),
        ("store", store.path),
    ]
    print("\n".join(pairs(shown)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ashen", description="Find which video and which second a screenshot is from."
    )
    add_global_options(parser)
    common = common_options()
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    register_library(sub, common)  # index, remove, edit, prune: ashen.cli_library

    register_search(sub, common)

    p = sub.add_parser(
        "signature", parents=[common.output], help="print an image's 33 Color Layout values and hex signature"
    )
    p.add_argument("image", help="an image file")
    p.set_defaults(func=cmd_signature)

    p = sub.add_parser("list", parents=[common.store, common.output], help="list indexed videos")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "stats", parents=[common.store, common.output], help="videos, frames read, scenes stored, store size"
    )
    p.set_defaults(func=cmd_stats)

    register_serve(sub, common)
    register_keys(sub, common)
    register_upload(sub, common)
    return parser


def _os_error(exc: OSError) -> str:
    """An OSError in one line: the file it is about and why."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return exc.strerror or str(exc)


def _stdout_closed() -> int:
    """The reader of stdout went away (``ashen list | head -1``): no traceback, and no second error
    when Python flushes stdout at exit; the exit status of a process ended by SIGPIPE."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 128 + signal.SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    check_global_options(parser, args)
    try:
        status = int(args.func(args))
        sys.stdout.flush()  # a closed pipe is found here, not at exit
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except AshenError as exc:
        print(f"ashen: {exc}", file=sys.stderr)
    except sqlite3.Error as exc:
        print(f"ashen: the store cannot be used: {exc}", file=sys.stderr)
    except OSError as exc:
        print(f"ashen: {_os_error(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("ashen: interrupted", file=sys.stderr)
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
