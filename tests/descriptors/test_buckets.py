from itertools import product

import numpy as np

from ashen.descriptors.buckets import (
    _DIMS,
    SCHEME,
    _keys,
    bucket_key,
    deep_buckets,
    far_buckets,
    luma_buckets,
    query_buckets,
    reach_buckets,
)


def signature_with(keyed: list[int]) -> np.ndarray:
    values = np.full(33, 16, dtype=np.int64)
    values[0], values[21], values[27] = 30, 32, 32
    values[_DIMS] = keyed
    return values


def test_one_step_in_every_value_is_read():
    q = signature_with([30, 32, 32, 16, 16, 16])
    read = set(query_buckets(q))
    for d in range(6):
        for step in (-1, 1):
            moved = q.copy()
            moved[_DIMS[d]] += step
            assert bucket_key(moved) in read


def test_reach_finds_one_value_moved_far_but_not_two():
    q = signature_with([30, 32, 32, 16, 20, 16])
    read = set(reach_buckets(q, 4))
    far = q.copy()
    far[_DIMS[4]] = 16  # a caption moved the vertical term four steps
    assert bucket_key(far) not in set(query_buckets(q, 2))
    assert bucket_key(far) in read
    both = far.copy()
    both[_DIMS[0]] = 24  # and the brightness six: not a neighbour any more
    assert bucket_key(both) not in read


def test_the_keys_are_every_combination_of_cells_in_product_order() -> None:
    """Keys grown one dimension at a time are those of itertools.product, in its order: a deep,
    luma or wide probe reads the same buckets in the same order as with each combination joined."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        options = [sorted({int(c) for c in rng.integers(0, 40, int(rng.integers(1, 6)))}) for _ in range(6)]
        expected = [f"{SCHEME}-{''.join(f'{c:02d}' for c in combo)}" for combo in product(*options)]
        assert _keys(options) == expected
    assert _keys([]) == [f"{SCHEME}-"] and _keys([[1], []]) == []


def test_no_probe_reads_a_bucket_past_the_last_cell() -> None:
    """A value at the top of its range (a white picture's Y DC, a saturated Cb) is probed a cell or
    two beyond it by the wide, deep and far probes: a bucket no scene can be in is not read (it
    cost a read, and the cost model could not place it)."""
    top = signature_with([63, 63, 63, 31, 31, 31])
    bottom = signature_with([0, 0, 0, 0, 0, 0])
    cells = np.array([22, 32, 32, 11, 11, 11])  # 6-bit DC values in cells of 3 and 2, 5-bit AC in 3
    for q in (top, bottom):
        probes = [query_buckets(q), query_buckets(q, 2), reach_buckets(q, 4), deep_buckets(q), far_buckets(q)]
        probes.append(luma_buckets(q))
        for keys in probes:
            assert keys and bucket_key(q) in keys
            for key in keys:
                read = [int(key[3 + i : 5 + i]) for i in range(0, 12, 2)]
                assert all(0 <= c < n for c, n in zip(read, cells, strict=True)), key
