"""Faults injected into the stack under moto (tests/aws/stack.py): every one ends with the right
status and reason, no stale or orphaned items, and the previous complete index answering where it
should. Each test names the scenario of issue 13 it covers."""

from __future__ import annotations

import shutil
import signal
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ashen.api.local_server import LocalContext
from ashen.aws import fanout
from ashen.indexing.segments import SegmentHash
from ashen.media import frames as media_frames
from ashen.media.probe import ffmpeg_exe
from ashen.store.dynamodb_models import revision_tag
from tests.aws.stack import (
    CLIP,
    Cloud,
    Indexed,
    answering,
    deliver,
    drain,
    event_sample,
    found,
    frame_png,
    items_of,
    logs_of,
    receive_batch,
    revisions_of,
    s3_event,
    split,
    sqs_event,
    video_of,
)
from tests.media.servers import serve

pytestmark = pytest.mark.slow  # the whole stack under moto

Upload = Callable[..., dict[str, Any]]


def version(event: dict[str, Any]) -> str:
    return str(event["Records"][0]["s3"]["object"]["versionId"])


def test_an_overwrite_while_hashing_leaves_nothing_of_the_old_upload(
    cloud: Cloud,
    sintel: Indexed,
    own_upload: Upload,
    other_clip: Path,
    short_clip: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    key = "library/Race/race - 01.mp4"
    video_id = video_of(key)
    split(cloud, own_upload(key, short_clip.read_bytes()))
    first = receive_batch(cloud)[:1]
    real, new_upload = fanout.hash_segment, {}

    def overwritten_meanwhile(*args: Any, **kwargs: Any) -> SegmentHash:
        # The worker checked its revision already; the new upload lands while it hashes.
        if not new_upload:
            new_upload.update(own_upload(key, other_clip.read_bytes()))
            split(cloud, new_upload)
        return real(*args, **kwargs)

    monkeypatch.setattr(fanout, "hash_segment", overwritten_meanwhile)
    deliver(cloud, first)
    monkeypatch.setattr(fanout, "hash_segment", real)
    drain(cloud)  # the old upload's other segments, and the new one's

    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "indexed" and video.duration == pytest.approx(10.0, abs=0.1)
    assert revisions_of(cloud, video_id) == {revision_tag(version(new_upload))}
    assert len(items_of(cloud, video_id)) == video.scenes
    assert video_id not in found(cloud, frame_png(4.0))  # the old upload answers nothing
    assert found(cloud, frame_png(4.0))[0] == sintel.video_id
    assert found(cloud, frame_png(5.0, other_clip))[0] == video_id


def test_the_previous_index_answers_until_the_new_one_is_complete(
    cloud: Cloud, sintel: Indexed, own_upload: Upload, other_clip: Path, short_clip: Path
) -> None:
    key = "library/Swap/swap - 01.mp4"
    video_id = video_of(key)
    old = own_upload(key, short_clip.read_bytes())
    split(cloud, old)
    drain(cloud)
    assert answering(cloud, video_id) == {revision_tag(version(old))}
    new = own_upload(key, other_clip.read_bytes())
    split(cloud, new)
    deliver(cloud, receive_batch(cloud)[:1])  # one of two segments of the new upload
    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "indexing"
    assert revisions_of(cloud, video_id) == {revision_tag(version(old)), revision_tag(version(new))}
    assert answering(cloud, video_id) == {revision_tag(version(old))}  # the old upload still answers
    assert video_id in found(cloud, frame_png(4.0))
    drain(cloud)
    assert answering(cloud, video_id) == revisions_of(cloud, video_id) == {revision_tag(version(new))}
    assert found(cloud, frame_png(2.0, other_clip))[0] == video_id


def test_deleting_an_old_version_keeps_the_live_one_and_deleting_the_current_restores_the_old(
    cloud: Cloud, own_upload: Upload, other_clip: Path, short_clip: Path
) -> None:
    key = "library/Versions/versions - 01.mp4"
    video_id = video_of(key)
    v1 = own_upload(key, short_clip.read_bytes())
    split(cloud, v1)
    drain(cloud)
    v2 = own_upload(key, other_clip.read_bytes())
    split(cloud, v2)
    drain(cloud)
    before = items_of(cloud, video_id)
    assert revisions_of(cloud, video_id) == {revision_tag(version(v2))}

    cloud.s3.delete_object(Bucket="ashen-ingest-test", Key=key, VersionId=version(v1))  # a noncurrent version
    split(cloud, s3_event("s3-delete.json", key, event_name="ObjectRemoved:Delete", versionId=version(v1)))
    assert receive_batch(cloud) == [] and items_of(cloud, video_id) == before
    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "indexed" and found(cloud, frame_png(2.0, other_clip))[0] == video_id

    v3 = own_upload(key, short_clip.read_bytes())  # a third version, then that one deleted: v2 is current again
    split(cloud, v3)
    drain(cloud)
    cloud.s3.delete_object(Bucket="ashen-ingest-test", Key=key, VersionId=version(v3))
    split(cloud, s3_event("s3-delete.json", key, event_name="ObjectRemoved:Delete", versionId=version(v3)))
    drain(cloud)
    assert revisions_of(cloud, video_id) == {revision_tag(version(v2))}
    assert found(cloud, frame_png(2.0, other_clip))[0] == video_id and video_id not in found(cloud, frame_png(4.0))


def test_a_delete_delivered_before_its_create_leaves_nothing(
    cloud: Cloud, own_upload: Upload, short_clip: Path
) -> None:
    key = "library/Gone/gone - 01.mp4"
    created = own_upload(key, short_clip.read_bytes())
    marker = cloud.s3.delete_object(Bucket="ashen-ingest-test", Key=key)
    deleted = s3_event("s3-delete.json", key, versionId=marker["VersionId"])
    split(cloud, deleted)  # S3 does not order events: the delete comes first
    split(cloud, created)
    assert cloud.store.get_video(video_of(key)) is None and items_of(cloud, video_of(key)) == []
    assert receive_batch(cloud) == []


def test_a_split_that_dies_between_recording_and_queuing_is_planned_again(
    cloud: Cloud, own_upload: Upload, short_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "library/Retry/retry - 01.mp4"
    event = own_upload(key, short_clip.read_bytes())

    def unreachable(self: object, tasks: list[fanout.SegmentTask]) -> None:
        raise ConnectionError("injected: SQS is unreachable")

    monkeypatch.setattr(cloud.split.SqsQueue, "send", unreachable)
    with pytest.raises(ConnectionError):
        split(cloud, event)
    monkeypatch.undo()
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "indexing" and receive_batch(cloud) == []
    split(cloud, event)  # Lambda retries the event
    assert len(receive_batch(cloud)) == 2
    split(cloud, event)  # and once queued, a third delivery plans nothing
    assert len(receive_batch(cloud)) == 2
    drain(cloud)
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "indexed" and video.segments_done == 2


def test_a_dead_lettered_segment_fails_its_video_with_a_reason(
    cloud: Cloud, own_upload: Upload, short_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "library/Crash/crash - 01.mp4"
    video_id = video_of(key)
    split(cloud, own_upload(key, short_clip.read_bytes()))
    real = fanout.hash_segment

    def crashes_on_the_second(video: Any, segment: Any, **kwargs: Any) -> SegmentHash:
        if segment.index == 1:
            raise MemoryError("injected: the worker ran out of memory")
        return real(video, segment, **kwargs)

    monkeypatch.setattr(fanout, "hash_segment", crashes_on_the_second)
    drain(cloud)  # segment 2 fails on every delivery; SQS parks it in the dead-letter queue
    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "indexing" and video.segments_done == 1
    parked = receive_batch(cloud, cloud.dlq_url)
    assert len(parked) == 1
    assert cloud.upkeep.handler(sqs_event(cloud, parked), LocalContext()) == {"dead_letters": 1, "videos_failed": 1}
    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "failed"
    assert video.error.startswith("segment 2 of 2 could not be hashed after 3 attempts")
    assert items_of(cloud, video_id) == []  # the segment written is deleted


def test_a_poison_message_is_parked_and_reported(cloud: Cloud) -> None:
    cloud.sqs.send_message(QueueUrl=cloud.queue_url, MessageBody="not json")
    for _ in range(4):
        deliver(cloud, receive_batch(cloud))
    parked = receive_batch(cloud, cloud.dlq_url)
    assert [m["Body"] for m in parked] == ["not json"]
    assert cloud.upkeep.handler(sqs_event(cloud, parked), LocalContext()) == {"dead_letters": 1, "videos_failed": 0}


def test_stalled_videos_are_swept_to_failed(
    cloud: Cloud, sintel: Indexed, own_upload: Upload, short_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "library/Stall/stall - 01.mp4"
    split(cloud, own_upload(key, short_clip.read_bytes()))
    deliver(cloud, receive_batch(cloud)[:1])  # then the workers stop
    monkeypatch.setenv("ASHEN_STALL_MINUTES", "0")
    assert cloud.upkeep.handler(event_sample("schedule.json"), LocalContext())["stalled"] >= 1
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "failed" and video.error.startswith("stalled")
    assert items_of(cloud, video_of(key)) == []
    indexed = cloud.store.get_video(sintel.video_id)
    assert indexed is not None and indexed.status == "indexed"  # only indexing videos are swept


@pytest.mark.parametrize(
    "event",
    [{}, {"Records": "x"}, {"Records": [{"eventName": "ObjectCreated:Put"}]}, {"Records": [{"s3": {}}]}],
    ids=["empty", "records-not-a-list", "no-s3", "no-event-name"],
)
def test_events_that_are_not_s3_object_events_are_logged_and_skipped(cloud: Cloud, event: dict[str, Any]) -> None:
    with logs_of(cloud.split) as logged:
        assert split(cloud, event) == {"handled": 0}
    assert [(e["level"], e["message"]) for e in logged] == [("ERROR", "not an S3 object event; skipped")]
    assert logged[0]["reason"].startswith("not an S3")


def test_every_record_is_logged_with_its_object(cloud: Cloud, own_upload: Upload) -> None:
    key = "library/Logged/logged - 01.mp4"
    event = own_upload(key, CLIP.read_bytes()[:1000], Metadata={"title": "Logged"})
    with logs_of(cloud.split) as logged:
        split(cloud, event)
    entry = next(e for e in logged if e["message"] == "failed")
    assert (entry["bucket"], entry["key"], entry["version"]) == ("ashen-ingest-test", key, version(event))
    assert entry["sequencer"] == event["Records"][0]["s3"]["object"]["sequencer"]
    assert entry["detail"] == "logged - 01.mp4: not a readable video (ffmpeg: invalid data)"


def test_a_truncated_upload_fails_and_the_previous_index_keeps_answering(
    cloud: Cloud, own_upload: Upload, short_clip: Path
) -> None:
    key = "library/Cut/cut - 01.mp4"
    video_id = video_of(key)
    whole = own_upload(key, short_clip.read_bytes())
    split(cloud, whole)
    drain(cloud)
    complete = cloud.store.get_video(video_id)
    assert complete is not None and complete.status == "indexed"
    data = short_clip.read_bytes()
    split(cloud, own_upload(key, data[: int(len(data) * 0.45)]))  # moov first: it probes as 10 s
    drain(cloud)  # each segment past the cut fails on every attempt; the last one fails the video
    video = cloud.store.get_video(video_id)
    assert video is not None and video.status == "failed", video
    assert "truncated" in video.error and "after 3 attempts" in video.error and "://" not in video.error
    assert answering(cloud, video_id) == revisions_of(cloud, video_id) == {revision_tag(version(whole))}
    assert video_id in found(cloud, frame_png(4.0))


def test_a_worker_whose_ffmpeg_is_killed_is_retried_and_the_video_completes(
    cloud: Cloud, own_upload: Upload, short_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "library/Killed/killed - 01.mp4"
    frames, killed = media_frames._FfmpegReader.frames, []

    def killed_once(self: media_frames._FfmpegReader, batch: int) -> Iterator[tuple[list[float], bytes]]:
        for item in frames(self, batch):
            yield item
            if not killed:  # the first read of all: its ffmpeg dies (out of memory, a timeout...)
                killed.append(self.proc.pid)
                self.proc.send_signal(signal.SIGKILL)

    monkeypatch.setattr(media_frames._FfmpegReader, "frames", killed_once)
    with logs_of(cloud.hash) as logged:
        split(cloud, own_upload(key, short_clip.read_bytes()))
        drain(cloud)
    assert killed
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "indexed"
    assert video.frames == len(media_frames.read_all(str(short_clip)))  # every frame, as one clean read
    retried = [e for e in logged if e["message"].startswith("segment failed")]
    assert len(retried) == 1 and "killed by signal 9" in retried[0]["exception"]
    assert video.error == ""


def test_an_odd_release_name_is_indexed(cloud: Cloud, own_upload: Upload, short_clip: Path) -> None:
    key = "library/Show S²/Show S² - 01 [１０８０p].mp4"
    split(cloud, own_upload(key, short_clip.read_bytes()))
    drain(cloud)
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "indexed" and video.title == "Show S²"


def test_a_delete_while_hashing_leaves_no_orphans(
    cloud: Cloud, own_upload: Upload, short_clip: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "library/Deleted/deleted - 01.mp4"
    video_id = video_of(key)
    split(cloud, own_upload(key, short_clip.read_bytes()))
    messages = receive_batch(cloud)
    deliver(cloud, messages[:1])
    real, deleted = fanout.hash_segment, []

    def deleted_meanwhile(*args: Any, **kwargs: Any) -> SegmentHash:
        if not deleted:  # the object is deleted while the second segment is hashed
            marker = cloud.s3.delete_object(Bucket="ashen-ingest-test", Key=key)
            deleted.append(split(cloud, s3_event("s3-delete.json", key, versionId=marker["VersionId"])))
        return real(*args, **kwargs)

    monkeypatch.setattr(fanout, "hash_segment", deleted_meanwhile)
    drain(cloud)
    assert deleted == [{"handled": 1}]
    assert cloud.store.get_video(video_id) is None and items_of(cloud, video_id) == []


def _matroska(clip: Path, *, piped: bool) -> bytes:
    """``clip`` remuxed as Matroska: written to a pipe (no duration in its header) or to a file."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mkv"
        cmd = [ffmpeg_exe(), "-v", "error", "-y", "-i", str(clip), "-c", "copy", "-f", "matroska"]
        run = subprocess.run([*cmd, "-" if piped else str(out)], check=True, capture_output=True, timeout=60)
        return run.stdout if piped else out.read_bytes()


def test_a_header_claiming_a_million_hours_fails_before_anything_is_queued(
    cloud: Cloud, own_upload: Upload, short_clip: Path
) -> None:
    data = bytearray(_matroska(short_clip, piped=False))
    at = data.find(b"\x44\x89\x88") + 3  # Matroska's Duration: an 8-byte float of milliseconds
    data[at : at + 8] = struct.pack(">d", 1e6 * 3600 * 1000)
    key = "library/Huge/huge - 01.mkv"
    split(cloud, own_upload(key, bytes(data)))
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "failed" and "longer than the 12 h maximum" in video.error
    assert receive_batch(cloud) == []


def test_a_file_without_a_duration_is_measured_and_cut_into_segments(
    cloud: Cloud, own_upload: Upload, short_clip: Path
) -> None:
    key = "library/Piped/piped - 01.mkv"
    split(cloud, own_upload(key, _matroska(short_clip, piped=True)))
    planned = cloud.store.get_video(video_of(key))
    assert planned is not None and planned.segments_planned == 2 and planned.duration == pytest.approx(10.0, abs=0.2)
    drain(cloud)
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "indexed"


def test_a_playlist_upload_is_refused_and_fetches_nothing(
    cloud: Cloud, own_upload: Upload, short_clip: Path, tmp_path: Path
) -> None:
    key = "library/Playlist/playlist - 01.m3u8"
    shutil.copyfile(short_clip, tmp_path / "inside.mp4")
    with serve(tmp_path) as (url, server):  # a server on 127.0.0.1 counting what is fetched from it
        body = f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n{url}/inside.mp4\n#EXT-X-ENDLIST\n"
        split(cloud, own_upload(key, body.encode(), ContentType="application/vnd.apple.mpegurl"))
        assert server.hits == []
    video = cloud.store.get_video(video_of(key))
    assert video is not None and video.status == "failed" and "://" not in video.error, video
    assert receive_batch(cloud) == []
