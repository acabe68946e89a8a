"""API keys: a random token shown once, stored only as its SHA-256, with a name, a role, a daily
quota and a rate; and the errors a request's access can end in."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a key may do: ``search`` (search, list videos, /me) or ``admin`` (everything)."""

    SEARCH = "search"
    ADMIN = "admin"


@dataclass(frozen=True)
class ApiKey:
    """One stored key: never the token, only its hash."""

    name: str
    key_hash: str
    role: Role = Role.SEARCH
    quota: int = 1000  # successful searches per UTC day
    rate: int = 30  # searches per minute
    created: float = 0.0  # seconds since the epoch
    revoked: bool = False

    @property
    def subject(self) -> str:
        """What this key's counters are kept under."""
        return f"key:{self.key_hash[:32]}"


def hash_token(token: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_key(name: str, role: Role, quota: int, rate: int) -> tuple[str, ApiKey]:
    """A new token (32 random bytes, URL-safe) and the key to store for it."""
    if not name or quota < 0 or rate < 0:
        raise ValueError("a key needs a name, and a quota and rate of at least 0")
    token = secrets.token_urlsafe(32)
    return token, ApiKey(name, hash_token(token), Role(role), quota, rate, time.time())


class AccessError(Exception):
    """A request that may not go on; the API answers it by its type."""


class KeyRequired(AccessError):
    """No key, an unknown key or a revoked key where keys are required (401)."""


class RoleRefused(AccessError):
    """The key's role does not allow this route (403)."""


class KeyExists(ValueError):
    """A key of this name already exists (names are unique, so revoke can name it)."""
