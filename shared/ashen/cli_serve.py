"""`ashen serve`: the HTTP API on this machine (ashen.api.serve_gunicorn), on the store of ``--home``
with its keys, previews and uploads."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ashen.cli_common import Commands, CommonOptions, home_of, needs_extra, seconds, store_to_write, whole
from ashen.cli_keys import add_access_arguments
from ashen.indexing.library import LocalLibrary
from ashen.store import SqliteStore
from ashen.store.sqlite import DB_NAME

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from ashen.accounts.access import Access
    from ashen.api.preview_routes import PreviewSite


def cmd_serve(args: argparse.Namespace) -> int:
    try:  # imported lazily: only `serve` needs the HTTP stack
        from ashen.api.app import create_app
        from ashen.api.serve_edge import EdgeLimits
        from ashen.api.serve_gunicorn import ServeOptions, serve
    except ModuleNotFoundError as exc:
        needs_extra(exc, "serve")

    store_to_write(args).close()  # home and store made once here; each worker thread opens its own connection
    home = home_of(args)
    path = home / DB_NAME
    options = ServeOptions(
        host=args.host,
        port=args.port,
        workers=args.workers or 0,
        limits=EdgeLimits(threads=args.threads),
        cors_origins=tuple(args.cors_origin),
        request_timeout=args.request_timeout,
    )
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


def _preview_site(home: Path, path: Path) -> PreviewSite:
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


def register(commands: Commands, common: CommonOptions) -> None:
    """`ashen serve` and its options."""
    p = commands.add_parser("serve", parents=[common.store], help="serve the HTTP search API locally")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    p.add_argument(
        "--port", type=whole(0, 65535), default=8000, help="port to listen on; 0: any free one (default 8000)"
    )
    p.add_argument("--workers", type=whole(1), default=None, metavar="N", help="server processes (default: CPU count)")
    p.add_argument(
        "--threads", type=whole(1), default=8, help="requests a process takes at once; more get 503 (default 8)"
    )
    p.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin (https://host[:port]) whose pages may read the API; repeatable (default: none)",
    )
    p.add_argument(
        "--request-timeout", type=seconds, default=15.0, help="seconds to receive a whole request (default 15)"
    )
    add_access_arguments(p)
    p.set_defaults(func=cmd_serve)
