"""One background for transparent pictures: ffmpeg (the index path) and Pillow (the query path)
lay a transparent GIF or PNG over the same colour, so a transparent GIF indexed as a video finds
itself, through the Python API, the CLI and the HTTP API."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.cli import main
from ashen.descriptors.signature import distances
from ashen.indexing.indexer import index_video
from ashen.media.alpha import BACKGROUND
from ashen.media.frames import read_all
from ashen.query.images import load_frames, opaque
from ashen.query.readings import ReadingOptions, query_readings
from ashen.search.pipeline import search_file
from ashen.store.sqlite import SqliteStore
from tests.support import SHARED_MEDIA

PIGS = SHARED_MEDIA / "video" / "pigs-in-a-polka-1943.gif"
AS_GIVEN = ReadingOptions(mirrors=False, borders=False, crops=False, tones=False)


def sprite(seed: int, size: tuple[int, int] = (96, 64)) -> Image.Image:
    """A palette picture of coloured blocks whose left half (and a hole) is transparent: palette
    entry 0, coloured magenta so that a reader that ignores transparency shows it."""
    rng = np.random.default_rng(seed)
    w, h = size
    index = np.kron(rng.integers(1, 16, (h // 8, w // 8)), np.ones((8, 8), dtype=np.int64)).astype(np.uint8)
    index[:, : w // 2 - seed * 4] = 0
    index[h // 4 : h // 2, w // 2 : w // 2 + 16] = 0
    img = Image.fromarray(index, "P")
    palette = [255, 0, 255, *rng.integers(0, 256, 15 * 3).tolist()]
    img.putpalette(palette + [0] * (768 - len(palette)))
    img.info["transparency"] = 0
    return img


def transparent_gif(path: Path) -> Path:
    frames = [sprite(seed) for seed in (1, 2, 3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=300, transparency=0, disposal=2, loop=0)
    return path


def transparent_png(path: Path) -> Path:
    rgba = np.array(sprite(4).convert("RGBA"))
    rgba[..., 3] = np.where(rgba[..., 3] == 0, 0, 255)
    rgba[:, 60:70, 3] = 128  # half transparent: blended, not dropped
    Image.fromarray(rgba, "RGBA").save(path)
    return path


def query_values(path: Path) -> np.ndarray:
    """The signature values the query path reads each frame of ``path`` as."""
    frames = load_frames(path.read_bytes())
    return np.stack([query_readings(rgb, AS_GIVEN)[0].values for _, rgb in frames])


def test_ffmpeg_and_pillow_read_a_transparent_gif_alike(tmp_path: Path) -> None:
    """Each frame as the index path hashes it (ffmpeg) is within a screenshot's distance of the
    same frame as the query path reads it (Pillow); over different backgrounds they are ~70 apart."""
    path = transparent_gif(tmp_path / "a.gif")
    indexed = read_all(str(path)).signatures
    queried = query_values(path)
    assert len(indexed) == len(queried) == 3
    gaps = distances(queried.astype(np.float64), indexed.astype(np.float64))
    assert np.all(gaps <= 5.0), gaps


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_pillow_lays_a_transparent_picture_over_the_background(tmp_path: Path, mode: str) -> None:
    path = transparent_png(tmp_path / "a.png")
    picture = Image.open(path).convert(mode) if mode != "P" else sprite(4)
    rgb = np.asarray(opaque(picture), dtype=np.int64)
    alpha = np.asarray(picture.convert("RGBA").getchannel("A"))
    assert (rgb[alpha == 0] == BACKGROUND).all(), "fully transparent pixels are the background"
    if mode != "P":
        shown = np.asarray(picture.convert("RGBA").convert("RGB"), dtype=np.int64)
        half = alpha == 128
        expected = (shown[half] * 128 + np.array(BACKGROUND) * 127) / 255
        assert np.abs(rgb[half] - expected).max() <= 1, "half transparent pixels are blended"


def test_a_transparent_gif_indexed_as_a_video_finds_itself(tmp_path: Path) -> None:
    gif = transparent_gif(tmp_path / "sprite.gif")
    with SqliteStore(tmp_path / "s.sqlite3") as store:
        index_video(store, str(gif))
        result = search_file(store, gif)
    best = result.matches[0]
    assert best.video.filename == "sprite.gif" and best.confident and best.similarity > 0.9, best


@pytest.mark.skipif(not PIGS.exists(), reason="../shared/media not present")
def test_the_shared_transparent_gif_finds_itself_through_the_cli_and_the_api(tmp_path: Path, capsys) -> None:
    assert main(["--home", str(tmp_path), "index", "-q", str(PIGS)]) == 0
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "search", "--json", str(PIGS)]) == 0
    best = json.loads(capsys.readouterr().out)["result"][0]
    assert best["filename"] == PIGS.name and best["confident"] and best["similarity"] > 0.95, best
    with SqliteStore(tmp_path / "ashen.sqlite3") as store:
        event = http_event("POST", "/search", body=PIGS.read_bytes(), headers={"content-type": "image/gif"})
        response = create_app(store).resolve(event, None)
    assert response["statusCode"] == 200, response["body"]
    best = json.loads(response["body"])["result"][0]
    assert best["filename"] == PIGS.name and best["confident"] and best["similarity"] > 0.95, best
