"""Search -> follow the result's preview URLs through the same app (as `ashen serve` answers them)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ashen.api.app import create_app
from ashen.api.local_server import LocalContext, http_event
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.store.sqlite import SqliteStore
from tests.api.preview_site import preview_site
from tests.aws.stack import frame_png
from tests.support import CLIP

HOST = {"host": "ashen.test:8000"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("home")
    store = SqliteStore(home / "s.sqlite3")
    index_video(store, str(CLIP), IndexOptions())
    return create_app(store, previews=preview_site(store, home / "previews"))


def get(app: Any, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    parts = urlsplit(url)
    response: dict[str, Any] = app.resolve(
        http_event("GET", parts.path, query=parts.query, headers={**HOST, **(headers or {})}), LocalContext()
    )
    return response


def body_of(response: dict[str, Any]) -> bytes:
    body = response["body"] or ""
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


@pytest.fixture(scope="module")
def match(app: Any) -> dict[str, Any]:
    event = http_event("POST", "/search", body=frame_png(10.0), headers={**HOST, "content-type": "image/png"})
    result: dict[str, Any] = json.loads(app.resolve(event, LocalContext())["body"])["result"][0]
    return result


def test_a_result_carries_signed_preview_urls_on_the_host_it_was_asked_on(match: dict[str, Any]) -> None:
    vid = match["videoId"]
    assert match["video"].startswith(f"http://ashen.test:8000/preview/{vid}/video.mp4?t=")
    assert match["image"].startswith(f"http://ashen.test:8000/preview/{vid}/image.jpg?t=")
    assert "&exp=" in match["video"] and "&sig=" in match["image"]


def test_the_video_url_answers_an_mp4_with_its_span_and_cache_headers(app: Any, match: dict[str, Any]) -> None:
    response = get(app, match["video"] + "&size=s&mute")
    assert response["statusCode"] == 200, body_of(response)
    headers = response["headers"]
    assert headers["Content-Type"] == "video/mp4" and body_of(response)[4:8] == b"ftyp"
    start, end = float(headers["X-Preview-Start"]), float(headers["X-Preview-End"])
    assert start <= match["at"] <= end and float(headers["X-Preview-Duration"]) == pytest.approx(end - start)
    assert headers["ETag"].startswith('"') and "max-age=" in headers["Cache-Control"]
    again = get(app, match["video"] + "&size=s&mute", {"if-none-match": headers["ETag"]})
    assert again["statusCode"] == 304 and again["headers"]["X-Preview-Cache"] == "hit"


def test_the_image_url_answers_a_still_by_accept(app: Any, match: dict[str, Any]) -> None:
    jpeg = get(app, match["image"])
    assert jpeg["statusCode"] == 200 and body_of(jpeg).startswith(b"\xff\xd8")
    webp = get(app, match["image"], {"accept": "image/webp,*/*"})
    assert webp["headers"]["Content-Type"] == "image/webp" and body_of(webp).startswith(b"RIFF")
    assert webp["headers"]["Vary"] == "Accept"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (lambda u: u.replace("sig=", "sig=x"), 403),  # tampered
        (lambda u: u.replace("t=", "t=1"), 403),  # another moment
        (lambda u: u.split("&sig=")[0], 403),  # unsigned
        (lambda u: u.replace("video.mp4", "image.jpg"), 403),  # the clip's signature on the still
        (lambda u: u + "&size=xxl", 400),
        (lambda u: u.replace("video.mp4", "other.gif"), 404),
    ],
)
def test_a_bad_request_is_refused_with_a_json_error(app: Any, match: dict[str, Any], change: Any, status: int) -> None:
    response = get(app, change(match["video"]))
    assert response["statusCode"] == status and json.loads(response["body"])["error"]


def test_an_unknown_video_signed_with_the_key_is_404(app: Any, tmp_path: Path) -> None:
    from ashen.preview.signing import Signer
    from tests.api.preview_site import KEY

    response = get(app, f"/preview/nope/video.mp4?{Signer(KEY).query('nope', 'video', 1.0)}")
    assert response["statusCode"] == 404 and json.loads(response["body"])["error"]
