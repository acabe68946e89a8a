"""Where benchmark media comes from: ../shared/media beside the repo, the vendored clip, or the
10-minute 720p CC-BY film inside the moviepy 2.2.1 sdist on PyPI (fetched into benchmarks/out/)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SHARED_VIDEO = ROOT.parent / "shared" / "media" / "video"
SHARED_IMAGES = ROOT.parent / "shared" / "media" / "images"
FIXTURE = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"


def shared_videos() -> list[Path]:
    if SHARED_VIDEO.is_dir():
        return sorted(p for p in SHARED_VIDEO.iterdir() if p.suffix in {".mp4", ".webm", ".mpg", ".gif"})
    return [FIXTURE]


def long_film() -> Path | None:
    """bbb.mp4 (about 10 min, 1280x720 h264, CC-BY Blender Foundation), fetched once from PyPI."""
    target = OUT / "bbb.mp4"
    if target.exists():
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    dl = OUT / "sdist"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "moviepy==2.2.1"]
    cmd += ["-d", str(dl)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        return None
    sdist = next(dl.glob("moviepy-2.2.1.tar.gz"), None)
    if sdist is None:
        return None
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("moviepy_10_minutes.zip"))
        data = tar.extractfile(member)
        assert data is not None
        zpath = OUT / "moviepy_10_minutes.zip"
        zpath.write_bytes(data.read())
    with zipfile.ZipFile(zpath) as z:
        name = next(n for n in z.namelist() if n.endswith("resources/bbb.mp4"))
        target.write_bytes(z.read(name))
    return target
