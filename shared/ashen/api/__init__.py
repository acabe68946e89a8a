"""API: the HTTP search API, one Powertools resolver for the query Lambda and ``ashen serve``.

``app`` (the resolver joining the routers), ``search_routes``, ``video_routes``, ``openapi_route``,
``requests`` (reading a request), ``errors`` (error types and their statuses), ``url_fetch``,
``store_source`` and ``local_server``.
"""
