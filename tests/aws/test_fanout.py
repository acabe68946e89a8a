"""Segment messages of the fan-out: planned over the whole time line, and in a format that stays
readable across deployments."""

from __future__ import annotations

import itertools

from ashen.aws.fanout import SegmentTask, plan_tasks
from ashen.aws.s3 import S3Object
from ashen.box import Box
from ashen.media.probe import VideoInfo


def test_tasks_round_trip_and_cover_the_time_line() -> None:
    info = VideoInfo(duration=1450.0, start_time=0.0, width=1920, height=1080, fps=23.976, codec="hevc")
    tasks = plan_tasks("vid", S3Object("bucket", "library/A/b.mkv", "rev", "v1"), info, segment_seconds=90.0)
    assert len(tasks) == 17 and all(t.planned == 17 for t in tasks)
    assert tasks[0].segment.start == 0.0 and tasks[-1].segment.end is None
    assert all(a.segment.end == b.segment.start for a, b in itertools.pairwise(tasks))
    assert all((b.segment.end or info.duration) - b.segment.start <= 90.0 for b in tasks)
    assert SegmentTask.from_message(tasks[3].to_message()) == tasks[3]
    assert tasks[3].info == info
    assert len(tasks[3].to_message()) < 1024  # far under SQS's 256 KiB


INFO_JSON = '{"duration":1450.0,"start_time":0.0,"width":1920,"height":1080,"fps":23.976,"codec":"hevc"}'


def test_the_message_format_is_unchanged() -> None:
    """Messages already in the queue when a new version deploys must still parse, and the same."""
    info = VideoInfo(duration=1450.0, start_time=0.0, width=1920, height=1080, fps=23.976, codec="hevc")
    upload = S3Object("bucket", "library/A/b.mkv", "rev", "v1")
    task = plan_tasks("vid", upload, info, crop=Box(58, 422, 0, 848), segment_seconds=90.0)[3]
    body = (
        '{"video_id":"vid","revision":"rev","bucket":"bucket","key":"library/A/b.mkv","index":3,"start":255.882,'
        f'"end":341.176,"planned":17,"info":{INFO_JSON},"version_id":"v1","crop":[58,422,0,848]}}'
    )
    assert task.to_message() == body and SegmentTask.from_message(body) == task
    assert task.crop == Box(58, 422, 0, 848) and type(task.crop) is Box
    # An unversioned upload without bars; and a message from a split that wrote neither field.
    plain = plan_tasks("vid", S3Object("bucket", "library/A/b.mkv", "rev"), info, segment_seconds=90.0)[0]
    old = (
        '{"video_id":"vid","revision":"rev","bucket":"bucket","key":"library/A/b.mkv","index":0,"start":0.0,'
        f'"end":85.294,"planned":17,"info":{INFO_JSON}}}'
    )
    assert SegmentTask.from_message(old) == plain
    assert plain.to_message() == old[:-1] + ',"version_id":null,"crop":null}'
