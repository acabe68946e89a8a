"""Edits a screenshot goes through before someone searches it: recompression, scaling, crops, bars,
player chrome, hard subtitles, meme captions, colour changes and mirroring; and the differences
between real releases of one master (``RELEASE_EDITS``): mist and mosaic censorship, grayscale,
station logos, localised signs and title cards, 4:3 pan-and-scan, zoomed re-frames, small
rotations and phone photos of a screen.

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
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

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

    def rng(self, salt: str) -> np.random.Generator:
        """Further random choices of this sample (where the mist lies, which way a rotation goes),
        seeded by its own fields and ``salt``: edits added later draw nothing from the run's
        generator, so every sample of earlier runs stays the same."""
        key = f"{self.side}:{self.progress!r}:{self.subtitle}:{self.meme}:{salt}".encode()
        return np.random.default_rng(list(key))

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


# --- release differences ---------------------------------------------------------------------
STATIONS = ("TOKYO MX", "AT-X", "BS11", "tvk", "MBS")
SIGNS = ("BAKERY", "SCHOOL", "STATION", "HOSPITAL", "CAFE", "LIBRARY")
TITLE_CARDS = (("Episode 5", "The Promise"), ("Episode 12", "Into the Snow"), ("Episode 3", "A New Friend"))
MIST = (10, 10, 16)


def _box_of_area(w: int, h: int, area: float, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """A box covering ``area`` of a w x h picture, of a random shape (1:2 to 2:1), at a random place."""
    ratio = float(rng.uniform(0.5, 2.0))
    bw = min(w, round(np.sqrt(area * w * h * ratio)))
    bh = min(h, round(area * w * h / max(bw, 1)))
    x, y = int(rng.integers(0, w - bw + 1)), int(rng.integers(0, h - bh + 1))
    return x, y, x + bw, y + bh


def mist(img: Image.Image, p: SampleParams) -> Image.Image:
    """Dark "mist" censorship: a soft-edged dark cloud over 20-35% of the picture."""
    rng = p.rng("mist")
    w, h = img.size
    area = float(rng.uniform(0.20, 0.35)) * w * h
    ratio = float(rng.uniform(0.6, 1.6))
    a, b = np.sqrt(area * ratio / np.pi), np.sqrt(area / (np.pi * ratio))
    cx, cy = rng.uniform(min(a, w / 2), max(w - a, w / 2)), rng.uniform(min(b, h / 2), max(h - b, h / 2))
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).ellipse((cx - a, cy - b, cx + a, cy + b), fill=235)
    mask = mask.filter(ImageFilter.GaussianBlur(max(2.0, min(w, h) * 0.04)))
    return Image.composite(Image.new("RGB", img.size, MIST), img, mask)


def mosaic(img: Image.Image, p: SampleParams) -> Image.Image:
    """Mosaic censorship: 8-15% of the picture pixelated into blocks 1/40 of its width."""
    rng = p.rng("mosaic")
    box = _box_of_area(*img.size, float(rng.uniform(0.08, 0.15)), rng)
    block = max(4, img.width // 40)
    region = img.crop(box)
    small = region.resize((max(1, region.width // block), max(1, region.height // block)), Image.Resampling.BOX)
    out = img.copy()
    out.paste(small.resize(region.size, Image.Resampling.NEAREST), box[:2])
    return out


def grayscale(img: Image.Image, _: SampleParams) -> Image.Image:
    return ImageOps.grayscale(img).convert("RGB")


def station_logo(img: Image.Image, p: SampleParams) -> Image.Image:
    """A broadcaster's logo (a channel bug): white text at 70% opacity in a top corner."""
    rng = p.rng("station")
    overlay = Image.new("RGBA", img.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    size = max(8, round(img.height / 14))
    margin = round(img.height * 0.04)
    right = bool(rng.integers(2))
    x = img.width - margin if right else margin
    text = STATIONS[int(rng.integers(len(STATIONS)))]
    stroke = max(1, size // 10)
    anchor = "ra" if right else "la"
    draw.text((x, margin), text, font=_font(size), fill=(255, 255, 255, 180), anchor=anchor, stroke_width=stroke)
    return Image.alpha_composite(img.convert("RGBA"), overlay).convert("RGB")


def localised_sign(img: Image.Image, p: SampleParams) -> Image.Image:
    """A sign redrawn for another market: 5-10% of the picture replaced by a board with other text."""
    rng = p.rng("sign")
    box = _box_of_area(*img.size, float(rng.uniform(0.05, 0.10)), rng)
    board = tuple(int(c) for c in rng.integers(150, 250, size=3))
    out = img.copy()
    draw = ImageDraw.Draw(out)
    draw.rectangle(box, fill=board, outline=(40, 30, 20), width=max(1, img.width // 200))
    bw, bh = box[2] - box[0], box[3] - box[1]
    text = SIGNS[int(rng.integers(len(SIGNS)))]
    size = max(6, min(round(bh * 0.5), round(bw / (0.62 * len(text)))))
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    draw.text(centre, text, font=_font(size), fill=(30, 20, 15), anchor="mm")
    return out


def title_card(img: Image.Image, p: SampleParams) -> Image.Image:
    """A localised episode title over the picture: two large centred lines, white with a dark edge."""
    out = img.copy()
    draw = ImageDraw.Draw(out)
    size = max(10, round(img.height / 9))
    top, bottom = TITLE_CARDS[p.rng("title").integers(len(TITLE_CARDS))]
    stroke = max(1, size // 12)
    for text, dy in ((top, -0.6), (bottom, 0.6)):
        xy = (img.width / 2, img.height / 2 + dy * size)
        draw.text(xy, text, font=_font(size), fill=WHITE, anchor="mm", stroke_width=stroke, stroke_fill=(20, 20, 40))
    return out


def pan_and_scan(img: Image.Image, p: SampleParams) -> Image.Image:
    """A narrower release of the master: 3/4 of its width kept (16:9 -> 4:3), panned anywhere."""
    keep = round(img.width * 0.75)
    x = int(p.rng("pan").integers(0, img.width - keep + 1))
    return img.crop((x, 0, x + keep, img.height))


def zoom_reframe(img: Image.Image, _: SampleParams) -> Image.Image:
    """A re-framed master: 12% cut all round and scaled back to the original size."""
    dx, dy = round(img.width * 0.12), round(img.height * 0.12)
    return img.crop((dx, dy, img.width - dx, img.height - dy)).resize(img.size, Image.Resampling.LANCZOS)


def rotate2(img: Image.Image, p: SampleParams) -> Image.Image:
    """Rotated 2 degrees either way, the black corners cut off."""
    angle = 2.0 if p.rng("rotate").integers(2) else -2.0
    turned = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=BLACK)
    s, c = np.sin(np.radians(2.0)), np.cos(np.radians(2.0))
    dx = int(np.ceil(img.height / 2 * s + img.width / 2 * (1 - c)))
    dy = int(np.ceil(img.width / 2 * s + img.height / 2 * (1 - c)))
    return turned.crop((dx, dy, img.width - dx, img.height - dy))


def _perspective(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> tuple[float, ...]:
    """Pillow's PERSPECTIVE coefficients that map output points ``dst`` to input points ``src``."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y], [0, 0, 0, x, y, 1, -v * x, -v * y]]
        rhs += [u, v]
    return tuple(float(c) for c in np.linalg.solve(np.array(rows), np.array(rhs)))


def phone_photo(img: Image.Image, p: SampleParams) -> Image.Image:
    """A phone photo of the picture on a screen: bezel and room around it, a keystone tilt, blur,
    a colour cast, uneven light, sensor noise and the phone's JPEG."""
    rng = p.rng("phone")
    w, h = img.size
    bezel = max(2, w // 60)
    screen = _pad(img, bezel, bezel, bezel, bezel, (12, 12, 12))
    room = _pad(screen, w // 12, h // 8, w // 12, h // 8, (58, 54, 50))
    W, H = room.size
    x0, y0 = w // 12, h // 8  # where the screen's corners were
    corners = [(x0, y0), (W - x0, y0), (W - x0, H - y0), (x0, H - y0)]
    jitter = rng.uniform(-0.025, 0.025, size=(4, 2)) * (w, h)
    moved = [(x + float(dx), y + float(dy)) for (x, y), (dx, dy) in zip(corners, jitter, strict=True)]
    photo = room.transform(
        room.size, Image.Transform.PERSPECTIVE, _perspective(corners, moved), Image.Resampling.BICUBIC
    )
    photo = photo.filter(ImageFilter.GaussianBlur(max(0.6, w / 1200)))
    # What the phone's white balance and lens-shading correction leave: a faint cast, light
    # falling off to about 85% in the corners.
    arr = np.asarray(photo, dtype=np.float32) * np.array([0.98, 1.0, 1.03], dtype=np.float32)
    yy, xx = np.mgrid[0:H, 0:W]
    light = 1.0 - 0.3 * (((xx - W * 0.45) / W) ** 2 + ((yy - H * 0.4) / H) ** 2)
    arr = arr * light[..., None] + rng.normal(0, 4.0, arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, format="JPEG", quality=80)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


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

# Differences between real releases of one master (issue 20), each its own row.
RELEASE_EDITS: dict[str, Edit] = {
    "mist": mist,
    "mosaic": mosaic,
    "grayscale": grayscale,
    "station_logo": station_logo,
    "localised_sign": localised_sign,
    "title_card": title_card,
    "pan_and_scan_4:3": pan_and_scan,
    "zoom_reframe_12pct": zoom_reframe,
    "rotate_2deg": rotate2,
    "phone_photo": phone_photo,
}

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
