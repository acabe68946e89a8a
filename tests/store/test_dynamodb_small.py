"""The small-library read on DynamoDB (ashen.store.dynamodb_small): a search that no probe answers
reads a small library whole through both stores alike, and the Scan that does it on DynamoDB is
bounded by the limit whatever the table holds (issue 19)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ashen.records import Candidate
from ashen.search import SearchOptions, search_image
from ashen.store import dynamodb_small
from ashen.store import sqlite as sqlite_module
from ashen.store.dynamodb import DynamoStore
from ashen.store.dynamodb_models import candidate_of
from ashen.store.dynamodb_small import LARGE_MEMO_S, SmallLibrary
from ashen.store.sqlite import SqliteStore
from tests.store.test_dynamodb import record, scenes_for


@pytest.fixture()
def dynamo(fake_aws: None) -> Iterator[DynamoStore]:
    store = DynamoStore("scenes", "videos")
    store.create_tables()
    yield store


def both(dynamo: DynamoStore, tmp_path: Path, videos: int = 3, count: int = 12) -> SqliteStore:
    """The same library (hot and cold buckets, with and without luma grids) in both stores."""
    sqlite = SqliteStore(tmp_path / "ref.sqlite3")
    for i in range(videos):
        for store in (sqlite, dynamo):
            store.replace_video(record(i), scenes_for(i, count))
    return sqlite


def bare(scenes: list[tuple[str, Candidate]] | None) -> list[tuple[str, Candidate]] | None:
    """Scenes as both stores hand them back alike: without the revision tag (SQLite has none) and
    without the luma grid (DynamoDB's probe items carry none: ``SceneStore.luma_grids``)."""
    return None if scenes is None else [(b, replace(c, revision="", luma=b"")) for b, c in scenes]


def test_a_small_library_is_read_whole_as_sqlite_reads_it(dynamo: DynamoStore, tmp_path: Path) -> None:
    sqlite = both(dynamo, tmp_path)
    want = bare(sqlite.small_library(36))
    assert want is not None and len(want) == 36  # every scene, cell maps and timelines left out
    assert bare(dynamo.small_library(36)) == want  # same scenes, same buckets, same order
    assert sqlite.small_library(35) is None


def test_a_library_over_the_limit_is_not_read_and_is_remembered_as_large(dynamo: DynamoStore, tmp_path: Path) -> None:
    both(dynamo, tmp_path)
    now = [0.0]
    made: list[Candidate] = []

    def counted(item: object) -> Candidate:
        c = candidate_of(item)
        made.append(c)
        return c

    small = SmallLibrary(dynamo.Scene, counted, segments=4, clock=lambda: now[0])
    assert small.read(35) is None
    assert len(made) <= 35  # never more scenes kept than the limit, whatever the table holds
    dynamo.remove_video("vid2")  # now 24 scenes: small, but found large a moment ago
    made.clear()
    assert small.read(35) is None and not made  # not scanned again within the memo
    now[0] += LARGE_MEMO_S + 1
    again = small.read(35)
    assert again is not None and len(again) == 24


def test_the_scan_keeps_no_more_than_the_limit_of_a_large_table(dynamo: DynamoStore, tmp_path: Path) -> None:
    both(dynamo, tmp_path, videos=6, count=40)  # 240 scenes
    made: list[int] = []

    def counted(item: object) -> Candidate:
        made.append(1)
        return candidate_of(item)

    assert SmallLibrary(dynamo.Scene, counted, segments=8).read(50) is None
    assert len(made) <= 50


def noise(seed: int) -> np.ndarray:
    """A saturated picture far from every scene of the library: no probe finds a scene."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return np.kron(small, np.ones((60, 60, 1), dtype=np.uint8))


def test_a_search_that_no_probe_answers_reads_the_small_library_through_both_stores(
    dynamo: DynamoStore, tmp_path: Path
) -> None:
    sqlite = both(dynamo, tmp_path)
    options = SearchOptions(limit=5)
    whole = 0
    for seed in range(6):
        want = search_image(sqlite, noise(seed), options)
        got = search_image(dynamo, noise(seed), options)
        assert (got.frame_count, got.buckets_read) == (want.frame_count, want.buckets_read), seed
        assert [(m.video.id, m.start, m.similarity) for m in got.matches] == [
            (m.video.id, m.start, m.similarity) for m in want.matches
        ]
        whole += want.frame_count == 36
    assert whole >= 3  # most of these found nothing near and read the library whole


def test_candidates_come_back_in_sqlites_order(
    dynamo: DynamoStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exact distance ties are broken by the candidates' order: DynamoDB hands them back as SQLite
    does, statement by statement, each by primary key (also past one statement's buckets)."""
    sqlite = both(dynamo, tmp_path, videos=4, count=20)
    buckets = sorted({b for b, _ in sqlite.small_library(1000) or []}, reverse=True)  # not in key order
    assert len(buckets) > 6
    assert [replace(c, revision="") for c in dynamo.candidates(buckets)] == [
        replace(c, luma=b"") for c in sqlite.candidates(buckets)
    ]
    monkeypatch.setattr(sqlite_module, "_KEYS_PER_STATEMENT", 3)
    monkeypatch.setattr(dynamodb_small, "STATEMENT_BUCKETS", 3)
    assert [replace(c, revision="") for c in dynamo.candidates(buckets)] == [
        replace(c, luma=b"") for c in sqlite.candidates(buckets)
    ]


def test_the_statement_size_is_sqlites() -> None:
    assert dynamodb_small.STATEMENT_BUCKETS == sqlite_module._KEYS_PER_STATEMENT
