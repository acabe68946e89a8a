"""The package's layout is a rule, not a habit: which stage may import what, and how big a
module or a function may grow (docs/architecture.md explains the layers)."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "shared" / "ashen"

# What each room of the package may import from the package besides itself (a room is a top-level
# module or a stage folder). A prefix allows everything below it.
BASE = {"ashen.box", "ashen.errors", "ashen.descriptors"}
ALLOWED: dict[str, set[str]] = {
    "ashen.box": set(),
    "ashen.keyfile": set(),
    "ashen.errors": set(),
    "ashen.descriptors": set(),
    "ashen.records": {"ashen.box"},
    # Keys, roles, quotas and rates: plain rules over a storage port of their own (docs/accounts.md).
    "ashen.accounts": set(),
    "ashen.media": {"ashen.box", "ashen.errors", "ashen.descriptors"},
    "ashen.query": {"ashen.box", "ashen.errors", "ashen.descriptors", "ashen.media"},
    # ashen.errors: a store locked by another process is one StoreBusy line, not a traceback.
    "ashen.store": {"ashen.box", "ashen.errors", "ashen.descriptors", "ashen.records", "ashen.accounts"},
    # Videos with baked-in bars are hashed inside them, found as queries' borders are; a still is
    # decoded and read as a query image is (query.images, query.readings), so a JPEG of it finds it.
    "ashen.indexing": {
        "ashen.keyfile",
        "ashen.box",
        "ashen.errors",
        "ashen.descriptors",
        "ashen.media",
        "ashen.records",
        "ashen.store.port",
        "ashen.query.borders",
        "ashen.query.images",
        "ashen.query.readings",
    },
    # Previews: spans from the store's scenes, cuts by ffmpeg; no HTTP (the API serves them).
    "ashen.preview": {
        "ashen.keyfile",
        "ashen.box",
        "ashen.errors",
        "ashen.descriptors",
        "ashen.media",
        "ashen.records",
        "ashen.store.port",
    },
    "ashen.search": {
        "ashen.box",
        "ashen.errors",
        "ashen.descriptors",
        "ashen.query",
        "ashen.records",
        "ashen.store.port",
    },
    "ashen.aws": {
        "ashen.box",
        "ashen.errors",
        "ashen.descriptors",
        "ashen.media",
        "ashen.records",
        "ashen.indexing",
        "ashen.store",
        "ashen.preview",
    },
    "ashen.api": {
        "ashen.accounts",
        "ashen.errors",
        "ashen.descriptors",
        "ashen.query",
        "ashen.search",
        "ashen.records",
        "ashen.store.port",
        "ashen.preview",
    },
    "ashen.cli": {
        "ashen.box",
        "ashen.errors",
        "ashen.descriptors",
        "ashen.media",
        "ashen.records",
        "ashen.query",
        "ashen.indexing",
        "ashen.search",
        "ashen.store",
        "ashen.api",
        "ashen.preview",
        "ashen.accounts",
        "ashen.cli_common",
        "ashen.cli_format",
        "ashen.cli_keys",
        "ashen.cli_search",
        "ashen.cli_serve",
        "ashen.cli_upload",
        "ashen.cli_library",
    },
    # What every command shares: global options, argument types, the store read (never made) or written.
    "ashen.cli_common": {"ashen.errors", "ashen.store"},
    # How the CLI prints for people (tables, h:mm:ss, MiB): plain strings, nothing of the package.
    "ashen.cli_format": set(),
    # `ashen search`: the search on the embedded store; a URL fetched and read by the API's own code.
    "ashen.cli_search": {
        "ashen.cli_common",
        "ashen.cli_format",
        "ashen.errors",
        "ashen.query",
        "ashen.search",
        "ashen.api",
    },
    # `ashen serve`: the API served on the store, its keys, previews and uploads.
    "ashen.cli_serve": {
        "ashen.cli_common",
        "ashen.cli_keys",
        "ashen.indexing.library",
        "ashen.store",
        "ashen.accounts",
        "ashen.api",
        "ashen.preview",
    },
    # `ashen keys`: the local store's file, or the stack's KeysTable with the admin's credentials.
    "ashen.cli_keys": {"ashen.cli_common", "ashen.cli_format", "ashen.accounts", "ashen.errors", "ashen.store"},
    # `ashen upload`: a client of the HTTP API (api.upload_client), nothing of the store; names as `ashen index`.
    "ashen.cli_upload": {"ashen.cli_common", "ashen.errors", "ashen.api", "ashen.indexing.naming"},
    # `ashen index` (incremental), `remove`, `edit`, `prune`: the embedded store's library, named by one rule.
    "ashen.cli_library": {
        "ashen.cli_common",
        "ashen.cli_format",
        "ashen.errors",
        "ashen.indexing",
        "ashen.media",
        "ashen.records",
        "ashen.store",
    },
    "ashen": {"ashen"},  # the public entry point re-exports
}
# The domain knows nothing of AWS, Lambda or HTTP; the descriptors nothing but numpy.
DOMAIN = ("ashen.box", "ashen.errors", "ashen.descriptors", "ashen.records", "ashen.media", "ashen.query")
DOMAIN += ("ashen.indexing", "ashen.search", "ashen.store.port", "ashen.store.sqlite", "ashen.preview")
DOMAIN += ("ashen.accounts", "ashen.store.sqlite_accounts", "ashen.keyfile")
ADAPTER_ONLY = {"boto3", "botocore", "pynamodb", "aws_lambda_powertools", "http", "urllib", "wsgiref", "socket"}
ADAPTER_ONLY |= {"socketserver", "email", "requests", "httpx", "urllib3", "python_multipart", "multipart"}
ADAPTER_ONLY |= {"gunicorn"}
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def room(name: str) -> str:
    parts = name.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else name


def imports(name: str, path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at the top or inside a function, relative ones resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            yield module
            yield from (f"{module}.{alias.name}" for alias in node.names)


def inside(name: str, prefixes: set[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def stdlib_or_third_party(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize(("name", "path"), list(modules()), ids=lambda x: str(x).split("/")[-1])
def test_a_stage_imports_only_what_its_layer_may(name: str, path: Path) -> None:
    mine = room(name)
    allowed = ALLOWED[mine] | {mine}
    package_imports = {m for m in imports(name, path) if m.startswith("ashen.") or m == "ashen"}
    # ``from ashen.x import y`` names both ashen.x and ashen.x.y: judge by the module.
    wrong = sorted(m for m in package_imports if not inside(m, allowed) and not inside(m.rsplit(".", 1)[0], allowed))
    assert not wrong, f"{name} may not import {wrong} (allowed: {sorted(allowed)})"


@pytest.mark.parametrize(("name", "path"), [m for m in modules() if inside(m[0], set(DOMAIN))], ids=lambda x: str(x))
def test_the_domain_imports_no_aws_lambda_or_http_code(name: str, path: Path) -> None:
    outside = {stdlib_or_third_party(m) for m in imports(name, path) if not m.startswith("ashen")}
    assert not outside & ADAPTER_ONLY, f"{name} imports {sorted(outside & ADAPTER_ONLY)}"


@pytest.mark.parametrize(("name", "path"), [m for m in modules() if inside(m[0], {"ashen.descriptors"})])
def test_the_descriptors_need_only_numpy(name: str, path: Path) -> None:
    outside = {stdlib_or_third_party(m) for m in imports(name, path) if not m.startswith("ashen")}
    assert outside <= sys.stdlib_module_names | {"numpy", "__future__"}, f"{name} imports {sorted(outside)}"


def test_no_module_is_over_400_lines() -> None:
    long = {name: n for name, path in modules() if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long


def test_no_function_is_over_60_lines() -> None:
    long = []
    for name, path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            if is_function and (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES:
                long.append(f"{name}.{node.name}")
    assert not long


def test_the_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    """The checks above read real imports: a domain module that imported boto3 or the API would fail."""
    bad = tmp_path / "bad.py"
    bad.write_text("import boto3\nfrom ashen.api.app import create_app\n\ndef f():\n    from ..store import dynamodb\n")
    found = set(imports("ashen.search.bad", bad))
    assert {"boto3", "ashen.api.app", "ashen.store.dynamodb"} <= found
    assert not inside("ashen.api.app", ALLOWED["ashen.search"])
