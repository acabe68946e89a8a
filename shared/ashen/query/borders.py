"""Find the picture inside a screenshot: flat borders of any colour, letterbox / pillarbox bars,
player-window frames with progress bars, meme banners.

A row (or column) belongs to a border when one colour covers most of it: plain bars are one
colour, a progress bar or a banner line of text is still mostly one colour. Scanning stops at the
first row that is not. Because this can also eat a dark or flat edge of the picture itself, the
trimmed image is only ever an extra reading of the query, ranked together with the untouched one.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ashen.box import Box

DOMINANT_SHARE = 0.72  # a border row has at least this share of pixels within TOLERANCE of its mode
TOLERANCE = 10  # per-channel distance to the row's dominant colour
FEW_COLOUR_SHARE = 0.9
MIN_PICTURE = 0.4  # never trim the picture below this share of either dimension
MIN_BORDER_PX = 2
LINE_SAMPLES = 200
SIDE_AGREEMENT = 0.01
SIDE_MAJORITY = 0.6
# Inside a border, short stretches of other lines are let through: banner text (the border's
# colour still covers TEXT_LINE_SHARE of the line) or a progress bar smeared by JPEG (still mostly
# a few colours), at most MAX_LOOSE of the image's height (width) long.
TEXT_LINE_SHARE = 0.5
LOOSE_FEW_COLOUR_SHARE = 0.75
MAX_LOOSE = 0.06
BAND_CHANGE = 32  # a border line this far from its band's colour starts another band
STEP_CHANGE = 16  # a border line this far from the one before may be where a frame meets the picture's own bars


def _medians(lines: npt.NDArray[np.uint8]) -> npt.NDArray[np.int16]:
    return np.asarray(np.median(lines, axis=1), dtype=np.int16)


def _close_share(lines: npt.NDArray[np.uint8], colours: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
    """For each line (L, N, 3): share of its pixels within TOLERANCE of its colour (L, 3)."""
    close = np.all(np.abs(lines.astype(np.int16) - colours[:, None, :]) <= TOLERANCE, axis=2)
    return np.asarray(close.mean(axis=1), dtype=np.float64)


def _few_colour_share(lines: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """For each line (L, N, 3): share of its pixels in its three most common coarse colours (a
    progress bar: the played part, the rest, the frame around it)."""
    q = lines.astype(np.int64) >> 5
    codes = (q[..., 0] << 6) | (q[..., 1] << 3) | q[..., 2]
    n_lines, n = codes.shape
    counts = np.bincount((codes + 512 * np.arange(n_lines)[:, None]).ravel(), minlength=512 * n_lines)
    top = np.sort(counts.reshape(n_lines, 512), axis=1)[:, -3:].sum(axis=1)
    return np.asarray(top / n, dtype=np.float64)


class _Lines:
    """Lines (L, N, 3) seen from an edge, with what the border scan asks of each, worked out a
    chunk at a time: most scans stop within the first few lines."""

    CHUNK = 32

    def __init__(self, lines: npt.NDArray[np.uint8]) -> None:
        self.lines = lines
        self.median = np.zeros((len(lines), 3), dtype=np.int16)
        self.border = np.zeros(len(lines), dtype=bool)  # one flat colour, or a few as in a progress bar
        self.few = np.zeros(len(lines))
        self.done = 0

    def __len__(self) -> int:
        return len(self.lines)

    def reach(self, i: int) -> None:
        while i >= self.done:
            chunk = slice(self.done, self.done + self.CHUNK)
            lines = self.lines[chunk]
            self.median[chunk] = _medians(lines)
            self.few[chunk] = _few_colour_share(lines)
            dominant = _close_share(lines, self.median[chunk])
            self.border[chunk] = (dominant >= DOMINANT_SHARE) | (self.few[chunk] >= FEW_COLOUR_SHARE)
            self.done += len(lines)


@dataclass(frozen=True)
class _Edge:
    depth: int  # lines of border from this edge
    outer: int  # lines of border before its innermost colour band (= depth when it has one colour)
    steps: tuple[int, ...] = ()  # every depth inside the border where its colour changes, and depth


def _edge_run(lines: _Lines, max_loose: int) -> _Edge:
    """How deep the border goes from the first line of ``lines`` (L, N, 3).

    The run goes on through border lines, and across short stretches (at most ``max_loose``
    lines) of banner text or a smeared progress bar: lines where the border's colour still covers
    much of the line, or that are still mostly a few colours, followed by the same colour again.
    A border made of several colour bands (a player's frame, then its control bar) may end on a
    picture whose own edge is flat (a white background): ``outer`` leaves the last band out.
    """
    depth, band_start, loose = 0, 0, 0
    colour: npt.NDArray[np.int16] | None = None
    band: npt.NDArray[np.int16] | None = None
    steps: list[int] = []
    for i in range(len(lines)):
        lines.reach(i)
        if lines.border[i]:
            here = lines.median[i]
            if loose and colour is not None and np.abs(here - colour).max() > BAND_CHANGE:
                break  # text or a bar of the border comes back to the border's colour; this is picture
            if colour is not None and np.abs(here - colour).max() > STEP_CHANGE:
                steps.append(i)
            colour, loose = here, 0
            if band is None or np.abs(colour - band).max() > BAND_CHANGE:
                band, band_start = colour, i
            depth = i + 1
            continue
        if colour is None or loose >= max_loose:
            break
        on_border = _close_share(lines.lines[i : i + 1], colour[None, :])[0] >= TEXT_LINE_SHARE
        if not (on_border or lines.few[i] >= LOOSE_FEW_COLOUR_SHARE):
            break
        loose += 1
    return _Edge(depth, band_start if band_start > 0 else depth, tuple(dict.fromkeys([*steps, depth])))


def _edges(rgb: npt.NDArray[np.uint8]) -> tuple[_Edge, _Edge, _Edge, _Edge]:
    h, w = rgb.shape[:2]
    # Every line is looked at (bars end on an exact line), but only about 200 pixels along it,
    # and never more than half the picture from each edge.
    rows = rgb[: h // 2 + 1, :: max(1, w // LINE_SAMPLES)], rgb[: h // 2 - 1 : -1, :: max(1, w // LINE_SAMPLES)]
    cols_img = rgb[:: max(1, h // LINE_SAMPLES), :].transpose(1, 0, 2)
    cols = cols_img[: w // 2 + 1], cols_img[: w // 2 - 1 : -1]
    loose_rows, loose_cols = max(4, round(MAX_LOOSE * h)), max(4, round(MAX_LOOSE * w))
    top, bottom = (_edge_run(_Lines(lines), loose_rows) for lines in rows)
    left, right = (_edge_run(_Lines(lines), loose_cols) for lines in cols)
    return top, bottom, left, right


def _box(depths: tuple[int, int, int, int], h: int, w: int) -> Box | None:
    t, b, l_, r = depths[0], h - depths[1], depths[2], w - depths[3]
    if b - t < MIN_PICTURE * h or r - l_ < MIN_PICTURE * w:
        return None  # a flat image, or borders that would leave almost nothing: do not trust them
    if max(t, h - b, l_, w - r) < MIN_BORDER_PX:
        return Box.whole(h, w)
    return Box(t, b, l_, r)


def picture_box(rgb: npt.NDArray[np.uint8]) -> Box | None:
    """(top, bottom, left, right) of the picture inside its borders (the whole image when there
    are none), or None when the image is too flat to tell."""
    h, w = rgb.shape[:2]
    return _box(_sides(_edges(rgb), "depth"), h, w)


def _sides(edges: tuple[_Edge, _Edge, _Edge, _Edge], field: str) -> tuple[int, int, int, int]:
    """One measure (``depth`` or ``outer``) of the top, bottom, left and right edges."""
    top, bottom, left, right = (int(getattr(e, field)) for e in edges)
    return top, bottom, left, right


class PictureBoxes(NamedTuple):
    full: Box | None  # inside all the borders
    outer: Box | None  # inside all but the innermost colour band of each side
    framed: list[Box]  # inside a frame, the picture's own bars kept (see framed_boxes)
    depths: tuple[int, int, int, int]  # lines of border from the top, bottom, left, right


def picture_boxes(rgb: npt.NDArray[np.uint8]) -> PictureBoxes:
    """The picture inside all its borders, and inside all but the innermost colour band of each (a
    black bar around a picture on a white background: the white is picture, not border). When
    all the bands together would leave too little, the outer ones alone are the picture; when they
    do too, the pair of sides that leaves enough (meme banners above and below a picture whose
    dark background reads as border from the left and right). And the boxes ``framed_boxes``
    finds at the colour steps inside the borders."""
    h, w = rgb.shape[:2]
    edges = _edges(rgb)
    framed = framed_boxes([e.steps for e in edges], h, w)
    depths, outers = _sides(edges, "depth"), _sides(edges, "outer")
    full, outer = _box(depths, h, w), _box(outers, h, w)
    if full is not None:
        return PictureBoxes(full, outer, framed, depths)
    if outer is not None:
        return PictureBoxes(outer, None, framed, depths)
    for t, b, l_, r in (outers, depths):
        rows_left, cols_left = h - t - b >= MIN_PICTURE * h, w - l_ - r >= MIN_PICTURE * w
        if rows_left != cols_left:  # exactly one pair leaves enough picture: trust that pair only
            one_pair = _box((t, b, 0, 0) if rows_left else (0, 0, l_, r), h, w)
            if one_pair is not None and one_pair != (0, h, 0, w):
                return PictureBoxes(one_pair, None, framed, depths)
    return PictureBoxes(None, None, framed, depths)


# Shapes a video picture comes in, for framed_boxes: the common ratios, 2:1, 3:2, 5:4, CIF's 11:9,
# square and upright phone video; how close (as a ratio) a box must come to one; how many boxes.
FRAME_RATIOS = (16 / 9, 4 / 3, 16 / 10, 1.85, 2.39, 2.0, 3 / 2, 5 / 4, 11 / 9, 1.0, 9 / 16)
FRAME_RATIO_SLACK = 0.01
FRAMED_BOXES = 2


def framed_boxes(steps: Sequence[Sequence[int]], height: int, width: int) -> list[Box]:
    """Boxes inside a frame around a picture that has flat bars or edges of its own (a player
    window around a letterboxed video): the border scan runs on through the frame into the
    picture's bars, and the band rule cannot part a dark control bar from black bars. Where the
    frame ends, the border's colour steps (``steps``: per side, top, bottom, left, right). A box
    with a step on each side (or none, on a side without border), equally deep left and right (a
    window frame, like bars, is symmetric there), whose shape is a video's to within
    FRAME_RATIO_SLACK is the picture. At most FRAMED_BOXES: those that leave fewest bordered sides
    untrimmed first (several boxes of one frame can have a video's shape), then closest in shape."""
    top, bottom, left, right = ((0, *s) if s else (0,) for s in steps)
    tol = max(MIN_BORDER_PX, round(SIDE_AGREEMENT * width))
    found: list[tuple[int, float, Box]] = []
    for depths in itertools.product(top, bottom, left, right):
        t, b, l_, r = depths
        if abs(l_ - r) > tol or width - l_ - r < MIN_PICTURE * width or height - t - b < MIN_PICTURE * height:
            continue
        if max(depths) == 0:
            continue  # the image itself
        off = min(abs(math.log((width - l_ - r) / (height - t - b) / a)) for a in FRAME_RATIOS)
        untrimmed = sum(d == 0 and len(s) > 0 for d, s in zip(depths, steps, strict=True))
        if off <= math.log1p(FRAME_RATIO_SLACK):
            found.append((untrimmed, off, Box(t, height - b, l_, width - r)))
    return list(dict.fromkeys(box for _, _, box in sorted(found)))[:FRAMED_BOXES]


def symmetric_box(box: Box, height: int, width: int) -> Box:
    """Bars come in equal pairs and a dark picture edge can only make one of them look deeper:
    take the shallower of each pair on both sides."""
    t, b, l_, r = box
    tb, lr = min(t, height - b), min(l_, width - r)
    return Box(tb, height - tb, lr, width - lr)


# Aspect ratios pictures come in (16:9, 4:3, 16:10, 1.85:1, 2.39:1), and how far off one of them
# (as a ratio) a trimmed box may be for aspect_boxes to correct it.
ASPECT_RATIOS = (16 / 9, 4 / 3, 16 / 10, 1.85, 2.39)
ASPECT_SLACK = 1.12


def aspect_boxes(box: Box, height: int, width: int) -> list[Box]:
    """``box`` grown to the nearest common aspect ratio, one side at a time.

    A picture whose own edge looks like the frame around it (a screencast's light menu bar under
    a light player title bar) is trimmed too deep on that side, and the box comes out a little too
    wide or too tall. Growing it back on one side or the other gives the picture on one of them.
    Nothing is returned when the box already has a common ratio or is far from all of them.
    """
    t, b, l_, r = box
    ratio = (r - l_) / max(1, b - t)
    target = min(ASPECT_RATIOS, key=lambda a: abs(math.log(ratio / a)))
    off = ratio / target
    if abs(math.log(off)) < 0.01 or abs(math.log(off)) > math.log(ASPECT_SLACK):
        return []
    out: list[Box] = []
    if off > 1:  # too wide for its height: a top or bottom edge went with the border
        grow = round((r - l_) / target) - (b - t)
        out += [Box(t - grow, b, l_, r)] if t - grow >= 0 else []
        out += [Box(t, b + grow, l_, r)] if b + grow <= height else []
    else:  # too tall: a left or right edge went
        grow = round((b - t) * target) - (r - l_)
        out += [Box(t, b, l_ - grow, r)] if l_ - grow >= 0 else []
        out += [Box(t, b, l_, r + grow)] if r + grow <= width else []
    return out


def common_box(boxes: list[Box | None], height: int, width: int, min_votes: int = 2) -> Box | None:
    """The bars of a whole video from the boxes of sampled frames, or None when it has none.

    Baked-in bars are identical in every frame, and most frames show exactly them (a dark edge of
    the picture can only make one look deeper); a flat background that merely looks like a border
    moves with the content. So on each side the bar is the smallest depth seen, and it counts only
    when most trustworthy samples agree on it.
    """
    good = [b for b in boxes if b is not None]
    if len(good) < min_votes:
        return None
    sides = np.array(good)  # (n, 4): top, bottom, left, right
    depth = np.stack([sides[:, 0], height - sides[:, 1], sides[:, 2], width - sides[:, 3]], axis=1)
    tol = np.maximum(MIN_BORDER_PX, SIDE_AGREEMENT * np.array([height, height, width, width]))
    shallowest = depth.min(axis=0)
    agree = (depth <= shallowest + tol).mean(axis=0) >= SIDE_MAJORITY
    bar = np.where(agree, shallowest, 0)
    # Letterbox and pillarbox bars come in symmetric pairs; a one-sided "bar" is picture content.
    for a, b in ((0, 1), (2, 3)):
        lopsided = abs(int(bar[a]) - int(bar[b])) > max(tol[a], 0.25 * max(bar[a], bar[b]))
        if min(bar[a], bar[b]) < MIN_BORDER_PX or lopsided:
            bar[a] = bar[b] = 0
        else:  # equal pairs, the shallower one (see symmetric_box)
            bar[a] = bar[b] = min(bar[a], bar[b])
    if bar.max() < MIN_BORDER_PX:
        return None
    return Box(int(bar[0]), int(height - bar[1]), int(bar[2]), int(width - bar[3]))
