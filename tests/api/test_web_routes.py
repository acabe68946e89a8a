"""The web page and the API docs as the app serves them: content types, cache rules, ETags, gzip,
only the files named, and nothing loaded from another origin. (The page in a browser:
test_web_page.py.)"""

from __future__ import annotations

import base64
import gzip
import re
from pathlib import Path
from typing import Any

import pytest

from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.api.web_routes import WEB, swagger_folder
from ashen.store.sqlite import SqliteStore

SERVED = {
    "/": "text/html",
    "/docs": "text/html",
    "/web/app.js": "application/javascript",
    "/web/app.css": "text/css",
    "/web/docs.js": "application/javascript",
    "/docs/swagger-ui-bundle.js": "application/javascript",
    "/docs/swagger-ui.css": "text/css",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return create_app(SqliteStore(tmp_path_factory.mktemp("web") / "s.sqlite3"))


def get(app: Any, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    response = app.resolve(http_event("GET", path, headers={k.replace("_", "-"): v for k, v in headers.items()}), None)
    body = response.get("body") or ""
    data = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
    return response["statusCode"], {k.lower(): v for k, v in response["headers"].items()}, data


def source(path: str) -> bytes:
    name = path.rsplit("/", 1)[-1]
    if path == "/":
        return (WEB / "index.html").read_bytes()
    if path == "/docs":
        return (WEB / "docs.html").read_bytes()
    return ((swagger_folder() if path.startswith("/docs/") else WEB) / name).read_bytes()


@pytest.mark.parametrize("path", list(SERVED))
def test_each_file_has_its_type_cache_rule_and_etag(app: Any, path: str) -> None:
    status, headers, data = get(app, path)
    assert status == 200 and data == source(path)
    assert headers["content-type"].split(";")[0] == SERVED[path]
    assert headers["cache-control"] == ("no-cache" if SERVED[path] == "text/html" else "public, max-age=3600")
    assert headers["x-content-type-options"] == "nosniff"
    again, cached, empty = get(app, path, if_none_match=headers["etag"])
    assert again == 304 and not empty and cached["etag"] == headers["etag"]
    assert get(app, path, if_none_match='"other"')[0] == 200


@pytest.mark.parametrize("path", ["/", "/docs/swagger-ui-bundle.js"])
def test_gzip_when_the_browser_accepts_it(app: Any, path: str) -> None:
    status, headers, data = get(app, path, accept_encoding="gzip, deflate, br")
    assert status == 200 and headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert gzip.decompress(data) == source(path) and len(data) < len(source(path)) / 2


def test_the_page_may_only_talk_to_its_own_origin(app: Any) -> None:
    policy = get(app, "/")[1]["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize(
    "path",
    ["/web/index.html", "/web/web_routes.py", "/web/..%2Fweb_routes.py", "/docs/index.html", "/docs/app.js", "/web/"],
)
def test_only_the_files_named_are_served(app: Any, path: str) -> None:
    status, headers, data = get(app, path)
    assert status == 404 and headers["content-type"] == "application/json" and b'"error"' in data


@pytest.mark.parametrize("page", ["index.html", "docs.html"])
def test_a_page_loads_only_files_the_app_serves(app: Any, page: str) -> None:
    html = (WEB / page).read_text()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(r.startswith(("web/", "docs", "./", "data:")) for r in refs), refs
    for ref in refs:
        if ref.startswith(("web/", "docs/")):
            assert get(app, "/" + ref)[0] == 200, ref


def test_no_asset_of_the_page_names_another_origin() -> None:
    for path in sorted(Path(WEB).iterdir()):
        text = path.read_text()
        assert not re.search(r"(src|href|url\()\s*=?\s*[\"']?(https?:)?//", text), path.name  # no CDN, no fonts
