"""How far a source really goes, from its packets rather than its header: ffmpeg copies packets
(no decoding) to its ``framecrc`` muxer, which prints each packet's timestamps.

``measure_duration`` passes over every packet of the video stream, for a source whose header gives
no duration (a Matroska file written to a pipe, a raw stream). ``stream_ends`` reads only the last
seconds, to tell a file cut short (no packets reach the end its header claims) from a video stream
that simply ends before the audio does.
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass
from fractions import Fraction

from ashen.errors import MediaError
from ashen.media.inputs import input_args
from ashen.media.probe import PROBE_TIMEOUT_S, describe_source, ffmpeg_exe

_TIMEBASE = re.compile(r"#tb (\d+): (\d+)/(\d+)")
_PACKET = re.compile(r"(\d+),\s*-?\d+,\s*(-?\d+),\s*(\d+),")


@dataclass(frozen=True)
class StreamEnds:
    """Where the packets of a source's tail end, in seconds on its own time line (the start time
    included): the first video stream's, and the latest of the video and audio streams'. None: no
    packet of that kind was found."""

    video: float | None
    any: float | None


class _Ends:
    """The end (timestamp + duration) of the latest packet of each stream in framecrc lines."""

    def __init__(self) -> None:
        self.timebase: dict[int, Fraction] = {}
        self.end: dict[int, float] = {}

    def feed(self, line: str) -> None:
        if (tb := _TIMEBASE.match(line)) is not None:
            self.timebase[int(tb.group(1))] = Fraction(int(tb.group(2)), int(tb.group(3)))
        elif (pkt := _PACKET.match(line)) is not None:
            stream = int(pkt.group(1))
            end = float((int(pkt.group(2)) + int(pkt.group(3))) * self.timebase.get(stream, Fraction(1)))
            self.end[stream] = max(end, self.end.get(stream, end))


def _copy_cmd(source: str, *, tail: float | None = None, audio: bool = False) -> list[str]:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-copyts"]
    cmd += ["-sseof", f"-{tail:.3f}"] if tail is not None else []
    cmd += [*input_args(source), "-map", "0:v:0", *(["-map", "0:a?"] if audio else []), "-c", "copy"]
    return [*cmd, "-f", "framecrc", "pipe:1"]


def measure_duration(source: str, start: float, *, limit: float, timeout: float) -> float:
    """Seconds from ``start`` to the end of the last video packet; MediaError when that is over
    ``limit`` (the pass stops there) or takes longer than ``timeout``."""
    name = describe_source(source)
    proc = subprocess.Popen(
        _copy_cmd(source), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    ends, too_long = _Ends(), False
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            ends.feed(line)
            if ends.end.get(0, start) - start > limit:
                too_long = True
                break
    finally:
        timed_out = not timer.is_alive()
        timer.cancel()
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    if too_long:
        raise MediaError(f"{name}: longer than the {limit / 3600:.3g} h maximum (measured, no duration in its header)")
    if timed_out:
        raise MediaError(f"{name}: its header gives no duration, and measuring it took over {timeout:.0f} s")
    if 0 not in ends.end:
        raise MediaError(f"{name}: no video packets found")
    return ends.end[0] - start


def stream_ends(source: str, tail: float, timeout: float = PROBE_TIMEOUT_S) -> StreamEnds:
    """Where the video and audio packets of the last ``tail`` seconds (by the header's duration) end."""
    try:
        proc = subprocess.run(
            _copy_cmd(source, tail=tail, audio=True), capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise MediaError(f"{describe_source(source)}: reading its last {tail:.0f} s timed out") from None
    ends = _Ends()
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        ends.feed(line)
    return StreamEnds(ends.end.get(0), max(ends.end.values(), default=None))
