"""What several test modules share: the vendored fixtures, the shared media beside the repository,
and a screenshot taken the way a user's tool takes it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.session import Session

from ashen.media.probe import ffmpeg_exe

FIXTURES = Path(__file__).parent / "fixtures"
CLIP = FIXTURES / "sintel-26s-848x480.mp4"
# Shared media sits beside the repository; tests that need more than the vendored files skip without it.
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"


def export_frame(video: Path, at: float, out: Path, vf: str | None = None) -> Path:
    """Export the frame shown at `at` seconds losslessly, as a user's screenshot tool would."""
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{at}", "-i", str(video), "-frames:v", "1"]
    if vf:
        cmd += ["-vf", vf]
    subprocess.run([*cmd, str(out)], check=True, timeout=60)
    return out


def clients_made(monkeypatch: pytest.MonkeyPatch, session: Session) -> list[str]:
    """The services of the botocore clients ``session`` makes from now on, in order (each still
    made, by the session's own ``create_client``)."""
    made: list[str] = []
    create = session.create_client

    def recorded(service: str, *args: Any, **kwargs: Any) -> Any:
        made.append(service)
        return create(service, *args, **kwargs)

    monkeypatch.setattr(session, "create_client", recorded)
    return made
