"""DynamoDB for the benchmarks: a library indexed into SQLite copied into the template's tables
(moto) through the real adapter, and every DynamoDB request counted with its read units.

Shared by benchmarks/serverless_worker.py and benchmarks/robustness.py (``--store dynamodb``).
Import it after ``ashen`` is on ``sys.path``.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.client

from ashen.records import Scene
from ashen.store.dynamodb import DynamoStore
from ashen.store.sqlite import SqliteStore

FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "x",
    "AWS_SECRET_ACCESS_KEY": "x",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


def fake_aws_env() -> None:
    """Credentials and region for moto, and no endpoint: every request stays in this process."""
    os.environ.update(FAKE_AWS)
    os.environ.pop("AWS_ENDPOINT_URL", None)


class Calls:
    """Every DynamoDB request: operation, phase (the store method it was made in), times, units."""

    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []
        self.phase: tuple[str, int] | None = None
        self.count = 0
        self.lock = threading.Lock()
        self.buckets: list[list[str]] = []
        self.local = threading.local()

    def mark_rounds(self, module: Any) -> None:
        """Requests made inside one ``in_parallel`` call are one round (the new layout's)."""
        inner = getattr(module, "in_parallel", None)
        if inner is None:
            return
        calls = self

        def marked(fn: Callable[[Any], Any], work: Any) -> Any:
            calls.count += 1
            marker = ("parallel", calls.count)

            def each(item: Any) -> Any:
                calls.local.round = marker
                try:
                    return fn(item)
                finally:
                    calls.local.round = None

            return inner(each, work)

        module.in_parallel = marked

    def install(self) -> None:
        original = botocore.client.BaseClient._make_api_call
        calls = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            t0, c0 = time.perf_counter(), time.thread_time()
            response = original(client, operation, params)
            t1, c1 = time.perf_counter(), time.thread_time()
            marker = getattr(calls.local, "round", None)
            if marker is None and operation == "Query" and calls.phase and calls.phase[0] == "candidates":
                marker = ("pool", calls.phase)  # the old layout's thread pool of bucket Queries: one round
            with calls.lock:
                calls.count += 1
                calls.log.append(
                    {
                        "op": operation,
                        "phase": calls.phase,
                        "round": repr(marker or calls.count),
                        "t0": t0,
                        "t1": t1,
                        "cpu": c1 - c0 if threading.current_thread() is threading.main_thread() else 0.0,
                        "units": read_units(operation, params, response),
                    }
                )
            return response

        botocore.client.BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def wrap(self, store: Any, name: str) -> None:
        inner = getattr(store, name, None)
        if inner is None:
            return
        calls = self

        def phased(*args: Any, **kwargs: Any) -> Any:
            if calls.phase is not None:
                return inner(*args, **kwargs)
            calls.count += 1
            calls.phase = (name, calls.count)
            if name == "candidates" and len(args[0]):
                calls.buckets.append(list(dict.fromkeys(args[0])))
            try:
                return inner(*args, **kwargs)
            finally:
                calls.phase = None

        setattr(store, name, phased)


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "B":
        return len(v)
    if kind == "N":
        return math.ceil(len(v.strip("-").replace(".", "")) / 2) + 1
    if kind in ("SS", "BS", "NS"):
        return sum(attribute_size({kind[0]: x}) for x in v)
    if kind in ("M", "L"):
        items = v.items() if kind == "M" else enumerate(v)
        return 3 + sum(len(str(k)) + attribute_size(x) for k, x in items)
    return 1


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def read_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
    """Read units by DynamoDB's rules: 4 KB rounded up, half for an eventually consistent read."""
    if operation in ("Query", "Scan"):  # a Scan's page: of its scene items (cell maps it filters out are not seen)
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        return max(1, math.ceil(sum(item_size(i) for i in response.get("Items", [])) / 4096)) * factor
    if operation == "GetItem":
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        return max(1, math.ceil(item_size(response.get("Item", {})) / 4096)) * factor
    if operation == "BatchGetItem":
        units = 0.0
        for table, ask in params["RequestItems"].items():
            factor = 1.0 if ask.get("ConsistentRead") else 0.5
            got = response.get("Responses", {}).get(table, [])
            units += sum(max(1, math.ceil(item_size(i) / 4096)) for i in got) * factor
            units += max(0, len(ask["Keys"]) - len(got)) * factor  # a key not found costs the minimum
        return units
    return 0.0


def copy_into(sqlite: SqliteStore, path: Path, dynamo: DynamoStore) -> int:
    """Every video and scene of the SQLite index, written through the DynamoDB adapter."""
    db = sqlite3.connect(path)
    count = 0
    for video in sqlite.list_videos():
        rows = db.execute(
            "SELECT bucket, start, at, end, frames, signature, layout, cut FROM scenes WHERE video_id = ?", (video.id,)
        ).fetchall()
        scenes = [
            (b, Scene(s, a, e, f, bytes(sig), bytes(luma or b""), bool(cut))) for b, s, a, e, f, sig, luma, cut in rows
        ]
        dynamo.replace_video(video, scenes)
        count += len(scenes)
    return count
