"""Who a request is (a key, or the anonymous tier of its client address) and whether it may search
now: the quota (successful searches per UTC day) and the rate (searches per minute), counted in an
AccountStore. Searches are reserved before they run and refunded when they fail, so concurrent
requests can neither pass a limit nor leave a failed search counted."""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ashen.accounts.keys import AccessError, KeyRequired, Role, RoleRefused, hash_token
from ashen.accounts.port import AccountStore, Window

ANONYMOUS = "anonymous"
DAY = 86400


@dataclass(frozen=True)
class AccessPolicy:
    """The operator's choice: keys required (no anonymous tier), or an anonymous tier per client
    address with its own quota and rate."""

    require_key: bool = False
    anonymous_quota: int = 100
    anonymous_rate: int = 10


@dataclass(frozen=True)
class Caller:
    """The one a request counts against: a key, or an anonymous client address (role None)."""

    name: str
    role: Role | None
    subject: str
    quota: int
    rate: int


@dataclass(frozen=True)
class Usage:
    """A caller's day: searches ``used`` of ``quota``, the day's end (``reset``, epoch seconds)."""

    caller: Caller
    used: int
    reset: int
    window: Window

    @property
    def remaining(self) -> int:
        return max(0, self.caller.quota - self.used)


class OverLimit(AccessError):
    """Past the quota or the rate (429): try again in ``retry_after`` seconds."""

    def __init__(self, usage: Usage, retry_after: int, refused_by: str) -> None:
        super().__init__(f"{refused_by} exceeded: {usage.caller.quota} searches a day, {usage.caller.rate} a minute")
        self.usage, self.retry_after, self.refused_by = usage, retry_after, refused_by


def client_subject(address: str) -> str:
    """The anonymous tier's subject of a client address: an IPv4 address as it is, an IPv6 address
    by its /64 (one host owns a whole /64; counting its addresses apart would multiply the quota)."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return f"ip:{address.strip() or 'unknown'}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return f"ip:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"ip:{ip.ipv4_mapped or ip}" if isinstance(ip, ipaddress.IPv6Address) else f"ip:{ip}"


def window_at(now: float) -> Window:
    """The UTC day and the minute of ``now``."""
    return Window(datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d"), int(now // 60))


def day_end(now: float) -> int:
    """The epoch second the UTC day of ``now`` ends (its counters reset)."""
    start = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return int((start + timedelta(days=1)).timestamp())


class Access:
    """The access rules on one AccountStore. Nothing is cached: a revoked key is refused at once."""

    def __init__(self, store: AccountStore, policy: AccessPolicy, clock: Callable[[], float] = time.time) -> None:
        self.store, self.policy, self.clock = store, policy, clock

    def caller(self, token: str | None, address: str) -> Caller:
        """The caller of a request with ``token`` (None: none sent) from ``address``. KeyRequired for
        an unknown or revoked key (sent keys are checked even when none is required), or for no key
        when the anonymous tier is off."""
        if token:
            key = self.store.key_by_hash(hash_token(token))
            if key is None or key.revoked:
                raise KeyRequired("unknown or revoked API key")
            return Caller(key.name, key.role, key.subject, key.quota, key.rate)
        if self.policy.require_key:
            raise KeyRequired("an API key is required (header x-api-key)")
        return Caller(ANONYMOUS, None, client_subject(address), self.policy.anonymous_quota, self.policy.anonymous_rate)

    @staticmethod
    def check_role(caller: Caller, needed: Role) -> None:
        """KeyRequired for an anonymous caller of an admin route, RoleRefused for a search key."""
        if needed is Role.SEARCH or caller.role is Role.ADMIN:
            return
        if caller.role is None:
            raise KeyRequired("this route needs an admin API key (header x-api-key)")
        raise RoleRefused(f"the key {caller.name!r} has role {caller.role}; this route needs admin")

    def reserve(self, caller: Caller) -> Usage:
        """Count one search now, or OverLimit (with the seconds until it would pass)."""
        now = self.clock()
        window = window_at(now)
        found = self.store.reserve(caller.subject, window, caller.quota, caller.rate)
        usage = Usage(caller, found.used, day_end(now), window)
        if found.granted:
            return usage
        retry = usage.reset - now if found.refused_by == "quota" else 60 - now % 60
        raise OverLimit(usage, max(1, math.ceil(retry)), found.refused_by)

    def refund(self, usage: Usage) -> None:
        """Take back a reserved search that failed."""
        self.store.refund(usage.caller.subject, usage.window)

    def usage(self, caller: Caller) -> Usage:
        now = self.clock()
        window = window_at(now)
        return Usage(caller, self.store.used(caller.subject, window.day), day_end(now), window)
