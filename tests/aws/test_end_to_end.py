"""End to end on moto: S3 upload -> split -> SQS -> hash workers -> DynamoDB -> HTTP API search.

moto runs as a real threaded server on 127.0.0.1, so ffmpeg reads the clip through presigned URLs
with range requests, the way it reads S3 on AWS. S3 and SQS events are the samples in events/, filled
in; HTTP API events come from the local server's builder (ashen.local_server.http_event).

The stack and its fixtures: tests/aws/stack.py and conftest.py. Faults injected into the same
stack: test_faults.py.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from ashen.api.local_server import LocalContext, http_event
from ashen.box import Box
from ashen.indexing.indexer import video_id_for
from ashen.store.dynamodb import DynamoStore
from tests.aws.stack import (
    BUCKET,
    CLIP,
    KEY_B,
    PNG,
    Cloud,
    Indexed,
    call_api,
    deliver,
    drain,
    frame_png,
    items_of,
    normalised,
    receive_batch,
    s3_event,
    timeline_of,
)

pytestmark = pytest.mark.slow  # the whole stack under moto: minutes of CPU on a loaded machine


def test_upload_to_search_result(cloud: Cloud, sintel: Indexed) -> None:
    video_id = sintel.video_id
    video = sintel.planned
    assert video is not None and video.status == "indexing"
    assert video.title == "Sintel" and video.episode == "01"
    assert video.segments_planned == 4 and video.duration == pytest.approx(26.2, abs=0.1)

    assert sintel.batches >= 1
    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "indexed", video
    assert video.segments_done == 4 and video.frames > 600
    assert video.picture == Box(58, 422, 0, 848)  # the same letterbox the local indexer finds
    rows = items_of(cloud, video_id)
    assert len(rows) == video.scenes == cloud.store.scene_count(video_id)
    # every scene has its timeline item, with its luma grid
    assert sorted(r["start"] for r in timeline_of(cloud, video_id)) == sorted(r["start"] for r in rows)
    assert all(len(r["luma"]) == 512 for r in timeline_of(cloud, video_id))  # 256 bytes, in hex
    starts = [r["start"] for r in rows]
    assert len(starts) == len(set(starts)), "a scene is stored twice"

    for t in (4.0, 12.0, 21.5):
        status, body = call_api(cloud, http_event("POST", "/search", body=frame_png(t), headers=PNG))
        assert status == 200, body
        assert body["error"] == "" and body["frameCount"] > 0
        best = body["result"][0]
        assert best["title"] == "Sintel" and best["episode"] == "01"
        assert best["filename"] == "[Blender] Sintel - 01 [480p].mp4"
        assert abs(best["at"] - t) < 0.5, (t, best)
        assert best["similarity"] > 0.9

    status, body = call_api(cloud, http_event("GET", f"/videos/{video_id}"))
    assert status == 200 and body["status"] == "indexed" and body["progress"] == 1.0
    status, body = call_api(cloud, http_event("GET", "/videos"))
    assert status == 200 and [v["id"] for v in body["videos"]] == [v.id for v in cloud.store.list_videos()]
    assert [v["status"] for v in body["videos"] if v["id"] == video_id] == ["indexed"]


def test_same_s3_event_twice_changes_nothing(cloud: Cloud, sintel: Indexed) -> None:
    before_rows, before_video = items_of(cloud, sintel.video_id), cloud.store.get_video(sintel.video_id)
    cloud.split.handler(copy.deepcopy(sintel.event), LocalContext())
    assert receive_batch(cloud) == []  # nothing re-planned
    assert items_of(cloud, sintel.video_id) == before_rows
    assert cloud.store.get_video(sintel.video_id) == before_video


def test_batch_redelivered_after_mid_batch_failure(
    cloud: Cloud, sintel: Indexed, own_upload: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cloud.split.handler(own_upload(KEY_B, CLIP.read_bytes()), LocalContext())
    video_b = video_id_for(f"s3://{BUCKET}/{KEY_B}")
    messages = receive_batch(cloud)
    assert len(messages) == 4
    victim = json.loads(messages[1]["Body"])["index"]

    real = DynamoStore.mark_segment_done

    def flaky(self: DynamoStore, video_id: str, revision: str, index: int, frames: int, scenes: int) -> bool:
        if index == victim:
            raise ConnectionError("injected: DynamoDB went away after the scenes were written")
        return real(self, video_id, revision, index, frames, scenes)

    monkeypatch.setattr(DynamoStore, "mark_segment_done", flaky)
    failed = deliver(cloud, messages)
    assert failed == [messages[1]["MessageId"]]
    video = cloud.store.get_video(video_b)
    assert video is not None and video.status == "indexing" and video.segments_done == 3
    monkeypatch.setattr(DynamoStore, "mark_segment_done", real)

    # Worst case: the whole batch comes back, not only the failed record.
    assert deliver(cloud, messages) == []
    assert receive_batch(cloud) == []
    video = cloud.store.get_video(video_b)
    clean = cloud.store.get_video(sintel.video_id)  # the same bytes, indexed without a failure
    assert video is not None and clean is not None and video.status == "indexed"
    assert (video.segments_done, video.frames, video.scenes) == (clean.segments_done, clean.frames, clean.scenes)
    assert normalised(items_of(cloud, video_b), video_b) == normalised(items_of(cloud, clean.id), clean.id)


def test_poison_message_is_reported_not_looped(cloud: Cloud) -> None:
    cloud.sqs.send_message(QueueUrl=cloud.queue_url, MessageBody="not json")
    messages = receive_batch(cloud)
    assert deliver(cloud, messages) == [messages[0]["MessageId"]]
    # SQS moves it to the DLQ after maxReceiveCount receives; the DLQ has no consumer, so it rests there.
    for _ in range(3):
        deliver(cloud, receive_batch(cloud))
    assert receive_batch(cloud) == []
    parked = receive_batch(cloud, cloud.dlq_url)
    assert [m["Body"] for m in parked] == ["not json"]


def test_corrupt_upload_fails_with_reason(cloud: Cloud, own_upload: Callable[..., dict[str, Any]]) -> None:
    key = "library/Broken/broken - 03.mp4"
    cloud.split.handler(own_upload(key, b"\x00\x00\x00\x18ftypmp42" + os.urandom(4096)), LocalContext())
    video = cloud.store.get_video(video_id_for(f"s3://{BUCKET}/{key}"))
    assert video is not None and video.status == "failed"
    # A short public reason: the file name, not the URL the function read (bucket, account, key).
    assert video.error == "broken - 03.mp4: not a readable video (ffmpeg: invalid data)"
    assert receive_batch(cloud) == [] and receive_batch(cloud, cloud.dlq_url) == []
    status, body = call_api(cloud, http_event("GET", f"/videos/{video.id}"))
    assert status == 200 and body["status"] == "failed" and body["error"] == video.error
    status, body = call_api(cloud, http_event("GET", "/videos"))
    assert BUCKET not in json.dumps(body) and "://" not in json.dumps(body)


def test_metadata_overrides_title_and_episode(cloud: Cloud, own_upload: Callable[..., dict[str, Any]]) -> None:
    key = "library/Whatever/clip.mp4"
    event = own_upload(key, CLIP.read_bytes()[:1000], Metadata={"title": "Sintel (2010)", "episode": "SP1"})
    cloud.split.handler(event, LocalContext())
    video = cloud.store.get_video(video_id_for(f"s3://{BUCKET}/{key}"))
    assert video is not None and (video.title, video.episode) == ("Sintel (2010)", "SP1")


def test_deleting_the_object_removes_every_entry(
    cloud: Cloud, sintel: Indexed, own_upload: Callable[..., dict[str, Any]]
) -> None:
    key = "library/Sintel/[Blender] Sintel - 03 [480p].mp4"
    cloud.split.handler(own_upload(key, CLIP.read_bytes()), LocalContext())
    drain(cloud)
    video_id = video_id_for(f"s3://{BUCKET}/{key}")
    assert cloud.store.scene_count(video_id) > 0
    other_rows, other_video = items_of(cloud, sintel.video_id), cloud.store.get_video(sintel.video_id)
    deleted = cloud.s3.delete_object(Bucket=BUCKET, Key=key)
    cloud.split.handler(s3_event("s3-delete.json", key, versionId=deleted["VersionId"]), LocalContext())
    assert cloud.store.get_video(video_id) is None
    assert cloud.store.scene_count(video_id) == 0 and items_of(cloud, video_id) == []
    assert timeline_of(cloud, video_id) == []
    # The other upload is untouched.
    assert items_of(cloud, sintel.video_id) == other_rows and other_rows
    # Its buckets, which the removal emptied of the deleted copy, stay in their cell maps.
    buckets = {r["bucket"] for r in other_rows}
    assert buckets <= {b for cells in cloud.store.cells.maps(buckets).values() for b in cells}
    assert cloud.store.get_video(sintel.video_id) == other_video
    status, body = call_api(cloud, http_event("GET", f"/videos/{video_id}"))
    assert status == 404 and "error" in body
