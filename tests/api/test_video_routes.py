"""``GET /videos`` a page at a time: every video exactly once in listing order, by cursor, with
a status filter, and clear 400s; on SQLite here, on DynamoDB in tests/store/test_dynamodb.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from ashen.api.app import create_app
from ashen.api.local_server import http_event
from ashen.api.video_routes import encode_cursor
from ashen.records import VideoRecord, VideoStatus, listing_order
from ashen.store.sqlite import SqliteStore

STATUSES = [VideoStatus.INDEXED, VideoStatus.INDEXING, VideoStatus.FAILED]


def library(count: int) -> list[VideoRecord]:
    """Titles that sort by more than their first letters: shared prefixes, episodes, unicode."""
    titles = ["Frieren", "Frieren 2", "frieren", "Ōkami", "A", "A B", "Zeta"]
    return [
        VideoRecord(
            id=f"v{i:03d}",
            title=titles[i % len(titles)],
            filename=f"file {i % 5}.mkv",
            source=f"/videos/{i}.mkv",
            episode=None if i % 4 == 0 else f"{i % 13:02d}",
            status=STATUSES[i % 3],
        )
        for i in range(count)
    ]


@pytest.fixture()
def app_and_videos(tmp_path: Path) -> tuple[Any, list[VideoRecord]]:
    store = SqliteStore(tmp_path / "a.sqlite3")
    videos = library(57)
    for v in videos:
        store.put_video(v)
    return create_app(store), videos


def get(app: Any, **params: str) -> tuple[int, dict[str, Any]]:
    response = app.resolve(http_event("GET", "/videos", query=urlencode(params)), None)
    return response["statusCode"], json.loads(response["body"])


def walk(app: Any, **params: str) -> tuple[list[str], int]:
    """Every id the pages give, following cursors; and how many pages it took."""
    ids, pages, cursor = [], 0, None
    while True:
        status, body = get(app, **params, **({"cursor": cursor} if cursor else {}))
        assert status == 200, body
        ids += [v["id"] for v in body["videos"]]
        pages += 1
        cursor = body["cursor"]
        if cursor is None:
            return ids, pages
        assert pages < 100


def test_pages_give_every_video_once_in_listing_order(app_and_videos: tuple[Any, list[VideoRecord]]) -> None:
    app, videos = app_and_videos
    ids, pages = walk(app, limit="10")
    assert ids == [v.id for v in listing_order(videos)] and pages == 6
    status, body = get(app)
    assert status == 200 and len(body["videos"]) == 57 and body["cursor"] is None  # default limit 100
    status, body = get(app, limit="57")
    assert body["cursor"] is None  # exactly one page: no empty page after it


@pytest.mark.parametrize("status", ["indexed", "indexing", "failed"])
def test_the_status_filter(app_and_videos: tuple[Any, list[VideoRecord]], status: str) -> None:
    app, videos = app_and_videos
    ids, _ = walk(app, limit="4", status=status)
    assert ids == [v.id for v in listing_order(videos) if v.status == status] and ids


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "0"}, "limit: a whole number from 1 to 1000"),
        ({"limit": "1001"}, "limit: a whole number from 1 to 1000"),
        ({"limit": "ten"}, "limit: a whole number from 1 to 1000"),
        ({"status": "deleted"}, "status: one of indexing, indexed, failed"),
        ({"cursor": "not-a-cursor"}, "cursor: not a cursor this API gave"),
        ({"cursor": "W10"}, "cursor: not a cursor this API gave"),  # a valid encoding of []
    ],
)
def test_bad_parameters_are_400_with_a_message(
    app_and_videos: tuple[Any, list[VideoRecord]], params: dict[str, str], message: str
) -> None:
    status, body = get(app_and_videos[0], **params)
    assert status == 400 and body == {"error": message}


def test_a_cursor_past_the_end_gives_an_empty_last_page(app_and_videos: tuple[Any, list[VideoRecord]]) -> None:
    status, body = get(app_and_videos[0], cursor=encode_cursor(("\uffff", "", "", "")))
    assert status == 200 and body == {"videos": [], "cursor": None}
