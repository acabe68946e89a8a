"""The management routes on the stack under moto: POST /uploads answers a presigned POST that
moto's S3 takes (then the S3 event, split and hash make the video searchable), PATCH renames on
DynamoDB, DELETE deletes the object (whose ObjectRemoved event removes the index), and reindex
copies the object in place (a new version, indexed as a new revision)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ashen.accounts.keys import Role, new_key
from ashen.api.local_server import http_event
from ashen.store.dynamodb_accounts import DynamoAccounts
from tests.aws.stack import BUCKET, Cloud, call_api, drain, found, frame_png, s3_event, split

pytestmark = pytest.mark.slow
JSON = {"content-type": "application/json"}


_ADMIN: list[str] = []


def admin_key() -> str:
    """An admin key in the stack's KeysTable (management routes are never anonymous), made once."""
    if not _ADMIN:
        token, key = new_key(f"library-admin-{uuid.uuid4().hex[:6]}", Role.ADMIN, quota=1000, rate=1000)
        DynamoAccounts.from_env().add_key(key)
        _ADMIN.append(token)
    return _ADMIN[0]


def api(cloud: Cloud, method: str, path: str, doc: Any = None, *, key: bool = True) -> tuple[int, dict[str, Any]]:
    body = json.dumps(doc).encode() if doc is not None else b""
    headers = {**JSON, **({"x-api-key": admin_key()} if key else {})}
    return call_api(cloud, http_event(method, path, body=body, headers=headers))


def created_event(cloud: Cloud, key: str, name: str = "ObjectCreated:Post") -> dict[str, Any]:
    """The S3 event of the object's current version (moto does not invoke Lambda)."""
    head = cloud.s3.head_object(Bucket=BUCKET, Key=key)
    fields = {"eTag": head["ETag"].strip('"'), "versionId": head["VersionId"], "size": head["ContentLength"]}
    return s3_event("s3-put.json", key, event_name=name, **fields)


@pytest.fixture()
def uploaded(cloud: Cloud, short_clip: Path) -> Iterator[tuple[str, str]]:
    """The short clip sent through POST /uploads and a presigned POST, then split and hashed:
    (video id, object key). Removed after the test."""
    data = short_clip.read_bytes()
    doc = {"filename": "Sintel - 07.mp4", "title": "Sintel Uploaded", "episode": "07", "size": len(data)}
    status, answer = api(cloud, "POST", "/uploads", doc)
    assert status == 201, answer
    post = answer["upload"]
    assert post["method"] == "POST" and post["fields"]["key"] == "library/Sintel Uploaded/Sintel - 07.mp4"
    sent = requests.post(post["url"], data=post["fields"], files={"file": ("clip.mp4", data)}, timeout=60)
    assert sent.status_code in (200, 201, 204), sent.text
    key = post["fields"]["key"]
    assert cloud.s3.head_object(Bucket=BUCKET, Key=key)["Metadata"] == {"title": "Sintel Uploaded", "episode": "07"}
    split(cloud, created_event(cloud, key))
    drain(cloud)
    yield answer["videoId"], key
    cloud.store.remove_video(answer["videoId"])
    cloud.s3.delete_object(Bucket=BUCKET, Key=key)


def test_an_upload_through_the_api_becomes_searchable(
    cloud: Cloud, uploaded: tuple[str, str], short_clip: Path
) -> None:
    video_id, _ = uploaded
    status, view = api(cloud, "GET", f"/videos/{video_id}")
    assert (status, view["status"], view["title"], view["episode"]) == (200, "indexed", "Sintel Uploaded", "07")
    assert video_id in found(cloud, frame_png(5.0, short_clip))


def test_an_upload_over_the_maximum_is_refused(cloud: Cloud) -> None:
    status, body = api(cloud, "POST", "/uploads", {"filename": "big.mkv", "title": "Big", "size": 50_000_001})
    assert status == 413, body


def test_patch_renames_on_dynamodb_and_moves_the_listing(cloud: Cloud, uploaded: tuple[str, str]) -> None:
    video_id, _ = uploaded
    status, view = api(cloud, "PATCH", f"/videos/{video_id}", {"title": "AAA first", "episode": "08"})
    assert (status, view["title"], view["episode"], view["status"]) == (200, "AAA first", "08", "indexed")
    listing = api(cloud, "GET", "/videos")[1]["videos"]
    assert listing[0]["id"] == video_id and listing[0]["title"] == "AAA first"
    assert cloud.store.Video.get(video_id).listing.startswith("AAA first\x1f08\x1f")  # by_status's sort key
    assert cloud.store.get_video(video_id).segments_done == view["segments_done"] > 0  # type: ignore[union-attr]
    assert api(cloud, "PATCH", "/videos/nope", {"title": "X"})[0] == 404


def test_reindex_copies_the_object_in_place(cloud: Cloud, uploaded: tuple[str, str]) -> None:
    video_id, key = uploaded
    before = cloud.s3.head_object(Bucket=BUCKET, Key=key)["VersionId"]
    status, _ = api(cloud, "POST", f"/videos/{video_id}/reindex")
    assert status == 202
    head = cloud.s3.head_object(Bucket=BUCKET, Key=key)
    assert head["VersionId"] != before and head["Metadata"] == {"title": "Sintel Uploaded", "episode": "07"}
    split(cloud, created_event(cloud, key, "ObjectCreated:Copy"))
    assert api(cloud, "GET", f"/videos/{video_id}")[1]["status"] == "indexing"
    drain(cloud)
    assert api(cloud, "GET", f"/videos/{video_id}")[1]["status"] == "indexed"


def test_delete_deletes_the_object_and_its_event_removes_the_video(cloud: Cloud, uploaded: tuple[str, str]) -> None:
    video_id, key = uploaded
    assert api(cloud, "DELETE", f"/videos/{video_id}") == (202, {"videoId": video_id, "status": "removing"})
    assert cloud.s3.list_objects_v2(Bucket=BUCKET, Prefix=key)["KeyCount"] == 0  # behind a delete marker
    split(cloud, s3_event("s3-delete.json", key, event_name="ObjectRemoved:DeleteMarkerCreated"))
    assert api(cloud, "GET", f"/videos/{video_id}")[0] == 404
    assert api(cloud, "DELETE", "/videos/nope")[0] == 404


def test_management_routes_need_an_admin_key(cloud: Cloud) -> None:
    doc = {"filename": "x.mp4", "title": "X", "size": 10}
    assert api(cloud, "POST", "/uploads", doc, key=False)[0] == 401  # never anonymous, keys required or not
    assert api(cloud, "DELETE", "/videos/nope", key=False)[0] == 401
