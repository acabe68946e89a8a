"""API keys, roles and the counters behind quotas and rates (see docs/accounts.md). No HTTP here:
the API's access middleware (ashen.api.access_routes) asks this stage who a request is and whether
it may search."""
