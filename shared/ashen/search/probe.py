"""The probe: which buckets a query reads.

First the buckets of every searchable reading, with the neighbour cell wherever a value sits on a
cell edge (ashen.descriptors.buckets). When that finds nothing confident, a wider probe once, for
the most promising readings: heavier edits (subtitles over a crop, a strong colour change) move a
value two steps, and subtitles or a player's bar push one term four; easy queries never pay for it.
When even that leaves the answer far, the **far probe**: the reading closest to any scene read
reads every bucket within two cells in each luma value (a sign or a pan moves several at once).
The steps that read these into the pool (``read_guesses``, ``widen``, ``reach_far``,
``read_all_of_small``) are here too; the pipeline says when each runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ashen.descriptors.buckets import (
    bucket_key,
    deep_buckets,
    far_buckets,
    is_flat,
    is_flat_query,
    luma_buckets,
    query_buckets,
    reach_buckets,
)
from ashen.descriptors.signature import similarity_of
from ashen.query.readings import Reading
from ashen.search.options import SearchOptions, Tuning
from ashen.search.ranking import Pool, reading_best, reading_distances
from ashen.store.port import SceneStore


def searchable(readings: Sequence[Reading], tuning: Tuning) -> list[Reading]:
    """The readings worth searching: not too plain to tell videos apart (``is_flat_query``);
    those too plain for the index to store (``is_flat``) carry ``Tuning.dim_penalty``."""
    return [
        replace(r, penalty=r.penalty + tuning.dim_penalty) if is_flat(r.values) else r
        for r in readings
        if not is_flat_query(r.values)
    ]


def bucket_keys(readings: Iterable[Reading], margin: int = 1, luma_sweeps: int = 0) -> list[str]:
    """The buckets of the readings, each once, in the order the readings name them; for the first
    ``luma_sweeps`` luma-only readings of the picture as given or trimmed, every chroma cell of
    their luma cells (a **sweep**; the other luma-only readings have the buckets of the reading
    they copy)."""
    keys: dict[str, None] = {}
    for r in readings:
        if not r.luma_only:
            keys.update(dict.fromkeys(query_buckets(r.values, margin)))
        elif r.family == "plain" and luma_sweeps > 0:
            keys.update(dict.fromkeys(luma_buckets(r.values, margin)))
            luma_sweeps -= 1
    return list(keys)


def first_buckets(store: SceneStore, readings: Iterable[Reading], brute_force: bool, tuning: Tuning) -> list[str]:
    """The first probe's buckets, or every bucket by brute force. A colourless query sweeps from
    the start: its colour readings can find a grey picture of another video, and be confident."""
    if brute_force:
        return sorted(store.bucket_sizes())
    return bucket_keys(readings, luma_sweeps=tuning.luma_sweeps)


def guess_buckets(readings: Iterable[Reading], read: Sequence[str]) -> list[str]:
    """The buckets not read yet of the painted-over readings (a guess of what mist hides moves
    every keyed value a little): two cells around in luma and one in chroma (a **deep** probe)."""
    keys: dict[str, None] = {}
    for r in readings:
        if r.family == "paint" and not r.luma_only:
            keys.update(dict.fromkeys(deep_buckets(r.values)))
    done = set(read)
    return [k for k in keys if k not in done]


def most_promising(readings: Sequence[tuple[Reading, float]], tuning: Tuning) -> list[Reading]:
    """Readings for the wider probe, given with their first-pass best distance: the
    ``wide_readings`` closest (unmatched ones in their order, the picture as given first), and the
    first tone reading of the picture and of the trimmed picture when none of theirs is among
    them. A colour edit moves every value at once, so its readings often match nothing at first."""
    readings = [(r, d) for r, d in readings if not r.luma_only]  # the first probe swept their chroma
    order = sorted(range(len(readings)), key=lambda i: readings[i][1])
    chosen = [readings[i][0] for i in order[: tuning.wide_readings]]
    for family in ("tone", "trim-tone"):
        if not any(r.family == family for r in chosen):
            chosen += [r for r, _ in readings if r.family == family][:1]
    return chosen


def wide_buckets(promising: Sequence[Reading], read: Sequence[str], tuning: Tuning) -> list[str]:
    """The wider probe's buckets not read yet: ``wide_margin`` steps in every keyed value, and
    ``wide_reach`` in any one of them."""
    wide = dict.fromkeys(bucket_keys(promising, margin=tuning.wide_margin))
    for r in promising:
        wide.update(dict.fromkeys(reach_buckets(r.values, tuning.wide_reach)))
    done = set(read)
    return [b for b in wide if b not in done]


def followed_buckets(values: npt.NDArray[np.uint8], read: Sequence[str]) -> list[str]:
    """The buckets of a video's contending moments (``values``: their signatures) that no probe
    read: the neighbour ranges find moments the query's readings do not reach (a phone photo moves
    every value of the picture a little), and the moments of the same look elsewhere in the video
    share their buckets (a **follow**)."""
    done = set(read)
    return [k for k in dict.fromkeys(bucket_key(v) for v in values) if k not in done]


def far_probe(readings: Sequence[Reading], values: npt.NDArray[np.uint8], read: Sequence[str]) -> list[str]:
    """The far probe's buckets not read yet: ``far_buckets`` of the reading (of those in colour and
    not painted over: their probes already reach further) closest to any candidate read so far
    (``values``: their signatures). A sign or a pan moves the keyed luma values of the picture
    together, a cell or two each, beyond the wide probe; the reading that undoes the most of the
    edit is the one closest to some scene, if not yet to the right one."""
    kept = [r for r in readings if not r.luma_only and not r.painted]
    if not kept or not len(values):
        return []
    closest = kept[int(np.argmin(reading_distances(kept, values).min(axis=1)))]
    done = set(read)
    return [k for k in far_buckets(closest.values) if k not in done]


def read_keys(store: SceneStore, pool: Pool, keys: list[str]) -> None:
    """Read the buckets ``keys`` (none read yet) into the pool."""
    if keys:
        pool.add(store.candidates(keys))
        pool.buckets += keys


def read_guesses(store: SceneStore, pool: Pool, options: SearchOptions) -> None:
    """The deep probes of painted-over readings: thousands of keys, and a dark picture that merely
    looks misted finds its scene without them, so only when the first probe found nothing
    confident."""
    read_keys(store, pool, guess_buckets((r for f in pool.frames for r in f.readings), pool.buckets))


def widen(store: SceneStore, pool: Pool, options: SearchOptions) -> None:
    """The wider probe, for the readings (of any frame) whose first-pass matches were closest."""
    best = [
        (r, d)
        for f, ranking in zip(pool.frames, pool.rankings, strict=True)
        for r, d in zip(f.readings, reading_best(f.readings, ranking), strict=True)
    ]
    read_keys(store, pool, wide_buckets(most_promising(best, options.tuning), pool.buckets, options.tuning))


def reach_far(store: SceneStore, pool: Pool, options: SearchOptions) -> None:
    """The far probe, when some frame's closest scene is still far (``Tuning.far_below``)."""
    best = min((float(similarity_of(r.dist.min())) for r in pool.rankings if len(r.dist)), default=0.0)
    if best < options.tuning.far_below:
        read_keys(store, pool, far_probe([r for f in pool.frames for r in f.readings], pool.values, pool.buckets))


def read_all_of_small(store: SceneStore, pool: Pool, options: SearchOptions) -> None:
    """Nothing found near any reading: in a small store, read every scene (Tuning.read_all_scenes)."""
    every = store.small_library(options.tuning.read_all_scenes)
    if every is not None:
        probed = set(pool.buckets)
        pool.add([c for bucket, c in every if bucket not in probed])
        pool.buckets += sorted({bucket for bucket, _ in every} - probed)
