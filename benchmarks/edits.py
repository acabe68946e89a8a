"""Edits a screenshot goes through before someone searches it: recompression, scaling, crops, bars,
player chrome, hard subtitles, meme captions, colour changes and mirroring.

Every edit is a pure function ``(image, params) -> image`` on Pillow RGB images; ``SampleParams``
holds the per-sample random choices (which side is cropped, which caption), so every frame of a
clip gets the same edit and a run is reproducible from its seed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont, ImageOps

SUBTITLES = (
    ("I told you we should never have come here.", "Keep moving, it's almost dark."),
    ("Where did you find this?", "It was lying in the snow, just like that."),
    ("- Are you sure?", "- I've never been more sure of anything."),
    ("This is the last time I'm asking you.", "What happened that night?"),
)
MEME_CAPTIONS = (
    ("WHEN THE CODE COMPILES", "ON THE FIRST TRY"),
    ("NOBODY:", "ABSOLUTELY NOBODY:"),
    ("ME EXPLAINING THE PLOT", "TO MY FRIENDS"),
    ("THIS IS FINE", "EVERYTHING IS FINE"),
)

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


@dataclass(frozen=True)
class SampleParams:
    """Random choices of one sample, shared by all its edits (and all frames of its clip)."""

    side: str  # "left" | "right": the side "crop 10% off one side" removes
    progress: float  # where the player window's progress bar stands, 0..1
    subtitle: int
    meme: int

    @classmethod
    def draw(cls, rng: np.random.Generator) -> SampleParams:
        return cls(
            side=str(rng.choice(["left", "right"])),
            progress=float(rng.uniform(0.05, 0.95)),
            subtitle=int(rng.integers(len(SUBTITLES))),
            meme=int(rng.integers(len(MEME_CAPTIONS))),
        )


Edit = Callable[[Image.Image, SampleParams], Image.Image]


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)  # Pillow >= 10.1: the bundled scalable font
    except TypeError:  # older Pillow: the fixed bitmap font
        return ImageFont.load_default()


def _pad(img: Image.Image, left: int, top: int, right: int, bottom: int, fill: tuple[int, int, int]) -> Image.Image:
    out = Image.new("RGB", (img.width + left + right, img.height + top + bottom), fill)
    out.paste(img, (left, top))
    return out


def lossless(img: Image.Image, _: SampleParams) -> Image.Image:
    return img


def jpeg35(img: Image.Image, _: SampleParams) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=35)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def downscale320(img: Image.Image, _: SampleParams) -> Image.Image:
    return img.resize((320, max(8, round(img.height * 320 / img.width))), Image.Resampling.LANCZOS)


def crop5(img: Image.Image, _: SampleParams) -> Image.Image:
    dx, dy = round(img.width * 0.05), round(img.height * 0.05)
    return img.crop((dx, dy, img.width - dx, img.height - dy))


def crop10_side(img: Image.Image, p: SampleParams) -> Image.Image:
    dx = round(img.width * 0.10)
    return img.crop((dx, 0, img.width, img.height) if p.side == "left" else (0, 0, img.width - dx, img.height))


def letterbox(img: Image.Image, _: SampleParams) -> Image.Image:
    """Black bars above and below: 4:3 for wide pictures, at least 1/8 of the height each side."""
    bar = max(round((img.width * 3 / 4 - img.height) / 2), round(img.height / 8))
    return _pad(img, 0, bar, 0, bar, BLACK)


def pillarbox(img: Image.Image, _: SampleParams) -> Image.Image:
    """Black bars left and right: 16:9 for narrow pictures, at least 1/8 of the width each side."""
    bar = max(round((img.height * 16 / 9 - img.width) / 2), round(img.width / 8))
    return _pad(img, bar, 0, bar, 0, BLACK)


def player_window(img: Image.Image, p: SampleParams) -> Image.Image:
    """A screenshot of a player window: grey frame, title bar, and a control bar with a progress bar."""
    w, h = img.size
    side, title, controls = max(2, round(w * 0.02)), max(6, round(h * 0.06)), max(10, round(h * 0.12))
    out = _pad(img, side, title, side, controls, (128, 128, 128))
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, 0, out.width, title - 1), fill=(210, 210, 210))
    r = max(2, title // 4)
    for i, colour in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        cx, cy = side + r + i * 3 * r, title // 2
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour)
    top = title + h
    draw.rectangle((side, top, side + w - 1, out.height - side), fill=(32, 32, 32))
    y = top + controls // 3
    x0, x1 = side + round(w * 0.04), side + round(w * 0.96)
    xp = x0 + round((x1 - x0) * p.progress)
    thick = max(2, controls // 12)
    draw.rectangle((x0, y - thick, x1, y + thick), fill=(90, 90, 90))
    draw.rectangle((x0, y - thick, xp, y + thick), fill=(230, 30, 30))
    draw.ellipse((xp - 2 * thick, y - 2 * thick, xp + 2 * thick, y + 2 * thick), fill=WHITE)
    ty = top + (2 * controls) // 3
    draw.polygon([(x0, ty - thick * 2), (x0, ty + thick * 2), (x0 + thick * 3, ty)], fill=WHITE)  # play button
    draw.text((x0 + thick * 6, ty), "12:34 / 23:40", font=_font(max(8, controls // 4)), fill=WHITE, anchor="lm")
    return out


def subtitles(img: Image.Image, p: SampleParams) -> Image.Image:
    """Two lines of hard subtitles: white text, black outline, centred near the bottom."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    size = max(10, round(img.height / 16))
    font = _font(size)
    stroke = max(1, size // 10)
    bottom = img.height - round(img.height * 0.05)
    lines = SUBTITLES[p.subtitle]
    for i, text in enumerate(reversed(lines)):
        y = bottom - i * round(size * 1.25)
        draw.text((img.width / 2, y), text, font=font, fill=WHITE, stroke_width=stroke, stroke_fill=BLACK, anchor="ms")
    return out


def meme(img: Image.Image, p: SampleParams) -> Image.Image:
    """White banners with black captions added above and below (the image grows)."""
    bar = max(12, round(img.height * 0.2))
    out = _pad(img, 0, bar, 0, bar, WHITE)
    draw = ImageDraw.Draw(out)
    top, bottom = MEME_CAPTIONS[p.meme]
    font = _font(max(8, round(bar * 0.45)))
    draw.text((out.width / 2, bar / 2), top, font=font, fill=BLACK, anchor="mm")
    draw.text((out.width / 2, out.height - bar / 2), bottom, font=font, fill=BLACK, anchor="mm")
    return out


def brightness15(img: Image.Image, _: SampleParams) -> Image.Image:
    return ImageEnhance.Brightness(img).enhance(1.15)


def contrast_minus20(img: Image.Image, _: SampleParams) -> Image.Image:
    return ImageEnhance.Contrast(img).enhance(0.8)


def gamma08(img: Image.Image, _: SampleParams) -> Image.Image:
    lut = [round(255 * (i / 255) ** 0.8) for i in range(256)]
    return img.point(lut * 3)


def mirror(img: Image.Image, _: SampleParams) -> Image.Image:
    return ImageOps.mirror(img)


def chain(*edits: Edit) -> Edit:
    def apply(img: Image.Image, p: SampleParams) -> Image.Image:
        for edit in edits:
            img = edit(img, p)
        return img

    return apply


# Single-frame edits, in report order. "reencode" (a frame of an independent re-encode of the
# clip) is not an image edit and is produced by the benchmark itself.
EDITS: dict[str, Edit] = {
    "lossless": lossless,
    "jpeg_q35": jpeg35,
    "downscale_320w": downscale320,
    "crop_5pct_all": crop5,
    "crop_10pct_side": crop10_side,
    "letterbox": letterbox,
    "pillarbox": pillarbox,
    "player_window": player_window,
    "subtitles": subtitles,
    "meme": meme,
    "brightness_+15": brightness15,
    "contrast_-20": contrast_minus20,
    "gamma_0.8": gamma08,
    "mirror": mirror,
}
REENCODE = "reencode"

# The hard combinations, queried both as single frames and as 2-second clips.
HARD_EDITS: dict[str, Edit] = {
    "crop10+subtitles": chain(crop10_side, subtitles),
    "mirror+jpeg": chain(mirror, jpeg35),
    "letterbox+subtitles": chain(subtitles, letterbox),
    "player+jpeg": chain(player_window, jpeg35),
}


def apply(edit: Edit, rgb: np.ndarray, params: SampleParams) -> np.ndarray:
    """Apply an edit to an HxWx3 uint8 array."""
    return np.asarray(edit(Image.fromarray(rgb), params).convert("RGB"), dtype=np.uint8)
