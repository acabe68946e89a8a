"""`ashen search` for people and by URL: a table with the reading that matched, an image fetched from a
127.0.0.1 server by the API's own fetch, one line for every way a URL can fail, no traceback for a closed pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageOps

from ashen.cli import main
from ashen.cli_search import is_url
from tests.support import export_frame


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, clip: Path) -> Path:
    h = tmp_path_factory.mktemp("home")
    assert main(["--home", str(h), "index", str(clip), "--title", "Sintel", "--episode", "1", "-q"]) == 0
    return h


@pytest.fixture(scope="module")
def shot(tmp_path_factory: pytest.TempPathFactory, clip: Path) -> Path:
    return export_frame(clip, 7.44, tmp_path_factory.mktemp("shot") / "shot.png")


def search(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["--home", str(home), "search", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_output_is_a_table_with_the_reading(home: Path, shot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mirrored = shot.with_name("mirrored.png")
    ImageOps.mirror(Image.open(shot)).save(mirrored)
    for query, mirror in ((shot, False), (mirrored, True)):
        status, out, _ = search(home, capsys, "--json", str(query))
        top = json.loads(out)["result"][0]
        assert status == 0 and top["reading"].endswith("mirror") is mirror, top  # trim-sym-mirror: inside the bars
        status, out, _ = search(home, capsys, str(query))
        lines = out.splitlines()
        assert status == 0 and lines[0].startswith(f"{query} (image): compared ")
        assert lines[1].split() == ["similarity", "confident", "title", "episode", "file", "at", "scene", "reading"]
        row = lines[2].split()
        assert row[1:5] == ["yes", "Sintel", "1", "sintel-26s-848x480.mp4"] and row[-1] == top["reading"]
        assert row[0] == f"{top['similarity']:.1%}" and row[5] == "0:00:0" + f"{top['at']:.3f}"


def test_limit_caps_the_rows(home: Path, shot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = search(home, capsys, "--limit", "1", str(shot))
    assert len(out.splitlines()) == 3  # the summary, the header, one row


class Images(BaseHTTPRequestHandler):
    """/shot.png: the fixture image; /huge.png: says it is over the size cap; anything else: 404."""

    image = b""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/shot.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(self.image)))
            self.end_headers()
            self.wfile.write(self.image)
        elif self.path == "/huge.png":
            self.send_response(200)
            self.send_header("Content-Length", str(30 * 2**20))
            self.end_headers()
        else:
            self.send_error(404)


@pytest.fixture()
def images(shot: Path) -> Iterator[str]:
    """An http://127.0.0.1:PORT base URL serving the shot."""
    Images.image = shot.read_bytes()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_search_a_url(
    home: Path, images: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASHEN_ALLOW_PRIVATE_URLS", "1")  # the test's server is on 127.0.0.1
    url = f"{images}/shot.png"
    status, out, err = search(home, capsys, "--json", url)
    answer = json.loads(out)
    assert status == 0 and err == "" and answer["image"] == url
    top = answer["result"][0]
    assert top["title"] == "Sintel" and top["from"] - 0.5 <= 7.44 <= top["to"] + 0.5 and top["confident"]
    status, out, _ = search(home, capsys, url)
    assert status == 0 and out.startswith(f"{url} (image): compared ") and "Sintel" in out


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/missing.png", "bad url: the server answered 404"),
        ("/huge.png", "image is larger than the 25 MiB limit"),
    ],
)
def test_a_url_that_fails_is_one_line(
    home: Path,
    images: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    said: str,
) -> None:
    monkeypatch.setenv("ASHEN_ALLOW_PRIVATE_URLS", "1")
    status, out, err = search(home, capsys, images + path)
    assert (status, out, err.splitlines()) == (1, "", [f"ashen: {images}{path}: {said}"])


def test_a_private_url_is_refused_as_the_api_refuses_it(
    home: Path, images: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASHEN_ALLOW_PRIVATE_URLS", raising=False)
    status, _, err = search(home, capsys, f"{images}/shot.png")
    assert status == 1
    assert err.splitlines() == [f"ashen: {images}/shot.png: bad url: private or local addresses are not fetched"]


def test_a_url_is_never_read_as_a_path(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert is_url("https://example.com/a.png") and is_url("HTTP://x/y") and is_url("ftp://x/y")
    assert not is_url("shots/a.png") and not is_url("C:/a.png") and not is_url("notes: a://b.png")
    status, _, err = search(home, capsys, "ftp://127.0.0.1/a.png")
    assert status == 1 and err.splitlines() == [
        "ashen: ftp://127.0.0.1/a.png: bad url: only http and https URLs are fetched"
    ]


# The CLI with Powertools hidden, as after `pip install ashen` without the `serve` extra.
WITHOUT_SERVE_EXTRA = (
    "import sys; sys.modules['aws_lambda_powertools'] = None; import ashen.cli; sys.exit(ashen.cli.main())"
)


def test_a_url_without_the_serve_extra_says_how_to_install(home: Path) -> None:
    cmd = [sys.executable, "-c", WITHOUT_SERVE_EXTRA, "--home", str(home), "search", "https://example.com/a.png"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, ""), done
    assert done.stderr.splitlines() == [
        "ashen: https://example.com/a.png: searching a URL needs aws-lambda-powertools (not installed): "
        "pip install 'ashen[serve]'"
    ]


@pytest.mark.parametrize("command", [["list"], ["search", "--json", "{shot}", "{shot}"]])
def test_a_reader_that_goes_away_is_no_traceback(home: Path, shot: Path, command: list[str]) -> None:
    """`ashen list | head -0`: the reader closes the pipe before ashen writes; no traceback, SIGPIPE's status."""
    args = [a.replace("{shot}", str(shot)) for a in command]
    cmd = [sys.executable, "-m", "ashen.cli", "--home", str(home), *args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered, as users run it
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.close()  # before the interpreter has even started
        err = child.stderr.read().decode()
        assert child.wait(timeout=60) == 141
    assert err == ""
