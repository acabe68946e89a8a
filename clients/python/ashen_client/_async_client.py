"""``AsyncClient``: the asynchronous SDK (httpx.AsyncClient), usable as an async context manager.

The same methods as ``Client``, each awaited; ``videos()`` is an async iterator.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, TypeVar

import httpx

from ashen_client import _routes as routes
from ashen_client._base import CONNECT_TIMEOUT, READ_TIMEOUT, Settings, outcome
from ashen_client._errors import IndexingFailed
from ashen_client._local import DESCRIPTOR_TYPE, core, descriptor_body
from ashen_client._models import Match, Me, Removal, SearchResponse, Upload, Video, VideoPage
from ashen_client._retry import Retry
from ashen_client._routes import UNSET, Call
from ashen_client._sources import Source, body_of, is_url

T = TypeVar("T")


def _fetched_already(url: str) -> bytes:
    raise AssertionError(f"{url} should have been fetched before hashing")


class AsyncClient:
    """The Ashen API, asynchronously (see ``Client`` for the arguments)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        retry: Retry | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = Settings.of(base_url, api_key, connect_timeout, read_timeout)
        self.retry = retry or Retry()
        self._shapes: tuple[float, ...] | None = None
        self._http = httpx.AsyncClient(
            base_url=self.settings.base_url, timeout=self.settings.timeout, transport=transport
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send(self, call: Call[T]) -> T:
        for attempt in itertools.count():
            try:
                result: httpx.Response | httpx.TransportError = await self._http.request(
                    call.method, call.path, **self.settings.request_args(call)
                )
            except httpx.TransportError as exc:
                result = exc
            answer, delay = outcome(self.retry, call, attempt, result)
            if delay is None:
                return answer  # type: ignore[no-any-return]  # the call's own reader made it
            await self.retry.async_sleep(delay)
        raise AssertionError("unreachable")

    # --- search ---------------------------------------------------------------------------------

    async def search(
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
        """``Client.search``, awaited (local hashing runs in a worker thread)."""
        params = routes.search_params(
            title=title, limit=limit, anilist_id=anilist_id, cut_borders=cut_borders, mirror=mirror,
            uncrop=uncrop, tones=tones, anilist_info=anilist_info,
        )  # fmt: skip
        if not local:
            return await self._send(routes.search(body_of(source), params))
        core()  # before anything is asked of the server
        if is_url(source):
            source = await self._send(Call("GET", source, lambda r: r.content))
        body = await asyncio.to_thread(
            descriptor_body, source, fetch=_fetched_already, cut_borders=cut_borders, mirror=mirror,
            uncrop=uncrop, tones=tones, shapes=await self.library_shapes() if shapes is None else shapes,
        )  # fmt: skip
        return await self._send(routes.search(body, params, DESCRIPTOR_TYPE))

    async def library_shapes(self, refresh: bool = False) -> tuple[float, ...]:
        """``Client.library_shapes``, awaited."""
        if self._shapes is None or refresh:
            shapes = {v.shape async for v in self.videos(status="indexed")}
            self._shapes = tuple(sorted(s for s in shapes if s))
        return self._shapes

    async def search_many(
        self, sources: Iterable[Source], *, concurrency: int = 4, **options: Any
    ) -> list[SearchResponse]:
        """Search each source, ``concurrency`` at a time; the answers in the sources' order."""
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(source: Source) -> SearchResponse:
            async with gate:
                return await self.search(source, **options)

        return list(await asyncio.gather(*(one(s) for s in sources)))

    async def search_signature(
        self,
        signature: str,
        *,
        title: str | None = None,
        limit: int = 10,
        anilist_id: int | None = None,
        anilist_info: bool = False,
    ) -> SearchResponse:
        params = routes.search_params(title=title, limit=limit, anilist_id=anilist_id, anilist_info=anilist_info)
        return await self._send(routes.search_signature(signature, params))

    # --- the library ----------------------------------------------------------------------------

    async def videos_page(
        self, *, limit: int | None = None, cursor: str | None = None, status: str | None = None
    ) -> VideoPage:
        return await self._send(routes.videos_page(limit, cursor, status))

    async def videos(self, *, status: str | None = None, page_size: int = 100) -> AsyncIterator[Video]:
        """Every video of the library, page after page (``async for``)."""
        cursor: str | None = None
        while True:
            page = await self.videos_page(limit=page_size, cursor=cursor, status=status)
            for video in page.videos:
                yield video
            if not page.cursor:
                return
            cursor = page.cursor

    async def video(self, video_id: str) -> Video:
        return await self._send(routes.video(video_id))

    async def wait_indexed(self, video_id: str, timeout: float = 600.0, interval: float = 1.0) -> Video:
        deadline = time.monotonic() + timeout
        while True:
            video = await self.video(video_id)
            if video.status == "indexed":
                return video
            if video.status == "failed":
                raise IndexingFailed(video, f"video {video_id} failed to index: {video.error}")
            if time.monotonic() + interval > deadline:
                raise TimeoutError(f"video {video_id} is still {video.status} after {timeout:.0f} s")
            await asyncio.sleep(interval)

    async def update_video(
        self, video_id: str, *, title: Any = UNSET, episode: Any = UNSET, anilist: Any = UNSET, mal: Any = UNSET
    ) -> Video:
        return await self._send(routes.update_video(video_id, title, episode, anilist, mal))

    async def delete_video(self, video_id: str) -> Removal:
        return await self._send(routes.delete_video(video_id))

    async def reindex(self, video_id: str) -> Video:
        return await self._send(routes.reindex(video_id))

    async def create_upload(self, filename: str, title: str, size: int, episode: str | None = None) -> Upload:
        return await self._send(routes.create_upload(filename, title, size, episode))

    async def upload(
        self, path: str | os.PathLike[str], title: str, *, episode: str | None = None, wait: bool = False
    ) -> Video:
        upload = await self.create_upload(os.path.basename(path), title, os.path.getsize(path), episode)
        await self._send(routes.upload_file(upload, path))
        return await (self.wait_indexed(upload.video_id) if wait else self.video(upload.video_id))

    # --- the rest -------------------------------------------------------------------------------

    async def me(self) -> Me:
        return await self._send(routes.me())

    async def openapi(self) -> dict[str, Any]:
        document: dict[str, Any] = await self._send(routes.openapi())
        return document

    async def web_page(self) -> str:
        return await self._send(routes.web_page())

    async def web_asset(self, name: str) -> bytes:
        return await self._send(routes.web_asset(name))

    async def api_docs(self) -> str:
        return await self._send(routes.api_docs())

    async def api_docs_asset(self, name: str) -> bytes:
        return await self._send(routes.api_docs_asset(name))

    async def preview_video(self, match: Match | str) -> bytes:
        return await self._send(routes.preview(match.video_url if isinstance(match, Match) else match, "video"))

    async def preview_image(self, match: Match | str) -> bytes:
        return await self._send(routes.preview(match.image_url if isinstance(match, Match) else match, "image"))
