"""The query path: image bytes -> RGB -> Signature, through Pillow, guarded against bad input."""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from ashen.descriptors.signature import Signature
from ashen.errors import ImageError, ImageTooLarge, NotAnImage

MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000  # beyond this an image is refused as a likely decompression bomb
# Above this long side the image is box-reduced by an integer factor first: the block means barely
# move (a box average of box averages) and hashing a 6000 px photo stays fast.
REDUCE_ABOVE = 2048


def read_image_file(path: str | os.PathLike[str]) -> bytes:
    p = Path(path)
    if not p.exists():
        raise ImageError(f"{p}: no such file")
    if p.is_dir():
        raise ImageError(f"{p}: is a folder, not an image")
    size = p.stat().st_size
    if size == 0:
        raise ImageError(f"{p}: file is empty")
    if size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"{p}: image is {size / 1e6:.0f} MB, larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    return p.read_bytes()


def load_rgb(data: bytes) -> npt.NDArray[np.uint8]:
    """Decode image bytes (first frame of an animation) to an HxWx3 uint8 array."""
    return load_frames(data, max_frames=1)[0][1]


def _opened(data: bytes) -> Image.Image:
    """The image, its size checked before any pixel is decoded; a large JPEG decoded reduced."""
    img = Image.open(io.BytesIO(data))
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"image is {width}x{height}, more than {MAX_PIXELS // 1_000_000} megapixels")
    factor = max(1, max(width, height) // REDUCE_ABOVE)
    if factor > 1 and img.format == "JPEG":
        img.draft("RGB", (width // factor, height // factor))  # decode at reduced size
    img.load()
    return img


def _decoded(data: bytes, max_frames: int, step: float) -> list[tuple[float, Image.Image]]:
    """The RGB frames of an image, each box-reduced when its long side is over REDUCE_ABOVE."""
    frames = []
    for offset, frame in _animation(_opened(data), max_frames, step):
        rgb = ImageOps.exif_transpose(frame).convert("RGB")
        factor = max(1, max(rgb.size) // REDUCE_ABOVE)
        frames.append((offset, rgb.reduce(factor) if factor > 1 else rgb))
    return frames


def load_frames(data: bytes, *, max_frames: int = 16, step: float = 0.25) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """Decode an image to (offset seconds, RGB) frames: one for a still image, for an animation
    (GIF, APNG, WebP) frames about ``step`` seconds apart, at most ``max_frames``."""
    if not data:
        raise ImageError("image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"image is {len(data) / 1e6:.0f} MB, larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            frames = _decoded(data, max_frames, step)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(f"image refused as a decompression bomb ({exc})") from None
        except UnidentifiedImageError:
            raise NotAnImage("not an image Pillow can open") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"image could not be decoded ({exc})") from None
    w, h = frames[0][1].size
    if w < 8 or h < 8:
        raise ImageError(f"image is {w}x{h}; at least 8x8 pixels are needed")
    return [(offset, np.asarray(frame, dtype=np.uint8)) for offset, frame in frames]


def _animation(img: Image.Image, max_frames: int, step: float) -> Iterator[tuple[float, Image.Image]]:
    """Frames of an animation at least ``step`` seconds apart (the first frame of a still image)."""
    count = getattr(img, "n_frames", 1)
    clock, last = 0.0, None
    taken = 0
    for index in range(count):
        img.seek(index)
        if last is None or clock - last >= step - 1e-9:
            yield clock, img.copy()
            last, taken = clock, taken + 1
            if taken >= max_frames:
                return
        clock += max(float(img.info.get("duration", 100) or 100), 20.0) / 1000.0


def image_signature(data: bytes) -> Signature:
    """The Signature of a query image."""
    return Signature.of_image(load_rgb(data))
