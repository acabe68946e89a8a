"""`ashen serve` on a port it cannot have: one line and exit 1 at once, not gunicorn's retries and tracebacks."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ashen.api.serve_gunicorn import CannotListen, check_bindable


@pytest.fixture()
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def test_a_busy_port_is_one_line(tmp_path: Path, busy_port: int) -> None:
    cmd = [sys.executable, "-m", "ashen.cli", "serve", "--home", str(tmp_path), "--port", str(busy_port)]
    done = subprocess.run([*cmd, "--workers", "1"], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (1, ""), done
    assert done.stderr.splitlines() == [
        f"ashen: port {busy_port} on 127.0.0.1 is in use (another ashen serve?); choose another with --port"
    ]


def test_what_cannot_be_bound_is_said(busy_port: int) -> None:
    with pytest.raises(CannotListen, match="is in use"):
        check_bindable("127.0.0.1", busy_port)
    with pytest.raises(CannotListen, match="not an address of this machine"):
        check_bindable("192.0.2.1", 0)  # TEST-NET-1: never this machine's
    with pytest.raises(CannotListen, match="the name does not resolve"):
        check_bindable("no-such-host.invalid", 0)
    check_bindable("127.0.0.1", 0)  # a free port is let go again
