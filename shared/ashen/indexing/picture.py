"""The picture inside bars baked into a whole video (letterbox, pillarbox)."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import numpy.typing as npt

from ashen.box import Box
from ashen.errors import MediaError
from ashen.media.probe import VideoInfo
from ashen.media.stills import grab_frame
from ashen.query.borders import common_box, picture_box

PICTURE_SAMPLES = 5


def detect_picture(source: str, info: VideoInfo, samples: int = PICTURE_SAMPLES) -> Box | None:
    """The picture area inside bars baked into the whole video (letterbox, pillarbox), or None.

    Looks at a few keyframes spread over the video; bars count only when most frames that are not
    too flat to judge agree on them and they come in symmetric pairs (ashen.query.borders.common_box).
    Queries are trimmed the same way, so both sides hash the picture itself.
    """
    duration = info.duration or 0.0
    times = [duration * (i + 0.5) / samples for i in range(samples)] if duration > 1 else [0.0]
    with ThreadPoolExecutor(max_workers=2) as pool:
        grabbed = list(pool.map(lambda t: _try_grab(source, t), times))
    frames = [f for f in grabbed if f is not None]
    if not frames:
        return None
    h, w = frames[0].shape[:2]
    boxes = [picture_box(f) if f.shape[:2] == (h, w) else None for f in frames]
    box = common_box(boxes, h, w, min_votes=min(2, len(frames)))
    if box is None:
        return None
    fy, fx = info.height / h, info.width / w
    t, b, l_, r = box
    # Round towards keeping picture, to even numbers (chroma planes are subsampled).
    top, left = int(t * fy) // 2 * 2, int(l_ * fx) // 2 * 2
    bottom = min(info.height, -(-math.ceil(b * fy) // 2) * 2)
    right = min(info.width, -(-math.ceil(r * fx) // 2) * 2)
    if bottom - top < 16 or right - left < 16 or (top, bottom, left, right) == (0, info.height, 0, info.width):
        return None
    return Box(top, bottom, left, right)


def _try_grab(source: str, at: float) -> npt.NDArray[np.uint8] | None:
    try:
        return grab_frame(source, at, max_width=4096)
    except MediaError:
        return None
