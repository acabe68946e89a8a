"""Scenes: runs of consecutive frames whose signatures are identical, stored as one entry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.layout import merge_layouts, pack_layout


@dataclass(frozen=True)
class Scene:
    """One stored entry: frames from ``start`` to ``end`` (seconds, inclusive) share ``signature``.

    ``at`` is the representative time (the middle frame); ``frames`` how many frames merged;
    ``layout`` the frames' mean 16x16 luma (see ashen.layout; empty when not computed).
    """

    start: float
    end: float
    at: float
    frames: int
    signature: bytes  # packed, 21 bytes
    layout: bytes = b""  # 256 bytes of 16x16 luma

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.start,
            "at": self.at,
            "to": self.end,
            "frames": self.frames,
            "signature": self.signature.hex(),
            "layout": self.layout.hex(),
        }


def scenes_of(
    times: npt.NDArray[np.float64],
    signatures: npt.NDArray[np.uint8],
    luma: npt.NDArray[np.floating] | None = None,
) -> list[Scene]:
    """Merge consecutive identical signatures (vectorised run detection); ``luma`` (n, 16, 16), when
    given, becomes each scene's mean layout."""
    from ashen.signature import pack

    n = len(times)
    if n == 0:
        return []
    change = np.ones(n, dtype=bool)
    change[1:] = np.any(signatures[1:] != signatures[:-1], axis=1)
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], n) - 1
    packed = pack(signatures[starts])
    mids = (starts + ends) // 2
    if luma is None:
        layouts = [b""] * len(starts)
    else:
        sums = np.add.reduceat(np.asarray(luma, dtype=np.float64), starts, axis=0)
        layouts = [pack_layout(m) for m in sums / (ends - starts + 1)[:, None, None]]
    return [
        Scene(float(times[s]), float(times[e]), float(times[m]), int(e - s + 1), packed[i].tobytes(), layouts[i])
        for i, (s, e, m) in enumerate(zip(starts, ends, mids, strict=True))
    ]


def join_segments(parts: Iterable[Sequence[Scene]]) -> list[Scene]:
    """Concatenate the scenes of consecutive segments, merging a scene split by a segment seam."""
    out: list[Scene] = []
    for part in parts:
        for scene in part:
            if out and out[-1].signature == scene.signature and scene.start >= out[-1].end:
                prev = out[-1]
                frames = prev.frames + scene.frames
                # Keep the representative near the middle of the merged run.
                at = prev.at if prev.frames >= scene.frames else scene.at
                layout = merge_layouts(prev.layout, prev.frames, scene.layout, scene.frames)
                out[-1] = Scene(prev.start, scene.end, at, frames, prev.signature, layout)
            else:
                out.append(scene)
    return out
