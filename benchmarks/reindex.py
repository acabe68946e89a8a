"""`ashen index` run twice over one folder: the second run must take under a tenth of the first and
store nothing new; then every file is touched (a new mtime, the same bytes: only fingerprints are
read), and one file is moved and indexed again, and must not be stored twice.

The folder: ../shared/media/video copied into a temp dir when present, else the vendored clip cut
into six 4 s pieces (other bytes each) under release names. Each run is `ashen index -q FOLDER` in
this process, into a fresh temp ASHEN home; prints each run's wall time, what the store held after
it, and the second/first ratio (target < 0.1).

    .venv/bin/python benchmarks/reindex.py [--workers N] [FOLDER]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "shared"))

from ashen.cli import main
from ashen.media.probe import ffmpeg_exe

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
SHARED_VIDEO = ROOT.parent / "shared" / "media" / "video"


def make_folder(into: Path, source: Path | None) -> Path:
    """A folder to index: a copy of ``source``, of the shared media, or release-named cuts of the clip."""
    folder = into / "Sintel"
    if source is not None or SHARED_VIDEO.is_dir():
        shutil.copytree(source or SHARED_VIDEO, folder)
        return folder
    folder.mkdir()
    for episode in range(1, 7):
        name = f"[Blender] Sintel - {episode:02d} (480p) [{episode:08X}].mp4"
        cmd = [ffmpeg_exe(), "-v", "error", "-ss", str((episode - 1) * 4), "-t", "4", "-i", str(CLIP), "-an"]
        subprocess.run([*cmd, "-c", "copy", str(folder / name)], check=True, timeout=60)
    return folder


def run(home: Path, *args: str) -> tuple[float, str]:
    """Wall seconds of one `ashen` command in this process, and what it printed."""
    out = io.StringIO()
    began = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = main(["--home", str(home), *args])
    seconds = time.perf_counter() - began
    if code != 0:
        raise SystemExit(f"ashen {' '.join(args)} exited {code}:\n{out.getvalue()}")
    return seconds, out.getvalue()


def held(home: Path) -> tuple[int, int]:
    """(videos, scenes) in the store."""
    _, text = run(home, "stats", "--json")
    stats = json.loads(text)
    return stats["videos"], stats["scenes"]


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="default: ../shared/media/video, else cuts of the clip")
    parser.add_argument("--workers", default="2", help="segments hashed at once (default 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_folder(Path(tmp), args.folder)
        home = Path(tmp) / "home"
        home.mkdir()
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        print(f"folder: {len(files)} files, {sum(p.stat().st_size for p in files) / 2**20:.1f} MiB")
        first, _ = run(home, "index", "-q", "--workers", args.workers, str(folder))
        after_first = held(home)
        second, text = run(home, "index", "-q", "--workers", args.workers, str(folder))
        after_second = held(home)
        skipped = next((line for line in text.splitlines() if line.startswith("unchanged:")), "unchanged: none")
        for path in files:  # a new mtime, the same bytes (a copy back, a touch): fingerprints read, nothing hashed
            path.touch()
        touched, _ = run(home, "index", "-q", "--workers", args.workers, str(folder))
        after_touch = held(home)
        moved_to = Path(tmp) / "moved" / ("renamed" + files[0].suffix)
        moved_to.parent.mkdir()
        files[0].rename(moved_to)
        third, text = run(home, "index", "-q", "--workers", args.workers, str(folder), str(moved_to))
        after_move = held(home)
    print(f"first run:  {first:7.3f} s, stored {after_first[0]} videos, {after_first[1]} scenes")
    print(f"second run: {second:7.3f} s, stored {after_second[0]} videos, {after_second[1]} scenes ({skipped})")
    print(f"second/first: {second / first:.4f} (target < 0.1); nothing new: {after_second == after_first}")
    print(
        f"every file touched, then indexed: {touched:.3f} s ({touched / first:.3f} of the first), "
        f"nothing new: {after_touch == after_first}"
    )
    print(
        f"a file moved, then indexed: {third:.3f} s, {after_move[0]} videos, {after_move[1]} scenes; "
        f"not duplicated: {after_move == after_first}"
    )


if __name__ == "__main__":
    main_bench()
