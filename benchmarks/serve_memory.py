"""Does `ashen serve` give its memory back? One worker process; its resident memory (VmRSS of the
gunicorn worker) is read before, after each batch of heavy but admitted inputs and hostile ones
(tests/query/hostile_files.py), and after ordinary searches that follow. The target of issue 14:
the server stays up and returns to near its baseline.

    .venv/bin/python benchmarks/serve_memory.py
"""

from __future__ import annotations

import http.client
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load import build, server  # noqa: E402
from tests.query import hostile_files as hostile  # noqa: E402


def worker_rss_mb(server_pid: int) -> float:
    """Resident memory of the server's worker processes (the children of the gunicorn master)."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(server_pid):
            total += int(fields.get("VmRSS", "0 kB").split()[0])
    return total / 1024


def post(port: int, body: bytes, content_type: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/search?limit=3", body, {"Content-Type": content_type})
    status = conn.getresponse().status
    conn.close()
    return status


def png_still(side: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (side, side), (10, 20, 30, 255)).save(out, format="PNG")
    return out.getvalue()


INPUTS: list[tuple[str, Callable[[], bytes], str]] = [
    ("PNG 7071x7071 RGBA (50 MP, admitted)", lambda: png_still(7071), "image/png"),
    ("APNG 3840x2160, 40 frames (admitted)", lambda: hostile.apng((3840, 2160), 40), "image/png"),
    ("GIF 4000x4000, 300 frames (refused)", lambda: hostile.gif((4000, 4000), 300), "image/gif"),
    ("APNG 7000x7000, 4 frames (refused)", lambda: hostile.apng((7000, 7000), 4), "image/png"),
]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        shots = build(home, 6)
        with server(home, "--workers", "1") as (port, pid):
            for shot in shots:
                post(port, shot, "image/png")
            rows = [("after 6 searches (baseline)", 0, worker_rss_mb(pid))]
            for name, make, kind in INPUTS:
                body = make()
                statuses = {post(port, body, kind) for _ in range(5)}
                rows.append((f"{name} x5 -> {sorted(statuses)}", len(body), worker_rss_mb(pid)))
            for _ in range(3):
                for shot in shots:
                    post(port, shot, "image/png")
            rows.append(("after 18 more searches", 0, worker_rss_mb(pid)))
    print("| after | body bytes | worker RSS MB |\n| --- | --- | --- |")
    for name, size, rss in rows:
        print(f"| {name} | {size:,} | {rss:.0f} |")
    print(f"\nreturned to baseline: {rows[-1][2] - rows[0][2]:+.0f} MB")


if __name__ == "__main__":
    main()
