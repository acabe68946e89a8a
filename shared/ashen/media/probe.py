"""What a video is: its duration, start time, size, frame rate and codec, as ffmpeg (the binary
imageio-ffmpeg ships) reads them."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace

import imageio_ffmpeg

from ashen.errors import MediaError
from ashen.media.inputs import VIDEO_FORMATS, ca_file, input_args, refused

PROBE_TIMEOUT_S = 60.0
MEASURE_TIMEOUT_S = 300.0  # for a source whose header gives no duration: a pass over its packets
DEFAULT_MAX_DURATION_H = 12.0

_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?), start: (-?[\d.]+)")
_VIDEO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"([\d.]+) (?:fps|tbr)")


def ffmpeg_exe() -> str:
    exe: str = imageio_ffmpeg.get_ffmpeg_exe()  # the package ships no type hints
    return exe


@dataclass(frozen=True)
class VideoInfo:
    """What a probe learns of a source."""

    duration: float | None
    start_time: float
    width: int
    height: int
    fps: float | None
    codec: str


def describe_source(source: str) -> str:
    return source if "://" not in source else source.split("?", 1)[0]


def check_local(source: str) -> None:
    if "://" in source:
        return
    if not os.path.exists(source):
        raise MediaError(f"{source}: no such file")
    if os.path.isdir(source):
        raise MediaError(f"{source}: is a folder, not a video")
    if os.path.getsize(source) == 0:
        raise MediaError(f"{source}: file is empty")


def max_duration_s() -> float:
    """The longest video Ashen indexes, in seconds: $ASHEN_MAX_DURATION_HOURS (default 12 h)."""
    raw = os.environ.get("ASHEN_MAX_DURATION_HOURS") or str(DEFAULT_MAX_DURATION_H)
    try:
        hours = float(raw)
    except ValueError:
        raise MediaError(f"ASHEN_MAX_DURATION_HOURS={raw!r} is not a number of hours") from None
    return hours * 3600.0


def check_duration(source: str, duration: float | None, max_duration: float | None = None) -> None:
    """MediaError when a video is longer than the maximum (default: max_duration_s())."""
    limit = max_duration_s() if max_duration is None else max_duration
    if duration is not None and duration > limit:
        raise MediaError(f"{describe_source(source)}: {_hours(duration)} long, longer than the {_hours(limit)} maximum")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.3g} h"


def probe(source: str, timeout: float = PROBE_TIMEOUT_S, *, max_duration: float | None = None) -> VideoInfo:
    """Duration, start time, size, frame rate and codec of the first video stream of a source.

    A source whose header gives no duration has it measured (a pass over its packets, see
    ashen.media.extent). A video longer than ``max_duration`` seconds (default: max_duration_s(),
    12 h) is a MediaError, so nobody plans segments for a header that claims a million hours.
    """
    info = probe_header(source, timeout)
    limit = max_duration_s() if max_duration is None else max_duration
    check_duration(source, info.duration, limit)
    if info.duration is None:
        from ashen.media.extent import measure_duration

        measured = measure_duration(source, info.start_time, limit=limit, timeout=MEASURE_TIMEOUT_S)
        info = replace(info, duration=measured)
    return info


def probe_header(source: str, timeout: float = PROBE_TIMEOUT_S, formats: Sequence[str] = VIDEO_FORMATS) -> VideoInfo:
    """What the source's header says (duration None when it gives none), opened as one of the
    demuxers ``formats``: no limit checked, nothing measured."""
    check_local(source)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *input_args(source, formats)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise MediaError(f"{describe_source(source)}: probing timed out after {timeout:.0f} s") from None
    text = proc.stderr.decode("utf-8", "replace")
    name = describe_source(source)
    _check_opened(name, text)
    if "Invalid data found" in text or "could not find codec parameters" in text.lower():
        raise MediaError(f"{name}: not a readable video (ffmpeg: invalid data)")
    streams = [m for m in _VIDEO_STREAM.finditer(text) if "(attached pic)" not in _line_of(text, m.start())]
    if not streams:
        if "Stream #" in text:
            raise MediaError(f"{name}: has no video stream (audio only?)")
        last = text.strip().splitlines()[-1] if text.strip() else "no output"
        raise MediaError(f"{name}: not a readable video ({last})")
    fmt = re.search(r"Input #0, ([\w,]+),", text)
    if fmt and (fmt.group(1) == "image2" or fmt.group(1).endswith("_pipe")):
        raise MediaError(f"{name}: is a still image, not a video (use 'ashen search' for images)")
    stream = streams[0]
    line = _line_of(text, stream.start())
    fps_match = _FPS.search(line)
    duration, start = None, 0.0
    dm = _DURATION.search(text)
    if dm:
        h, m, s, st = dm.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
        start = float(st)
    elif (sm := re.search(r"start: (-?[\d.]+)", text)) is not None:
        start = float(sm.group(1))
    return VideoInfo(
        duration=duration,
        start_time=start,
        width=int(stream.group(2)),
        height=int(stream.group(3)),
        fps=float(fps_match.group(1)) if fps_match else None,
        codec=stream.group(1),
    )


def _check_opened(name: str, text: str) -> None:
    """MediaError when ffmpeg could not open the source for a reason other than its bytes."""
    if refused(text):
        raise MediaError(f"{name}: not a video container Ashen reads (a playlist, an image or another format?)")
    if "certificate verify failed" in text:
        raise MediaError(f"{name}: the https server's certificate is not trusted (CA bundle: {ca_file()})")


def _line_of(text: str, pos: int) -> str:
    end = text.find("\n", pos)
    return text[text.rfind("\n", 0, pos) + 1 : end if end >= 0 else len(text)]
