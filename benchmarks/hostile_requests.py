"""CPU time of parsing hostile request bodies, through the API's resolver (the app `ashen serve`
and the query Lambda run), against an ordinary screenshot upload measured in the same run.

Each body is answered by ``ashen.api.app.create_app`` on an empty store; printed: the status,
the error, the CPU milliseconds to answer (best of 3) and the ratio to the screenshot. The inputs
are the issue 14 ones: 20,000 empty multipart parts, a 25 MiB form whose image part comes last,
JSON nested 100,000 deep (and 20,000 deep, under the size cap), a boundary with a non-ASCII
character. A 500 is printed as such (the run goes on).

    PYTHONPATH=shared:. .venv/bin/python benchmarks/hostile_requests.py
"""

from __future__ import annotations

import io
import json
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))

from ashen.api.app import create_app  # noqa: E402
from ashen.api.local_server import http_event  # noqa: E402
from ashen.store.sqlite import SqliteStore  # noqa: E402


def screenshot() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1280, 720), (40, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def form(parts: list[tuple[str, bytes]], boundary: str = "b0undary") -> tuple[bytes, str]:
    chunks = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + data + b"\r\n"
        for name, data in parts
    ]
    return b"".join(chunks) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def requests() -> list[tuple[str, bytes, str]]:
    shot = screenshot()
    empty, empty_type = form([("x", b"")] * 20_000)
    padded, padded_type = form([("pad", b"\0" * (25 * 1024 * 1024 - 200_000)), ("image", shot)])
    deep = b'{"signature": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    deep_small = b'{"signature": ' + b"[" * 20_000 + b"]" * 20_000 + b"}"  # under the size cap
    euro, _ = form([("image", shot)])
    return [
        ("screenshot JPEG 1280x720 (baseline)", shot, "image/jpeg"),
        ("multipart, 20,000 empty parts", empty, empty_type),
        ("multipart, 25 MiB, image part last", padded, padded_type),
        ("JSON nested 100,000 deep", deep, "application/json"),
        ("JSON nested 20,000 deep (40 KB)", deep_small, "application/json"),
        ('multipart boundary "b€"', euro, "multipart/form-data; boundary=b€"),
    ]


def answer(app: object, body: bytes, content_type: str) -> tuple[int | str, str, float]:
    """(status, error, best CPU ms of 3); an exception out of the resolver is printed as such."""
    best, status, error = float("inf"), 0, ""
    event = http_event("POST", "/search", headers={"content-type": content_type}, body=body)
    for _ in range(3):
        start = time.process_time()
        try:
            response = app.resolve(event, None)  # type: ignore[attr-defined]
            status, error = response["statusCode"], json.loads(response["body"]).get("error", "")
        except Exception as exc:  # what the reviewer saw as a 500
            status, error = "raised", f"{type(exc).__name__}: {exc}"
        best = min(best, time.process_time() - start)
    return status, error, best * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(SqliteStore(Path(folder) / "empty.sqlite3"))
        rows = [(name, len(body), *answer(app, body, kind)) for name, body, kind in requests()]
    base = rows[0][4]
    print("| request | bytes | status | error | CPU ms | x screenshot |\n| --- | --- | --- | --- | --- | --- |")
    for name, size, status, error, ms in rows:
        print(f"| {name} | {size:,} | {status} | {error[:60]} | {ms:.1f} | {ms / base:.2f} |")


if __name__ == "__main__":
    main()
