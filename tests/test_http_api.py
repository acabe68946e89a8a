"""The HTTP API resolver (the same app on Lambda and behind `ashen serve`), on the SQLite store."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openapi_spec_validator import validate
from PIL import Image

from ashen.buckets import bucket_key
from ashen.http_api import create_app, openapi_document
from ashen.images import MAX_IMAGE_BYTES
from ashen.models import VideoRecord
from ashen.scenes import Scene
from ashen.signature import Signature
from ashen.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[1]


def picture(seed: int, size: tuple[int, int] = (160, 90)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BILINEAR))


def png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "a.sqlite3")
    for i, (title, episode) in enumerate([("Sintel", "01"), ("Big Buck Bunny", "02")]):
        sig = Signature.of_image(picture(i))
        video = VideoRecord(id=f"v{i}", title=title, filename=f"{title} - {episode}.mp4", source=f"/x/{i}.mp4",
                            episode=episode, duration=60.0, segments_planned=2, segments_done=2)  # fmt: skip
        s.replace_video(video, [(bucket_key(sig.values), Scene(10.0 + i, 12.0 + i, 11.0 + i, 50, sig.to_bytes()))])
    return s


def event(method: str, path: str, *, body: bytes | str | None = None, content_type: str | None = None,
          query: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    sample = json.loads((ROOT / "events" / "http-search.json").read_text())
    sample["rawPath"] = sample["requestContext"]["http"]["path"] = path
    sample["requestContext"]["http"]["method"] = method
    sample["routeKey"] = sample["requestContext"]["routeKey"] = "$default"
    sample["queryStringParameters"] = query
    sample["rawQueryString"] = ""
    headers = {k: v for k, v in sample["headers"].items() if k not in ("content-type", "content-length")}
    if content_type:
        headers["content-type"] = content_type
    sample["headers"] = headers
    if isinstance(body, bytes):
        sample["body"], sample["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        sample["body"], sample["isBase64Encoded"] = body, False
    return sample


def call(app: Any, ev: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = app.resolve(ev, None)
    return response["statusCode"], json.loads(response["body"])


def test_sample_event_is_answered(store: SqliteStore) -> None:
    sample = json.loads((ROOT / "events" / "http-search.json").read_text())
    status, body = call(create_app(store), sample)
    assert status == 200 and body["error"] == "" and isinstance(body["result"], list)


@pytest.mark.parametrize("kind", ["image", "multipart", "signature"])
def test_post_search_finds_the_scene(store: SqliteStore, kind: str) -> None:
    app = create_app(store)
    data = png(picture(1))
    if kind == "image":
        ev = event("POST", "/search", body=data, content_type="image/png")
    elif kind == "multipart":
        boundary = "----ashen-test"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                f"Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()  # fmt: skip
        ev = event("POST", "/search", body=body, content_type=f"multipart/form-data; boundary={boundary}")
    else:
        hexsig = str(Signature.of_image(picture(1)))
        ev = event("POST", "/search", body=json.dumps({"signature": hexsig}), content_type="application/json")
    status, body = call(app, ev)
    assert status == 200, body
    assert set(body) == {"frameCount", "error", "result"} and body["error"] == ""
    best = body["result"][0]
    assert {"title", "episode", "filename", "from", "at", "to", "similarity"} <= set(best)
    assert (best["title"], best["episode"], best["from"], best["at"], best["to"]) == (
        "Big Buck Bunny",
        "02",
        11,
        12,
        13,
    )
    assert best["similarity"] > 0.95


def test_title_filter_and_limit(store: SqliteStore) -> None:
    app = create_app(store)
    hexsig = str(Signature.of_image(picture(1)))
    ev = event("POST", "/search", body=json.dumps({"signature": hexsig}), content_type="application/json",
               query={"title": "sintel", "limit": "1"})  # fmt: skip
    status, body = call(app, ev)
    assert status == 200 and all(r["title"] == "Sintel" for r in body["result"]) and len(body["result"]) <= 1


def test_letterboxed_and_mirrored_screenshots_are_found_by_default(store: SqliteStore) -> None:
    framed = np.zeros((140, 160, 3), dtype=np.uint8)
    framed[25:115] = picture(0)
    for query in (framed, picture(0)[:, ::-1]):
        status, body = call(create_app(store), event("POST", "/search", body=png(query), content_type="image/png"))
        assert status == 200 and body["result"][0]["title"] == "Sintel" and body["result"][0]["similarity"] > 0.95
    status, body = call(create_app(store), event("POST", "/search", body=png(framed), content_type="image/png",
                                                  query={"cutBorders": "0", "mirror": "0", "uncrop": "0"}))  # fmt: skip
    assert status == 200 and (not body["result"] or body["result"][0]["similarity"] < 0.95)


@pytest.mark.parametrize(
    ("body", "content_type", "query", "status", "message"),
    [
        (b"not an image at all", "image/png", None, 400, "not an image"),
        (b"", "image/jpeg", None, 400, "empty"),
        ('{"signature": "zz"}', "application/json", None, 400, "bad signature"),
        ('{"signature": "00"}', "application/json", None, 400, "bad signature"),
        ('{"url": "ftp://example.com/a.png"}', "application/json", None, 400, "bad url"),
        ('{"url": "http://127.0.0.1:1/a.png"}', "application/json", None, 400, "bad url"),
        ("{not json", "application/json", None, 400, "not valid JSON"),
        ("[1, 2]", "application/json", None, 400, "must be an object"),
        ('{"other": 1}', "application/json", None, 400, "needs"),
        ("hello", "text/plain", None, 415, "unsupported Content-Type"),
        (b"x" * (MAX_IMAGE_BYTES + 1), "image/png", None, 413, "MiB"),
        ('{"signature": "00"}', "application/json", {"limit": "ten"}, 400, "limit"),
        ('{"signature": "00"}', "application/json", {"limit": "0"}, 400, "limit"),
        (
            b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            None,
            400,
            "'image'",
        ),
    ],
)
def test_bad_input_is_4xx_never_500(store: SqliteStore, body: Any, content_type: str, query: Any, status: int,
                                    message: str) -> None:  # fmt: skip
    got, answer = call(create_app(store), event("POST", "/search", body=body, content_type=content_type, query=query))
    assert got == status, answer
    assert set(answer) == {"error"} and message in answer["error"]


def test_get_search_needs_a_url(store: SqliteStore) -> None:
    status, body = call(create_app(store), event("GET", "/search"))
    assert status == 400 and "url" in body["error"]


def test_videos_routes(store: SqliteStore) -> None:
    app = create_app(store)
    status, body = call(app, event("GET", "/videos"))
    assert status == 200 and [v["title"] for v in body["videos"]] == ["Big Buck Bunny", "Sintel"]
    status, body = call(app, event("GET", "/videos/v0"))
    assert status == 200 and body["status"] == "indexed" and body["progress"] == 1.0
    status, body = call(app, event("GET", "/videos/nope"))
    assert status == 404 and "nope" in body["error"]


def test_openapi_is_served_valid_and_covers_every_route(store: SqliteStore) -> None:
    app = create_app(store)
    status, body = call(app, event("GET", "/openapi.json"))
    assert status == 200 and body == json.loads((ROOT / "openapi.json").read_text()) == openapi_document()
    validate(body)
    documented = {(m.upper(), p) for p, ops in body["paths"].items() for m in ops}
    served = set()
    for route in app._static_routes + app._dynamic_routes:  # the resolver's own route table
        path = re.sub(r"<(\w+)>", "{id}", route.path) if route.path.startswith("/videos/") else route.path
        served.add((route.method, path))
    assert served == documented
