"""The search methods the robustness benchmark compares, each giving one top answer per query.

- Ashen through its buckets, and by brute force over the same stored signatures
  (``ashen.search.search_image`` / ``search_clip``);
- Ashen's plain single signature (no readings), through the buckets: the v1 baseline;
- trace.moe's method: CLD of the frame scaled to 320x180, L2 over the 33 values, brute force;
- imagehash pHash, Hamming distance, brute force.

The frame-level baselines index every frame, read once at 320x180 with ``frames.Scan``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import imagehash
import numpy as np
import numpy.typing as npt
from frames import Scan
from PIL import Image

from ashen.descriptors.color_layout import color_layout, color_layout_batch
from ashen.descriptors.signature import Signature
from ashen.search import SearchOptions, SearchResult, search_clip, search_image, search_signature
from ashen.store import SqliteStore

RGB = npt.NDArray[np.uint8]
Clip = Sequence[tuple[float, RGB]]


@dataclass(frozen=True)
class Answer:
    """A method's top answer. ``score``: higher is more similar (Ashen: similarity in [0, 1])."""

    video: str  # file name
    start: float
    at: float
    end: float
    score: float


@dataclass(frozen=True)
class Outcome:
    answer: Answer | None
    candidates: int  # stored entries compared
    keys: int = 0  # bucket keys and time ranges read (on DynamoDB, one Query each)


class Method(Protocol):
    name: str
    candidates_kind: str  # what a candidate is: "scenes" or "frames"

    def image(self, rgb: RGB) -> Outcome: ...


def describe_api() -> str:
    return "ashen.search: search_image / search_clip (brute_force for brute force), search_signature (plain)"


def _from_result(result: SearchResult) -> Outcome:
    keys = result.buckets_read + result.ranges_read
    if not result.matches:
        return Outcome(None, result.frame_count, keys)
    m = result.matches[0]
    return Outcome(Answer(m.video.filename, m.start, m.at, m.end, float(m.similarity)), result.frame_count, keys)


class AshenMethod:
    """Ashen's image (and clip) search, through the buckets or by brute force."""

    candidates_kind = "scenes"

    def __init__(self, store: SqliteStore, *, brute_force: bool) -> None:
        self.store = store
        self.options = SearchOptions(limit=5, brute_force=brute_force)
        self.name = "ashen brute" if brute_force else "ashen buckets"

    def image(self, rgb: RGB) -> Outcome:
        return _from_result(search_image(self.store, rgb, self.options))

    def clip(self, frames: Clip) -> Outcome:
        return _from_result(search_clip(self.store, list(frames), self.options))


class AshenPlainMethod:
    """One signature of the query as it is, through the buckets: no readings, no border trimming.

    This is ``ashen.search.search_signature``, what the API's ``{"signature": hex}`` form and
    clients that hash on their side get (and the whole of scheme v1's image search)."""

    candidates_kind = "scenes"
    name = "ashen plain"

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def image(self, rgb: RGB) -> Outcome:
        return _from_result(search_signature(self.store, Signature.of_image(rgb), SearchOptions(limit=5)))


# --- Frame-level baselines ---------------------------------------------------------------------


@dataclass
class FrameTable:
    """Per-frame features of several videos, concatenated."""

    names: list[str]
    video: npt.NDArray[np.int32]  # index into names, per frame
    times: npt.NDArray[np.float64]
    cld: npt.NDArray[np.float32]  # (N, 33), trace.moe's 320x180 CLD
    phash: npt.NDArray[np.uint64]  # (N,), 64-bit pHash
    thumbs: npt.NDArray[np.uint8]  # (N, 45, 80, 3): to tell which moments show the same picture

    def __len__(self) -> int:
        return len(self.times)

    def identical_times(self, name: str, t: float, min_psnr: float) -> list[float]:
        """Times of the frames of video ``name`` that show the same picture as its frame at ``t``
        (thumbnail PSNR at least ``min_psnr`` dB): a screencast back on the same screen."""
        rows = np.flatnonzero(self.video == self.names.index(name))
        if not len(rows):
            return []
        ref = self.thumbs[rows[np.argmin(np.abs(self.times[rows] - t))]].astype(np.float64)
        mse = ((self.thumbs[rows].astype(np.float64) - ref) ** 2).mean(axis=(1, 2, 3))
        psnr = 10 * np.log10(255.0**2 / np.maximum(mse, 1e-9))
        return self.times[rows[psnr >= min_psnr]].tolist()


def phash_bits(img: Image.Image) -> int:
    return int("".join("1" if b else "0" for b in imagehash.phash(img).hash.flatten()), 2)


def scan_video(path: Path) -> tuple[npt.NDArray[np.float64], ...]:
    """Times, 320x180 CLDs, pHashes and 80x45 thumbnails of every frame of one video (in chunks)."""
    scan = Scan(path)
    clds, hashes, thumbs = [], [], []
    for chunk in scan.chunks():
        clds.append(color_layout_batch(chunk).astype(np.float32))
        hashes.append(np.array([phash_bits(Image.fromarray(f)) for f in chunk], dtype=np.uint64))
        thumbs.append(chunk.reshape(len(chunk), 45, 4, 80, 4, 3).mean(axis=(2, 4)).round().astype(np.uint8))
    return scan.times, np.concatenate(clds), np.concatenate(hashes), np.concatenate(thumbs)


def build_frame_table(paths: Sequence[Path], on_video: Callable[[Path, int], None] | None = None) -> FrameTable:
    names, vids, times, clds, hashes, thumbs = [], [], [], [], [], []
    for i, path in enumerate(paths):
        t, c, h, th = scan_video(path)
        names.append(path.name)
        vids.append(np.full(len(t), i, dtype=np.int32))
        times.append(t)
        clds.append(c)
        hashes.append(h)
        thumbs.append(th)
        if on_video is not None:
            on_video(path, len(t))
    return FrameTable(names, *(np.concatenate(x) for x in (vids, times, clds, hashes, thumbs)))


class _FrameMethod:
    candidates_kind = "frames"
    name = ""

    def __init__(self, table: FrameTable) -> None:
        self.table = table

    def _answer(self, d: npt.NDArray[np.floating], score: float) -> Outcome:
        """The nearest frame, widened to the run of consecutive frames of its video just as near
        (the frame-level analogue of a scene: a still picture is one answer, not its first frame)."""
        i = int(np.argmin(d))
        same = (d == d[i]) & (self.table.video == self.table.video[i])
        lo, hi = i, i
        while lo > 0 and same[lo - 1]:
            lo -= 1
        while hi + 1 < len(d) and same[hi + 1]:
            hi += 1
        t = self.table.times
        name = self.table.names[int(self.table.video[i])]
        return Outcome(Answer(name, float(t[lo]), float(t[(lo + hi) // 2]), float(t[hi]), score), len(self.table))


class TraceMoeMethod(_FrameMethod):
    """Query scaled to 320x180 (bicubic), CLD, L2 over the 33 values, nearest frame."""

    name = "trace.moe"

    def image(self, rgb: RGB) -> Outcome:
        small = np.asarray(Image.fromarray(rgb).resize((320, 180), Image.Resampling.BICUBIC), dtype=np.uint8)
        q = np.asarray(color_layout(small), dtype=np.float32)
        d = np.sqrt(((self.table.cld - q) ** 2).sum(axis=1))
        return self._answer(d, -float(d.min()))


class PhashMethod(_FrameMethod):
    """imagehash pHash of the query, Hamming distance, nearest frame."""

    name = "pHash"

    def image(self, rgb: RGB) -> Outcome:
        q = np.uint64(phash_bits(Image.fromarray(rgb)))
        d = np.bitwise_count(self.table.phash ^ q)
        return self._answer(d, -float(d.min()))
