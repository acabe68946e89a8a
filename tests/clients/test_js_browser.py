"""ashen-client in a real browser: Debian's Chromium (driven by Playwright, as tests/api/test_web_page.py
does) loads the module as it ships (clients/js/src, no bundler) from a page on one origin and
searches ``ashen serve`` on another (CORS, with a key): a Blob and a File find the clip's scene,
``videos()`` walks the library, and a 404 is a ``NotFound``."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ashen.indexing.indexer import IndexOptions, index_video
from ashen.store.sqlite import DB_NAME, SqliteStore
from tests.api.serving import ROOT, ashen_serve, make_key
from tests.support import CLIP, export_frame

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.slow  # a server process, an index of the clip and a browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PAGE = """<!doctype html><meta charset="utf-8"><title>ashen-client</title>
<script type="module">
import { AshenClient, NotFound } from './src/index.js';
window.run = async (baseUrl, apiKey) => {
  const ashen = new AshenClient({ baseUrl, apiKey });
  const shot = await (await fetch('./shot.jpg')).blob();
  const byBlob = await ashen.search(shot, { limit: 3 });
  const byFile = await ashen.search(new File([shot], 'shot.jpg', { type: 'image/jpeg' }));
  const titles = [];
  for await (const video of ashen.videos({ pageSize: 1 })) titles.push(video.title);
  let missing = null;
  try {
    await ashen.video('no-such-video');
  } catch (err) {
    missing = err instanceof NotFound ? err.status : String(err);
  }
  return { blob: byBlob.result[0], file: byFile.result[0], titles, missing };
};
window.ready = true;
</script>"""


@contextlib.contextmanager
def static_site(folder: Path) -> Iterator[str]:
    """``folder`` served on 127.0.0.1 (the page's origin); yields its URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_module_searches_from_a_browser_page(tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} missing (apt-get install chromium)")
    home = tmp_path / "home"
    home.mkdir()
    store = SqliteStore(home / DB_NAME)
    index_video(store, str(CLIP), IndexOptions(title="Sintel", episode="1"))
    store.close()
    key = make_key(home, "browser")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE)
    (site / "src").symlink_to(ROOT / "clients" / "js" / "src", target_is_directory=True)
    export_frame(CLIP, 12.0, site / "shot.jpg", vf="scale=640:-2")
    with (
        static_site(site) as origin,
        ashen_serve(home, "--workers", "1", "--require-key", "--cors-origin", origin) as api,
        playwright_api.sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{origin}/index.html")
        page.wait_for_function("window.ready === true", timeout=20_000)
        answer: dict[str, Any] = page.evaluate("([url, key]) => window.run(url, key)", [api, key])
        browser.close()
    assert not errors, errors
    for found in (answer["blob"], answer["file"]):
        assert found["title"] == "Sintel" and found["confident"], found
        assert found["from"] - 0.1 <= 12.0 <= found["to"] + 0.1, found
    assert answer["titles"] == ["Sintel"] and answer["missing"] == 404, answer
