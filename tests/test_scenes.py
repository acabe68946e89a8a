import numpy as np

from ashen.scenes import join_segments, scenes_of


def sigs(rows):
    out = np.full((len(rows), 33), 16, dtype=np.uint8)
    out[:, 0] = rows
    return out


def test_runs_of_identical_frames_merge():
    t = np.arange(7) * 0.5
    scenes = scenes_of(t, sigs([1, 1, 1, 2, 3, 3, 1]))
    assert [(s.start, s.end, s.frames) for s in scenes] == [(0.0, 1.0, 3), (1.5, 1.5, 1), (2.0, 2.5, 2), (3.0, 3.0, 1)]
    assert scenes[0].at == 0.5


def test_seam_between_segments_is_merged():
    t = np.arange(8) * 1.0
    s = sigs([5, 5, 5, 5, 6, 6, 7, 7])
    whole = scenes_of(t, s)
    parts = [scenes_of(t[:2], s[:2]), scenes_of(t[2:5], s[2:5]), scenes_of(t[5:], s[5:])]
    joined = join_segments(parts)
    assert [(x.start, x.end, x.frames, x.signature) for x in joined] == [
        (x.start, x.end, x.frames, x.signature) for x in whole
    ]
