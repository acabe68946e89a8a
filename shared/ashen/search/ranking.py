"""Ranking: the candidates read for a query, and how close each is to each frame of it.

A ``Ranking`` gives, per candidate, the smallest penalised CLD distance over one frame's readings
and which reading gave it. The ``Pool`` holds the candidates read so far and one ranking per
frame; candidates read later are ranked alone and appended, since a candidate's distances depend
on it alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ashen.descriptors.signature import distances, luma_distances, unpack_all
from ashen.query.descriptor import DescribedFrame
from ashen.query.readings import QueryImage, Reading
from ashen.records import Candidate

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
GridReader = Callable[[Sequence[Candidate]], list[bytes]]  # SceneStore.luma_grids


@dataclass(frozen=True)
class Ranking:
    """Per candidate: the smallest penalised distance over a frame's readings, and which reading."""

    dist: Floats
    which: Ints

    @classmethod
    def empty(cls) -> Ranking:
        return cls(np.zeros(0), np.zeros(0, dtype=np.intp))

    def joined(self, later: Ranking) -> Ranking:
        """This ranking with that of candidates read later appended."""
        return Ranking(np.concatenate((self.dist, later.dist)), np.concatenate((self.which, later.which)))


def candidate_values(candidates: Sequence[Candidate]) -> npt.NDArray[np.uint8]:
    """(N, 33) signature values of the candidates."""
    if not candidates:
        return np.zeros((0, 33), dtype=np.uint8)
    return unpack_all(c.signature for c in candidates)


def reading_distances(readings: Sequence[Reading], values: npt.NDArray[np.uint8]) -> Floats:
    """(readings, candidates) penalised CLD distances (on the Y values alone for a luma-only reading)."""
    q = np.stack([r.values for r in readings]).astype(np.float64)
    penalties = np.array([r.penalty for r in readings])[:, None]
    d = distances(q[:, None, :], values[None, :, :])
    luma = np.array([r.luma_only for r in readings])
    if luma.any():
        d[luma] = luma_distances(q[luma][:, None, :], values[None, :, :])
    return np.asarray(d + penalties, dtype=np.float64)


def rank(readings: Sequence[Reading], values: npt.NDArray[np.uint8]) -> Ranking:
    """The Ranking of candidates (their ``values``) against ``readings``."""
    if not len(values):
        return Ranking.empty()
    d = reading_distances(readings, values)
    which = np.argmin(d, axis=0)
    return Ranking(d[which, np.arange(d.shape[1])], which)


def reading_best(readings: Sequence[Reading], ranking: Ranking) -> Floats:
    """Per reading: the distance of its closest candidate (inf when it matched none best)."""
    best = np.full(len(readings), np.inf)
    if len(ranking.dist):
        np.minimum.at(best, ranking.which, ranking.dist)
    return best


@dataclass
class Frame:
    """One picture of a query (a screenshot, or a frame of a clip ``offset`` seconds in): the
    image its readings were made of (its descriptor when it was hashed on the client, None for a
    bare signature) and its readings."""

    offset: float
    image: QueryImage | DescribedFrame | None  # a described frame: client-side hashing
    readings: list[Reading]


class Pool:
    """The candidates read for a query, one Ranking per frame, and what was read. Candidates may
    come without their luma grid (ashen.store.port.SceneStore.luma_grids): ``need_grids`` reads
    those of the candidates about to be compared on the grid, through ``read_grids``."""

    def __init__(self, frames: Sequence[Frame], read_grids: GridReader | None = None) -> None:
        self.frames = list(frames)
        self.read_grids = read_grids
        self.candidates: list[Candidate] = []
        self.gridded = np.zeros(0, dtype=bool)  # per candidate: its grid is here (came with it, or read)
        self.values = candidate_values([])  # (N, 33) signature values of the candidates, unpacked once
        self.rankings = [Ranking.empty() for _ in self.frames]
        self.buckets: list[str] = []
        self.ranges = 0
        self.version = 0  # grows with every change, so that a decision can be reused until then

    def add(self, candidates: Sequence[Candidate]) -> None:
        """Rank newly read candidates against every frame and append them."""
        values = candidate_values(candidates)
        self.rankings = [r.joined(rank(f.readings, values)) for f, r in zip(self.frames, self.rankings, strict=True)]
        self.candidates += candidates
        self.values = np.concatenate((self.values, values))
        self.gridded = np.concatenate((self.gridded, np.array([len(c.luma) > 0 for c in candidates], dtype=bool)))
        self.version += 1

    def need_grids(self, indices: Iterable[int]) -> None:
        """Make the candidates at ``indices`` carry their luma grids: those that came without one
        are read together, each once (a candidate whose store holds no grid stays without)."""
        missing = sorted({int(i) for i in indices if not self.gridded[i]})
        if not missing:
            return
        self.gridded[missing] = True
        if self.read_grids is None:
            return
        for i, grid in zip(missing, self.read_grids([self.candidates[i] for i in missing]), strict=True):
            if grid:
                self.candidates[i] = replace(self.candidates[i], luma=grid)

    def mask(self, video_id: str) -> npt.NDArray[np.bool_]:
        """Which candidates are scenes of ``video_id``."""
        return np.array([c.video_id == video_id for c in self.candidates], dtype=bool)

    def refit(self, f: int, extra: Sequence[Reading], video_id: str) -> None:
        """Add readings to frame ``f`` that concern one video only (ashen.query.readings.
        fitted_readings): that video's candidates are ranked against them too, and keep whichever
        distance is smaller. Only that video's: the reading is a hypothesis about its picture, not
        about any other video's (and it only brings its distances down, so it stays the top)."""
        frame, ranking = self.frames[f], self.rankings[f]
        mine = np.flatnonzero(self.mask(video_id))
        found = rank(extra, self.values[mine])
        closer = found.dist < ranking.dist[mine]
        dist, which = ranking.dist.copy(), ranking.which.copy()
        dist[mine[closer]], which[mine[closer]] = found.dist[closer], found.which[closer] + len(frame.readings)
        self.frames[f] = Frame(frame.offset, frame.image, [*frame.readings, *extra])
        self.rankings[f] = Ranking(dist, which)
        self.version += 1
