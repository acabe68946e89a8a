"""A still through the HTTP API: its match has kind ``still`` and null times, an image preview
(the picture itself) and no video one (a 404 that says why); ``GET /videos`` shows its kind."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from ashen.api.app import create_app
from ashen.api.local_server import LocalContext, http_event
from ashen.indexing.indexer import index_video
from ashen.preview.signing import Signer
from ashen.store.sqlite import SqliteStore
from tests.api.preview_site import KEY, preview_site
from tests.api.test_previews import HOST, body_of, get
from tests.support import CLIP, export_frame

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def cg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_frame(CLIP, 4.0, tmp_path_factory.mktemp("art") / "cg.png")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, cg: Path) -> Any:
    home = tmp_path_factory.mktemp("home")
    store = SqliteStore(home / "s.sqlite3")
    index_video(store, str(cg))
    return create_app(store, previews=preview_site(store, home / "previews"))


@pytest.fixture(scope="module")
def match(app: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    shot = export_frame(CLIP, 4.0, tmp_path_factory.mktemp("q") / "shot.jpg")
    event = http_event("POST", "/search", body=shot.read_bytes(), headers={**HOST, "content-type": "image/jpeg"})
    response = app.resolve(event, LocalContext())
    assert response["statusCode"] == 200, response["body"]
    result: dict[str, Any] = json.loads(response["body"])["result"][0]
    return result


def test_a_still_answers_its_kind_and_no_times(match: dict[str, Any]) -> None:
    assert match["filename"] == "cg.png" and match["confident"]
    assert match["kind"] == "still" and (match["from"], match["at"], match["to"]) == (None, None, None)
    schemas = json.loads((ROOT / "openapi.json").read_text())["components"]["schemas"]
    assert set(match) <= set(schemas["Match"]["properties"])
    assert all(schemas["Match"]["properties"][k].get("nullable") for k in ("from", "at", "to"))


def test_a_still_s_preview_is_the_image_itself(app: Any, match: dict[str, Any], cg: Path) -> None:
    assert "video" not in match, "a still has no video preview to link"
    response = get(app, match["image"] + "&size=s")
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["Content-Type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(body_of(response))).convert("RGB")
    assert shown.width == 320
    original = Image.open(cg).convert("RGB").resize(shown.size, Image.Resampling.BOX)
    gap = np.abs(np.asarray(shown, dtype=np.int16) - np.asarray(original, dtype=np.int16)).mean()
    assert gap < 8, gap


def test_a_still_s_video_preview_is_a_404_that_says_why(app: Any, match: dict[str, Any]) -> None:
    video_id = match["videoId"]
    signed = Signer(KEY).query(video_id, "video", 0.0, time.time())  # as if a link had been made
    response = get(app, f"http://{HOST['host']}/preview/{video_id}/video.mp4?{signed}")
    assert response["statusCode"] == 404, response["body"]
    assert "cg.png is a still image" in json.loads(response["body"])["error"]
    view = json.loads(app.resolve(http_event("GET", f"/videos/{video_id}", headers=HOST), LocalContext())["body"])
    assert view["kind"] == "still" and view["duration"] is None


def test_the_library_lists_a_still_by_its_kind(app: Any) -> None:
    response = app.resolve(http_event("GET", "/videos", headers=HOST), LocalContext())
    videos = json.loads(response["body"])["videos"]
    assert [(v["filename"], v["kind"]) for v in videos] == [("cg.png", "still")]
