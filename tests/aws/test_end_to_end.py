"""End to end on moto: S3 upload -> split -> SQS -> hash workers -> DynamoDB -> HTTP API search.

moto runs as a real threaded server on 127.0.0.1, so ffmpeg reads the clip through presigned URLs
with range requests, the way it reads S3 on AWS. S3 and SQS events are the samples in events/, filled
in; HTTP API events come from the local server's builder (ashen.local_server.http_event).

The tests share one moto server and one indexed upload of the clip (``sintel``, which none of them
changes). Each starts with empty queues, and what a test uploads itself is removed after it, so any
test or subset runs alone or in any order.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto.server import ThreadedMotoServer

from ashen.api.local_server import LocalContext, http_event
from ashen.box import Box
from ashen.indexing.indexer import video_id_for
from ashen.media.probe import ffmpeg_exe
from ashen.records import VideoRecord
from ashen.store.dynamodb import DynamoStore

pytestmark = pytest.mark.slow  # the whole stack under moto: minutes of CPU on a loaded machine

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
BUCKET = "ashen-ingest-test"
KEY = "library/Sintel/[Blender] Sintel - 01 [480p].mp4"
KEY_B = "library/Sintel/[Blender] Sintel - 02 [480p].mp4"
SEGMENT_SECONDS = 8.0  # 26.2 s -> 4 segments, 3 seams
PNG = {"content-type": "image/png"}


def load_handler(name: str) -> ModuleType:
    path = ROOT / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"ashen_fn_{name}_{uuid.uuid4().hex[:6]}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event_sample(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / name).read_text())


@dataclass
class Cloud:
    endpoint: str
    s3: Any
    sqs: Any
    queue_url: str
    dlq_url: str
    store: DynamoStore
    split: ModuleType
    hash: ModuleType
    query: ModuleType


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "ASHEN_DYNAMODB_ENDPOINT": endpoint,
        "ASHEN_SCENES_TABLE": "ashen-scenes",
        "ASHEN_VIDEOS_TABLE": "ashen-videos",
        "ASHEN_SEGMENT_SECONDS": str(SEGMENT_SECONDS),
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "ashen",
        "POWERTOOLS_METRICS_NAMESPACE": "Ashen",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false",  # each test purges the queues (empty_queues)
    }
    saved = {k: os.environ.get(k) for k in [*env, "ASHEN_HASH_QUEUE_URL"]}
    os.environ.update(env)
    try:
        s3 = boto3.client("s3", endpoint_url=endpoint)
        sqs = boto3.client("sqs", endpoint_url=endpoint)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        dlq_url = sqs.create_queue(QueueName="ashen-hash-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = sqs.create_queue(
            QueueName="ashen-hash",
            Attributes={
                "VisibilityTimeout": "0",  # a failed record is visible again at once (the test redelivers)
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
            },
        )["QueueUrl"]
        os.environ["ASHEN_HASH_QUEUE_URL"] = queue_url
        store = DynamoStore.from_env()
        store.create_tables()
        yield Cloud(
            endpoint,
            s3,
            sqs,
            queue_url,
            dlq_url,
            store,
            load_handler("split"),
            load_handler("hash"),
            load_handler("query"),
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()


def purge(cloud: Cloud) -> None:
    for url in (cloud.queue_url, cloud.dlq_url):
        cloud.sqs.purge_queue(QueueUrl=url)


@pytest.fixture(autouse=True)
def empty_queues(cloud: Cloud) -> None:
    """Every test starts with both queues empty, whatever ran (or failed half-way) before it."""
    purge(cloud)


@dataclass
class Indexed:
    video_id: str
    event: dict[str, Any]  # the S3 event of the upload
    planned: VideoRecord | None  # the video record as the split function left it
    batches: int  # SQS batches the hash function took to index it


@pytest.fixture(scope="module")
def sintel(cloud: Cloud) -> Indexed:
    """The clip uploaded as KEY and indexed through split and hash, once for the module. Tests read it
    and never change it (test_upload_to_search_result checks how it went)."""
    purge(cloud)
    event = upload(cloud, KEY, CLIP.read_bytes())
    cloud.split.handler(copy.deepcopy(event), LocalContext())
    video_id = video_id_for(f"s3://{BUCKET}/{KEY}")
    planned = cloud.store.get_video(video_id)
    return Indexed(video_id, event, planned, drain(cloud))


@pytest.fixture()
def own_upload(cloud: Cloud) -> Iterator[Callable[..., dict[str, Any]]]:
    """``upload`` for a test's own keys; their videos and scenes are removed after the test, so no other
    test sees them (another copy of the clip would tie with ``sintel`` in a search)."""
    keys: list[str] = []

    def put(key: str, body: bytes, **extra: Any) -> dict[str, Any]:
        keys.append(key)
        return upload(cloud, key, body, **extra)

    yield put
    for key in keys:
        cloud.store.remove_video(video_id_for(f"s3://{BUCKET}/{key}"))


def s3_event(sample: str, key: str, **object_fields: Any) -> dict[str, Any]:
    event = event_sample(sample)
    record = event["Records"][0]
    record["s3"]["bucket"]["name"] = BUCKET
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{BUCKET}"
    record["s3"]["object"]["key"] = quote_plus(key, safe="/")
    record["s3"]["object"].update(object_fields)
    return event


def upload(cloud: Cloud, key: str, body: bytes, **extra: Any) -> dict[str, Any]:
    put = cloud.s3.put_object(Bucket=BUCKET, Key=key, Body=body, **extra)
    return s3_event("s3-put.json", key, size=len(body), eTag=put["ETag"].strip('"'), versionId=put["VersionId"])


def receive_batch(cloud: Cloud, url: str | None = None) -> list[dict[str, Any]]:
    messages = cloud.sqs.receive_message(
        QueueUrl=url or cloud.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", [])
    return messages


def sqs_event(cloud: Cloud, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Messages shaped the way the Lambda SQS poller hands them to the function."""
    template = event_sample("sqs-batch.json")["Records"][0]
    records = []
    for m in messages:
        r = copy.deepcopy(template)
        r.update(
            messageId=m["MessageId"],
            receiptHandle=m["ReceiptHandle"],
            body=m["Body"],
            md5OfBody=m["MD5OfBody"],
            eventSourceARN="arn:aws:sqs:us-east-1:123456789012:ashen-hash",
        )
        r["attributes"]["ApproximateReceiveCount"] = m.get("Attributes", {}).get("ApproximateReceiveCount", "1")
        records.append(r)
    return {"Records": records}


def deliver(cloud: Cloud, messages: list[dict[str, Any]]) -> list[str]:
    """Run the hash function on one batch; delete what it reports done (as the poller does). Failed ids."""
    try:
        response = cloud.hash.handler(sqs_event(cloud, messages), LocalContext())
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
    except BatchProcessingError:  # every record failed: the invocation errors, the whole batch returns
        failed = {m["MessageId"] for m in messages}
    done = [
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
        for i, m in enumerate(messages)
        if m["MessageId"] not in failed
    ]
    if done:
        cloud.sqs.delete_message_batch(QueueUrl=cloud.queue_url, Entries=done)
    return sorted(failed)


def drain(cloud: Cloud) -> int:
    batches = 0
    while messages := receive_batch(cloud):
        deliver(cloud, messages)
        batches += 1
        assert batches < 20, "the queue does not drain"
    return batches


def items_of(cloud: Cloud, video_id: str) -> list[dict[str, Any]]:
    """Every scene item of one video, as stored (keys and attributes)."""
    rows = []
    for item in cloud.store.Scene.scan(cloud.store.Scene.video == video_id):
        data = item.attribute_values.copy()
        rows.append({k: (v.hex() if isinstance(v, bytes) else v) for k, v in data.items()})
    return sorted(rows, key=lambda r: (r["pk"], r["sk"]))


def normalised(rows: list[dict[str, Any]], video_id: str) -> list[dict[str, Any]]:
    """Items with the video id blanked out (to compare two uploads of the same bytes)."""
    out = []
    for r in rows:
        sk = r["sk"].replace(video_id, "VID")
        out.append({**r, "sk": sk, "video": "VID", "pk": r["pk"].split("#")[0]})
    return sorted(out, key=lambda r: (r["pk"], r["sk"]))


def frame_png(t: float) -> bytes:
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-ss",
        f"{t}",
        "-i",
        str(CLIP),
        "-frames:v",
        "1",
        "-f",
        "image2pipe",
        "-vcodec",
        "png",
        "pipe:1",
    ]
    return subprocess.run(cmd, capture_output=True, check=True).stdout


def call_api(cloud: Cloud, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = cloud.query.handler(event, LocalContext())
    return response["statusCode"], json.loads(response["body"])


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
    assert "not a readable video" in video.error and "s3://" in video.error and "X-Amz" not in video.error
    assert receive_batch(cloud) == [] and receive_batch(cloud, cloud.dlq_url) == []
    status, body = call_api(cloud, http_event("GET", f"/videos/{video.id}"))
    assert status == 200 and body["status"] == "failed" and body["error"]


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
    # The other upload is untouched.
    assert items_of(cloud, sintel.video_id) == other_rows and other_rows
    assert cloud.store.get_video(sintel.video_id) == other_video
    status, body = call_api(cloud, http_event("GET", f"/videos/{video_id}"))
    assert status == 404 and "error" in body
