"""Client-side hashing: a query's descriptor, carried as JSON, searches as the picture does."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from ashen.indexing.indexer import IndexOptions, index_video
from ashen.query.descriptor import FIT_RATIOS, MAX_WARPS, DescriptorError, describe, from_json, to_json
from ashen.query.readings import QueryImage, fitted_readings
from ashen.search import search_clip, search_descriptor
from ashen.store import SqliteStore
from tests.query.test_overlays import misted
from tests.support import CLIP, export_frame

Frames = list[tuple[float, np.ndarray]]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, clip: Path) -> SqliteStore:
    s = SqliteStore(tmp_path_factory.mktemp("d") / "s.sqlite3")
    index_video(s, str(clip), IndexOptions(title="Sintel"))
    return s


def shot(clip: Path, at: float, folder: Path) -> np.ndarray:
    return np.asarray(Image.open(export_frame(clip, at, folder / f"{at}.png")).convert("RGB"))


def edits(img: np.ndarray) -> dict[str, np.ndarray]:
    boxed = np.zeros((img.shape[0] + 120, img.shape[1], 3), np.uint8)
    boxed[60:-60] = img  # bars added around a video with bars of its own: the fitted readings decide
    gray = np.repeat(img.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    pillar = np.zeros((img.shape[0], img.shape[1] + 200, 3), np.uint8)
    pillar[:, 100:-100] = img
    return {
        "plain": img,
        "mirror": img[:, ::-1].copy(),
        "boxed": boxed,
        "pillar": pillar,
        "gray": gray,
        "crop": img[20:-20, 40:].copy(),
    }


SHAPE = 848 / 364  # the picture the index stored of the clip: inside its baked-in letterbox
SHAPES = (*FIT_RATIOS, SHAPE)  # common shapes and the library's own


def over_json(frames: Frames, ratios: Sequence[float] = SHAPES) -> Any:
    """The descriptor as the server receives it: made, serialised, sent as text, parsed back."""
    return from_json(json.loads(json.dumps(to_json(describe(frames, ratios=ratios)))))


@pytest.mark.parametrize("at", [3.0, 12.3, 19.7])
def test_a_descriptor_searches_exactly_as_the_picture(
    store: SqliteStore, clip: Path, tmp_path: Path, at: float
) -> None:
    for name, rgb in edits(shot(clip, at, tmp_path)).items():
        frames: Frames = [(0.0, rgb)]
        uploaded = search_clip(store, frames).to_dict()
        assert search_descriptor(store, over_json(frames)).to_dict() == uploaded, name
        # Fitted for common shapes only, the answer is the same moment, give or take a frame (a fit
        # a little off the video's shape may match less closely, and another reading win: at 3.0 s
        # the warped symmetric trim picks the frame shown at 2.993 s, the fit the next one).
        common = search_descriptor(store, over_json(frames, FIT_RATIOS)).matches[0]
        assert common.video.id == uploaded["result"][0]["videoId"], name
        assert abs(common.at - uploaded["result"][0]["at"]) <= 0.05, name


def test_a_clip_descriptor_votes_as_the_clip(store: SqliteStore, clip: Path, tmp_path: Path) -> None:
    frames: Frames = [(t - 8.0, shot(clip, t, tmp_path)[:, ::-1].copy()) for t in (8.0, 8.5, 9.0, 9.5)]
    assert search_descriptor(store, over_json(frames)).to_dict() == search_clip(store, frames).to_dict()


def test_json_keeps_every_reading_exactly(clip: Path, tmp_path: Path) -> None:
    img = edits(shot(clip, 12.3, tmp_path))["gray"]  # colourless: luma-only readings too
    made = describe([(0.0, img)])
    back = over_json([(0.0, img)])
    for a, b in zip(made.frames[0].readings, back.frames[0].readings, strict=True):
        assert (a.name, a.penalty, a.luma_only, a.values.tolist()) == (
            b.name,
            b.penalty,
            b.luma_only,
            b.values.tolist(),
        )
        assert a.luma is not None and b.luma is not None and np.array_equal(a.luma, b.luma, equal_nan=True)
    assert any(r.luma_only for r in back.frames[0].readings)


def test_a_fit_of_the_exact_shape_is_the_one_the_server_would_cut(clip: Path, tmp_path: Path) -> None:
    img = edits(shot(clip, 12.3, tmp_path))["boxed"]
    image = QueryImage.of(img)
    frame = describe([(0.0, img)], ratios=[SHAPE]).frames[0]
    server = fitted_readings(image, SHAPE)
    assert server and [r.values.tolist() for r in frame.fitted(SHAPE)] == [r.values.tolist() for r in server]
    assert not frame.fitted(1.0)  # a shape no fit was made near: none rather than a wrong one


def valid() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    img = np.asarray(Image.fromarray(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)).resize((320, 180)))
    return to_json(describe([(0.0, img)]))


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """A change setting ``value`` at ``path`` (keys and list indexes joined by dots) of a descriptor."""

    def change(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return change


BAD_GRID = base64.b64encode(np.full(256, 999, "<f4").tobytes()).decode()
NAN_MEANS = base64.b64encode(np.full(32 * 32, np.nan, "<f4").tobytes()).decode()
GRID_AS_MEANS = base64.b64encode(np.zeros((16, 16), "<f4").tobytes()).decode()  # 16x16: the wrong shape
CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "version": _set("version", 3),
    "no frames": _set("frames", []),
    "too many frames": lambda doc: doc.update(frames=doc["frames"] * 17),
    "values": _set("frames.0.readings.0.values", "zz" * 21),
    "short values": _set("frames.0.readings.0.values", "00" * 20),
    "name": _set("frames.0.readings.0.name", "<script>"),
    "penalty": _set("frames.0.readings.0.penalty", float("inf")),
    "grid index": _set("frames.0.readings.0.grid", 10_000),
    "grid bytes": _set("frames.0.grids.0", "AAAA"),
    "grid values": _set("frames.0.grids.0", BAD_GRID),
    "offset": _set("frames.0.offset", -1),
    "size": _set("frames.0.size", [360, "640"]),
    "no readings": _set("frames.0.readings", []),
    "fit box": _set("frames.0.fits", [{"box": [0, 1, 2], "readings": []}]),
    "flip": _set("frames.0.readings.0.flip", "yes"),
    "no warps": lambda doc: doc["frames"][0].pop("warps"),
    "too many warps": lambda doc: doc["frames"][0].update(warps=doc["frames"][0]["warps"] * (MAX_WARPS + 1)),
    "warp means shape": _set("frames.0.warps.0.means", GRID_AS_MEANS),
    "warp means values": _set("frames.0.warps.0.means", NAN_MEANS),
    "warp means text": _set("frames.0.warps.0.means", 7),
    "warp size": _set("frames.0.warps.0.size", [0, 320]),
    "warped index": _set("frames.0.readings.0.warped", 99),
    "warped type": _set("frames.0.readings.0.warped", "0"),
    "warps in version 1": _set("version", 1),
    "warps on a mirror": lambda doc: next(
        r.update(warped=0) for r in doc["frames"][0]["readings"] if r["name"] == "mirror"
    ),  # a reading of it names a warp version 1 has not
    "a name twice": lambda doc: doc["frames"][0]["readings"].append(dict(doc["frames"][0]["readings"][0])),
    "three painted": lambda doc: doc["frames"][0]["readings"].extend(
        [
            {k: v for k, v in dict(doc["frames"][0]["readings"][0], name=name).items() if k != "warped"}
            for name in ("paint", "trim-paint", "paint-again")
        ]
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_malformed_descriptor_is_refused(change: str) -> None:
    doc = valid()
    from_json(doc)  # the untouched one is read
    CHANGES[change](doc)
    with pytest.raises(DescriptorError):
        from_json(doc)


def test_a_descriptor_is_an_object() -> None:
    with pytest.raises(DescriptorError):
        from_json([valid()])


def test_a_misted_picture_with_a_border_is_described_with_both_painted_readings(tmp_path: Path) -> None:
    """The picture as given and the trimmed one are both painted over (a cloud at an edge reads
    as a bar) when the border is not a pair of bars (here a black band along the top, a menu
    bar); a descriptor carries the two, as an upload makes them, and is read back."""
    picture = np.asarray(Image.open(export_frame(CLIP, 3.0, tmp_path / "f.png")).convert("RGB"))[58:422]
    h, w = picture.shape[:2]
    banded = np.concatenate([np.zeros((h // 12, w, 3), dtype=np.uint8), picture])
    described = describe([(0.0, misted(banded, (w * 0.2, h * 0.3, w * 0.6, h * 0.8)))])
    back = from_json(json.loads(json.dumps(to_json(described))))
    painted = [r.name for r in back.frames[0].readings if r.family == "paint"]
    assert painted == ["paint", "trim-paint"]
