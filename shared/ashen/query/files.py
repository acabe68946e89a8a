"""A query given as a file: an image (one frame), an animated GIF / WebP / APNG, or a short video
clip (several frames)."""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from ashen.errors import ImageError, MediaError, NotAnImage, UnsupportedImageFormat
from ashen.media.stills import clip_frames
from ashen.query.images import load_frames, read_image_file

Frames = list[tuple[float, npt.NDArray[np.uint8]]]  # (offset in seconds, RGB)


def frames_of_file(path: str | os.PathLike[str]) -> Frames:
    """The frames of a query file; ImageError when it is neither an image nor a video clip."""
    try:
        return load_frames(read_image_file(path))
    except NotAnImage as refused:
        try:
            return clip_frames(os.fspath(path))
        except MediaError:
            if isinstance(refused, UnsupportedImageFormat):  # say why the image was not read
                raise ImageError(f"{path}: {refused}, and it is no video clip either") from None
            raise ImageError(f"{path}: neither an image Pillow can open nor a video clip") from None
