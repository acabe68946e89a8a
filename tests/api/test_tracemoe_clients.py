"""The community trace.moe clients from PyPI (aiotracemoeapi, tracemoepy) against the real
``ashen serve`` on an index of the vendored Sintel clip: search by file, bytes and URL, the
previews through the clients' own helpers, and ``/me`` (docs/trace-moe.md)."""

from __future__ import annotations

import asyncio
import base64
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ashen.descriptors.signature import Signature
from ashen.query.images import load_rgb
from tests.api.serving import clip_home, image_host, make_key, started
from tests.support import CLIP, export_frame

aiotracemoeapi = pytest.importorskip("aiotracemoeapi")
tracemoepy = pytest.importorskip("tracemoepy")

pytestmark = pytest.mark.slow  # a server process and an index of the clip

SHOT_AT = 12.0
FRAME_S = 0.1  # scene times are the stored frames' times: a one-frame scene may sit a frame past the seek
MP4, JPEG = b"ftyp", b"\xff\xd8\xff"

ANILIST = 21  # the id the clip is indexed under (trace.moe's libraries are <anilist id>/<file>)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("shots")
    return {
        "png": export_frame(CLIP, SHOT_AT, folder / "sintel-12s.png"),
        "jpg": export_frame(CLIP, SHOT_AT, folder / "sintel-12s.jpg", vf="scale=320:-2"),  # fits a JSON body
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(URL, search key) of ``ashen serve`` on the clip's index; private image URLs allowed."""
    home = clip_home(tmp_path_factory.mktemp("tracemoe-home"), anilist=ANILIST)
    key = make_key(home, "trace-moe-client")
    cmd = [sys.executable, "-m", "ashen.cli", "--home", str(home), "serve", "--port", "0", "--workers", "1"]
    with started(cmd, {"ASHEN_ALLOW_PRIVATE_URLS": "1"}) as url:
        yield url, key


def assert_found_at_12s(found: Any) -> None:
    """The first result is the clip's scene around 12 s (to a frame), with its episode and file name."""
    assert found["from"] - FRAME_S <= SHOT_AT <= found["to"] + FRAME_S, (found["from"], found["to"])
    assert found["to"] - found["from"] < 5  # a scene, not the whole clip
    assert found["episode"] == "1" and found["filename"] == CLIP.name


async def aio_searches(url: str, key: str, shots: dict[str, Path]) -> None:
    async with aiotracemoeapi.TraceMoe(key, base_url=url) as client:
        with image_host(shots["png"].parent) as host:
            answers = [
                await client.search(shots["png"]),  # a file path
                await client.search(shots["png"].read_bytes()),  # bytes
                await client.search(f"{host}/{shots['png'].name}"),  # a URL
            ]
        for answer in answers:
            best = answer.best_result
            assert best is not None and best.anilist_info is not None  # anilistInfo is the client's default
            assert best.anilist_info.title.romaji == "Sintel" and best.anilist_id == ANILIST
            assert_found_at_12s({"from": best.anime_from, "to": best.anime_to, **best.model_dump()})
            assert best.duration is not None and 25 < best.duration < 27
        # trace.moe's batch vector search: one result list per vector, in order
        vector = list(Signature.of_image(load_rgb(shots["png"].read_bytes())).values)
        batch = await client.search_vectors([vector, vector])
        assert len(batch.result) == 2 and all(b is not None and b.anilist_id == ANILIST for b in batch.best_results)
        # trace.moe's anilistID filter: the clip's id finds it, another id finds nothing
        kept = await client.search(shots["png"], anilist_id=ANILIST, anilist_info=False)
        other = await client.search(shots["png"], anilist_id=ANILIST + 1)
        assert kept.best_result is not None and kept.best_result.anilist_id == ANILIST and other.result == []
        best = answers[0].best_result
        assert best is not None
        async with httpx.AsyncClient() as http:  # the client makes the URLs; any HTTP client downloads them
            video = await http.get(best.video_url(size="s", mute=True))
            image = await http.get(best.image_url(size="s"))
        assert video.status_code == 200 and MP4 in video.content[:16]
        assert image.status_code == 200 and image.content.startswith(JPEG)
    async with aiotracemoeapi.TraceMoe(key, base_url=url) as client:
        me = await client.me()
        assert (me.id, me.priority, me.concurrency) == ("trace-moe-client", 0, 1)
        assert me.quota > 0 and me.quota_used == 6 and me.limits is not None and me.limits.limit == me.quota


def test_aiotracemoeapi_finds_the_screenshot_downloads_previews_and_reads_me(
    server: tuple[str, str], shots: dict[str, Path]
) -> None:
    url, key = server
    asyncio.run(aio_searches(url, key, shots))


def test_tracemoepy_finds_the_screenshot_downloads_previews_and_reads_me(
    server: tuple[str, str], shots: dict[str, Path]
) -> None:
    url, key = server
    client = tracemoepy.TraceMoe(api_token=key)
    client.base_url = url
    with image_host(shots["png"].parent) as host:
        answers = [
            client.search(str(shots["png"]), upload_file=True),  # a file
            client.search(base64.b64encode(shots["jpg"].read_bytes()).decode()),  # bytes, as base64 JSON
            client.search(f"{host}/{shots['png'].name}", is_url=True),  # a URL
        ]
    for answer in answers:
        best = answer.result[0]
        assert_found_at_12s(best)
        assert best.anilist.title.romaji == "Sintel"
    assert MP4 in client.video_preview(answers[0], mute=True)[:16]
    assert client.image_preview(answers[0]).startswith(JPEG)
    me = client.get_me()
    assert me.id == "trace-moe-client" and me.quotaUsed >= 3 and me.quota > 0
