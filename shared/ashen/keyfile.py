"""A secret key kept in a file of the store's home, made on first use: 32 random bytes, hex, mode
0600 (readable by the owner only). What ``ashen serve`` signs its preview and upload URLs with."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def owner_only_key(path: Path) -> bytes:
    """The key in ``path``, made there first if there is none (exclusively: two processes or
    threads making it at once end with the same key)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as out:
        key = secrets.token_bytes(32)
        out.write(key.hex())
    return key
