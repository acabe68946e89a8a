"""Scenes: runs of consecutive frames showing the same picture, stored as one entry.

Frames belong to one scene while their signatures are identical and their luma grids (see
ashen.descriptors.luma_grid) stay within ``SCENE_DRIFT`` of the scene's first frame. CLD is coarse: a slow pan, a
tree in the wind or people walking past a fixed camera keep one signature for seconds while the
picture moves on, and one averaged grid would stand for none of those moments.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ashen.descriptors.luma_grid import grid_distances, pack_grid
from ashen.records import Scene

# Mean luma difference (0-255, mean removed) at which a run of one signature starts a new scene:
# above what re-encoding noise moves a still frame (about 0.5), below a visible change.
SCENE_DRIFT = 1.0


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
) -> list[Scene]:
    """Merge runs of consecutive identical signatures; with ``luma`` (n, 16, 16) a run is also
    split where its picture drifts (see the module doc), and each scene keeps its mean luma grid."""
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
    return [
        Scene(float(times[s]), float(times[m]), float(times[e]), int(e - s + 1), packed[i].tobytes(), grids[i])
        for i, (s, e, m) in enumerate(zip(starts, ends, mids, strict=True))
    ]
