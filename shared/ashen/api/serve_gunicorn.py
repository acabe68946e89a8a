"""`ashen serve` on gunicorn: ``workers`` processes (searches are CPU-bound Python and numpy, so
threads alone share one GIL), each with a few threads, its own store connection and apps.

gunicorn gives the process pool, the connection cap (``worker_connections``), the header limits
(``limit_request_line`` / ``_fields`` / ``_field_size``), the keep-alive timeout and the backlog.
One thing it lacks, a deadline for receiving a request, is added here: a thread reading a request
that is not whole (line, headers and body) within ``request_timeout`` seconds has its socket shut,
so a client trickling bytes (slowloris) is dropped instead of holding the thread.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from ashen.api.local_server import resolver_handler
from ashen.api.serve_edge import EdgeApp, EdgeLimits, is_loopback
from ashen.api.serve_uploads import UploadEdge, UploadSink
from ashen.errors import AshenError

AppFactory = Callable[[], APIGatewayHttpResolver]
ROUTES = "POST /search, GET /videos, GET /openapi.json, the page at /, API docs at /docs"


@dataclass(frozen=True)
class ServeOptions:
    """How `ashen serve` listens and what it admits (defaults: one worker per core)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 0  # 0: one per core
    limits: EdgeLimits = field(default_factory=EdgeLimits)
    cors_origins: tuple[str, ...] = ()
    request_timeout: float = 15.0  # seconds to receive a whole request
    keepalive: int = 5  # seconds an idle kept-alive connection stays open
    max_connections: int = 64  # per worker: open connections beyond this wait in the backlog
    access_log: bool = True

    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)


class _Deadlines:
    """Per-thread deadlines for receiving a request; a watchdog thread shuts the late sockets."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, socket.socket]] = {}
        self.seconds = 15.0

    def arm(self, sock: socket.socket) -> None:
        with self._lock:
            self._armed[threading.get_ident()] = (time.monotonic() + self.seconds, sock)

    def disarm(self) -> None:
        with self._lock:
            self._armed.pop(threading.get_ident(), None)

    def sweep(self) -> int:
        """Shut the sockets whose deadline passed; how many."""
        now = time.monotonic()
        with self._lock:
            late = [(ident, sock) for ident, (due, sock) in self._armed.items() if due <= now]
            for ident, _ in late:
                del self._armed[ident]
        for _, sock in late:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns: the thread is free
        return len(late)

    def watch(self) -> None:
        while True:
            time.sleep(min(0.25, self.seconds / 4))
            self.sweep()


DEADLINES = _Deadlines()


class EdgeWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's threaded worker with a deadline on receiving each request."""

    def init_process(self) -> None:
        threading.Thread(target=DEADLINES.watch, name="ashen-deadlines", daemon=True).start()
        super().init_process()

    def handle(self, conn: Any) -> Any:
        DEADLINES.arm(conn.sock)  # disarmed by the app once the body is read, or here
        try:
            return super().handle(conn)
        finally:
            DEADLINES.disarm()


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
    def __init__(self, load: Callable[[], Any], settings: dict[str, Any]) -> None:
        self._load, self._settings = load, settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._load()


def _when_ready(server: Any) -> None:
    host, port = server.LISTENERS[0].sock.getsockname()[:2]
    url_host = f"[{host}]" if ":" in host else host
    print(f"Ashen API on http://{url_host}:{port} ({ROUTES}); Ctrl-C stops", flush=True)


def gunicorn_settings(options: ServeOptions) -> dict[str, Any]:
    """The gunicorn settings of ``options``."""
    host = f"[{options.host}]" if ":" in options.host else options.host
    limits = options.limits
    return {
        "bind": [f"{host}:{options.port}"],
        "workers": options.worker_count(),
        "worker_class": EdgeWorker,
        "threads": limits.threads + 1,  # one more than admitted: it answers 503 while the rest work
        "worker_connections": options.max_connections,
        "keepalive": options.keepalive,
        "timeout": 60,  # a worker silent this long (its main loop stuck) is restarted
        "graceful_timeout": 10,
        "backlog": 128,
        "limit_request_line": 8190,
        "limit_request_fields": 64,
        "limit_request_field_size": 8190,
        "accesslog": "-" if options.access_log else None,
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        "errorlog": "-",
        "loglevel": "warning",
        "control_socket_disable": True,
        "when_ready": _when_ready,
        "proc_name": "ashen-serve",
    }


def bind_warning(host: str) -> str | None:
    """The warning to print before binding ``host``, if it is reachable from other machines."""
    if is_loopback(host):
        return None
    return (
        f"ashen serve: warning: listening on {host}, reachable from other machines: anyone who can "
        "reach this port can search and list the library (unless --require-key; docs/accounts.md)"
    )


class CannotListen(AshenError):
    """The address and port to serve cannot be bound: in use, not this machine's, or not allowed."""


def check_bindable(host: str, port: int) -> None:
    """Bind ``host``:``port`` once, as gunicorn will (SO_REUSEADDR), and let it go: CannotListen in one
    line now, rather than gunicorn retrying for five seconds and logging each try."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise CannotListen(f"cannot listen on {host}: the name does not resolve ({reason})") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            raise CannotListen(_bind_failure(host, port, exc)) from None


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use (another ashen serve?); choose another with --port"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port} (ports below 1024 need privileges); choose another with --port"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: not an address of this machine"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def serve(app_factory: AppFactory, options: ServeOptions, uploads: UploadSink | None = None) -> None:
    """Serve the API made by ``app_factory`` (called in each worker thread) until interrupted; with
    ``uploads``, its upload URLs too (serve_uploads). CannotListen when the port cannot be bound."""
    check_bindable(options.host, options.port)
    if warning := bind_warning(options.host):
        print(warning, file=sys.stderr, flush=True)
    DEADLINES.seconds = options.request_timeout

    def load() -> EdgeApp | UploadEdge:
        edge = EdgeApp(
            resolver_handler(app_factory),
            options.limits,
            bound_host=options.host,
            cors_origins=options.cors_origins,
            on_received=DEADLINES.disarm,
        )
        if uploads is None:
            return edge
        return UploadEdge(edge, uploads, bound_host=options.host, on_received=DEADLINES.disarm)

    _Gunicorn(load, gunicorn_settings(options)).run()
