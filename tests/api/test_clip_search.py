"""Video clips over HTTP: ``POST /search`` with an MP4, WebM, Matroska or MOV clip (as the body, a
multipart part or application/octet-stream) answers the video and the second the clip starts at;
what is no clip is refused with a message."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.api.requests import CLIP_TYPES
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.media.probe import ffmpeg_exe
from ashen.query.images import MAX_IMAGE_BYTES
from ashen.store.sqlite import SqliteStore
from tests.api.test_app import picture, png
from tests.support import CLIP

ROOT = Path(__file__).resolve().parents[2]
START = 12.0  # where the clips are cut from the indexed video
H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "28"]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> SqliteStore:
    store = SqliteStore(tmp_path_factory.mktemp("clips") / "s.sqlite3")
    index_video(store, str(CLIP), IndexOptions(title="Sintel"))
    return store


def cut(out: Path, seconds: float, codec: list[str], vf: str = "scale=320:-2") -> bytes:
    """``seconds`` of the indexed video from START, re-encoded smaller, as a user's clip."""
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{START}", "-t", f"{seconds}", "-i", str(CLIP)]
    subprocess.run([*cmd, "-vf", vf, *codec, "-an", str(out)], check=True, timeout=120)
    return out.read_bytes()


def multipart(data: bytes, part_type: str) -> tuple[bytes, dict[str, str]]:
    boundary = "----ashen-clip"
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="clip"\r\n'
    body = (head + f"Content-Type: {part_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"content-type": f"multipart/form-data; boundary={boundary}"}


def post(store: SqliteStore, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    response = create_app(store).resolve(http_event("POST", "/search", body=body, headers=headers), None)
    return response["statusCode"], json.loads(response["body"])


def assert_found_at_start(status: int, answer: dict[str, Any]) -> None:
    assert status == 200, answer
    top = answer["result"][0]
    assert top["title"] == "Sintel" and top["reading"] == "clip", top
    assert abs(top["at"] - START) <= 1.0, top


@pytest.fixture(scope="module")
def mp4_clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return cut(tmp_path_factory.mktemp("mp4") / "clip.mp4", 10.0, H264)


@pytest.mark.parametrize("sent_as", ["video/mp4", "multipart", "application/octet-stream"])
def test_a_10_s_mp4_clip_is_found_at_its_second(indexed: SqliteStore, mp4_clip: bytes, sent_as: str) -> None:
    data = mp4_clip
    body, headers = multipart(data, "video/mp4") if sent_as == "multipart" else (data, {"content-type": sent_as})
    assert_found_at_start(*post(indexed, body, headers))


VP8 = ["-c:v", "libvpx", "-b:v", "300k", "-deadline", "realtime", "-cpu-used", "8"]


@pytest.mark.parametrize(
    ("suffix", "content_type", "codec"),
    [
        pytest.param(".webm", "video/webm", VP8, marks=pytest.mark.slow),  # a libvpx encode: about 5 s
        (".mov", "video/quicktime", H264),
        (".mkv", "video/x-matroska", H264),
    ],
)
def test_webm_mov_and_mkv_clips_are_found(
    indexed: SqliteStore, tmp_path: Path, suffix: str, content_type: str, codec: list[str]
) -> None:
    data = cut(tmp_path / f"clip{suffix}", 4.0, codec)
    assert_found_at_start(*post(indexed, data, {"content-type": content_type}))
    assert_found_at_start(*post(indexed, *multipart(data, "application/octet-stream")))


def test_a_clip_over_60_s_is_searched_on_its_first_60_s(indexed: SqliteStore, tmp_path: Path) -> None:
    # 14 s of the video, then 76 s of black: 90 s, answered (not refused) from its first 60 s.
    data = cut(tmp_path / "long.mp4", 14.0, H264, vf="scale=160:-2,tpad=stop_duration=76:color=black")
    assert_found_at_start(*post(indexed, data, {"content-type": "video/mp4"}))


def test_a_clip_with_frames_over_the_limit_is_413(tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    src = "color=c=gray:size=4096x2304:rate=5:duration=0.4"
    cmd = [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", src, *H264, str(big)]
    subprocess.run(cmd, check=True, timeout=60)
    status, answer = post(SqliteStore(tmp_path / "s.sqlite3"), big.read_bytes(), {"content-type": "video/mp4"})
    assert status == 413 and "4096x2304, over the limit" in answer["error"], answer


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"this is not a video\n" * 50, "video/mp4", 400, "clip: not a readable video"),
        (b"", "video/webm", 400, "clip is empty"),
        (png(picture(1)), "video/quicktime", 400, "clip: not a video container Ashen reads"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, "application/octet-stream", 400, "clip: not a readable video"),
        (b"garbage" * 20, "application/octet-stream", 400, "neither an image Pillow can open nor an MP4"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo", 415, "unsupported Content-Type video/x-msvideo"),
        (b"x" * (MAX_IMAGE_BYTES + 1), "video/mp4", 413, "MiB limit"),
    ],
)
def test_what_is_no_clip_is_refused_with_a_message(
    tmp_path: Path, body: bytes, content_type: str, status: int, message: str
) -> None:
    got, answer = post(SqliteStore(tmp_path / "s.sqlite3"), body, {"content-type": content_type})
    assert (got, set(answer)) == (status, {"error"}) and message in answer["error"], answer
    assert "ashen-clip-" not in answer["error"], "the temporary file's path is not told"


def test_an_upload_is_held_to_the_clip_containers(tmp_path: Path) -> None:
    avi = tmp_path / "clip.avi"  # a container the CLI reads (ashen.media.inputs.VIDEO_FORMATS), no upload may be
    cmd = [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x36:rate=5:duration=1", str(avi)]
    subprocess.run(cmd, check=True, timeout=60)
    status, answer = post(SqliteStore(tmp_path / "s.sqlite3"), avi.read_bytes(), {"content-type": "video/mp4"})
    assert status == 400 and answer["error"].startswith("clip: not a video container Ashen reads"), answer


def test_openapi_lists_every_clip_type() -> None:
    content = json.loads((ROOT / "openapi.json").read_text())["paths"]["/search"]["post"]["requestBody"]["content"]
    assert CLIP_TYPES | {"application/octet-stream"} <= set(content)
