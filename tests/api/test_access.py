"""Keys, roles and limits at the API (ashen.api.access_routes), on SQLite stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ashen.accounts.access import Access, AccessPolicy, client_subject
from ashen.accounts.keys import Role, new_key
from ashen.api.app import create_app
from ashen.api.local_server import LocalRequest
from ashen.store.sqlite import SqliteStore
from ashen.store.sqlite_accounts import SqliteAccounts
from tests.api.serving import one_video_store

NOW = 1_764_547_200.0 + 3600 + 30  # 2025-12-01 01:00:30 UTC: the day ends in 82,770 s


def app_of(tmp_path: Path, policy: AccessPolicy) -> tuple[APIGatewayHttpResolver, SqliteAccounts]:
    store = one_video_store(tmp_path / "s.sqlite3")
    accounts = SqliteAccounts(store)
    access = Access(accounts, policy, clock=lambda: NOW)
    return create_app(store_factory=lambda: SqliteStore(store), access=access), accounts


def call(
    app: APIGatewayHttpResolver, method: str, path: str, *, key: str = "", ip: str = "192.0.2.1", body: str = ""
) -> Any:
    headers = {"content-type": "application/json", **({"x-api-key": key} if key else {})}
    return app.resolve(LocalRequest(method, path, "", headers, body.encode(), source_ip=ip).event(), None)  # type: ignore[arg-type]


SEARCH = json.dumps({"signature": "00" * 21})


def search(app: APIGatewayHttpResolver, **kw: str) -> Any:
    return call(app, "POST", "/search", body=SEARCH, **kw)


def test_keys_required_no_key_401_a_key_200_with_its_headers_then_429(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy(require_key=True))
    token, key = new_key("alice", Role.SEARCH, 3, 100)
    accounts.add_key(key)
    missing = search(app)
    assert missing["statusCode"] == 401 and "error" in json.loads(missing["body"])
    assert call(app, "GET", "/videos")["statusCode"] == 401
    assert search(app, key="not-a-key")["statusCode"] == 401
    for left in (2, 1, 0):
        ok = search(app, key=token)
        assert ok["statusCode"] == 200, ok["body"]
        h = ok["headers"]
        assert (h["RateLimit-Limit"], h["RateLimit-Remaining"], h["RateLimit-Reset"]) == ("3", str(left), "82770")
        assert (h["X-RateLimit-Limit"], h["X-RateLimit-Remaining"]) == ("3", str(left))
        assert h["X-RateLimit-Reset"] == "1764633600" and h["RateLimit-Policy"] == "3;w=86400, 100;w=60"
    over = search(app, key=token)
    assert over["statusCode"] == 429 and over["headers"]["Retry-After"] == "82770"
    assert over["headers"]["RateLimit-Remaining"] == "0" and "error" in json.loads(over["body"])
    assert call(app, "GET", "/", ip="192.0.2.9")["statusCode"] == 200  # the page stays public


def test_the_rate_answers_429_until_the_next_minute(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy())
    token, key = new_key("fast", Role.SEARCH, 100, 2)
    accounts.add_key(key)
    assert [search(app, key=token)["statusCode"] for _ in range(3)] == [200, 200, 429]
    assert search(app, key=token)["headers"]["Retry-After"] == "30"


def test_a_failed_search_does_not_count(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy())
    token, key = new_key("bob", Role.SEARCH, 1, 10)
    accounts.add_key(key)
    bad = call(app, "POST", "/search", key=token, body='{"signature": "zz"}')
    assert bad["statusCode"] == 400 and bad["headers"]["RateLimit-Remaining"] == "1"
    assert search(app, key=token)["statusCode"] == 200
    assert search(app, key=token)["statusCode"] == 429


def test_revocation_is_effective_at_once(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy())
    token, key = new_key("carol", Role.SEARCH, 10, 10)
    accounts.add_key(key)
    assert search(app, key=token)["statusCode"] == 200
    accounts.revoke("carol")
    assert search(app, key=token)["statusCode"] == 401


def test_management_needs_an_admin_key_403_before_404(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy())  # anonymous tier on: management still needs a key
    token, key = new_key("searcher", Role.SEARCH, 10, 10)
    admin, admin_key = new_key("root", Role.ADMIN, 10, 10)
    accounts.add_key(key)
    accounts.add_key(admin_key)
    assert call(app, "DELETE", "/videos/x")["statusCode"] == 401
    assert call(app, "DELETE", "/videos/x", key=token)["statusCode"] == 403
    assert call(app, "POST", "/uploads", key=token)["statusCode"] == 403
    assert call(app, "DELETE", "/videos/x", key=admin)["statusCode"] == 404  # past the gate: no such route here
    assert call(app, "GET", "/videos/v7", key=admin)["statusCode"] == 200


def test_anonymous_tier_counts_by_address_and_ipv6_by_64(tmp_path: Path) -> None:
    app, _ = app_of(tmp_path, AccessPolicy(anonymous_quota=1, anonymous_rate=10))
    assert search(app, ip="2001:db8:1:2::1")["statusCode"] == 200
    assert search(app, ip="2001:db8:1:2:ffff::9")["statusCode"] == 429  # the same /64
    assert search(app, ip="2001:db8:1:3::1")["statusCode"] == 200
    assert search(app, ip="198.51.100.1")["statusCode"] == 200
    assert search(app, ip="198.51.100.2")["statusCode"] == 200
    assert client_subject("::ffff:198.51.100.2") == client_subject("198.51.100.2")


def test_me_tells_the_caller_and_its_day(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy(anonymous_quota=7, anonymous_rate=3))
    token, key = new_key("dave", Role.ADMIN, 5, 4)
    accounts.add_key(key)
    search(app, key=token)
    me = call(app, "GET", "/me", key=token)
    body = json.loads(me["body"])
    assert body == {
        "name": "dave",
        "role": "admin",
        "quota": 5,
        "used": 1,
        "remaining": 4,
        "rate": 4,
        "reset": "2025-12-02T00:00:00Z",
        "resetEpoch": 1764633600,
        # trace.moe's (docs/trace-moe.md)
        "id": "dave",
        "priority": 0,
        "concurrency": 1,
        "quotaUsed": 1,
    }
    assert me["headers"]["RateLimit-Remaining"] == "4"
    anon = json.loads(call(app, "GET", "/me")["body"])
    assert (anon["name"], anon["role"], anon["quota"], anon["used"]) == ("anonymous", "anonymous", 7, 0)
    assert (anon["id"], anon["quotaUsed"]) == ("192.0.2.1", 0)  # trace.moe's id of a guest: its address


@pytest.mark.parametrize("require", [True, False])
def test_the_public_routes_need_nothing(tmp_path: Path, require: bool) -> None:
    app, _ = app_of(tmp_path, AccessPolicy(require_key=require))
    for path in ("/", "/openapi.json", "/docs"):
        assert call(app, "GET", path)["statusCode"] == 200, path


def test_every_keyed_response_carries_the_rate_headers_without_counting(tmp_path: Path) -> None:
    app, accounts = app_of(tmp_path, AccessPolicy(require_key=True))
    token, key = new_key("carol", Role.SEARCH, 5, 100)
    accounts.add_key(key)
    assert search(app, key=token)["statusCode"] == 200
    for path in ("/videos", "/videos/v7", "/videos/nope"):
        answer = call(app, "GET", path, key=token)
        h = answer["headers"]
        assert (h["RateLimit-Limit"], h["RateLimit-Remaining"], h["X-RateLimit-Remaining"]) == ("5", "4", "4"), path
    assert search(app, key=token)["headers"]["RateLimit-Remaining"] == "3"  # listing counted nothing
