"""trace.moe's contract beside Ashen's (ashen.api.tracemoe, docs/trace-moe.md), in process: the key
sources, the ``anilist`` / ``duration`` fields, ``anilistInfo``, and the ``vector`` / ``image`` JSON bodies."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from PIL import Image

from ashen.accounts.access import Access, AccessPolicy
from ashen.accounts.keys import Role, new_key
from ashen.api.app import create_app
from ashen.api.errors import BadRequest
from ashen.api.local_server import LocalRequest
from ashen.api.requests import ImageUpload, json_input, vector_signature
from ashen.descriptors.signature import Signature
from ashen.store.sqlite import SqliteStore
from ashen.store.sqlite_accounts import SqliteAccounts
from tests.api.serving import one_video_store, png_of

SIG7 = Signature.of_image(np.asarray(Image.open(io.BytesIO(png_of(7))).convert("RGB")))


def keyed_app(tmp_path: Path) -> tuple[APIGatewayHttpResolver, str]:
    store = one_video_store(tmp_path / "s.sqlite3")
    accounts = SqliteAccounts(store)
    token, key = new_key("erin", Role.SEARCH, 5, 100)
    accounts.add_key(key)
    access = Access(accounts, AccessPolicy(require_key=True))
    return create_app(store_factory=lambda: SqliteStore(store), access=access), token


def call(app: APIGatewayHttpResolver, method: str, path: str, query: str = "", **kw: Any) -> Any:
    headers = {"content-type": "application/json", **kw.get("headers", {})}
    request = LocalRequest(method, path, query, headers, kw.get("body", b""))
    return app.resolve(request.event(), None)  # type: ignore[arg-type]


def vector_search(app: APIGatewayHttpResolver, query: str = "", vector: object = None) -> Any:
    body = json.dumps({"vector": list(SIG7.values) if vector is None else vector}).encode()
    return call(app, "POST", "/search", query, headers={"x-trace-key": KEY[0]}, body=body)


KEY: list[str] = [""]


@pytest.mark.parametrize("where", ["x-api-key", "x-trace-key", "query"])
def test_a_key_is_read_from_ashens_header_trace_moes_header_or_its_query(tmp_path: Path, where: str) -> None:
    app, token = keyed_app(tmp_path)
    headers = {} if where == "query" else {where: token}
    query = f"key={token}" if where == "query" else ""
    me = call(app, "GET", "/me", query, headers=headers)
    assert me["statusCode"] == 200, me
    assert json.loads(me["body"])["id"] == "erin"
    assert call(app, "GET", "/me", "key=wrong")["statusCode"] == 403  # trace.moe's status for a bad key


def test_matches_carry_anilist_and_duration_and_anilist_info_its_object(tmp_path: Path) -> None:
    app, KEY[0] = keyed_app(tmp_path)
    plain = json.loads(vector_search(app)["body"])["result"][0]
    assert plain["anilist"] == 0 and plain["duration"] is None  # the store's video has neither
    assert plain["videoId"] == "v7" and plain["from"] == 3.0 and plain["to"] == 5.0  # Ashen's stay
    for query in ("anilistInfo", "anilistInfo=", "anilistInfo=1"):
        info = json.loads(vector_search(app, query)["body"])["result"][0]["anilist"]
        assert info == {
            "id": 0,
            "idMal": None,
            "title": {"native": None, "romaji": "Sintel", "english": None},
            "synonyms": [],
            "isAdult": False,
        }, query
    assert json.loads(vector_search(app, "anilistInfo=false")["body"])["result"][0]["anilist"] == 0


def test_a_vector_is_a_signature_as_numbers_or_base64() -> None:
    values = list(SIG7.values)
    assert vector_signature(values) == SIG7
    assert vector_signature(base64.b64encode(bytes(values)).decode()) == SIG7
    assert vector_signature(base64.b64encode(bytes([21, 6, *values])).decode()) == SIG7
    assert json_input(json.dumps({"vector": values}).encode()) == SIG7
    huge = ([*values[:32], 2**70], [*values[:32], -(10**400)], [*values[:32], 1e300])  # past int64 and float
    for bad in (values[:32], [values], [*values[:32], 1.5], "not base64!", 7, [*values[:32], True], *huge):
        with pytest.raises(BadRequest):
            vector_signature(bad)


def test_a_json_image_is_base64_bytes() -> None:
    png = png_of(3)
    assert json_input(json.dumps({"image": base64.b64encode(png).decode()}).encode()) == ImageUpload(png, "either")
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    assert json_input(json.dumps({"image": data_url}).encode()) == ImageUpload(png, "either")
    with pytest.raises(BadRequest):
        json_input(b'{"image": "@@@"}')


def test_a_vector_search_finds_the_video_and_a_bad_one_is_400(tmp_path: Path) -> None:
    app, KEY[0] = keyed_app(tmp_path)
    found = json.loads(vector_search(app)["body"])
    assert found["error"] == "" and found["result"][0]["similarity"] == 1.0
    assert vector_search(app, vector=[1, 2, 3])["statusCode"] == 400


def test_a_batch_of_vectors_answers_one_result_list_each(tmp_path: Path) -> None:
    app, KEY[0] = keyed_app(tmp_path)
    values = list(SIG7.values)
    other = [v ^ 1 if i else 0 for i, v in enumerate(values)]  # far from the stored scene
    answer = json.loads(vector_search(app, vector=[values, base64.b64encode(bytes(other)).decode(), values])["body"])
    assert answer["error"] == "" and len(answer["result"]) == 3
    assert [bool(r) and r[0]["similarity"] == 1.0 for r in answer["result"]] == [True, False, True]
    assert answer["result"][0][0]["videoId"] == answer["result"][2][0]["videoId"]
    refused = vector_search(app, vector=[values] * 11)
    assert refused["statusCode"] == 400 and "at most 10" in json.loads(refused["body"])["error"]


def test_a_client_speaking_trace_moe_is_refused_with_trace_moes_statuses(tmp_path: Path) -> None:
    """403 for an unknown key and 402 for a spent quota when the key comes as trace.moe sends it;
    Ashen's 401 and 429 (with Retry-After) otherwise."""
    app, token = keyed_app(tmp_path)  # a quota of 5
    vector = json.dumps({"vector": list(SIG7.values)}).encode()
    assert call(app, "POST", "/search", body=vector, headers={"x-trace-key": "unknown"})["statusCode"] == 403
    assert call(app, "POST", "/search", body=vector, query="key=unknown")["statusCode"] == 403
    assert call(app, "POST", "/search", body=vector, headers={"x-api-key": "unknown"})["statusCode"] == 401
    statuses = [
        call(app, "POST", "/search", body=vector, headers={"x-trace-key": token})["statusCode"] for _ in range(5)
    ]
    assert statuses == [200] * 5
    spent = call(app, "POST", "/search", body=vector, headers={"x-trace-key": token})
    assert spent["statusCode"] == 402 and int(spent["headers"]["Retry-After"]) > 0
    assert call(app, "POST", "/search", body=vector, headers={"x-api-key": token})["statusCode"] == 429
