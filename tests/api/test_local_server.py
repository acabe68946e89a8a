"""`ashen serve`: the same resolver behind gunicorn on 127.0.0.1, called with urllib and raw sockets.

The server runs in a child process (tests/api/serve_child.py: gunicorn's arbiter needs a main
thread); the waits below are upper bounds on something expected at once, never measurements."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from ashen.api import serve_edge, serve_gunicorn
from ashen.api.local_server import http_event, wsgi_to_event
from ashen.api.requests import body_bytes
from ashen.api.serve_edge import EdgeApp, EdgeLimits, host_allowed
from tests.api.serving import png_of, running


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(tmp_path_factory.mktemp("serve"), "--threads", "2", "--cors-origin", "https://ok.example") as url:
        yield url


def request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.slow  # a gunicorn server in a child process
def test_search_by_upload(base_url: str) -> None:
    status, body = request(f"{base_url}/search?limit=3", png_of(7), {"Content-Type": "image/png"})
    assert status == 200 and body["error"] == ""
    assert body["result"][0]["title"] == "Sintel" and body["result"][0]["at"] == 4.0


@pytest.mark.slow  # a gunicorn server in a child process
def test_search_by_url_and_errors(base_url: str, tmp_path: Path) -> None:
    class Image7(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = png_of(7)
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
        with running(tmp_path, env={"ASHEN_ALLOW_PRIVATE_URLS": "1"}) as allowing:
            status, body = request(f"{allowing}/search?url={image_url}")
            assert status == 200 and body["result"][0]["title"] == "Sintel"
            status, body = request(
                f"{allowing}/search", json.dumps({"url": image_url}).encode(), {"Content-Type": "application/json"}
            )
            assert status == 200 and body["result"][0]["title"] == "Sintel"
    finally:
        images.shutdown()
        images.server_close()
    status, body = request(f"{base_url}/search", b"garbage", {"Content-Type": "image/jpeg"})
    assert status == 400 and body["error"]
    status, body = request(f"{base_url}/search", b"hello", {"Content-Type": "text/plain"})
    assert status == 415


@pytest.mark.slow  # a gunicorn server in a child process
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
    assert (event["body"], event["isBase64Encoded"]) == (b"abc", False)  # the bytes as they came: no copy
    event = wsgi_to_event(environ, b"\xff\xd8\xff")
    assert (event["body"], event["isBase64Encoded"]) == (b"\xff\xd8\xff", False)  # binary too: no base64
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
    gateway = http_event("POST", "/search", headers={"content-type": "image/png"}, body=b"\xff\xd8\xff")
    assert (gateway["body"], gateway["isBase64Encoded"]) == ("/9j/", True)  # binary as API Gateway sends it
    assert body_bytes(APIGatewayProxyEventV2(event)) == body_bytes(APIGatewayProxyEventV2(gateway)) == b"\xff\xd8\xff"


def raw(url: str, data: bytes, wait: float = 5.0) -> bytes:
    """What the server at ``url`` answers to ``data`` sent as is, until it closes (or ``wait`` s)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.slow  # a gunicorn server in a child process
def test_two_requests_are_served_at_once(base_url: str) -> None:
    """/barrier answers 200 only when two requests are in it together: no lock serializes them."""
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: request(f"{base_url}/barrier"), range(2)))
    assert [status for status, _ in results] == [200, 200]


@pytest.mark.slow  # a gunicorn server in a child process
def test_a_full_server_answers_503_with_retry_after(tmp_path: Path) -> None:
    with running(tmp_path, "--threads", "1") as url, ThreadPoolExecutor(1) as pool:
        held = pool.submit(request, f"{url}/hold")
        deadline = time.monotonic() + 10
        while not (tmp_path / "entered").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        req = urllib.request.Request(f"{url}/videos")
        with pytest.raises(urllib.error.HTTPError) as busy:
            urllib.request.urlopen(req, timeout=5)
        assert busy.value.code == 503 and busy.value.headers["Retry-After"] == "1"
        (tmp_path / "release").touch()
        assert held.result(timeout=10)[0] == 200


@pytest.mark.slow  # a gunicorn server in a child process
def test_a_slowloris_client_is_dropped_and_others_are_served(tmp_path: Path) -> None:
    with running(tmp_path, "--threads", "1", "--request-timeout", "1") as url:
        host, port = url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=0.2) as slow:
            slow.sendall(b"GET /videos HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            assert request(f"{url}/videos")[0] == 200  # served beside the trickling client
            dropped_after = None
            start = time.monotonic()
            while dropped_after is None and time.monotonic() - start < 6:
                try:
                    slow.sendall(b"a")  # a byte every 0.2 s: never idle, never done
                    if slow.recv(1024) == b"":
                        dropped_after = time.monotonic() - start
                except TimeoutError:
                    continue
                except OSError:  # reset or broken pipe: dropped too
                    dropped_after = time.monotonic() - start
        assert dropped_after is not None and dropped_after < 4


@pytest.mark.slow  # a gunicorn server in a child process
def test_an_http_0_9_request_line_is_answered_at_once(base_url: str) -> None:
    answer = raw(base_url, b"GET /\r\n", wait=3)
    assert answer.startswith(b"HTTP/1.1 400")


@pytest.mark.slow  # a gunicorn server in a child process
def test_a_body_over_the_cap_is_refused_unread(base_url: str) -> None:
    """Only the headers are sent: a server that waited for the 100 MiB would answer nothing."""
    head = b"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nContent-Length: 104857600\r\n\r\n"
    answer = raw(base_url, head, wait=3)
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.slow  # a gunicorn server in a child process
def test_cors_headers_only_for_the_configured_origin(base_url: str) -> None:
    for origin, allowed in (("https://ok.example", "https://ok.example"), ("https://evil.example", None)):
        req = urllib.request.Request(f"{base_url}/videos", headers={"Origin": origin})
        with urllib.request.urlopen(req, timeout=5) as resp:
            assert resp.headers["Access-Control-Allow-Origin"] == allowed
            if allowed:  # a page of the allowed origin may send keys, manage, and read the limits
                assert "x-api-key" in resp.headers["Access-Control-Allow-Headers"]
                assert {"PATCH", "DELETE"} <= set(resp.headers["Access-Control-Allow-Methods"].split(","))
                assert "X-RateLimit-Remaining" in resp.headers["Access-Control-Expose-Headers"]


def test_no_cors_header_unless_origins_are_configured() -> None:
    """The API itself says "*" for any origin; the edge takes it away."""

    def api(environ: dict[str, str], body: bytes, start_response: object) -> list[bytes]:
        start_response("200 OK", [("Access-Control-Allow-Origin", "*"), ("Content-Length", "0")])  # type: ignore[operator]
        return [b""]

    sent: list[tuple[str, list[tuple[str, str]]]] = []
    app = EdgeApp(api, EdgeLimits(), bound_host="127.0.0.1")
    environ = {"HTTP_HOST": "127.0.0.1:8000", "SERVER_PORT": "8000", "HTTP_ORIGIN": "https://evil.example"}
    app(environ, lambda status, headers, exc_info=None: sent.append((status, headers)))  # type: ignore[arg-type,misc]
    assert sent == [("200 OK", [("Content-Length", "0")])]


@pytest.mark.slow  # a gunicorn server in a child process
def test_a_request_for_another_host_is_refused(base_url: str) -> None:
    port = base_url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "127.0.0.1"):
        status, _ = request(f"{base_url}/videos", headers={"Host": host})
        assert status == 200, host
    for host in (f"evil.example:{port}", "rebind.attacker.test", f"127.0.0.1:{int(port) + 1}"):
        status, body = request(f"{base_url}/videos", headers={"Host": host})
        assert status == 421 and "Host" in body["error"], host
    assert host_allowed("[::1]:8000", "127.0.0.1", 8000) and host_allowed("mybox:8000", "mybox", 8000)


def test_a_non_loopback_address_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(serve_gunicorn._Gunicorn, "run", lambda self: None)  # no bind: the warning comes first
    monkeypatch.setattr(serve_gunicorn, "check_bindable", lambda host, port: None)  # 192.168.1.5 is not ours
    for host, warned in (
        ("0.0.0.0", True),
        ("192.168.1.5", True),
        ("127.0.0.1", False),
        ("localhost", False),
        ("::1", False),
    ):
        serve_gunicorn.serve(lambda: None, serve_gunicorn.ServeOptions(host=host, port=0))  # type: ignore[arg-type,return-value]
        err = capsys.readouterr().err
        assert ("warning: listening on" in err) is warned, host


def test_each_request_hands_its_freed_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """glibc keeps freed pages in its arenas: without a trim after each request, five 50-megapixel
    decodes left a worker at 600 MB for good (benchmarks/serve_memory.py measures it)."""
    assert not sys.platform.startswith("linux") or hasattr(serve_edge._LIBC, "malloc_trim")
    serve_edge.give_back_memory()  # the real one runs
    trims: list[int] = []
    monkeypatch.setattr(serve_edge, "give_back_memory", lambda: trims.append(1))

    def api(environ: dict[str, str], body: bytes, start_response: object) -> list[bytes]:
        assert trims == []  # after the answer is made, not before
        start_response("200 OK", [("Content-Length", "0")])  # type: ignore[operator]
        return [b""]

    app = EdgeApp(api, EdgeLimits(), bound_host="127.0.0.1")
    environ = {"HTTP_HOST": "127.0.0.1:8000", "SERVER_PORT": "8000", "CONTENT_LENGTH": "0"}
    app(environ, lambda status, headers, exc_info=None: None)  # type: ignore[arg-type,misc]
    assert trims == [1]
