"""A query file: an image in a refused format says so when it is no video clip either."""

from __future__ import annotations

from pathlib import Path

import pytest

from ashen.errors import ImageError, NotAnImage
from ashen.query.files import UploadKind, frames_of_file, frames_of_upload, looks_like_clip
from ashen.query.images import MAX_IMAGE_BYTES
from tests.query import hostile_files as hostile
from tests.support import CLIP


def test_a_refused_format_that_is_no_clip_names_the_format(tmp_path: Path) -> None:
    eps = tmp_path / "query.eps"
    eps.write_bytes(hostile.eps((64, 64)))
    with pytest.raises(ImageError, match=r"EPS images are not accepted.*no video clip either"):
        frames_of_file(eps)


def test_bytes_no_one_reads_are_neither_image_nor_clip(tmp_path: Path) -> None:
    junk = tmp_path / "query.bin"
    junk.write_bytes(b"nothing to see here" * 10)
    with pytest.raises(ImageError, match="neither an image Pillow can open nor a video clip"):
        frames_of_file(junk)


def test_a_clip_file_over_the_image_size_limit_is_still_a_clip(tmp_path: Path) -> None:
    # The image limit (25 MiB) is no clip's: the clip budget reads its first 60 s, whatever its size.
    big = tmp_path / "big.mp4"
    big.write_bytes(CLIP.read_bytes() + b"\0" * (MAX_IMAGE_BYTES + 1))  # a trailing box running to the end
    offsets = [offset for offset, _ in frames_of_file(big)]
    assert len(offsets) == 16 and offsets[-1] > 20


@pytest.mark.parametrize(
    ("head", "clip"),
    [
        (b"\x00\x00\x00\x20ftypisom", True),
        (b"\x00\x00\x00\x08free\x00\x00", True),
        (b"\x1a\x45\xdf\xa3\x01\x00\x00\x00", True),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", False),
        (b"GIF89a\x01\x00\x01\x00", False),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", False),
        (b"", False),
    ],
)
def test_clips_are_told_from_images_by_their_first_bytes(head: bytes, clip: bool) -> None:
    assert looks_like_clip(head) is clip


@pytest.mark.parametrize("body", [b"a", b"ab", b"(\x00", b"\x00\x00\x00"])
@pytest.mark.parametrize("kind", ["image", "either"])
def test_a_body_of_a_few_bytes_is_no_image(body: bytes, kind: UploadKind) -> None:
    # Pillow's BMP (DIB) check reads 4 bytes whatever it is given: found by the schema run once
    # application/octet-stream was documented (it was a 500).
    with pytest.raises(NotAnImage):
        frames_of_upload(body, kind)
