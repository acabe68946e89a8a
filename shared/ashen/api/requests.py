"""Reading a search request: the query parameters, the body (base64 or not) and what it holds.

Nothing here decodes a picture or goes to the network: a request becomes ``SearchOptions`` (ashen.search) and
a ``SearchInput`` (image bytes, an image URL or a signature) for the search routes to act on.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ashen.api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from ashen.descriptors.signature import Signature
from ashen.query.images import MAX_IMAGE_BYTES
from ashen.query.readings import ReadingOptions
from ashen.search.options import DEFAULT_LIMIT, SearchOptions

MAX_LIMIT = 100
SENDABLE = "send image/*, multipart/form-data or application/json"


def flag(value: str | None, default: bool = False) -> bool:
    """A yes/no setting: empty means ``default``; 0, false, no and off mean no; anything else yes."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def search_options(params: Mapping[str, str] | None) -> SearchOptions:
    """The search asked for by ``limit``, ``title``, ``cutBorders``, ``mirror``, ``uncrop`` and
    ``tones``; BadRequest if one is invalid."""
    params = params or {}
    readings = ReadingOptions(
        borders=flag(params.get("cutBorders"), default=True),
        mirrors=flag(params.get("mirror"), default=True),
        crops=flag(params.get("uncrop"), default=True),
        tones=flag(params.get("tones"), default=True),
    )
    return SearchOptions(limit=_limit(params.get("limit")), title=params.get("title") or None, readings=readings)


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise BadRequest("limit must be a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadRequest(f"limit must be between 1 and {MAX_LIMIT}")
    return limit


@dataclass(frozen=True)
class ImageUpload:
    """Image bytes sent in the request (raw body or multipart field ``image``)."""

    data: bytes


@dataclass(frozen=True)
class ImageUrl:
    """An image to fetch: JSON ``{"url"}`` or ``GET /search?url=``."""

    url: str


SearchInput = Signature | ImageUpload | ImageUrl


def check_size(data: bytes) -> bytes:
    """``data`` if it is within the image size limit; PayloadTooLarge otherwise."""
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"image is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    return data


def body_bytes(event: BaseProxyEvent) -> bytes:
    """The request body as bytes, base64-decoded when the event says it is encoded."""
    body = event.body
    if body is None:
        return b""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body)
        except ValueError:
            raise BadRequest("body is not valid base64") from None
    return body.encode("utf-8")


def search_input(content_type: str, body: bytes) -> SearchInput:
    """What a ``POST /search`` body holds, chosen by its Content-Type (sniffed as JSON when absent)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime.startswith("image/") or mime == "application/octet-stream":
        return ImageUpload(body)
    if mime == "multipart/form-data":
        return ImageUpload(multipart_image(content_type, check_size(body)))
    if mime == "application/json" or (not mime and body.lstrip().startswith(b"{")):
        return json_input(body)
    if not mime:
        raise UnsupportedMediaType(f"missing Content-Type: {SENDABLE}")
    raise UnsupportedMediaType(f"unsupported Content-Type {mime}: {SENDABLE}")


def multipart_image(content_type: str, body: bytes) -> bytes:
    """The ``image`` field of a multipart/form-data body (the stdlib MIME parser reads the form)."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("multipart body could not be parsed")
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "image":
            data = part.get_payload(decode=True)
            return data if isinstance(data, bytes) else b""
    raise BadRequest("multipart form has no 'image' field")


def json_input(body: bytes) -> Signature | ImageUrl:
    """A JSON body: ``{"signature": "<hex>"}`` or ``{"url": "<image url>"}``."""
    try:
        doc = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise BadRequest('JSON body must be an object: {"url": ...} or {"signature": ...}')
    if isinstance(doc.get("signature"), str):
        try:
            return Signature.from_hex(doc["signature"].strip())
        except (ValueError, TypeError) as exc:
            raise BadRequest(f"bad signature: {exc}") from None
    if isinstance(doc.get("url"), str):
        return ImageUrl(doc["url"])
    raise BadRequest('JSON body needs "url" or "signature"')
