"""Query variants: the signatures one query image is searched with, ranked together.

- the image as given;
- the picture inside detected borders (bars, player frames, meme banners), and that box grown
  back to a common aspect ratio when a picture edge was trimmed with the border; inside a frame
  around a picture with bars of its own, the box at the frame's edge that has a video's shape;
- the horizontal mirror of each (exact: the block means are simply flipped);
- light "uncrop" hypotheses: padded back with edge pixels, as if 5% had been cut all round or
  10% off one side;
- tone hypotheses: a common colour edit undone (brightened or darkened by 15%, contrast lowered
  by 20%: on the block means; gamma lifted: on the pixels).

Once search knows which video a query most likely shows, ``fitted_readings`` adds the picture
cut to that video's shape (bars added around a video with bars of its own).

Un-crop and tone hypotheses are made of the image as given and, when borders were found, of the
trimmed picture too: a border detector can be fooled, and a wrong trim must not cost them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from ashen.descriptors.color_layout import block_edges, block_means, block_sums, from_block_means, halved_means
from ashen.descriptors.luma_grid import LAYOUT_SIDE, luma_of
from ashen.query.borders import MIN_BORDER_PX, Box, PictureBoxes, aspect_boxes, picture_boxes, symmetric_box

# (top, bottom, left, right) padding as shares of the visible size, undoing common crops.
UNCROP = {
    "uncrop-all": (0.056, 0.056, 0.056, 0.056),  # 5% cut all round: 0.05 / 0.9
    "uncrop-sides": (0.0, 0.0, 0.056, 0.056),  # the same where the top and bottom were bars
    "uncrop-left": (0.0, 0.0, 0.11, 0.0),  # 10% cut off one side: 0.1 / 0.9
    "uncrop-right": (0.0, 0.0, 0.0, 0.11),
}
# Distance added to hypotheses, so that an exact match of the image as given always wins ties.
PENALTY = {
    "original": 0.0,
    "mirror": 0.5,
    "trim": 0.0,
    "trim-mirror": 0.5,
    "trim-aspect": 0.5,
    "trim-framed": 0.5,
    "fit": 0.5,
}
UNCROP_PENALTY = 1.0
TONE_PENALTY = 1.0
CLIPPED_BEFORE_BRIGHTENING = round(1.15 * (255 + 255 / 1.15) / 2)  # in the brightened scale
WORKING_SIZE = 360  # queries are box-reduced to about this short side first
_GAMMA_UNDONE = np.rint(255.0 * (np.arange(256) / 255.0) ** 1.25).astype(np.uint8)  # a gamma lift undone, per level


Means = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]  # a reading's 8x8 block means and its 16x16 ones


def _fine_means(rgb: npt.NDArray[np.integer], blocks: int = LAYOUT_SIDE) -> npt.NDArray[np.float64]:
    """Block means on a ``blocks`` grid; an image smaller than that (8 px is allowed) is enlarged first."""
    k = -(-blocks // min(rgb.shape[:2]))
    return block_means(rgb if k <= 1 else np.repeat(np.repeat(rgb, k, axis=0), k, axis=1), blocks)


def _means(rgb: npt.NDArray[np.integer]) -> Means:
    """The 8x8 block means the signature is made of, and the 16x16 ones its layout is (the 8x8
    ones summed from those: one pass over the pixels)."""
    if min(rgb.shape[:2]) < LAYOUT_SIDE:
        return block_means(rgb), _fine_means(rgb)
    sums, counts = block_sums(rgb, LAYOUT_SIDE)
    return halved_means(sums, counts, rgb), sums / counts


def _tones(rgb: npt.NDArray[np.uint8], means: Means) -> list[tuple[str, Means]]:
    """Block means (``means``, of ``rgb``) with common edits undone. Brightness and contrast are linear, so
    undoing them on block means is exact but for clipping. Gamma is not: on a block that mixes
    dark and bright pixels (text, line art) its undone mean comes out too dark, so it is undone on
    the pixels. A brightened picture's clipped pixels were anywhere from 255 / 1.15 up: they are
    taken back to the middle of that range, not its bottom."""
    clipped = rgb >= 254
    restored = (
        np.where(clipped, np.uint16(CLIPPED_BEFORE_BRIGHTENING), rgb.astype(np.uint16)) if clipped.any() else None
    )
    # Editors lower contrast towards the picture's mean grey (Pillow's ImageEnhance.Contrast does).
    centre = float((means[0] @ np.array([0.299, 0.587, 0.114])).mean())

    def darker(m: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (m if restored is None else _fine_means(restored, m.shape[0])) / 1.15

    edits = {
        "tone-darker": darker,
        "tone-brighter": lambda m: np.clip(m * 1.15, 0, 255),
        "tone-contrast": lambda m: np.clip(centre + (m - centre) * 1.25, 0, 255),
    }
    out = [(name, (undo(means[0]), undo(means[1]))) for name, undo in edits.items()]
    return [*out, ("tone-gamma", _means(_GAMMA_UNDONE[rgb]))]


@dataclass(frozen=True)
class Variant:
    name: str
    values: npt.NDArray[np.uint8]  # (33,)
    penalty: float
    layout: npt.NDArray[np.float32] | None = None  # (16, 16) luma of this reading (ashen.descriptors.luma_grid)

    @property
    def family(self) -> str:
        """The kind of edit the reading undoes: plain (as given or trimmed), uncrop, tone of the image
        or tone of the trimmed picture (highlights clipped by brightening are flat and can pass for
        borders, so neither is trusted over the other), mirrored or not."""
        kind = "tone" if "tone" in self.name else "uncrop" if "uncrop" in self.name else "plain"
        if kind == "tone" and self.name.startswith("trim-"):
            kind = "trim-tone"
        return f"{kind}-mirror" if self.name.endswith("mirror") else kind


def _padded_means(rgb: npt.NDArray[np.uint8], pad: tuple[float, float, float, float]) -> Means:
    """Block means of ``rgb`` padded back with edge pixels. The layout leaves out (NaN) the cells
    that hold padding: the query does not show what was there, so it must not decide the moment."""
    h, w = rgb.shape[:2]
    t, b, l_, r = (round(p * s) for p, s in zip(pad, (h, h, w, w), strict=True))
    m8, m16 = _means(np.pad(rgb, ((t, b), (l_, r), (0, 0)), mode="edge"))
    ys, xs = block_edges(h + t + b, LAYOUT_SIDE), block_edges(w + l_ + r, LAYOUT_SIDE)
    shown_rows = (ys[:-1] >= t) & (ys[1:] <= t + h)
    shown_cols = (xs[:-1] >= l_) & (xs[1:] <= l_ + w)
    return m8, np.where((shown_rows[:, None] & shown_cols[None, :])[..., None], m16, np.nan)


def _reduced(rgb: npt.NDArray[np.uint8], target: int = 180) -> npt.NDArray[np.uint8]:
    """Box-reduce by an integer factor to about ``target`` on the short side (Pillow's C box filter)."""
    k = max(1, min(rgb.shape[:2]) // target)
    if k == 1:
        return rgb
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb)).reduce(k))


def _hashable(box: Box, height: int, width: int) -> bool:
    """A box inside the image, not all of it, that still has the 8x8 pixels a signature needs."""
    return box != (0, height, 0, width) and box[1] - box[0] >= 8 and box[3] - box[2] >= 8


@dataclass(frozen=True)
class QueryImage:
    """A query image box-reduced to about WORKING_SIZE on its short side (block means barely move;
    the border search and padding get cheap), with the borders found in it, for every reading
    made of it (``query_variants``, then ``fitted_readings``)."""

    rgb: npt.NDArray[np.uint8]
    boxes: PictureBoxes | None  # None when borders are not looked for

    @classmethod
    def of(cls, rgb: npt.NDArray[np.uint8], borders: bool = True) -> QueryImage:
        small = _reduced(rgb, WORKING_SIZE)
        return cls(small, picture_boxes(small) if borders else None)


def query_variants(
    image: npt.NDArray[np.uint8] | QueryImage,
    *,
    mirrors: bool = True,
    borders: bool = True,
    crops: bool = True,
    tones: bool = True,
) -> list[Variant]:
    """All signatures to search for one image (RGB, or a QueryImage made of it), the image as given first."""
    if not isinstance(image, QueryImage):
        image = QueryImage.of(image, borders)
    rgb = image.rgb
    means: list[tuple[str, Means, float]] = [("original", _means(rgb), 0.0)]
    base, picture = rgb, means[0][1]  # the picture (trimmed when borders are found) and its block means
    h, w = rgb.shape[:2]
    found = image.boxes if borders else None
    box, outer, framed = (found.full, found.outer, found.framed) if found else (None, None, [])

    def hashable(crop: Box | None) -> bool:
        return crop is not None and _hashable(crop, h, w)

    if box is not None and hashable(box):
        t, b, l_, r = box
        base = rgb[t:b, l_:r]
        picture = _means(base)
        means.append(("trim", picture, PENALTY["trim"]))
        # Videos with baked-in bars are hashed inside them (ashen.indexer.detect_picture). Those
        # bars come in equal pairs: also try the symmetric reading, on both or on one pair only.
        st, sb, sl, sr = symmetric_box(box, h, w)
        for name, crop in (("trim-sym", (st, sb, sl, sr)), ("trim-tb", (st, sb, 0, w)), ("trim-lr", (0, h, sl, sr))):
            if crop != box and hashable(crop):
                means.append((name, _means(rgb[crop[0] : crop[1], crop[2] : crop[3]]), PENALTY["trim"]))
        # A picture edge trimmed with the frame around it: the box grown back to a common ratio.
        for i, (at, ab, al, ar) in enumerate(aspect_boxes(box, h, w)):
            means.append((f"trim-aspect{i + 1}", _means(rgb[at:ab, al:ar]), PENALTY["trim-aspect"]))
        # Bars around a picture whose own edge is flat (a white background): only the outer band.
        if outer is not None and outer != box and hashable(outer):
            means.append(("trim-outer", _means(rgb[outer[0] : outer[1], outer[2] : outer[3]]), PENALTY["trim"]))
    if crops:
        # Of the image as given, and of the trimmed picture: a false trim (a striped wallpaper
        # read as bars) must not take the un-cropped readings with it.
        small = _reduced(rgb)
        means += [(name, _padded_means(small, pad), UNCROP_PENALTY) for name, pad in UNCROP.items()]
        if base is not rgb:
            small = _reduced(base)
            means += [(f"trim-{name}", _padded_means(small, pad), UNCROP_PENALTY) for name, pad in UNCROP.items()]
    # A frame around a picture with bars or flat edges of its own (a player window around a
    # letterboxed video): the box a video's shape fits at the steps of the border's colour. Last,
    # so that the wider probe's choice among readings that matched nothing is as it was without.
    for i, (ft, fb, fl, fr) in enumerate(framed):
        if (ft, fb, fl, fr) not in (box, outer) and hashable((ft, fb, fl, fr)):
            means.append((f"trim-framed{i + 1}", _means(rgb[ft:fb, fl:fr]), PENALTY["trim-framed"]))
    if mirrors:
        means += [(f"{name}-mirror" if name != "original" else "mirror", (m8[:, ::-1], m16[:, ::-1]),
                   p + PENALTY["mirror"]) for name, (m8, m16), p in list(means)]  # fmt: skip
    if tones:
        # On the image as given and on the trimmed picture: a false trim (a flat road read as a
        # bar) must not take the colour-corrected readings with it.
        # Those of the trimmed picture first: when borders were found it is the likelier picture.
        if base is not rgb:
            means += [(f"trim-{name}", m, TONE_PENALTY) for name, m in _tones(base, picture)]
        means += [(name, m, TONE_PENALTY) for name, m in _tones(rgb, means[0][1])]
    values = from_block_means(np.stack([m8 for _, (m8, _), _ in means]))
    out: list[Variant] = []
    seen: set[bytes] = set()
    for (name, (_, m16), penalty), v in zip(means, values, strict=True):
        key = v.tobytes()
        if key not in seen:
            seen.add(key)
            out.append(Variant(name, v, penalty, luma_of(m16)))
    return out


FIT_SLACK = 0.01  # a query within 1% of the video's shape has no added bars to cut


def fitted_readings(image: npt.NDArray[np.uint8] | QueryImage, ratio: float, *, mirrors: bool = True) -> list[Variant]:
    """The picture of a video shaped ``ratio`` (width / height) inside bars added around it: the
    largest centred box of that shape, when all it leaves out is border.

    Bars added to a video with black (or flat) edges of its own merge with them, and the border
    trim cuts into what the index stored with those edges; the video's shape says where the added
    bars end. Nothing when the image is already of that shape, or when the box would leave out
    lines that are not border (seen from each edge, as the trim sees them)."""
    if not isinstance(image, QueryImage):
        image = QueryImage.of(image)
    rgb = image.rgb
    h, w = rgb.shape[:2]
    if image.boxes is None or ratio <= 0 or max(image.boxes.depths) == 0:
        return []
    depths = image.boxes.depths
    if w > h * ratio * (1 + FIT_SLACK):  # bars left and right
        width = round(h * ratio)
        fit = (0, h, (w - width) // 2, (w - width) // 2 + width)
    elif w * (1 + FIT_SLACK) < h * ratio:  # bars above and below
        height = round(w / ratio)
        fit = ((h - height) // 2, (h - height) // 2 + height, 0, w)
    else:
        return []
    left_out = (fit[0], h - fit[1], fit[2], w - fit[3])
    if any(out > depth + MIN_BORDER_PX for out, depth in zip(left_out, depths, strict=True)):
        return []  # the box would cut into picture
    if not _hashable(fit, h, w):
        return []
    m8, m16 = _means(rgb[fit[0] : fit[1], fit[2] : fit[3]])
    readings = [("fit", m8, m16, PENALTY["fit"])]
    if mirrors:
        readings.append(("fit-mirror", m8[:, ::-1], m16[:, ::-1], PENALTY["fit"] + PENALTY["mirror"]))
    values = from_block_means(np.stack([r8 for _, r8, _, _ in readings]))
    return [
        Variant(name, v, penalty, luma_of(r16)) for (name, _, r16, penalty), v in zip(readings, values, strict=True)
    ]
