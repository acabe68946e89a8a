"""A query descriptor carries what the warps need: a turned or panned screenshot of a fixed
camera's shot answers by descriptor as by upload (ashen.query.warps, ashen.search.moments)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.signature import Signature
from ashen.query.descriptor import describe, from_json, to_json
from ashen.records import Scene, VideoRecord
from ashen.search import SearchOptions, search_clip, search_descriptor
from ashen.store import SqliteStore
from tests.search.test_warps import HEIGHTS, grid, shot, turned

TRUTH = HEIGHTS.index(60)
OPTIONS = SearchOptions(limit=1)


@pytest.fixture(scope="module", params=[0, 1])
def room(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[SqliteStore, int]:
    """A store holding one fixed camera's shot: a scene a second, only the figure moves."""
    seed = int(request.param)
    store = SqliteStore(tmp_path_factory.mktemp("w") / "s.sqlite3")
    scenes = []
    for i, y in enumerate(HEIGHTS):
        rgb = shot(seed, y)
        sig = Signature.of_image(rgb)
        luma = bytes(grid(rgb).astype(np.uint8))
        scenes.append((bucket_key(sig.values), Scene(float(i), i + 0.5, i + 0.96, 24, sig.to_bytes(), luma)))
    video = VideoRecord(id="room", title="Room", filename="room.mkv", source="/x/room.mkv", duration=30.0)
    store.replace_video(video, scenes)
    return store, seed


def over_json(rgb: np.ndarray) -> Any:
    """The descriptor as the server receives it: made, serialised, sent as text, parsed back."""
    return from_json(json.loads(json.dumps(to_json(describe([(0.0, rgb)])))))


def screenshots(seed: int) -> dict[str, np.ndarray]:
    truth = shot(seed, 60)
    return {"turned": turned(truth, 2.0), "turned back": turned(truth, -2.0), "panned": truth[:, 50:434].copy()}


def test_a_turned_or_panned_screenshot_answers_by_descriptor_as_by_upload(room: tuple[SqliteStore, int]) -> None:
    store, seed = room
    for name, rgb in screenshots(seed).items():
        uploaded = search_clip(store, [(0.0, rgb)], OPTIONS)
        assert uploaded.matches[0].start == TRUTH, name  # the upload finds its moment under a warp
        assert search_descriptor(store, over_json(rgb), OPTIONS).to_dict() == uploaded.to_dict(), name


def test_the_warped_pictures_travel_as_their_means(tmp_path: Path) -> None:
    """Every reading that has warps on the upload path has them from the descriptor, with the
    very grids the picture makes (as given here; the trimmed and fitted pictures alike)."""
    rgb = turned(shot(3, 60), 2.0)
    made, back = describe([(0.0, rgb)]).frames[0], over_json(rgb).frames[0]
    warped = [(a, b) for a, b in zip(made.readings, back.readings, strict=True) if a.warped is not None]
    assert warped and all(b.warped is not None for _, b in warped)
    for a, b in warped:
        assert a.warped is not None and b.warped is not None
        assert np.array_equal(a.warped.grids, b.warped.grids, equal_nan=True), a.name
    assert all(b.warped is None for a, b in zip(made.readings, back.readings, strict=True) if a.warped is None)


def test_a_version_1_descriptor_is_still_read_without_warps(room: tuple[SqliteStore, int]) -> None:
    store, seed = room
    doc = to_json(describe([(0.0, screenshots(seed)["turned"])]))
    frame = doc["frames"][0]  # type: ignore[index]
    del frame["warps"]
    for reading in frame["readings"]:
        del reading["warped"]
    doc["version"] = 1
    old = from_json(doc)
    assert all(r.warped is None for r in old.frames[0].readings)
    assert search_descriptor(store, old, OPTIONS).matches[0].video.id == "room"
