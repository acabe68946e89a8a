"""Fetching an image by URL against hostile servers, all on 127.0.0.1: redirects, DNS rebinding, drips.

The production policy refuses loopback, so a test that must reach its local server passes a policy that
lets 127.0.0.1 (and only it) stand in for a public address; every other address is judged as in production.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ashen.api import url_fetch
from ashen.api.errors import BadRequest, PayloadTooLarge
from ashen.api.url_fetch import FETCH_FAILED, IPAddress, fetch_url, is_public_address

IMAGE = b"\x89PNG pretend image bytes"
LOCAL = ipaddress.ip_address("127.0.0.1")


def local_as_public(addr: IPAddress) -> bool:
    """The production policy, except that 127.0.0.1 stands in for a public server."""
    return addr == LOCAL or is_public_address(addr)


class Handler(BaseHTTPRequestHandler):
    seen_hosts: list[str] = []  # noqa: RUF012  # shared by the test and the server threads
    stop = threading.Event()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.seen_hosts.append(self.headers.get("Host", ""))
        port = self.server.server_address[1]
        routes = {
            "/img": lambda: self.body(IMAGE),
            "/big": lambda: self.body(b"x" * 5000, length=False),
            "/to-metadata": lambda: self.redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-loopback": lambda: self.redirect(f"http://127.0.0.2:{port}/img"),
            "/to-ftp": lambda: self.redirect("ftp://127.0.0.1/img"),
            "/loop": lambda: self.redirect("/loop"),
            "/hop": lambda: self.redirect("/img"),
            "/drip": self.drip_body,
            "/drip-headers": self.drip_headers,
            "/garbage": lambda: self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n"),
        }
        routes.get(self.path, lambda: self.send_error(404))()

    def body(self, data: bytes, length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        if length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def drip(self, data: bytes) -> None:
        for byte in data:
            if self.stop.wait(0.3):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def drip_body(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        self.wfile.flush()
        self.drip(b"x" * 100)

    def drip_headers(self) -> None:
        self.drip(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 100)


@pytest.fixture()
def server() -> Iterator[str]:
    """An http://127.0.0.1:PORT base URL, serving Handler's routes."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    Handler.seen_hosts.clear()
    Handler.stop.clear()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.stop.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("100.64.0.1", False),  # carrier-grade NAT
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:8.8.8.8", False),  # mapped at all: no DNS answer should be one
        ("64:ff9b::10.0.0.1", False),  # NAT64 of a private address
        ("169.254.169.254", False),  # the cloud metadata service
        ("fd00::1", False),  # unique local
        ("0.0.0.1", False),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("224.0.0.1", False),  # multicast (which Python calls global)
        ("ff0e::1", False),
        ("2001:0:4136:e378::1", False),  # Teredo
        ("8.8.8.8", True),
        ("2606:4700::1", True),
        ("64:ff9b::8.8.8.8", True),  # NAT64 of a public address (an IPv6-only VPC reaching it)
        ("2002:808:808::1", True),  # 6to4 of a public address
    ],
)
def test_address_policy(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_a_public_host_is_fetched_with_its_host_header(server: str) -> None:
    assert fetch_url(f"{server}/img", policy=local_as_public) == IMAGE
    assert fetch_url(f"{server}/hop", policy=local_as_public) == IMAGE  # a redirect within the checked
    assert Handler.seen_hosts[0] == server.removeprefix("http://")


def test_the_production_policy_refuses_loopback(server: str) -> None:
    with pytest.raises(BadRequest, match="private or local"):
        fetch_url(f"{server}/img")
    assert Handler.seen_hosts == [], "refused before connecting"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/to-metadata", "private or local"),
        ("/to-loopback", "private or local"),
        ("/to-ftp", "only http and https"),
        ("/loop", "more than 3 redirects"),
    ],
)
def test_every_redirect_is_checked_again(server: str, path: str, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        fetch_url(f"{server}{path}", policy=local_as_public)
    assert len(Handler.seen_hosts) == (4 if path == "/loop" else 1), "the refused hop is never fetched"


def test_dns_rebinding_cannot_switch_the_address(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is resolved once: the first answer (public, checked) is connected to, not a later one."""
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])
    asked: list[str] = []

    def rebinding(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "images.rebind.test":
            return real(host, *args, **kwargs)
        asked.append(host)
        return real(next(answers), *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert fetch_url(f"http://images.rebind.test:{port}/img", policy=local_as_public) == IMAGE
    assert asked == ["images.rebind.test"], "resolved once; the connection went to the checked address"
    assert Handler.seen_hosts == [f"images.rebind.test:{port}"], "with the name in the Host header"


def test_a_name_with_any_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def two(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in ("8.8.8.8", "10.0.0.1")]

    monkeypatch.setattr(socket, "getaddrinfo", two)
    with pytest.raises(BadRequest, match="private or local"):
        fetch_url("http://mixed.test/a.png")


@pytest.mark.parametrize("path", ["/drip", "/drip-headers"])
def test_one_deadline_for_the_whole_fetch(server: str, path: str) -> None:
    """A byte every 0.3 s keeps every read alive; the overall deadline still ends the fetch on time."""
    began = time.monotonic()
    with pytest.raises(BadRequest) as caught:
        fetch_url(f"{server}{path}", policy=local_as_public, deadline_s=1.0)
    assert str(caught.value) == FETCH_FAILED
    assert time.monotonic() - began < 1.8


def test_network_failures_all_read_the_same(server: str) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    urls = [f"http://127.0.0.1:{port}/img", f"{server}/garbage", f"{server.replace('http', 'https')}/img"]
    messages = set()
    for url in urls:
        with pytest.raises(BadRequest) as caught:
            fetch_url(url, policy=local_as_public, deadline_s=3.0)
        messages.add(str(caught.value))
    assert messages == {FETCH_FAILED}


def test_the_body_is_capped_without_a_content_length(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(url_fetch, "MAX_IMAGE_BYTES", 1000)
    with pytest.raises(PayloadTooLarge):
        fetch_url(f"{server}/big", policy=local_as_public)


def test_https_connects_to_the_address_but_verifies_the_name() -> None:
    address = ipaddress.ip_address("8.8.8.8")
    hop = url_fetch.Target("https://images.example/a.png", "https", "images.example", 443, address)
    conn = url_fetch._connection(hop, url_fetch.Deadline(5.0))
    assert isinstance(conn, url_fetch.HTTPSConnection)
    assert (conn.host, conn.server_hostname, conn.assert_hostname) == ("8.8.8.8", "images.example", "images.example")
    assert hop.host_header == "images.example" and hop.path == "/a.png"
