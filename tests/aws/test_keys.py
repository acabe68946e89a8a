"""Keys on the moto stack: the query handler as deployed with RequireKey=true reads keys and
counters from the KeysTable (DynamoDB conditional updates): no key 401, a key 200 with its
rate-limit headers, the quota's last search plus one 429 with Retry-After, a revoked key 401."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ashen.accounts.keys import Role, new_key
from ashen.api.local_server import LocalContext, http_event
from ashen.store.dynamodb_accounts import DynamoAccounts
from tests.aws.stack import PNG, Cloud, Indexed, frame_png, load_handler

pytestmark = pytest.mark.slow  # the stack under moto


def search(handler: Any, png: bytes, key: str | None = None) -> tuple[int, dict[str, str], dict[str, Any]]:
    headers = {**PNG, **({"x-api-key": key} if key else {})}
    response = handler.handler(http_event("POST", "/search", body=png, headers=headers), LocalContext())
    return response["statusCode"], response.get("headers", {}), json.loads(response["body"])


def test_required_keys_on_the_stack(cloud: Cloud, sintel: Indexed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASHEN_REQUIRE_KEY", "true")
    query = load_handler("query")  # a cold start with the stack's RequireKey=true
    accounts = DynamoAccounts.from_env()
    token, key = new_key("stack-test", Role.SEARCH, quota=2, rate=60)
    accounts.add_key(key)
    png = frame_png(12.0)
    status, _, body = search(query, png)
    assert status == 401 and body["error"]
    status, headers, body = search(query, png, token)
    assert status == 200 and body["result"][0]["videoId"] == sintel.video_id
    assert (headers["RateLimit-Limit"], headers["RateLimit-Remaining"]) == ("2", "1")
    assert (headers["X-RateLimit-Limit"], headers["X-RateLimit-Remaining"]) == ("2", "1")
    assert search(query, png, token)[0] == 200  # the quota's last search
    status, headers, body = search(query, png, token)  # ... plus one
    assert status == 429 and int(headers["Retry-After"]) > 0 and body["error"]
    assert accounts.revoke("stack-test")
    assert search(query, png, token)[0] == 401  # revoked: at once
