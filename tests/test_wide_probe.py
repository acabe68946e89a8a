"""Which readings of a query the wider second probe takes."""

import math

import numpy as np

from ashen.query import Variant
from ashen.search import WIDE_VARIANTS, _most_promising

NAMES = [
    "original", "trim", "uncrop-all", "uncrop-sides", "uncrop-left", "uncrop-right", "trim-uncrop-all",
    "mirror", "trim-mirror", "uncrop-all-mirror", "uncrop-sides-mirror",
    "trim-tone-darker", "trim-tone-brighter", "tone-darker", "tone-brighter",
]  # fmt: skip


def readings(best: dict[str, float]) -> list[tuple[Variant, float]]:
    return [(Variant(n, np.zeros(33, dtype=np.uint8), 0.0), best.get(n, math.inf)) for n in NAMES]


def test_with_no_first_pass_match_every_family_gets_a_reading():
    names = [v.name for v in _most_promising(readings({}))]
    assert len(names) == WIDE_VARIANTS
    # one of each family first, in reading order, then the second of each
    assert names[:6] == ["original", "uncrop-all", "mirror", "uncrop-all-mirror", "trim-tone-darker", "tone-darker"]
    assert names[6:] == ["trim", "uncrop-sides"]


def test_first_pass_matches_order_the_readings_within_a_round():
    names = [v.name for v in _most_promising(readings({"uncrop-left": 3.0, "uncrop-all": 5.0, "tone-brighter": 4.0}))]
    assert names[0] == "uncrop-left"  # the closest first-pass match leads
    assert names.index("tone-brighter") < names.index("uncrop-all")  # second uncrop waits for the next round
    assert "tone-darker" not in names[:5] and "original" in names
