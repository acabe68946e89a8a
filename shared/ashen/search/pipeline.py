"""One search pipeline for a screenshot, a clip, a query hashed on the client or a bare signature.

1. readings: each frame of the query is read several ways (ashen.query.readings); those too
   plain to tell videos apart are dropped (a query of nothing else is ``flat``);
2. probe: the buckets of every reading are read and every candidate ranked against each frame;
   when that gives no confident answer, the deep probe of a painted-over reading (censorship
   mist), then a wider probe once, and a far one when the answer is still far
   (ashen.search.probe); when even that finds no scene, a small store is read whole;
3. fit: once the likeliest video is known, each frame is also cut to that video's shape (bars
   added around a video with bars of its own) and that video's candidates ranked again;
4. neighbours: the likeliest video's scenes around its contending moments are read too;
5. decide: one frame picks a moment per video (ashen.search.moments), several frames vote for a
   video and a time offset (ashen.search.clip_vote);
6. confirm: the videos looked up on the way come with their live revision
   (``SceneStore.answering_videos``); when any of their candidates is of another revision (a
   stale candidate, on DynamoDB while a video is indexed again), those are dropped and steps 2-5
   run again without them, so a stale candidate never answers.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import numpy.typing as npt

from ashen.box import Box
from ashen.descriptors.signature import SIMILARITY_SCALE, Signature, similarity_of
from ashen.query.descriptor import DescribedFrame, Descriptor
from ashen.query.files import frames_of_file
from ashen.query.readings import QueryImage, Reading, fitted_readings, query_readings
from ashen.records import Candidate, VideoRecord
from ashen.search.clip_vote import Vote, clip_span, times, vote
from ashen.search.moments import (
    contenders,
    leading_contenders,
    moment_contenders,
    moment_margin,
    moments,
    neighbour_ranges,
    scene_grid_distances,
)
from ashen.search.options import SearchOptions
from ashen.search.probe import (
    first_buckets,
    followed_buckets,
    reach_far,
    read_all_of_small,
    read_guesses,
    searchable,
    widen,
)
from ashen.search.ranking import Frame, Pool
from ashen.search.results import Match, SearchResult
from ashen.store.port import SceneStore

RGB = npt.NDArray[np.uint8]


class Videos:
    """Video records looked up once per search, with the title and AniList id filters applied,
    and the live revision of each (``SceneStore.answering_videos``): a video answers only with
    candidates of that revision (``stale`` tells the others)."""

    def __init__(self, store: SceneStore, title: str | None, anilist_id: int | None = None) -> None:
        self.store, self.title, self.anilist_id = store, title.lower() if title else None, anilist_id
        self.cache: dict[str, VideoRecord | None] = {}
        self.live: dict[str, str | None] = {}  # video looked up -> its live revision tag (None: none)

    def prefetch(self, video_ids: Iterable[str]) -> None:
        """Look up every video not looked up yet in one read (one BatchGetItem on DynamoDB)."""
        missing = [v for v in dict.fromkeys(video_ids) if v not in self.cache]
        if missing:
            found = self.store.answering_videos(missing)
            for v in missing:
                record, self.live[v] = found.get(v, (None, None))
                self.cache[v] = record if record and self._kept(record) else None

    def get(self, video_id: str) -> VideoRecord | None:
        self.prefetch([video_id])
        return self.cache[video_id]

    def stale(self, candidates: Sequence[Candidate]) -> list[bool]:
        """Which candidates are of a video looked up whose live revision is another (or none)."""
        live = self.live
        return [c.video_id in live and live[c.video_id] != c.revision for c in candidates]

    def _kept(self, video: VideoRecord) -> bool:
        if self.title is not None and self.title not in video.title.lower():
            return False
        return self.anilist_id is None or video.anilist == self.anilist_id


class _Still:
    """The decision for one frame: a moment per video (ashen.search.moments)."""

    def __init__(self, pool: Pool, options: SearchOptions, videos: Videos) -> None:
        self.pool, self.options, self.videos = pool, options, videos

    def confident(self) -> bool:
        dist = self.pool.rankings[0].dist
        return bool(len(dist)) and self.options.tuning.confident(float(similarity_of(dist.min())))

    def top(self) -> VideoRecord | None:
        """The closest video the title filter lets through."""
        pool, videos = self.pool, self.videos
        order = np.argsort(pool.rankings[0].dist, kind="stable")
        return next((v for i in order if (v := videos.get(pool.candidates[i].video_id)) is not None), None)

    def read_grids(self) -> None:
        """Read together the grids ``matches`` will compare: the contenders of the closest videos."""
        pool = self.pool
        tuning = self.options.tuning
        margin = max(moment_margin(pool.frames[0].readings, tuning), tuning.overlay_moment_margin)  # moment_contenders
        pool.need_grids(leading_contenders(pool.candidates, pool.rankings[0].dist, margin, self.options.limit))

    def matches(self) -> Iterator[Match]:
        pool, tuning, videos = self.pool, self.options.tuning, self.videos
        frame, ranking = pool.frames[0], pool.rankings[0]
        margin, wider = moment_margin(frame.readings, tuning), tuning.overlay_moment_margin
        shown, need = tuning.painted_grid_contenders, pool.need_grids
        for i, d in moments(
            frame.readings, pool.candidates, pool.values, ranking.dist, margin, wider, need, shown=shown
        ):
            c, sim = pool.candidates[i], float(similarity_of(d))
            if sim < tuning.min_similarity:
                return
            video = videos.get(c.video_id)
            if video is not None:
                reading = frame.readings[ranking.which[i]].name
                yield Match(video, c.start, c.at, c.end, d, sim, tuning.confident(sim), reading)


class _Clip:
    """The decision for several frames: they vote (ashen.search.clip_vote)."""

    def __init__(self, pool: Pool, options: SearchOptions, videos: Videos) -> None:
        self.pool, self.options, self.videos = pool, options, videos
        self._vote: tuple[int, Vote | None] | None = None

    def read_grids(self) -> None:
        """Nothing ahead: each count of the vote reads the grids it compares (ashen.search.clip_vote)."""

    def _counted(self) -> Vote | None:
        if self._vote is None or self._vote[0] != self.pool.version:
            self._vote = (self.pool.version, vote(self.pool, self.options.tuning))
        return self._vote[1]

    def confident(self) -> bool:
        best = next(self.matches(), None)
        return best is not None and best.confident

    def top(self) -> VideoRecord | None:
        """The video the frames agree on best, of those the title filter lets through."""
        best = next(self.matches(), None)
        return best.video if best is not None else None

    def matches(self) -> Iterator[Match]:
        v, tuning, videos = self._counted(), self.options.tuning, self.videos
        if v is None:
            return
        span = clip_span(self.pool.frames)
        for h in v.winners:
            sim = float(v.best_score[v.ev.vid[h]])  # the video's best offset says how surely it is this video
            if sim < tuning.min_similarity:
                return
            video = videos.get(v.videos[int(v.ev.vid[h])])
            if video is not None:
                start, at, end = times(v, h, span, tuning.clip_tolerance_s)
                yield Match(video, start, at, end, (1 - sim) * SIMILARITY_SCALE, sim, tuning.confident(sim), "clip")


def _likeliest(pool: Pool, count: int) -> list[str]:
    """The videos of the closest candidates over every frame, closest first, at most ``count``:
    those whose records the answer will most likely need (looked up together)."""
    best = np.min(np.stack([r.dist for r in pool.rankings]), axis=0)
    chosen: dict[str, None] = {}
    for i in np.argsort(best, kind="stable").tolist():
        chosen[pool.candidates[i].video_id] = None
        if len(chosen) >= count:
            break
    return list(chosen)


def _video_shape(video: VideoRecord) -> float | None:
    """Width / height of the picture the index stored of ``video`` (inside its baked-in bars)."""
    return (video.picture or Box.whole(video.height, video.width)).ratio


def _fit(pool: Pool, top: VideoRecord, options: SearchOptions) -> None:
    """Each frame whose borders were looked for, also cut to the top video's shape."""
    shape = _video_shape(top)
    if not shape:
        return
    mirrors = options.readings.mirrors
    for f, frame in enumerate(pool.frames):
        if isinstance(frame.image, DescribedFrame):
            fitted = frame.image.fitted(shape, mirrors=mirrors)
        elif frame.image is not None and frame.image.boxes is not None:
            fitted = fitted_readings(frame.image, shape, mirrors=mirrors)
        else:
            continue
        extra = searchable(fitted, options.tuning)
        if extra:
            pool.refit(f, extra, top.id)


def _neighbours(
    store: SceneStore, pool: Pool, top: str, options: SearchOptions, revision: str | None, alone: bool
) -> bool:
    """Read the scenes of video ``top`` around the moments its answer is chosen from, in each
    frame where several contend (ashen.search.moments.neighbour_ranges), and, when ``alone``
    (the answer is not confident), where one does: a heavy edit puts the query far from every
    scene, so the buckets may hold one moment of the video while its neighbours within the margin,
    which brute force compares, lie in buckets not read. Then the follow (``_follow``); whether it
    found more of the video's scenes (its contenders may have moved: another round is worth it)."""
    tuning, mine = options.tuning, pool.mask(top)
    margins, wider = [moment_margin(frame.readings, tuning) for frame in pool.frames], tuning.overlay_moment_margin
    # The grids moment_contenders and the grid distances below compare, read together first.
    pool.need_grids(
        i for r, m in zip(pool.rankings, margins, strict=True) for i in contenders(mine, r.dist, max(m, wider))
    )
    nears = [
        moment_contenders(
            f.readings, pool.candidates, mine, r.dist, m, wider, pool.need_grids, shown=tuning.painted_grid_contenders
        )
        for f, r, m in zip(pool.frames, pool.rankings, margins, strict=True)
    ]
    contending = []
    for frame, near, margin in zip(pool.frames, nears, margins, strict=True):
        if len(near) > 1 or (alone and len(near) == 1):
            scenes = [pool.candidates[i] for i in near]
            fine = scene_grid_distances(frame.readings, scenes, pool.values[near], margin, fit=len(pool.frames) == 1)
            contending += [(c, float(d)) for c, d in zip(scenes, fine, strict=True)]
    if not contending:
        return False
    ranges = neighbour_ranges(contending, tuning)
    known = {c.start for c, m in zip(pool.candidates, mine, strict=True) if m}
    found = [c for c in store.scenes_in(top, ranges, revision) if c.start not in known]
    pool.ranges += len(ranges)
    if not found:
        return False
    pool.add(found)
    return _follow(store, pool, top, margins, options)


def _follow(store: SceneStore, pool: Pool, top: str, margins: Sequence[float], options: SearchOptions) -> bool:
    """Read the buckets no probe read of video ``top``'s contenders, the closest's first, at most
    ``Tuning.follow_buckets`` (ashen.search.probe.followed_buckets): its scenes there contend too,
    as by brute force. Whether it found scenes of ``top`` not read yet."""
    mine = pool.mask(top)
    near = np.unique(np.concatenate([contenders(mine, r.dist, m) for r, m in zip(pool.rankings, margins, strict=True)]))
    best = np.min(np.stack([r.dist[near] for r in pool.rankings]), axis=0)
    near = near[np.argsort(best, kind="stable")]  # the closest contenders' buckets first
    extra = followed_buckets(pool.values[near], pool.buckets)[: options.tuning.follow_buckets]
    if not extra:
        return False
    known = {(c.video_id, c.start) for c in pool.candidates}
    new = [c for c in store.candidates(extra) if (c.video_id, c.start) not in known]
    pool.add(new)
    pool.buckets += extra
    return any(c.video_id == top for c in new)


def search_frames(store: SceneStore, frames: Sequence[Frame], options: SearchOptions | None = None) -> SearchResult:
    """Search the frames of one query (each with its readings) through the whole pipeline."""
    options = options or SearchOptions()
    kept = [Frame(f.offset, f.image, searchable(f.readings, options.tuning)) for f in frames]
    kept = [f for f in kept if f.readings]
    if not kept:
        return SearchResult(0, 0, [], flat=bool(frames))
    pool, videos, probed = Pool(kept, store.luma_grids), Videos(store, options.title, options.anilist_id), set[str]()
    pool.buckets = first_buckets(store, (r for f in kept for r in f.readings), options.brute_force, options.tuning)
    pool.add(store.candidates(pool.buckets))
    while True:
        decision = _Still(pool, options, videos) if len(kept) == 1 else _Clip(pool, options, videos)
        _probe_further(store, pool, decision, options, probed)
        if not pool.candidates:
            return SearchResult(0, len(pool.buckets), [])
        result = _answer(store, pool, decision, videos, options)
        stale = videos.stale(pool.candidates)
        if not any(stale):
            return result
        pool = _without(pool, kept, stale)


def _probe_further(
    store: SceneStore, pool: Pool, decision: _Still | _Clip, options: SearchOptions, done: set[str]
) -> None:
    """The deep, wide and whole-store probes, each when the candidates so far call for it and
    only once a search (``done``: those made)."""
    if options.brute_force:
        return
    for name, step in (("guess", read_guesses), ("widen", widen), ("far", reach_far)):
        if name not in done and not decision.confident():
            done.add(name)
            step(store, pool, options)
    if "all" not in done and not pool.candidates:
        done.add("all")
        read_all_of_small(store, pool, options)


def _answer(
    store: SceneStore, pool: Pool, decision: _Still | _Clip, videos: Videos, options: SearchOptions
) -> SearchResult:
    """The likeliest videos looked up, the top one's fitted readings and neighbours, the matches."""
    videos.prefetch(_likeliest(pool, options.limit + 1))
    top = decision.top()
    if top is not None:
        _fit(pool, top, options)
        decision.read_grids()
        if not options.brute_force:
            for _ in range(options.tuning.follow_rounds):
                if not _neighbours(store, pool, top.id, options, videos.live.get(top.id), not decision.confident()):
                    break
    matches = list(itertools.islice(decision.matches(), options.limit))
    return SearchResult(len(pool.candidates), len(pool.buckets), matches, ranges_read=pool.ranges)


def _without(pool: Pool, frames: Sequence[Frame], stale: Sequence[bool]) -> Pool:
    """The pool again without the stale candidates (scenes of a revision that does not answer),
    ranked afresh against the query's own readings (a fitted reading is made again)."""
    fresh = Pool(frames, pool.read_grids)
    fresh.add([c for c, s in zip(pool.candidates, stale, strict=True) if not s])
    fresh.buckets, fresh.ranges = pool.buckets, pool.ranges
    return fresh


def search_clip(
    store: SceneStore, frames: Sequence[tuple[float, RGB]], options: SearchOptions | None = None
) -> SearchResult:
    """Search a screenshot, a GIF or a clip given as (offset in seconds, RGB) frames: one frame
    answers a moment per video, several vote for a video and a time offset (a match's ``at`` is
    the video time of the clip's offset 0)."""
    options = options or SearchOptions()
    images = [(offset, QueryImage.of(rgb, options.readings.borders)) for offset, rgb in frames]
    return search_frames(
        store, [Frame(o, image, query_readings(image, options.readings)) for o, image in images], options
    )


def search_file(store: SceneStore, path: str | os.PathLike[str], options: SearchOptions | None = None) -> SearchResult:
    """Search a query file: an image, an animated GIF / WebP / APNG or a short video clip."""
    return search_clip(store, frames_of_file(path), options)


def search_image(store: SceneStore, rgb: RGB, options: SearchOptions | None = None) -> SearchResult:
    """Search one screenshot (RGB) with all its readings ranked together."""
    return search_clip(store, [(0.0, rgb)], options)


def search_readings(
    store: SceneStore, readings: Sequence[Reading], options: SearchOptions | None = None
) -> SearchResult:
    """Search one picture given as readings already made (no fitted readings: there is no image)."""
    return search_frames(store, [Frame(0.0, None, list(readings))], options)


def search_signature(store: SceneStore, signature: Signature, options: SearchOptions | None = None) -> SearchResult:
    """Search one signature as it is (the API's ``{"signature": hex}``)."""
    return search_readings(store, [Reading("original", signature.array, 0.0)], options)


def search_descriptor(store: SceneStore, descriptor: Descriptor, options: SearchOptions | None = None) -> SearchResult:
    """Search a query hashed on the client (ashen.query.descriptor): its frames' readings go
    through the same pipeline as those of an uploaded picture (the readings it was described with
    are those asked for; ``options.readings.mirrors`` still filters its fitted readings)."""
    return search_frames(store, [Frame(f.offset, f, list(f.readings)) for f in descriptor.frames], options)
