"""ffmpeg runs that cut previews: an H.264 MP4 clip of a span (with or without its sound), and a
JPEG or WebP still at a time. The source opens through ``media.inputs`` (whitelists, TLS), so a
preview reads what the indexer may read and nothing else."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from ashen.errors import MediaError
from ashen.media.alpha import FFMPEG_ALPHA_BLEND
from ashen.media.inputs import VIDEO_FORMATS, input_args
from ashen.media.probe import ffmpeg_exe
from ashen.preview.shots import Span

WIDTHS = {"s": 320, "m": 640, "l": 1280}  # the most a preview is wide; never scaled up
CUT_TIMEOUT_S = 60.0
IMAGE_CODECS = {"jpg": ["-c:v", "mjpeg", "-q:v", "4", "-f", "image2"], "webp": ["-c:v", "libwebp", "-f", "webp"]}


def _scale(size: str) -> list[str]:
    width = WIDTHS[size]
    return ["-vf", f"scale='min({width},iw)':-2:{FFMPEG_ALPHA_BLEND}"]


def clip_command(source: str, span: Span, size: str, mute: bool, out: Path) -> list[str]:
    """ffmpeg's arguments for the clip of ``span``: frames from its start (a frame-accurate seek)
    for its duration, H.264 (yuv420p, every browser plays it), AAC sound unless ``mute``."""
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-ss", f"{span.start:.3f}", *input_args(source)]
    cmd += ["-t", f"{span.duration:.3f}", "-map", "0:v:0", *_scale(size)]
    cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "27", "-pix_fmt", "yuv420p"]
    cmd += ["-an"] if mute else ["-map", "0:a:0?", "-c:a", "aac", "-b:a", "96k"]
    return [*cmd, "-movflags", "+faststart", "-f", "mp4", "-y", str(out)]


def still_command(
    source: str, at: float, size: str, image_format: str, out: Path, formats: Sequence[str] = VIDEO_FORMATS
) -> list[str]:
    """ffmpeg's arguments for the frame at ``at`` as ``image_format`` (``jpg`` or ``webp``), of a
    source opened as one of ``formats`` (a still image: STILL_FORMATS, at 0)."""
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-ss", f"{at:.3f}", *input_args(source, formats)]
    return [*cmd, "-map", "0:v:0", "-frames:v", "1", *_scale(size), *IMAGE_CODECS[image_format], "-y", str(out)]


def run_cut(cmd: list[str], out: Path, timeout: float = CUT_TIMEOUT_S) -> None:
    """Run one cut; MediaError (with ffmpeg's last line, never the source URL) unless it wrote ``out``."""
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"cutting the preview took over {timeout:.0f} s") from exc
    if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = lines[-1].split("?", 1)[0] if lines else f"ffmpeg exited {done.returncode}"
        raise MediaError(f"the preview could not be cut: {reason}")
