import numpy as np

from ashen.indexing.scenes import scenes_of


def sigs(rows):
    out = np.full((len(rows), 33), 16, dtype=np.uint8)
    out[:, 0] = rows
    return out


def test_runs_of_identical_frames_merge():
    t = np.arange(7) * 0.5
    scenes = scenes_of(t, sigs([1, 1, 1, 2, 3, 3, 1]))
    assert [(s.start, s.end, s.frames) for s in scenes] == [(0.0, 1.0, 3), (1.5, 1.5, 1), (2.0, 2.5, 2), (3.0, 3.0, 1)]
    assert scenes[0].at == 0.5


def test_a_run_whose_picture_drifts_is_split():
    t = np.arange(6) * 1.0
    s = sigs([4] * 6)
    # One signature throughout; a patch brightens step by step (a tree in the wind, a slow pan).
    luma = np.full((6, 16, 16), 100.0, dtype=np.float32)
    for i in range(6):
        luma[i, :8, :8] += 1.5 * i
    scenes = scenes_of(t, s, luma)
    assert len(scenes) > 1 and all(x.signature == scenes[0].signature for x in scenes)
    assert sum(x.frames for x in scenes) == 6 and [x.start for x in scenes] == sorted(x.start for x in scenes)
    assert len(scenes_of(t, s, np.full((6, 16, 16), 100.0, dtype=np.float32))) == 1  # a still frame: one scene
    assert len(scenes_of(t, s)) == 1  # without layouts only the signature decides
