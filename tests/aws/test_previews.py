"""Upload -> index -> search through the query handler -> the preview handler with the signed URL ->
302 to a presigned GET of PreviewBucket -> the mp4 from moto; a second request is a cache hit."""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from ashen.api.local_server import LocalContext, http_event
from tests.aws.stack import PNG, PREVIEW_BUCKET, Cloud, Indexed, call_api, frame_png

pytestmark = pytest.mark.slow  # the whole stack under moto

API_HOST = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"}


def follow(cloud: Cloud, url: str) -> dict[str, Any]:
    """The preview function's answer to a GET of ``url`` (as API Gateway hands it over)."""
    parts = urlsplit(url)
    event = http_event("GET", parts.path, query=parts.query, headers=API_HOST)
    response: dict[str, Any] = cloud.preview.handler(event, LocalContext())
    return response


def test_a_result_preview_is_cut_cached_and_redirected_to(cloud: Cloud, sintel: Indexed) -> None:
    status, body = call_api(cloud, http_event("POST", "/search", body=frame_png(10.0), headers={**PNG, **API_HOST}))
    assert status == 200, body
    match = body["result"][0]
    assert match["videoId"] == sintel.video_id
    assert match["video"].startswith(f"https://{API_HOST['host']}/preview/{sintel.video_id}/video.mp4?t=")

    first = follow(cloud, match["video"])
    assert first["statusCode"] == 302, first.get("body")
    headers = first["headers"]
    assert headers["X-Preview-Cache"] == "miss"
    assert float(headers["X-Preview-Start"]) <= match["at"] <= float(headers["X-Preview-End"])
    location = headers["Location"]
    assert location.startswith(cloud.endpoint) and PREVIEW_BUCKET in location
    with urllib.request.urlopen(location) as got:  # the presigned GET, from moto
        data = got.read()
        assert got.headers["Content-Type"] == "video/mp4"
    assert data[4:8] == b"ftyp"
    keys = [o["Key"] for o in cloud.s3.list_objects_v2(Bucket=PREVIEW_BUCKET)["Contents"]]
    assert any(k.startswith(f"previews/{sintel.video_id}/") and k.endswith(".mp4") for k in keys)

    again = follow(cloud, match["video"])
    assert again["statusCode"] == 302 and again["headers"]["X-Preview-Cache"] == "hit"
    assert again["headers"]["ETag"] == headers["ETag"]


def test_a_tampered_preview_url_is_403_with_a_json_error(cloud: Cloud, sintel: Indexed) -> None:
    _, body = call_api(cloud, http_event("POST", "/search", body=frame_png(3.5), headers={**PNG, **API_HOST}))
    url = body["result"][0]["image"].replace("sig=", "sig=x")
    response = follow(cloud, url)
    assert response["statusCode"] == 403 and json.loads(response["body"])["error"]
