"""S3 as the indexing pipeline sees it: the uploaded object a video is read from, and a presigned
URL through which ffmpeg reads it (with range requests, as it reads a local file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from ashen.errors import ImageTooLarge

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

URL_EXPIRY_S = 3600  # a presigned URL outlives the longest read of one segment (or a probe)


def s3_url(bucket: str, key: str) -> str:
    """The ``s3://`` address of an object: the source a video record names, and what its id hashes."""
    return f"s3://{bucket}/{key}"


def s3_key(key: str) -> str:
    """An S3 event's object key, URL-decoded the way S3 encodes it in notifications."""
    return unquote_plus(key)


@dataclass(frozen=True)
class S3Object:
    """One upload of an object: where it is and which revision of it is being indexed."""

    bucket: str
    key: str
    revision: str  # what makes an upload new: its version id, or its ETag in an unversioned bucket
    version_id: str | None = None  # the version to read (None: an unversioned bucket)

    @property
    def url(self) -> str:
        return s3_url(self.bucket, self.key)


@cache
def client() -> S3Client:
    """The S3 client, made on first use: boto3 (and s3transfer) are imported only then, so the query
    function's cold start does not pay for them until a route needs S3 (docs/benchmarks.md)."""
    import boto3

    return boto3.client("s3")


def current_upload(bucket: str, key: str) -> tuple[S3Object, dict[str, str]] | None:
    """The object's current version and its user metadata (``x-amz-meta-*``); None when the object
    has no current version (deleted, or behind a delete marker). The revision is the version id,
    or the ETag in an unversioned bucket, as ashen.aws.ingest.ObjectEvent reads it from an event."""
    try:
        head = client().head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    version = head.get("VersionId") or None
    version = None if version == "null" else version
    revision = version or head.get("ETag", "").strip('"')
    return S3Object(bucket, key, revision, version), head.get("Metadata", {})


class S3Uploads:
    """The ingest bucket through boto3 (ashen.aws.ingest.Uploads)."""

    def current(self, bucket: str, key: str) -> tuple[S3Object, dict[str, str]] | None:
        return current_upload(bucket, key)

    def reader_url(self, upload: S3Object) -> str:
        return presigned_get(upload)

    def read(self, upload: S3Object, limit: int) -> bytes:
        return read_object(upload, limit)


def read_object(obj: S3Object, limit: int) -> bytes:
    """The bytes of ``obj`` (its version), reading at most ``limit`` + 1 of them; ImageTooLarge
    when it holds more than ``limit`` (nothing more is read)."""
    params = {"Bucket": obj.bucket, "Key": obj.key} | ({"VersionId": obj.version_id} if obj.version_id else {})
    try:
        body = client().get_object(**params, Range=f"bytes=0-{limit}")["Body"].read()  # type: ignore[arg-type]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "InvalidRange":  # an empty object
            return b""
        raise
    if len(body) > limit:
        raise ImageTooLarge(f"{obj.key.rsplit('/', 1)[-1]}: larger than the {limit // 2**20} MiB an image may be")
    return bytes(body)


def presigned_get(obj: S3Object) -> str:
    """A URL that reads ``obj`` (its version, when it has one) for URL_EXPIRY_S seconds."""
    params = {"Bucket": obj.bucket, "Key": obj.key} | ({"VersionId": obj.version_id} if obj.version_id else {})
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=URL_EXPIRY_S)
