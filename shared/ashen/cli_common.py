"""What the `ashen` commands share: the global options, accepted before or after the subcommand
(``ashen --home H list`` and ``ashen list --home H``), checked argument types, the store a command
reads (never made by reading) or writes, and the version.

A module adding commands gives ``register(commands, common)``: each of its parsers takes
``parents=[common.store]`` when it works on the store and ``common.output`` when it prints JSON."""

from __future__ import annotations

import argparse
import math
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import NoReturn, TypeAlias
from urllib.parse import urlsplit

from ashen.errors import AshenError
from ashen.store import SqliteStore
from ashen.store.sqlite import DB_NAME, default_home

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"  # a parser's subcommands
HOME_HELP = "the store's folder (default: $ASHEN_HOME, else ~/.ashen)"
JSON_HELP = "print JSON instead of text"


# The `serve` extra's packages (pyproject.toml): `ashen serve` and `ashen search URL` need them.
SERVE_EXTRA = frozenset({"aws_lambda_powertools", "gunicorn", "python_multipart", "urllib3", "swagger_ui_bundle"})


class NoStore(AshenError):
    """A command that reads the store found none (or an empty one): index something first."""


@dataclass(frozen=True)
class CommonOptions:
    """Parent parsers of the global options, for subcommands to take."""

    store: argparse.ArgumentParser  # --home: every command that reads or writes the store
    output: argparse.ArgumentParser  # --json: every command that can print JSON


def common_options() -> CommonOptions:
    """The global options as parents of subcommands: SUPPRESS as their default, so a subcommand
    that is not given one keeps what the top-level parser read before it."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--home", default=argparse.SUPPRESS, metavar="DIR", help=HOME_HELP)
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=JSON_HELP)
    output.set_defaults(prints_json=True)
    return CommonOptions(store, output)


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """``--home``, ``--json`` and ``--version`` on the top-level parser."""
    parser.add_argument("--home", default=None, metavar="DIR", help=HOME_HELP)
    parser.add_argument("--json", action="store_true", help=JSON_HELP + " (commands that have it)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}", help="print the version")


def check_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse ``--json`` given to a command that has no JSON output (argparse's usage error)."""
    if args.json and not getattr(args, "prints_json", False):
        parser.error(f"{args.command} has no --json output")


def version() -> str:
    """The installed package's version (pyproject.toml's, through its metadata)."""
    try:
        return metadata.version("ashen")
    except metadata.PackageNotFoundError:
        return "(unknown version: not installed; pip install -e .)"


def whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argument type: a whole number from ``low`` (to ``high``)."""
    span = f"from {low} to {high}" if high is not None else f"of {low} or more"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be a whole number {span}, not {text!r}")
        return value

    return parse


def seconds(text: str) -> float:
    """An argument type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, not {text!r}")
    return value


def http_url(text: str) -> str:
    """An argument type: an http(s) URL with a host (an API's address)."""
    try:
        parts = urlsplit(text)
        fine = parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a port that is no number, or out of range
        fine = False
    if not fine:
        raise argparse.ArgumentTypeError(f"must be an http(s) URL such as http://127.0.0.1:8000, not {text!r}")
    return text


def home_of(args: argparse.Namespace) -> Path:
    """The store's folder: ``--home``, $ASHEN_HOME, else ~/.ashen."""
    return Path(args.home) if getattr(args, "home", None) else default_home()


def index_hint(args: argparse.Namespace) -> str:
    """The command that fills the store this command reads."""
    home = getattr(args, "home", None)
    return f"ashen --home {shlex.quote(home)} index PATH" if home else "ashen index PATH"


def store_to_read(args: argparse.Namespace) -> SqliteStore:
    """The existing store, for a command that only reads it; NoStore when there is none (reading
    makes no folder and no store file)."""
    path = home_of(args) / DB_NAME
    if not path.is_file():
        raise NoStore(f"no store at {path}; index something first: {index_hint(args)}")
    return SqliteStore(path)


def store_to_write(args: argparse.Namespace) -> SqliteStore:
    """The store, made (folder and file) if it is not there yet."""
    home = home_of(args)
    home.mkdir(parents=True, exist_ok=True)
    return SqliteStore(home / DB_NAME)


def needs_extra(exc: ModuleNotFoundError, what: str) -> NoReturn:
    """Raise, for a package of the `serve` extra missing, one line saying how to install it (else ``exc``)."""
    package = (exc.name or "").split(".")[0]
    if package not in SERVE_EXTRA:
        raise exc
    name = package.replace("_", "-")
    raise AshenError(f"{what} needs {name} (not installed): pip install 'ashen[serve]'") from exc
