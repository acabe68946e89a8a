"""Reading a search request: the query parameters, the body (base64 or not) and what it holds.

Nothing here decodes a picture or goes to the network: a request becomes ``SearchOptions`` (ashen.search) and
a ``SearchInput`` (image or clip bytes, an image URL or a signature) for the search routes to act on.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from ashen.api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType
from ashen.descriptors.signature import Signature
from ashen.query.descriptor import Descriptor, from_json
from ashen.query.files import UploadKind
from ashen.query.images import MAX_IMAGE_BYTES
from ashen.query.readings import ReadingOptions
from ashen.search.options import DEFAULT_LIMIT, MAX_LIMIT, SearchOptions

MAX_JSON_BYTES = 64 * 1024
# A query hashed on the client (ashen.query.descriptor): tens of KB a picture (docs/benchmarks.md), up to 16 frames.
DESCRIPTOR_TYPE = "application/vnd.ashen.descriptor+json"
MAX_DESCRIPTOR_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_FORM_PARTS = 16  # the form is read up to its first part named ``image``, and no further than this
MAX_PART_HEADERS = 8
MAX_PART_HEADER_BYTES = 1024  # one header line of a part
# Clips the API reads, by Content-Type (ashen.media.inputs.CLIP_FORMATS opens them).
CLIP_TYPES = frozenset({"video/mp4", "video/webm", "video/x-matroska", "video/quicktime"})
SENDABLE = (
    "send image/*, a video/mp4, webm, x-matroska or quicktime clip, multipart/form-data, application/json"
    f" or {DESCRIPTOR_TYPE}"
)


def flag(value: str | None, default: bool = False) -> bool:
    """A yes/no setting: empty means ``default``; 0, false, no and off mean no; anything else yes."""
    if value is None or not value.strip():
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


def search_options(params: Mapping[str, str] | None) -> SearchOptions:
    """The search asked for by ``limit``, ``title``, ``anilistID``, ``cutBorders``, ``mirror``,
    ``uncrop`` and ``tones``; BadRequest if one is invalid."""
    params = params or {}
    readings = ReadingOptions(
        borders=flag(params.get("cutBorders"), default=True),
        mirrors=flag(params.get("mirror"), default=True),
        crops=flag(params.get("uncrop"), default=True),
        tones=flag(params.get("tones"), default=True),
    )
    return SearchOptions(
        limit=_limit(params.get("limit")),
        title=params.get("title") or None,
        anilist_id=_anilist_id(params.get("anilistID")),
        readings=readings,
    )


def _anilist_id(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        raise BadRequest("anilistID must be a whole number")
    return int(raw)


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
    """Image or clip bytes sent in the request (raw body or multipart field ``image``), and what
    they were sent as: ``image`` (image/*), ``clip`` (a CLIP_TYPES video) or ``either``
    (application/octet-stream or a form part: told apart by their first bytes)."""

    data: bytes
    kind: UploadKind = "image"


@dataclass(frozen=True)
class ImageUrl:
    """An image to fetch: JSON ``{"url"}`` or ``GET /search?url=``."""

    url: str


@dataclass(frozen=True)
class SignatureBatch:
    """trace.moe's batch vector search: up to MAX_VECTORS signatures, one result list each."""

    signatures: tuple[Signature, ...]


MAX_VECTORS = 10  # as trace.moe's batch
SearchInput = Signature | ImageUpload | ImageUrl | SignatureBatch | Descriptor


def check_size(data: bytes) -> bytes:
    """``data`` if it is within the upload size limit (images and clips); PayloadTooLarge otherwise."""
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge(f"upload is larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    return data


def body_bytes(event: BaseProxyEvent) -> bytes:
    """The request body as bytes, base64-decoded when the event says it is encoded (the local
    server hands over bytes as they came, with no base64 round trip)."""
    body: str | bytes | None = event.body
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body)
        except ValueError:
            raise BadRequest("body is not valid base64") from None
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("body is not valid UTF-8 text (send binary bodies base64-encoded)") from None


def search_input(content_type: str, body: bytes) -> SearchInput:
    """What a ``POST /search`` body holds, chosen by its Content-Type (sniffed as JSON when absent)."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime.startswith("image/"):
        return ImageUpload(body)
    if mime in CLIP_TYPES:
        return ImageUpload(body, "clip")
    if mime == "application/octet-stream":
        return ImageUpload(body, "either")
    if mime == "multipart/form-data":
        return ImageUpload(multipart_image(content_type, check_size(body)), "either")
    if mime == "application/json" or (not mime and body.lstrip().startswith(b"{")):
        return json_input(body)
    if mime == DESCRIPTOR_TYPE:
        return descriptor_input(body)
    if not mime:
        raise UnsupportedMediaType(f"missing Content-Type: {SENDABLE}")
    raise UnsupportedMediaType(f"unsupported Content-Type {mime}: {SENDABLE}")


# RFC 2046: 1 to 70 characters of this set, the last one not a space.
_BOUNDARY = re.compile(rb"[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]")


def form_boundary(content_type: str) -> bytes:
    """The boundary of a multipart Content-Type; BadRequest unless it is one RFC 2046 allows."""
    try:
        _, params = parse_options_header(content_type)
    except UnicodeError:
        raise BadRequest("Content-Type must be ASCII") from None
    boundary = params.get(b"boundary", b"")
    if not _BOUNDARY.fullmatch(boundary):
        raise BadRequest("multipart boundary must be 1 to 70 ASCII letters, digits or '()+_,-./:=? (RFC 2046)")
    return boundary


class _ImageFound(Exception):
    """Raised inside the parser's callbacks to stop reading once the image part is complete."""


class ImageForm:
    """Reads a multipart/form-data body up to the end of its first part named ``image``.

    python-multipart parses it as a stream; the callbacks count the parts and stop the parse after
    ``max_parts`` (so a body of many tiny parts costs little), keep only the headers of the part at
    hand and only the data of the image part.
    """

    def __init__(self, boundary: bytes, max_parts: int = MAX_FORM_PARTS) -> None:
        self.parts = 0
        self.max_parts = max_parts
        self._header = [b"", b""]  # field, value of the header being read
        self._disposition = b""
        self._image: list[bytes] | None = None
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._part_begin,
                "on_header_field": lambda data, start, end: self._add_header(0, data[start:end]),
                "on_header_value": lambda data, start, end: self._add_header(1, data[start:end]),
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
            max_header_count=MAX_PART_HEADERS,
            max_header_size=MAX_PART_HEADER_BYTES,
        )

    def image(self, body: bytes) -> bytes:
        """The bytes of the ``image`` part of ``body``; BadRequest if there is none or the form is bad."""
        try:
            self._parser.write(body)
        except _ImageFound:
            return b"".join(self._image or [])
        except FormParserError as exc:
            raise BadRequest(f"multipart body could not be parsed: {exc}") from None
        raise BadRequest("multipart form has no complete 'image' field")

    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.max_parts:
            raise BadRequest(f"multipart form has no 'image' field in its first {self.max_parts} parts")
        self._disposition = b""

    def _add_header(self, which: int, chunk: bytes) -> None:
        self._header[which] += chunk

    def _header_end(self) -> None:
        field, value = self._header
        if field.strip().lower() == b"content-disposition":
            self._disposition = value
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self._disposition)
        if params.get(b"name") == b"image":
            self._image = []

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._image is not None:
            self._image.append(data[start:end])

    def _part_end(self) -> None:
        if self._image is not None:
            raise _ImageFound


def multipart_image(content_type: str, body: bytes) -> bytes:
    """The ``image`` field of a multipart/form-data body (ImageForm reads it, bounded)."""
    return ImageForm(form_boundary(content_type)).image(body)


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of JSON ``text`` nest, counted without recursion (strings skipped)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def json_input(body: bytes) -> SearchInput:
    """A JSON body: ``{"signature": "<hex>"}``, ``{"url": "<image url>"}``, or trace.moe's
    ``{"vector": [33 numbers] or "<base64>"}`` (a Color Layout vector: a signature) and
    ``{"image": "<base64>"}`` (tracemoepy's upload); at most MAX_JSON_BYTES of UTF-8 nested at most
    MAX_JSON_DEPTH deep (so the parser cannot recurse out of stack)."""
    doc = _json_object(body)
    signature, url, image = doc.get("signature"), doc.get("url"), doc.get("image")
    if isinstance(signature, str):
        try:
            return Signature.from_hex(signature.strip())
        except (ValueError, TypeError) as exc:
            raise BadRequest(f"bad signature: {exc}") from None
    if isinstance(url, str):
        return ImageUrl(url)
    if "vector" in doc:
        return vector_input(doc["vector"])
    if isinstance(image, str):
        return ImageUpload(_base64(image, "image"), "either")
    raise BadRequest('JSON body needs "url", "signature", "vector" or "image"')


def descriptor_input(body: bytes) -> Descriptor:
    """``{"descriptor": {...}}`` sent as DESCRIPTOR_TYPE: a query hashed on the client, at most
    MAX_DESCRIPTOR_BYTES; BadRequest (a DescriptorError) when it is malformed."""
    doc = _json_object(body, MAX_DESCRIPTOR_BYTES)
    if "descriptor" not in doc:
        raise BadRequest(f'a {DESCRIPTOR_TYPE} body is {{"descriptor": {{...}}}}')
    return from_json(doc["descriptor"])


def _json_object(body: bytes, most: int = MAX_JSON_BYTES) -> dict[str, object]:
    """The JSON object of ``body`` (bounded in size and depth); PayloadTooLarge or BadRequest."""
    if len(body) > most:
        raise PayloadTooLarge(f"JSON body is larger than {most // 1024} KiB (send a large image as it is)")
    try:
        text = body.decode("utf-8") or "null"
    except UnicodeDecodeError:
        raise BadRequest("JSON body is not valid UTF-8") from None
    if json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(f"JSON body nests deeper than {MAX_JSON_DEPTH}")
    try:
        doc = json.loads(text)
    except ValueError:
        raise BadRequest("body is not valid JSON") from None
    if not isinstance(doc, dict):
        raise BadRequest('JSON body must be an object: {"url": ...} or {"signature": ...}')
    return doc


def _base64(text: str, name: str) -> bytes:
    """``text`` base64-decoded (a ``data:...;base64,`` prefix allowed); BadRequest if it is not base64."""
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]
    try:
        return base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise BadRequest(f"{name} is not valid base64") from None


# trace.moe's base64 vector form: two header bytes (21 Y and 6 Cb/Cr coefficients), then the 33 values.
_VECTOR_HEADER = bytes([21, 6])


def vector_input(vector: object) -> Signature | SignatureBatch:
    """One vector, or trace.moe's batch: a list of up to MAX_VECTORS vectors (lists or base64)."""
    if isinstance(vector, list) and vector and all(isinstance(v, list | str) for v in vector):
        if len(vector) > MAX_VECTORS:
            raise BadRequest(f"a batch holds at most {MAX_VECTORS} vectors")
        return SignatureBatch(tuple(vector_signature(v) for v in vector))
    return vector_signature(vector)


def _whole(v: object) -> bool:
    """A whole number as JSON gives one: an int (not a bool) or a float with no fraction (a huge
    int is not turned into a float, which would overflow)."""
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def vector_signature(vector: object) -> Signature:
    """trace.moe's Color Layout ``vector`` (21 Y, 6 Cb, 6 Cr coefficients, the order of Ashen's
    33 signature values): a list of 33 whole numbers, or base64 of them (with or without the
    two-byte 21, 6 header); BadRequest otherwise."""
    if isinstance(vector, str):
        raw = _base64(vector, "vector")
        values: list[object] = list(raw[2:] if raw[:2] == _VECTOR_HEADER and len(raw) == 35 else raw)
    elif isinstance(vector, list):
        values = vector
    else:
        raise BadRequest("vector must be a list of 33 numbers or their base64")
    if any(isinstance(v, list) for v in values):
        raise BadRequest("a vector is 33 numbers (a batch is a list of vectors, each of them)")
    if not all(_whole(v) for v in values):
        raise BadRequest("vector values must be whole numbers")
    try:
        return Signature(int(v) for v in values)  # type: ignore[call-overload]  # checked numbers above
    except ValueError as exc:
        raise BadRequest(f"bad vector: {exc}") from None
