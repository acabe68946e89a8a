"""Find the picture inside a screenshot: flat borders of any colour, letterbox / pillarbox bars,
player-window frames with progress bars, meme banners.

A row (or column) belongs to a border when one colour covers most of it: plain bars are one
colour, a progress bar or a banner line of text is still mostly one colour. Scanning stops at the
first row that is not. Because this can also eat a dark or flat edge of the picture itself, the
trimmed image is only ever an extra query variant, ranked together with the untouched one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DOMINANT_SHARE = 0.72  # a border row has at least this share of pixels within TOLERANCE of its mode
TOLERANCE = 10  # per-channel distance to the row's dominant colour
FEW_COLOUR_SHARE = 0.9
MIN_PICTURE = 0.4  # never trim the picture below this share of either dimension
MIN_BORDER_PX = 2
LINE_SAMPLES = 200
SIDE_AGREEMENT = 0.01
SIDE_MAJORITY = 0.6


def _dominant_share(lines: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """For each line (L, N, 3): share of its pixels close to its median colour."""
    med = np.median(lines, axis=1, keepdims=True)
    close = np.all(np.abs(lines.astype(np.int16) - med.astype(np.int16)) <= TOLERANCE, axis=2)
    return close.mean(axis=1)


def _few_colour_share(lines: npt.NDArray[np.uint8]) -> npt.NDArray[np.float64]:
    """For each line (L, N, 3): share of its pixels in its three most common coarse colours (a
    progress bar: the played part, the rest, the frame around it)."""
    q = lines.astype(np.int64) >> 5
    codes = (q[..., 0] << 6) | (q[..., 1] << 3) | q[..., 2]
    n_lines, n = codes.shape
    counts = np.bincount((codes + 512 * np.arange(n_lines)[:, None]).ravel(), minlength=512 * n_lines)
    top = np.sort(counts.reshape(n_lines, 512), axis=1)[:, -3:].sum(axis=1)
    return top / n


def _border_lines(lines: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Which lines look like border: one flat colour, or a few as in a progress bar."""
    return (_dominant_share(lines) >= DOMINANT_SHARE) | (_few_colour_share(lines) >= FEW_COLOUR_SHARE)


def _edge_run(border: npt.NDArray[np.bool_]) -> int:
    """How many leading lines are border lines."""
    picture = np.flatnonzero(~border)
    return int(picture[0]) if picture.size else len(border)


Box = tuple[int, int, int, int]  # top, bottom, left, right (bottom and right exclusive)


def picture_box(rgb: npt.NDArray[np.uint8]) -> Box | None:
    """(top, bottom, left, right) of the picture inside its borders (the whole image when there
    are none), or None when the image is too flat to tell."""
    h, w = rgb.shape[:2]
    # Every line is looked at (bars end on an exact line), but only about 200 pixels along it.
    rows = _border_lines(rgb[:, :: max(1, w // LINE_SAMPLES)])
    cols = _border_lines(rgb[:: max(1, h // LINE_SAMPLES), :].transpose(1, 0, 2))
    t, b = _edge_run(rows), h - _edge_run(rows[::-1])
    l_, r = _edge_run(cols), w - _edge_run(cols[::-1])
    if b - t < MIN_PICTURE * h or r - l_ < MIN_PICTURE * w:
        return None  # a flat image, or borders that would leave almost nothing: do not trust them
    if max(t, h - b, l_, w - r) < MIN_BORDER_PX:
        return 0, h, 0, w
    return t, b, l_, r


def symmetric_box(box: Box, height: int, width: int) -> Box:
    """Bars come in equal pairs and a dark picture edge can only make one of them look deeper:
    take the shallower of each pair on both sides."""
    t, b, l_, r = box
    tb, lr = min(t, height - b), min(l_, width - r)
    return tb, height - tb, lr, width - lr


def trim_borders(rgb: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8] | None:
    box = picture_box(rgb)
    if box is None or box == (0, rgb.shape[0], 0, rgb.shape[1]):
        return None
    t, b, l_, r = box
    return rgb[t:b, l_:r]


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
    return int(bar[0]), int(height - bar[1]), int(bar[2]), int(width - bar[3])
