"""``Box``: a rectangle of an image or a video frame, in pixels.

The picture inside borders, a crop handed to ffmpeg, the part of a query a reading is made of:
each is a Box. It is a named tuple, so it unpacks as ``top, bottom, left, right`` and compares
equal to the plain 4-tuple.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt


class Box(NamedTuple):
    """Rows ``top`` to ``bottom`` and columns ``left`` to ``right`` (bottom and right exclusive)."""

    top: int
    bottom: int
    left: int
    right: int

    @classmethod
    def whole(cls, height: int, width: int) -> Box:
        """All of an image ``height`` x ``width``."""
        return cls(0, height, 0, width)

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def ratio(self) -> float | None:
        """Width / height (its shape), or None when it has no height."""
        return self.width / self.height if self.height > 0 else None

    def margins(self, height: int, width: int) -> tuple[int, int, int, int]:
        """Lines left out from the top, bottom, left and right of an image ``height`` x ``width``."""
        return self.top, height - self.bottom, self.left, width - self.right

    def of(self, rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """The part of ``rgb`` (H, W, 3) inside the box (a view)."""
        return rgb[self.top : self.bottom, self.left : self.right]
