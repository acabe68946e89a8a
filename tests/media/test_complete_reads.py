"""A read is complete or a MediaError: a file cut short, or an ffmpeg killed mid-read, never passes
for a whole video, and never replaces a complete index."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ashen.errors import MediaError
from ashen.indexing.indexer import IndexOptions, index_video, video_id_for
from ashen.indexing.segments import Segment, SourceVideo, hash_segment
from ashen.media import frames as video
from ashen.media.frames import ReadOptions, read_all
from ashen.media.probe import ffmpeg_exe, probe
from ashen.store import SqliteStore
from tests.support import CLIP


@pytest.fixture(scope="module")
def faststart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The clip with its moov atom first, whole and cut at 45 % (about 11.8 s of 26.2 s)."""
    d = tmp_path_factory.mktemp("faststart")
    whole = d / "whole.mp4"
    cmd = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(CLIP), "-c", "copy", "-movflags", "+faststart", str(whole)]
    subprocess.run(cmd, check=True, timeout=60)
    data = whole.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    cut = d / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.45)])
    return whole, cut


def test_a_truncated_faststart_mp4_is_not_a_complete_read(faststart: tuple[Path, Path]) -> None:
    _, cut = faststart
    info = probe(str(cut))  # the header is whole: it still says 26.2 s
    assert info.duration == pytest.approx(26.2, abs=0.05)
    with pytest.raises(MediaError, match=r"truncated: frames stop at 1\d\.\d s of 26\.2 s"):
        read_all(str(cut), info=info)
    # A range that ends before the cut is whole; one that reaches past it is not.
    assert len(read_all(str(cut), 2.0, 6.0, info=info)) == 100
    with pytest.raises(MediaError, match="truncated"):
        read_all(str(cut), 8.0, 20.0, info=info)


def test_segments_of_a_truncated_file_fail(faststart: tuple[Path, Path]) -> None:
    _, cut = faststart
    src = SourceVideo(str(cut), probe(str(cut)))
    with pytest.raises(MediaError, match="truncated: no frames after"):
        hash_segment(src, Segment(1, 16.0, None))  # starts past the cut
    with pytest.raises(MediaError, match="truncated: frames stop at"):
        hash_segment(src, Segment(0, 8.0, None))  # its read stops at the cut
    assert hash_segment(src, Segment(0, 0.0, 8.0)).frames == 200  # before the cut: whole


@pytest.mark.slow  # seconds of indexing or waiting: the full suite runs it, not the fast one
def test_a_truncated_file_leaves_the_complete_index_in_place(faststart: tuple[Path, Path], tmp_path: Path) -> None:
    whole, cut = faststart
    path = tmp_path / "episode.mp4"
    shutil.copyfile(whole, path)
    store = SqliteStore(tmp_path / "index.sqlite3")
    before = index_video(store, str(path), IndexOptions(workers=2)).video
    rows = store.bucket_sizes()
    assert before.frames == 652 and rows
    shutil.copyfile(cut, path)  # the same file, now cut short
    with pytest.raises(MediaError, match="truncated"):
        index_video(store, str(path), IndexOptions(workers=2))
    assert store.get_video(video_id_for(str(path))) == before
    assert store.bucket_sizes() == rows


def _signal_after_first_batch(monkeypatch: pytest.MonkeyPatch, sig: signal.Signals) -> None:
    """Make every reader's ffmpeg receive ``sig`` once its first batch of frames has come."""
    frames = video._FfmpegReader.frames

    def interrupted(self: video._FfmpegReader, batch: int):  # type: ignore[no-untyped-def]
        for i, item in enumerate(frames(self, batch)):
            yield item
            if i == 0:
                self.proc.send_signal(sig)

    monkeypatch.setattr(video._FfmpegReader, "frames", interrupted)


@pytest.mark.parametrize(
    ("sig", "message"),
    [
        (signal.SIGKILL, "killed by signal 9 at"),
        (signal.SIGTERM, r"interrupted \(exit status 255\) at"),
        (signal.SIGINT, r"interrupted \(exit status 255\) at"),
    ],
)
def test_ffmpeg_stopped_mid_read_is_an_error_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, sig: signal.Signals, message: str
) -> None:
    _signal_after_first_batch(monkeypatch, sig)
    with pytest.raises(MediaError, match=message):
        read_all(str(CLIP), options=ReadOptions(batch=16))
    store = SqliteStore(tmp_path / "index.sqlite3")
    with pytest.raises(MediaError, match=message):
        index_video(store, str(CLIP), IndexOptions(workers=1))
    assert store.list_videos() == [] and store.bucket_sizes() == {}


def test_stopping_ffmpeg_past_the_window_is_a_success(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[tuple[bool, int]] = []
    close = video._FfmpegReader.close

    def recorded(self: video._FfmpegReader) -> int:
        code = close(self)
        closed.append((self.stopped, code))
        return code

    monkeypatch.setattr(video._FfmpegReader, "close", recorded)
    part = read_all(str(CLIP), 2.0, 6.0, options=ReadOptions(batch=16))
    assert len(part) == 100 and np.all((part.times >= 2.0) & (part.times < 6.0))
    assert closed == [(True, -signal.SIGKILL)]  # the reader killed it, on purpose


def test_a_full_read_waits_for_ffmpeg_s_own_exit_status(monkeypatch: pytest.MonkeyPatch) -> None:
    """At the end of its output ffmpeg may still be running (flushing, exiting): the reader waits
    for its status rather than killing it, which would turn every full read into a 'killed' one."""
    closed: list[tuple[bool, int]] = []
    close = video._FfmpegReader.close

    def still_running_at_close(self: video._FfmpegReader) -> int:
        monkeypatch.setattr(self.proc, "poll", lambda: None)
        code = close(self)
        closed.append((self.stopped, code))
        return code

    monkeypatch.setattr(video._FfmpegReader, "close", still_running_at_close)
    assert len(read_all(str(CLIP), 20.0, None, options=ReadOptions(batch=16))) == 152
    assert closed == [(False, 0)]
