from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ashen.media.ffmpeg import ffmpeg_exe

FIXTURES = Path(__file__).parent / "fixtures"
CLIP = FIXTURES / "sintel-26s-848x480.mp4"
# Shared media sits beside the repository; tests that need more than the vendored clip skip without it.
SHARED_MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"


@pytest.fixture(scope="session")
def clip() -> Path:
    return CLIP


def export_frame(video: Path, at: float, out: Path, vf: str | None = None) -> Path:
    """Export the frame shown at `at` seconds losslessly, as a user's screenshot tool would."""
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{at}", "-i", str(video), "-frames:v", "1"]
    if vf:
        cmd += ["-vf", vf]
    subprocess.run([*cmd, str(out)], check=True, timeout=60)
    return out


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
