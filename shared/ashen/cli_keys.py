"""`ashen keys create|list|revoke`: API keys in the local store, or in the stack's KeysTable with
``--dynamodb-table`` (or $ASHEN_KEYS_TABLE), with the admin's own AWS credentials (docs/accounts.md)."""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

from ashen.accounts.access import window_at
from ashen.accounts.keys import KeyExists, Role, new_key
from ashen.accounts.port import AccountStore
from ashen.cli_common import Commands, CommonOptions, home_of, whole
from ashen.cli_format import Column, table
from ashen.errors import AshenError
from ashen.store.sqlite import DB_NAME

DEFAULT_QUOTA = 1000
DEFAULT_RATE = 30


def accounts_of(args: argparse.Namespace, *, make: bool = False) -> AccountStore:
    """The DynamoDB table named by ``--dynamodb-table`` or $ASHEN_KEYS_TABLE, else the local store's
    file, made only when ``make`` (creating a key): listing or revoking keys makes no store."""
    table = getattr(args, "dynamodb_table", None) or os.environ.get("ASHEN_KEYS_TABLE")
    if table:
        from ashen.store.dynamodb_accounts import DynamoAccounts  # only the AWS path needs pynamodb

        return DynamoAccounts(table, host=os.environ.get("ASHEN_DYNAMODB_ENDPOINT") or None)
    from ashen.store.sqlite_accounts import SqliteAccounts

    home = home_of(args)
    if make:
        home.mkdir(parents=True, exist_ok=True)
    elif not (home / DB_NAME).is_file():
        raise AshenError(f"no store at {home / DB_NAME}, so no keys yet: ashen keys create NAME")
    return SqliteAccounts(home / DB_NAME)


def cmd_keys_create(args: argparse.Namespace) -> int:
    token, key = new_key(args.name, Role(args.role), args.quota, args.rate)
    try:
        accounts_of(args, make=True).add_key(key)
    except KeyExists as exc:
        raise AshenError(str(exc)) from exc
    print(f"key {key.name!r} ({key.role}, {key.quota}/day, {key.rate}/min); shown once, keep it:")
    print(token)
    return 0


KEY_COLUMNS = (
    Column("name"),
    Column("role"),
    Column("quota", right=True),
    Column("rate", right=True),
    Column("used", right=True),
    Column("created"),
    Column("state"),
)


def cmd_keys_list(args: argparse.Namespace) -> int:
    accounts = accounts_of(args)
    day = window_at(time.time()).day
    rows = [
        [
            key.name,
            key.role,
            key.quota,
            key.rate,
            accounts.used(key.subject, day),
            datetime.fromtimestamp(key.created, UTC).strftime("%Y-%m-%d %H:%M"),
            "revoked" if key.revoked else "active",
        ]
        for key in accounts.keys()  # noqa: SIM118  # a method, not a dict
    ]
    print("\n".join(table(KEY_COLUMNS, rows)))
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    if not accounts_of(args).revoke(args.name):
        raise AshenError(f"no key named {args.name!r}")
    print(f"revoked {args.name!r}")
    return 0


def register(commands: Commands, common: CommonOptions) -> None:
    """`ashen keys create|list|revoke`."""
    keys = commands.add_parser("keys", help="API keys: create, list, revoke").add_subparsers(
        dest="keys_command", required=True, metavar="KEYS_COMMAND"
    )
    table = argparse.ArgumentParser(add_help=False, parents=[common.store])
    table.add_argument(
        "--dynamodb-table", help="the stack's KeysTable (default: $ASHEN_KEYS_TABLE, else the local store)"
    )
    p = keys.add_parser("create", parents=[table], help="make a key; prints it once, as the last line")
    p.add_argument("name", help="the key's name, unique (it is not the key)")
    p.add_argument(
        "--role", choices=[str(r) for r in Role], default="search", help="what the key may do (default search)"
    )
    p.add_argument(
        "--quota",
        type=whole(0),
        default=DEFAULT_QUOTA,
        help=f"successful searches per UTC day (default {DEFAULT_QUOTA})",
    )
    p.add_argument("--rate", type=whole(1), default=DEFAULT_RATE, help=f"searches per minute (default {DEFAULT_RATE})")
    p.set_defaults(func=cmd_keys_create)
    p = keys.add_parser("list", parents=[table], help="name, role, quota, rate, used today, created (never the key)")
    p.set_defaults(func=cmd_keys_list)
    p = keys.add_parser("revoke", parents=[table], help="revoke a key by name (at once, also for a running server)")
    p.add_argument("name", help="the key's name (see 'ashen keys list')")
    p.set_defaults(func=cmd_keys_revoke)


def add_access_arguments(p: argparse.ArgumentParser) -> None:
    """`ashen serve`'s access options."""
    p.add_argument("--require-key", action="store_true", help="searches need an API key (no anonymous tier)")
    p.add_argument(
        "--anonymous-quota", type=whole(0), default=100, help="searches a day per client address (default 100)"
    )
    p.add_argument(
        "--anonymous-rate", type=whole(1), default=10, help="searches a minute per client address (default 10)"
    )
