"""The search methods the robustness benchmark compares, each giving one top answer per query.

- Ashen through its buckets, and by brute force over the same stored signatures
  (``ashen.search.search_image`` / ``search_clip``; if those are not there yet, the plain
  single-signature search, with a local brute-force equivalent);
- Ashen's plain single signature (no query variants), through the buckets: the v1 baseline;
- trace.moe's method: CLD of the frame scaled to 320x180, L2 over the 33 values, brute force;
- imagehash pHash, Hamming distance, brute force.

The frame-level baselines index every frame, read once at 320x180 with ``frames.Scan``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import imagehash
import numpy as np
import numpy.typing as npt
from frames import Scan
from PIL import Image

from ashen.descriptors.buckets import query_buckets
from ashen.descriptors.color_layout import color_layout, color_layout_batch
from ashen.descriptors.signature import Signature, distances, similarity_of, unpack_all
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


def _ashen_api() -> dict[str, Any]:
    """The search functions the installed ``ashen.search.pipeline`` offers (it may be mid-rewrite)."""
    try:
        module = importlib.import_module("ashen.search.pipeline")
    except Exception as exc:  # a half-written module must not stop the benchmark
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {name: getattr(module, name) for name in ("search", "search_image", "search_clip") if hasattr(module, name)}


API = _ashen_api()


def describe_api() -> str:
    if "search_image" in API and "search_clip" in API:
        return "ashen.search.search_image / search_clip (brute_force=True for brute force)"
    reason = API.get("error", "search_image/search_clip not found")
    return f"FALLBACK ({reason}): plain signature search, local brute force, clip = best frame"


# --- Ashen through its store -------------------------------------------------------------------


class _Index:
    """The store plus what the fallbacks need: every bucket key, and file names by video id."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.all_buckets = sorted(store.bucket_sizes())
        self.names = {v.id: v.filename for v in store.list_videos()}
        self.scenes = store.stats().scenes


def _plain_search(index: _Index, values: Sequence[int], brute_force: bool) -> Outcome:
    """Top scene for one signature, read from its buckets or from all of them (no ashen.search.pipeline)."""
    cands = index.store.candidates(index.all_buckets if brute_force else query_buckets(values))
    if not cands:
        return Outcome(None, 0)
    sigs = unpack_all(c.signature for c in cands)
    dist = distances(values, sigs)
    i = int(np.argmin(dist))
    c = cands[i]
    sim = float(similarity_of(dist[i]))
    return Outcome(Answer(index.names.get(c.video_id, c.video_id), c.start, c.at, c.end, sim), len(cands))


def _from_result(result: Any) -> Outcome:
    keys = int(getattr(result, "buckets_read", 0)) + int(getattr(result, "ranges_read", 0))
    if not result.matches:
        return Outcome(None, int(result.frame_count), keys)
    m = result.matches[0]
    return Outcome(Answer(m.video.filename, m.start, m.at, m.end, float(m.similarity)), int(result.frame_count), keys)


class AshenMethod:
    """Ashen's image (and clip) search, through the buckets or by brute force."""

    candidates_kind = "scenes"

    def __init__(self, store: SqliteStore, *, brute_force: bool) -> None:
        self.index = _Index(store)
        self.brute_force = brute_force
        self.name = "ashen brute" if brute_force else "ashen buckets"

    def image(self, rgb: RGB) -> Outcome:
        if "search_image" in API:
            return _from_result(API["search_image"](self.index.store, rgb, limit=5, brute_force=self.brute_force))
        return _plain_search(self.index, color_layout(rgb), self.brute_force)

    def clip(self, frames: Clip) -> Outcome:
        if "search_clip" in API:
            return _from_result(API["search_clip"](self.index.store, list(frames), limit=5,
                                                   brute_force=self.brute_force))  # fmt: skip
        # Fallback: the best single frame, its time moved back to the clip's offset 0.
        best: Outcome = Outcome(None, 0)
        read = 0
        for offset, rgb in frames:
            out = self.image(rgb)
            read += out.candidates
            if out.answer and (best.answer is None or out.answer.score > best.answer.score):
                a = out.answer
                best = Outcome(Answer(a.video, a.start - offset, a.at - offset, a.end - offset, a.score), 0)
        return Outcome(best.answer, read)


class AshenPlainMethod:
    """One signature of the query as it is, through the buckets: no variants, no border trimming.

    This is ``ashen.search.search(store, Signature)``, what the API's ``{"signature": hex}`` form
    and clients that hash on their side get (and the whole of scheme v1's image search)."""

    candidates_kind = "scenes"
    name = "ashen plain"

    def __init__(self, store: SqliteStore) -> None:
        self.index = _Index(store)

    def image(self, rgb: RGB) -> Outcome:
        sig = Signature.of_image(rgb)
        if "search" in API:
            try:
                return _from_result(API["search"](self.index.store, sig, limit=5))
            except TypeError:
                pass
        return _plain_search(self.index, sig.values, brute_force=False)


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
