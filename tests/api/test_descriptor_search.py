"""``POST /search`` with a query hashed on the client (application/vnd.ashen.descriptor+json)."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import pytest

from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.api.requests import DESCRIPTOR_TYPE, MAX_DESCRIPTOR_BYTES
from ashen.query.descriptor import describe, to_json
from ashen.store.sqlite import SqliteStore
from tests.api.test_app import PNG, call, picture, png, store  # noqa: F401  # the app's two-video store

DESCRIPTOR = {"content-type": DESCRIPTOR_TYPE}


def post(app: Any, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    return call(app, http_event("POST", "/search", query="limit=2", headers=headers, body=body))


def test_a_descriptor_is_answered_as_its_picture(store: SqliteStore) -> None:  # noqa: F811
    app, rgb = create_app(store), picture(1)
    body = json.dumps({"descriptor": to_json(describe([(0.0, rgb)]))}).encode()
    status, described = post(app, DESCRIPTOR, body)
    assert status == 200, described
    assert described == post(app, PNG, png(rgb))[1]
    assert described["result"][0]["videoId"] == "v1"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"signature": "00"}', 400),  # no descriptor in it
        (b'{"descriptor": {"version": 9, "frames": []}}', 400),
        (b'{"descriptor": {"version": 1, "frames": [{"offset": 0}]}}', 400),
        (b"[1, 2]", 400),
        (b"{" + b" " * MAX_DESCRIPTOR_BYTES + b"}", 413),
    ],
)
def test_a_bad_descriptor_body_is_refused(store: SqliteStore, body: bytes, status: int) -> None:  # noqa: F811
    got, answer = post(create_app(store), DESCRIPTOR, body)
    assert got == status and answer["error"].strip(), answer


def test_warp_means_of_the_wrong_shape_are_a_400_with_the_reason(store: SqliteStore) -> None:  # noqa: F811
    doc = to_json(describe([(0.0, picture(1))]))
    frame = doc["frames"][0]  # type: ignore[index]
    assert frame["warps"]
    frame["warps"][0]["means"] = base64.b64encode(np.zeros((16, 16), "<f4").tobytes()).decode()  # not 32x32
    status, answer = post(create_app(store), DESCRIPTOR, json.dumps({"descriptor": doc}).encode())
    assert status == 400 and "warped picture's means is 4096 bytes" in answer["error"], answer
