"""Search: which video, and which moment of it, a screenshot, a clip or a signature shows.

The stages (docs/how-search-works.md): ``probe`` (which buckets to read), ``ranking`` (candidates
against each frame's readings), ``moments`` (a moment per video, and the ranges read around it),
``clip_vote`` (several frames agree on an offset), ``pipeline`` (the one path through them all).
"""

from ashen.search.options import DEFAULT_LIMIT, SearchOptions, Tuning
from ashen.search.pipeline import (
    search_clip,
    search_descriptor,
    search_file,
    search_frames,
    search_image,
    search_readings,
    search_signature,
)
from ashen.search.results import Match, SearchResult

__all__ = [
    "DEFAULT_LIMIT",
    "Match",
    "SearchOptions",
    "SearchResult",
    "Tuning",
    "search_clip",
    "search_descriptor",
    "search_file",
    "search_frames",
    "search_image",
    "search_readings",
    "search_signature",
]
