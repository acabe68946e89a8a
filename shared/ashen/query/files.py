"""A query given as a file or as uploaded bytes: an image (one frame), an animated GIF / WebP / APNG,
or a video clip (several frames, spread over the clip)."""

from __future__ import annotations

import os
import tempfile
from typing import Literal

import numpy as np
import numpy.typing as npt

from ashen.errors import ImageError, ImageTooLarge, MediaError, NotAnImage, UnsupportedImageFormat
from ashen.media.inputs import CLIP_FORMATS
from ashen.media.stills import ClipBudget, clip_frames
from ashen.query.images import MAX_IMAGE_BYTES, load_frames, read_image_file

Frames = list[tuple[float, npt.NDArray[np.uint8]]]  # (offset in seconds, RGB)
# What an upload was sent as: an image (image/*), a clip (video/mp4, video/webm...), or either
# (application/octet-stream, a multipart part): told apart by its first bytes.
UploadKind = Literal["image", "clip", "either"]
# An uploaded clip is MP4/MOV or Matroska/WebM; everything else of the clip budget is the default.
UPLOAD_CLIP_BUDGET = ClipBudget(formats=CLIP_FORMATS)
# ISO BMFF (MP4, MOV, 3GP) files begin with a box: 4 bytes of size, then its type.
_BMFF_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pnot"})
_EBML = b"\x1a\x45\xdf\xa3"  # Matroska and WebM


def looks_like_clip(head: bytes) -> bool:
    """Whether bytes begin as an MP4 / MOV or a Matroska / WebM file does."""
    return head[:4] == _EBML or head[4:8] in _BMFF_FIRST_BOXES


def frames_of_file(path: str | os.PathLike[str]) -> Frames:
    """The frames of a query file; ImageError when it is neither an image nor a video clip. A file
    that begins as an MP4 / MOV / Matroska / WebM goes to ffmpeg at once (whatever its size: the
    clip budget reads its first seconds only)."""
    if looks_like_clip(_head(path)):
        return clip_frames(os.fspath(path))
    try:
        return load_frames(read_image_file(path))
    except NotAnImage as refused:
        try:
            return clip_frames(os.fspath(path))
        except MediaError:
            if isinstance(refused, UnsupportedImageFormat):  # say why the image was not read
                raise ImageError(f"{path}: {refused}, and it is no video clip either") from None
            raise ImageError(f"{path}: neither an image Pillow can open nor a video clip") from None


def _head(path: str | os.PathLike[str]) -> bytes:
    """The first bytes of a file, none when it cannot be read (read_image_file then says why)."""
    try:
        with open(path, "rb") as f:
            return f.read(16)
    except OSError:
        return b""


def frames_of_upload(data: bytes, kind: UploadKind = "either") -> Frames:
    """The frames of uploaded bytes sent as ``kind``: an image through the decoding budget of
    ashen.query.images, a clip through UPLOAD_CLIP_BUDGET; ``either`` goes by the first bytes."""
    if kind == "clip" or (kind == "either" and looks_like_clip(data[:16])):
        return frames_of_clip_bytes(data)
    try:
        return load_frames(data)
    except UnsupportedImageFormat:
        raise
    except NotAnImage:
        if kind == "image":
            raise
        raise NotAnImage("neither an image Pillow can open nor an MP4, MOV, Matroska or WebM clip") from None


def frames_of_clip_bytes(data: bytes, budget: ClipBudget = UPLOAD_CLIP_BUDGET) -> Frames:
    """The frames of a clip held in memory: written to a temporary file ffmpeg reads (an MP4's
    index may sit at its end, so it is no pipe), removed after. Errors name it "clip", not the file."""
    if not data:
        raise MediaError("clip is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"clip is {len(data) / 1e6:.0f} MB, larger than the {MAX_IMAGE_BYTES // 2**20} MiB limit")
    with tempfile.TemporaryDirectory(prefix="ashen-clip-") as folder:
        path = os.path.join(folder, "clip")
        with open(path, "wb") as out:
            out.write(data)
        try:
            return clip_frames(path, budget)
        except (MediaError, ImageTooLarge) as exc:
            raise type(exc)(str(exc).replace(path, "clip")) from None
