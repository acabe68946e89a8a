"""VideoRecord: typed in Python (status an enum, picture a Box), plain values in its stored JSON."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ashen.box import Box
from ashen.records import VideoRecord, VideoStatus
from ashen.store import SqliteStore


def test_json_form_is_plain_and_reads_back_typed() -> None:
    video = VideoRecord(
        id="v", title="T", filename="v.mp4", source="/v.mp4", status=VideoStatus.FAILED, picture=Box(58, 422, 0, 848)
    )
    data = video.to_dict()
    assert data["status"] == "failed" and type(data["status"]) is str
    assert data["picture"] == [58, 422, 0, 848]
    assert json.loads(json.dumps(data)) == data
    back = VideoRecord.from_dict(data)
    assert back == video
    assert type(back.status) is VideoStatus and type(back.picture) is Box


def test_a_record_stored_as_plain_strings_loads_as_the_enum(tmp_path: Path) -> None:
    path = tmp_path / "a.sqlite3"
    SqliteStore(path).close()
    stored = {
        "id": "old",
        "title": "Old",
        "filename": "old.mkv",
        "source": "old.mkv",
        "status": "indexing",
        "picture": [0, 360, 80, 560],
        "written_by": "a later version",
    }
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO videos VALUES ('old', ?)", (json.dumps(stored),))
    with SqliteStore(path) as store:
        video = store.get_video("old")
    assert video is not None
    assert video.status is VideoStatus.INDEXING and video.picture == Box(0, 360, 80, 560)
    no_picture = VideoRecord.from_dict({k: v for k, v in stored.items() if k != "picture"})
    assert no_picture.picture is None and no_picture.status is VideoStatus.INDEXING


def test_anilist_and_mal_round_trip_and_old_records_have_none() -> None:
    video = VideoRecord(id="v", title="T", filename="v.mp4", source="/v.mp4", anilist=21, mal=21)
    data = json.loads(json.dumps(video.to_dict()))
    assert (data["anilist"], data["mal"]) == (21, 21)
    assert VideoRecord.from_dict(data) == video
    old = {k: v for k, v in data.items() if k not in {"anilist", "mal"}}  # written before the fields
    back = VideoRecord.from_dict(old)
    assert (back.anilist, back.mal, back.title) == (None, None, "T")
