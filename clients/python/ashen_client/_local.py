"""``search(local=True)``: the query hashed on this machine, with the core ``ashen`` package.

The picture is read here, every reading the server would make of it is made here
(``ashen.query.descriptor``), and only those numbers are sent. The core package is imported
lazily, so the SDK itself needs only httpx.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

from ashen_client._errors import AshenClientError
from ashen_client._sources import Source, Url, body_of, is_url

DESCRIPTOR_TYPE = "application/vnd.ashen.descriptor+json"


class LocalHashingUnavailable(AshenClientError):
    """``local=True`` needs the core ``ashen`` package (and its numpy and Pillow) installed."""


def core() -> Any:
    """The core package's modules local hashing uses; LocalHashingUnavailable when it is missing."""
    return _core()


def _core() -> Any:
    try:
        import ashen.query.descriptor as descriptor
        import ashen.query.files as files
        import ashen.query.readings as readings
    except ImportError as exc:
        raise LocalHashingUnavailable(
            "search(local=True) hashes the picture on this machine with the core `ashen` package, "
            f"which is not installed ({exc}): pip install the Ashen repository's root (pip install .)"
        ) from None
    return descriptor, files, readings


def descriptor_body(
    source: Source,
    *,
    fetch: Callable[[str], bytes],
    cut_borders: bool = True,
    mirror: bool = True,
    uncrop: bool = True,
    tones: bool = True,
    shapes: Sequence[float] = (),
) -> bytes:
    """The ``POST /search`` body of ``source`` hashed here: ``{"descriptor": ...}`` as JSON bytes.
    ``shapes`` (width / height of the library's videos) are fitted besides the common ones."""
    descriptor, files, readings = _core()
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not is_url(source)):
        frames = files.frames_of_file(source)
    else:
        body = body_of(source)
        frames = files.frames_of_upload(fetch(body.url) if isinstance(body, Url) else body, "either")
    options = readings.ReadingOptions(mirrors=mirror, borders=cut_borders, crops=uncrop, tones=tones)
    described = descriptor.describe(frames, options, ratios=(*descriptor.FIT_RATIOS, *shapes))
    return json.dumps({"descriptor": descriptor.to_json(described)}, separators=(",", ":")).encode()
