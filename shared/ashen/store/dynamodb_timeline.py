"""Timelines: each video's scenes by time, with their luma grids (ashen.store.dynamodb_models.
TimelineItem), apart from the probe's scene items.

A search compares the luma grids of few scenes (the contenders of the videos it answers with,
ashen.search.moments), so the probe's items leave them out and ``grids`` reads those asked for:
per revision of a video, the starts asked are grouped into runs no more than ``GRID_GAP_S`` apart;
a run is one Query of a time range (billed by the bytes read, ~12 items per 4 KB read unit, so a
run that reads a few scenes not asked for costs no more) and lone starts are keys of one
BatchGetItem (half a read unit each), all in one round. Neighbour ranges (``between``) are Queries
of a timeline, which hand back whole candidates, grids included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ashen.records import Candidate, Scene
from ashen.store.dynamodb_cells import chunks, in_parallel
from ashen.store.dynamodb_models import TimelineItem, candidate_of, sort_key, stored, timeline_key

# Starts asked for closer than this in one revision of a video are read by one Query of their range.
GRID_GAP_S = 2.0


@dataclass(frozen=True)
class _Run:
    """Starts of one revision of a video read by one request: a Query of [lo, hi], or (lone) a key."""

    video_id: str
    tag: str
    lo: float
    hi: float


def runs(wanted: Iterable[tuple[str, str, float]], gap: float = GRID_GAP_S) -> list[_Run]:
    """The (video, revision tag, start) wanted, as runs of starts at most ``gap`` seconds apart."""
    out: list[_Run] = []
    for video_id, tag, start in sorted(set(wanted)):
        last = out[-1] if out else None
        if last is not None and (last.video_id, last.tag) == (video_id, tag) and start - last.hi <= gap:
            out[-1] = _Run(video_id, tag, last.lo, start)
        else:
            out.append(_Run(video_id, tag, start, start))
    return out


class Timelines:
    """The timeline items of one scenes table: written and deleted with the scenes, read by time."""

    def __init__(self, model: type[TimelineItem]) -> None:
        self.model = model

    def item(self, video_id: str, tag: str, scene: Scene) -> TimelineItem:
        return self.model(
            timeline_key(video_id),
            sort_key(tag, scene.start),
            start=scene.start,
            at=scene.at,
            end=scene.end,
            frames=scene.frames,
            sig=scene.signature,
            luma=scene.luma or None,
            cut=scene.cut or None,
        )

    def key(self, video_id: str, tag: str, start: float) -> TimelineItem:
        return self.model(timeline_key(video_id), sort_key(tag, start))

    def delete(self, video_id: str, keep: str | None = None) -> None:
        """Delete the video's timeline items of every revision but ``keep`` (None: all); a
        strongly consistent Query of its partition finds them."""
        T = self.model
        found = T.query(timeline_key(video_id), consistent_read=True, attributes_to_get=stored(T.timeline, T.vsk))
        with T.batch_write() as batch:
            for key in found:
                if keep is None or key.rev != keep:
                    batch.delete(T(key.timeline, key.vsk))

    def between(self, video_id: str, tag: str, spans: Sequence[tuple[float, float]]) -> list[Candidate]:
        """The scenes of one revision of a video that start in each (start, end) span, span after
        span: one Query per span, all at once."""

        def query(span: tuple[float, float]) -> list[TimelineItem]:
            # The key holds the start to the millisecond, so the key range also holds the scenes
            # of the ends' milliseconds outside the span: kept out by their exact start.
            lo, hi = (sort_key(tag, max(0.0, t)) for t in span)
            T = self.model
            items = T.query(timeline_key(video_id), range_key_condition=T.vsk.between(lo, hi))
            return [item for item in items if span[0] <= item.start <= span[1]]

        return [candidate_of(item) for part in in_parallel(query, list(spans)) for item in part]

    def grids(self, candidates: Sequence[Candidate]) -> list[bytes]:
        """The luma grid of each candidate (b"" where its timeline holds none): runs of nearby
        starts one Query each, lone ones by key in BatchGetItems of 100, all in one round."""
        wanted = [(c.video_id, c.revision, c.start) for c in candidates]
        every = runs(wanted)
        spans = [r for r in every if r.hi > r.lo]
        lone = [(timeline_key(r.video_id), sort_key(r.tag, r.lo)) for r in every if r.hi == r.lo]
        work: list[_Run | Sequence[tuple[str, str]]] = [*spans, *chunks(lone)]
        T = self.model

        def read(job: _Run | Sequence[tuple[str, str]]) -> list[TimelineItem]:
            if isinstance(job, _Run):
                lo, hi = sort_key(job.tag, job.lo), sort_key(job.tag, job.hi)
                return list(T.query(timeline_key(job.video_id), range_key_condition=T.vsk.between(lo, hi)))
            return list(T.batch_get(job, attributes_to_get=stored(T.timeline, T.vsk, T.luma)))

        found = {
            (item.timeline, item.vsk): bytes(item.luma or b"") for part in in_parallel(read, work) for item in part
        }
        return [found.get((timeline_key(v), sort_key(tag, start)), b"") for v, tag, start in wanted]
