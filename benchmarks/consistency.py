"""Index path vs query path vs exact reference, on frames exported losslessly (PNG at full size).

For every k-th frame of each clip: the signature the index path stores (ffmpeg 64x64 16-bit area
means), the signature the query path computes from the PNG (Pillow), and the exact reference
(Color Layout of the full-size RGB frame). Prints distance statistics per clip and pooled.

    .venv/bin/python benchmarks/consistency.py [--every 5] [--seconds 30] [VIDEO...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from media import long_film, shared_videos

from ashen.descriptors.color_layout import color_layout
from ashen.descriptors.signature import distances
from ashen.media.frames import read_all
from ashen.media.probe import ffmpeg_exe, probe
from ashen.query.images import image_signature


def measure(video: Path, every: int, seconds: float) -> dict[str, np.ndarray]:
    info = probe(str(video))
    stored = read_all(str(video), t1=seconds, info=info)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            ffmpeg_exe(),
            "-v",
            "error",
            "-t",
            str(seconds),
            "-i",
            str(video),
            "-an",
            "-fps_mode",
            "passthrough",
            "-vf",
            f"select=not(mod(n\\,{every}))",
            f"{tmp}/%06d.png",
        ]
        subprocess.run(cmd, check=True)
        pngs = sorted(Path(tmp).glob("*.png"))
        idx = np.arange(len(pngs)) * every
        idx = idx[idx < len(stored)]
        query, exact = [], []
        for p in pngs[: len(idx)]:
            data = p.read_bytes()
            query.append(image_signature(data).values)
            exact.append(color_layout(np.asarray(Image.open(p).convert("RGB"))))
    s = stored.signatures[idx]
    q, e = np.array(query), np.array(exact)
    return {
        "index_vs_exact": np.array([distances(a, b) for a, b in zip(s, e, strict=True)]),
        "index_vs_query": np.array([distances(a, b) for a, b in zip(s, q, strict=True)]),
        "query_vs_exact": np.array([distances(a, b) for a, b in zip(q, e, strict=True)]),
    }


def line(name: str, d: np.ndarray) -> str:
    return (
        f"{name:34s} n={len(d):5d}  median {np.median(d):4.2f}  p99 {np.percentile(d, 99):4.2f}  "
        f"within 4: {np.mean(d <= 4):6.1%}  exact: {np.mean(d == 0):6.1%}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("videos", nargs="*")
    ap.add_argument("--every", type=int, default=5, help="compare every k-th frame")
    ap.add_argument("--seconds", type=float, default=30.0, help="first N seconds of each clip")
    ap.add_argument("--film", action="store_true", help="also the 10-minute 720p film (fetched from PyPI)")
    args = ap.parse_args()
    videos = [Path(v) for v in args.videos] or shared_videos()
    if args.film and (film := long_film()) is not None:
        videos.append(film)
    pooled: dict[str, list[np.ndarray]] = {}
    for v in videos:
        res = measure(v, args.every, args.seconds)
        print(line(f"{v.name} index vs exact", res["index_vs_exact"]))
        for k, d in res.items():
            pooled.setdefault(k, []).append(d)
    print("pooled over all clips:")
    for k, ds in pooled.items():
        print(line(k.replace("_", " "), np.concatenate(ds)))
    print("targets: index vs exact median <= 2 and within 4 >= 99%")


if __name__ == "__main__":
    main()
