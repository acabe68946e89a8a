"""The HTTP API resolver (the same app on Lambda and behind `ashen serve`), on the SQLite store."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openapi_spec_validator import validate
from PIL import Image

from ashen.accounts.access import Access, AccessPolicy
from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.api.openapi_route import openapi_document
from ashen.api.preview_routes import NAMES as PREVIEW_NAMES
from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.signature import Signature
from ashen.errors import ImageError, ImageTooLarge
from ashen.indexing.library import LocalLibrary
from ashen.query.images import MAX_IMAGE_BYTES
from ashen.records import Scene, VideoEdit, VideoRecord
from ashen.store.sqlite import SqliteStore
from ashen.store.sqlite_accounts import SqliteAccounts
from tests.api.preview_site import preview_site

ROOT = Path(__file__).resolve().parents[2]
PNG = {"content-type": "image/png"}
JSON = {"content-type": "application/json"}


def picture(seed: int, size: tuple[int, int] = (160, 90)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BILINEAR))


def png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` and holds no pixels: enough to be refused by size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.fixture()
def store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "a.sqlite3")
    for i, (title, episode) in enumerate([("Sintel", "01"), ("Big Buck Bunny", "02")]):
        sig = Signature.of_image(picture(i))
        video = VideoRecord(
            id=f"v{i}",
            title=title,
            filename=f"{title} - {episode}.mp4",
            source=f"/x/{i}.mp4",
            episode=episode,
            duration=60.0,
            segments_planned=2,
            segments_done=2,
        )
        s.replace_video(video, [(bucket_key(sig.values), Scene(10.0 + i, 11.0 + i, 12.0 + i, 50, sig.to_bytes()))])
    return s


def call(app: Any, ev: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = app.resolve(ev, None)
    return response["statusCode"], json.loads(response["body"])


def test_sample_event_is_answered(store: SqliteStore) -> None:
    sample = json.loads((ROOT / "events" / "http-search.json").read_text())
    status, body = call(create_app(store), sample)
    assert status == 200 and body["error"] == "" and isinstance(body["result"], list)


@pytest.mark.parametrize("kind", ["image", "multipart", "signature"])
def test_post_search_finds_the_scene(store: SqliteStore, kind: str) -> None:
    app = create_app(store)
    data = png(picture(1))
    if kind == "image":
        ev = http_event("POST", "/search", body=data, headers=PNG)
    elif kind == "multipart":
        boundary = "----ashen-test"
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        body = (head + "Content-Type: image/png\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        form = {"content-type": f"multipart/form-data; boundary={boundary}"}
        ev = http_event("POST", "/search", body=body, headers=form)
    else:
        hexsig = str(Signature.of_image(picture(1)))
        ev = http_event("POST", "/search", body=json.dumps({"signature": hexsig}).encode(), headers=JSON)
    status, body = call(app, ev)
    assert status == 200, body
    assert set(body) == {"frameCount", "error", "result"} and body["error"] == ""
    best = body["result"][0]
    assert {"title", "episode", "filename", "from", "at", "to", "similarity"} <= set(best)
    schemas = json.loads((ROOT / "openapi.json").read_text())["components"]["schemas"]
    assert set(best) <= set(schemas["Match"]["properties"]), "every field the API returns is documented"
    assert (best["title"], best["episode"], best["from"], best["at"], best["to"]) == (
        "Big Buck Bunny",
        "02",
        11,
        12,
        13,
    )
    assert best["similarity"] > 0.95


# Four videos that all hold the same four pictures, one second each from 5 s on, each a step less
# like them than the one before (two AC terms of every signature moved 2 values per step, outside
# the bucket key): every video matches an image or clip of those pictures, in this order.
# (Not in title order, so a listing sorted by title would not pass for one ranked by similarity.)
GRADED = [("Big Buck Bunny", 0), ("Sintel Extended", 1), ("Elephants Dream", 2), ("Sintel", 3)]
GRADED_PICTURES = [picture(seed) for seed in (20, 21, 22, 23)]


def graded_signature(rgb: np.ndarray, step: int) -> Signature:
    values = list(Signature.of_image(rgb).values)
    for i in (3, 4):  # Y AC terms 3 and 4 (the key uses 1, 2 and 5)
        values[i] += 2 * step if values[i] < 16 else -2 * step
    return Signature(values)


@pytest.fixture()
def graded_store(tmp_path: Path) -> SqliteStore:
    s = SqliteStore(tmp_path / "graded.sqlite3")
    for n, (title, step) in enumerate(GRADED):
        scenes = []
        for i, rgb in enumerate(GRADED_PICTURES):
            sig = graded_signature(rgb, step)
            scenes.append((bucket_key(sig.values), Scene(5.0 + i, 5.48 + i, 5.96 + i, 25, sig.to_bytes())))
        video = VideoRecord(id=f"g{n}", title=title, filename=f"{title}.mp4", source=f"/g/{n}.mp4", duration=30.0)
        s.replace_video(video, scenes)
    return s


def animated_png(frames: list[np.ndarray], ms: int) -> bytes:
    out = io.BytesIO()
    first, *rest = (Image.fromarray(f) for f in frames)
    first.save(out, format="PNG", save_all=True, append_images=rest, duration=ms)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["image", "clip"])
def test_title_filter_and_limit(graded_store: SqliteStore, kind: str) -> None:
    app = create_app(graded_store)
    # an image of the first picture, or a 4-frame clip of all four (frames 1 s apart: the clip vote)
    data = png(GRADED_PICTURES[0]) if kind == "image" else animated_png(GRADED_PICTURES, 1000)

    def results(query: str) -> list[dict[str, Any]]:
        status, body = call(app, http_event("POST", "/search", body=data, headers=PNG, query=query))
        assert status == 200, body
        result: list[dict[str, Any]] = body["result"]
        assert all((r["reading"] == "clip") == (kind == "clip") and abs(r["at"] - 5.48) < 0.5 for r in result)
        return result

    everyone = results("")
    assert [r["title"] for r in everyone] == [title for title, _ in GRADED]  # all four match, best first
    similarities = [r["similarity"] for r in everyone]
    assert similarities == sorted(similarities, reverse=True) and len(set(similarities)) == len(everyone)
    assert results("limit=1") == everyone[:1]
    assert results("limit=2") == everyone[:2]
    sintel = [r for r in everyone if "sintel" in r["title"].lower()]
    assert [r["title"] for r in sintel] == ["Sintel Extended", "Sintel"]
    assert results("title=sintel") == sintel  # narrowed, in the same order, the same answers
    assert results("title=SINTEL&limit=1") == sintel[:1]


@pytest.mark.parametrize("kind", ["image", "clip"])
def test_anilist_filter_keeps_only_the_videos_of_that_id(graded_store: SqliteStore, kind: str) -> None:
    graded_store.edit_video("g1", VideoEdit("Sintel Extended", anilist=21))
    graded_store.edit_video("g3", VideoEdit("Sintel", anilist=99))
    app = create_app(graded_store)
    data = png(GRADED_PICTURES[0]) if kind == "image" else animated_png(GRADED_PICTURES, 1000)

    def titles(query: str) -> list[str]:
        status, body = call(app, http_event("POST", "/search", body=data, headers=PNG, query=query))
        assert status == 200, body
        return [r["title"] for r in body["result"]]

    assert titles("") == [title for title, _ in GRADED]
    assert titles("anilistID=21") == ["Sintel Extended"]
    assert titles("anilistID=99&title=sintel") == ["Sintel"]
    assert titles("anilistID=7") == []


def test_letterboxed_and_mirrored_screenshots_are_found_by_default(store: SqliteStore) -> None:
    framed = np.zeros((140, 160, 3), dtype=np.uint8)
    framed[25:115] = picture(0)
    for query in (framed, picture(0)[:, ::-1]):
        status, body = call(create_app(store), http_event("POST", "/search", body=png(query), headers=PNG))
        assert status == 200 and body["result"][0]["title"] == "Sintel" and body["result"][0]["similarity"] > 0.95
    ev = http_event("POST", "/search", body=png(framed), headers=PNG, query="cutBorders=0&mirror=0&uncrop=0")
    status, body = call(create_app(store), ev)
    assert status == 200 and (not body["result"] or body["result"][0]["similarity"] < 0.95)


@pytest.mark.parametrize(
    ("body", "content_type", "query", "status", "message"),
    [
        (b"not an image at all", "image/png", "", 400, "not an image"),
        (b"", "image/jpeg", "", 400, "empty"),
        (b'{"signature": "zz"}', "application/json", "", 400, "bad signature"),
        (b'{"signature": "00"}', "application/json", "", 400, "bad signature"),
        (b'{"url": "ftp://example.com/a.png"}', "application/json", "", 400, "bad url"),
        (b'{"url": "http://127.0.0.1:1/a.png"}', "application/json", "", 400, "bad url"),
        (b"{not json", "application/json", "", 400, "not valid JSON"),
        (b"[1, 2]", "application/json", "", 400, "must be an object"),
        (b'{"other": 1}', "application/json", "", 400, "needs"),
        (b"hello", "text/plain", "", 415, "unsupported Content-Type"),
        (b"x" * (MAX_IMAGE_BYTES + 1), "image/png", "", 413, "MiB"),
        (png_header(8000, 8000), "image/png", "", 413, "megapixels"),
        (b'{"signature": "00"}', "application/json", "limit=ten", 400, "limit"),
        (b'{"signature": "00"}', "application/json", "limit=0", 400, "limit"),
        (b'{"signature": "00"}', "application/json", "anilistID=abc", 400, "anilistID"),
        (b'{"signature": "00"}', "application/json", "anilistID=-3", 400, "anilistID"),
        (
            b'--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nx\r\n--b--\r\n',
            "multipart/form-data; boundary=b",
            "",
            400,
            "'image'",
        ),
    ],
)
def test_bad_input_is_4xx_never_500(
    store: SqliteStore, body: bytes, content_type: str, query: str, status: int, message: str
) -> None:
    ev = http_event("POST", "/search", body=body, headers={"content-type": content_type}, query=query)
    got, answer = call(create_app(store), ev)
    assert got == status, answer
    assert set(answer) == {"error"} and message in answer["error"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ImageTooLarge("refused: 9000x9000 is too many pixels"), 413),
        (ImageError("image is larger than life, and broken"), 400),
    ],
)
def test_status_follows_the_error_type_not_its_message(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, error: ImageError, status: int
) -> None:
    def refuse(data: bytes, kind: str) -> list[tuple[float, np.ndarray]]:
        raise error

    monkeypatch.setattr("ashen.api.search_routes.frames_of_upload", refuse)
    got, answer = call(create_app(store), http_event("POST", "/search", body=png(picture(0)), headers=PNG))
    assert (got, answer) == (status, {"error": str(error)})


def test_get_search_needs_a_url(store: SqliteStore) -> None:
    status, body = call(create_app(store), http_event("GET", "/search"))
    assert status == 400 and "url" in body["error"]


def test_videos_routes(store: SqliteStore) -> None:
    app = create_app(store)
    status, body = call(app, http_event("GET", "/videos"))
    assert status == 200 and [v["title"] for v in body["videos"]] == ["Big Buck Bunny", "Sintel"]
    status, body = call(app, http_event("GET", "/videos/v0"))
    assert status == 200 and body["status"] == "indexed" and body["progress"] == 1.0
    status, body = call(app, http_event("GET", "/videos/nope"))
    assert status == 404 and "nope" in body["error"]


def test_each_app_reads_its_own_store_made_on_first_use(store: SqliteStore, tmp_path: Path) -> None:
    other = SqliteStore(tmp_path / "b.sqlite3")
    sig = Signature.of_image(picture(5))
    video = VideoRecord(id="v5", title="Elephants Dream", filename="Elephants Dream.mp4", source="/x/5.mp4")
    other.replace_video(video, [(bucket_key(sig.values), Scene(1.0, 2.0, 1.5, 50, sig.to_bytes()))])
    made: list[SqliteStore] = []

    def factory() -> SqliteStore:
        made.append(other)
        return other

    first, second = create_app(store), create_app(store_factory=factory)
    assert made == [], "the store is made on first use, not with the app"
    for app, titles in [
        (second, ["Elephants Dream"]),
        (first, ["Big Buck Bunny", "Sintel"]),
        (second, ["Elephants Dream"]),
    ]:
        status, body = call(app, http_event("GET", "/videos"))
        assert status == 200 and [v["title"] for v in body["videos"]] == titles
    assert made == [other], "and made once"


def test_openapi_is_served_valid_and_covers_every_route(store: SqliteStore, tmp_path: Path) -> None:
    # as `ashen serve`: previews, keys and the management routes too
    access = Access(SqliteAccounts(tmp_path / "keys.sqlite3"), AccessPolicy())
    library = LocalLibrary(tmp_path, lambda: store)
    app = create_app(store, previews=preview_site(store, tmp_path), access=access, library=library)
    status, body = call(app, http_event("GET", "/openapi.json"))
    assert status == 200 and body == json.loads((ROOT / "openapi.json").read_text()) == openapi_document()
    validate(body)
    documented = {(m.upper(), p) for p, ops in body["paths"].items() for m in ops}
    served = set()
    for route in app._static_routes + app._dynamic_routes:  # the resolver's own route table
        # Path parameters keep their names, but for the video's: `video_id` in code, `id` in the document.
        if route.path == "/preview/<video_id>/<name>":  # one route for the two documented files
            served |= {(route.method, f"/preview/{{videoId}}/{name}") for name in PREVIEW_NAMES}
            continue
        path = re.sub(r"<(\w+)>", lambda m: "{id}" if m[1] == "video_id" else "{" + m[1] + "}", route.path)
        served.add((route.method, path))
    assert served == documented


def test_a_uniform_image_is_answered_flat_as_documented(store: SqliteStore) -> None:
    status, body = call(
        create_app(store), http_event("POST", "/search", body=png(np.full((90, 160, 3), 7, np.uint8)), headers=PNG)
    )
    assert status == 200 and body["flat"] is True and body["result"] == []
    schema = json.loads((ROOT / "openapi.json").read_text())["components"]["schemas"]["SearchResponse"]
    assert set(body) <= set(schema["properties"])


@pytest.mark.parametrize("with_request_id", [True, False])
def test_an_unexpected_error_is_a_json_500_with_a_request_id(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, with_request_id: bool
) -> None:
    def broken(*args: Any) -> None:
        raise RuntimeError("secret detail /etc/passwd")

    monkeypatch.setattr("ashen.api.search_routes.run_search", broken)
    hexsig = str(Signature.of_image(picture(1)))
    ev = http_event("POST", "/search", body=json.dumps({"signature": hexsig}).encode(), headers=JSON)
    if not with_request_id:
        del ev["requestContext"]["requestId"]
    response = create_app(store).resolve(ev, None)
    body = json.loads(response["body"])
    assert response["statusCode"] == 500 and set(body) == {"error", "requestId"} and body["error"] == "internal error"
    if with_request_id:
        assert body["requestId"] == ev["requestContext"]["requestId"]
    assert re.fullmatch(r"[0-9a-f]{32}", body["requestId"])
    assert "secret" not in response["body"] and "Traceback" not in response["body"]
    [record] = [r for r in caplog.records if r.name == "ashen.api"]
    logged = record.getMessage()
    assert body["requestId"] in logged and "POST /search" in logged and "secret detail" in logged
    assert record.exc_info is not None, "the traceback goes to the log"


@pytest.mark.parametrize(("fmt", "content_type"), [("TIFF", "image/tiff"), ("PSD", "image/vnd.adobe.photoshop")])
def test_a_format_outside_the_decoding_budget_is_415(store: SqliteStore, fmt: str, content_type: str) -> None:
    out = io.BytesIO()
    if fmt == "TIFF":
        Image.fromarray(picture(3)).save(out, format="TIFF")
    else:  # Pillow reads PSD but cannot write it: the smallest valid header, 1x1 RGB
        out.write(b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03\x00\x00\x00\x01\x00\x00\x00\x01\x00\x08\x00\x03")
        out.write(b"\x00\x00\x00\x00" * 3 + b"\x00\x00" + b"\x00\x00\x00")
    status, body = call(
        create_app(store), http_event("POST", "/search", body=out.getvalue(), headers={"content-type": content_type})
    )
    assert status == 415 and body["error"].startswith(f"{fmt} images are not accepted"), body
