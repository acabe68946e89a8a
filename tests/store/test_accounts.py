"""The AccountStore adapters (SQLite and DynamoDB under moto): keys, and counters that concurrent
searches can neither pass nor under-count."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from ashen.accounts.keys import KeyExists, Role, new_key
from ashen.accounts.port import AccountStore, Window
from ashen.store.dynamodb_accounts import DynamoAccounts
from ashen.store.sqlite_accounts import SqliteAccounts

DAY = Window("2026-11-30", 1000)


@pytest.fixture(params=["sqlite", "dynamodb"])
def accounts(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountStore]:
    if request.param == "sqlite":
        yield SqliteAccounts(tmp_path / "a.sqlite3")
        return
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    # DynamoDB applies a conditional update atomically; moto checks and writes with no lock, so
    # threads racing on one item could both pass a condition. Give moto the service's guarantee
    # (one update of an item at a time), so the test measures the adapter's conditions, not moto.
    real, lock = DynamoDBBackend.update_item, threading.Lock()

    def atomic(self: DynamoDBBackend, *args: object, **kwargs: object) -> object:
        with lock:
            return real(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "update_item", atomic)
    with mock_aws():
        store = DynamoAccounts("keys")
        store.create_table()
        yield store


def test_keys_are_stored_by_hash_named_once_and_revoked(accounts: AccountStore) -> None:
    token, key = new_key("alice", Role.SEARCH, 5, 2)
    accounts.add_key(key)
    assert token not in repr(accounts.keys()) and accounts.key_by_hash(key.key_hash) == key
    with pytest.raises(KeyExists):
        accounts.add_key(new_key("alice", Role.ADMIN, 1, 1)[1])
    assert accounts.revoke("alice") and not accounts.revoke("bob")
    found = accounts.key_by_hash(key.key_hash)
    assert found is not None and found.revoked
    assert [k.name for k in accounts.keys()] == ["alice"]  # noqa: SIM118  # a method, not a dict


def test_concurrent_reserves_grant_exactly_the_quota(accounts: AccountStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: accounts.reserve("s", DAY, 10, 1000), range(30)))
    assert sum(a.granted for a in answers) == 10
    assert {a.refused_by for a in answers if not a.granted} == {"quota"}
    assert accounts.used("s", DAY.day) == 10


def test_concurrent_reserves_grant_exactly_the_rate_per_minute(accounts: AccountStore) -> None:
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: accounts.reserve("s", DAY, 1000, 4), range(20)))
    assert sum(a.granted for a in answers) == 4
    assert {a.refused_by for a in answers if not a.granted} == {"rate"}
    assert accounts.reserve("s", Window(DAY.day, DAY.minute + 1), 1000, 4).granted  # a new minute
    assert accounts.used("s", DAY.day) == 5


def test_refunds_give_back_the_day_and_the_minute(accounts: AccountStore) -> None:
    assert accounts.reserve("s", DAY, 2, 1).granted
    assert not accounts.reserve("s", DAY, 2, 1).granted
    accounts.refund("s", DAY)
    assert accounts.used("s", DAY.day) == 0
    assert accounts.reserve("s", DAY, 2, 1).granted  # the minute's count was given back too


def test_concurrent_reserves_and_refunds_count_only_what_was_kept(accounts: AccountStore) -> None:
    def search(i: int) -> None:
        assert accounts.reserve("t", DAY, 99, 99).granted
        if i % 2:
            accounts.refund("t", DAY)  # a failed search

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(search, range(20)))
    assert accounts.used("t", DAY.day) == 10


def test_counters_are_per_subject_and_per_day(accounts: AccountStore) -> None:
    assert accounts.reserve("a", DAY, 1, 5).granted
    assert accounts.reserve("b", DAY, 1, 5).granted
    assert not accounts.reserve("a", DAY, 1, 5).granted
    assert accounts.reserve("a", Window("2026-12-01", DAY.minute + 1440), 1, 5).granted  # a new day
