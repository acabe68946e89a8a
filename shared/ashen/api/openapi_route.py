"""``GET /openapi.json``: the OpenAPI document kept at the repository root."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

OPENAPI_FILE = "openapi.json"


@cache
def openapi_document() -> dict[str, Any]:
    """The document: $ASHEN_OPENAPI, else next to this module (the Lambda layer), else the repo root's."""
    here = Path(__file__)
    candidates = [
        os.environ.get("ASHEN_OPENAPI"),
        here.with_name(OPENAPI_FILE),
        here.resolve().parents[3] / OPENAPI_FILE,
    ]
    for path in candidates:
        if path and Path(path).is_file():
            document: dict[str, Any] = json.loads(Path(path).read_text())
            return document
    raise FileNotFoundError(OPENAPI_FILE)


def openapi_router() -> APIGatewayHttpRouter:
    """The route serving the document."""
    router = APIGatewayHttpRouter()

    @router.get("/openapi.json")
    def openapi() -> dict[str, Any]:
        return openapi_document()

    return router
