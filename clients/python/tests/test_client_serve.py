"""The SDK against the real ``ashen serve`` (a child process on 127.0.0.1, real HTTP) on an index
of the vendored Sintel clip: every kind of source, local hashing, the library's routes, an upload
indexed through the API, errors as the server answers them, the async client and the console script."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import ashen_client
from ashen.descriptors.signature import Signature
from ashen.media.probe import ffmpeg_exe
from ashen.query.images import load_rgb
from ashen_client import AsyncClient, Client
from tests.api.serving import clip_home, image_host, make_key, started
from tests.support import CLIP, export_frame

pytestmark = pytest.mark.slow  # a server process and an index of the clip

SHOT_AT = 12.0
FRAME_S = 0.1  # a one-frame scene may sit a frame past the seek
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sdk-shots")
    clip = folder / "sintel-8s.mp4"
    cut = [ffmpeg_exe(), "-v", "error", "-y", "-ss", "8", "-t", "2", "-i", str(CLIP), "-an", str(clip)]
    subprocess.run(cut, check=True, timeout=60)
    return {
        "png": export_frame(CLIP, SHOT_AT, folder / "sintel-12s.png"),
        "jpg": export_frame(CLIP, SHOT_AT, folder / "sintel-12s.jpg", vf="scale=320:-2"),
        "clip": clip,
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(URL, admin key) of ``ashen serve`` on the clip's index; private image URLs allowed."""
    home = clip_home(tmp_path_factory.mktemp("sdk-home"))
    key = make_key(home, "sdk", role="admin")
    cmd = [sys.executable, "-m", "ashen.cli", "--home", str(home), "serve", "--port", "0", "--workers", "1"]
    with started(cmd, {"ASHEN_ALLOW_PRIVATE_URLS": "1"}) as url:
        yield url, key


def at_12s(match: ashen_client.Match) -> bool:
    return match.title == "Sintel" and match.start - FRAME_S <= SHOT_AT <= match.end + FRAME_S


def test_three_lines_find_a_screenshot(
    server: tuple[str, str], shots: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASHEN_API_URL", server[0])
    with Client() as ashen:  # the base URL from $ASHEN_API_URL; searching needs no key
        best = ashen.search(shots["png"]).result[0]
    assert at_12s(best) and best.confident and best.episode == "1"


def test_every_kind_of_source_and_local_hashing(server: tuple[str, str], shots: dict[str, Path]) -> None:
    url, key = server
    png = shots["png"]
    with Client(url, api_key=key) as ashen, png.open("rb") as stream, image_host(png.parent) as host:
        uploaded = ashen.search(png)
        for source in (str(png), png.read_bytes(), stream, Image.open(png), f"{host}/{png.name}", shots["jpg"]):
            assert at_12s(ashen.search(source).result[0]), source
        local = ashen.search(png, local=True)
        unsigned = [dataclasses.replace(m, video_url=None, image_url=None) for m in (local, uploaded) for m in m.result]
        half = len(unsigned) // 2
        assert unsigned[:half] == unsigned[half:]  # the same moments, similarities and readings
        assert at_12s(ashen.search(f"{host}/{png.name}", local=True).result[0])  # fetched here, hashed here
        clip = ashen.search(shots["clip"])
        assert clip.result[0].reading == "clip" and abs(clip.result[0].at - 8.0) < 0.5
        assert ashen.search(shots["clip"], local=True).result[0].at == clip.result[0].at  # one descriptor a frame
        many = ashen.search_many([png, shots["jpg"], png], concurrency=2)
        assert [at_12s(m.result[0]) for m in many] == [True, True, True]
        signature = str(Signature.of_image(load_rgb(png.read_bytes())[58:422]))  # inside the clip's letterbox
        assert at_12s(ashen.search_signature(signature).result[0])
        assert ashen.search(png, title="no such title").result == ()


def test_the_library_routes(server: tuple[str, str], shots: dict[str, Path]) -> None:
    url, key = server
    with Client(url, api_key=key) as ashen:
        videos = list(ashen.videos(page_size=1))
        assert [v.title for v in videos] == ["Sintel"] and videos[0].status == "indexed"
        assert ashen.video(videos[0].id) == videos[0] == ashen.wait_indexed(videos[0].id, timeout=5)
        renamed = ashen.update_video(videos[0].id, title="Sintel (renamed)", anilist=21)
        assert (renamed.title, renamed.anilist, renamed.episode) == ("Sintel (renamed)", 21, "1")
        assert ashen.update_video(videos[0].id, title="Sintel", anilist=None).anilist is None
        me = ashen.me()
        assert (me.name, me.role) == ("sdk", "admin")
        assert ashen.openapi() == json.loads((ROOT / "openapi.json").read_text())
        assert "<html" in ashen.web_page().lower() and b"{" in ashen.web_asset("app.css")
        assert "swagger" in ashen.api_docs().lower() and ashen.api_docs_asset("swagger-ui.css")
        best = ashen.search(shots["png"]).result[0]
        assert ashen.preview_image(best).startswith(b"\xff\xd8\xff")
        assert b"ftyp" in ashen.preview_video(best)[:16]


def test_an_upload_is_indexed_reindexed_and_removed(server: tuple[str, str], tmp_path: Path) -> None:
    url, key = server
    copy = tmp_path / "Another - 02.mp4"
    shutil.copyfile(CLIP, copy)
    with Client(url, api_key=key) as ashen:
        video = ashen.upload(copy, "Another", episode="2", wait=True)
        assert (video.status, video.title, video.episode) == ("indexed", "Another", "2")
        assert {v.title for v in ashen.videos()} == {"Sintel", "Another"}
        ashen.reindex(video.id)
        assert ashen.wait_indexed(video.id, timeout=120).scenes == video.scenes
        assert ashen.delete_video(video.id).video_id == video.id
        with pytest.raises(ashen_client.NotFound):
            ashen.video(video.id)


def test_errors_as_the_server_answers_them(server: tuple[str, str]) -> None:
    url, key = server
    with Client(url, api_key=key) as ashen:
        with pytest.raises(ashen_client.NotFound):
            ashen.video("no-such-video")
        with pytest.raises(ashen_client.BadRequest, match="signature"):
            ashen.search_signature("zz")
        with pytest.raises(ashen_client.BadRequest):
            ashen.search(b"this is no picture at all")
        with pytest.raises(ashen_client.PayloadTooLarge):
            ashen.search(b"\x00" * (27 * 1024 * 1024))
    with Client(url, api_key="not-a-key") as stranger, pytest.raises(ashen_client.Unauthorized):
        stranger.search(b"\x89PNG")
    with Client(url) as anonymous:
        with pytest.raises(ashen_client.Unauthorized):
            anonymous.delete_video("v")  # management needs an admin key
        with pytest.raises(ashen_client.Forbidden):
            anonymous.preview_image("/preview/v/image.jpg?t=1&exp=9999999999&sig=forged")
    nowhere = Client("http://127.0.0.1:9", retry=ashen_client.Retry(attempts=2, backoff=0.01))
    with nowhere, pytest.raises(ashen_client.TransportError):
        nowhere.me()


def test_the_async_client(server: tuple[str, str], shots: dict[str, Path]) -> None:
    url, key = server

    async def run() -> None:
        async with AsyncClient(url, api_key=key) as ashen:
            found = await ashen.search_many([shots["png"], shots["jpg"]], local=False)
            assert all(at_12s(f.result[0]) for f in found)
            assert at_12s((await ashen.search(shots["png"], local=True)).result[0])
            assert [v.title async for v in ashen.videos()] == ["Sintel"]
            assert (await ashen.me()).role == "admin"

    asyncio.run(run())


def test_the_console_script(server: tuple[str, str], shots: dict[str, Path]) -> None:
    url, key = server
    env = {**os.environ, "ASHEN_API_URL": url, "ASHEN_API_KEY": key}
    cmd = [sys.executable, "-m", "ashen_client.cli", "search", str(shots["png"]), str(shots["jpg"]), "--json"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=True)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["source"] for line in lines] == [str(shots["png"]), str(shots["jpg"])]
    assert all(line["result"][0]["title"] == "Sintel" and "from" in line["result"][0] for line in lines)
    assert all(line["frameCount"] > 0 for line in lines)  # the API's own names
    bad = subprocess.run([*cmd[:4], str(shots["png"].parent / "missing.png")], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "missing.png" in bad.stderr and len(bad.stderr.splitlines()) == 1
