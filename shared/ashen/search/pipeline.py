"""Search: query variants -> bucket keys -> candidates -> ranked by distance -> best scene per video.

``search_image`` ranks every variant of a screenshot together (as given, border-trimmed, mirrored,
un-cropped); ``search_clip`` hashes several frames of a clip or GIF and votes for the video and
time offset they agree on. ``search`` is the plain single-signature form (the API's
``{"signature": hex}``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ashen.descriptors.buckets import is_flat, is_flat_query, query_buckets, reach_buckets
from ashen.descriptors.luma_grid import LAYOUT_BYTES, MOMENT_MARGIN, overlay_free_distances, unpack_layouts
from ashen.descriptors.signature import SIMILARITY_SCALE, Signature, distances, similarity_of, unpack_all
from ashen.query.readings import QueryImage, Variant, fitted_readings, query_variants
from ashen.records import Candidate, VideoRecord
from ashen.store.port import SceneStore

DEFAULT_LIMIT = 10
# At or above this similarity an answer is reported as confident (calibrated on the robustness
# benchmark, see README); below MIN_SIMILARITY nothing is reported at all.
CONFIDENT_SIMILARITY = 0.8
MIN_SIMILARITY = 0.3
WIDE_MARGIN = 2  # second, wider probe when the first finds nothing confident: two steps in every value
WIDE_REACH = 4  # ...and four in any one of them (subtitles and player bars move one term far)
WIDE_VARIANTS = 8  # ...for this many readings of the query
# Seconds around the moments of the top video (when several contend) whose scenes are read
# too: a still shot's right moment can lie in a bucket not read, next to moments that were. As far
# as an answer's time may be off (2 s): any scene that close to a contending moment is considered.
NEIGHBOUR_S = 2.0
NEIGHBOUR_RANGES = 4
NEIGHBOUR_SPAN_S = 30.0  # longest range read (a long still shot): around its closest-layout moment
CLIP_TOP_K = 25  # candidates per clip frame that take part in the vote
CLIP_TOLERANCE_S = 0.5
CLIP_QUORUM = 0.75  # share of a clip's frames whose support makes its score
# Added to a reading too plain for the index to store (``is_flat``) yet searched (``is_flat_query``):
# a dim, low-texture picture matches many dark frames closely, so alone it never gets a confident
# answer (a deep-field photo reached 0.88 against a film's night shots without it).
DIM_PENALTY = (1 - CONFIDENT_SIMILARITY) * SIMILARITY_SCALE


@dataclass(frozen=True)
class Match:
    video: VideoRecord
    start: float
    at: float
    end: float
    distance: float
    similarity: float
    variant: str = "original"

    @property
    def confident(self) -> bool:
        return self.similarity >= CONFIDENT_SIMILARITY

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
            "confident": self.confident,
            "variant": self.variant,
        }


@dataclass(frozen=True)
class SearchResult:
    frame_count: int  # candidates compared
    buckets_read: int
    matches: list[Match]
    flat: bool = False  # the query is a near-uniform image: no video can be told from it
    ranges_read: int = 0  # time ranges of one video read besides the buckets (``_neighbours``)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"frameCount": self.frame_count, "result": [m.to_dict() for m in self.matches]}
        if self.flat:
            out["flat"] = True
        return out


def _searchable(variants: Sequence[Variant]) -> list[Variant]:
    """The readings worth searching, those too plain for the index penalised (DIM_PENALTY)."""
    return [replace(v, penalty=v.penalty + DIM_PENALTY) if is_flat(v.values) else v
            for v in variants if not is_flat_query(v.values)]  # fmt: skip


def _buckets_for(store: SceneStore, variants: Sequence[Variant], brute_force: bool, margin: int = 1) -> list[str]:
    if brute_force:
        return sorted(store.bucket_sizes())
    keys: dict[str, None] = {}
    for v in variants:
        keys.update(dict.fromkeys(query_buckets(v.values, margin)))
    return list(keys)


def _candidate_values(candidates: Sequence[Candidate]) -> npt.NDArray[np.uint8]:
    return unpack_all(c.signature for c in candidates)


def _reading_distances(variants: Sequence[Variant], values: npt.NDArray[np.uint8]) -> np.ndarray:
    """(readings, candidates) penalised CLD distances."""
    q = np.stack([v.values for v in variants]).astype(np.float64)
    return distances(q[:, None, :], values[None, :, :]) + np.array([v.penalty for v in variants])[:, None]


def _variant_distances(variants: Sequence[Variant], values: npt.NDArray[np.uint8]) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: the smallest penalised distance over the variants, and which variant gave it."""
    d = _reading_distances(variants, values)
    which = np.argmin(d, axis=0)
    return d[which, np.arange(d.shape[1])], which


def _reading_best(variants: Sequence[Variant], dist: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Per reading: the distance of its closest candidate (inf when it matched none best)."""
    best = np.full(len(variants), np.inf)
    if len(dist):
        np.minimum.at(best, which, dist)
    return best


def _most_promising(readings: Sequence[tuple[Variant, float]]) -> list[Variant]:
    """Readings for the wider probe: the WIDE_VARIANTS whose first-pass best match was closest
    (unmatched readings in their order, the image as given first), and the first tone reading of
    the image and of the trimmed picture when none of theirs is among them. A colour edit moves
    every value at once, so its readings often match nothing in the first pass."""
    order = sorted(range(len(readings)), key=lambda i: readings[i][1])
    chosen = [readings[i][0] for i in order[:WIDE_VARIANTS]]
    for family in ("tone", "trim-tone"):
        if not any(v.family == family for v in chosen):
            chosen += [v for v, _ in readings if v.family == family][:1]
    return chosen


def _wide_buckets(store: SceneStore, promising: Sequence[Variant], read: Sequence[str]) -> list[str]:
    """The second, wider probe's buckets not read yet. Heavier edits (subtitles over a crop, a
    strong colour change) can move a value two steps, subtitles and player bars one term four."""
    wide = dict.fromkeys(_buckets_for(store, promising, False, margin=WIDE_MARGIN))
    for v in promising:
        wide.update(dict.fromkeys(reach_buckets(v.values, WIDE_REACH)))
    done = set(read)
    return [b for b in wide if b not in done]


def _joined(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two rankings (distances, readings) as the ranking of their candidate lists concatenated: a
    candidate's distances depend on it alone, so candidates read later need only themselves ranked."""
    return np.concatenate((a[0], b[0])), np.concatenate((a[1], b[1]))


def _rank(variants: Sequence[Variant], candidates: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray]:
    if not candidates:
        return np.zeros(0), np.zeros(0, dtype=np.intp)
    return _variant_distances(variants, _candidate_values(candidates))


def _layout_distances(variants: Sequence[Variant], candidates: Sequence[Candidate], margin: float) -> np.ndarray:
    """Per candidate: ``_video_layout_distances`` among the candidates of its own video, so that
    other videos' scenes (more of them by brute force than through buckets) never change which
    moment of a video is chosen."""
    out = np.full(len(candidates), np.inf)
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        groups.setdefault(c.video_id, []).append(i)
    for members in groups.values():
        out[members] = _video_layout_distances(variants, [candidates[i] for i in members], margin)
    return out


def _video_layout_distances(variants: Sequence[Variant], scenes: Sequence[Candidate], margin: float) -> np.ndarray:
    """Per scene of one video: its smallest layout distance (overlays left out, see
    ashen.layout.overlay_free_distances) to the plausible readings of the query, those whose
    closest of these scenes by CLD is within ``margin`` of the closest of all; inf where the scene
    has no layout. Not only the reading that matched it best by CLD: after a colour edit, say, the
    right scene's best CLD reading can be the unedited one, whose layout is the wrong brightness."""
    out = np.full(len(scenes), np.inf)
    ok = np.array([len(c.layout) == LAYOUT_BYTES for c in scenes], dtype=bool)
    readings = [v for v in variants if v.layout is not None]
    if not ok.any() or not readings:
        return out
    kept = [c for c, k in zip(scenes, ok, strict=True) if k]
    reading_best = _reading_distances(readings, _candidate_values(kept)).min(axis=1)
    stored = unpack_layouts(c.layout for c in kept)
    best = np.full(len(kept), np.inf)
    for v, closest in zip(readings, reading_best, strict=True):
        if closest <= reading_best.min() + margin:
            best = np.minimum(best, overlay_free_distances(v.layout, stored))  # type: ignore[arg-type]
    out[ok] = best
    return out


def _video_best(vid: np.ndarray, value: np.ndarray) -> np.ndarray:
    """The largest ``value`` per video code in ``vid``."""
    best = np.full(int(vid.max()) + 1 if len(vid) else 0, -np.inf)
    np.maximum.at(best, vid, value)
    return best


def _contenders(mine: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """The moments a video's answer is chosen from: its scenes (``mine``, a mask over the
    candidates) within MOMENT_MARGIN of its closest."""
    return np.flatnonzero(mine & (dist <= dist[mine].min() + MOMENT_MARGIN))


def _moments(
    variants: Sequence[Variant], candidates: Sequence[Candidate], dist: np.ndarray
) -> Iterator[tuple[int, float]]:
    """One (candidate, distance) per video, closest video first: among the video's scenes within
    MOMENT_MARGIN of its closest, the one whose luma layout is closest to the query's; the distance
    is that of the video's closest scene (how surely the video is the one; the layout says when).
    Lazy: layouts are compared only for the videos a caller goes on to ask for."""
    codes: dict[str, int] = {}
    vid = np.array([codes.setdefault(c.video_id, len(codes)) for c in candidates])
    closest = -_video_best(vid, -dist)
    for v in np.argsort(closest, kind="stable"):
        near = _contenders(vid == v, dist)
        if len(near) > 1:
            fine = _video_layout_distances(variants, [candidates[i] for i in near], MOMENT_MARGIN)
            near = near[np.lexsort((dist[near], fine))]  # by layout distance, then by CLD distance
        yield int(near[0]), float(closest[v])


def _neighbours(
    store: SceneStore, variants: Sequence[Variant], candidates: Sequence[Candidate], dist: np.ndarray, top: str
) -> tuple[list[Candidate], int]:
    """Scenes not read yet near the moments the top video's answer is chosen from, and how many
    time ranges were read. Brute force chooses among every scene of the video within
    MOMENT_MARGIN of its closest; buckets see only those in the buckets read. Those moments of a
    still shot (a screencast, a talking head) lie next to each other in time, so the scenes
    around the ones that were read fill in the rest: at most NEIGHBOUR_RANGES time ranges of at
    most NEIGHBOUR_SPAN_S, those holding the moments whose layouts are closest first. ``top`` is
    the closest video the title filter lets through."""
    near = _contenders(np.array([c.video_id == top for c in candidates]), dist)
    if len(near) < 2:
        return [], 0
    fine = _video_layout_distances(variants, [candidates[i] for i in near], MOMENT_MARGIN)
    ranges: list[list[float]] = []  # [from, to, closest layout inside, middle of that moment]
    for k in sorted(range(len(near)), key=lambda k: candidates[near[k]].start):
        c = candidates[near[k]]
        lo, hi, middle = max(0.0, c.start - NEIGHBOUR_S), c.end + NEIGHBOUR_S, (c.start + c.end) / 2
        if ranges and lo <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], hi)
            if fine[k] < ranges[-1][2]:
                ranges[-1][2:] = [float(fine[k]), middle]
        else:
            ranges.append([lo, hi, float(fine[k]), middle])
    read = []
    for lo, hi, _, middle in sorted(ranges, key=lambda r: r[2])[:NEIGHBOUR_RANGES]:
        if hi - lo > NEIGHBOUR_SPAN_S:
            lo = max(lo, min(middle - NEIGHBOUR_SPAN_S / 2, hi - NEIGHBOUR_SPAN_S))
            hi = lo + NEIGHBOUR_SPAN_S
        read.append((lo, hi))
    known = {c.start for c in candidates if c.video_id == top}
    found = [c for lo, hi in read for c in store.scenes_between(top, lo, hi) if c.start not in known]
    return found, len(read)


def _top_video(candidates: Sequence[Candidate], dist: np.ndarray, videos: _Videos) -> VideoRecord | None:
    """The closest video the title filter lets through."""
    return next((v for i in np.argsort(dist, kind="stable") if (v := videos.get(candidates[i].video_id)) is not None),
                None)  # fmt: skip


def _video_shape(video: VideoRecord) -> float | None:
    """Width / height of the picture the index stored of ``video`` (inside its baked-in bars)."""
    if video.picture:
        top, bottom, left, right = video.picture
        return (right - left) / (bottom - top) if bottom > top else None
    return video.width / video.height if video.width > 0 and video.height > 0 else None


def _fitted(
    variants: Sequence[Variant],
    candidates: Sequence[Candidate],
    ranking: tuple[np.ndarray, np.ndarray],
    top: VideoRecord,
    fit: Callable[[float], list[Variant]],
) -> tuple[list[Variant], tuple[np.ndarray, np.ndarray]]:
    """The readings ``fit`` makes for the top video's shape (ashen.query.fitted_readings) added,
    and the ranking of that video's candidates updated with them. Only that video's: the reading
    is a hypothesis about its picture, not about any other video's. (It only brings that video's
    distances down, so it stays the top video.)"""
    dist, which = ranking
    shape = _video_shape(top)
    extra = _searchable(fit(shape)) if shape else []
    if not extra:
        return list(variants), ranking
    mine = np.flatnonzero(np.array([c.video_id == top.id for c in candidates]))
    d, w = _rank(extra, [candidates[i] for i in mine])
    closer = d < dist[mine]
    dist, which = dist.copy(), which.copy()
    dist[mine[closer]], which[mine[closer]] = d[closer], w[closer] + len(variants)
    return [*variants, *extra], (dist, which)


class _Videos:
    """Video records looked up once per search, with the title filter applied."""

    def __init__(self, store: SceneStore, title: str | None) -> None:
        self.store, self.title, self.cache = store, title.lower() if title else None, {}

    def get(self, video_id: str) -> VideoRecord | None:
        if video_id not in self.cache:
            v = self.store.get_video(video_id)
            self.cache[video_id] = v if v and (self.title is None or self.title in v.title.lower()) else None
        return self.cache[video_id]


def search_variants(
    store: SceneStore,
    variants: Sequence[Variant],
    *,
    limit: int = DEFAULT_LIMIT,
    title: str | None = None,
    brute_force: bool = False,
    fit: Callable[[float], list[Variant]] | None = None,
) -> SearchResult:
    """Search with ``variants`` ranked together; ``fit`` makes more readings for a video shape
    (width / height) once the likeliest video is known (ashen.query.fitted_readings)."""
    variants = _searchable(variants)
    if not variants:
        return SearchResult(0, 0, [], flat=True)
    buckets = _buckets_for(store, variants, brute_force)
    candidates = store.candidates(buckets)
    dist, which = _rank(variants, candidates)
    if not brute_force and (not len(dist) or similarity_of(dist.min()) < CONFIDENT_SIMILARITY):
        # No confident answer: widen the probe once. Heavier edits (subtitles over a crop, a
        # strong colour change) can move a value two steps; easy queries never pay for this.
        # Only the most promising readings: those whose first-pass best match was closest.
        promising = _most_promising(list(zip(variants, _reading_best(variants, dist, which), strict=True)))
        wider = _wide_buckets(store, promising, buckets)
        more = store.candidates(wider)
        dist, which = _joined((dist, which), _rank(variants, more))
        candidates += more
        buckets += wider
    if not candidates:
        return SearchResult(0, len(buckets), [])
    videos = _Videos(store, title)
    top = _top_video(candidates, dist, videos)
    if fit is not None and top is not None:
        variants, (dist, which) = _fitted(variants, candidates, (dist, which), top, fit)
    ranges = 0
    if not brute_force and top is not None:
        nearby, ranges = _neighbours(store, variants, candidates, dist, top.id)
        if nearby:
            dist, which = _joined((dist, which), _rank(variants, nearby))
            candidates += nearby
    matches: list[Match] = []
    for i, d in _moments(variants, candidates, dist):
        c = candidates[i]
        sim = float(similarity_of(d))
        if sim < MIN_SIMILARITY:
            break
        video = videos.get(c.video_id)
        if video is None:
            continue
        matches.append(Match(video, c.start, c.at, c.end, d, sim, variants[which[i]].name))
        if len(matches) >= limit:
            break
    return SearchResult(len(candidates), len(buckets), matches, ranges_read=ranges)


def search(
    store: SceneStore,
    query: Signature,
    *,
    limit: int = DEFAULT_LIMIT,
    title: str | None = None,
    brute_force: bool = False,
) -> SearchResult:
    """Search one signature as it is (no variants)."""
    return search_variants(store, [Variant("original", query.array, 0.0)], limit=limit, title=title,
                           brute_force=brute_force)  # fmt: skip


def search_image(
    store: SceneStore,
    rgb: npt.NDArray[np.uint8],
    *,
    limit: int = DEFAULT_LIMIT,
    title: str | None = None,
    mirrors: bool = True,
    borders: bool = True,
    crops: bool = True,
    tones: bool = True,
    brute_force: bool = False,
) -> SearchResult:
    """Search a screenshot with all its variants ranked together."""
    image = QueryImage.of(rgb, borders)
    variants = query_variants(image, mirrors=mirrors, borders=borders, crops=crops, tones=tones)
    return search_variants(store, variants, limit=limit, title=title, brute_force=brute_force,
                           fit=_fit(image, mirrors=mirrors))  # fmt: skip


def _fit(image: QueryImage, *, mirrors: bool) -> Callable[[float], list[Variant]] | None:
    """``search_variants``'s ``fit`` for one image (none when borders are not looked for)."""
    return (lambda ratio: fitted_readings(image, ratio, mirrors=mirrors)) if image.boxes is not None else None


def search_clip(
    store: SceneStore,
    frames: Sequence[tuple[float, npt.NDArray[np.uint8]]],
    *,
    limit: int = DEFAULT_LIMIT,
    title: str | None = None,
    mirrors: bool = True,
    borders: bool = True,
    crops: bool = True,
    tones: bool = True,
    brute_force: bool = False,
) -> SearchResult:
    """Search a clip: frames (offset in seconds, RGB) vote for one video and one time offset.

    A match's ``at`` is the video time of the clip's offset 0, ``from`` the earliest start the
    frames agree on and ``to`` the end of the clip at the latest one (a still shot leaves a wide
    range). An offset's score is the mean, over the best three quarters of the clip's frames, of
    each frame's best similarity consistent with it; a match's similarity is its video's best score.
    Among offsets of one video that score within MOMENT_MARGIN (in distance) of its best, the one
    whose scenes' luma layouts agree best with the frames wins.
    """
    if not frames:
        return SearchResult(0, 0, [])
    images = [QueryImage.of(rgb, borders) for _, rgb in frames]
    per_frame = [_searchable(query_variants(image, mirrors=mirrors, borders=borders, crops=crops, tones=tones))
                 for image in images]  # fmt: skip
    kept = [(f, image, vs) for f, image, vs in zip(frames, images, per_frame, strict=True) if vs]
    if not kept:
        return SearchResult(0, 0, [], flat=True)
    frames, per_frame = [f for f, _, _ in kept], [vs for _, _, vs in kept]
    if len(frames) == 1:
        return search_variants(store, per_frame[0], limit=limit, title=title, brute_force=brute_force,
                               fit=_fit(kept[0][1], mirrors=mirrors))  # fmt: skip
    buckets = _buckets_for(store, [v for vs in per_frame for v in vs], brute_force)
    candidates = store.candidates(buckets)
    ranked = _frame_distances(per_frame, candidates)
    matches = _clip_vote(store, frames, per_frame, candidates, ranked, limit, title)
    if not brute_force and (not matches or not matches[0].confident):
        # As for one image: no confident answer widens the probe once, for the readings (of any
        # frame) whose first-pass matches were closest.
        readings = [(v, b) for vs, (d, w) in zip(per_frame, ranked, strict=True)
                    for v, b in zip(vs, _reading_best(vs, d, w), strict=True)]  # fmt: skip
        wider = _wide_buckets(store, _most_promising(readings), buckets)
        more = store.candidates(wider)
        ranked = [_joined(r, m) for r, m in zip(ranked, _frame_distances(per_frame, more), strict=True)]
        candidates += more
        buckets += wider
        matches = _clip_vote(store, frames, per_frame, candidates, ranked, limit, title)
    return SearchResult(len(candidates), len(buckets), matches)


def _frame_distances(
    per_frame: Sequence[Sequence[Variant]], candidates: Sequence[Candidate]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each clip frame, ``_variant_distances`` of its readings to the candidates (unpacked once)."""
    values = _candidate_values(candidates) if candidates else np.zeros((0, 33), dtype=np.uint8)
    return [_variant_distances(vs, values) for vs in per_frame]


def _clip_vote(
    store: SceneStore,
    frames: Sequence[tuple[float, npt.NDArray[np.uint8]]],
    per_frame: Sequence[Sequence[Variant]],
    candidates: Sequence[Candidate],
    ranked: Sequence[tuple[np.ndarray, np.ndarray]],
    limit: int,
    title: str | None,
) -> list[Match]:
    """The clip's frames vote for (video, start offset) among ``candidates``, ``ranked`` by
    ``_frame_distances`` (see search_clip)."""
    if not candidates:
        return []
    vid_index = {v: i for i, v in enumerate(dict.fromkeys(c.video_id for c in candidates))}
    vids = np.array([vid_index[c.video_id] for c in candidates])
    starts = np.array([c.start for c in candidates])
    ends = np.array([c.end for c in candidates])
    # Evidence: for each frame, its top-K candidates as (video, interval of clip start, similarity),
    # and the scenes within MOMENT_MARGIN of its best in each video whose layouts are closest (a still
    # shot can tie more scenes than K, and the right one need not be among the first K).
    ev_vid, ev_lo, ev_hi, ev_sim, ev_frame, ev_fine = [], [], [], [], [], []
    for f, ((offset, _), variants, (dist, _)) in enumerate(zip(frames, per_frame, ranked, strict=True)):
        video_closest = -_video_best(vids, -dist)[vids]
        near = np.flatnonzero(dist <= video_closest + MOMENT_MARGIN)
        closest_cld = np.argsort(dist, kind="stable")[:CLIP_TOP_K]
        frame_fine = np.full(len(candidates), np.inf)  # layout distances of the scenes that may take part
        # (of the videos in contention for this frame: layouts only choose among a video's moments)
        need = np.union1d(near, closest_cld)
        need = need[video_closest[need] <= dist.min() + MOMENT_MARGIN]
        frame_fine[need] = _layout_distances(variants, [candidates[i] for i in need], MOMENT_MARGIN)
        closest = near[np.argsort(frame_fine[near], kind="stable")[:CLIP_TOP_K]]
        top = np.array(list(dict.fromkeys([*closest_cld, *closest])), dtype=np.intp)
        ev_vid.append(vids[top])
        ev_lo.append(starts[top] - offset - CLIP_TOLERANCE_S)
        ev_hi.append(ends[top] - offset + CLIP_TOLERANCE_S)
        ev_sim.append(similarity_of(dist[top]))
        ev_frame.append(np.full(len(top), f))
        ev_fine.append(frame_fine[top])
    v, lo, hi, sim, fr, fine = (np.concatenate(x) for x in (ev_vid, ev_lo, ev_hi, ev_sim, ev_frame, ev_fine))
    # Hypotheses: the centre of each piece of evidence; support: the best similarity per frame
    # among evidence of the same video whose interval contains the hypothesis.
    hyp = (lo + hi) / 2
    inside = (v[None, :] == v[:, None]) & (lo[None, :] <= hyp[:, None]) & (hyp[:, None] <= hi[None, :])
    support = np.zeros((len(hyp), len(frames)))
    support_fine = np.zeros((len(hyp), len(frames)))  # layout distance of that evidence
    supported = np.zeros((len(hyp), len(frames)), dtype=bool)
    for f in range(len(frames)):
        cols = np.flatnonzero(fr == f)
        held = np.where(inside[:, cols], sim[None, cols], -1.0)
        pick = np.argmax(held, axis=1)
        found = held[np.arange(len(hyp)), pick] >= 0
        support[:, f] = np.where(found, held[np.arange(len(hyp)), pick], 0.0)
        # (the closest layout among that frame's evidence there, not only the best CLD match's)
        support_fine[found, f] = np.where(inside[:, cols], fine[None, cols], np.inf).min(axis=1)[found]
        supported[:, f] = found
    # The score is the mean over the best CLIP_QUORUM of the frames: a frame across a cut, a fade
    # or an overlay that matches nothing must not veto the offset all the others agree on.
    quorum = max(1, math.ceil(CLIP_QUORUM * len(frames)))
    score = np.sort(support, axis=1)[:, -quorum:].mean(axis=1)
    # As for images: hypotheses of one video within MOMENT_MARGIN of its best are told apart by
    # how well the layouts of their supporting scenes agree with the clip's frames.
    best_score = _video_best(v, score)
    tied = score >= best_score[v] - MOMENT_MARGIN / SIMILARITY_SCALE
    # (over the frames that support them: a missing frame already costs its share of the score)
    count = supported.sum(axis=1)
    mean_fine = np.where(tied & (count > 0), support_fine.sum(axis=1) / np.maximum(count, 1), np.inf)
    order = np.lexsort((-score, mean_fine))
    names = list(vid_index)
    videos = _Videos(store, title)
    span = max(o for o, _ in frames)
    matches: list[Match] = []
    chosen: dict[int, int] = {}
    for h in order:
        chosen.setdefault(int(v[h]), int(h))
    for h in sorted(chosen.values(), key=lambda h: (-best_score[v[h]], h)):
        if best_score[v[h]] < MIN_SIMILARITY:
            break
        video = videos.get(names[int(v[h])])
        if video is None:
            continue
        # Refine the offset: the middle of what all supporting evidence of this video agrees on.
        # A still shot agrees on a wide range of starts; from / to say so, as a scene's do.
        agree = inside[h] & (v == v[h])
        earliest, latest = float(lo[agree].max()), float(hi[agree].min())
        at = max(0.0, (earliest + latest) / 2)
        start, end = max(0.0, min(earliest + CLIP_TOLERANCE_S, at)), max(latest - CLIP_TOLERANCE_S, at) + span
        sim_h = float(best_score[v[h]])  # the video's best offset says how surely it is this video
        matches.append(Match(video, start, at, end, (1 - sim_h) * SIMILARITY_SCALE, sim_h, "clip"))
        if len(matches) >= limit:
            break
    return matches
