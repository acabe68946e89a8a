"""Fixtures shared by the whole suite: the vendored clip and a set of bad inputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ashen.media.probe import ffmpeg_exe
from tests.support import CLIP


@pytest.fixture(scope="session")
def clip() -> Path:
    return CLIP


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    text = d / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    truncated = d / "truncated.mp4"
    truncated.write_bytes(CLIP.read_bytes()[:30_000])
    audio = d / "tone.m4a"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=2", str(audio)],
        check=True,
        timeout=60,
    )
    return {"empty": empty, "text": text, "truncated": truncated, "audio": audio, "missing": d / "missing.mp4"}
