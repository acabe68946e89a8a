"""Frames out of videos with the ffmpeg binary, for the robustness benchmark.

- ``scan``: every frame at a small fixed size (rgb24) with its presentation time, in chunks, for
  the frame-level baselines (trace.moe's method, pHash);
- ``export_frame``: one full-size frame exported losslessly as PNG, as a user's screenshot would be;
- ``clip``: frames every ``step`` seconds of a short clip, at full size;
- ``reencode``: an independent re-encode of a whole video (other resolution, low bitrate), cached.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ashen.media.alpha import scale_options
from ashen.media.probe import ffmpeg_exe, probe
from ashen.query.images import load_rgb

_PTS = re.compile(rb"\[Parsed_showinfo[^\]]*\] n:\s*\d+ pts:\s*-?\d+ pts_time:(-?[\d.e+-]+)")
RGB = npt.NDArray[np.uint8]


def _base() -> list[str]:
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error"]


@dataclass
class Scan:
    """Every frame of a video at width x height; ``times`` is filled once the chunks are consumed."""

    video: Path
    width: int = 320
    height: int = 180
    chunk: int = 256
    times: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    def chunks(self) -> Iterator[RGB]:
        start = probe(str(self.video)).start_time
        frame_bytes = self.width * self.height * 3
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "info", "-copyts", "-i", str(self.video)]
        cmd += ["-map", "0:v:0", "-an", "-sn", "-vf", f"scale={self.width}:{self.height},showinfo"]
        cmd += ["-fps_mode", "passthrough", "-pix_fmt", "rgb24", "-f", "rawvideo", "pipe:1"]
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log)
            assert proc.stdout is not None
            count = 0
            try:
                while raw := proc.stdout.read(frame_bytes * self.chunk):
                    n = len(raw) // frame_bytes
                    count += n
                    yield np.frombuffer(raw[: n * frame_bytes], np.uint8).reshape(n, self.height, self.width, 3)
            finally:
                proc.stdout.close()
                proc.wait()
            log.seek(0)
            pts = [float(m.group(1)) for m in _PTS.finditer(log.read())]
        if len(pts) != count:
            raise RuntimeError(f"{self.video.name}: {count} frames but {len(pts)} timestamps")
        self.times = np.asarray(pts, dtype=np.float64) - start


def _seek_run(video: Path, t: float, output: list[str]) -> bytes:
    """Run ffmpeg from ``t`` with a fast input seek; if the decoder chokes after the seek (some
    WebM files without cues), decode from the start and seek on the output side instead."""
    for seek in (["-ss", f"{t:.6f}", "-i", str(video)], ["-i", str(video), "-ss", f"{t:.6f}"]):
        proc = subprocess.run([*_base(), *seek, *output], capture_output=True)
        if proc.returncode == 0 and proc.stdout:
            return proc.stdout
    raise RuntimeError(f"{video.name}: no frames at {t:.3f} s ({proc.stderr.decode(errors='replace')[-200:]})")


def export_frame(video: Path, t: float) -> RGB:
    """The first frame at or after ``t`` (seconds from the start), exported as a full-size PNG and
    decoded as an uploaded PNG is (``load_rgb``): a transparent GIF's frame is laid over the one
    background the index lays it over (Pillow's ``convert("RGB")`` would keep the colour under
    transparent pixels, a picture the index never saw)."""
    png = _seek_run(video, t, ["-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"])
    return load_rgb(png)


def clip(video: Path, t0: float, seconds: float = 2.0, step: float = 0.25) -> list[tuple[float, RGB]]:
    """Frames every ``step`` seconds of [t0, t0 + seconds], full size, as (offset from t0, rgb)."""
    info = probe(str(video))
    w, h = info.width, info.height
    # laid over the index's background as the upload path lays a transparent GIF (media/alpha.py)
    vf = f"fps={1 / step:g}:round=near,scale=iw:ih:{scale_options('area')}"
    output = ["-t", f"{seconds + step / 2:.3f}", "-map", "0:v:0", "-vf", vf]
    raw = _seek_run(video, t0, [*output, "-pix_fmt", "rgb24", "-f", "rawvideo", "-"])
    n = len(raw) // (w * h * 3)
    frames = np.frombuffer(raw[: n * w * h * 3], np.uint8).reshape(n, h, w, 3)
    return [(round(i * step, 3), frames[i]) for i in range(n)]


def reencode_width(source_width: int) -> int:
    """A resolution different from the source's: 640 wide for big sources, 480 for small ones."""
    return 640 if source_width >= 800 else 480


def reencode(video: Path, cache: Path, crf: int = 32) -> Path:
    """An independent re-encode of the whole video (libx264, other width, crf 32), cached in ``cache``."""
    width = reencode_width(probe(str(video)).width)
    target = cache / f"{video.stem}-{width}w-crf{crf}.mp4"
    if target.exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.mp4")
    cmd = [*_base(), "-y", "-i", str(video), "-map", "0:v:0", "-an", "-vf", f"scale={width}:-2", "-c:v", "libx264"]
    cmd += ["-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p", str(partial)]
    subprocess.run(cmd, check=True)
    partial.rename(target)
    return target
