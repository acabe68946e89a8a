"""The web page in a real browser: Playwright drives Debian's Chromium (/usr/bin/chromium, no browser
download) against the real `ashen serve` on an index of the vendored Sintel clip. Screenshots of the
page are kept in test-artifacts/web/ at the repository root (git-ignored; the path is printed)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ashen.indexing.indexer import IndexOptions, index_video
from ashen.store.sqlite import DB_NAME, SqliteStore
from tests.api.serving import ROOT, ashen_serve, make_key
from tests.support import CLIP, export_frame

playwright_api = pytest.importorskip("playwright.sync_api")
Page = playwright_api.Page
expect = playwright_api.expect

pytestmark = pytest.mark.slow  # a server process, an index of the clip and a browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
CHROMIUM_ARGS += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts" / "web"
SHOT_AT = 12.0  # seconds into the clip
STILL_AT = 20.0  # the frame also indexed as a still
KEYS: dict[str, str] = {}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("web-home")
    store = SqliteStore(home / DB_NAME)
    index_video(store, str(CLIP), IndexOptions(title="Sintel", episode="1"))
    cg = export_frame(CLIP, STILL_AT, home / "cg.png")  # a CG: an image indexed as a still
    index_video(store, str(cg), IndexOptions(title="Sintel Art"))
    store.close()
    KEYS["search"] = make_key(home, "web-page")  # a real key: a wrong one is refused
    with ashen_serve(home, "--workers", "1", "--threads", "4") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nweb page screenshots: {ARTIFACTS}")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser: object, server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(20_000)
    yield page
    context.close()
    assert not errors, errors  # no script of the page threw


@pytest.fixture(scope="module")
def screenshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_frame(CLIP, SHOT_AT, tmp_path_factory.mktemp("shot") / "sintel-12s.png")


def drop_file(page: Page, path: Path, content_type: str) -> None:
    """Drop ``path`` on the drop zone as a user dragging it from their files would."""
    script = """([b64, name, type]) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name, { type }));
        const drop = new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true });
        document.querySelector("#drop").dispatchEvent(drop);
    }"""
    page.evaluate(script, [base64.b64encode(path.read_bytes()).decode(), path.name, content_type])


def seconds(clock: str) -> int:
    minutes, secs = clock.split(":")
    return int(minutes) * 60 + int(secs)


def search_by_drop(page: Page, shot: Path) -> None:
    page.goto("/")
    drop_file(page, shot, "image/png")
    expect(page.locator(".card").first).to_be_visible()


def test_a_dropped_screenshot_finds_its_scene_with_the_api_key_sent(page: Page, screenshot: Path) -> None:
    page.goto("/")
    page.get_by_text("API key").click()
    key = KEYS["search"]
    page.fill("#api-key", key)
    page.press("#api-key", "Enter")  # a change event, as leaving the field would
    assert page.evaluate("localStorage.getItem('ashen.apiKey')") == key
    with page.expect_request(lambda r: r.url.split("?")[0].endswith("/search")) as sent:
        drop_file(page, screenshot, "image/png")
    assert sent.value.headers.get("x-api-key") == key and sent.value.headers["content-type"] == "image/png"
    first = page.locator(".card").first
    expect(first.locator(".title")).to_have_text("Sintel")
    clock = first.locator(".at").inner_text()
    assert len(clock) == 5 and abs(seconds(clock) - SHOT_AT) <= 1, clock
    expect(first.locator(".similarity")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(first.locator(".badge")).to_have_text("confident")
    expect(first.locator(".reading")).to_contain_text("matched: ")
    page.screenshot(path=ARTIFACTS / "search.png", full_page=True)


def test_a_picked_file_the_api_refuses_shows_its_error(page: Page, tmp_path: Path) -> None:
    page.goto("/")
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    page.set_input_files("#file", text)
    expect(page.locator("#error")).to_be_visible()
    expect(page.locator("#error")).to_contain_text("Content-Type")  # the API's own {"error"} message
    assert page.locator(".card").count() == 0
    page.screenshot(path=ARTIFACTS / "error.png", full_page=True)


def test_the_library_lists_the_clip_as_indexed_on_a_phone(browser: object, server: str) -> None:
    context = browser.new_context(base_url=server, viewport=PHONE, is_mobile=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="Library").click()
    row = page.locator(".video").first
    expect(row).to_contain_text("Sintel")
    expect(row.locator(".status-badge")).to_have_text("indexed")
    expect(row.locator(".percent")).to_have_text("100%")
    # A mobile viewport widens to fit wide content (innerWidth grows too): measure against the phone's width.
    overflow = page.evaluate("document.documentElement.scrollWidth") - PHONE["width"]
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    page.screenshot(path=ARTIFACTS / "library-phone.png", full_page=True)
    context.close()


def test_docs_render_swagger_ui_from_the_app(page: Page, server: str) -> None:
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))
    page.goto("/docs")
    search = page.locator(".opblock.opblock-post").filter(has_text="/search")
    expect(search.locator(".opblock-summary-method")).to_have_text("POST")
    expect(page.locator(".servers select option").first).to_have_text(f"{server} - this server")
    assert not outside, outside  # no CDN: every file came from the app
    page.screenshot(path=ARTIFACTS / "docs.png", full_page=True)


def test_the_preview_of_the_first_match_loads_and_plays(page: Page, screenshot: Path) -> None:
    search_by_drop(page, screenshot)
    video = page.locator(".card video").first
    expect(video).to_be_attached(timeout=5_000)
    page.wait_for_function("v => v.readyState >= 2", arg=video.element_handle(), timeout=10_000)
    began = video.evaluate("v => v.currentTime")
    page.wait_for_timeout(1_000)
    assert video.evaluate("v => v.currentTime") > began and video.evaluate("v => v.muted")
    page.screenshot(path=ARTIFACTS / "search-playing.png", full_page=True)


def test_a_still_is_shown_beside_the_scene_without_a_time(page: Page, tmp_path: Path) -> None:
    shot = export_frame(CLIP, STILL_AT, tmp_path / "cg-shot.jpg")
    page.goto("/")
    drop_file(page, shot, "image/jpeg")
    still = page.locator(".card", has_text="Sintel Art")
    expect(still.locator(".still")).to_have_text("still image")
    assert still.locator(".at").count() == 0
    expect(still.locator(".media img")).to_be_visible()  # its preview: the image itself
    scene = page.locator(".card", has=page.locator(".at"))
    expect(scene.locator(".title")).to_have_text("Sintel")
    page.screenshot(path=ARTIFACTS / "still.png", full_page=True)
    page.get_by_role("button", name="Library").click()
    expect(page.locator(".video", has_text="Sintel Art").locator(".facts")).to_have_text("still image")
