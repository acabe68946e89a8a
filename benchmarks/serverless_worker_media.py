"""The media both benchmarks/serverless.py's query maker and its workers index or cut from (no
import of the package: a worker imports the package of its own side)."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED_MEDIA = HERE.parents[1] / "shared" / "media"
FIXTURE = HERE.parent / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
NEGATIVE_VIDEOS = ("friday-640x480.mp4", "rabbit-320x240.webm")  # kept out of the index, as robustness.py does


def videos() -> list[Path]:
    folder = SHARED_MEDIA / "video"
    if not folder.is_dir():
        return [FIXTURE]
    return sorted(
        p for p in folder.iterdir() if p.suffix in {".mp4", ".webm", ".mpg", ".gif"} and p.name not in NEGATIVE_VIDEOS
    )
