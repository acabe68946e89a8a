"""Pictures out of a video as 8-bit RGB, as a screenshot tool would take them: a frame near a
time (the keyframes the bar detection looks at) and the frames of a short query clip."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import numpy.typing as npt

from ashen.errors import MediaError
from ashen.media.inputs import input_args
from ashen.media.probe import PROBE_TIMEOUT_S, check_local, describe_source, ffmpeg_exe

_PPM = re.compile(rb"P6\s+(\d+)\s+(\d+)\s+255\s")


def grab_frame(source: str, at: float, max_width: int = 640, timeout: float = PROBE_TIMEOUT_S) -> npt.NDArray[np.uint8]:
    """A frame near ``at`` as 8-bit RGB, at most max_width wide: the keyframe at or before it when
    the demuxer finds one (decoding one frame only), else the first frame decoded after the seek."""
    vf = f"scale='min({max_width},iw)':-2:flags=area"
    for fast in (True, False):
        cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", *(["-skip_frame", "nokey"] if fast else [])]
        cmd += ["-noaccurate_seek", "-ss", f"{max(0.0, at):.3f}", *input_args(source)]
        cmd += ["-map", "0:v:0", "-frames:v", "1", "-vf", vf, "-f", "image2pipe", "-vcodec", "ppm", "pipe:1"]
        try:
            out = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL).stdout
        except subprocess.TimeoutExpired:
            raise MediaError(f"{describe_source(source)}: reading a frame timed out") from None
        if out:
            return _parse_ppm(out)
    raise MediaError(f"{describe_source(source)}: no frame near {at:.2f} s")


def clip_frames(
    source: str, *, fps: float = 4.0, max_frames: int = 16, max_width: int = 640, timeout: float = PROBE_TIMEOUT_S
) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """Frames of a short query clip (a video or animated image file): (offset in seconds, RGB),
    sampled at ``fps`` from its start, at most ``max_frames``, 8-bit RGB like a screenshot."""
    check_local(source)
    vf = f"fps={fps},scale='min({max_width},iw)':-2:flags=area"
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", *input_args(source), "-map", "0:v:0"]
    cmd += ["-frames:v", str(max_frames)]
    cmd += ["-vf", vf, "-f", "image2pipe", "-vcodec", "ppm", "pipe:1"]
    try:
        out = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL).stdout
    except subprocess.TimeoutExpired:
        raise MediaError(f"{describe_source(source)}: reading the clip timed out") from None
    frames: list[tuple[float, npt.NDArray[np.uint8]]] = []
    pos = 0
    while pos < len(out):
        frame, pos = _parse_ppm_at(out, pos)
        frames.append((len(frames) / fps, frame))
    if not frames:
        raise MediaError(f"{describe_source(source)}: no frames could be decoded")
    return frames


def _parse_ppm(data: bytes) -> npt.NDArray[np.uint8]:
    return _parse_ppm_at(data, 0)[0]


def _parse_ppm_at(data: bytes, pos: int) -> tuple[npt.NDArray[np.uint8], int]:
    m = _PPM.match(data, pos)
    if m is None:
        raise MediaError("ffmpeg returned no frame")
    w, h = int(m.group(1)), int(m.group(2))
    end = m.end() + w * h * 3
    if end > len(data):
        raise MediaError("ffmpeg returned a truncated frame")
    return np.frombuffer(data[m.end() : end], dtype=np.uint8).reshape(h, w, 3), end
