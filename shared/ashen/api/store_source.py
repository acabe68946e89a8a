"""Where one app's routes get their store: made on first use, so a cold start stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from ashen.store.port import SceneStore


@dataclass
class StoreSource:
    """The store of one app. Each ``create_app`` makes its own, so two apps never share a store."""

    factory: Callable[[], SceneStore]

    @classmethod
    def of(cls, store: SceneStore | None, factory: Callable[[], SceneStore] | None) -> StoreSource:
        """On ``store`` as it is, or on what ``factory`` makes; exactly one of them is given."""
        if store is not None and factory is None:
            return cls(lambda: store)
        if factory is not None and store is None:
            return cls(factory)
        raise ValueError("give exactly one of store and store_factory")

    @cached_property
    def store(self) -> SceneStore:
        """The store, made by ``factory`` the first time a route needs it."""
        return self.factory()
