"""The AccountStore port (ashen.accounts.port) on one DynamoDB table (the stack's KeysTable), through
a pynamodb model. Its items, all keyed by ``id``:

* ``<key hash>``: a key (name, role, quota, rate, created, revoked); the token is never stored;
* ``name#<name>``: the key hash of a name, so names are unique and ``revoke`` needs no Scan;
* ``use#<subject>#<day>``: a subject's count of the day (``used``) and of its current minute
  (``minute``, ``mused``), expiring (TTL attribute ``expires``) two days later.

A reserve is one conditional UpdateItem: the same minute's ``used < quota AND mused < rate``, or a
new minute's ``used < quota`` with ``minute`` moved on; DynamoDB applies it atomically, so
concurrent searches never pass a limit. A refund is an UpdateItem too. The query function needs
GetItem and UpdateItem on the table, nothing else (keys are made by the admin's `ashen keys`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from ashen.accounts.keys import ApiKey, KeyExists, Role
from ashen.accounts.port import Reservation, Window
from ashen.store.dynamodb_models import conditional_failed, table_meta
from ashen.store.dynamodb_tables import connect

KEYS_TABLE_ENV = "ASHEN_KEYS_TABLE"
_KEEP_S = 2 * 86400
_ATTEMPTS = 8  # a lost race to move a new minute on is retried; more is contention, not a limit


class KeyItem(Model):
    """Any item of the keys table (see the module doc); unbound, ``DynamoAccounts`` names the table."""

    id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(null=True)
    key_hash = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    quota = NumberAttribute(null=True)
    rate = NumberAttribute(null=True)
    created = NumberAttribute(null=True)
    revoked = BooleanAttribute(null=True)
    used = NumberAttribute(null=True)
    minute = NumberAttribute(null=True)
    mused = NumberAttribute(null=True)
    expires = NumberAttribute(null=True)


def _model(table: str, endpoint: str | None) -> type[KeyItem]:
    class Keys(KeyItem):
        Meta = table_meta(table, host=endpoint)

    return Keys


class DynamoAccounts:
    """Keys and counters in the table ``table``."""

    def __init__(self, table: str, *, host: str | None = None) -> None:
        self.Item = _model(table, host)
        connect(self.Item)  # its client now, from the session the scenes' and videos' share

    @classmethod
    def from_env(cls) -> DynamoAccounts:
        return cls(os.environ[KEYS_TABLE_ENV], host=os.environ.get("ASHEN_DYNAMODB_ENDPOINT") or None)

    def create_table(self) -> None:
        self.Item.create_table(wait=True)

    def add_key(self, key: ApiKey) -> None:
        M = self.Item
        try:
            M(f"name#{key.name}", key_hash=key.key_hash).save(condition=M.id.does_not_exist())
        except PutError as exc:
            if conditional_failed(exc):
                raise KeyExists(f"a key named {key.name!r} exists") from exc
            raise
        M(
            key.key_hash,
            name=key.name,
            key_hash=key.key_hash,
            role=str(key.role),
            quota=key.quota,
            rate=key.rate,
            created=key.created,
            revoked=key.revoked,
        ).save()

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        try:
            item = self.Item.get(key_hash, consistent_read=True)
        except self.Item.DoesNotExist:
            return None
        return self._key(item) if item.role is not None else None

    @staticmethod
    def _key(item: KeyItem) -> ApiKey:
        role, created = Role(item.role or "search"), float(item.created or 0)
        return ApiKey(
            item.name or "", item.id, role, int(item.quota or 0), int(item.rate or 0), created, bool(item.revoked)
        )

    def keys(self) -> list[ApiKey]:
        """A Scan of the (small) table: the admin's listing, never a request's."""
        found = [self._key(i) for i in self.Item.scan(self.Item.role.exists())]
        return sorted(found, key=lambda k: k.name)

    def revoke(self, name: str) -> bool:
        try:
            pointer = self.Item.get(f"name#{name}", consistent_read=True)
        except self.Item.DoesNotExist:
            return False
        self.Item(pointer.key_hash or "").update(actions=[self.Item.revoked.set(True)])
        return True

    def reserve(self, subject: str, window: Window, quota: int, rate: int) -> Reservation:
        for _ in range(_ATTEMPTS):
            for update in (self._same_minute, self._new_minute):
                used = update(subject, window, quota, rate)
                if used is not None:
                    return Reservation(True, used)
            item = self._usage_item(subject, window.day)
            used = int(item.used or 0) if item is not None else 0
            if used >= quota:
                return Reservation(False, used, "quota")
            if item is not None and item.minute == window.minute and int(item.mused or 0) >= rate:
                return Reservation(False, used, "rate")
        raise RuntimeError(f"could not count a search of {subject}: too much contention")

    def _update(self, key: str, actions: Sequence[Action], condition: Condition) -> int | None:
        """The day's count after a conditional update, or None if its condition failed."""
        item = self.Item(key)
        try:
            item.update(actions=list(actions), condition=condition)
        except UpdateError as exc:
            if conditional_failed(exc):
                return None
            raise
        return int(item.used or 0)  # pynamodb set the item's new attributes

    def _same_minute(self, subject: str, window: Window, quota: int, rate: int) -> int | None:
        M = self.Item
        condition = (M.minute == window.minute) & (M.used < quota) & (M.mused < rate)
        return self._update(self._usage_key(subject, window.day), [M.used.add(1), M.mused.add(1)], condition)

    def _new_minute(self, subject: str, window: Window, quota: int, rate: int) -> int | None:
        M = self.Item
        if quota < 1 or rate < 1:
            return None
        fresh = M.minute.does_not_exist() | (M.minute < window.minute)
        condition = fresh & (M.used.does_not_exist() | (M.used < quota))
        actions = [
            M.used.add(1),
            M.minute.set(window.minute),
            M.mused.set(1),
            M.expires.set(int(time.time()) + _KEEP_S),
        ]
        return self._update(self._usage_key(subject, window.day), actions, condition)

    def refund(self, subject: str, window: Window) -> None:
        M = self.Item
        key = self._usage_key(subject, window.day)
        this_minute = (M.minute == window.minute) & (M.used > 0) & (M.mused > 0)
        if self._update(key, [M.used.add(-1), M.mused.add(-1)], this_minute) is None:
            self._update(key, [M.used.add(-1)], M.used > 0)

    def used(self, subject: str, day: str) -> int:
        item = self._usage_item(subject, day)
        return 0 if item is None else int(item.used or 0)

    def _usage_item(self, subject: str, day: str) -> KeyItem | None:
        try:
            return self.Item.get(self._usage_key(subject, day), consistent_read=True)
        except self.Item.DoesNotExist:
            return None

    @staticmethod
    def _usage_key(subject: str, day: str) -> str:
        return f"use#{subject}#{day}"
