"""Scenes: runs of consecutive frames showing the same picture, stored as one entry.

Frames belong to one scene while their signatures are identical and their luma grids (see
ashen.descriptors.luma_grid) stay within ``SCENE_DRIFT`` of the scene's first frame. CLD is coarse: a slow pan, a
tree in the wind or people walking past a fixed camera keep one signature for seconds while the
picture moves on, and one averaged grid would stand for none of those moments.

A scene whose first frame differs from the frame before it by more than ``CUT_LUMA`` (mean absolute
luma difference of the two grids, 0-255, brightness kept) starts a new **shot**: it is marked
``cut``, so a preview of a moment never shows the next shot (ashen.preview.shots). The first scene
of a video starts a shot.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ashen.descriptors.luma_grid import grid_distances, pack_grid
from ashen.records import Scene

# Mean luma difference (0-255, mean removed) at which a run of one signature starts a new scene:
# above what re-encoding noise moves a still frame (about 0.5), below a visible change.
SCENE_DRIFT = 1.0
# Mean absolute luma difference (0-255) between two consecutive frames that marks a cut. Measured on
# the vendored Sintel clip and the clips of ../shared/media/video: within a shot consecutive frames
# differ by 1-3 (p50), up to ~14 (p99, fast motion; 17 on a few frames of a bike chase); the cuts of
# Sintel (3.07, 4.87, 12.79, 18.31, 21.83, 24.47 s) differ by 30-81, and nothing else does above 20.
CUT_LUMA = 20.0


def _cuts(
    starts: npt.NDArray[np.intp], luma: npt.NDArray[np.floating] | None, before: npt.NDArray[np.floating] | None
) -> list[bool]:
    """Whether each scene (by its first frame's index) starts a shot: its first frame is more than
    CUT_LUMA from the frame before it (``before`` for the first frame; None: nothing before, a cut)."""
    if luma is None:
        return [bool(i == 0 and before is None) for i in starts]
    grids = np.asarray(luma, dtype=np.float32)
    out = []
    for i in starts:
        previous = grids[i - 1] if i > 0 else before
        out.append(previous is None or float(np.abs(grids[i] - previous).mean()) > CUT_LUMA)
    return out


def _drift_breaks(change: npt.NDArray[np.bool_], luma: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """``change`` (True where a run of one signature starts) with a start added wherever a frame's
    luma grid is more than SCENE_DRIFT from that of the first frame of its scene."""
    out = change.copy()
    starts = np.flatnonzero(change)
    # Most runs never drift that far from their first frame: find those that do in one pass.
    run_first = starts[np.cumsum(change) - 1]
    drifting = np.unique(run_first[grid_distances(luma, luma[run_first]) > SCENE_DRIFT])
    stops = np.append(starts[1:], len(change))[np.searchsorted(starts, drifting)]
    for first, stop in zip(drifting, stops, strict=True):
        while stop - first > 1:
            far = np.flatnonzero(grid_distances(luma[first + 1 : stop], luma[first][None]) > SCENE_DRIFT)
            if not len(far):
                break
            first += 1 + int(far[0])
            out[first] = True
    return out


def scenes_of(
    times: npt.NDArray[np.float64],
    signatures: npt.NDArray[np.uint8],
    luma: npt.NDArray[np.floating] | None = None,
    before: npt.NDArray[np.floating] | None = None,
) -> list[Scene]:
    """Merge runs of consecutive identical signatures; with ``luma`` (n, 16, 16) a run is also
    split where its picture drifts (see the module doc), and each scene keeps its mean luma grid.
    ``before``: the luma grid of the frame just before ``times[0]`` (None: the first frame starts
    a shot), so a segment's first scene is a cut only if it is one in the whole video."""
    from ashen.descriptors.signature import pack

    n = len(times)
    if n == 0:
        return []
    change = np.ones(n, dtype=bool)
    change[1:] = np.any(signatures[1:] != signatures[:-1], axis=1)
    if luma is not None:
        change = _drift_breaks(change, np.asarray(luma, dtype=np.float32))
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n) - 1
    packed = pack(signatures[starts])
    mids = (starts + ends) // 2
    if luma is None:
        grids = [b""] * len(starts)
    else:
        sums = np.add.reduceat(np.asarray(luma, dtype=np.float64), starts, axis=0)
        grids = [pack_grid(m) for m in sums / (ends - starts + 1)[:, None, None]]
    cuts = _cuts(starts, luma, before)
    return [
        Scene(float(times[s]), float(times[m]), float(times[e]), int(e - s + 1), packed[i].tobytes(), grids[i], cuts[i])
        for i, (s, e, m) in enumerate(zip(starts, ends, mids, strict=True))
    ]
