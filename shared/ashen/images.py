"""The query path: image bytes -> RGB -> Signature, through Pillow, guarded against bad input."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from ashen.errors import ImageError
from ashen.signature import Signature

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
        raise ImageError(f"{p}: image is {size / 1e6:.0f} MB, larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    return p.read_bytes()


def load_rgb(data: bytes) -> npt.NDArray[np.uint8]:
    """Decode image bytes (first frame of an animation) to an HxWx3 uint8 array."""
    if not data:
        raise ImageError("image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"image is {len(data) / 1e6:.0f} MB, larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ImageError(f"image is {width}x{height}, more than {MAX_PIXELS // 1_000_000} megapixels")
            factor = max(1, max(width, height) // REDUCE_ABOVE)
            if factor > 1 and img.format == "JPEG":
                img.draft("RGB", (width // factor, height // factor))  # decode at reduced size
            img.load()
            img = ImageOps.exif_transpose(img)
            img = img.convert("RGB")
            factor = max(1, max(img.size) // REDUCE_ABOVE)
            if factor > 1:
                img = img.reduce(factor)
        except ImageError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageError(f"image refused as a decompression bomb ({exc})") from None
        except UnidentifiedImageError:
            raise ImageError("not an image Pillow can open") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"image could not be decoded ({exc})") from None
    if img.width < 8 or img.height < 8:
        raise ImageError(f"image is {img.width}x{img.height}; at least 8x8 pixels are needed")
    return np.asarray(img, dtype=np.uint8)


def image_signature(data: bytes) -> Signature:
    """The Signature of a query image."""
    return Signature.of_image(load_rgb(data))
