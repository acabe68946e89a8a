"""A schema-driven run against `ashen serve` (a real server in a child process): requests that
Schemathesis generates from openapi.json, valid and not, never get a 5xx, never hang, and the
server is still up and answering afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from tests.api.serving import ROOT, png_of, running

pytestmark = pytest.mark.slow  # a server process and a few hundred requests

schema = schemathesis.openapi.from_path(ROOT / "openapi.json")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running(tmp_path_factory.mktemp("fuzz"), "--workers", "1", "--threads", "4") as url:
        yield url


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_from_the_schema_gets_a_server_error(case: Any, served: str) -> None:
    response = case.call(base_url=served, timeout=15)
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert "error" in response.json(), response.text[:300]


def test_the_server_still_answers_after_the_run(served: str) -> None:
    response = requests.post(f"{served}/search", data=png_of(7), headers={"content-type": "image/png"}, timeout=15)
    assert response.status_code == 200 and response.json()["result"][0]["title"] == "Sintel"
