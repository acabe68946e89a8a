"""Scenes: runs of consecutive frames whose signatures are identical, stored as one entry."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Scene:
    """One stored entry: frames from ``start`` to ``end`` (seconds, inclusive) share ``signature``.

    ``at`` is the representative time (the middle frame); ``frames`` how many frames merged.
    """

    start: float
    end: float
    at: float
    frames: int
    signature: bytes  # packed, 21 bytes

    def to_dict(self) -> dict[str, object]:
        return {
            "from": self.start,
            "at": self.at,
            "to": self.end,
            "frames": self.frames,
            "signature": self.signature.hex(),
        }


def scenes_of(times: npt.NDArray[np.float64], signatures: npt.NDArray[np.uint8]) -> list[Scene]:
    """Merge consecutive identical signatures (vectorised run detection)."""
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
    return [
        Scene(float(times[s]), float(times[e]), float(times[m]), int(e - s + 1), packed[i].tobytes())
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
                out[-1] = Scene(prev.start, scene.end, at, frames, prev.signature)
            else:
                out.append(scene)
    return out
