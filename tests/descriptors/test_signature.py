import numpy as np
import pytest

from ashen import Signature
from ashen.descriptors.signature import PACKED_SIZE, distances, pack, similarity_of, unpack

BLACK = [2] + [16] * 20 + [32] + [16] * 5 + [32] + [16] * 5


def random_values(n, seed=0):
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 32, (n, 33))
    v[:, [0, 21, 27]] = rng.integers(0, 64, (n, 3))
    return v


def test_pack_is_21_bytes_and_lossless():
    v = random_values(2000)
    packed = pack(v)
    assert packed.shape == (2000, PACKED_SIZE) == (2000, 21)
    assert np.array_equal(unpack(packed), v)


def test_hex_round_trip_and_str():
    s = Signature(BLACK)
    text = str(s)
    assert len(text) == 42
    assert Signature.from_hex(text) == s
    assert Signature.from_bytes(s.to_bytes()) == s
    assert repr(s) == f"Signature('{text}')"


def test_subtraction_is_lire_distance():
    a = Signature(BLACK)
    b_values = list(BLACK)
    b_values[0] += 1  # Y DC weight 2 -> sqrt(2)
    b_values[27] += 1  # Cr DC weight 4 -> sqrt(4)
    b = Signature(b_values)
    assert a - a == 0.0
    assert a - b == pytest.approx(np.sqrt(2) + 2.0)
    assert a - b == b - a


def test_vectorised_distance_agrees_with_scalar():
    v = random_values(100, seed=3)
    d = distances(v[0], v)
    assert d[0] == 0
    for i in (1, 50, 99):
        assert d[i] == pytest.approx(Signature(v[0]) - Signature(v[i]))


def test_similarity_is_monotone_in_unit_interval():
    s = similarity_of(np.array([0, 1, 5, 20, 40, 400]))
    assert s[0] == 1.0 and s[-1] == 0.0
    assert np.all(np.diff(s) <= 0)


@pytest.mark.parametrize("bad", ["", "zz" * 21, "00" * 20, "00" * 22])
def test_from_hex_rejects_bad_text(bad):
    with pytest.raises(ValueError):
        Signature.from_hex(bad)


def test_out_of_range_values_rejected():
    with pytest.raises(ValueError):
        Signature([64] + [0] * 32)
    with pytest.raises(ValueError):
        Signature([0] * 32)
