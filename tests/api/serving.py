"""`ashen serve` in a child process (tests/api/serve_child.py) on a one-video store, for the tests
that talk to it over a socket (test_local_server.py, test_schema_fuzz.py), and the real ``ashen serve``
on a store of one's own (test_web_page.py)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from ashen.descriptors.buckets import bucket_key
from ashen.descriptors.signature import Signature
from ashen.records import Scene, VideoRecord
from ashen.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parents[2]


def png_of(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    img = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).resize((128, 72), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def one_video_store(path: Path) -> Path:
    store = SqliteStore(path)
    sig = Signature.of_image(np.asarray(Image.open(io.BytesIO(png_of(7))).convert("RGB")))
    store.replace_video(
        VideoRecord(id="v7", title="Sintel", filename="Sintel - 01.mp4", source="/s.mp4", episode="01"),
        [(bucket_key(sig.values), Scene(3.0, 4.0, 5.0, 51, sig.to_bytes()))],
    )
    store.close()
    return path


@contextlib.contextmanager
def running(folder: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """A server (tests/api/serve_child.py) on a one-video store in ``folder``; yields its URL."""
    store = str(one_video_store(folder / "s.sqlite3"))
    with started([sys.executable, "-m", "tests.api.serve_child", store, str(folder), *args], env) as url:
        yield url


@contextlib.contextmanager
def ashen_serve(home: Path, *args: str) -> Iterator[str]:
    """The real ``ashen serve`` on the store in ``home``, on a free port; yields its URL."""
    with started([sys.executable, "-m", "ashen.cli", "--home", str(home), "serve", "--port", "0", *args]) as url:
        yield url


@contextlib.contextmanager
def started(cmd: list[str], env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``cmd`` (a server printing "Ashen API on URL" once it listens); yield the URL; SIGTERM it."""
    child_env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}", **(env or {})}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=child_env, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "Ashen API on http://127.0.0.1:PORT (...)" once it listens
        assert "Ashen API on http://127.0.0.1:" in line, line
        yield line.split()[3]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_key(home: Path, name: str, role: str = "search") -> str:
    """A new API key in the store at ``home`` (``ashen keys create``, which prints it as its last line)."""
    cmd = [sys.executable, "-m", "ashen.cli", "--home", str(home), "keys", "create", name, "--role", role]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60)
    return done.stdout.strip().splitlines()[-1]


def clip_home(home: Path, anilist: int | None = None) -> Path:
    """``home`` holding a store with the vendored clip indexed (title Sintel, episode 1)."""
    from ashen.indexing.indexer import IndexOptions, index_video
    from ashen.store.sqlite import DB_NAME
    from tests.support import CLIP

    store = SqliteStore(home / DB_NAME)
    try:
        index_video(store, str(CLIP), IndexOptions(title="Sintel", episode="1", anilist=anilist))
    finally:
        store.close()
    return home


@contextlib.contextmanager
def image_host(folder: Path) -> Iterator[str]:
    """A local http.server of ``folder`` on 127.0.0.1; yields its URL."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
