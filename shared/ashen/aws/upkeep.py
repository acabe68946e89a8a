"""Nothing stays ``indexing`` without progress: segments the queue gave up on (dead letters) fail
their video with a reason, and videos whose segments stopped finishing are swept to ``failed``."""

from __future__ import annotations

import time
from dataclasses import dataclass

from ashen.aws.fanout import SegmentTask
from ashen.store.port import FanoutStore

STALL_S = 2 * 3600.0  # longer than a segment's every delivery: 3 receives x the queue's visibility timeout


@dataclass(frozen=True)
class DeadLetter:
    """What became of one dead-lettered message, for the logs."""

    video_id: str  # "" when the body is no segment task
    failed: bool  # the video was failed by it (False: it had moved on, or the body is unreadable)
    reason: str


def fail_dead_letter(store: FanoutStore, body: str, attempts: int) -> DeadLetter:
    """Fail the video of a segment message the queue gave up on, keeping the last error noted."""
    try:
        task = SegmentTask.from_message(body)
    except (ValueError, KeyError, TypeError) as exc:
        return DeadLetter("", False, f"not a segment message ({type(exc).__name__}: {exc})")
    video = store.get_video(task.video_id)
    last = f": {video.error}" if video is not None and video.error else " (see the hash function's logs)"
    reason = f"segment {task.segment.index + 1} of {task.planned} could not be hashed after {attempts} attempts{last}"
    failed = store.fail_video(task.video_id, task.source.revision, reason)
    return DeadLetter(task.video_id, failed, reason)


def sweep_stalled(store: FanoutStore, *, stall_s: float = STALL_S, now: float | None = None) -> list[str]:
    """Fail every video indexing with no segment done for ``stall_s``; their ids."""
    before = (time.time() if now is None else now) - stall_s
    swept = []
    for video_id, revision in store.stalled(before):
        reason = f"stalled: no segment finished for {stall_s / 60:.0f} minutes; upload the file again to retry"
        if store.fail_video(video_id, revision, reason, idle_since=before):
            swept.append(video_id)
    return swept
