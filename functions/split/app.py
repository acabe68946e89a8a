"""Split: S3 events under library/ -> ashen.aws.ingest (probe, record, one SQS message per
segment; or remove the video). Each record is logged with its bucket, key, version and sequencer.

A record that raises fails the invocation: Lambda retries the event (twice), then sends it to the
function's failure destination. Records that are not S3 object events are logged and skipped
(a retry would not change them)."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ashen.aws.fanout import SEGMENT_S, SegmentTask
from ashen.aws.ingest import EventError, Ingest, ObjectEvent, event_records
from ashen.aws.s3 import S3Uploads
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


class SqsQueue:
    """The hash queue (ashen.aws.ingest.TaskQueue): batches of ten."""

    def send(self, tasks: list[SegmentTask]) -> None:
        queue = os.environ["ASHEN_HASH_QUEUE_URL"]
        for i in range(0, len(tasks), 10):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(t.segment.index), "MessageBody": t.to_message()} for t in tasks[i : i + 10]
            ]
            failed = _sqs().send_message_batch(QueueUrl=queue, Entries=entries).get("Failed") or []
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} segment messages: {failed[0].get('Message')}")


@cache
def _ingest() -> Ingest:
    segment_seconds = float(os.environ.get("ASHEN_SEGMENT_SECONDS", SEGMENT_S))
    return Ingest(DynamoStore.from_env(), S3Uploads(), SqsQueue(), segment_seconds)


def apply(event: ObjectEvent) -> None:
    where = {"bucket": event.bucket, "key": event.key, "version": event.version_id, "sequencer": event.sequencer}
    logger.append_keys(**where, event_name=event.name)
    try:
        applied = _ingest().apply(event)
    except Exception:
        logger.exception("object event failed; the event will be retried")
        raise
    logger.info(
        applied.action, extra={"video": applied.video_id, "detail": applied.detail, "segments": applied.segments}
    )
    metrics.add_metric(name=f"Videos{applied.action.capitalize()}", unit=MetricUnit.Count, value=1)
    if applied.segments:
        metrics.add_metric(name="SegmentsPlanned", unit=MetricUnit.Count, value=applied.segments)


def _skip(reason: str, event: object) -> None:
    fields = sorted(event)[:20] if isinstance(event, dict) else type(event).__name__
    logger.error("not an S3 object event; skipped", extra={"reason": reason, "fields": fields})
    metrics.add_metric(name="BadEvents", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    try:
        records = event_records(event)
    except EventError as exc:
        _skip(str(exc), event)
        return {"handled": 0}
    handled = 0
    for record in records:
        try:
            one = ObjectEvent.from_record(record)
        except EventError as exc:
            _skip(str(exc), record)
            continue
        if one.in_library:
            apply(one)
            handled += 1
    metrics.add_metric(name="ObjectEvents", unit=MetricUnit.Count, value=handled)
    return {"handled": handled}
