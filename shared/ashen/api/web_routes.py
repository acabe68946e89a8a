"""``GET /``, ``GET /web/<file>``, ``GET /docs`` and ``GET /docs/<file>``: the web page and the
interactive API docs, served by the same app as the API (locally and on AWS), no CDN.

The page's files sit in ``api/web/`` (shipped with the package); Swagger UI's ``swagger-ui-bundle.js``
and ``swagger-ui.css`` come from the installed ``swagger-ui-bundle`` package. Only the files named
here are served: a name is looked up, never joined to a path. Each file answers with its content
type, a ``Cache-Control`` (pages revalidate, assets keep an hour) and an ``ETag`` (304 when the
browser has it), gzipped once per process when the browser accepts gzip.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from ashen.errors import NotFoundError

WEB = Path(__file__).with_name("web")
HTML = "text/html; charset=utf-8"
CSS = "text/css; charset=utf-8"
JS = "application/javascript; charset=utf-8"
PAGE_CACHE = "no-cache"  # HTML: always revalidated (an ETag makes that a 304), so a deploy shows at once
ASSET_CACHE = "public, max-age=3600"
# The page's own files (GET /web/<file>) and Swagger UI's (GET /docs/<file>), by name.
PAGE_ASSETS = {"app.js": JS, "app.css": CSS, "docs.js": JS}
SWAGGER_ASSETS = {"swagger-ui-bundle.js": JS, "swagger-ui.css": CSS}
# The page may talk to its own origin only; previews and stills may come from a signed https URL.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data: blob: https:; media-src 'self' blob: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True)
class Asset:
    """One served file: its bytes, their gzip, content type, cache rule and ETag."""

    data: bytes
    gzipped: bytes
    content_type: str
    cache_control: str
    etag: str

    @classmethod
    def of(cls, path: Path, content_type: str, cache_control: str) -> Asset:
        data = path.read_bytes()
        etag = '"' + hashlib.sha256(data).hexdigest()[:20] + '"'
        return cls(data, gzip.compress(data, compresslevel=9, mtime=0), content_type, cache_control, etag)


def swagger_folder() -> Path:
    """Where the installed swagger-ui-bundle keeps Swagger UI's dist files."""
    import swagger_ui_bundle  # imported on first use: only /docs needs it

    return Path(str(swagger_ui_bundle.swagger_ui_path))


@cache
def asset(kind: str, name: str) -> Asset:
    """The file ``name`` of ``kind`` (page, web, docs); NotFoundError for a name not served."""
    if kind == "page" and name in ("index.html", "docs.html"):
        return Asset.of(WEB / name, HTML, PAGE_CACHE)
    if kind == "web" and name in PAGE_ASSETS:
        return Asset.of(WEB / name, PAGE_ASSETS[name], ASSET_CACHE)
    if kind == "docs" and name in SWAGGER_ASSETS:
        return Asset.of(swagger_folder() / name, SWAGGER_ASSETS[name], ASSET_CACHE)
    raise NotFoundError(f"no file {name}")


def asset_response(item: Asset, headers: dict[str, str], extra: dict[str, str] | None = None) -> Response[bytes]:
    """``item`` as the answer to a request with ``headers``: 304 when its ETag matches, gzip when accepted."""
    out = {"Cache-Control": item.cache_control, "ETag": item.etag, "X-Content-Type-Options": "nosniff"}
    out |= {"Vary": "Accept-Encoding", **(extra or {})}
    if item.etag in {tag.strip() for tag in headers.get("if-none-match", "").split(",")}:
        return Response(304, None, None, out)
    if "gzip" in headers.get("accept-encoding", ""):
        return Response(200, item.content_type, item.gzipped, {**out, "Content-Encoding": "gzip"})
    return Response(200, item.content_type, item.data, out)


def web_router() -> APIGatewayHttpRouter:
    """The page and docs routes of one app."""
    router = APIGatewayHttpRouter()

    def answer(kind: str, name: str, extra: dict[str, str] | None = None) -> Response[bytes]:
        headers = {k.lower(): v for k, v in (router.current_event.headers or {}).items()}
        return asset_response(asset(kind, name), headers, extra)

    @router.get("/")
    def page() -> Response[bytes]:
        return answer("page", "index.html", {"Content-Security-Policy": PAGE_POLICY})

    @router.get("/web/<file>")
    def page_asset(file: str) -> Response[bytes]:
        return answer("web", file)

    @router.get("/docs")
    def docs() -> Response[bytes]:
        return answer("page", "docs.html")

    @router.get("/docs/<file>")
    def docs_asset(file: str) -> Response[bytes]:
        return answer("docs", file)

    return router
