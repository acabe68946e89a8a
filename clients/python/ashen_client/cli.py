"""``ashen-client``: search files (or URLs) against an Ashen API from the shell.

    ashen-client search shot.jpg clip.gif [--json] [--local] [--limit N] [--title T]
    ashen-client videos [--json]
    ashen-client me

The API is $ASHEN_API_URL (or --url), the key $ASHEN_API_KEY (or --key). Exit 1 with one line on
stderr when a search fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from ashen_client._client import Client
from ashen_client._errors import AshenClientError
from ashen_client._models import SearchResponse, as_json


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ashen-client", description="Search video scenes with an Ashen API.")
    parser.add_argument("--url", help="the API (default: $ASHEN_API_URL, else http://127.0.0.1:8000)")
    parser.add_argument("--key", help="the API key (default: $ASHEN_API_KEY)")
    commands = parser.add_subparsers(dest="command", required=True)
    search = commands.add_parser("search", help="search screenshots, GIFs or clips (files or http(s) URLs)")
    search.add_argument("sources", nargs="+", metavar="FILE")
    search.add_argument("--json", action="store_true", help="one JSON object per source (JSON Lines, the API's names)")
    search.add_argument("--local", action="store_true", help="hash on this machine; send only the descriptor")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--title", help="only videos whose title contains this")
    videos = commands.add_parser("videos", help="list the library")
    videos.add_argument("--json", action="store_true")
    commands.add_parser("me", help="who the key counts as, and what is left of its day")
    return parser


def _print_search(source: str, answer: SearchResponse, json_lines: bool) -> None:
    if json_lines:
        print(json.dumps({"source": source, **as_json(answer)}))
        return
    if answer.flat or not answer.result:
        print(f"{source}: {'too plain to tell' if answer.flat else 'no match'}")
        return
    for m in answer.result:
        sure = "" if m.confident else " (not confident)"
        episode = f" episode {m.episode}" if m.episode else ""
        where = "a still image" if m.at is None else f"at {m.at:.2f}s"
        print(f"{source}: {m.title}{episode} {where}, similarity {m.similarity:.3f}{sure} [{m.reading}]")


def _search(client: Client, args: argparse.Namespace) -> int:
    failed = 0
    for source in args.sources:
        try:
            answer = client.search(source, limit=args.limit, title=args.title, local=args.local)
        except (AshenClientError, OSError, ValueError) as exc:
            print(f"ashen-client: {source}: {exc}", file=sys.stderr)
            failed += 1
            continue
        _print_search(source, answer, args.json)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with Client(args.url, api_key=args.key) as client:
            if args.command == "search":
                return _search(client, args)
            if args.command == "videos":
                for video in client.videos():
                    print(json.dumps(as_json(video)) if args.json else f"{video.id}  {video.status:9} {video.title}")
                return 0
            print(json.dumps(as_json(client.me())))
            return 0
    except (AshenClientError, ValueError) as exc:
        print(f"ashen-client: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
