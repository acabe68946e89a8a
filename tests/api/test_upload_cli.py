"""`ashen upload` against a real `ashen serve` (a child process): the clip is streamed to the
server, indexed in the background and searchable when the command returns; a file that is no
video ends the command with its reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from ashen.media.probe import ffmpeg_exe
from tests.api.serving import ROOT, ashen_serve, make_key
from tests.support import CLIP, export_frame

pytestmark = pytest.mark.slow


def ashen(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    cmd = [sys.executable, "-m", "ashen.cli", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_an_uploaded_clip_ends_searchable(tmp_path: Path) -> None:
    clip = tmp_path / "Sintel - 03.mp4"
    cut = [ffmpeg_exe(), "-v", "error", "-ss", "4", "-i", str(CLIP), "-t", "5", "-an", "-c:v", "libx264", str(clip)]
    subprocess.run(cut, check=True, timeout=120)
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video\n" * 100)
    (tmp_path / "home").mkdir()
    admin = make_key(tmp_path / "home", "uploader", "admin")  # management is never anonymous
    with ashen_serve(tmp_path / "home", "--workers", "1") as url:
        refused = ashen("upload", str(clip), "--api", url, "--title", "Sintel", "--poll", "0.3")
        assert refused.returncode == 1 and "401" in refused.stderr, refused.stderr
        done = ashen("upload", str(clip), "--api", url, "--key", admin, "--title", "Sintel", "--episode", "03")
        assert done.returncode == 0, done.stderr
        assert "is indexed and searchable" in done.stdout
        video_id = done.stdout.strip().rsplit("[", 1)[1].rstrip("]")
        frame = export_frame(clip, 2.5, tmp_path / "frame.png").read_bytes()
        request = urllib.request.Request(f"{url}/search", data=frame, headers={"content-type": "image/png"})
        with urllib.request.urlopen(request, timeout=60) as response:
            best = json.load(response)["result"][0]
        assert (best["videoId"], best["confident"], best["episode"]) == (video_id, True, "03")
        failed = ashen("upload", str(junk), "--api", url, "--key", admin, "--poll", "0.3")
        assert failed.returncode == 1 and "failed to index" in failed.stderr, failed.stderr
