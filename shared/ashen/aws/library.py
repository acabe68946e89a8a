"""The library on AWS (the ``Library`` of ashen.api.library_routes): the ingest bucket's objects
under ``library/`` are the videos, and the split function follows them.

* An upload is a presigned POST for ``library/<title>/<file>``: size between 1 byte and
  ``ASHEN_MAX_UPLOAD_BYTES``, the title and episode as object metadata (``x-amz-meta-title`` /
  ``-episode``, which ashen.aws.naming reads), valid UPLOAD_EXPIRY_S. The query function's role
  signs it, so its role may PutObject under ``library/``.
* Removing a video deletes its object: the ``ObjectRemoved`` event removes the index (a delete
  marker in the versioned bucket; the tombstone orders late events).
* Re-indexing copies the object onto itself with its metadata: a new version, whose
  ``ObjectCreated:Copy`` event the split function indexes as a new revision (the previous index
  answers until it is complete). CopyObject takes objects of up to 5 GB."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ashen.aws.naming import LIBRARY_PREFIX
from ashen.aws.s3 import client, s3_url
from ashen.errors import AshenError
from ashen.indexing.indexer import video_id_for
from ashen.records import UploadRequest, UploadTicket, VideoRecord

MAX_UPLOAD_BYTES = 20 * 10**9
UPLOAD_EXPIRY_S = 3600
MAX_COPY_BYTES = 5 * 10**9  # CopyObject's limit


def upload_key(request: UploadRequest) -> str:
    """``library/<title>/<file>``: a title's slashes would make folders, so they become dashes."""
    folder = request.title.replace("/", "-").strip() or "untitled"
    return f"{LIBRARY_PREFIX}{folder}/{request.filename}"


def _metadata(request: UploadRequest) -> dict[str, str]:
    """The upload's object metadata. S3 keeps user metadata as US-ASCII: a title that is not
    names the video through its folder alone."""
    meta = {"x-amz-meta-title": request.title} | ({"x-amz-meta-episode": request.episode} if request.episode else {})
    return {k: v for k, v in meta.items() if v.isascii()}


@dataclass(frozen=True)
class S3Library:
    bucket: str
    max_bytes: int = MAX_UPLOAD_BYTES

    @classmethod
    def from_env(cls) -> S3Library:
        return cls(os.environ["ASHEN_INGEST_BUCKET"], int(os.environ.get("ASHEN_MAX_UPLOAD_BYTES") or MAX_UPLOAD_BYTES))

    def new_upload(self, request: UploadRequest, base_url: str) -> UploadTicket:
        """A presigned POST of ``request``'s file to ``library/<title>/<file>``."""
        key = upload_key(request)
        fields = _metadata(request)
        conditions: list[object] = [{k: v} for k, v in fields.items()]
        conditions.append(["content-length-range", 1, self.max_bytes])
        post = client().generate_presigned_post(
            self.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=UPLOAD_EXPIRY_S
        )
        video_id = video_id_for(s3_url(self.bucket, key))
        return UploadTicket(video_id, post["url"], dict(post["fields"]), time.time() + UPLOAD_EXPIRY_S)

    def _key(self, video: VideoRecord) -> str:
        prefix = s3_url(self.bucket, LIBRARY_PREFIX)
        if not video.source.startswith(prefix):
            raise AshenError(f"{video.filename} is not an object of the ingest bucket")
        return video.source[len(s3_url(self.bucket, "")) :]

    def remove(self, video: VideoRecord) -> str:
        """Delete the object; the split function removes the video on its ObjectRemoved event."""
        client().delete_object(Bucket=self.bucket, Key=self._key(video))
        return "removing"

    def reindex(self, video: VideoRecord) -> None:
        """Copy the current version onto itself (same metadata and type): a new version to index."""
        key = self._key(video)
        head = client().head_object(Bucket=self.bucket, Key=key)
        if int(head.get("ContentLength", 0)) > MAX_COPY_BYTES:
            raise AshenError(f"{video.filename} is over 5 GB, which S3 cannot copy in place: upload it again")
        client().copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key},
            Metadata=head.get("Metadata", {}),
            MetadataDirective="REPLACE",
            ContentType=head.get("ContentType") or "binary/octet-stream",
        )
