"""Split: an S3 ObjectCreated event under library/ -> probe -> video record -> one SQS message per
segment. ObjectRemoved -> the video and all its entries are deleted."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.typing import LambdaContext

from ashen.aws import s3
from ashen.aws.fanout import SEGMENT_S, SegmentTask, start_video
from ashen.aws.naming import LIBRARY_PREFIX, naming_for_key
from ashen.indexing.indexer import video_id_for
from ashen.store.dynamodb import DynamoStore

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # a few calls per upload: S3 HEAD, the record, SQS sends
metrics = Metrics()


@cache
def _sqs() -> SQSClient:
    return boto3.client("sqs")


@cache
def _store() -> DynamoStore:
    return DynamoStore.from_env()


def send_tasks(tasks: list[SegmentTask]) -> None:
    queue = os.environ["ASHEN_HASH_QUEUE_URL"]
    for i in range(0, len(tasks), 10):
        chunk = tasks[i : i + 10]
        entries: list[SendMessageBatchRequestEntryTypeDef] = [
            {"Id": str(t.segment.index), "MessageBody": t.to_message()} for t in chunk
        ]
        failed = _sqs().send_message_batch(QueueUrl=queue, Entries=entries).get("Failed") or []
        if failed:
            raise RuntimeError(f"SQS refused {len(failed)} segment messages: {failed[0].get('Message')}")


@tracer.capture_method
def ingest(bucket: str, key: str, version_id: str | None, etag: str) -> None:
    upload, metadata = s3.head_upload(bucket, key, version_id, etag)
    segment_seconds = float(os.environ.get("ASHEN_SEGMENT_SECONDS", SEGMENT_S))
    naming = naming_for_key(key, metadata)
    video, tasks = start_video(_store(), upload, naming, s3.presigned_get(upload), segment_seconds=segment_seconds)
    logger.info(
        "split",
        extra={"video": video.id, "key": key, "status": video.status, "segments": len(tasks), "error": video.error},
    )
    if not tasks:
        return
    try:
        send_tasks(tasks)
    except Exception as exc:
        # A retry of this event would see the revision recorded and plan nothing: fail it visibly.
        _store().fail_video(video.id, upload.revision, f"could not queue segments: {exc}")
        raise
    metrics.add_metric(name="SegmentsPlanned", unit=MetricUnit.Count, value=len(tasks))
    metrics.add_metric(name="VideoSeconds", unit=MetricUnit.Seconds, value=video.duration or 0)


@tracer.capture_method
def remove(bucket: str, key: str) -> None:
    video_id = video_id_for(s3.s3_url(bucket, key))
    removed = _store().remove_video(video_id)
    logger.info("removed", extra={"video": video_id, "key": key, "found": removed})
    if removed:
        metrics.add_metric(name="VideosRemoved", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    handled = 0
    for record in S3Event(event).records:
        bucket = record.s3.bucket.name
        key = s3.s3_key(record.s3.get_object.key)
        if not key.startswith(LIBRARY_PREFIX) or key.endswith("/"):
            continue
        if record.event_name.startswith("ObjectRemoved"):
            remove(bucket, key)
        elif record.event_name.startswith("ObjectCreated"):
            ingest(bucket, key, record.s3.get_object.version_id, record.s3.get_object.etag)
        handled += 1
    metrics.add_metric(name="ObjectEvents", unit=MetricUnit.Count, value=handled)
    return {"handled": handled}
