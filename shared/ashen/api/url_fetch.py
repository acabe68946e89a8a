"""Fetching a query image by URL, safely: the API fetches what a stranger names.

* Every hop's host is resolved once and each of its addresses judged (``AddressPolicy``: by default
  only globally routable ones); the connection goes to the address judged, with the Host header and
  TLS (SNI, certificate check) for the name, so a DNS answer that changes (rebinding) changes nothing.
* Redirects are followed here, at most MAX_REDIRECTS, each one checked again: http and https only.
* One deadline covers the whole fetch, all hops, headers and body: a watchdog closes the socket when it
  passes, so a server that drips a byte at a time is cut off on time. The body is capped in size.
* Every network failure answers the same message, whatever the errno or TLS error (so the API does not
  map ports or hosts for anyone); the detail goes to the log.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError
from urllib3.response import BaseHTTPResponse

from ashen.api.errors import BadRequest, PayloadTooLarge
from ashen.api.requests import flag
from ashen.query.images import MAX_IMAGE_BYTES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

URL_DEADLINE_S = 10.0
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024
FETCH_FAILED = "bad url: could not fetch the image URL"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
logger = logging.getLogger("ashen.api")

# Not globally routable, or a door to what is not, whatever Python's is_global says of them on this version.
_REFUSED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT (shared address space)
        "192.0.0.0/24",  # IETF protocol assignments
        "198.18.0.0/15",  # benchmarking
        "::ffff:0:0/96",  # IPv4-mapped: an IPv4 address in disguise
        "::/96",  # IPv4-compatible (deprecated)
        "2001::/32",  # Teredo
        "64:ff9b:1::/48",  # local-use NAT64
    )
)
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a 6to4 or well-known-prefix NAT64 address leads to, if it is one."""
    if addr in _SIX_TO_FOUR:
        return addr.sixtofour
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def is_public_address(addr: IPAddress) -> bool:
    """Whether ``addr`` is globally routable and leads nowhere private (6to4 / NAT64 judged by their IPv4)."""
    if any(addr in net for net in _REFUSED):
        return False
    if isinstance(addr, ipaddress.IPv6Address) and (v4 := _embedded_v4(addr)) is not None:
        return is_public_address(v4)
    odd = addr.is_multicast or addr.is_loopback or addr.is_link_local or addr.is_unspecified or addr.is_reserved
    return addr.is_global and not odd


def any_address(addr: IPAddress) -> bool:
    """The policy of ASHEN_ALLOW_PRIVATE_URLS=1 (a local server reading a LAN): every address will do."""
    return True


def default_policy() -> AddressPolicy:
    """Public addresses only, unless ASHEN_ALLOW_PRIVATE_URLS is set."""
    return any_address if flag(os.environ.get("ASHEN_ALLOW_PRIVATE_URLS")) else is_public_address


class FetchFailed(Exception):
    """A network failure while fetching (logged in detail, answered as FETCH_FAILED)."""


class Deadline:
    """One point in time the whole fetch must be over by."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; FetchFailed once none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchFailed("deadline passed")
        return left


@dataclass(frozen=True)
class Target:
    """One hop: the URL as asked, its host name and port, and the address judged for it."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = {"http": 80, "https": 443}[self.scheme]
        return name if self.port == default else f"{name}:{self.port}"


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` has now (one DNS look-up: what is judged is what is connected to)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def target(url: str, policy: AddressPolicy) -> Target:
    """The hop to ``url``: BadRequest for a scheme other than http(s), a bad URL or a refused address."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise BadRequest("bad url: it cannot be parsed") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise BadRequest("bad url: only http and https URLs are fetched")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError) as exc:
        logger.info("url fetch: %r does not resolve: %r", host, exc)
        raise BadRequest(f"bad url: host {host!r} cannot be resolved") from None
    if not addresses or not all(policy(a) for a in addresses):
        raise BadRequest("bad url: private or local addresses are not fetched")
    return Target(url, scheme, host, port, addresses[0])


@contextmanager
def _cut_off_at(deadline: Deadline, conn: HTTPConnection) -> Iterator[None]:
    """Close ``conn``'s socket when ``deadline`` passes, whatever read or handshake it is blocked in."""

    def cut() -> None:
        sock = conn.sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(deadline.remaining(), cut)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _connection(hop: Target, deadline: Deadline) -> HTTPConnection:
    """A connection to the address judged for ``hop``, TLS checked against its host name."""
    address, timeout = str(hop.address), deadline.remaining()
    if hop.scheme == "https":
        return HTTPSConnection(address, hop.port, timeout=timeout, server_hostname=hop.host, assert_hostname=hop.host)
    return HTTPConnection(address, hop.port, timeout=timeout)


def _read_body(response: BaseHTTPResponse, deadline: Deadline) -> bytes:
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"image is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(CHUNK_BYTES, decode_content=False):  # no decompression bomb
        deadline.remaining()
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise PayloadTooLarge(f"image is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
        chunks.append(chunk)
    deadline.remaining()
    return b"".join(chunks)


def _get(hop: Target, deadline: Deadline) -> tuple[int, str | None, bytes]:
    """GET one hop: its status, its Location if it redirects, else its body."""
    conn = _connection(hop, deadline)
    try:
        with _cut_off_at(deadline, conn):
            headers = {
                "Host": hop.host_header,
                "User-Agent": "ashen/0.1",
                "Accept": "image/*",
                "Accept-Encoding": "identity",
            }
            conn.request("GET", hop.path, headers=headers, preload_content=False)
            response = conn.getresponse()
            if response.status in REDIRECTS:
                return response.status, response.headers.get("Location"), b""
            return response.status, None, _read_body(response, deadline)
    except (OSError, HTTPError, http.client.HTTPException, ValueError) as exc:
        raise FetchFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()


def fetch_url(url: str, *, policy: AddressPolicy | None = None, deadline_s: float = URL_DEADLINE_S) -> bytes:
    """GET an image by URL under ``policy`` (default: public addresses only), within ``deadline_s`` in all."""
    policy = policy or default_policy()
    deadline = Deadline(deadline_s)
    try:
        for _ in range(MAX_REDIRECTS + 1):
            hop = target(url, policy)
            status, location, data = _get(hop, deadline)
            if location is None:
                if status != 200:
                    raise BadRequest(f"bad url: the server answered {status}")
                return data
            url = urljoin(url, location)
    except FetchFailed as exc:
        logger.info("url fetch failed: %s: %s", url, exc)
        raise BadRequest(FETCH_FAILED) from None
    raise BadRequest(f"bad url: more than {MAX_REDIRECTS} redirects")
