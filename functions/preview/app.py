"""Preview: ``GET /preview/{videoId}/video.mp4`` and ``.../image.jpg``. Checks the signed URL, cuts
the preview with ffmpeg from the upload (or finds it in PreviewBucket) and answers 302 to a
presigned GET of it (ashen.api.preview_routes, ashen.aws.previews)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from ashen.api.app import create_preview_app
from ashen.api.preview_routes import PreviewSite
from ashen.aws.previews import BucketCache, secret_signer, upload_source
from ashen.preview.service import Previews
from ashen.store.dynamodb import DynamoStore

logger = Logger()
tracer = Tracer(patch_modules=[])  # a GetItem, a Query, a HEAD and a PUT per preview


def _previews() -> Previews:
    return Previews(DynamoStore.from_env(), BucketCache.from_env(), upload_source, Path("/tmp"))


def _location(key: str) -> str:
    return BucketCache.from_env().location(key)


app = create_preview_app(PreviewSite(secret_signer, _previews, location=_location))


@tracer.capture_lambda_handler
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
