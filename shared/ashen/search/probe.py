"""The probe: which buckets a query reads.

First the buckets of every searchable reading, with the neighbour cell wherever a value sits on a
cell edge (ashen.descriptors.buckets). When that finds nothing confident, a wider probe once, for
the most promising readings: heavier edits (subtitles over a crop, a strong colour change) move a
value two steps, and subtitles or a player's bar push one term four; easy queries never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ashen.descriptors.buckets import (
    bucket_key,
    deep_buckets,
    is_flat,
    is_flat_query,
    luma_buckets,
    query_buckets,
    reach_buckets,
)
from ashen.query.readings import Reading
from ashen.search.options import Tuning
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
