"""Ashen: which video, and which second of it, a screenshot, a GIF or a short clip shows.

The public Python entry point::

    import ashen

    store = ashen.open_store()                     # the embedded store: $ASHEN_HOME or ~/.ashen
    ashen.index_video(store, "episode01.mkv", ashen.IndexOptions(title="Frieren", episode="1"))
    result = ashen.search_file(store, "shot.jpg")  # an image, a GIF or a short clip
    for match in result.matches:
        print(match.video.title, match.video.episode, match.at, match.similarity, match.confident)

``index_video`` also takes an image (JPEG, PNG, WebP, BMP, a GIF of one frame): a still, one
entry of kind ``VideoKind.STILL`` with no times. ``search_image`` takes an RGB array,
``search_clip`` (offset, RGB) frames, ``search_signature`` a ``Signature``; ``SearchOptions`` sets
the limit, a title filter and which readings are made. Names are imported on first use, so that a
Lambda importing one stage (the hash function has no Pillow) loads only that stage.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AshenError": "ashen.errors",
    "ImageError": "ashen.errors",
    "MediaError": "ashen.errors",
    "NotFoundError": "ashen.errors",
    "Signature": "ashen.descriptors.signature",
    "color_layout": "ashen.descriptors.color_layout",
    "color_layout_batch": "ashen.descriptors.color_layout",
    "VideoKind": "ashen.records",
    "VideoRecord": "ashen.records",
    "VideoStatus": "ashen.records",
    "SqliteStore": "ashen.store.sqlite",
    "open_store": "ashen.store.sqlite",
    "IndexOptions": "ashen.indexing.indexer",
    "IndexReport": "ashen.indexing.indexer",
    "index_video": "ashen.indexing.indexer",
    "ReadingOptions": "ashen.query.readings",
    "Match": "ashen.search.results",
    "SearchResult": "ashen.search.results",
    "SearchOptions": "ashen.search.options",
    "Tuning": "ashen.search.options",
    "search_clip": "ashen.search.pipeline",
    "search_file": "ashen.search.pipeline",
    "search_image": "ashen.search.pipeline",
    "search_signature": "ashen.search.pipeline",
}
__all__ = [
    "AshenError",
    "ImageError",
    "IndexOptions",
    "IndexReport",
    "Match",
    "MediaError",
    "NotFoundError",
    "ReadingOptions",
    "SearchOptions",
    "SearchResult",
    "Signature",
    "SqliteStore",
    "Tuning",
    "VideoKind",
    "VideoRecord",
    "VideoStatus",
    "color_layout",
    "color_layout_batch",
    "index_video",
    "open_store",
    "search_clip",
    "search_file",
    "search_image",
    "search_signature",
]

if TYPE_CHECKING:
    from ashen.descriptors.color_layout import color_layout, color_layout_batch
    from ashen.descriptors.signature import Signature
    from ashen.errors import AshenError, ImageError, MediaError, NotFoundError
    from ashen.indexing.indexer import IndexOptions, IndexReport, index_video
    from ashen.query.readings import ReadingOptions
    from ashen.records import VideoKind, VideoRecord, VideoStatus
    from ashen.search.options import SearchOptions, Tuning
    from ashen.search.pipeline import search_clip, search_file, search_image, search_signature
    from ashen.search.results import Match, SearchResult
    from ashen.store.sqlite import SqliteStore, open_store


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ashen' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
