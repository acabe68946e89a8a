"""Previews on AWS: the signing key from Secrets Manager (the stack generates it), the cache in the
PreviewBucket (a lifecycle rule expires it), sources read through presigned GETs of the uploads."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from ashen.aws.s3 import S3Object, client, presigned_get
from ashen.preview.signing import Signer
from ashen.records import VideoRecord
from ashen.store.dynamodb_tables import SESSION_LOCK, botocore_session

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRET_ENV = "ASHEN_PREVIEW_SECRET"  # the secret's ARN
BUCKET_ENV = "ASHEN_PREVIEW_BUCKET"
LINK_EXPIRY_S = 900  # a redirect's presigned GET: long enough to start playing, short to share
OBJECT_CACHE_CONTROL = "private, max-age=86400, immutable"  # a key's bytes never change


@cache
def secret_key() -> bytes:
    """The preview signing key: the secret's string, read once per container."""
    # botocore's session, not boto3's: the query function's first search does without importing
    # boto3 and s3transfer; the DynamoDB clients' session: the endpoint rules parsed once
    # (docs/benchmarks.md, Query function cold start)
    with SESSION_LOCK:
        secrets = cast("SecretsManagerClient", botocore_session().create_client("secretsmanager"))
    answer = secrets.get_secret_value(SecretId=os.environ[SECRET_ENV])
    return str(answer["SecretString"]).encode()


def secret_signer() -> Signer:
    return Signer(secret_key())


def upload_source(video: VideoRecord) -> str:
    """A URL ffmpeg reads the video's upload through (its record's source is ``s3://bucket/key``)."""
    parts = urlsplit(video.source)
    return presigned_get(S3Object(parts.netloc, parts.path.lstrip("/"), ""))


@dataclass(frozen=True)
class BucketCache:
    """Previews as objects of ``bucket`` under ``previews/``."""

    bucket: str

    @classmethod
    def from_env(cls) -> BucketCache:
        return cls(os.environ[BUCKET_ENV])

    def has(self, key: str) -> bool:
        try:
            client().head_object(Bucket=self.bucket, Key=f"previews/{key}")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def put(self, key: str, path: Path, content_type: str) -> None:
        extra = {"ContentType": content_type, "CacheControl": OBJECT_CACHE_CONTROL}
        client().upload_file(str(path), self.bucket, f"previews/{key}", ExtraArgs=extra)

    def location(self, key: str) -> str:
        """A presigned GET of the cached preview, for LINK_EXPIRY_S."""
        params = {"Bucket": self.bucket, "Key": f"previews/{key}"}
        return client().generate_presigned_url("get_object", Params=params, ExpiresIn=LINK_EXPIRY_S)
