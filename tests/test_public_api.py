"""The public Python entry point (``import ashen``), as the README shows it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ashen
from tests.support import export_frame


def test_every_public_name_resolves() -> None:
    for name in ashen.__all__:
        assert getattr(ashen, name) is not None, name
    with pytest.raises(AttributeError):
        _ = ashen.no_such_name  # type: ignore[attr-defined]


def test_index_and_search_a_file_as_the_readme_does(clip: Path, tmp_path: Path) -> None:
    store = ashen.open_store(tmp_path)  # a folder: the store file goes inside it
    report = ashen.index_video(store, str(clip), ashen.IndexOptions(title="Sintel", episode="1"))
    assert report.video.status == "indexed" and report.scenes > 0
    shot = export_frame(clip, 17.5, tmp_path / "shot.jpg", vf="scale=640:-2")
    result = ashen.search_file(store, shot)
    best = result.matches[0]
    assert (best.video.title, best.video.episode) == ("Sintel", "1")
    assert abs(best.at - 17.5) < 1.0 and best.confident
    limited = ashen.search_file(store, shot, ashen.SearchOptions(limit=1, title="no such title"))
    assert limited.matches == []
    store.close()


def test_a_file_that_is_neither_image_nor_clip_is_one_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.png"
    junk.write_text("not an image, not a video\n" * 20)
    store = ashen.open_store(tmp_path / "store.sqlite3")
    with pytest.raises(ashen.ImageError, match="neither an image Pillow can open nor a video clip"):
        ashen.search_file(store, junk)


def test_the_hash_function_does_not_need_pillow() -> None:
    """The hash Lambda carries no Pillow layer (the split carries one, for still images): importing
    ashen and its stages, the indexer among them, must not load it (the public entry point and the
    indexer import lazily)."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PIL' or name.startswith('PIL.'):\n"
        "            raise ImportError('no Pillow in this Lambda')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import ashen, ashen.aws.fanout, ashen.store.dynamodb, ashen.indexing.indexer\n"
        "print('ok', ashen.Signature)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stderr
