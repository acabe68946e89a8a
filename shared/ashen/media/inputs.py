"""What ffmpeg may read, in one place: every ffmpeg run on a source opens it through ``input_args``.

A source is a local path or an https URL (plain http only on the loopback address, where tests
serve files). ffmpeg gets a protocol whitelist that allows exactly that, and a format whitelist of
the video containers Ashen indexes, so an upload cannot make it fetch anything else: an HLS
playlist, a concat list or an image sequence is refused before any of its references is opened.
https is read with the peer certificate checked against an explicit CA bundle (``ca_file``), never
against whatever the static ffmpeg binary was built to look for.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence

from ashen.errors import MediaError

# Demuxers (ffmpeg's names; a name matches a demuxer named by a list that holds it, "mov" matches
# "mov,mp4,m4a,3gp,3g2,mj2"): MP4/MOV/M4V/3GP, Matroska/WebM, AVI, MPEG-TS/M2TS, FLV, ASF (WMV),
# Ogg (OGV), MPEG program streams (MPG/VOB), raw MPEG video (some .mpg), animated GIF.
VIDEO_FORMATS = ("mov", "matroska", "webm", "avi", "mpegts", "flv", "asf", "ogg", "mpeg", "mpegvideo", "gif")
# What a still image (ashen.indexing.stills) may be opened as, for its preview.
STILL_FORMATS = ("image2", "png_pipe", "jpeg_pipe", "webp_pipe", "bmp_pipe", "gif")
# What a query clip uploaded over HTTP may be: MP4/MOV and Matroska/WebM only.
CLIP_FORMATS = ("mov", "matroska", "webm")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Where distributions keep their CA bundle (the list Go's crypto/x509 reads on Linux): Debian and
# Ubuntu, Fedora/RHEL/Amazon Linux (AL2 and AL2023, so the python3.12 Lambda runtime), openSUSE,
# OpenELEC, RHEL 7's extracted bundle, Alpine.
SYSTEM_CA_FILES = (
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
)
REFUSED = ("not on whitelist",)  # what ffmpeg prints when a whitelist stops it


def input_args(source: str, formats: Sequence[str] = VIDEO_FORMATS) -> list[str]:
    """The ffmpeg options that open ``source`` (ending with ``-i <source>``): whitelists (the
    demuxers ``formats``), and for https the CA bundle to verify the server against. MediaError for
    a source ffmpeg may not read."""
    demuxers = ["-format_whitelist", ",".join(formats)]
    if "://" not in source:
        # "file:" so that a colon in a file name is never read as a protocol.
        return ["-protocol_whitelist", "file", *demuxers, "-i", "file:" + source]
    scheme, host = _scheme_and_host(source)
    if scheme == "https":
        tls = ["-tls_verify", "1", "-ca_file", ca_file()]
        return ["-protocol_whitelist", "https,tls,tcp", *demuxers, *tls, "-i", source]
    if scheme == "http" and host in LOOPBACK_HOSTS:
        return ["-protocol_whitelist", "http,tcp", *demuxers, "-i", source]
    name = source.split("?", 1)[0]
    raise MediaError(f"{name}: Ashen reads videos from local files and https URLs only")


def refused(stderr: str) -> bool:
    """Whether ffmpeg's output says a whitelist refused the source (or something inside it)."""
    return any(r in stderr for r in REFUSED)


def _scheme_and_host(url: str) -> tuple[str, str]:
    scheme, rest = url.split("://", 1)
    authority = rest
    for sep in "/?#":
        authority = authority.split(sep, 1)[0]
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):  # [::1]:port
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return scheme.lower(), host.lower()


def ca_file() -> str:
    """The CA bundle https sources are verified against: $ASHEN_CA_FILE, else $SSL_CERT_FILE, else
    certifi's bundle, else the first system bundle that exists (SYSTEM_CA_FILES). Resolved once
    per value of the two variables; MediaError when there is none (never read unverified)."""
    return _resolve_ca_file(os.environ.get("ASHEN_CA_FILE") or None, os.environ.get("SSL_CERT_FILE") or None)


@functools.lru_cache(maxsize=8)
def _resolve_ca_file(ashen_ca: str | None, ssl_cert_file: str | None) -> str:
    if ashen_ca is not None:
        if not os.path.isfile(ashen_ca):
            raise MediaError(f"ASHEN_CA_FILE={ashen_ca}: no such file (the CA bundle to verify https sources)")
        return ashen_ca
    candidates = [ssl_cert_file] if ssl_cert_file else []
    try:
        import certifi

        candidates.append(certifi.where())
    except ImportError:
        pass
    for path in [*candidates, *SYSTEM_CA_FILES]:
        if os.path.isfile(path):
            return path
    raise MediaError("no CA bundle found to verify https sources: set ASHEN_CA_FILE (or SSL_CERT_FILE)")
