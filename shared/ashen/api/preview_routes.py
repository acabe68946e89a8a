"""``GET /preview/{videoId}/video.mp4`` and ``GET /preview/{videoId}/image.jpg``: a search result's
signed preview URLs (``preview_links`` writes them into the answer), checked, then cut or taken
from the cache (ashen.preview). ``ashen serve`` answers with the bytes; the preview Lambda with a
302 to a presigned GET of the cached object. Bad or expired signature: 403; unknown video: 404;
bad ``size`` / ``mute``: 400."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ashen.api.errors import RouteNotFound
from ashen.preview.service import Preview, Previews, preview_ask
from ashen.preview.signing import Signer

NAMES = {"video.mp4": "video", "image.jpg": "image"}
MAX_AGE_S = 86400


@dataclass
class PreviewSite:
    """What one app needs for previews, each made on first use: the ``signer`` (search answers
    carry signed links), and, where this app serves previews, ``previews`` and either ``body``
    (the cached bytes: answered inline) or ``location`` (a URL of them: answered by a 302)."""

    signer_factory: Callable[[], Signer]
    previews_factory: Callable[[], Previews] | None = None
    body: Callable[[str], bytes] | None = None
    location: Callable[[str], str] | None = None

    @cached_property
    def signer(self) -> Signer:
        return self.signer_factory()

    @cached_property
    def previews(self) -> Previews:
        if self.previews_factory is None:
            raise RouteNotFound("this API does not serve previews")
        return self.previews_factory()


def base_url(event: BaseProxyEvent) -> str:
    """``<scheme>://<host>`` the client reached: the Host header (or API Gateway's domain name),
    over x-forwarded-proto (API Gateway sets https) or plain http (``ashen serve``)."""
    headers = event.headers
    context = event.get("requestContext") or {}
    host = headers.get("host") or context.get("domainName") or "localhost"
    scheme = (headers.get("x-forwarded-proto") or "http").split(",")[0].strip()
    return f"{scheme}://{host}"


def preview_links(site: PreviewSite, event: BaseProxyEvent, matches: list[dict[str, object]]) -> None:
    """Give each match (``videoId``, ``at``) its signed ``video`` and ``image`` preview URLs; a
    still (``at`` null) its ``image`` only: the picture itself."""
    base = base_url(event)
    now = time.time()
    for match in matches:
        video_id, still = str(match["videoId"]), match.get("at") is None
        at = 0.0 if still else float(str(match["at"]))
        for kind, name in (("image", "image.jpg"),) if still else (("video", "video.mp4"), ("image", "image.jpg")):
            match[kind] = f"{base}/preview/{video_id}/{name}?{site.signer.query(video_id, kind, at, now)}"


def _headers(preview: Preview, expiry: int, kind: str) -> dict[str, str]:
    max_age = max(0, min(MAX_AGE_S, expiry - int(time.time())))
    headers = {
        "Cache-Control": f"private, max-age={max_age}, immutable",
        "ETag": preview.etag,
        "X-Preview-Start": f"{preview.span.start:.3f}",
        "X-Preview-End": f"{preview.span.end:.3f}",
        "X-Preview-Duration": f"{preview.span.duration:.3f}",
        "X-Preview-Cache": "hit" if preview.hit else "miss",
    }
    if kind == "image":
        headers["Vary"] = "Accept"
    return headers


def preview_router(site: PreviewSite) -> APIGatewayHttpRouter:
    router = APIGatewayHttpRouter()

    @router.get("/preview/<video_id>/<name>")
    def get_preview(video_id: str, name: str) -> Response[bytes]:
        kind = NAMES.get(name)
        if kind is None:
            raise RouteNotFound(f"no preview {name[:40]!r} (video.mp4 or image.jpg)")
        event = router.current_event
        params = event.query_string_parameters or {}
        t, expiry = site.signer.verify(video_id, kind, params)
        ask = preview_ask(video_id, kind, t, params, event.headers.get("accept", ""))
        preview = site.previews.make(ask)
        headers = _headers(preview, expiry, kind)
        if site.location is not None:
            return Response(302, headers={**headers, "Location": site.location(preview.key)}, body=b"")
        if event.headers.get("if-none-match") == preview.etag:
            return Response(304, headers=headers, body=b"")
        assert site.body is not None, "a preview site serves bodies or redirects"
        return Response(200, preview.content_type, site.body(preview.key), headers)

    return router
