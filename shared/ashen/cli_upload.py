"""`ashen upload FILE... --api URL`: each file sent through the API's POST /uploads (to S3 on AWS, to
`ashen serve` locally), then followed until it is indexed (ashen.api.upload_client)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from tqdm import tqdm

from ashen.cli_common import Commands, CommonOptions, http_url, seconds
from ashen.errors import AshenError
from ashen.indexing.naming import Given, name_video


def cmd_upload(args: argparse.Namespace) -> int:
    """Upload each file through the API, then wait until it is indexed (upload_client)."""
    from ashen.api.upload_client import Api, api_key, send_file, start_upload, wait_indexed

    api = Api(args.api, api_key(args.key))
    if args.episode is not None and len(args.files) > 1:
        raise AshenError(
            f"--episode names one video and {len(args.files)} were given; each takes its episode from its name"
        )
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise AshenError(f"{name}: no such file")
        naming = name_video(path.name, path.parent.resolve().name, Given(args.title, args.episode))  # as `ashen index`
        answer = start_upload(api, path, naming.title, naming.episode)
        video_id = answer["videoId"]
        with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name[:40], file=sys.stderr) as bar:
            send_file(answer["upload"], path, bar.update)
        with tqdm(total=100, desc="indexing", unit="%", file=sys.stderr, bar_format="{desc}: {n:.0f}%|{bar}|") as bar:

            def show(progress: float, bar: tqdm[NoReturn] = bar) -> None:
                bar.n = round(progress * 100, 1)
                bar.refresh()

            wait_indexed(api, video_id, show, every=args.poll)
            show(1.0)
        print(f"{path.name} is indexed and searchable [{video_id}]")
    return 0


def register(commands: Commands, common: CommonOptions) -> None:
    """`ashen upload` (a client of an API: no store here, so none of the common options)."""
    p = commands.add_parser("upload", help="upload videos to an Ashen API (ashen serve or AWS) and wait until indexed")
    p.add_argument("files", nargs="+", metavar="FILE", help="a video file")
    p.add_argument("--api", required=True, type=http_url, help="the API's URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--title", help="default: the release name's, else the file's folder name (as `ashen index`)")
    p.add_argument("--episode", help="for one file (default: from its name)")
    p.add_argument("--key", help="an admin API key (default: $ASHEN_API_KEY)")
    p.add_argument("--poll", type=seconds, default=1.0, help="seconds between progress checks (default 1)")
    p.set_defaults(func=cmd_upload)
