"""`ashen serve`: the same resolver behind a real HTTP server on 127.0.0.1, called with urllib."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ashen.api.local_server import make_local_server, wsgi_to_event
from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.signature import Signature
from ashen.records import Scene, VideoRecord
from ashen.store.sqlite import SqliteStore


def _png(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).resize((128, 72), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture()
def base_url(tmp_path: Path) -> Iterator[str]:
    store = SqliteStore(tmp_path / "s.sqlite3")
    sig = Signature.of_image(np.asarray(Image.open(io.BytesIO(_png(7))).convert("RGB")))
    store.replace_video(
        VideoRecord(id="v7", title="Sintel", filename="Sintel - 01.mp4", source="/s.mp4", episode="01"),
        [(bucket_key(sig.values), Scene(3.0, 4.0, 5.0, 51, sig.to_bytes()))],
    )
    server = make_local_server(store, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_search_by_upload(base_url: str) -> None:
    status, body = request(f"{base_url}/search?limit=3", _png(7), {"Content-Type": "image/png"})
    assert status == 200 and body["error"] == ""
    assert body["result"][0]["title"] == "Sintel" and body["result"][0]["at"] == 4.0


def test_search_by_url_and_errors(base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    class Image7(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = _png(7)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    images = ThreadingHTTPServer(("127.0.0.1", 0), Image7)
    threading.Thread(target=images.serve_forever, daemon=True).start()
    try:
        image_url = f"http://127.0.0.1:{images.server_address[1]}/frame.png"
        # Local addresses are refused by default (no SSRF into the host's network)...
        status, body = request(f"{base_url}/search?url={image_url}")
        assert status == 400 and "private or local" in body["error"]
        # ...and fetched when allowed, by GET and by JSON POST.
        monkeypatch.setenv("ASHEN_ALLOW_PRIVATE_URLS", "1")
        status, body = request(f"{base_url}/search?url={image_url}")
        assert status == 200 and body["result"][0]["title"] == "Sintel"
        status, body = request(
            f"{base_url}/search", json.dumps({"url": image_url}).encode(), {"Content-Type": "application/json"}
        )
        assert status == 200 and body["result"][0]["title"] == "Sintel"
    finally:
        images.shutdown()
        images.server_close()
    status, body = request(f"{base_url}/search", b"garbage", {"Content-Type": "image/jpeg"})
    assert status == 400 and body["error"]
    status, body = request(f"{base_url}/search", b"hello", {"Content-Type": "text/plain"})
    assert status == 415


def test_videos_and_openapi(base_url: str) -> None:
    status, body = request(f"{base_url}/videos")
    assert status == 200 and body["videos"][0]["id"] == "v7"
    status, body = request(f"{base_url}/videos/v7")
    assert status == 200 and body["title"] == "Sintel"
    status, body = request(f"{base_url}/openapi.json")
    assert status == 200 and body["openapi"].startswith("3.")
    status, body = request(f"{base_url}/nowhere")
    assert status == 404 and "error" in body


def test_a_wsgi_request_becomes_the_http_api_event_api_gateway_sends() -> None:
    environ = {
        "REQUEST_METHOD": "post",
        "PATH_INFO": "/search",
        "QUERY_STRING": "limit=3&title=a&title=b",
        "CONTENT_TYPE": "image/png",
        "CONTENT_LENGTH": "3",
        "HTTP_COOKIE": "a=1; b=2",
        "HTTP_USER_AGENT": "curl/8",
        "REMOTE_ADDR": "10.1.2.3",
        "SERVER_PROTOCOL": "HTTP/1.0",
    }
    event = wsgi_to_event(environ, b"abc")
    http = event["requestContext"]["http"]
    assert (http["method"], http["path"], http["sourceIp"], http["protocol"], http["userAgent"]) == (
        "POST",
        "/search",
        "10.1.2.3",
        "HTTP/1.0",
        "curl/8",
    )
    assert event["queryStringParameters"] == {"limit": "3", "title": "a,b"}
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["headers"]["content-type"] == "image/png" and event["headers"]["content-length"] == "3"
    assert (event["body"], event["isBase64Encoded"]) == ("YWJj", True)
