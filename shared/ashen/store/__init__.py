"""Storage port and its adapters."""

from ashen.store.port import SceneStore
from ashen.store.sqlite import SqliteStore, default_home, open_store

__all__ = ["SceneStore", "SqliteStore", "default_home", "open_store"]
