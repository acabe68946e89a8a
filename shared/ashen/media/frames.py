"""Frames out of a video with the ffmpeg binary imageio-ffmpeg ships.

ffmpeg decodes, area-averages every frame down to a 64x64 grid in 16-bit RGB and pipes it out, so
Python never holds a full-size frame. Each frame comes with its exact presentation time, taken from
the ``showinfo`` filter. A time range is read with a keyframe seek and filtered by timestamp here,
so reading consecutive ranges yields exactly the frames of one full read.
"""

from __future__ import annotations

import math
import re
import subprocess
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, fields
from queue import Empty, Queue

import numpy as np
import numpy.typing as npt

from ashen.box import Box
from ashen.descriptors.color_layout import from_block_means
from ashen.descriptors.luma_grid import GRID_SIDE, luma_of
from ashen.errors import MediaError
from ashen.media.alpha import scale_options
from ashen.media.extent import stream_ends
from ashen.media.inputs import input_args
from ashen.media.probe import VideoInfo, describe_source, ffmpeg_exe, probe

GRID = 64  # ffmpeg's output grid; a multiple of 8 so each CLD block is an exact 8x8 patch of it
FRAME_BYTES = GRID * GRID * 3 * 2
STALL_TIMEOUT_S = 120.0  # no frame for this long means ffmpeg is stuck: kill it
EXIT_TIMEOUT_S = 30.0  # after its last frame, ffmpeg has this long to exit with its status
END_TOLERANCE_S = 0.5  # a full read's last frame lies at most this (or two frame intervals) before the end

# ffmpeg's 8-bit RGB converter (the one that writes screenshots and PNG exports) lands on average
# this much below the exact YUV->RGB value; the 16-bit area path we read does not. Measured on the
# clips in ../shared/media/video (see benchmarks/consistency.py), subtracted so stored signatures
# agree with what a screenshot of the same frame hashes to.
RGB24_BIAS = np.array([0.5, 1.0, 0.6])

_LOG_PREFIX = re.compile(r"^\[[^]]*\] ")  # "[tls @ 0x55a5...] "
_SHOWINFO = re.compile(rb"\[Parsed_showinfo[^\]]*\] n:\s*\d+ pts:\s*(-?\d+) pts_time:(-?[\d.e+-]+)")


@dataclass(frozen=True)
class FrameBatch:
    """Consecutive frames of one read: times in seconds from the start, their 33 CLD values and
    their luma grids (see ashen.descriptors.luma_grid)."""

    times: npt.NDArray[np.float64]
    signatures: npt.NDArray[np.uint8]
    luma: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def join(cls, batches: Sequence[FrameBatch]) -> FrameBatch:
        """Consecutive batches as one."""
        if not batches:
            empty = np.zeros((0, GRID_SIDE, GRID_SIDE), dtype=np.float32)
            return cls(np.zeros(0), np.zeros((0, 33), dtype=np.uint8), empty)
        return cls(*(np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)))


def _grid_descriptors(grids: npt.NDArray[np.uint16]) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """CLD values and luma grids of frames piped out by ffmpeg, given as (n, GRID, GRID, 3) 16-bit RGB."""
    n, step = len(grids), GRID // GRID_SIDE
    # 16-bit full scale is 65535 = 255 * 257. Each luma-grid block is a 4x4 patch of the grid and each
    # CLD block 2x2 luma-grid blocks: sums of integers divided by powers of two, so the CLD means
    # come out exactly as if taken over their 8x8 patches directly.
    fine = grids.reshape(n, GRID_SIDE, step, GRID_SIDE, step, 3).mean(axis=(2, 4), dtype=np.float64)
    half = GRID_SIDE // 8
    means = fine.reshape(n, 8, half, 8, half, 3).mean(axis=(2, 4)) / 257.0 - RGB24_BIAS
    return from_block_means(means), luma_of(fine / 257.0 - RGB24_BIAS)


class _FfmpegReader:
    """One ffmpeg process piping 64x64 RGB48 frames, with a watchdog and timestamp collection."""

    def __init__(self, source: str, seek: float, threads: int, crop: Box | None = None) -> None:
        self.seek = seek
        vf = f"scale={GRID}:{GRID}:{scale_options('area+accurate_rnd')},showinfo"
        if crop is not None:
            t, b, l_, r = crop
            vf = f"crop={r - l_}:{b - t}:{l_}:{t}:exact=1," + vf
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-threads", str(threads)]
        if seek > 0:
            cmd += ["-noaccurate_seek", "-ss", f"{seek:.6f}"]
        cmd += ["-copyts", *input_args(source), "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", vf]
        cmd += ["-fps_mode", "passthrough", "-pix_fmt", "rgb48le", "-f", "rawvideo", "pipe:1"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pts: Queue[float | None] = Queue()
        self.errors: list[str] = []
        self.eof = False  # ffmpeg closed its output: it ended by itself
        self.stopped = False  # the reader killed ffmpeg, having read what it needed
        self.last_progress = time.monotonic()
        self._stderr = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr.start()
        self._stop = threading.Event()
        self._watchdog = threading.Thread(target=self._watch, daemon=True)
        self._watchdog.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            m = _SHOWINFO.search(line)
            if m:
                self.pts.put(float(m.group(2)))
                self.last_progress = time.monotonic()
            elif b"error" in line.lower() or b"invalid" in line.lower():
                self.errors.append(line.decode("utf-8", "replace").strip())
        self.pts.put(None)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            if time.monotonic() - self.last_progress > STALL_TIMEOUT_S:
                self.errors.append(f"ffmpeg made no progress for {STALL_TIMEOUT_S:.0f} s and was stopped")
                self.proc.kill()
                return

    def frames(self, batch: int) -> Iterator[tuple[list[float], bytes]]:
        assert self.proc.stdout is not None
        while True:
            raw = self.proc.stdout.read(FRAME_BYTES * batch)
            count = len(raw) // FRAME_BYTES
            if count == 0:
                self.eof = True
                return
            self.last_progress = time.monotonic()
            times: list[float] = []
            for _ in range(count):
                try:
                    t = self.pts.get(timeout=STALL_TIMEOUT_S)
                except Empty:
                    t = None
                if t is None:
                    raise MediaError("ffmpeg produced a frame without a timestamp")
                times.append(t)
            if count < batch:
                self.eof = True
            yield times, raw[: count * FRAME_BYTES]
            if count < batch:
                return

    def close(self) -> int:
        """Stop ffmpeg if the reader left before the end (``stopped``), else wait for it to exit;
        its exit status either way (negative: killed by that signal)."""
        self._stop.set()
        if not self.eof and self.proc.poll() is None:
            self.stopped = True
            self.proc.kill()
        try:
            code = self.proc.wait(timeout=EXIT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.errors.append(f"ffmpeg did not exit within {EXIT_TIMEOUT_S:.0f} s of its last frame")
            self.proc.kill()
            code = self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        # ffmpeg is gone, so its stderr ends: let the reader thread finish before closing the
        # pipe under it (closing first made it fail inside the read).
        self._stderr.join(timeout=5)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        return code


@dataclass(frozen=True)
class ReadOptions:
    """How read_range reads: ffmpeg's decoding threads, frames per pipe read, the part of each frame
    to hash (``crop``: the picture inside baked-in bars) and a callback told the time reached after
    each batch."""

    threads: int = 1
    batch: int = 256
    crop: Box | None = None
    on_progress: Callable[[float], None] | None = None


@dataclass(frozen=True)
class _Window:
    """The frames a read keeps: presentation times t in [t0, end), in seconds from ``origin`` (the
    source's start time)."""

    t0: float
    end: float
    origin: float


@dataclass
class _Pass:
    """What one ffmpeg pass saw: the times of its first and last frames, the frames it kept,
    whether it went on to the end of the window or of the video (False: it started past t0), and
    whether that was the window's end (a frame at or past it came)."""

    first_seen: float | None = None
    last_seen: float | None = None
    produced: int = 0
    done: bool = False
    reached_end: bool = False


def read_range(
    source: str,
    t0: float = 0.0,
    t1: float | None = None,
    *,
    info: VideoInfo | None = None,
    options: ReadOptions | None = None,
) -> Iterator[FrameBatch]:
    """Signatures of every frame whose presentation time t (seconds from the start) is in [t0, t1).

    A read is complete or a MediaError: ffmpeg must exit cleanly (not killed, not interrupted)
    unless the reader stopped it past t1, and a read that ends with the video must reach the end
    the probe found (see _check_complete): a file cut short fails instead of passing for whole.
    """
    info = info or probe(source)
    options = options or ReadOptions()
    window = _Window(t0, math.inf if t1 is None else t1, info.start_time)
    seek = max(0.0, t0)
    while True:
        reader = _FfmpegReader(source, seek, options.threads, options.crop)
        try:
            seen = yield from _read_pass(reader, window, options)
        finally:
            code = reader.close()
        if not seen.done and seen.first_seen is not None and seek > 0:
            seek = max(0.0, seek - max(5.0, 2 * (seen.first_seen - t0)))
            continue
        if not seen.reached_end:
            _check_complete(source, info, window, seen, reader, code)
        return


def _check_complete(
    source: str, info: VideoInfo, window: _Window, seen: _Pass, reader: _FfmpegReader, code: int
) -> None:
    """MediaError unless a pass that ended with its ffmpeg's output went as far as the video does:
    ffmpeg exited with status 0, and the last frame lies within the tolerance of min(t1, duration),
    or else the packets of the file's tail show the video stream itself ends there (its audio
    goes on) rather than the file stopping short of the duration its header claims."""
    name = describe_source(source)
    at = seen.last_seen if seen.last_seen is not None else max(0.0, window.t0)
    # The first error says why ffmpeg could not open a source; the last, where decoding broke off.
    error = reader.errors[0 if seen.first_seen is None else -1] if reader.errors else None
    detail = f" ({_LOG_PREFIX.sub('', error)})" if error else ""
    _check_exit(name, code, at if seen.first_seen is not None else None, detail)
    if info.duration is None:
        return
    tolerance = max(END_TOLERANCE_S, 2.0 / info.fps if info.fps else 0.0)
    expected = min(window.end, info.duration)
    if at + tolerance >= expected:
        return
    ends = stream_ends(source, min(60.0, max(5.0, info.duration - at + 2 * tolerance)))
    file_end = None if ends.any is None else ends.any - info.start_time
    video_end = None if ends.video is None else ends.video - info.start_time
    if file_end is None or file_end + tolerance < info.duration:
        stop = f"no frames after {at:.1f} s" if seen.last_seen is None else f"frames stop at {at:.1f} s"
        raise MediaError(f"{name}: truncated: {stop} of {info.duration:.1f} s{detail}")
    if video_end is not None and at + 2 * tolerance < video_end:
        raise MediaError(f"{name}: frames stop at {at:.1f} s, the video stream goes on to {video_end:.1f} s{detail}")


def _check_exit(name: str, code: int, at: float | None, detail: str) -> None:
    """MediaError unless ffmpeg exited with status 0 (``at``: its last frame's time, None: none came)."""
    if code == 0:
        return
    if at is None:
        raise MediaError(f"{name}: could not decode video{detail or f' (ffmpeg exited with status {code})'}")
    if code < 0:
        raise MediaError(f"{name}: ffmpeg was killed by signal {-code} at {at:.1f} s{detail}")
    if code == 255:  # ffmpeg's status when SIGTERM or SIGINT stopped it
        raise MediaError(f"{name}: ffmpeg was interrupted (exit status 255) at {at:.1f} s")
    raise MediaError(f"{name}: ffmpeg failed with exit status {code} at {at:.1f} s{detail}")


def _read_pass(reader: _FfmpegReader, window: _Window, options: ReadOptions) -> Generator[FrameBatch, None, _Pass]:
    """The frames of one ffmpeg process that fall in ``window``; stops early (not done) when the
    demuxer seeked past t0 (imprecise formats), so that the caller seeks earlier."""
    seen = _Pass()
    for times, raw in reader.frames(options.batch):
        t = np.asarray(times, dtype=np.float64) - window.origin
        if seen.first_seen is None:
            seen.first_seen = float(t[0])
            if reader.seek > 0 and seen.first_seen > window.t0 + 1e-6:
                return seen
        seen.last_seen = float(t[-1])
        keep = (t >= window.t0) & (t < window.end)
        if keep.any():
            # Hash only the kept frames: those between the keyframe seeked to and t0, or past the
            # end, were decoded but are dropped.
            idx = np.flatnonzero(keep)
            grids = np.frombuffer(raw, dtype="<u2").reshape(len(times), GRID, GRID, 3)
            sigs, luma = _grid_descriptors(grids[idx])
            seen.produced += len(idx)
            yield FrameBatch(times=t[idx], signatures=sigs, luma=luma)
        if options.on_progress is not None:
            options.on_progress(float(min(t[-1], window.end)))
        if t[-1] >= window.end:
            seen.reached_end = True
            break
    seen.done = True
    return seen


def read_all(
    source: str,
    t0: float = 0.0,
    t1: float | None = None,
    *,
    info: VideoInfo | None = None,
    options: ReadOptions | None = None,
) -> FrameBatch:
    """Every frame of a source in [t0, t1) in one batch (convenience for tests and small clips)."""
    return FrameBatch.join(list(read_range(source, t0, t1, info=info, options=options)))
