"""A query file: an image in a refused format says so when it is no video clip either."""

from __future__ import annotations

from pathlib import Path

import pytest

from ashen.errors import ImageError
from ashen.query.files import frames_of_file
from tests.query import hostile_files as hostile


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
