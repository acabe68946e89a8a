"""Peak memory and CPU of decoding hostile query images, each in a fresh process, against a screenshot.

Every input goes through ``ashen.api.search_routes.query_frames`` (what ``POST /search`` calls on an
uploaded image) in a child process of its own; the parent reads the child's peak RSS and CPU time
from ``os.wait4``. Printed: one row per input with the outcome, peak RSS (MB), CPU seconds, both as a
ratio to the 1920x1080 JPEG screenshot measured in the same run, and whether it stays within the
budget (300 MB peak, 2 s CPU).

    PYTHONPATH=shared:. .venv/bin/python benchmarks/hostile_inputs.py
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile

from tests.query import hostile_files as hostile

PEAK_MB, CPU_S = 300.0, 2.0
CHILD = """
import sys
from ashen.api.requests import ImageUpload
from ashen.api.search_routes import query_frames
from ashen.errors import AshenError
data = open(sys.argv[1], "rb").read()
try:
    frames = query_frames(ImageUpload(data))
    h, w = frames[0][1].shape[:2]
    print(f"{len(frames)} frame(s) {w}x{h}")
except AshenError as exc:
    print(f"{type(exc).__name__}: {exc}"[:90])
"""
IMPORT_ONLY = "import ashen.api.search_routes"


def _saved(img: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def _screenshot() -> bytes:
    rng = np.random.default_rng(1)
    ramp = np.linspace(0, 255, 1920, dtype=np.float32)[None, :, None]
    pixels = np.clip(ramp + rng.normal(0, 20, (1080, 1920, 3)), 0, 255).astype(np.uint8)
    return _saved(Image.fromarray(pixels), "JPEG", quality=90)


def _small_gif() -> bytes:
    frames = [Image.new("RGB", (480, 270), (10 * i, 40, 200 - 10 * i)) for i in range(20)]
    return _saved(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def _progressive_jpeg(subsampling: int, size: tuple[int, int] = (8000, 6000)) -> bytes:
    rng = np.random.default_rng(2)
    blocks = rng.integers(0, 256, (size[1] // 16, size[0] // 16, 3), dtype=np.uint8)
    pixels = blocks.repeat(16, axis=0).repeat(16, axis=1)
    ImageFile.MAXBLOCK = 2**27  # a progressive JPEG is written in one block
    return _saved(Image.fromarray(pixels), "JPEG", quality=70, progressive=True, subsampling=subsampling)


def _webp_animation() -> bytes:
    frames = [Image.new("RGB", (3840, 2160), (4 * i, 0, 0)) for i in range(60)]
    return _saved(frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=20, lossless=True)


INPUTS: dict[str, Callable[[], bytes]] = {
    "screenshot JPEG 1920x1080": _screenshot,
    "GIF 480x270, 20 frames": _small_gif,
    "GIF 4000x4000, 300 frames": lambda: hostile.gif((4000, 4000), 300),
    "GIF 4095x4095, 17 frames": lambda: hostile.gif((4095, 4095), 17, delay_cs=25),
    "GIF 64x64 grown to 9000x9000": lambda: hostile.gif((64, 64), 4, delay_cs=30, grow_to=(9000, 9000)),
    "APNG 7000x7000 RGBA, 4 frames": lambda: hostile.apng((7000, 7000), 4),
    "PNG 7000x7000 RGBA still": lambda: hostile.apng((7000, 7000), 1),
    "WebP 7000x7000 still": lambda: _saved(Image.new("RGB", (7000, 7000)), "WEBP", lossless=True),
    "JPEG 8000x6000 progressive 4:4:4": lambda: _progressive_jpeg(subsampling=0),
    # the largest inputs the limits let through
    "GIF 3840x2160, 300 frames": lambda: hostile.gif((3840, 2160), 300, delay_cs=2),
    "APNG 3840x2160 RGBA, 40 frames": lambda: hostile.apng((3840, 2160), 40),
    "PNG 7071x7071 RGBA still (50 MP)": lambda: hostile.apng((7071, 7071), 1),
    "BMP 2800x2800 24-bit still": lambda: _saved(Image.new("RGB", (2800, 2800)), "BMP"),
    "WebP 3840x2160 still": lambda: _saved(Image.new("RGB", (3840, 2160)), "WEBP", lossless=True),
    "WebP 3840x2160, 60 frames": _webp_animation,
    "JPEG 8000x6000 progressive 4:2:0": lambda: _progressive_jpeg(subsampling=2),
    "JPEG 4000x3000 progressive 4:4:4": lambda: _progressive_jpeg(subsampling=0, size=(4000, 3000)),
    # refused by format
    "TIFF, 4th page 9400x9400": lambda: hostile.tiff_with_huge_page((640, 480), (9400, 9400)),
    "PSD 2000x2000": lambda: hostile.psd((2000, 2000)),
    "EPS 64x64": lambda: hostile.eps((64, 64)),
}


def measure(code: str, path: Path | None) -> tuple[str, float, float]:
    """(what the child printed, its peak RSS in MB, its CPU seconds) for one fresh child process."""
    args = [sys.executable, "-c", code] + ([str(path)] if path else [])
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=os.environ.copy())
        _, _, usage = os.wait4(child.pid, 0)
        child.returncode = 0
        out.seek(0)
        said = out.read().decode(errors="replace").strip().splitlines()
    return (said[-1] if said else ""), usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def build(folder: Path) -> None:
    """Write every input into ``folder`` (run in a child, so that the parent stays small: a child's
    peak RSS counts the parent's pages at fork)."""
    for index, make in enumerate(INPUTS.values()):
        (folder / f"{index:02d}").write_bytes(make())


def main() -> None:
    _, base_mb, base_cpu = measure(IMPORT_ONLY, None)
    print(f"import only: {base_mb:.0f} MB, {base_cpu:.2f} s CPU (included in every row)\n")
    within = f"within {PEAK_MB:.0f} MB / {CPU_S:.0f} s"
    print(f"| input | bytes | outcome | peak MB | CPU s | x screenshot (MB / CPU) | {within} |")
    print("|---|---:|---|---:|---:|---:|---|")
    ref: tuple[float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, __file__, "--build", tmp], check=True)
        for index, name in enumerate(INPUTS):
            path = Path(tmp) / f"{index:02d}"
            said, peak, cpu = measure(CHILD, path)
            ref = ref or (peak, cpu)
            ok = "yes" if peak <= PEAK_MB and cpu <= CPU_S else "NO"
            ratio = f"{peak / ref[0]:.1f} / {cpu / ref[1]:.1f}"
            size = path.stat().st_size
            print(f"| {name} | {size:,} | {said} | {peak:.0f} | {cpu:.2f} | {ratio} | {ok} |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[2]))
    else:
        main()
