"""Which readings of a query the wider second probe takes."""

import math

import numpy as np

from ashen.query.readings import Reading
from ashen.search.options import Tuning
from ashen.search.probe import most_promising

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
