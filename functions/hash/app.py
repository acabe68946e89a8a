"""Hash: SQS batches of segment messages -> decode through a presigned URL -> scenes -> DynamoDB.

Partial batch responses: a record that raises is reported failed and retried by SQS; a segment
that cannot be read on its last attempt (ASHEN_SEGMENT_ATTEMPTS, the queue's maxReceiveCount)
fails its video, and whatever else the queue gives up on goes to the dead-letter queue, whose
handler (functions/upkeep) fails the video. The rest of a batch is not redone.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ashen.aws import s3
from ashen.aws.fanout import SegmentStatus, SegmentTask, run_segment
from ashen.store.dynamodb import DynamoStore

# No Powertools Tracer here, as in the query function: importing the X-Ray SDK builds its
# sampler's botocore clients (aws-xray-sdk-python#311), a large part of this function's init
# (docs/benchmarks.md, Hash function init). Lambda's Active tracing still records each invocation.
logger = Logger()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def _store() -> DynamoStore:
    return DynamoStore.from_env()


def record_handler(record: SQSRecord) -> None:
    try:
        task = SegmentTask.from_message(record.body)
    except (ValueError, KeyError, TypeError):
        logger.exception("not a segment message; the queue parks it in the dead-letter queue")
        raise
    threads = int(os.environ.get("ASHEN_FFMPEG_THREADS", 2))
    attempt = int(record.attributes.approximate_receive_count or 1)
    attempts = int(os.environ.get("ASHEN_SEGMENT_ATTEMPTS", 3))
    where = {"video": task.video_id, "key": task.source.key, "version": task.source.version_id}
    logger.append_keys(**where, segment=task.segment.index, attempt=attempt)
    try:
        source = s3.presigned_get(task.source)
        outcome = run_segment(_store(), task, source, threads=threads, attempt=attempt, attempts=attempts)
    except Exception:
        logger.exception("segment failed; the queue delivers it again")
        raise
    logger.info("segment", extra={"outcome": outcome.status, "frames": outcome.frames, "scenes": outcome.scenes})
    metrics.add_metric(name="FramesHashed", unit=MetricUnit.Count, value=outcome.frames)
    metrics.add_metric(name="ScenesWritten", unit=MetricUnit.Count, value=outcome.scenes)
    if outcome.finished:
        metrics.add_metric(name="VideosIndexed", unit=MetricUnit.Count, value=1)
    if outcome.status == SegmentStatus.FAILED:
        metrics.add_metric(name="VideosFailed", unit=MetricUnit.Count, value=1)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    metrics.add_metric(name="SegmentMessages", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
