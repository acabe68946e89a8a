"""What several test modules share: the vendored fixtures, the shared media beside the repository,
and a screenshot taken the way a user's tool takes it."""

from __future__ import annotations

import subprocess
from pathlib import Path

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
