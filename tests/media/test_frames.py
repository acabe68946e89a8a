import itertools

import numpy as np
import pytest

from ashen.errors import MediaError
from ashen.indexing.segments import plan_segments
from ashen.media import frames as video
from ashen.media.frames import ReadOptions, read_all, read_range
from ashen.media.probe import probe


def test_probe_reports_stream_facts(clip):
    info = probe(str(clip))
    assert (info.width, info.height, info.codec) == (848, 480, "h264")
    assert info.duration == pytest.approx(26.2, abs=0.05)
    assert info.fps == 25


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_consecutive_ranges_equal_one_full_read(clip):
    info = probe(str(clip))
    full = read_all(str(clip), info=info)
    assert len(full) == 652
    assert np.all(np.diff(full.times) > 0)
    cuts = [0.0, 3.3, 9.99, 10.0, 17.52, None]  # includes a cut exactly on a frame time and one between
    parts = [read_all(str(clip), t0=cuts[i], t1=cuts[i + 1], info=info) for i in range(len(cuts) - 1)]
    times = np.concatenate([p.times for p in parts])
    sigs = np.concatenate([p.signatures for p in parts])
    assert np.array_equal(times, full.times)
    assert np.array_equal(sigs, full.signatures)


def test_range_reader_hashes_only_the_frames_it_keeps(clip, monkeypatch):
    # 9.99 s lies about 5 s after a keyframe: the reader decodes those frames, then drops them.
    decoded, hashed = [], []
    frames, descriptors = video._FfmpegReader.frames, video._grid_descriptors

    def counted_frames(self, batch):
        for times, raw in frames(self, batch):
            decoded.extend(times)
            yield times, raw

    def counted_descriptors(grids):
        hashed.append(len(grids))
        return descriptors(grids)

    monkeypatch.setattr(video._FfmpegReader, "frames", counted_frames)
    monkeypatch.setattr(video, "_grid_descriptors", counted_descriptors)
    part = read_all(str(clip), t0=9.99, t1=17.52, options=ReadOptions(batch=64))
    assert len(decoded) > len(part) > 0
    assert sum(hashed) == len(part)


def test_range_reader_reports_progress(clip):
    seen = []
    list(read_range(str(clip), 5.0, 8.0, options=ReadOptions(batch=16, on_progress=seen.append)))
    assert seen and seen[-1] == pytest.approx(8.0, abs=0.05)
    assert all(b >= a for a, b in itertools.pairwise(seen))


def test_plan_segments_cover_the_timeline():
    segs = plan_segments(600.0, 2)
    assert segs[0].start == 0 and segs[-1].end is None
    assert all(a.end == b.start for a, b in itertools.pairwise(segs))
    assert len(plan_segments(4.0, 2)) == 1
    assert len(plan_segments(None, 2)) == 1
    assert len(plan_segments(3600.0, 2, max_segment=600)) == 6


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "no such file"),
        ("empty", "empty"),
        ("text", "not a readable video"),
        ("truncated", "video"),
        ("audio", "no video stream"),
    ],
)
def test_bad_sources_raise_clear_errors(bad_inputs, kind, message):
    with pytest.raises(MediaError, match=message):
        info = probe(str(bad_inputs[kind]))
        read_all(str(bad_inputs[kind]), info=info)
