"""``POST /search`` and ``GET /search``: read the request, run the search, answer its result."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ashen.api.errors import BadRequest
from ashen.api.requests import (
    ImageUpload,
    ImageUrl,
    SearchInput,
    SignatureBatch,
    body_bytes,
    check_size,
    search_input,
    search_options,
)
from ashen.api.store_source import StoreSource
from ashen.api.tracemoe import anilist_object, wants_anilist_info
from ashen.api.url_fetch import fetch_url
from ashen.descriptors.signature import Signature
from ashen.query.descriptor import Descriptor
from ashen.query.files import frames_of_upload
from ashen.query.images import load_frames
from ashen.search import SearchOptions, SearchResult, search_clip, search_descriptor, search_signature
from ashen.store.port import SceneStore

Frames = list[tuple[float, npt.NDArray[np.uint8]]]
SearchHook = Callable[[SearchResult, float], None]  # (result, seconds the search took)
LinkHook = Callable[[BaseProxyEvent, list[dict[str, object]]], None]  # adds preview URLs to the matches


Query = Signature | Descriptor | Frames


def run_search(store: SceneStore, query: Query, options: SearchOptions) -> SearchResult:
    """The one place the API calls the search: a signature as it is, a descriptor's readings as
    the client made them, frames with the readings asked for."""
    if isinstance(query, Signature):
        return search_signature(store, query, options)
    if isinstance(query, Descriptor):
        return search_descriptor(store, query, options)
    return search_clip(store, query, options)


def query_frames(source: ImageUpload | ImageUrl) -> Frames:
    """A still image is one frame; an animated GIF / WebP / APNG is a clip of several, and so is a
    video clip (up to 16 frames spread over its first 60 s, docs/limits.md "Clip queries")."""
    if isinstance(source, ImageUrl):
        return load_frames(check_size(fetch_url(source.url)))
    return frames_of_upload(check_size(source.data), source.kind)


def answered(source: SearchInput, one: Callable[[Query], dict[str, object]]) -> dict[str, object]:
    """The answer to ``source``, each search answered by ``one``; a batch of vectors (trace.moe's)
    answers one result list per vector, in order."""
    if not isinstance(source, SignatureBatch):
        return one(source if isinstance(source, Signature | Descriptor) else query_frames(source))
    bodies = [one(signature) for signature in source.signatures]
    frames = sum(int(b["frameCount"]) for b in bodies)  # type: ignore[call-overload]  # an int
    return {"error": "", "frameCount": frames, "result": [b["result"] for b in bodies]}


def search_router(
    stores: StoreSource, on_search: SearchHook | None = None, links: LinkHook | None = None
) -> APIGatewayHttpRouter:
    """The search routes of one app, on its store; ``on_search`` hears of every search made;
    ``links`` gives each match its preview URLs (ashen.api.preview_routes)."""
    router = APIGatewayHttpRouter()

    def answer(source: SearchInput, options: SearchOptions) -> dict[str, object]:
        return answered(source, lambda query: one(query, options))

    def one(query: Query, options: SearchOptions) -> dict[str, object]:
        """One search's answer; with trace.moe's ``anilistInfo``, each ``anilist`` is its object."""
        began = time.perf_counter()
        result = run_search(stores.store, query, options)
        if on_search is not None:
            on_search(result, time.perf_counter() - began)
        body = {"error": "", **result.to_dict()}  # frameCount, result, and flat when it is
        if wants_anilist_info(router.current_event.query_string_parameters):
            for match, found in zip(result.matches, body["result"], strict=True):  # type: ignore[call-overload]
                found["anilist"] = anilist_object(match.video)
        if links is not None:
            links(router.current_event, body["result"])  # type: ignore[arg-type]  # a list of match dicts
        return body

    @router.post("/search")
    def post_search() -> dict[str, object]:
        event = router.current_event
        options = search_options(event.query_string_parameters)  # checked before the body is read
        body = body_bytes(event)
        return answer(search_input(event.headers.get("content-type", "").strip(), body), options)

    @router.get("/search")
    def get_search() -> dict[str, object]:
        params = router.current_event.query_string_parameters
        url = params.get("url")
        if not url:
            raise BadRequest("GET /search needs ?url=<image url> (or POST the image)")
        return answer(ImageUrl(url), search_options(params))

    return router
