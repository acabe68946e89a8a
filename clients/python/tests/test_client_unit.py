"""The SDK without a server: error mapping, retries and backoff, settings, sources, pages,
typed results against openapi.json and a method for every route (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

import ashen_client
from ashen_client import AsyncClient, Client, Retry
from ashen_client._models import as_json, json_names

ROOT = Path(__file__).resolve().parents[3]
OPENAPI = json.loads((ROOT / "openapi.json").read_text())
Handler = Callable[[httpx.Request], httpx.Response]
ANSWER = {"frameCount": 3, "error": "", "result": [{"title": "T", "episode": "1", "filename": "t.mp4",
          "videoId": "v1", "from": 1.0, "at": 1.5, "to": 2.0, "similarity": 0.97, "confident": True,
          "reading": "original", "anilist": 21, "duration": 26.0}]}  # fmt: skip


class Sleeps:
    """A Retry's sleep, recording the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(handler: Handler, sleeps: Sleeps | None = None, **kw: Any) -> Client:
    sleeps = sleeps or Sleeps()
    retry = Retry(sleep=sleeps, async_sleep=sleeps.asleep, **kw)
    return Client("http://api.test", api_key="k", retry=retry, transport=httpx.MockTransport(handler))


def answers(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler answering ``responses`` in turn (raising the exceptions), and the requests it saw."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        r = responses[min(len(seen), len(responses)) - 1]
        if isinstance(r, Exception):
            raise r
        return r

    return handle, seen


def error(status: int, message: str = "nope", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error": message}, headers=headers)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ashen_client.BadRequest),
        (401, ashen_client.Unauthorized),
        (402, ashen_client.PaymentRequired),
        (403, ashen_client.Forbidden),
        (404, ashen_client.NotFound),
        (413, ashen_client.PayloadTooLarge),
        (415, ashen_client.UnsupportedMediaType),
        (429, ashen_client.RateLimited),
        (500, ashen_client.ServerError),
        (418, ashen_client.ApiError),
    ],
)
def test_an_error_status_raises_its_class_with_the_api_message(status: int, kind: type) -> None:
    handle, seen = answers(error(status, "the reason"))
    with pytest.raises(kind) as caught, client(handle, attempts=1) as c:
        c.video("v1")
    assert caught.value.status == status and caught.value.message == "the reason" and len(seen) == 1
    assert type(caught.value) is kind or kind is ashen_client.ApiError


def test_429_waits_what_retry_after_asks_then_answers() -> None:
    sleeps = Sleeps()
    handle, seen = answers(error(429, "slow down", **{"retry-after": "3"}), httpx.Response(200, json=ANSWER))
    with client(handle, sleeps) as c:
        assert c.search(b"png").result[0].video_id == "v1"
    assert len(seen) == 2 and len(sleeps.waits) == 1 and 3 <= sleeps.waits[0] <= 3 + 0.5 / 4


def test_rate_limited_carries_retry_after_when_retries_run_out() -> None:
    handle, seen = answers(error(429, "quota", **{"retry-after": "2"}))
    with pytest.raises(ashen_client.RateLimited) as caught, client(handle, attempts=3) as c:
        c.search(b"png")
    assert caught.value.retry_after == 2.0 and len(seen) == 3


def test_a_retry_after_past_the_cap_is_raised_at_once() -> None:
    handle, seen = answers(error(429, "come back tomorrow", **{"retry-after": "86400"}))
    with pytest.raises(ashen_client.RateLimited) as caught, client(handle) as c:
        c.search(b"png")
    assert caught.value.retry_after == 86400 and len(seen) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_with_growing_jittered_waits(status: int) -> None:
    sleeps = Sleeps()
    handle, seen = answers(error(status), error(status), error(status), httpx.Response(200, json=ANSWER))
    with client(handle, sleeps, backoff=1.0) as c:
        assert c.search(b"png").frame_count == 3
    assert len(seen) == 4 and len(sleeps.waits) == 3
    assert all(0 <= w <= 2**i for i, w in enumerate(sleeps.waits))


def test_500_is_not_retried() -> None:
    handle, seen = answers(error(500, "internal error"), httpx.Response(200, json=ANSWER))
    with pytest.raises(ashen_client.ServerError), client(handle) as c:
        c.search(b"png")
    assert len(seen) == 1


def test_connection_errors_are_retried_then_raised_as_transport_error() -> None:
    handle, seen = answers(httpx.ConnectError("refused"))
    with pytest.raises(ashen_client.TransportError), client(handle, attempts=3) as c:
        c.me()
    assert len(seen) == 3


def test_a_route_that_changes_something_is_not_resent_after_a_read_timeout_or_503() -> None:
    for failure in (httpx.ReadTimeout("slow"), error(503)):
        handle, seen = answers(failure, httpx.Response(201, json={"videoId": "v", "upload": {"url": "/u"}}))
        with pytest.raises((ashen_client.TransportError, ashen_client.ServerError)), client(handle) as c:
            c.create_upload("a.mkv", "A", 10)
        assert len(seen) == 1
    created = httpx.Response(201, json={"videoId": "v", "upload": {"url": "/u", "fields": {}}, "expires": 1.0})
    handle, seen = answers(error(429, **{"retry-after": "0"}), created)
    with client(handle) as c:
        assert c.create_upload("a.mkv", "A", 10).video_id == "v"  # a 429 did nothing: sent again
    assert len(seen) == 2


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASHEN_API_URL", "http://env.test:9000/")
    monkeypatch.setenv("ASHEN_API_KEY", "from-env")
    handle, seen = answers(httpx.Response(200, json={"name": "x", "role": "search"}))
    with Client(transport=httpx.MockTransport(handle)) as c:
        assert c.me().role == "search"
    assert str(seen[0].url) == "http://env.test:9000/me" and seen[0].headers["x-api-key"] == "from-env"
    with pytest.raises(ValueError):
        Client("ftp://x")


def test_timeouts_are_set() -> None:
    with Client("http://api.test", connect_timeout=1.5, read_timeout=9.0) as c:
        assert (c.settings.timeout.connect, c.settings.timeout.read) == (1.5, 9.0)


def test_the_key_never_goes_to_another_origin(tmp_path: Path) -> None:
    video = tmp_path / "ep.mkv"
    video.write_bytes(b"\x1a\x45\xdf\xa3" + b"0" * 100)
    upload = {"videoId": "v9", "upload": {"url": "https://bucket.s3.test/", "fields": {"key": "k"}}}
    handle, seen = answers(
        httpx.Response(201, json=upload),
        httpx.Response(204),
        httpx.Response(200, json={"id": "v9", "status": "indexing"}),
    )
    with client(handle) as c:
        assert c.upload(video, "Show").status == "indexing"
    s3 = seen[1]
    assert s3.url.host == "bucket.s3.test" and "x-api-key" not in s3.headers
    assert b'name="key"' in s3.content and b'name="file"; filename="ep.mkv"' in s3.content
    assert seen[0].headers["x-api-key"] == "k" and seen[2].headers["x-api-key"] == "k"


def test_every_kind_of_source_is_sent(tmp_path: Path) -> None:
    image = Image.new("RGB", (64, 36), (200, 30, 30))
    path = tmp_path / "shot.png"
    image.save(path)
    data = path.read_bytes()
    handle, seen = answers(httpx.Response(200, json=ANSWER))
    with client(handle) as c, path.open("rb") as stream:
        for source in (path, str(path), data, bytearray(data), stream):
            c.search(source, title="Sintel", limit=3, mirror=False)
        c.search(image)
        c.search("https://img.test/a.png")
    posts = [r for r in seen if r.method == "POST"]
    assert [r.content for r in posts[:5]] == [data] * 5
    assert Image.open(io.BytesIO(posts[5].content)).tobytes() == image.tobytes()  # lossless
    assert posts[0].url.params["title"] == "Sintel" and posts[0].url.params["mirror"] == "0"
    assert seen[-1].method == "GET" and seen[-1].url.params["url"] == "https://img.test/a.png"
    with pytest.raises(TypeError), client(handle) as c:
        c.search(12345)


def test_videos_iterates_every_page() -> None:
    pages = {
        None: {"videos": [{"id": "a"}, {"id": "b"}], "cursor": "c1"},
        "c1": {"videos": [{"id": "c"}], "cursor": None},
    }

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    with client(handle) as c:
        assert [v.id for v in c.videos()] == ["a", "b", "c"]

    async def listed() -> list[str]:
        async with AsyncClient("http://api.test", transport=httpx.MockTransport(handle)) as a:
            return [v.id async for v in a.videos()]

    assert asyncio.run(listed()) == ["a", "b", "c"]


def test_the_async_client_retries_and_maps_errors_alike() -> None:
    sleeps = Sleeps()
    handle, seen = answers(error(503), error(429, **{"retry-after": "1"}), httpx.Response(200, json=ANSWER))

    async def run() -> None:
        retry = Retry(sleep=sleeps, async_sleep=sleeps.asleep)
        async with AsyncClient("http://api.test", retry=retry, transport=httpx.MockTransport(handle)) as a:
            found = await a.search_many([b"1", b"2"], concurrency=2)
            assert [f.result[0].at for f in found] == [1.5, 1.5]
            with pytest.raises(ashen_client.NotFound):
                await AsyncClient("http://api.test", transport=httpx.MockTransport(lambda r: error(404))).video("x")

    asyncio.run(run())
    assert len(seen) == 4 and sleeps.waits and any(w >= 1 for w in sleeps.waits)


def test_every_route_of_openapi_has_a_method_on_both_clients() -> None:
    operations = {op["operationId"] for path in OPENAPI["paths"].values() for op in path.values()}
    missing = operations - set(ashen_client.OPERATIONS)
    assert not missing, f"routes with no SDK method: {sorted(missing)} (add them to _routes.OPERATIONS)"
    for method in set(ashen_client.OPERATIONS.values()):
        assert callable(getattr(Client, method)) and callable(getattr(AsyncClient, method)), method


def _inline(path: str, method: str) -> dict[str, Any]:
    schema = OPENAPI["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    return dict(schema)


SCHEMAS: list[tuple[type, dict[str, Any]]] = [
    (ashen_client.SearchResponse, OPENAPI["components"]["schemas"]["SearchResponse"]),
    (ashen_client.Match, OPENAPI["components"]["schemas"]["Match"]),
    (ashen_client.Video, OPENAPI["components"]["schemas"]["Video"]),
    (ashen_client.Removal, OPENAPI["components"]["schemas"]["Removal"]),
    (ashen_client.Upload, OPENAPI["components"]["schemas"]["Upload"]),
    (ashen_client.UploadTarget, OPENAPI["components"]["schemas"]["Upload"]["properties"]["upload"]),
    (ashen_client.AnilistInfo, OPENAPI["components"]["schemas"]["AnilistInfo"]),
    (ashen_client.Me, _inline("/me", "get")),
    (ashen_client.VideoPage, _inline("/videos", "get")),
]


@pytest.mark.parametrize(("model", "schema"), SCHEMAS, ids=lambda x: getattr(x, "__name__", ""))
def test_typed_results_match_openapi(model: type, schema: dict[str, Any]) -> None:
    assert dataclasses.is_dataclass(model) and model.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert set(json_names(model).values()) == set(schema["properties"])
    required = {f.metadata.get("json", f.name) for f in dataclasses.fields(model) if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}  # fmt: skip
    assert required <= set(schema.get("required", ())), "a field the API may leave out has no default"


def test_local_hashing_without_the_core_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "ashen.query.descriptor", None)
    handle, seen = answers(httpx.Response(200, json=ANSWER))
    with pytest.raises(ashen_client.LocalHashingUnavailable, match="pip install"), client(handle) as c:
        c.search(b"png", local=True)
    assert not seen  # nothing was sent


def test_results_go_back_to_the_api_names() -> None:
    again = as_json(ashen_client.SearchResponse.from_json(ANSWER))
    assert {k: again[k] for k in ANSWER} == {**ANSWER, "result": again["result"]}
    match = ANSWER["result"][0]  # type: ignore[index]
    assert {k: again["result"][0][k] for k in match} == match


def test_local_search_sends_the_descriptor_fitted_to_the_library_listed_once(tmp_path: Path) -> None:
    pytest.importorskip("ashen.query.descriptor")
    from ashen.query.descriptor import from_json

    frame = Image.new("RGB", (848, 480))
    frame.paste(Image.effect_noise((848, 364), 60).convert("RGB"), (0, 58))  # letterboxed
    path = tmp_path / "shot.png"
    frame.save(path)
    listing = {"videos": [{"id": "v", "width": 848, "height": 480, "picture": [58, 422, 0, 848]}], "cursor": None}
    seen: list[httpx.Request] = []

    def route(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=listing if request.url.path == "/videos" else ANSWER)

    with client(route) as c:
        for _ in range(2):
            assert c.search(path, local=True).result[0].video_id == "v1"
        assert c.library_shapes() == (848 / 364,)
    assert [r.url.path for r in seen] == ["/videos", "/search", "/search"]  # the library listed once
    frame = from_json(json.loads(seen[1].content)["descriptor"]).frames[0]
    assert frame.fitted(848 / 364)  # a fit for the library's own shape travelled


def test_a_descriptor_body_carries_numbers_not_the_picture(tmp_path: Path) -> None:
    pytest.importorskip("ashen.query.descriptor")
    from ashen.query.descriptor import from_json

    path = tmp_path / "shot.png"
    Image.effect_noise((320, 180), 60).convert("RGB").save(path)
    bodies: list[httpx.Request] = []

    def route(request: httpx.Request) -> httpx.Response:
        bodies.append(request)
        return httpx.Response(200, json=ANSWER)

    with client(route) as c:
        c.search(path, local=True, shapes=(1.5,), mirror=False)
    assert [r.method for r in bodies] == ["POST"]  # shapes given: no listing
    sent = bodies[0]
    assert sent.headers["content-type"] == "application/vnd.ashen.descriptor+json"
    frame = from_json(json.loads(sent.content)["descriptor"]).frames[0]
    assert frame.readings[0].name == "original" and not any("mirror" in r.name for r in frame.readings)
    assert path.read_bytes() not in sent.content


def test_a_still_image_matches_without_times(capsys: pytest.CaptureFixture[str]) -> None:
    still = {**ANSWER["result"][0], "kind": "still", "from": None, "at": None, "to": None}  # type: ignore[dict-item]
    handle, _ = answers(httpx.Response(200, json={**ANSWER, "result": [still]}))
    with client(handle) as c:
        best = c.search(b"\x89PNG fake bytes").result[0]
    assert (best.kind, best.start, best.at, best.end) == ("still", None, None, None)
    from ashen_client.cli import _print_search

    _print_search("cg.png", ashen_client.SearchResponse.from_json({**ANSWER, "result": [still]}), json_lines=False)
    assert "T episode 1 a still image, similarity 0.970" in capsys.readouterr().out
