"""S3 as the indexing pipeline sees it: the uploaded object a video is read from, and a presigned
URL through which ffmpeg reads it (with range requests, as it reads a local file)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import unquote_plus

import boto3

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import HeadObjectRequestTypeDef

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
    return boto3.client("s3")


def head_upload(bucket: str, key: str, version_id: str | None, etag: str) -> tuple[S3Object, dict[str, str]]:
    """The upload an S3 event names, and its user metadata (``x-amz-meta-*``). The event's ETag is
    the revision of an unversioned object; the object's own ETag stands in when the event has none."""
    request: HeadObjectRequestTypeDef = {"Bucket": bucket, "Key": key}
    if version_id:
        request["VersionId"] = version_id
    head = client().head_object(**request)
    revision = version_id or etag or head.get("ETag", "").strip('"')
    return S3Object(bucket, key, revision, version_id), head.get("Metadata", {})


def presigned_get(obj: S3Object) -> str:
    """A URL that reads ``obj`` (its version, when it has one) for URL_EXPIRY_S seconds."""
    params = {"Bucket": obj.bucket, "Key": obj.key} | ({"VersionId": obj.version_id} if obj.version_id else {})
    return client().generate_presigned_url("get_object", Params=params, ExpiresIn=URL_EXPIRY_S)
