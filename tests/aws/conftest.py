"""Fixtures of the AWS stack under moto (tests/aws/stack.py): one server and one indexed upload
of the clip (``sintel``, which no test changes) for the whole folder. Each test that takes
``cloud`` starts with empty queues, and what a test uploads through ``own_upload`` is removed
after it, so any test or subset runs alone or in any order."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from ashen.api.local_server import LocalContext
from ashen.indexing.indexer import video_id_for
from ashen.media.probe import ffmpeg_exe
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_accounts import DynamoAccounts
from tests.aws.stack import (
    BUCKET,
    CLIP,
    KEY,
    PREVIEW_BUCKET,
    SEGMENT_SECONDS,
    Cloud,
    Indexed,
    drain,
    load_handler,
    purge,
    upload,
)


@pytest.fixture(scope="package")
def stack() -> Iterator[Cloud]:
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
        "ASHEN_KEYS_TABLE": "ashen-keys",
        "ASHEN_SEGMENT_SECONDS": str(SEGMENT_SECONDS),
        "ASHEN_INGEST_BUCKET": BUCKET,  # the query function's management routes
        "ASHEN_MAX_UPLOAD_BYTES": "50000000",
        # Every test of the package searches the one stack anonymously from 127.0.0.1: the tier's
        # default 10 a minute would fail whichever test comes after the tenth search (the tier
        # itself is tested in tests/api/test_access.py; keys on this stack in test_keys.py).
        "ASHEN_ANONYMOUS_RATE": "100000",
        "ASHEN_ANONYMOUS_QUOTA": "100000",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_SERVICE_NAME": "ashen",
        "POWERTOOLS_METRICS_NAMESPACE": "Ashen",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false",  # each test purges the queues (empty_queues)
    }
    saved = {
        k: os.environ.get(k) for k in [*env, "ASHEN_HASH_QUEUE_URL", "ASHEN_PREVIEW_SECRET", "ASHEN_PREVIEW_BUCKET"]
    }
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
        s3.create_bucket(Bucket=PREVIEW_BUCKET)  # the PreviewBucket, and the key the stack generates
        secret = boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(
            Name="ashen-preview", SecretString="k" * 64
        )
        os.environ["ASHEN_PREVIEW_SECRET"] = secret["ARN"]
        os.environ["ASHEN_PREVIEW_BUCKET"] = PREVIEW_BUCKET
        store = DynamoStore.from_env()
        store.create_tables()
        DynamoAccounts.from_env().create_table()  # the query function's keys and counters
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
            load_handler("upkeep"),
            load_handler("preview"),
        )
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        server.stop()


@pytest.fixture()
def cloud(stack: Cloud) -> Cloud:
    """The stack, with both queues empty whatever ran (or failed half-way) before."""
    purge(stack)
    return stack


@pytest.fixture(scope="package")
def sintel(stack: Cloud) -> Indexed:
    """The clip uploaded as KEY and indexed through split and hash, once for the module. Tests read it
    and never change it (test_upload_to_search_result checks how it went)."""
    purge(stack)
    event = upload(stack, KEY, CLIP.read_bytes())
    stack.split.handler(copy.deepcopy(event), LocalContext())
    video_id = video_id_for(f"s3://{BUCKET}/{KEY}")
    planned = stack.store.get_video(video_id)
    return Indexed(video_id, event, planned, drain(stack))


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


def _encode(path: Path, *source: str) -> Path:
    cmd = [ffmpeg_exe(), "-v", "error", *source, "-an", "-c:v", "libx264", "-preset", "veryfast"]
    cmd += ["-pix_fmt", "yuv420p", "-movflags", "+faststart", "-y", str(path)]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


@pytest.fixture(scope="package")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first 10 s of the Sintel clip at 424x240: two segments, quick to hash (the fault tests
    upload it many times)."""
    return _encode(
        tmp_path_factory.mktemp("clips") / "sintel-10s.mp4", "-i", str(CLIP), "-t", "10", "-vf", "scale=424:-2"
    )


@pytest.fixture(scope="package")
def other_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 s that look nothing like Sintel (ffmpeg's test pattern), to upload over it."""
    pattern = "testsrc2=size=320x180:rate=24:duration=10"
    return _encode(tmp_path_factory.mktemp("clips") / "pattern.mp4", "-f", "lavfi", "-i", pattern)
