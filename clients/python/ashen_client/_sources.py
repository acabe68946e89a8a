"""What ``search`` accepts as its source, made into a request body (or an image URL).

A path (str or os.PathLike), bytes, a binary file object, a Pillow image, or an http(s) URL;
GIFs, animated WebPs and video clips are sent as they are (the API tells them apart by their
first bytes and searches their frames as a clip).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from typing import IO, Any, TypeGuard, Union

MAX_SOURCE_BYTES = 26 * 1024 * 1024  # a little over the API's 25 MiB: the server refuses the rest (413)

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes], Any]


@dataclass(frozen=True)
class Url:
    """An image the API fetches itself (``GET /search?url=``)."""

    url: str


def is_url(source: object) -> TypeGuard[str]:
    return isinstance(source, str) and source.lower().startswith(("http://", "https://"))


def _is_pillow(source: object) -> bool:
    return type(source).__module__.startswith("PIL.") and hasattr(source, "save")


def _read(stream: IO[bytes]) -> bytes:
    data = stream.read(MAX_SOURCE_BYTES + 1)
    if not isinstance(data, bytes | bytearray):
        raise TypeError("a file source must be opened in binary mode ('rb')")
    return bytes(data)


def png_of(image: Any) -> bytes:
    """A Pillow image as PNG bytes (lossless: the server reads the picture as it is)."""
    out = io.BytesIO()
    frames = getattr(image, "n_frames", 1)
    if frames > 1:  # an animated image opened with Pillow: keep its frames
        image.save(out, format="WEBP", save_all=True, lossless=True)
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def body_of(source: Source) -> bytes | Url:
    """The bytes to send for ``source``, or the Url for the API to fetch."""
    if is_url(source):
        return Url(source)
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            return _read(stream)
    if _is_pillow(source):
        return png_of(source)
    if hasattr(source, "read"):
        return _read(source)
    raise TypeError(
        f"cannot search a {type(source).__name__}: give a path, bytes, a binary file, a Pillow image or an http(s) URL"
    )
