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


def test_a_scene_whose_first_frame_differs_strongly_from_the_frame_before_starts_a_shot():
    t = np.arange(6) * 0.04
    luma = np.full((6, 16, 16), 100.0, dtype=np.float32)
    luma[2] += 5.0  # a small change (motion, a fade step): a new scene, the same shot
    luma[3:] = 30.0  # a cut
    luma[3:, :8] = 200.0
    scenes = scenes_of(t, sigs([1, 1, 2, 3, 3, 3]), luma)
    assert [(s.start, s.cut) for s in scenes] == [(0.0, True), (0.08, False), (0.12, True)]
    # A segment's first scene: a cut only when it differs from the frame before the segment.
    assert not scenes_of(t[3:], sigs([3, 3, 3]), luma[3:], before=luma[2] * 0 + luma[3])[0].cut
    assert scenes_of(t[3:], sigs([3, 3, 3]), luma[3:], before=luma[2])[0].cut


def test_the_cuts_of_the_vendored_clip_are_shot_starts():
    """The Sintel clip's cuts, by eye: 3.07, 4.87, 12.79, 18.31, 21.83 and 24.47 s; nothing else."""
    from ashen.media.frames import FrameBatch, read_range
    from ashen.media.probe import probe
    from tests.support import CLIP

    read = FrameBatch.join(list(read_range(str(CLIP), info=probe(str(CLIP)))))
    scenes = scenes_of(read.times, read.signatures, read.luma)
    cuts = [round(s.start, 2) for s in scenes if s.cut]
    assert cuts == [0.03, 3.07, 4.87, 12.79, 18.31, 21.83, 24.47]
