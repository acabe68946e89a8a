import pytest

from ashen.preview.shots import MAX_CLIP_S, Span, clip_span, shot_of
from ashen.records import Candidate


def scene(start: float, cut: bool = False) -> Candidate:
    return Candidate("v", start, start, start, b"", b"", cut)


SCENES = [scene(0.0, True), scene(1.0), scene(3.0, True), scene(4.0), scene(4.5), scene(6.0, True), scene(20.0, True)]


@pytest.mark.parametrize(
    ("at", "shot"),
    [
        (0.5, Span(0.0, 3.0)),
        (3.0, Span(3.0, 6.0)),
        (4.7, Span(3.0, 6.0)),
        (10.0, Span(6.0, 20.0)),
        (22.0, Span(20.0, 25.0)),
    ],
)
def test_the_shot_runs_from_the_cut_before_to_the_next(at: float, shot: Span) -> None:
    assert shot_of(SCENES, at, length=25.0) == shot


def test_without_cuts_the_shot_is_the_window_around_at_within_the_video() -> None:
    assert shot_of([scene(4.0), scene(9.0)], 6.0, length=8.0) == Span(1.0, 8.0)


@pytest.mark.parametrize(
    ("shot", "at", "clip"),
    [
        (Span(0.0, 30.0), 10.0, Span(7.5, 12.5)),  # a long shot: centred, MAX_CLIP_S
        (Span(3.0, 6.0), 4.7, Span(3.0, 6.0)),  # a short shot: all of it, never the next
        (Span(8.0, 30.0), 9.0, Span(8.0, 13.0)),  # near the shot's start: widened after
        (Span(0.0, 12.0), 11.0, Span(7.0, 12.0)),  # near its end: widened before
    ],
)
def test_the_clip_is_at_most_five_seconds_of_the_shot(shot: Span, at: float, clip: Span) -> None:
    got = clip_span(shot, at)
    assert got == clip
    assert got.duration <= MAX_CLIP_S and shot.start <= got.start <= at <= got.end <= shot.end
