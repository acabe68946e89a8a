"""The storage port of keys and counters; adapters: ashen.store.sqlite_accounts and
ashen.store.dynamodb_accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ashen.accounts.keys import ApiKey


@dataclass(frozen=True)
class Window:
    """The counting windows a search falls in: its UTC day (``YYYY-MM-DD``) and its minute
    (minutes since the epoch)."""

    day: str
    minute: int


@dataclass(frozen=True)
class Reservation:
    """What a reserve did: ``granted``, or refused by ``"quota"`` or ``"rate"``; ``used`` is the
    day's count after it (the reserved search included when granted)."""

    granted: bool
    used: int
    refused_by: str = ""


class AccountStore(Protocol):
    """Keys by hash and by name, and atomic per-subject counters (a day's and a minute's)."""

    def add_key(self, key: ApiKey) -> None:
        """Store ``key``; KeyExists if a key (even revoked) has its name."""

    def key_by_hash(self, key_hash: str) -> ApiKey | None: ...

    def keys(self) -> list[ApiKey]:
        """Every key, revoked ones included, by name."""
        ...

    def revoke(self, name: str) -> bool:
        """Mark the key named ``name`` revoked; False if there is none."""
        ...

    def reserve(self, subject: str, window: Window, quota: int, rate: int) -> Reservation:
        """Count one search of ``subject`` in both windows, atomically, unless the day's count has
        reached ``quota`` or the minute's ``rate``: concurrent calls never pass either limit."""
        ...

    def refund(self, subject: str, window: Window) -> None:
        """Take back one reserved search (it failed): the day's count, and the minute's if still current."""

    def used(self, subject: str, day: str) -> int:
        """Searches counted for ``subject`` on ``day``."""
        ...
