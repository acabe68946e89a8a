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
from ashen.media.probe import VideoInfo, describe_source, ffmpeg_exe, probe

GRID = 64  # ffmpeg's output grid; a multiple of 8 so each CLD block is an exact 8x8 patch of it
FRAME_BYTES = GRID * GRID * 3 * 2
STALL_TIMEOUT_S = 120.0  # no frame for this long means ffmpeg is stuck: kill it

# ffmpeg's 8-bit RGB converter (the one that writes screenshots and PNG exports) lands on average
# this much below the exact YUV->RGB value; the 16-bit area path we read does not. Measured on the
# clips in ../shared/media/video (see benchmarks/consistency.py), subtracted so stored signatures
# agree with what a screenshot of the same frame hashes to.
RGB24_BIAS = np.array([0.5, 1.0, 0.6])

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
        vf = f"scale={GRID}:{GRID}:flags=area+accurate_rnd,showinfo"
        if crop is not None:
            t, b, l_, r = crop
            vf = f"crop={r - l_}:{b - t}:{l_}:{t}:exact=1," + vf
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-threads", str(threads)]
        if seek > 0:
            cmd += ["-noaccurate_seek", "-ss", f"{seek:.6f}"]
        cmd += ["-copyts", "-i", source, "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", vf]
        cmd += ["-fps_mode", "passthrough", "-pix_fmt", "rgb48le", "-f", "rawvideo", "pipe:1"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pts: Queue[float | None] = Queue()
        self.errors: list[str] = []
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
            yield times, raw[: count * FRAME_BYTES]
            if count < batch:
                return

    def close(self) -> int:
        self._stop.set()
        if self.proc.poll() is None:
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
    """What one ffmpeg pass saw: the time of its first frame, the frames it kept, and whether it
    got to the end of the window (False: it started past t0)."""

    first_seen: float | None = None
    produced: int = 0
    done: bool = False


def read_range(
    source: str,
    t0: float = 0.0,
    t1: float | None = None,
    *,
    info: VideoInfo | None = None,
    options: ReadOptions | None = None,
) -> Iterator[FrameBatch]:
    """Signatures of every frame whose presentation time t (seconds from the start) is in [t0, t1)."""
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
        if seen.done and seen.produced == 0 and seen.first_seen is None and code != 0:
            detail = reader.errors[-1] if reader.errors else f"ffmpeg exited with status {code}"
            raise MediaError(f"{describe_source(source)}: could not decode video ({detail})")
        return


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
