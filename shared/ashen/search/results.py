"""What a search answers: ``Match`` (one video, one moment) and ``SearchResult``."""

from __future__ import annotations

from dataclasses import dataclass, field

from ashen.records import VideoRecord


@dataclass(frozen=True)
class Match:
    """The moment of one video (or a still: one entry, no times) a query shows: its scene
    (``start`` to ``end``, ``at`` the time given as the answer), how close it is (``similarity``
    in [0, 1]), whether that is ``confident``, and which ``reading`` of the query matched
    (``clip`` for a clip's vote)."""

    video: VideoRecord
    start: float
    at: float
    end: float
    distance: float
    similarity: float
    confident: bool
    reading: str = "original"

    def to_dict(self) -> dict[str, object]:
        """The match as the API and ``ashen search --json`` answer it; a still's ``from``, ``at``
        and ``to`` are null (an image has no times) and its ``kind`` says ``still``."""
        still = self.video.still
        return {
            "title": self.video.title,
            "episode": self.video.episode,
            "filename": self.video.filename,
            "videoId": self.video.id,  # (API answers add "video" and "image": preview URLs)
            "kind": str(self.video.kind),
            "from": None if still else round(self.start, 3),
            "at": None if still else round(self.at, 3),
            "to": None if still else round(self.end, 3),
            "similarity": round(self.similarity, 4),
            "confident": self.confident,
            "reading": self.reading,
            # trace.moe's fields (docs/trace-moe.md): its clients need an int here, so 0 means "none"
            "anilist": getattr(self.video, "anilist", None) or 0,
            "duration": self.video.duration,
        }


@dataclass(frozen=True)
class SearchResult:
    """The matches, best first, one per video, and what the search read: ``frame_count`` stored
    scenes compared, ``buckets_read`` bucket keys and ``ranges_read`` time ranges of one video.
    ``flat``: the query is a near-uniform picture from which no video can be told."""

    frame_count: int
    buckets_read: int
    matches: list[Match] = field(default_factory=list)
    flat: bool = False
    ranges_read: int = 0

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"frameCount": self.frame_count, "result": [m.to_dict() for m in self.matches]}
        if self.flat:
            out["flat"] = True
        return out
