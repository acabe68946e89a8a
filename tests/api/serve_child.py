"""`ashen serve` on a test store, with two routes the server tests steer (run as a module):

* ``GET /barrier``: waits (5 s at most) until two requests are in it: 200 only if they overlap.
* ``GET /hold``: touches ``<dir>/entered``, then waits (10 s at most) for ``<dir>/release``.

python -m tests.api.serve_child STORE DIR [--workers N] [--threads N] [--request-timeout S] [--cors-origin O]
"""

from __future__ import annotations

import argparse
import multiprocessing
import threading
import time
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from ashen.api.app import create_app
from ashen.api.serve_edge import EdgeLimits
from ashen.api.serve_gunicorn import ServeOptions, serve
from ashen.store.sqlite import SqliteStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store")
    parser.add_argument("dir")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--request-timeout", type=float, default=15.0)
    parser.add_argument("--cors-origin", action="append", default=[])
    args = parser.parse_args()
    barrier = multiprocessing.Barrier(2)  # made before gunicorn forks: shared by its workers
    folder = Path(args.dir)

    def app() -> APIGatewayHttpResolver:
        resolver = create_app(store_factory=lambda: SqliteStore(args.store))

        @resolver.get("/barrier")
        def meet() -> dict[str, bool]:
            barrier.wait(timeout=5)  # BrokenBarrierError: a 500, so the test sees no overlap
            return {"met": True}

        @resolver.get("/hold")
        def hold() -> dict[str, bool]:
            (folder / "entered").touch()
            deadline = time.monotonic() + 10
            while not (folder / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            return {"held": True}

        return resolver

    limits = EdgeLimits(threads=args.threads, cpu_slots=args.threads, queue_timeout=2.0)
    options = ServeOptions(
        port=0,
        workers=args.workers,
        limits=limits,
        cors_origins=tuple(args.cors_origin),
        request_timeout=args.request_timeout,
        access_log=False,
    )
    assert threading.current_thread() is threading.main_thread()  # gunicorn's arbiter needs signals
    serve(app, options)


if __name__ == "__main__":
    main()
