"""Fetching a query image by URL: http(s) only, public hosts only (unless allowed), size-capped."""

from __future__ import annotations

import ipaddress
import os
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from ashen.api.errors import ApiError, BadRequest, PayloadTooLarge
from ashen.api.requests import check_size, flag
from ashen.query.images import MAX_IMAGE_BYTES

URL_TIMEOUT_S = 10.0


def public_host(host: str) -> bool:
    """Whether every address ``host`` resolves to is public (no private, loopback, link-local...)."""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        raise BadRequest(f"bad url: host {host!r} cannot be resolved") from None
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast:
            return False
    return True


def fetch_url(url: str) -> bytes:
    """GET an image by URL (http/https, public hosts unless ASHEN_ALLOW_PRIVATE_URLS=1), size-capped."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("bad url: only http and https URLs are fetched")
    if not flag(os.environ.get("ASHEN_ALLOW_PRIVATE_URLS")) and not public_host(parts.hostname):
        raise BadRequest("bad url: private or local addresses are not fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "ashen/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > MAX_IMAGE_BYTES:
                raise PayloadTooLarge(f"image is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
            data = resp.read(MAX_IMAGE_BYTES + 1)
    except ApiError:
        raise
    except urllib.error.HTTPError as exc:
        raise BadRequest(f"bad url: the server answered {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BadRequest(f"bad url: could not fetch it ({reason})") from None
    return check_size(data)
