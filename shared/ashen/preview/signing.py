"""Signed preview URLs: HMAC-SHA256 over (video id, kind, t, expiry) with a secret key.

The query string a preview URL carries is ``t=<seconds>&exp=<unix time>&sig=<base64url>``; the
signature covers ``t`` exactly as written, so a client cannot move it. ``size`` and ``mute`` are
outside the signature (any client may ask for another size), checked on their own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from pathlib import Path

from ashen.errors import AshenError
from ashen.keyfile import owner_only_key

KINDS = ("video", "image")
DEFAULT_TTL_S = 3600.0  # a preview URL works for an hour after the search that made it
KEY_FILE = "preview.key"


class BadSignature(AshenError):
    """A preview URL whose signature is missing, wrong, or expired."""


@dataclass(frozen=True)
class Signer:
    """Signs and checks preview URLs with ``key``; URLs expire ``ttl`` seconds after signing."""

    key: bytes
    ttl: float = DEFAULT_TTL_S

    def _mac(self, video_id: str, kind: str, t: str, exp: str) -> str:
        message = "\n".join((video_id, kind, t, exp)).encode()
        digest = hmac.new(self.key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def query(self, video_id: str, kind: str, t: float, now: float | None = None) -> str:
        """The signed query string of the ``kind`` preview of ``video_id`` at ``t`` seconds."""
        stamp, exp = f"{t:.3f}", str(int((time.time() if now is None else now) + self.ttl))
        return f"t={stamp}&exp={exp}&sig={self._mac(video_id, kind, stamp, exp)}"

    def verify(self, video_id: str, kind: str, params: dict[str, str], now: float | None = None) -> tuple[float, int]:
        """(t, expiry) of a signed request; BadSignature unless its ``sig`` is this key's for
        exactly these values and ``exp`` is still ahead."""
        stamp, exp, sig = params.get("t", ""), params.get("exp", ""), params.get("sig", "")
        if kind not in KINDS or not (stamp and exp and sig):
            raise BadSignature("a preview URL needs t, exp and sig (from a search result)")
        if not hmac.compare_digest(self._mac(video_id, kind, stamp, exp).encode(), sig.encode()):
            raise BadSignature("the preview URL's signature does not match")
        expiry = int(exp)  # signed by us: a number
        if expiry < (time.time() if now is None else now):
            raise BadSignature("the preview URL has expired: search again for a fresh one")
        return float(stamp), expiry


def local_key(home: Path) -> bytes:
    """The key of the previews ``ashen serve`` signs: ``<home>/preview.key``, 32 random bytes made
    on first use, readable by the owner only (mode 0600)."""
    return owner_only_key(home / KEY_FILE)
