"""Synthetic libraries from real footage, for scale measurements.

Real scenes come from indexing real video (the 10-minute film and ../shared/media/video). A
synthetic "film" is a real film's scene sequence passed through one random transform: DC terms
shifted (Y by up to +-12, Cb and Cr by up to +-5) and a random half of the AC terms mirrored
around 16 (v -> 32 - v, what a mirror does to odd horizontal terms). Each synthetic film keeps the
structure of real footage (long shots that leave runs of near-identical scenes, cuts, palettes)
but is distinct from every other. Near-uniform frames are kept untouched, as every real episode
has the same black frames. A query is a real re-encoded frame passed through the transform of the
film it belongs to, so its drift from the stored scene is real.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ashen.descriptors.buckets import is_flat
from ashen.descriptors.signature import unpack_all
from ashen.indexing.scenes import scenes_of
from ashen.media.frames import read_all
from ashen.media.probe import ffmpeg_exe

DC = np.array([0, 21, 27])
MAXIMA = np.full(33, 31)
MAXIMA[DC] = 63


def scene_values(
    times: npt.NDArray[np.float64], sigs: npt.NDArray[np.uint8], luma: npt.NDArray[np.floating] | None = None
) -> npt.NDArray[np.uint8]:
    """The signatures of the scenes the index stores for these frames (with ``luma``, runs are
    split where the picture drifts, as ``ashen index`` does)."""
    scenes = scenes_of(times, sigs, luma)
    return unpack_all(s.signature for s in scenes)


def reencode_pairs(film: Path, out: Path) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray]:
    """(stored frame signatures, re-encoded frame signatures, times) of a film and of an independent
    re-encode (640 px wide, x264 CRF 32), frame by frame. Cached in ``out``."""
    cache = out / f"{film.stem}-pairs.npz"
    if not cache.exists():
        reenc = out / f"{film.stem}-640-crf32.mp4"
        if not reenc.exists():
            cmd = [
                ffmpeg_exe(),
                "-v",
                "error",
                "-y",
                "-i",
                str(film),
                "-an",
                "-vf",
                "scale=640:-2",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "32",
                str(reenc),
            ]
            subprocess.run(cmd, check=True)
        a, b = read_all(str(film)), read_all(str(reenc))
        n = min(len(a), len(b))
        np.savez(cache, a=a.signatures[:n], b=b.signatures[:n], t=a.times[:n])
    data = np.load(cache)
    return data["a"], data["b"], data["t"]


def transform(values: npt.NDArray[np.integer], seed: int) -> npt.NDArray[np.uint8]:
    """The transform of synthetic film ``seed`` (see module doc); flat frames pass unchanged.
    Film 0 is the real film itself (so real screenshots of it can be searched in the library)."""
    rng = np.random.default_rng(seed)
    x = np.asarray(values, dtype=np.int64)
    if seed == 0:
        return x.astype(np.uint8)
    shift = np.zeros(33, dtype=np.int64)
    shift[0], shift[21], shift[27] = rng.integers(-12, 13), rng.integers(-5, 6), rng.integers(-5, 6)
    mirror = rng.random(33) < 0.5
    mirror[DC] = False
    y = np.clip(np.where(mirror, 32 - x, x) + shift, 0, MAXIMA)
    return np.where(is_flat(x)[..., None], x, y).astype(np.uint8)


def library(
    templates: list[npt.NDArray[np.uint8]], size: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """``size`` synthetic scenes: whole transformed films until the size is reached, every other
    one a copy of template 0 (the film queries come from). Returns (values (size, 33) uint8, film
    id per scene, template of each film)."""
    rng = np.random.default_rng(seed)
    parts, ids, total, film = [], [], 0, seed * 1_000_000
    made: dict[int, int] = {}
    while total < size:
        which = 0 if film % 2 == 0 else int(rng.integers(len(templates)))
        part = transform(templates[which], film)[: size - total]
        made[film] = which if len(part) == len(templates[which]) else -1  # -1: cut short by the size
        parts.append(part)
        ids.append(np.full(len(part), film))
        total += len(part)
        film += 1
    return np.concatenate(parts), np.concatenate(ids), made
