"""The DynamoDB models share one botocore session through pynamodb's private per-thread session
(``Connection._local``; pynamodb has no public way): pinned here, so that a pynamodb release that
keeps it elsewhere fails these tests instead of quietly parsing DynamoDB's description per model."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.session import Session, get_session
from pynamodb.connection import Connection
from pynamodb.settings import get_settings_value

from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_accounts import DynamoAccounts
from ashen.store.dynamodb_models import READ_CONNECTIONS, make_models
from ashen.store.dynamodb_tables import botocore_session, share_session
from tests.store.conftest import FAKE_AWS
from tests.support import clients_made


def test_every_model_client_is_made_by_the_shared_session(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in FAKE_AWS.items():  # with credentials: pynamodb makes a client again while it has none
        monkeypatch.setenv(k, v)
    session = botocore_session()
    made = clients_made(monkeypatch, session)
    store, accounts = DynamoStore("s", "v", host="http://127.0.0.1:9"), DynamoAccounts("k", host="http://127.0.0.1:9")
    # scenes, cell maps, timelines, videos and keys: each client made at once, from the one session
    assert made == ["dynamodb"] * 5
    models = (store.Scene, store.CellMap, store.Timeline, store.Video, accounts.Item)
    connections = [m._get_connection().connection for m in models]
    assert all(c.session is session for c in connections)
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.extend(c.client for c in connections))
    thread.start()
    thread.join()
    assert seen == [c.client for c in connections] and made == ["dynamodb"] * 5  # a search's threads make none


def test_a_pynamodb_that_keeps_its_session_elsewhere_fails_loudly() -> None:
    without = Connection(region="us-east-1")
    del without._local
    with pytest.raises(RuntimeError, match=r"Connection\._local"):
        share_session(without, botocore_session())

    class Moved(Connection):
        @property
        def session(self) -> Session:
            return get_session()  # a release whose session is no longer the per-thread one

    with pytest.raises(RuntimeError, match="no longer reads"):
        share_session(Moved(region="us-east-1"), botocore_session())


def test_the_models_tables_region_endpoint_and_pools(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scenes table's three models keep READ_CONNECTIONS connections (a search's parallel
    reads); the videos' and keys' models pynamodb's default pool; all in the environment's region
    at the endpoint given, and at pynamodb's default endpoint when none is."""
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    scenes, cell_maps, timelines, videos = make_models("s", "v", host="http://127.0.0.1:9")
    keys = DynamoAccounts("k", host="http://127.0.0.1:9").Item
    for model, table in ((scenes, "s"), (cell_maps, "s"), (timelines, "s"), (videos, "v"), (keys, "k")):
        assert (model.Meta.table_name, model.Meta.region, model.Meta.host) == (table, "eu-west-3", "http://127.0.0.1:9")
        assert model.Meta.billing_mode == "PAY_PER_REQUEST"
    assert [m.Meta.max_pool_connections for m in (scenes, cell_maps, timelines)] == [READ_CONNECTIONS] * 3
    assert [m.Meta.max_pool_connections for m in (videos, keys)] == [get_settings_value("max_pool_connections")] * 2
    assert make_models("s", "v", region="us-west-2")[0].Meta.host is None  # pynamodb then resolves it
    assert make_models("s", "v", region="us-west-2")[0].Meta.region == "us-west-2"
