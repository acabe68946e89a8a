"""The AWS stack under moto, for the tests in this folder: the resources template.yaml declares
(bucket, queues, tables) on a threaded moto server on 127.0.0.1, the real handlers of functions/,
and helpers that play S3's notifications and the Lambda SQS poller.

S3 events are the samples in events/, filled in, each with a sequencer later than the last; HTTP
API events come from the local server's builder (ashen.api.local_server.http_event).
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import io
import itertools
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote_plus

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from ashen.api.local_server import LocalContext, http_event
from ashen.indexing.indexer import video_id_for
from ashen.media.probe import ffmpeg_exe
from ashen.records import VideoRecord
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_models import timeline_key

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
BUCKET = "ashen-ingest-test"
PREVIEW_BUCKET = "ashen-previews-test"
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
    upkeep: ModuleType
    preview: ModuleType


def purge(cloud: Cloud) -> None:
    for url in (cloud.queue_url, cloud.dlq_url):
        cloud.sqs.purge_queue(QueueUrl=url)


@dataclass
class Indexed:
    video_id: str
    event: dict[str, Any]  # the S3 event of the upload
    planned: VideoRecord | None  # the video record as the split function left it
    batches: int  # SQS batches the hash function took to index it


_SEQUENCER = itertools.count(int(time.time() * 1000) << 20)


def next_sequencer() -> str:
    """A sequencer later than every one before, as S3 gives each event on a key."""
    return f"{next(_SEQUENCER):018X}"


def s3_event(sample: str, key: str, *, event_name: str | None = None, **object_fields: Any) -> dict[str, Any]:
    """An S3 event on ``key`` (the sample's other fields kept), with the next sequencer unless given."""
    event = event_sample(sample)
    event["Records"][0]["s3"]["object"]["sequencer"] = next_sequencer()
    if event_name is not None:
        event["Records"][0]["eventName"] = event_name
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
        data = item.attribute_values | {"bucket": item.bucket, "rev": item.rev}  # these two read from the keys
        rows.append({k: (v.hex() if isinstance(v, bytes) else v) for k, v in data.items()})
    return sorted(rows, key=lambda r: (r["block"], r["sk"]))


def timeline_of(cloud: Cloud, video_id: str) -> list[dict[str, Any]]:
    """Every timeline item of one video (of every revision), as stored, by revision and time."""
    found = cloud.store.Timeline.query(timeline_key(video_id), consistent_read=True)
    rows = [item.attribute_values | {"rev": item.rev} for item in found]
    return [{k: (v.hex() if isinstance(v, bytes) else v) for k, v in r.items()} for r in rows]


def normalised(rows: list[dict[str, Any]], video_id: str) -> list[dict[str, Any]]:
    """Items with the video id and revision blanked out (to compare two uploads of the same bytes)."""
    out = []
    for r in rows:
        sk = r["sk"].replace(video_id, "VID").replace(r["rev"], "REV")
        block = r["block"].replace(video_id, "VID").split("#")[0]
        out.append({**r, "sk": sk, "video": "VID", "rev": "REV", "block": block})
    return sorted(out, key=lambda r: (r["block"], r["sk"]))


def frame_png(t: float, clip: Path = CLIP) -> bytes:
    """The frame of ``clip`` at ``t`` seconds, as a PNG screenshot."""
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-ss",
        f"{t}",
        "-i",
        str(clip),
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


def split(cloud: Cloud, event: dict[str, Any]) -> dict[str, int]:
    """Run the split function on an S3 event (a copy: handlers may change what they are given)."""
    result: dict[str, int] = cloud.split.handler(copy.deepcopy(event), LocalContext())
    return result


def found(cloud: Cloud, png: bytes) -> list[str]:
    """The video ids a search of ``png`` answers with confidence, best first (every query that
    reaches a scene gets an answer; only a confident one says the scene is there)."""
    status, body = call_api(cloud, http_event("POST", "/search", body=png, headers=PNG))
    assert status == 200, body
    return [r["videoId"] for r in body["result"] if r["confident"]]


def video_of(key: str) -> str:
    return video_id_for(f"s3://{BUCKET}/{key}")


def revisions_of(cloud: Cloud, video_id: str) -> set[str]:
    """The revision tags the video's stored items carry."""
    return {r["rev"] for r in items_of(cloud, video_id)}


def answering(cloud: Cloud, video_id: str) -> set[str]:
    """The revision tags of the video whose stored scenes may answer a search: every (start,
    signature) of that revision comes back from a read of its buckets, and the store names it the
    video's live revision (``answering_videos``). (A search through
    the API tells the same, at the cost of many requests when the picture is not found.)"""
    items = items_of(cloud, video_id)
    live = {v: tag for v, (_, tag) in cloud.store.answering_videos([video_id]).items()}
    out = set()
    for tag in {r["rev"] for r in items}:
        mine = [r for r in items if r["rev"] == tag]
        read = cloud.store.candidates(sorted({r["bucket"] for r in mine}))
        got = {
            (c.start, c.signature.hex()) for c in read if c.video_id == video_id and live.get(video_id) == c.revision
        }
        if {(float(r["start"]), r["sig"]) for r in mine} <= got:
            out.add(tag)
    return out


@contextlib.contextmanager
def logs_of(function: ModuleType) -> Iterator[list[dict[str, Any]]]:
    """The JSON log entries a handler module writes (at INFO and above) while the block runs."""
    handler = function.logger.registered_handler
    stream, level = io.StringIO(), function.logger.log_level
    previous = handler.setStream(stream)
    function.logger.setLevel("INFO")
    entries: list[dict[str, Any]] = []
    try:
        yield entries
    finally:
        handler.setStream(previous)
        function.logger.setLevel(level)
        entries += [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
