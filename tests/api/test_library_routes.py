"""The management routes on the embedded store (as `ashen serve` runs them): POST /uploads and its
one-time upload URL streaming a real clip that becomes searchable, PATCH, DELETE and reindex.
The same routes on DynamoDB and S3 are in tests/aws/test_library.py."""

from __future__ import annotations

import io
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.api.serve_uploads import UploadEdge
from ashen.indexing.indexer import video_id_for
from ashen.indexing.library import LocalLibrary
from ashen.media.probe import ffmpeg_exe
from ashen.records import Scene, VideoRecord, VideoStatus
from ashen.store.sqlite import SqliteStore
from tests.support import CLIP, export_frame

JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of the Sintel clip, small: quick to upload and to hash."""
    out = tmp_path_factory.mktemp("clip") / "sintel-4s.mp4"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-ss", "2", "-i", str(CLIP), "-t", "4", "-vf", "scale=424:-2"]
    subprocess.run([*cmd, "-an", "-c:v", "libx264", "-preset", "veryfast", str(out)], check=True, timeout=120)
    return out


@pytest.fixture()
def site(tmp_path: Path) -> tuple[Any, SqliteStore, LocalLibrary]:
    store = SqliteStore(tmp_path / "s.sqlite3")
    library = LocalLibrary(tmp_path, lambda: store, max_bytes=50_000_000, workers=2)
    return create_app(store, library=library), store, library


def call(app: Any, method: str, path: str, doc: Any = None, body: bytes = b"") -> tuple[int, dict[str, Any]]:
    data = json.dumps(doc).encode() if doc is not None else body
    response = app.resolve(http_event(method, path, body=data, headers=JSON | {"host": "127.0.0.1:8000"}), None)
    return response["statusCode"], json.loads(response["body"])


def settle(library: LocalLibrary) -> None:
    for thread in library.threads:
        thread.join(timeout=120)


def stored(store: SqliteStore, video: VideoRecord, scenes: int = 3) -> VideoRecord:
    rows = [(f"b{i}", Scene(float(i), i + 0.5, i + 1.0, 10, bytes(21))) for i in range(scenes)]
    store.replace_video(video, rows)
    return video


def test_patch_changes_title_and_listing_order_but_not_scenes_or_status(site: Any) -> None:
    app, store, _ = site
    a = stored(store, VideoRecord("a", "Alpha", "a.mkv", "/a.mkv", "01", status=VideoStatus.INDEXED, frames=30))
    stored(store, VideoRecord("b", "Beta", "b.mkv", "/b.mkv"))
    status, view = call(app, "PATCH", "/videos/a", {"title": "Gamma", "episode": "07"})
    assert status == 200, view
    assert (view["title"], view["episode"], view["status"], view["frames"]) == ("Gamma", "07", "indexed", 30)
    assert [v["id"] for v in call(app, "GET", "/videos")[1]["videos"]] == ["b", "a"]
    assert len(store.scenes_between(a.id, 0, 100)) == 3
    status, view = call(app, "PATCH", "/videos/a", {"episode": None})
    assert (status, view["title"], view["episode"]) == (200, "Gamma", None)


def test_patch_sets_and_clears_anilist_and_mal_alone(site: Any) -> None:
    app, store, _ = site
    stored(store, VideoRecord("a", "Alpha", "a.mkv", "/a.mkv", "01", frames=30))
    status, view = call(app, "PATCH", "/videos/a", {"anilist": 21, "mal": 33})
    assert status == 200, view
    assert (view["anilist"], view["mal"], view["title"], view["episode"], view["frames"]) == (21, 33, "Alpha", "01", 30)
    assert store.get_video("a").anilist == 21 and len(store.scenes_between("a", 0, 100)) == 3
    status, view = call(app, "PATCH", "/videos/a", {"anilist": 22})
    assert (status, view["anilist"], view["mal"]) == (200, 22, 33)  # what the body leaves out stays
    status, view = call(app, "PATCH", "/videos/a", {"anilist": 21})
    status, view = call(app, "PATCH", "/videos/a", {"mal": None, "title": "Beta"})
    assert (status, view["anilist"], view["mal"], view["title"]) == (200, 21, None, "Beta")
    assert call(app, "GET", "/videos/a")[1]["anilist"] == 21


@pytest.mark.parametrize(
    ("path", "doc", "expected"),
    [
        ("/videos/nope", {"title": "X"}, 404),
        ("/videos/a", {"anilist": "21"}, 400),
        ("/videos/a", {"anilist": 0}, 400),
        ("/videos/a", {"mal": True}, 400),
        ("/videos/a", {"mal": 2.5}, 400),
        ("/videos/a", {"anilist": 2**31}, 400),
        ("/videos/a", {"title": ""}, 400),
        ("/videos/a", {"title": 3}, 400),
        ("/videos/a", {"status": "indexed"}, 400),
        ("/videos/a", {}, 400),
        ("/videos/a", ["title"], 400),
    ],
)
def test_patch_answers_404_and_400(site: Any, path: str, doc: Any, expected: int) -> None:
    app, store, _ = site
    stored(store, VideoRecord("a", "Alpha", "a.mkv", "/a.mkv"))
    status, body = call(app, "PATCH", path, doc)
    assert status == expected, body
    assert store.get_video("a") is not None and store.get_video("a").title == "Alpha"


def test_delete_removes_the_video_and_its_scenes(site: Any) -> None:
    app, store, _ = site
    stored(store, VideoRecord("a", "Alpha", "a.mkv", "/a.mkv"))
    assert call(app, "DELETE", "/videos/a") == (202, {"videoId": "a", "status": "removed"})
    assert call(app, "GET", "/videos/a")[0] == 404
    assert store.scenes_between("a", 0, 100) == []
    assert call(app, "DELETE", "/videos/a")[0] == 404


def test_uploads_answer_where_to_send_the_file(site: Any) -> None:
    app = site[0]
    status, answer = call(app, "POST", "/uploads", {"filename": "Show - 01.mp4", "title": "Show", "size": 1000})
    assert status == 201, answer
    assert set(answer) == {"videoId", "upload", "expires"}
    assert answer["upload"]["url"].startswith("http://127.0.0.1:8000/uploads/")
    assert (answer["upload"]["fields"], answer["upload"]["method"]) == ({}, "POST")
    assert time.time() + 3500 < answer["expires"] < time.time() + 3700
    assert len(answer["videoId"]) == 16


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"filename": "../x.mp4", "title": "T", "size": 5}, 400),
        ({"filename": "x.mp4", "title": "T", "size": 0}, 400),
        ({"filename": "x.mp4", "title": "T", "size": "5"}, 400),
        ({"filename": "x.mp4", "size": 5}, 400),
        ({"filename": "x.mp4", "title": "T", "size": 50_000_001}, 413),
    ],
)
def test_uploads_refuse_bad_fields(site: Any, doc: dict[str, Any], expected: int) -> None:
    status, body = call(site[0], "POST", "/uploads", doc)
    assert status == expected, body


def post_file(edge: UploadEdge, url: str, data: bytes) -> tuple[str, dict[str, Any]]:
    """One WSGI POST of ``data`` to an upload URL, as gunicorn hands it over."""
    got: list[str] = []
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": url.split("8000", 1)[1],
        "HTTP_HOST": "127.0.0.1:8000",
        "SERVER_PORT": "8000",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }

    def start(status: str, headers: list[tuple[str, str]], exc: Any = None, /) -> Callable[[bytes], object]:
        got.append(status)
        return lambda data: None

    body = b"".join(edge(environ, start))
    return got[0], json.loads(body)


def test_an_uploaded_clip_streams_to_the_home_and_becomes_searchable(
    site: Any, short_clip: Path, tmp_path: Path
) -> None:
    app, _, library = site
    edge = UploadEdge(lambda e, s: [b"inner"], library, bound_host="127.0.0.1")
    data = short_clip.read_bytes()
    doc = {"filename": "sintel.mp4", "title": "Sintel", "episode": "01", "size": len(data)}
    answer = call(app, "POST", "/uploads", doc)[1]
    assert post_file(edge, answer["upload"]["url"], data) == (
        "201 Created",
        {"videoId": answer["videoId"], "status": "indexing"},
    )
    settle(library)
    assert post_file(edge, answer["upload"]["url"], data)[0] == "403 Forbidden"  # one time only
    status, view = call(app, "GET", f"/videos/{answer['videoId']}")
    assert (status, view["status"], view["title"], view["episode"]) == (200, "indexed", "Sintel", "01"), view
    assert (tmp_path / "uploads").is_dir() and any((tmp_path / "uploads").rglob("sintel.mp4"))
    frame = export_frame(short_clip, 2.0, tmp_path / "f.png").read_bytes()
    response = app.resolve(http_event("POST", "/search", body=frame, headers={"content-type": "image/png"}), None)
    best = json.loads(response["body"])["result"][0]
    assert (best["videoId"], best["confident"]) == (answer["videoId"], True)
    assert call(app, "DELETE", f"/videos/{answer['videoId']}")[0] == 202
    assert not any((tmp_path / "uploads").rglob("sintel.mp4"))


def test_upload_urls_refuse_forged_short_and_large_bodies(site: Any) -> None:
    app, _, library = site
    edge = UploadEdge(lambda e, s: [b"inner"], library, bound_host="127.0.0.1")
    answer = call(app, "POST", "/uploads", {"filename": "a.mp4", "title": "A", "size": 10})[1]
    url = answer["upload"]["url"]
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert post_file(edge, forged, b"0123456789")[0] == "403 Forbidden"
    assert post_file(edge, url, b"012345")[0] == "403 Forbidden"  # not the size announced
    assert post_file(edge, url.replace("/uploads/", "/uploads/x"), bytes(10))[0] == "403 Forbidden"
    assert post_file(edge, url, bytes(50_000_001))[0] == "413 Payload Too Large"


def test_reindex_turns_indexing_then_indexed(site: Any, short_clip: Path) -> None:
    app, store, library = site
    video_id = video_id_for(str(short_clip))
    stored(store, VideoRecord(video_id, "Sintel", short_clip.name, str(short_clip), "02"))
    status, view = call(app, "POST", f"/videos/{video_id}/reindex")
    assert (status, view["status"]) == (202, "indexing")
    settle(library)
    view = call(app, "GET", f"/videos/{video_id}")[1]
    assert (view["status"], view["title"], view["episode"]) == ("indexed", "Sintel", "02")
    assert view["scenes"] > 3 and view["frames"] > 0
    assert call(app, "POST", "/videos/nope/reindex")[0] == 404


def test_an_uploaded_image_becomes_a_still(site: Any, tmp_path: Path) -> None:
    app, _, library = site
    edge = UploadEdge(lambda e, s: [b"inner"], library, bound_host="127.0.0.1")
    data = export_frame(CLIP, 4.0, tmp_path / "cg.png").read_bytes()
    answer = call(app, "POST", "/uploads", {"filename": "cg.png", "title": "Sintel Art", "size": len(data)})[1]
    assert post_file(edge, answer["upload"]["url"], data)[0] == "201 Created"
    settle(library)
    status, view = call(app, "GET", f"/videos/{answer['videoId']}")
    assert (status, view["status"], view["kind"], view["title"]) == (200, "indexed", "still", "Sintel Art"), view
    shot = export_frame(CLIP, 4.0, tmp_path / "shot.jpg").read_bytes()
    response = app.resolve(http_event("POST", "/search", body=shot, headers={"content-type": "image/jpeg"}), None)
    best = json.loads(response["body"])["result"][0]
    assert (best["videoId"], best["kind"], best["confident"]) == (answer["videoId"], "still", True)
