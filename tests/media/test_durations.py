"""Durations: a header that claims too much is refused before any segment is planned, and a
source whose header gives none is measured, so its segments are cut as any other's."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import pytest

from ashen.errors import MediaError
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.indexing.segments import plan_segments
from ashen.media.probe import ffmpeg_exe, max_duration_s, probe
from ashen.store import SqliteStore
from tests.support import CLIP

MKV_DURATION = b"\x44\x89\x88"  # Matroska's Duration element with its 8-byte float


@pytest.fixture(scope="module")
def mkvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The clip as Matroska: written to a file (a Duration in its header), written to a pipe (none),
    and the first one with its header edited to claim a million hours."""
    d = tmp_path_factory.mktemp("mkv")
    whole, piped, huge = d / "whole.mkv", d / "piped.mkv", d / "huge.mkv"
    remux = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(CLIP), "-c", "copy"]
    subprocess.run([*remux, str(whole)], check=True, timeout=60)
    piped.write_bytes(
        subprocess.run([*remux, "-f", "matroska", "-"], check=True, timeout=60, capture_output=True).stdout
    )
    data = bytearray(whole.read_bytes())
    at = data.find(MKV_DURATION) + len(MKV_DURATION)
    assert struct.unpack(">d", data[at : at + 8]) == (26196.0,)  # milliseconds
    data[at : at + 8] = struct.pack(">d", 1e6 * 3600 * 1000)
    huge.write_bytes(bytes(data))
    assert MKV_DURATION not in piped.read_bytes()[:4096]
    return {"whole": whole, "piped": piped, "huge": huge}


def test_a_header_claiming_a_million_hours_is_refused(mkvs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"1e\+06 h long, longer than the 12 h maximum"):
        probe(str(mkvs["huge"]))
    store = SqliteStore(tmp_path / "index.sqlite3")
    with pytest.raises(MediaError, match="longer than the 12 h maximum"):
        index_video(store, str(mkvs["huge"]))
    assert store.list_videos() == []


def test_the_maximum_is_configurable(mkvs: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_duration_s() == 12 * 3600
    assert probe(str(CLIP), max_duration=30.0).duration == pytest.approx(26.2, abs=0.05)
    with pytest.raises(MediaError, match=r"longer than the 0.00556 h maximum"):
        probe(str(CLIP), max_duration=20.0)
    monkeypatch.setenv("ASHEN_MAX_DURATION_HOURS", "0.005")  # 18 s
    with pytest.raises(MediaError, match=r"longer than the 0\.005 h maximum"):
        probe(str(CLIP))
    with pytest.raises(MediaError, match="longer than"):
        index_video(SqliteStore(":memory:"), str(CLIP), IndexOptions(max_duration=10.0))
    monkeypatch.setenv("ASHEN_MAX_DURATION_HOURS", "2e6")
    assert probe(str(mkvs["huge"])).duration == 3.6e9


def test_a_source_without_a_duration_is_measured_and_cut_into_segments(mkvs: dict[str, Path], tmp_path: Path) -> None:
    whole, piped = probe(str(mkvs["whole"])), probe(str(mkvs["piped"]))
    assert whole.duration == pytest.approx(26.2, abs=0.01)
    assert piped.duration == pytest.approx(26.1, abs=0.1)  # measured: the video's last packet
    assert len(plan_segments(piped.duration, 3)) == 3
    with pytest.raises(MediaError, match=r"longer than the .* maximum \(measured"):
        probe(str(mkvs["piped"]), max_duration=10.0)
    report = index_video(SqliteStore(tmp_path / "index.sqlite3"), str(mkvs["piped"]), IndexOptions(workers=3))
    assert (report.video.segments_planned, report.frames) == (3, 652)
