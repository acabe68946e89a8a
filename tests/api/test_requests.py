"""Reading requests under hostile input: bounded multipart and JSON, and parsers that only ever raise 4xx."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ashen.api.app import create_app
from ashen.api.errors import ApiError, BadRequest, PayloadTooLarge
from ashen.api.local_server import http_event
from ashen.api.requests import (
    MAX_FORM_PARTS,
    MAX_JSON_BYTES,
    MAX_JSON_DEPTH,
    ImageForm,
    ImageUpload,
    ImageUrl,
    json_depth,
    json_input,
    multipart_image,
    search_input,
    search_options,
)
from ashen.descriptors.signature import Signature
from ashen.store.sqlite import SqliteStore

FORM = "multipart/form-data; boundary=b"


def part(name: str, data: bytes = b"") -> bytes:
    return f'--b\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data + b"\r\n"


def post(tmp_path: Path, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
    app = create_app(SqliteStore(tmp_path / "s.sqlite3"))
    response = app.resolve(http_event("POST", "/search", body=body, headers={"content-type": content_type}), None)
    return response["statusCode"], json.loads(response["body"])


def test_the_image_part_is_read_and_the_rest_is_not() -> None:
    form = ImageForm(b"b")
    body = part("title", b"x") + part("image", b"\x89PNG\r\n--not-the-boundary") + b"--b\r\nno headers at all"
    assert form.image(body) == b"\x89PNG\r\n--not-the-boundary"
    assert form.parts == 2


def test_many_parts_stop_the_parser_at_the_cap(tmp_path: Path) -> None:
    body = part("x") * 20_000 + b"--b--\r\n"
    form = ImageForm(b"b")
    with pytest.raises(BadRequest, match="first 16 parts"):
        form.image(body)
    assert form.parts == MAX_FORM_PARTS + 1, "the parser was stopped at the first part over the cap"
    status, answer = post(tmp_path, body, FORM)
    assert status == 400 and "parts" in answer["error"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"X-Long: " + b"y" * 5000 + b"\r\n", "header size"),
        (b"X: y\r\n" * 50, "header count"),
    ],
)
def test_part_headers_are_capped(header: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        multipart_image(FORM, b"--b\r\n" + header + b"\r\n\r\n--b--\r\n")


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data; boundary=€",
        "multipart/form-data; boundary=é",
        "multipart/form-data",
        "multipart/form-data; boundary=" + "b" * 71,
        'multipart/form-data; boundary="ends in a space "',
    ],
)
def test_bad_boundaries_are_400(tmp_path: Path, content_type: str) -> None:
    status, answer = post(tmp_path, part("image", b"x") + b"--b--\r\n", content_type)
    assert status == 400 and "ASCII" in answer["error"], answer  # refused for the boundary, not by the parse


def test_json_nested_100000_deep_is_400(tmp_path: Path) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    status, answer = post(tmp_path, body[: MAX_JSON_BYTES - 1], "application/json")
    assert status == 400 and "deeper" in answer["error"]
    with pytest.raises(PayloadTooLarge):
        json_input(body)  # and over the size cap as a whole


def test_json_depth_counts_brackets_outside_strings_only() -> None:
    assert json_depth('{"url": "[[[[{{{{\\"]]]"}') == 1
    assert json_depth('[[1, {"a": [2]}]]') == 4
    deep = '{"url": "x", "a": ' + "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH + "}"
    with pytest.raises(BadRequest, match="deeper"):
        json_input(deep.encode())
    assert json_input(deep.replace("[", "", 1).replace("]", "", 1).encode()) == ImageUrl("x")


def test_json_must_be_utf8() -> None:
    with pytest.raises(BadRequest, match="UTF-8"):
        json_input('{"url": "x"}'.encode("utf-16"))


# Property tests: whatever arrives, the parsers answer a value or one of the API's 4xx errors.
PROPERTY = settings(max_examples=200, deadline=None)
header_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["url", "signature", "x"]), inner),
    max_leaves=40,
)
form_pieces = st.lists(
    st.sampled_from([b"--b", b"\r\n", b"--", b"Content-Disposition: form-data; ", b'name="image"', b":", b"; "])
    | st.binary(max_size=12),
    max_size=30,
).map(b"".join)


@PROPERTY
@given(content_type=header_text, body=st.binary(max_size=300) | form_pieces)
def test_multipart_image_raises_only_4xx(content_type: str, body: bytes) -> None:
    for ct in (content_type, FORM, f"multipart/form-data; {content_type}"):
        with contextlib.suppress(ApiError):
            assert isinstance(multipart_image(ct, body), bytes)


@PROPERTY
@given(body=st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_json_input_raises_only_4xx(body: bytes) -> None:
    with contextlib.suppress(ApiError):
        assert isinstance(json_input(body), ImageUrl | Signature)


@PROPERTY
@given(
    content_type=st.sampled_from(["", "image/png", "application/json", FORM, "text/plain"]) | header_text,
    body=st.binary(max_size=200),
)
def test_search_input_raises_only_4xx(content_type: str, body: bytes) -> None:
    with contextlib.suppress(ApiError):
        search_input(content_type, body)


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from(["limit", "title", "anilistID", "cutBorders", "mirror", "uncrop", "tones"]), header_text
    )
)
def test_search_options_raise_only_4xx(params: dict[str, str]) -> None:
    try:
        options = search_options(params)
    except ApiError:
        return
    assert 1 <= options.limit <= 100
    assert options.anilist_id is None or options.anilist_id >= 0


def test_anilist_id_is_a_whole_number() -> None:
    assert search_options({"anilistID": "21"}).anilist_id == 21
    assert search_options({"anilistID": ""}).anilist_id is None
    for raw in ("abc", "2.5", "-1", "２１", "1" * 11):
        with pytest.raises(BadRequest, match="anilistID"):
            search_options({"anilistID": raw})


def test_image_bodies_pass_through() -> None:
    assert search_input("image/png", b"abc") == ImageUpload(b"abc")
