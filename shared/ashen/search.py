"""Search: signature -> bucket keys -> candidates -> ranked by distance -> best scene per video."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ashen.buckets import query_buckets
from ashen.models import VideoRecord
from ashen.signature import Signature, distances, similarity_of, unpack
from ashen.store.port import SceneStore

DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class Match:
    video: VideoRecord
    start: float
    at: float
    end: float
    distance: float
    similarity: float

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.video.title,
            "episode": self.video.episode,
            "filename": self.video.filename,
            "video": self.video.id,
            "from": round(self.start, 3),
            "at": round(self.at, 3),
            "to": round(self.end, 3),
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True)
class SearchResult:
    frame_count: int  # candidates compared
    buckets_read: int
    matches: list[Match]

    def to_dict(self) -> dict[str, object]:
        return {"frameCount": self.frame_count, "result": [m.to_dict() for m in self.matches]}


def search(
    store: SceneStore,
    query: Signature,
    *,
    limit: int = DEFAULT_LIMIT,
    title: str | None = None,
) -> SearchResult:
    buckets = query_buckets(query.values)
    candidates = store.candidates(buckets)
    if not candidates:
        return SearchResult(0, len(buckets), [])
    values = unpack(np.frombuffer(b"".join(c.signature for c in candidates), dtype=np.uint8).reshape(-1, 21))
    dist = distances(query.values, values)
    best: dict[str, int] = {}
    for i in np.argsort(dist, kind="stable"):
        vid = candidates[i].video_id
        if vid not in best:
            best[vid] = int(i)
    videos: dict[str, VideoRecord] = {}
    matches: list[Match] = []
    for vid, i in best.items():  # already in distance order
        video = videos.get(vid) or store.get_video(vid)
        if video is None or (title is not None and title.lower() not in video.title.lower()):
            continue
        videos[vid] = video
        c = candidates[i]
        matches.append(Match(video, c.start, c.at, c.end, float(dist[i]), float(similarity_of(dist[i]))))
        if len(matches) >= limit:
            break
    return SearchResult(len(candidates), len(buckets), matches)
