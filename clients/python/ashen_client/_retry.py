"""Retries: jittered exponential backoff, honouring Retry-After.

Retried: 429, 502, 503, 504 and connection errors (no answer). A route that changes something
(``POST /uploads``, reindex) is retried only where the request surely did nothing: on 429 and
when the connection could not be made.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)  # the request never left


@dataclass(frozen=True)
class Retry:
    """How often and how long to retry: ``attempts`` in all (1: never retry); the n-th retry
    waits a random time up to ``backoff`` * 2**n (at most ``max_backoff``), or what Retry-After
    asks (a little more, jittered) when the answer says; an answer asking for more than
    ``max_retry_after`` seconds is raised at once (RateLimited with ``retry_after``)."""

    attempts: int = 4
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    async_sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)

    def delay(self, retry: int, asked: float | None) -> float | None:
        """Seconds to wait before retry number ``retry`` (0-based); None when it should not be made."""
        if retry + 1 >= self.attempts:
            return None
        if asked is not None:
            return None if asked > self.max_retry_after else asked + random.uniform(0, self.backoff / 4)
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**retry))

    def retries_status(self, status: int, idempotent: bool) -> bool:
        return status in RETRY_STATUSES and (idempotent or status == 429)

    @staticmethod
    def retries_error(exc: httpx.TransportError, idempotent: bool) -> bool:
        return idempotent or isinstance(exc, NOT_SENT)


NEVER = Retry(attempts=1)
