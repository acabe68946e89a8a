"""``Client``: the synchronous SDK (httpx.Client), usable as a context manager."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from ashen_client import _routes as routes
from ashen_client._base import CONNECT_TIMEOUT, READ_TIMEOUT, Settings, outcome
from ashen_client._errors import IndexingFailed
from ashen_client._local import DESCRIPTOR_TYPE, core, descriptor_body
from ashen_client._models import Match, Me, Removal, SearchResponse, Upload, Video, VideoPage
from ashen_client._retry import Retry
from ashen_client._routes import UNSET, Call
from ashen_client._sources import Source, body_of

T = TypeVar("T")


class Client:
    """The Ashen API, synchronously. ``base_url`` and ``api_key`` default to $ASHEN_API_URL
    (else http://127.0.0.1:8000) and $ASHEN_API_KEY; failures retry per ``retry``."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        retry: Retry | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = Settings.of(base_url, api_key, connect_timeout, read_timeout)
        self.retry = retry or Retry()
        self._shapes: tuple[float, ...] | None = None
        self._http = httpx.Client(base_url=self.settings.base_url, timeout=self.settings.timeout, transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, call: Call[T]) -> T:
        for attempt in itertools.count():
            try:
                result: httpx.Response | httpx.TransportError = self._http.request(
                    call.method, call.path, **self.settings.request_args(call)
                )
            except httpx.TransportError as exc:
                result = exc
            answer, delay = outcome(self.retry, call, attempt, result)
            if delay is None:
                return answer  # type: ignore[no-any-return]  # the call's own reader made it
            self.retry.sleep(delay)
        raise AssertionError("unreachable")

    def _fetch(self, url: str) -> bytes:
        """An image URL read here (``local=True``: the server never sees the picture or its URL)."""
        return self._send(Call("GET", url, lambda r: r.content))

    # --- search ---------------------------------------------------------------------------------

    def search(
        self,
        source: Source,
        *,
        title: str | None = None,
        limit: int = 10,
        anilist_id: int | None = None,
        cut_borders: bool = True,
        mirror: bool = True,
        uncrop: bool = True,
        tones: bool = True,
        anilist_info: bool = False,
        local: bool = False,
        shapes: Sequence[float] | None = None,
    ) -> SearchResponse:
        """Search a screenshot or a clip: a path, bytes, a binary file, a Pillow image or an
        http(s) URL. ``local=True`` hashes it on this machine and sends only its descriptor
        (fitted to ``shapes``, width / height; by default those of the library, ``library_shapes``)."""
        params = routes.search_params(
            title=title, limit=limit, anilist_id=anilist_id, cut_borders=cut_borders, mirror=mirror,
            uncrop=uncrop, tones=tones, anilist_info=anilist_info,
        )  # fmt: skip
        if not local:
            return self._send(routes.search(body_of(source), params))
        core()  # before anything is asked of the server
        shapes = self.library_shapes() if shapes is None else shapes
        body = descriptor_body(
            source, fetch=self._fetch, cut_borders=cut_borders, mirror=mirror, uncrop=uncrop, tones=tones, shapes=shapes
        )
        return self._send(routes.search(body, params, DESCRIPTOR_TYPE))

    def library_shapes(self, refresh: bool = False) -> tuple[float, ...]:
        """The shapes (width / height of the picture inside baked-in bars) of the library's indexed
        videos: listed once (every page of ``videos``), then kept; ``local=True`` fits to them."""
        if self._shapes is None or refresh:
            shapes = {v.shape for v in self.videos(status="indexed")}
            self._shapes = tuple(sorted(s for s in shapes if s))
        return self._shapes

    def search_many(self, sources: Iterable[Source], *, concurrency: int = 4, **options: Any) -> list[SearchResponse]:
        """Search each source (``search``'s options apply to all), ``concurrency`` at a time; the
        answers in the sources' order. The first error is raised."""
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(lambda s: self.search(s, **options), sources))

    def search_signature(
        self,
        signature: str,
        *,
        title: str | None = None,
        limit: int = 10,
        anilist_id: int | None = None,
        anilist_info: bool = False,
    ) -> SearchResponse:
        """Search a bare Color Layout signature (42 hex digits, ``ashen signature``): one reading,
        so far less robust than ``search`` (no borders, mirror or crops)."""
        params = routes.search_params(title=title, limit=limit, anilist_id=anilist_id, anilist_info=anilist_info)
        return self._send(routes.search_signature(signature, params))

    # --- the library ----------------------------------------------------------------------------

    def videos_page(
        self, *, limit: int | None = None, cursor: str | None = None, status: str | None = None
    ) -> VideoPage:
        """One page of the library (``cursor`` from the page before)."""
        return self._send(routes.videos_page(limit, cursor, status))

    def videos(self, *, status: str | None = None, page_size: int = 100) -> Iterator[Video]:
        """Every video of the library (of ``status``, if given), page after page."""
        cursor: str | None = None
        while True:
            page = self.videos_page(limit=page_size, cursor=cursor, status=status)
            yield from page.videos
            if not page.cursor:
                return
            cursor = page.cursor

    def video(self, video_id: str) -> Video:
        return self._send(routes.video(video_id))

    def wait_indexed(self, video_id: str, timeout: float = 600.0, interval: float = 1.0) -> Video:
        """Poll ``video`` until it is indexed; IndexingFailed if it fails, TimeoutError past ``timeout`` s."""
        deadline = time.monotonic() + timeout
        while True:
            video = self.video(video_id)
            if video.status == "indexed":
                return video
            if video.status == "failed":
                raise IndexingFailed(video, f"video {video_id} failed to index: {video.error}")
            if time.monotonic() + interval > deadline:
                raise TimeoutError(f"video {video_id} is still {video.status} after {timeout:.0f} s")
            time.sleep(interval)

    def update_video(
        self, video_id: str, *, title: Any = UNSET, episode: Any = UNSET, anilist: Any = UNSET, mal: Any = UNSET
    ) -> Video:
        """Rename a video or set its AniList / MyAnimeList id (None clears it); unnamed fields stay."""
        return self._send(routes.update_video(video_id, title, episode, anilist, mal))

    def delete_video(self, video_id: str) -> Removal:
        return self._send(routes.delete_video(video_id))

    def reindex(self, video_id: str) -> Video:
        return self._send(routes.reindex(video_id))

    def create_upload(self, filename: str, title: str, size: int, episode: str | None = None) -> Upload:
        """Where to upload a video (``upload`` sends it too)."""
        return self._send(routes.create_upload(filename, title, size, episode))

    def upload(
        self, path: str | os.PathLike[str], title: str, *, episode: str | None = None, wait: bool = False
    ) -> Video:
        """Upload a video file and (``wait=True``) wait until it is indexed; its Video either way."""
        upload = self.create_upload(os.path.basename(path), title, os.path.getsize(path), episode)
        self._send(routes.upload_file(upload, path))
        return self.wait_indexed(upload.video_id) if wait else self.video(upload.video_id)

    # --- the rest -------------------------------------------------------------------------------

    def me(self) -> Me:
        """Who the caller counts as (its key, or the anonymous tier) and what is left of its day."""
        return self._send(routes.me())

    def openapi(self) -> dict[str, Any]:
        document: dict[str, Any] = self._send(routes.openapi())
        return document

    def web_page(self) -> str:
        return self._send(routes.web_page())

    def web_asset(self, name: str) -> bytes:
        return self._send(routes.web_asset(name))

    def api_docs(self) -> str:
        return self._send(routes.api_docs())

    def api_docs_asset(self, name: str) -> bytes:
        return self._send(routes.api_docs_asset(name))

    def preview_video(self, match: Match | str) -> bytes:
        """The MP4 preview of a match (its ``video_url``)."""
        return self._send(routes.preview(match.video_url if isinstance(match, Match) else match, "video"))

    def preview_image(self, match: Match | str) -> bytes:
        """The JPEG still of a match (its ``image_url``)."""
        return self._send(routes.preview(match.image_url if isinstance(match, Match) else match, "image"))
