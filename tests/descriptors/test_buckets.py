import numpy as np

from ashen.descriptors.buckets import _DIMS, bucket_key, query_buckets, reach_buckets


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
