"""Upkeep: nothing stays ``indexing`` without progress (ashen.aws.upkeep).

Two triggers, one function: the hash dead-letter queue (each message fails its video with a
reason; its body is logged in full for inspection) and a schedule (videos whose segments stopped
finishing are swept to ``failed``)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from ashen.aws.upkeep import STALL_S, fail_dead_letter, sweep_stalled
from ashen.store.dynamodb import DynamoStore

logger = Logger()
tracer = Tracer(patch_modules=[])  # a few calls per run; no subsegment per DynamoDB update
metrics = Metrics()


@cache
def _store() -> DynamoStore:
    return DynamoStore.from_env()


def dead_letters(event: dict[str, Any]) -> dict[str, int]:
    attempts = int(os.environ.get("ASHEN_SEGMENT_ATTEMPTS", 3))
    failed = 0
    for record in SQSEvent(event).records:
        outcome = fail_dead_letter(_store(), record.body, attempts)
        extra = {"video": outcome.video_id, "failed": outcome.failed, "reason": outcome.reason, "body": record.body}
        logger.error("dead-lettered segment message", extra=extra)
        metrics.add_metric(name="SegmentsDeadLettered", unit=MetricUnit.Count, value=1)
        failed += outcome.failed
    return {"dead_letters": len(event["Records"]), "videos_failed": failed}


def sweep() -> dict[str, int]:
    stall_s = float(os.environ.get("ASHEN_STALL_MINUTES", STALL_S / 60)) * 60
    swept = sweep_stalled(_store(), stall_s=stall_s)
    for video_id in swept:
        logger.error("stalled video failed", extra={"video": video_id, "stall_minutes": stall_s / 60})
    metrics.add_metric(name="VideosStalled", unit=MetricUnit.Count, value=len(swept))
    return {"stalled": len(swept)}


@metrics.log_metrics
@tracer.capture_lambda_handler
@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    if isinstance(event.get("Records"), list):
        return dead_letters(event)
    return sweep()  # the schedule's event carries nothing this needs
