"""A query's descriptor: every reading search makes of each frame of a query, as numbers.

Client-side hashing (docs/tutorials/private-search.md): ``describe`` runs on the user's machine
and makes exactly the readings the server would make of the picture (ashen.query.readings), each
with its signature, penalty and luma grid, plus the fitted readings for common video shapes (the
server knows which video a query likeliest shows only once it has searched; ``DescribedFrame.fitted``
answers from them). ``to_json`` / ``from_json`` carry it over HTTP, version-tagged, bounded and
validated (``DescriptorError``, a 400 at the API); the picture itself never leaves the machine.
The pictures that get warps (as given, trimmed, fitted: ashen.query.warps) carry their 32x32 luma
means (``warp_means``), from which the server makes their warped grids as it would of the picture.

JSON form (version 2)::

    {"version": 2, "frames": [{"offset": 0.0, "size": [h, w], "depths": [t, b, l, r] | null,
      "grids": ["<base64 of 256 float32, little-endian>", ...],
      "warps": [{"size": [h, w], "means": "<base64 of 32x32 float32, little-endian>"}, ...],
      "readings": [{"name": "original", "values": "<42 hex digits>", "penalty": 0.0,
                    "grid": 0 | null, "flip": false, "lumaOnly": false, "warped": 0 | null}, ...],
      "fits": [{"box": [t, b, l, r], "readings": [...]}]}]}

Version 1 (no ``warps``, no ``warped``: the SDK before warps) is still read; its readings are
compared without warps, as they were.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.box import Box
from ashen.descriptors.luma_grid import GRID_SIDE
from ashen.descriptors.signature import Signature
from ashen.errors import AshenError
from ashen.query.readings import (
    AS_GIVEN,
    QueryImage,
    Reading,
    ReadingOptions,
    fit_box,
    fitted_readings,
    query_readings,
)
from ashen.query.warps import SIDE as WARP_SIDE
from ashen.query.warps import Warps

DESCRIPTOR_VERSION = 2
VERSIONS = (1, 2)  # read: version 1 carries no warps (its readings are compared without them)
# Common video shapes (width / height) the fitted readings are made for: 4:3, 16:9 and film's.
FIT_RATIOS = (4 / 3, 16 / 9, 1.85, 2.0, 2.35, 2.39)
# A video of another shape takes the fit whose box is nearest, if no edge is further off than this
# share of the picture's side (16:9 against a 848x480 video: 0.6%).
FIT_TOLERANCE = 0.02
MAX_FRAMES = 16  # as a query clip's frames (ashen.media.stills)
MAX_READINGS = 160  # per frame or fit; a picture makes up to about 90 (a grayscale one with borders)
MAX_PAINTED = 2  # painted-over readings read deep (thousands of keys): a picture makes at most two
MAX_SIDE = 4096  # the working picture is about 360 on its short side
MAX_OFFSET_S = 3600.0
MAX_PENALTY = 100.0
GRID_BYTES = GRID_SIDE * GRID_SIDE * 4  # float32
WARP_BYTES = WARP_SIDE * WARP_SIDE * 4  # float32
MAX_WARPS = 3 + 2 * len(FIT_RATIOS)  # a frame's pictures that get warps: as given, two trimmed, one per fit
# The readings an upload gives warps (ashen.query.readings), and their luma-only forms: no other may
# carry them, so that a descriptor's warps cost what a picture's would.
WARPED_READINGS = (AS_GIVEN, "trim", "trim-sym", "fit")
_NAME = re.compile(r"[a-z0-9-]{1,40}")


class DescriptorError(AshenError):
    """A descriptor that is malformed, of an unknown version or over its bounds."""


@dataclass(frozen=True)
class Fit:
    """The fitted readings of a picture for the video shapes whose fit box is ``box``."""

    box: Box
    readings: tuple[Reading, ...]


@dataclass(frozen=True)
class DescribedFrame:
    """One frame of a query, described: its readings, the size and border depths of the working
    picture they were made of (None when borders were not looked for) and its fitted readings."""

    offset: float
    readings: tuple[Reading, ...]
    size: tuple[int, int]
    depths: tuple[int, int, int, int] | None
    fits: tuple[Fit, ...] = ()

    def fitted(self, ratio: float, *, mirrors: bool = True) -> list[Reading]:
        """The readings ``fitted_readings`` would make for a video shaped ``ratio``: those of the
        fit with the same box, else of the nearest within FIT_TOLERANCE, else none."""
        if self.depths is None:
            return []
        box = fit_box(*self.size, self.depths, ratio)
        if box is None or not self.fits:
            return []
        off = [max(abs(a - b) for a, b in zip(f.box, box, strict=True)) for f in self.fits]
        best = int(np.argmin(off))
        if off[best] > FIT_TOLERANCE * max(self.size):
            return []
        return [r for r in self.fits[best].readings if mirrors or not r.name.endswith("mirror")]


@dataclass(frozen=True)
class Descriptor:
    """Every frame of one query, described (one for a screenshot, several for a GIF or a clip)."""

    frames: tuple[DescribedFrame, ...]


def describe_image(
    image: QueryImage, offset: float = 0.0, options: ReadingOptions | None = None, ratios: Sequence[float] = FIT_RATIOS
) -> DescribedFrame:
    """The frame the server would read of ``image``: every reading, and the fitted ones per shape."""
    options = options or ReadingOptions()
    h, w = image.rgb.shape[:2]
    fits: list[Fit] = []
    depths = image.boxes.depths if image.boxes is not None else None
    for ratio in ratios if depths is not None else ():
        box = fit_box(h, w, depths, ratio)  # type: ignore[arg-type]  # not None in this loop
        if box is not None and all(f.box != box for f in fits):
            fits.append(Fit(box, tuple(fitted_readings(image, ratio, mirrors=options.mirrors))))
    readings = tuple(query_readings(image, options))
    return DescribedFrame(offset, readings, (h, w), depths, tuple(fits))


def describe(
    frames: Sequence[tuple[float, npt.NDArray[np.uint8]]],
    options: ReadingOptions | None = None,
    ratios: Sequence[float] = FIT_RATIOS,
) -> Descriptor:
    """The descriptor of a query given as (offset in seconds, RGB) frames (``frames_of_file``)."""
    options = options or ReadingOptions()
    return Descriptor(
        tuple(describe_image(QueryImage.of(rgb, options.borders), offset, options, ratios) for offset, rgb in frames)
    )


# --- JSON ---------------------------------------------------------------------------------------


def _warp_index(warped: Warps | None, warps: list[Warps]) -> int | None:
    """The index of ``warped`` in ``warps`` (the same object: one picture's), added if not there."""
    if warped is None:
        return None
    index = next((i for i, w in enumerate(warps) if w is warped), len(warps))
    if index == len(warps):
        warps.append(warped)
    return index


def _reading_json(reading: Reading, grids: dict[bytes, int], warps: list[Warps]) -> dict[str, object]:
    """A reading's JSON; its luma grid is added to ``grids`` unless it is there already, as it
    is or mirrored (a mirror reading's grid is its picture's, flipped: ``"flip": true``), and its
    picture's warps to ``warps`` (a luma-only reading shares its reading's)."""
    grid, flip = None, False
    if reading.luma is not None:
        luma = np.asarray(reading.luma, dtype="<f4")
        mirrored = luma[:, ::-1].tobytes()
        flip = mirrored in grids and luma.tobytes() not in grids
        grid = grids[mirrored] if flip else grids.setdefault(luma.tobytes(), len(grids))
    return {
        "name": reading.name,
        "values": str(Signature(int(v) for v in reading.values)),
        "penalty": reading.penalty,
        "grid": grid,
        "flip": flip,
        "lumaOnly": reading.luma_only,
        "warped": _warp_index(reading.warped, warps),
    }


def _frame_json(frame: DescribedFrame) -> dict[str, object]:
    grids: dict[bytes, int] = {}
    warps: list[Warps] = []
    readings = [_reading_json(r, grids, warps) for r in frame.readings]
    fits = [{"box": list(f.box), "readings": [_reading_json(r, grids, warps) for r in f.readings]} for f in frame.fits]
    return {
        "offset": frame.offset,
        "size": list(frame.size),
        "depths": list(frame.depths) if frame.depths is not None else None,
        "grids": [base64.b64encode(raw).decode("ascii") for raw in grids],
        "warps": [_warps_json(w) for w in warps],
        "readings": readings,
        "fits": fits,
    }


def _warps_json(warps: Warps) -> dict[str, object]:
    means = np.asarray(warps.luma, dtype="<f4").tobytes()
    return {"size": list(warps.size), "means": base64.b64encode(means).decode("ascii")}


def to_json(descriptor: Descriptor) -> dict[str, object]:
    """The JSON object of ``descriptor`` (the body of ``POST /search``'s ``{"descriptor"}``)."""
    return {"version": DESCRIPTOR_VERSION, "frames": [_frame_json(f) for f in descriptor.frames]}


def _field(doc: object, key: str, kind: type | tuple[type, ...]) -> object:
    if not isinstance(doc, dict) or key not in doc:
        raise DescriptorError(f"descriptor: missing {key!r}")
    value = doc[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise DescriptorError(f"descriptor: {key!r} has the wrong type")
    return value


def _list(doc: object, key: str, most: int) -> list[object]:
    value = _field(doc, key, list)
    assert isinstance(value, list)
    if len(value) > most:
        raise DescriptorError(f"descriptor: at most {most} {key}")
    return value


def _ints(doc: object, key: str, count: int, most: int) -> tuple[int, ...]:
    values = _list(doc, key, count)
    if len(values) != count or not all(type(v) is int and 0 <= v <= most for v in values):
        raise DescriptorError(f"descriptor: {key!r} must be {count} whole numbers from 0 to {most}")
    return tuple(int(v) for v in values)  # type: ignore[call-overload]  # checked ints


def _decoded(text: object, size: int, what: str) -> bytes:
    """The ``size`` bytes of base64 ``text`` (``what`` names it in the error)."""
    if not isinstance(text, str) or len(text) > 2 * size:
        raise DescriptorError(f"descriptor: {what} is base64 text")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DescriptorError(f"descriptor: {what} is not valid base64") from None
    if len(raw) != size:
        raise DescriptorError(f"descriptor: {what} is {size} bytes ({size // 4} float32)")
    return raw


def _grid(text: object) -> npt.NDArray[np.float32]:
    raw = _decoded(text, GRID_BYTES, "a grid")
    grid = np.frombuffer(raw, dtype="<f4").reshape(GRID_SIDE, GRID_SIDE).astype(np.float32)
    shown = grid[~np.isnan(grid)]
    if not np.all((shown >= 0) & (shown <= 255)):
        raise DescriptorError("descriptor: grid values are luma from 0 to 255 (NaN for cells not shown)")
    return grid


def _warps(doc: object) -> Warps:
    """A picture's warps: its size and its ``warp_means`` (luma from 0 to 255, every one shown)."""
    size = _ints(doc, "size", 2, MAX_SIDE)
    if min(size) < 1:
        raise DescriptorError("descriptor: a warped picture's size is at least 1 by 1")
    raw = _decoded(doc.get("means") if isinstance(doc, dict) else None, WARP_BYTES, "a warped picture's means")
    means = np.frombuffer(raw, dtype="<f4").reshape(WARP_SIDE, WARP_SIDE).astype(np.float32)
    if not np.all((means >= 0) & (means <= 255)):  # NaN fails too
        raise DescriptorError("descriptor: a warped picture's means are luma from 0 to 255")
    return Warps(luma=means, size=(size[0], size[1]))


def _warped(doc: object, warps: Sequence[Warps], name: str) -> Warps | None:
    index = doc.get("warped") if isinstance(doc, dict) else None
    if index is not None and (type(index) is not int or not 0 <= index < len(warps)):
        raise DescriptorError("descriptor: a reading's warped is the index of one of its frame's warps")
    if index is not None and name.removeprefix("luma-") not in WARPED_READINGS:
        raise DescriptorError(f"descriptor: only readings {', '.join(WARPED_READINGS)} (and luma-) have warps")
    return None if index is None else warps[index]


def _reading(doc: object, grids: Sequence[npt.NDArray[np.float32]], warps: Sequence[Warps] = ()) -> Reading:
    name, values, penalty = _field(doc, "name", str), _field(doc, "values", str), _field(doc, "penalty", (int, float))
    assert isinstance(name, str) and isinstance(values, str) and isinstance(penalty, int | float)
    if not _NAME.fullmatch(name):
        raise DescriptorError("descriptor: a reading's name is 1 to 40 of a-z, 0-9 and -")
    if not (math.isfinite(penalty) and 0 <= penalty <= MAX_PENALTY):
        raise DescriptorError(f"descriptor: a penalty is from 0 to {MAX_PENALTY}")
    try:
        signature = Signature.from_hex(values)
    except ValueError as exc:
        raise DescriptorError(f"descriptor: bad values of reading {name}: {exc}") from None
    grid = doc.get("grid") if isinstance(doc, dict) else None
    if grid is not None and (type(grid) is not int or not 0 <= grid < len(grids)):
        raise DescriptorError("descriptor: a reading's grid is the index of one of its frame's grids")
    luma_only, flip = _field(doc, "lumaOnly", bool), doc.get("flip", False) if isinstance(doc, dict) else False
    if not isinstance(flip, bool):
        raise DescriptorError("descriptor: a reading's flip is true or false")
    luma = None if grid is None else grids[grid][:, ::-1].copy() if flip else grids[grid]
    return Reading(name, signature.array, float(penalty), luma, bool(luma_only), _warped(doc, warps, name))


def _check_readings(readings: Sequence[Reading]) -> None:
    """What a picture's readings are: at least one, each name once, at most two painted over (of
    the picture as given and of the trimmed one: their probes cost what a picture's would,
    whatever the client sends)."""
    if not readings:
        raise DescriptorError("descriptor: a frame has at least one reading")
    if len({r.name for r in readings}) != len(readings):
        raise DescriptorError("descriptor: a frame names each reading once")
    if sum(r.family == "paint" and not r.luma_only for r in readings) > MAX_PAINTED:
        raise DescriptorError(f"descriptor: at most {MAX_PAINTED} painted-over reading a frame")


def _frame(doc: object, version: int) -> DescribedFrame:
    offset = _field(doc, "offset", (int, float))
    assert isinstance(offset, int | float)
    if not (math.isfinite(offset) and 0 <= offset <= MAX_OFFSET_S):
        raise DescriptorError(f"descriptor: an offset is from 0 to {MAX_OFFSET_S:.0f} seconds")
    size = _ints(doc, "size", 2, MAX_SIDE)
    depths = None if _field(doc, "depths", (list, type(None))) is None else _ints(doc, "depths", 4, MAX_SIDE)
    grids = [_grid(g) for g in _list(doc, "grids", 2 * MAX_READINGS)]
    warps = [_warps(w) for w in _list(doc, "warps", MAX_WARPS)] if version >= 2 else []
    readings = tuple(_reading(r, grids, warps) for r in _list(doc, "readings", MAX_READINGS))
    _check_readings(readings)
    fits = []
    for fit in _list(doc, "fits", len(FIT_RATIOS) * 2):
        box = Box(*_ints(fit, "box", 4, MAX_SIDE))
        fits.append(Fit(box, tuple(_reading(r, grids, warps) for r in _list(fit, "readings", MAX_READINGS))))
    return DescribedFrame(float(offset), readings, (size[0], size[1]), depths, tuple(fits))  # type: ignore[arg-type]


def from_json(doc: object) -> Descriptor:
    """The descriptor of a JSON object (``to_json``'s form); DescriptorError if it is not one."""
    version = _field(doc, "version", int)
    if version not in VERSIONS:
        raise DescriptorError(f"descriptor: version {version} is not known (this server reads 1 and 2)")
    frames = _list(doc, "frames", MAX_FRAMES)
    if not frames:
        raise DescriptorError("descriptor: at least one frame")
    return Descriptor(tuple(_frame(f, int(version)) for f in frames))
