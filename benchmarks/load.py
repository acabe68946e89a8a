"""`ashen serve` under load: searches/s and latency with 1 client, then 8 concurrent clients.

Indexes the vendored Sintel clip into a fresh home, exports screenshots at a spread of times, starts
`ashen serve` (as a user would, in a child process) once per configuration, and has each client POST
screenshots (one keep-alive connection per client) for SECONDS. The ratio 8-client/1-client
throughput is measured against the 1-client run of the same configuration in the same run; target
>= 1.7 with p99 < 1 s on 2 cores for the default (one worker per core). ``--workers 1`` is the
threads-only configuration, for comparison. Then a quick check: a slowloris connection and an
HTTP/0.9 line open while one client searches; both must be answered or dropped, the client served.

    .venv/bin/python benchmarks/load.py [--seconds 20] [--configs 1,0]   (0: one worker per core)
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "shared"))
sys.path.insert(0, str(ROOT))

from tests.support import CLIP, export_frame  # noqa: E402

ASHEN = [sys.executable, "-m", "ashen.cli"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "shared")}


def build(home: Path, shots: int) -> list[bytes]:
    """Index the clip into ``home``; PNG screenshots at ``shots`` times spread over it."""
    subprocess.run([*ASHEN, "--home", str(home), "index", "-q", str(CLIP)], check=True, env=ENV)
    times = [1.0 + i * 23.0 / max(1, shots - 1) for i in range(shots)]
    return [export_frame(CLIP, t, home / f"shot{i}.png").read_bytes() for i, t in enumerate(times)]


@contextlib.contextmanager
def serving(home: Path, *args: str) -> Iterator[int]:
    """`ashen serve` on ``home``; its port."""
    with server(home, *args) as (port, _):
        yield port


@contextlib.contextmanager
def server(home: Path, *args: str) -> Iterator[tuple[int, int]]:
    """`ashen serve` on ``home``; its port and the pid of its master process."""
    cmd = [*ASHEN, "--home", str(home), "serve", "--port", "0", *args]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Ashen API on http://127.0.0.1:" in line, line
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # drain the access log
        yield int(line.split()[3].rsplit(":", 1)[1]), proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def client(port: int, shots: list[bytes], until: float, offset: int, out: list[tuple[float, int]]) -> None:
    """POST screenshots on one keep-alive connection until ``until``; (seconds, status) into ``out``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    i = offset
    while time.monotonic() < until:
        body = shots[i % len(shots)]
        start = time.monotonic()
        try:
            conn.request("POST", "/search?limit=3", body, {"Content-Type": "image/png"})
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((time.monotonic() - start, status))
        i += 1
    conn.close()


def run(port: int, shots: list[bytes], clients: int, seconds: float) -> dict[str, float]:
    results: list[tuple[float, int]] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=client, args=(port, shots, until, k * 3, results)) for k in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - start
    ok = sorted(s for s, status in results if status == 200)
    p99 = ok[min(len(ok) - 1, int(len(ok) * 0.99))] if ok else float("nan")
    return {
        "rate": len(ok) / wall,
        "p50": statistics.median(ok) * 1000 if ok else float("nan"),
        "p99": p99 * 1000,
        "errors": len(results) - len(ok),
        "n": len(ok),
    }


def hostile_check(home: Path, shots: list[bytes]) -> str:
    """One client searching while a slowloris connection and an HTTP/0.9 line are open."""
    with serving(home, "--request-timeout", "5") as port:
        slow = socket.create_connection(("127.0.0.1", port), timeout=0.5)
        slow.sendall(b"POST /search HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        old = socket.create_connection(("127.0.0.1", port), timeout=3)
        old.sendall(b"GET /\r\n")
        old_answer = old.recv(64).split(b"\r\n")[0].decode() or "closed"
        served = run(port, shots, 1, 3)
        start, dropped = time.monotonic(), None
        while dropped is None and time.monotonic() - start < 20:
            try:
                slow.sendall(b"a")
                if slow.recv(64) == b"":
                    dropped = time.monotonic() - start
            except TimeoutError:
                continue
            except OSError:
                dropped = time.monotonic() - start
        when = f"dropped {dropped + 3:.1f} s after it began" if dropped is not None else "NOT dropped in 23 s"
        return (
            f"HTTP/0.9 line: `{old_answer}`; slowloris (a byte every 0.5 s, --request-timeout 5): {when}; "
            f"meanwhile 1 client: {served['n']} searches, p99 {served['p99']:.0f} ms, {served['errors']} errors"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="per run")
    parser.add_argument("--configs", default="1,0", help="--workers values to measure (0: one per core)")
    parser.add_argument("--shots", type=int, default=12)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        shots = build(home, args.shots)
        print(f"cores {os.cpu_count()}, load average before {os.getloadavg()[0]:.2f}, {args.seconds:.0f} s per run\n")
        print("| workers | clients | searches/s | p50 ms | p99 ms | errors | 8/1 throughput |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for workers in (int(w) for w in args.configs.split(",")):
            label = f"{workers or os.cpu_count()}" + (" (one per core)" if workers == 0 else "")
            with serving(home, "--workers", str(workers)) as port:
                run(port, shots, 2, 2)  # warm-up: each worker's apps and store
                one = run(port, shots, 1, args.seconds)
                eight = run(port, shots, 8, args.seconds)
            for n, r in ((1, one), (8, eight)):
                ratio = f"{eight['rate'] / one['rate']:.2f}x" if n == 8 else ""
                cells = [label, str(n), f"{r['rate']:.1f}", f"{r['p50']:.0f}", f"{r['p99']:.0f}", f"{r['errors']:.0f}"]
                print("| " + " | ".join([*cells, ratio]) + " |", flush=True)
        print(f"\nload average after {os.getloadavg()[0]:.2f}\n")
        print(hostile_check(home, shots))


if __name__ == "__main__":
    main()
