"""The query path: image bytes -> RGB -> Signature, through Pillow, within a decoding budget.

The budget (docs/limits.md): only FORMATS are opened; every frame's size is checked before it is
decoded (MAX_PIXELS for a still image, ANIMATION_MAX_PIXELS for an animation's canvas, which
Pillow composites every frame onto); the pixels decoded per request, seeked-through frames
included, are capped at MAX_DECODED_PIXELS and the frames seeked at MAX_SEEKS (an animation is cut
short there); frames are converted to RGB a strip at a time, already box-reduced, so no full-size
RGB copy of a large frame is ever made.
"""

from __future__ import annotations

import io
import itertools
import os
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from ashen.descriptors.signature import Signature
from ashen.errors import ImageError, ImageTooLarge, NotAnImage, UnsupportedImageFormat
from ashen.media.alpha import BACKGROUND

MAX_IMAGE_BYTES = 25 * 1024 * 1024
FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")  # PNG includes APNG
ANIMATED_FORMATS = ("GIF", "PNG", "WEBP")  # of the others (MPO...) only the first frame is read
MAX_PIXELS = 50_000_000  # a still image's frame (a JPEG's before its reduced decode)
MAX_WEBP_PIXELS = 3840 * 2160  # libwebp and Pillow each hold a full RGBA copy of the canvas
MAX_JPEG_COEFFICIENT_BYTES = 160_000_000  # a progressive JPEG's whole-image coefficient buffer
ANIMATION_MAX_PIXELS = 3840 * 2160  # an animation's canvas: Pillow keeps ~3 copies of it per frame
MAX_DECODED_PIXELS = 128_000_000  # per request: every frame decoded, seeked-through ones included
MAX_SEEKS = 120  # frames of an animation walked through per request
# Above this long side a still image is box-reduced by an integer factor first: the block means
# barely move (a box average of box averages) and hashing a 6000 px photo stays fast.
REDUCE_ABOVE = 2048
ANIMATION_SIDE = 640  # an animation's frames are reduced to at most this long side (as a clip's)
STRIP_PIXELS = 1 << 20  # source pixels converted to RGB at a time


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


@dataclass
class DecodeBudget:
    """What one request may still decode; ``decoded`` and ``seeks`` count what it has."""

    pixels: int = MAX_DECODED_PIXELS
    max_seeks: int = MAX_SEEKS
    decoded: int = 0
    seeks: int = 0

    def may_seek(self) -> bool:
        """Whether one more frame may be walked to (counted when it may)."""
        if self.seeks >= self.max_seeks:
            return False
        self.seeks += 1
        return True

    def pay(self, size: tuple[int, int]) -> bool:
        """Whether a frame of ``size`` may still be decoded (counted when it may)."""
        if self.decoded + size[0] * size[1] > self.pixels:
            return False
        self.decoded += size[0] * size[1]
        return True


def check_frame(size: tuple[int, int], limit: int, what: str) -> None:
    """ImageTooLarge when a frame of ``size`` is over ``limit`` pixels."""
    if size[0] * size[1] > limit:
        pixels = size[0] * size[1]
        raise ImageTooLarge(
            f"{what} is {size[0]}x{size[1]} ({pixels / 1e6:.1f} megapixels): "
            f"over the limit of {limit / 1e6:.1f} megapixels"
        )


def load_rgb(data: bytes) -> npt.NDArray[np.uint8]:
    """Decode image bytes (first frame of an animation) to an HxWx3 uint8 array."""
    return load_frames(data, max_frames=1)[0][1]


def _format_of(data: bytes) -> str | None:
    """The format Pillow would take ``data`` for, from its first bytes only (no plugin is run)."""
    Image.init()
    prefix = data[:16]
    return next((fmt for fmt in Image.ID if _accepts(fmt, prefix)), None)


def _accepts(fmt: str, prefix: bytes) -> bool:
    """Whether Pillow's ``fmt`` plugin takes ``prefix`` for its own; some of its checks (BMP's DIB)
    read 4 bytes whatever the length, and fail on fewer (a 2-byte body): no, then."""
    accept = Image.OPEN[fmt][1]
    try:
        return accept is not None and bool(accept(prefix))
    except (struct.error, IndexError, ValueError):
        return False


def _opened(data: bytes) -> Image.Image:
    """The image opened with the allowed formats only; refused by format before anything is read."""
    try:
        return Image.open(io.BytesIO(data), formats=FORMATS)
    except UnidentifiedImageError:
        found = _format_of(data)
        if found is None or found in FORMATS:
            raise NotAnImage("not an image Pillow can open") from None
        accepted = ", ".join(FORMATS)
        raise UnsupportedImageFormat(f"{found} images are not accepted: send one of {accepted}") from None


def _jpeg_drafted(img: Image.Image) -> None:
    """A large JPEG set to decode at a reduced scale; a progressive one's coefficients checked."""
    width, height = img.size
    layers = getattr(img, "layer", [])
    if img.info.get("progressive") and layers:
        h_max, v_max = max(layer[1] for layer in layers), max(layer[2] for layer in layers)
        coefficients = sum(2 * width * height * layer[1] * layer[2] // (h_max * v_max) for layer in layers)
        if coefficients > MAX_JPEG_COEFFICIENT_BYTES:
            limit = MAX_JPEG_COEFFICIENT_BYTES // 10**6
            raise ImageTooLarge(
                f"progressive JPEG {width}x{height} needs {coefficients // 10**6} MB, over the {limit} MB limit"
            )
    factor = max(1, max(width, height) // REDUCE_ABOVE)
    if factor > 1:
        img.draft("RGB", (width // factor, height // factor))


def _frames(
    img: Image.Image, budget: DecodeBudget, max_frames: int, step: float
) -> Iterator[tuple[float, Image.Image]]:
    """Frames of the image at least ``step`` seconds apart, each reduced RGB, within ``budget``."""
    if img.format in ANIMATED_FORMATS and getattr(img, "is_animated", False):
        yield from _animation(img, budget, max_frames, step)
        return
    check_frame(img.size, MAX_WEBP_PIXELS if img.format == "WEBP" else MAX_PIXELS, "image")
    if img.format == "JPEG":
        _jpeg_drafted(img)
    budget.pay(img.size)  # a still image's one frame is always within the request budget
    yield 0.0, _rgb(img, max(1, max(img.size) // REDUCE_ABOVE))


def _animation(
    img: Image.Image, budget: DecodeBudget, max_frames: int, step: float
) -> Iterator[tuple[float, Image.Image]]:
    """An animation's frames: each canvas checked and paid for before it is decoded (a frame
    seeked past is decoded all the same); the walk stops at the seek cap or the budget's end."""
    clock, last, taken = 0.0, -1.0, 0
    for index in itertools.count():
        if index and not (budget.may_seek() and _seek(img, index)):
            return
        check_frame(img.size, ANIMATION_MAX_PIXELS, f"animation frame {index + 1}")
        if not budget.pay(img.size):
            return
        if last < 0 or clock - last >= step - 1e-9:
            yield clock, _rgb(img, -(-max(img.size) // ANIMATION_SIDE))
            last, taken = clock, taken + 1
            if taken >= max_frames:
                return
        clock += max(float(img.info.get("duration", 100) or 100), 20.0) / 1000.0


def _seek(img: Image.Image, index: int) -> bool:
    try:
        img.seek(index)
    except EOFError:
        return False
    return True


_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def opaque(picture: Image.Image) -> Image.Image:
    """The picture as RGB; a transparent one (alpha, or a palette or colour marked transparent)
    laid over ashen.media.alpha.BACKGROUND, as ffmpeg lays it on the index path."""
    if picture.mode not in _ALPHA_MODES and "transparency" not in picture.info:
        return picture.convert("RGB")
    rgba = picture.convert("RGBA")
    out = Image.new("RGB", rgba.size, BACKGROUND)
    out.paste(rgba.convert("RGB"), mask=rgba.getchannel("A"))
    return out


def _rgb(frame: Image.Image, factor: int) -> Image.Image:
    """The frame as RGB box-reduced by ``factor``, converted a strip at a time (no full-size RGB
    copy), then turned upright by its EXIF orientation."""
    width, height = frame.size
    out = Image.new("RGB", (-(-width // factor), -(-height // factor)))
    rows = factor * max(1, STRIP_PIXELS // (width * factor))  # a multiple of factor: boxes line up
    for top in range(0, height, rows):
        strip = opaque(frame.crop((0, top, width, min(height, top + rows))))
        out.paste(strip.reduce(factor) if factor > 1 else strip, (0, top // factor))
    orientation = _ORIENTATION.get(frame.getexif().get(0x0112, 1))
    return out.transpose(orientation) if orientation is not None else out


def load_frames(
    data: bytes, *, max_frames: int = 16, step: float = 0.25, budget: DecodeBudget | None = None
) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """Decode an image to (offset seconds, RGB) frames: one for a still image, for an animation
    (GIF, APNG, WebP) frames about ``step`` seconds apart, at most ``max_frames``, within ``budget``
    (a new DecodeBudget by default). ImageTooLarge when a limit is crossed."""
    if not data:
        raise ImageError("image is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"image is {len(data) / 1e6:.0f} MB, larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _opened(data) as img:
                frames = list(_frames(img, budget or DecodeBudget(), max_frames, step))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(f"image refused as a decompression bomb ({exc})") from None
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"image could not be decoded ({exc})") from None
    w, h = frames[0][1].size
    if w < 8 or h < 8:
        raise ImageError(f"image is {w}x{h}; at least 8x8 pixels are needed")
    return [(offset, np.asarray(frame, dtype=np.uint8)) for offset, frame in frames]


def image_signature(data: bytes) -> Signature:
    """The Signature of a query image."""
    return Signature.of_image(load_rgb(data))
