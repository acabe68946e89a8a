"""Readings: the signatures one query picture is searched with, ranked together.

- the picture as given;
- the picture inside detected borders (bars, player frames, meme banners), and that box grown
  back to a common aspect ratio when a picture edge was trimmed with the border; inside a frame
  around a picture with bars of its own, the box at the frame's edge that has a video's shape;
- the horizontal mirror of each (exact: the block means are simply flipped);
- light "uncrop" hypotheses: padded back with edge pixels, as if 5% had been cut all round or
  10% off one side;
- tone hypotheses: a common colour edit undone (brightened or darkened by 15%, contrast lowered
  by 20%: on the block means; gamma lifted: on the pixels);
- a dark overlay (censorship mist) painted over from its edges, when the picture shows one
  (ashen.query.overlays);
- for a picture with no colour (a grayscale release, a black-and-white print), each reading again
  compared on its Y values alone (``luma_only``): the colour it lost is not held against it.

Once search knows which video a query most likely shows, ``fitted_readings`` adds the picture
cut to that video's shape (bars added around a video with bars of its own).

Un-crop and tone hypotheses are made of the picture as given and, when borders were found, of the
trimmed picture too: a border detector can be fooled, and a wrong trim must not cost them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from ashen.box import Box
from ashen.descriptors.color_layout import from_block_means
from ashen.descriptors.luma_grid import GRID_SIDE, luma_of
from ashen.query.borders import MIN_BORDER_PX, PictureBoxes, aspect_boxes, picture_boxes, symmetric_box
from ashen.query.means import Means, Pad, is_colourless, means_of, mirrored, padded_means, reduced, tones_undone
from ashen.query.overlays import dark_overlay, grid_mask, painted_over
from ashen.query.warps import Warps

# Padding as shares of the visible size, undoing common crops.
UNCROP: dict[str, Pad] = {
    "uncrop-all": (0.056, 0.056, 0.056, 0.056),  # 5% cut all round: 0.05 / 0.9
    "uncrop-sides": (0.0, 0.0, 0.056, 0.056),  # the same where the top and bottom were bars
    "uncrop-left": (0.0, 0.0, 0.11, 0.0),  # 10% cut off one side: 0.1 / 0.9
    "uncrop-right": (0.0, 0.0, 0.0, 0.11),
    "uncrop-zoom": (0.16, 0.16, 0.16, 0.16),  # a re-framed master: 12% cut all round, 0.12 / 0.76
}
AS_GIVEN = "original"  # the name of the reading of the picture as given
# Distance added to hypotheses, so that an exact match of the picture as given always wins ties.
TRIM_PENALTY = 0.0
MIRROR_PENALTY = 0.5
ASPECT_PENALTY = 0.5  # trim-aspect: a trimmed box grown back to a common ratio
FRAMED_PENALTY = 0.5  # trim-framed: the box at a frame's colour steps
FIT_PENALTY = 0.5  # fit: the picture cut to the likeliest video's shape
UNCROP_PENALTY = 1.0
TONE_PENALTY = 1.0
PAINT_PENALTY = 1.0
LUMA_PENALTY = 0.5  # luma-only: a black-and-white video's own scene, compared in full, wins ties
WORKING_SIZE = 360  # queries are box-reduced to about this short side first
FIT_SLACK = 0.01  # a query within 1% of the video's shape has no added bars to cut


@dataclass(frozen=True)
class ReadingOptions:
    """Which kinds of readings to make besides the picture as given (the API's ``mirror``,
    ``cutBorders``, ``uncrop`` and ``tones``; the CLI's ``--no-*`` flags)."""

    mirrors: bool = True
    borders: bool = True
    crops: bool = True
    tones: bool = True


@dataclass(frozen=True)
class Reading:
    """One signature a query is searched with: its name (``original``, ``trim``, ``mirror``,
    ``uncrop-left``, ``tone-gamma``, ``fit``, ``luma-trim``...), its 33 values, the distance added
    to its matches, its 16x16 luma grid (ashen.descriptors.luma_grid) when it has one, and whether
    it is compared on its Y values alone (a picture with no colour)."""

    name: str
    values: npt.NDArray[np.uint8]  # (33,)
    penalty: float
    luma: npt.NDArray[np.float32] | None = None  # (16, 16)
    luma_only: bool = False
    # (W, 16, 16): the luma grid under small turns and re-framings (ashen.query.warps), of the
    # picture as given, the trimmed picture and the fitted one; None for the other readings
    warped: Warps | None = None

    @property
    def painted(self) -> bool:
        """Whether the reading is a guess of a picture under a dark overlay (``paint``...): its luma
        grid leaves out the cells the overlay hid, which every other reading shows as picture."""
        return self.name.removeprefix("luma-").removeprefix("trim-").startswith("paint")

    @property
    def mirrored(self) -> bool:
        """Whether the reading is of the picture flipped left to right (``mirror``, ``trim-mirror``...)."""
        return self.name.endswith("mirror")

    @property
    def family(self) -> str:
        """The kind of edit the reading undoes: plain (as given or trimmed), uncrop, tone of the
        picture or tone of the trimmed picture (highlights clipped by brightening are flat and can
        pass for borders, so neither is trusted over the other), mirrored or not."""
        kind = "tone" if "tone" in self.name else "uncrop" if "uncrop" in self.name else "plain"
        kind = "paint" if self.name.removeprefix("trim-").startswith("paint") else kind
        if kind == "tone" and self.name.startswith("trim-"):
            kind = "trim-tone"
        return f"{kind}-mirror" if self.mirrored else kind


@dataclass(frozen=True)
class QueryImage:
    """A query picture box-reduced to about WORKING_SIZE on its short side (block means barely
    move; the border search and padding get cheap), with the borders found in it, for every
    reading made of it (``query_readings``, then ``fitted_readings``)."""

    rgb: npt.NDArray[np.uint8]
    boxes: PictureBoxes | None  # None when borders are not looked for
    colourless: bool = False  # no colour at all (ashen.query.means.is_colourless)

    @classmethod
    def of(cls, rgb: npt.NDArray[np.uint8], borders: bool = True) -> QueryImage:
        small = reduced(rgb, WORKING_SIZE)
        return cls(small, picture_boxes(small) if borders else None, is_colourless(small))


Named = tuple[str, Means, float]  # a reading before it is quantised: name, block means, penalty


def hashable(box: Box | None, height: int, width: int) -> bool:
    """A box inside the image, not all of it, that still has the 8x8 pixels a signature needs."""
    return box is not None and box != Box.whole(height, width) and box.height >= 8 and box.width >= 8


def _trimmed(rgb: npt.NDArray[np.uint8], boxes: PictureBoxes) -> list[Named]:
    """Readings of the picture inside the borders: the box, its symmetric forms (videos with
    baked-in bars are hashed inside them, and bars come in equal pairs: both pairs or one), the
    box grown back to a common ratio (a picture edge trimmed with the frame around it), and the
    box inside the outer bands only (bars around a picture whose own edge is flat)."""
    h, w = rgb.shape[:2]
    box, outer = boxes.full, boxes.outer
    if box is None or not hashable(box, h, w):
        return []
    out: list[Named] = [("trim", means_of(box.of(rgb)), TRIM_PENALTY)]
    st, sb, sl, sr = symmetric_box(box, h, w)
    for name, crop in (
        ("trim-sym", Box(st, sb, sl, sr)),
        ("trim-tb", Box(st, sb, 0, w)),
        ("trim-lr", Box(0, h, sl, sr)),
    ):
        if crop != box and hashable(crop, h, w):
            out.append((name, means_of(crop.of(rgb)), TRIM_PENALTY))
    for i, grown in enumerate(aspect_boxes(box, h, w)):
        out.append((f"trim-aspect{i + 1}", means_of(grown.of(rgb)), ASPECT_PENALTY))
    if outer is not None and outer != box and hashable(outer, h, w):
        out.append(("trim-outer", means_of(outer.of(rgb)), TRIM_PENALTY))
    return out


def _uncropped(rgb: npt.NDArray[np.uint8], prefix: str = "") -> list[Named]:
    small = reduced(rgb)
    return [(f"{prefix}{name}", padded_means(small, pad), UNCROP_PENALTY) for name, pad in UNCROP.items()]


def _framed(rgb: npt.NDArray[np.uint8], boxes: PictureBoxes) -> list[Named]:
    """A frame around a picture with bars or flat edges of its own (a player window around a
    letterboxed video): the boxes a video's shape fits at the steps of the border's colour."""
    h, w = rgb.shape[:2]
    return [
        (f"trim-framed{i + 1}", means_of(box.of(rgb)), FRAMED_PENALTY)
        for i, box in enumerate(boxes.framed)
        if box not in (boxes.full, boxes.outer) and hashable(box, h, w)
    ]


def bars_in_pairs(depths: tuple[int, int, int, int], height: int, width: int) -> bool:
    """Whether borders (top, bottom, left, right) come as a pair of equal bars, letterbox or
    pillarbox (each at least 3% of the side, equal within 2%): a cloud cut as a bar is cut on one
    side, and a line or two of a cropped edge is no bar."""

    return any(_pairs(depths, height, width))


def _pairs(depths: tuple[int, int, int, int], height: int, width: int) -> tuple[bool, bool]:
    """Whether the top and bottom borders are a pair of bars, and whether the left and right are."""

    def pair(a: int, b: int, side: int) -> bool:
        return min(a, b) >= 0.03 * side and abs(a - b) <= 0.02 * side

    return pair(depths[0], depths[1], height), pair(depths[2], depths[3], width)


def inside_pairs(depths: tuple[int, int, int, int], height: int, width: int) -> Box:
    """The picture inside the borders that are bars in pairs, the other borders kept: a cloud over
    a whole edge is cut by the trim as a bar on that one side, and stays in this picture, to be
    painted over (of a letterboxed picture, the trim less a cloud it took for a bar)."""
    tb, lr = _pairs(depths, height, width)
    top, bottom, left, right = depths
    return Box(top if tb else 0, height - bottom if tb else height, left if lr else 0, width - right if lr else width)


def _painted(rgb: npt.NDArray[np.uint8], prefix: str = "") -> list[Named]:
    """The picture with a dark overlay painted over, its luma grid without the cells it hid."""
    mask = dark_overlay(rgb)
    if mask is None:
        return []
    m8, m16 = means_of(painted_over(rgb, mask))
    return [(f"{prefix}paint", (m8, np.where(grid_mask(mask, GRID_SIDE)[..., None], np.nan, m16)), PAINT_PENALTY)]


def _quantised(named: list[Named]) -> list[Reading]:
    """Readings of the named block means, the first of any with the same signature kept."""
    values = from_block_means(np.stack([m8 for _, (m8, _), _ in named]))
    out: list[Reading] = []
    seen: set[bytes] = set()
    for (name, (_, m16), penalty), v in zip(named, values, strict=True):
        if v.tobytes() not in seen:
            seen.add(v.tobytes())
            out.append(Reading(name, v, penalty, luma_of(m16)))
    return out


def query_readings(image: npt.NDArray[np.uint8] | QueryImage, options: ReadingOptions | None = None) -> list[Reading]:
    """All readings of one picture (RGB, or a QueryImage made of it), the picture as given first."""
    options = options or ReadingOptions()
    if not isinstance(image, QueryImage):
        image = QueryImage.of(image, options.borders)
    rgb = image.rgb
    found = image.boxes if options.borders else None
    named: list[Named] = [(AS_GIVEN, means_of(rgb), 0.0)]
    trimmed = _trimmed(rgb, found) if found else []
    named += trimmed
    base = found.full.of(rgb) if trimmed and found and found.full else rgb  # the likelier picture
    if options.crops:
        # Of the picture as given, and of the trimmed picture: a false trim (a striped wallpaper
        # read as bars) must not take the un-cropped readings with it.
        named += _uncropped(rgb) + (_uncropped(base, "trim-") if base is not rgb else [])
    # Last of the plain ones, so that the wider probe's choice among readings that matched
    # nothing is as it was before framed readings existed.
    named += _framed(rgb, found) if found else []
    # Of the picture as given too (a cloud at an edge is dark and flat, and reads as a bar), unless
    # its borders are bars in pairs: a letterboxed picture's bars would pass for a cloud.
    # Inside bars in pairs, the trimmed picture is the one inside them only: a cloud the trim cut
    # as a bar on one side stays in it (the rest of the trim would paint half a picture over).
    # Bars that meet (a cloud over a black night picture, all of it read as border) leave no
    # picture inside them: the picture as given is painted over.
    inner = inside_pairs(found.depths, *rgb.shape[:2]) if found is not None else None
    paired = found is not None and bars_in_pairs(found.depths, *rgb.shape[:2]) and hashable(inner, *rgb.shape[:2])
    painted = inner.of(rgb) if inner is not None and paired and base is not rgb else base
    named += ([] if paired else _painted(rgb)) + (_painted(painted, "trim-") if painted is not rgb else [])
    if options.mirrors:
        named += [(f"{n}-mirror" if n != AS_GIVEN else "mirror", mirrored(m), p + MIRROR_PENALTY) for n, m, p in named]
    if options.tones:
        # Of the trimmed picture first (when borders were found it is the likelier picture), then
        # of the picture as given: a false trim (a flat road read as a bar) must not take them.
        if base is not rgb:
            named += [(f"trim-{n}", m, TONE_PENALTY) for n, m in tones_undone(base, trimmed[0][1])]
        named += [(n, m, TONE_PENALTY) for n, m in tones_undone(rgb, named[0][1])]
    readings = _with_warps(_quantised(named), _warped_pictures(rgb, found, base))
    return readings + luma_readings(readings) if image.colourless else readings


def _warped_pictures(
    rgb: npt.NDArray[np.uint8], found: PictureBoxes | None, base: npt.NDArray[np.uint8]
) -> dict[str, npt.NDArray[np.uint8]]:
    """The pictures whose readings get warped grids, by reading name: the picture as given, the
    trimmed one and its symmetric form (a video's own bars come in equal pairs, and a flat edge of
    the picture inside them, a plain sky or wall, trimmed with one of them, leaves the trimmed
    box a pan-and-scan's crop no longer: its warps would line up a part of the picture)."""
    pictures = {AS_GIVEN: rgb, "trim": base}
    if found is not None and found.full is not None and base is not rgb:
        h, w = rgb.shape[:2]
        sym = symmetric_box(found.full, h, w)
        if sym != found.full and hashable(sym, h, w):
            pictures["trim-sym"] = sym.of(rgb)
    return pictures


def _with_warps(readings: list[Reading], pictures: dict[str, npt.NDArray[np.uint8]]) -> list[Reading]:
    """``readings`` with the warped grids (ashen.query.warps) of those named in ``pictures``."""
    return [replace(r, warped=Warps(pictures[r.name])) if r.name in pictures else r for r in readings]


def luma_readings(readings: list[Reading]) -> list[Reading]:
    """Each reading again, compared on its Y values alone (``luma-`` before its name)."""
    return [
        replace(r, name=f"luma-{r.name}", penalty=r.penalty + LUMA_PENALTY, luma_only=True)
        for r in readings
        if not r.luma_only
    ]


def _fit_box(height: int, width: int, ratio: float) -> Box | None:
    """The largest centred box shaped ``ratio`` in a picture ``height`` x ``width``, or None when
    the picture already has that shape."""
    if width > height * ratio * (1 + FIT_SLACK):  # bars left and right
        inner = round(height * ratio)
        return Box(0, height, (width - inner) // 2, (width - inner) // 2 + inner)
    if width * (1 + FIT_SLACK) < height * ratio:  # bars above and below
        inner = round(width / ratio)
        return Box((height - inner) // 2, (height - inner) // 2 + inner, 0, width)
    return None


def fit_box(height: int, width: int, depths: tuple[int, int, int, int], ratio: float) -> Box | None:
    """The box ``fitted_readings`` cuts of a picture ``height`` x ``width`` with borders ``depths``
    (top, bottom, left, right) for a video shaped ``ratio``, or None when it makes no reading."""
    if ratio <= 0 or max(depths) == 0:
        return None
    fit = _fit_box(height, width, ratio)
    if fit is None or not hashable(fit, height, width):
        return None
    if any(out > depth + MIN_BORDER_PX for out, depth in zip(fit.margins(height, width), depths, strict=True)):
        return None  # the box would cut into picture
    return fit


def fitted_readings(image: npt.NDArray[np.uint8] | QueryImage, ratio: float, *, mirrors: bool = True) -> list[Reading]:
    """The picture of a video shaped ``ratio`` (width / height) inside bars added around it: the
    largest centred box of that shape, when all it leaves out is border.

    Bars added to a video with black (or flat) edges of its own merge with them, and the border
    trim cuts into what the index stored with those edges; the video's shape says where the added
    bars end. Nothing when the picture is already of that shape, or when the box would leave out
    lines that are not border (seen from each edge, as the trim sees them)."""
    if not isinstance(image, QueryImage):
        image = QueryImage.of(image)
    h, w = image.rgb.shape[:2]
    fit = fit_box(h, w, image.boxes.depths, ratio) if image.boxes is not None else None
    if fit is None:
        return []
    means = means_of(fit.of(image.rgb))
    named: list[Named] = [("fit", means, FIT_PENALTY)]
    if mirrors:
        named.append(("fit-mirror", mirrored(means), FIT_PENALTY + MIRROR_PENALTY))
    values = from_block_means(np.stack([m8 for _, (m8, _), _ in named]))
    fitted = [Reading(n, v, p, luma_of(m16)) for (n, (_, m16), p), v in zip(named, values, strict=True)]
    fitted = _with_warps(fitted, {"fit": fit.of(image.rgb)})
    return fitted + luma_readings(fitted) if image.colourless else fitted
