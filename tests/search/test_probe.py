"""Which readings of a query the wider second probe takes."""

import math

import numpy as np

from ashen.descriptors.buckets import _DIMS, bucket_key, deep_buckets
from ashen.query.readings import Reading
from ashen.search.options import Tuning
from ashen.search.probe import guess_buckets, most_promising

WIDE = Tuning().wide_readings

NAMES = [
    "original",
    "trim",
    "trim-sym",
    "uncrop-all",
    "uncrop-sides",
    "uncrop-left",
    "uncrop-right",
    "trim-uncrop-all",
    "mirror",
    "trim-mirror",
    "uncrop-all-mirror",
    "uncrop-sides-mirror",
    "trim-tone-darker",
    "trim-tone-brighter",
    "tone-darker",
    "tone-brighter",
]


def readings(best: dict[str, float]) -> list[tuple[Reading, float]]:
    return [(Reading(n, np.zeros(33, dtype=np.uint8), 0.0), best.get(n, math.inf)) for n in NAMES]


def test_unmatched_readings_keep_their_order_and_a_tone_of_each_picture_runs():
    names = [v.name for v in most_promising(readings({}), Tuning())]
    assert names == [*NAMES[:WIDE], "tone-darker", "trim-tone-darker"]


def test_the_closest_first_pass_matches_lead():
    names = [
        v.name for v in most_promising(readings({"uncrop-left": 3.0, "tone-brighter": 4.0, "mirror": 5.0}), Tuning())
    ]
    assert names[:3] == ["uncrop-left", "tone-brighter", "mirror"]
    assert names[-1] == "trim-tone-darker" and "tone-darker" not in names  # a tone of the image is already in
    assert len(names) == WIDE + 1


def test_a_painted_over_reading_reads_two_cells_around_in_luma_and_one_in_chroma():
    values = np.full(33, 16, dtype=np.int64)
    values[[0, 21, 27]] = (30, 32, 32)
    keys = set(deep_buckets(values))
    assert set(guess_buckets([Reading("paint", values.astype(np.uint8), 1.0)], [])) == keys
    assert len(keys) == 5**4 * 3**2
    far = values.copy()
    far[_DIMS[[0, 3, 4, 5]]] += 6  # two cells of 3 in each luma value
    far[_DIMS[[1, 2]]] -= 2  # one cell of 2 in each chroma value
    assert bucket_key(far) in keys
    far[_DIMS[1]] -= 2
    assert bucket_key(far) not in keys
