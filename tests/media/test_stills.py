"""A query clip's frames: spread evenly over the whole clip (not only its start), at their true
times, scaled down, and within the clip budget (the first 60 s of a longer clip, its time limit)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ashen.errors import ImageTooLarge, MediaError
from ashen.media.inputs import CLIP_FORMATS
from ashen.media.probe import ffmpeg_exe
from ashen.media.stills import ClipBudget, clip_frames
from tests.support import CLIP, export_frame

CLIP_SECONDS = 26.2  # the vendored clip's duration


def synthetic(path: Path, seconds: float, size: str = "64x36", rate: int = 25) -> Path:
    """A small test-pattern video of ``seconds`` (cheap to encode at any length)."""
    src = f"testsrc2=size={size}:rate={rate}:duration={seconds}"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", src, "-c:v", "libx264", "-preset", "ultrafast"]
    subprocess.run([*cmd, str(path)], check=True, timeout=120)
    return path


def on_grid(offsets: list[float], step: float, count: int) -> bool:
    """Whether the offsets are the first frames (25 fps) at or after 0, step, 2 step... (count of them)."""
    late = [offset - i * step for i, offset in enumerate(offsets)]
    return len(offsets) == count and offsets[0] == 0.0 and all(-1e-6 <= d < 0.04 + 1e-6 for d in late)


def test_frames_are_spread_over_the_whole_clip() -> None:
    frames = clip_frames(str(CLIP))
    offsets = [offset for offset, _ in frames]
    assert on_grid(offsets, CLIP_SECONDS / 16, 16), offsets
    assert offsets[-1] > CLIP_SECONDS - 2, "the last frame is near the end, not at 4 s"
    assert all(max(rgb.shape[:2]) == 640 for _, rgb in frames)  # 848x480 scaled down to a 640 long side


@pytest.mark.parametrize("index", [5, 15])
def test_each_frame_is_the_picture_at_its_offset(tmp_path: Path, index: int) -> None:
    offset, rgb = clip_frames(str(CLIP))[index]
    png = export_frame(CLIP, offset, tmp_path / "at.png", vf="scale=640:-2:flags=area")
    shown = np.asarray(Image.open(png).convert("RGB"), dtype=np.float64)
    other = np.asarray(Image.open(export_frame(CLIP, offset - 3, tmp_path / "off.png", vf="scale=640:-2:flags=area")))
    assert shown.shape == rgb.shape
    here, elsewhere = np.abs(shown - rgb).mean(), np.abs(other.astype(np.float64) - rgb).mean()
    assert here < 4 and here < elsewhere / 3, (here, elsewhere)


def test_a_short_clip_keeps_a_frame_every_quarter_second(tmp_path: Path) -> None:
    offsets = [offset for offset, _ in clip_frames(str(synthetic(tmp_path / "s.mp4", 2.0)))]
    assert on_grid(offsets, 0.25, 8), offsets


def test_a_clip_longer_than_60_s_is_searched_on_its_first_60_s(tmp_path: Path) -> None:
    frames = clip_frames(str(synthetic(tmp_path / "long.mp4", 90.0)))
    offsets = [offset for offset, _ in frames]
    assert on_grid(offsets, 60 / 16, 16) and offsets[-1] < 60, offsets


def test_nothing_past_60_s_is_read_even_when_frames_are_missing_before(tmp_path: Path) -> None:
    # 2 s of frames, then none until 72 s: 16 evenly spaced times cannot all be found before 60 s,
    # and the frames after the gap are past what a clip query reads.
    gappy = tmp_path / "gap.mp4"
    src = "testsrc2=size=64x36:rate=25:duration=4"
    cmd = [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", src, "-vf", "setpts='if(gte(T,2),PTS+70/TB,PTS)'"]
    subprocess.run([*cmd, "-fps_mode", "passthrough", "-c:v", "libx264", str(gappy)], check=True, timeout=60)
    offsets = [offset for offset, _ in clip_frames(str(gappy))]
    assert offsets == [0.0], offsets


def test_the_budget_bounds_frames_pixels_time_and_formats(tmp_path: Path) -> None:
    video = synthetic(tmp_path / "v.mp4", 4.0, size="320x180")
    assert len(clip_frames(str(video), ClipBudget(max_frames=3))) == 3
    assert clip_frames(str(video), ClipBudget(side=100))[0][1].shape[:2] == (56, 100)
    portrait = synthetic(tmp_path / "p.mp4", 1.0, size="180x320")
    assert clip_frames(str(portrait), ClipBudget(side=100))[0][1].shape[:2] == (100, 56)  # the long side
    with pytest.raises(ImageTooLarge, match="320x180, over the limit"):
        clip_frames(str(video), ClipBudget(max_pixels=320 * 179))
    with pytest.raises(MediaError, match="decoding the clip took over"):
        clip_frames(str(video), ClipBudget(timeout=0.001))
    avi = tmp_path / "v.avi"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-c", "copy", str(avi)], check=True, timeout=60)
    assert clip_frames(str(avi))  # the CLI reads every container Ashen indexes
    with pytest.raises(MediaError, match="not a video container Ashen reads"):
        clip_frames(str(avi), ClipBudget(formats=CLIP_FORMATS))  # an upload: MP4/MOV/Matroska/WebM only


def test_a_webm_without_a_duration_in_its_header_is_measured(tmp_path: Path) -> None:
    video = synthetic(tmp_path / "v.mp4", 8.0)
    cmd = [ffmpeg_exe(), "-v", "error", "-i", str(video), "-c:v", "libvpx", "-b:v", "100k", "-f", "webm", "pipe:1"]
    webm = tmp_path / "piped.webm"
    webm.write_bytes(subprocess.run(cmd, check=True, capture_output=True, timeout=60).stdout)  # as a browser records
    offsets = [offset for offset, _ in clip_frames(str(webm))]
    assert on_grid(offsets, 8 / 16, 16), offsets
