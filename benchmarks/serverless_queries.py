"""The queries of benchmarks/serverless.py, made once with this checkout's package (its frame
export and edits) and written to a folder, so that both sides search exactly the same queries
whatever their own ``shared/`` holds (a base commit's package may lack what the export needs).

Writes ``queries.json``: per query its kind, name and either a file (an RGB ``.npy`` or a ``.gif``)
or a signature's hex.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "shared"))
sys.path.insert(1, str(HERE))

import frames  # noqa: E402
import numpy as np  # noqa: E402
from edits import EDITS, HARD_EDITS, RELEASE_EDITS, SampleParams, apply  # noqa: E402
from PIL import Image  # noqa: E402
from serverless_worker_media import SHARED_MEDIA, videos  # noqa: E402

from ashen.descriptors.signature import Signature  # noqa: E402
from ashen.query.images import load_rgb  # noqa: E402


def gif_file(clip: list[tuple[float, np.ndarray]], path: Path) -> None:
    images = [Image.fromarray(rgb) for _, rgb in clip]
    buf = io.BytesIO()
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=100, loop=0)
    path.write_bytes(buf.getvalue())


def make(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every query (kind, name, file or signature), seeded."""
    rng = np.random.default_rng(args.seed)
    chosen = [c for c in args.clips.split(",") if c]
    clips = [v for v in videos() if not chosen or any(v.name.startswith(c) for c in chosen)]
    edits = {**EDITS, **RELEASE_EDITS, **HARD_EDITS}
    names = list(edits)
    out: list[dict[str, Any]] = []
    for i in range(args.screenshots):
        video, t = clips[i % len(clips)], float(rng.uniform(0.3, 1.7))
        rgb = apply(edits[names[i % len(names)]], frames.export_frame(video, t), SampleParams.draw(rng))
        np.save(args.out / f"shot{i}.npy", rgb)
        out.append(
            {"kind": "screenshot", "name": f"{video.name}@{t:.2f} {names[i % len(names)]}", "file": f"shot{i}.npy"}
        )
    photos = sorted(p for p in (SHARED_MEDIA / "images").glob("*") if p.suffix.lower() in {".png", ".jpg", ".jpeg"})
    for i, p in enumerate(photos[: args.photos]):
        np.save(args.out / f"photo{i}.npy", load_rgb(p.read_bytes()))
        out.append({"kind": "photo", "name": p.name, "file": f"photo{i}.npy"})
    for i in range(args.gifs):
        video = [c for c in clips if c.suffix != ".gif"][i % len(clips)]
        t = float(rng.uniform(0.0, 0.5))
        gif_file(frames.clip(video, t, 3.0, 0.1), args.out / f"clip{i}.gif")
        out.append({"kind": "gif", "name": f"{video.name}@{t:.2f}", "file": f"clip{i}.gif"})
    for i in range(args.signatures):
        video, t = clips[i % len(clips)], float(rng.uniform(0.3, 1.7))
        sig = Signature.of_image(frames.export_frame(video, t))
        out.append({"kind": "signature", "name": f"{video.name}@{t:.2f}", "signature": sig.to_bytes().hex()})
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--screenshots", type=int, default=24)
    ap.add_argument("--photos", type=int, default=11)
    ap.add_argument("--clips", default="")
    ap.add_argument("--gifs", type=int, default=6)
    ap.add_argument("--signatures", type=int, default=16)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "queries.json").write_text(json.dumps(make(args)))


if __name__ == "__main__":
    main()
