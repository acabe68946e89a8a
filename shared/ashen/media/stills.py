"""Pictures out of a video as 8-bit RGB, as a screenshot tool would take them: a frame near a
time (the keyframes the bar detection looks at) and the frames of a query clip, spread over it."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ashen.errors import ImageTooLarge, MediaError
from ashen.media.alpha import scale_options
from ashen.media.extent import measure_duration
from ashen.media.inputs import VIDEO_FORMATS, input_args
from ashen.media.probe import (
    PROBE_TIMEOUT_S,
    VideoInfo,
    check_local,
    describe_source,
    ffmpeg_exe,
    max_duration_s,
    probe_header,
)

_PPM = re.compile(rb"P6\s+(\d+)\s+(\d+)\s+255\s")
_SHOWN_AT = re.compile(r"Parsed_showinfo_\d+ @ \w+\] n: *\d+ pts: *-?\d+ pts_time:(-?[\d.]+)")


def grab_frame(source: str, at: float, max_width: int = 640, timeout: float = PROBE_TIMEOUT_S) -> npt.NDArray[np.uint8]:
    """A frame near ``at`` as 8-bit RGB, at most max_width wide: the keyframe at or before it when
    the demuxer finds one (decoding one frame only), else the first frame decoded after the seek."""
    vf = f"scale='min({max_width},iw)':-2:{scale_options('area')}"
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


@dataclass(frozen=True)
class ClipBudget:
    """What decoding one query clip may cost (docs/limits.md, "Clip queries"): the seconds read from
    its start (a longer clip is searched on its first ``seconds``), the frames kept (evenly spaced
    over what is read, at least ``min_step`` apart), their long side, the pixels of the clip's
    frame, the demuxers that may open it, and the time ffmpeg may take to probe and to decode it."""

    seconds: float = 60.0
    max_frames: int = 16
    side: int = 640
    min_step: float = 0.25  # a clip of 4 s or less keeps a frame every 0.25 s, as an animation does
    max_pixels: int = 3840 * 2160
    formats: tuple[str, ...] = VIDEO_FORMATS
    probe_timeout: float = 5.0
    timeout: float = 15.0


def clip_frames(source: str, budget: ClipBudget = ClipBudget()) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """Frames of a query clip (a video or animated image file): (offset in seconds from its first
    frame, RGB), at most ``budget.max_frames`` spread evenly over its first ``budget.seconds``, 8-bit
    RGB like a screenshot, the long side at most ``budget.side``. MediaError when it is no clip
    ffmpeg reads (or takes too long), ImageTooLarge when its frames are over ``budget.max_pixels``."""
    check_local(source)
    info = probe_header(source, budget.probe_timeout, budget.formats)
    check_frame_size(source, info, budget.max_pixels)
    step = max(budget.min_step, clip_span(source, info, budget) / budget.max_frames)
    return _decode_clip(source, step, budget)


def check_frame_size(source: str, info: VideoInfo, max_pixels: int) -> None:
    """ImageTooLarge when the clip's frames are over ``max_pixels`` (the decoder holds several)."""
    if info.width * info.height > max_pixels:
        raise ImageTooLarge(
            f"{describe_source(source)}: its frames are {info.width}x{info.height}, "
            f"over the limit of {max_pixels / 1e6:.1f} megapixels"
        )


def clip_span(source: str, info: VideoInfo, budget: ClipBudget) -> float:
    """The seconds of the clip its frames are spread over: its duration (measured from its packets
    when the header gives none, as a WebM recorded in a browser), at most ``budget.seconds``."""
    duration = info.duration
    if duration is None:
        duration = measure_duration(source, info.start_time, limit=max_duration_s(), timeout=budget.probe_timeout)
    return min(max(duration, 0.0), budget.seconds)


def _decode_clip(source: str, step: float, budget: ClipBudget) -> list[tuple[float, npt.NDArray[np.uint8]]]:
    """The first frame at or after every ``step`` seconds of the clip's first ``budget.seconds``
    (ffmpeg stops reading there whatever the header says), at most ``budget.max_frames``, scaled
    down by ffmpeg, each with its own time (showinfo's, so a clip of uneven frame rate is right)."""
    side = budget.side
    pick = f"select='gte(t-start_t,selected_n*{step:.6f})',showinfo"
    scale = f"scale=w='min({side},iw)':h='min({side},ih)':force_original_aspect_ratio=decrease:{scale_options('area')}"
    cmd = [ffmpeg_exe(), "-hide_banner", "-v", "info", "-nostdin", "-t", f"{budget.seconds:.3f}"]
    cmd += [*input_args(source, budget.formats), "-map", "0:v:0", "-frames:v", str(budget.max_frames)]
    cmd += ["-vf", f"{pick},{scale}", "-fps_mode", "passthrough", "-f", "image2pipe", "-vcodec", "ppm", "pipe:1"]
    name = describe_source(source)
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=budget.timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{name}: decoding the clip took over {budget.timeout:.0f} s") from None
    times = [float(t) for t in _SHOWN_AT.findall(proc.stderr.decode("utf-8", "replace"))]
    frames: list[npt.NDArray[np.uint8]] = []
    pos = 0
    while pos < len(proc.stdout):
        frame, pos = _parse_ppm_at(proc.stdout, pos)
        frames.append(frame)
    if not frames:
        raise MediaError(f"{name}: no frames could be decoded")
    if len(times) < len(frames):
        raise MediaError(f"{name}: ffmpeg gave {len(frames)} frames but {len(times)} times")
    return [(t - times[0], frame) for t, frame in zip(times, frames, strict=False)]


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
