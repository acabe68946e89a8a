"""The search API as a Powertools HTTP API resolver: one app for Lambda and for ``ashen serve``.

Routes: ``POST /search`` (image body, multipart field ``image``, JSON ``{"url"}`` or
``{"signature"}``), ``GET /search?url=`` (search_routes), ``GET /videos``, ``GET /videos/{id}``
(video_routes), ``POST /uploads``, ``DELETE``/``PATCH /videos/{id}``, ``POST /videos/{id}/reindex``
(library_routes, when the app is given a library), ``GET /openapi.json`` (openapi_route), and the
web page ``GET /`` and the API docs ``GET /docs`` with their files (web_routes). Bad input answers 400 / 404 / 413 / 415
with ``{"error": "..."}``; the status comes from the error's type (api.errors). Anything else is a
500 ``{"error": "internal error", "requestId": "..."}``, logged with its traceback.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError

from ashen.accounts.access import Access
from ashen.api.access_routes import access_middleware, me_router
from ashen.api.errors import STATUS_BY_TYPE, RouteNotFound, error_response, internal_error
from ashen.api.library_routes import Library, library_router
from ashen.api.openapi_route import openapi_router
from ashen.api.preview_routes import PreviewSite, preview_links, preview_router
from ashen.api.search_routes import SearchHook, search_router
from ashen.api.store_source import StoreSource
from ashen.api.video_routes import video_router
from ashen.api.web_routes import web_router
from ashen.store.port import SceneStore


def create_app(
    store: SceneStore | None = None,
    *,
    store_factory: Callable[[], SceneStore] | None = None,
    on_search: SearchHook | None = None,
    previews: PreviewSite | None = None,
    access: Access | None = None,
    library: Library | None = None,
) -> APIGatewayHttpResolver:
    """The resolver, on ``store`` or on what ``store_factory`` makes on first use (a cheap cold start).
    With ``previews``, search answers carry signed preview URLs, and the preview routes are served
    when the site can make previews (``ashen serve``; on AWS the preview function does). With
    ``access``, every route passes its keys, roles and limits (api.access_routes) and ``GET /me``
    is served; without it (in-process use and tests) nothing is checked. With ``library``, the
    management routes (library_routes) are served too."""
    stores = StoreSource.of(store, store_factory)
    app = APIGatewayHttpResolver(cors=CORSConfig(allow_origin="*", max_age=300), serializer=json.dumps)
    links = None if previews is None else (lambda event, matches: preview_links(previews, event, matches))
    app.include_router(search_router(stores, on_search, links))
    if previews is not None and previews.previews_factory is not None:
        app.include_router(preview_router(previews))
    app.include_router(video_router(stores))
    if library is not None:
        app.include_router(library_router(stores, library))
    app.include_router(openapi_router())
    app.include_router(web_router())
    if access is not None:
        app.use(middlewares=[access_middleware(access)])
        app.include_router(me_router(access))
    _answer_errors(app)
    return app


def create_preview_app(site: PreviewSite) -> APIGatewayHttpResolver:
    """A resolver of the preview routes alone (the preview Lambda), with the same error answers."""
    app = APIGatewayHttpResolver(cors=CORSConfig(allow_origin="*", max_age=300), serializer=json.dumps)
    app.include_router(preview_router(site))
    _answer_errors(app)
    return app


def _answer_errors(app: APIGatewayHttpResolver) -> None:
    """4xx for the listed error types, 500 with a request id for anything else, 404 for no route."""
    app.exception_handler(list(STATUS_BY_TYPE))(error_response)

    def unexpected(exc: Exception) -> Response[dict[str, str]]:
        if isinstance(exc, ServiceError):
            raise exc  # Powertools' own HTTP errors answer as Powertools shapes them
        return internal_error(exc, app.current_event)

    app.exception_handler(Exception)(unexpected)

    @app.not_found
    def no_route(exc: Exception) -> Response[dict[str, str]]:
        event = app.current_event
        return error_response(RouteNotFound(f"no route {event.http_method} {event.path}"))
