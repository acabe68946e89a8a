"""A local preview site for tests: a fixed key, a folder cache, bytes answered inline (as `ashen serve`)."""

from __future__ import annotations

from pathlib import Path

from ashen.api.preview_routes import PreviewSite
from ashen.preview.service import FolderCache, Previews
from ashen.preview.signing import Signer
from ashen.store.port import SceneStore

KEY = b"k" * 32


def preview_site(store: SceneStore, cache_dir: Path, key: bytes = KEY) -> PreviewSite:
    cache = FolderCache(cache_dir)
    return PreviewSite(lambda: Signer(key), lambda: Previews(store, cache), body=cache.read)
