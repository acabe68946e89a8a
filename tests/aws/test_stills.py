"""Still images uploaded under library/ on moto: the split function indexes each at once (no
segment message), as an entry of kind ``still`` the HTTP API finds; a replaced, bad or deleted
upload ends as a video's does."""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from PIL import Image

from ashen.api.local_server import LocalContext, http_event
from ashen.records import VideoKind, VideoStatus
from tests.aws.stack import BUCKET, Cloud, call_api, frame_png, items_of, receive_batch, s3_event, split, video_of

pytestmark = pytest.mark.slow  # the stack under moto

KEY = "library/Sintel Art/cg.png"


def jpeg(png: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=70)
    return out.getvalue()


JPEG = {"content-type": "image/jpeg"}


def search(cloud: Cloud, data: bytes) -> list[dict[str, Any]]:
    status, body = call_api(cloud, http_event("POST", "/search", body=data, headers=JPEG))
    assert status == 200, body
    result: list[dict[str, Any]] = body["result"]
    return result


def test_an_uploaded_image_is_indexed_as_a_still_without_the_fan_out(
    cloud: Cloud, own_upload: Callable[..., dict[str, Any]]
) -> None:
    cg = frame_png(4.0)
    assert split(cloud, own_upload(KEY, cg)) == {"handled": 1}
    assert receive_batch(cloud) == [], "a still sends no segment message"
    video = cloud.store.get_video(video_of(KEY))
    assert video is not None and (video.kind, video.status) == (VideoKind.STILL, VideoStatus.INDEXED), video
    assert (video.title, video.frames, video.scenes, video.duration) == ("Sintel Art", 1, 1, None)
    assert cloud.store.Video.get(video.id).kind == "still", "the kind is an attribute of the item too"
    # The clip the still was cut from may be indexed too (the stack is shared): both answer, side by side.
    best = next(r for r in search(cloud, jpeg(cg)) if r["videoId"] == video.id)
    assert best["confident"] and best["kind"] == "still" and best["at"] is None
    assert split(cloud, s3_event("s3-put.json", KEY, eTag="x", versionId="old")) == {"handled": 1}
    assert cloud.store.get_video(video.id) == video, "a late event of a replaced version changes nothing"

    # Its preview, through the preview function: the image itself, cut from the upload by ffmpeg.
    host = {"host": "abc123.execute-api.us-east-1.amazonaws.com", "x-forwarded-proto": "https"}
    status, body = call_api(cloud, http_event("POST", "/search", body=jpeg(cg), headers={**JPEG, **host}))
    assert status == 200, body
    shown = next(r for r in body["result"] if r["videoId"] == video.id)
    assert "video" not in shown
    parts = urlsplit(shown["image"])
    answer = cloud.preview.handler(http_event("GET", parts.path, query=parts.query, headers=host), LocalContext())
    assert answer["statusCode"] == 302, answer.get("body")
    with urllib.request.urlopen(answer["headers"]["Location"]) as got:
        assert got.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(got.read())).size == (640, 362)

    mine = {r["bucket"] for r in items_of(cloud, video.id)}
    other = frame_png(18.0)
    assert split(cloud, own_upload(KEY, other)) == {"handled": 1}  # a new revision of the same key
    mine |= {r["bucket"] for r in items_of(cloud, video.id)}
    found = [r["videoId"] for r in search(cloud, jpeg(other)) if r["confident"]]
    assert video.id in found  # (beside the Sintel clip's scene when another test indexed it)
    assert video.id not in [r["videoId"] for r in search(cloud, jpeg(cg)) if r["confident"]]

    deleted = cloud.s3.delete_object(Bucket=BUCKET, Key=KEY)
    assert split(cloud, s3_event("s3-delete.json", KEY, versionId=deleted["VersionId"])) == {"handled": 1}
    assert cloud.store.get_video(video.id) is None
    assert video.id not in [r["videoId"] for r in search(cloud, jpeg(other))]
    # The clean-ups took the buckets they emptied out of their cell maps, and only those.
    held = {item.bucket for item in cloud.store.Scene.scan(cloud.store.Scene.sig.exists())}
    listed = {b for cells in cloud.store.cells.maps(mine).values() for b in cells} & mine
    assert mine - held and listed == mine & held


@pytest.mark.parametrize(("body", "reason"), [(b"not an image at all", "not an image"), (b"", "empty")])
def test_a_bad_image_upload_is_failed_with_its_reason(
    cloud: Cloud, own_upload: Callable[..., dict[str, Any]], body: bytes, reason: str
) -> None:
    key = "library/Art/bad.png"
    assert split(cloud, own_upload(key, body)) == {"handled": 1}
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == VideoStatus.FAILED and reason in video.error, video
    assert video.kind == VideoKind.STILL and receive_batch(cloud) == []


def test_a_flat_image_upload_is_failed_and_stores_nothing(
    cloud: Cloud, own_upload: Callable[..., dict[str, Any]]
) -> None:
    key = "library/Art/white.png"
    out = io.BytesIO()
    Image.new("RGB", (320, 180), (255, 255, 255)).save(out, "PNG")
    assert split(cloud, own_upload(key, out.getvalue())) == {"handled": 1}
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == VideoStatus.FAILED and "nearly uniform" in video.error
    assert cloud.store.scene_count(video.id) == 0
