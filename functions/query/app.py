"""Query: the HTTP API. ashen.api.app.create_app joins the route modules (the same resolver `ashen serve` runs)."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ashen.accounts.access import Access, AccessPolicy
from ashen.api.app import create_app
from ashen.api.preview_routes import PreviewSite
from ashen.aws.library import S3Library
from ashen.aws.previews import secret_signer
from ashen.search import SearchResult
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_accounts import DynamoAccounts

# No Powertools Tracer here: importing the X-Ray SDK builds its sampler's botocore clients
# (aws-xray-sdk-python#311), the largest single part of this function's init (docs/benchmarks.md,
# Query function cold start). Lambda's Active tracing still records each invocation and its init.
logger = Logger()
metrics = Metrics()


def record_search(result: SearchResult, seconds: float) -> None:
    metrics.add_metric(name="SearchLatency", unit=MetricUnit.Milliseconds, value=seconds * 1000)
    metrics.add_metric(name="CandidatesRead", unit=MetricUnit.Count, value=result.frame_count)
    metrics.add_metric(name="BucketsRead", unit=MetricUnit.Count, value=result.buckets_read)


# Search answers carry preview URLs signed with the stack's secret (read on the first search); the
# preview function serves them. The management routes act on the ingest bucket (ashen.aws.library).
# Keys, roles and limits (docs/accounts.md): keys and counters in the KeysTable, the policy from the
# stack's RequireKey / AnonymousQuota / AnonymousRate parameters.
policy = AccessPolicy(
    require_key=os.environ.get("ASHEN_REQUIRE_KEY", "false").lower() == "true",
    anonymous_quota=int(os.environ.get("ASHEN_ANONYMOUS_QUOTA", "100")),
    anonymous_rate=int(os.environ.get("ASHEN_ANONYMOUS_RATE", "10")),
)
access = Access(DynamoAccounts.from_env(), policy)
app = create_app(
    store_factory=DynamoStore.from_env,
    on_search=record_search,
    previews=PreviewSite(secret_signer),
    access=access,
    library=S3Library.from_env(),
)


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
