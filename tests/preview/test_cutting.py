"""Real ffmpeg cuts of the vendored clip, through Previews on a SQLite store indexed with its shots."""

import json
import subprocess
from pathlib import Path

import pytest

from ashen.errors import NotFoundError
from ashen.indexing.indexer import IndexOptions, index_video
from ashen.media.probe import ffmpeg_exe
from ashen.preview.service import FolderCache, PreviewAsk, PreviewInputError, Previews, preview_ask
from ashen.store.sqlite import SqliteStore
from tests.support import CLIP


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> tuple[Previews, str]:
    home = tmp_path_factory.mktemp("home")
    store = SqliteStore(home / "s.sqlite3")
    video = index_video(store, str(CLIP), IndexOptions())
    return Previews(store, FolderCache(home / "previews")), video.video.id


def streams(path: Path) -> list[dict[str, object]]:
    """ffprobe-free probe: ffmpeg's stream lines, parsed for codec type and duration."""
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True).stderr
    kinds = [
        {"type": line.split(": ")[1].split(":")[0].strip().lower()} for line in out.splitlines() if "Stream #" in line
    ]
    duration = next(line.split("Duration: ")[1].split(",")[0] for line in out.splitlines() if "Duration:" in line)
    h, m, s = duration.split(":")
    return [dict(k, duration=int(h) * 3600 + int(m) * 60 + float(s)) for k in kinds]


def test_a_clip_shows_the_shot_around_at_and_no_more(previews: tuple[Previews, str]) -> None:
    service, vid = previews
    preview = service.make(PreviewAsk(vid, "video", 11.0))  # the shot from 4.87 to 12.79 s
    assert (preview.span.start, preview.span.end) == pytest.approx((7.79, 12.79), abs=0.01) and not preview.hit
    data = service.cache.read(preview.key)  # type: ignore[attr-defined]
    assert data[4:8] == b"ftyp"
    path = service.cache.root / preview.key  # type: ignore[attr-defined]
    kinds = streams(path)
    assert {k["type"] for k in kinds} == {"video", "audio"}
    assert kinds[0]["duration"] <= 5.0 + 0.05  # type: ignore[operator]
    again = service.make(PreviewAsk(vid, "video", 11.0))
    assert again.hit and again.etag == preview.etag


def test_a_short_shot_is_shown_whole_and_muted_has_no_sound(previews: tuple[Previews, str]) -> None:
    service, vid = previews
    preview = service.make(PreviewAsk(vid, "video", 4.0, size="s", mute=True))  # the shot 3.07-4.87 s
    assert (preview.span.start, preview.span.end) == pytest.approx((3.07, 4.87), abs=0.01)
    kinds = streams(service.cache.root / preview.key)  # type: ignore[attr-defined]
    assert [k["type"] for k in kinds] == ["video"]
    assert 1.7 <= kinds[0]["duration"] <= 1.85  # type: ignore[operator]


@pytest.mark.parametrize(("accept", "magic"), [("", b"\xff\xd8\xff"), ("image/webp,*/*", b"RIFF")])
def test_a_still_is_jpeg_or_webp_by_accept(previews: tuple[Previews, str], accept: str, magic: bytes) -> None:
    service, vid = previews
    preview = service.make(preview_ask(vid, "image", 8.0, {"size": "l"}, accept))
    assert service.cache.read(preview.key).startswith(magic)  # type: ignore[attr-defined]
    assert preview.content_type == ("image/webp" if magic == b"RIFF" else "image/jpeg")


def test_an_unknown_video_is_not_found(previews: tuple[Previews, str]) -> None:
    with pytest.raises(NotFoundError):
        previews[0].make(PreviewAsk("nope", "video", 1.0))


@pytest.mark.parametrize(
    ("params", "size", "mute"),
    [({}, "m", False), ({"size": "s", "mute": ""}, "s", True), ({"size": "l", "mute": "0"}, "l", False)],
)
def test_size_and_mute_are_read(params: dict[str, str], size: str, mute: bool) -> None:
    ask = preview_ask("v", "video", 1.0, params)
    assert (ask.size, ask.mute) == (size, mute)


@pytest.mark.parametrize("params", [{"size": "xl"}, {"size": "../x"}, {"mute": "maybe"}])
def test_bad_size_or_mute_is_refused(params: dict[str, str]) -> None:
    with pytest.raises(PreviewInputError):
        preview_ask("v", "video", 1.0, params)


def test_the_cache_key_names_every_input() -> None:
    from ashen.preview.service import cache_key
    from ashen.preview.shots import Span
    from ashen.records import VideoRecord

    video = VideoRecord("vid", "T", "f.mp4", "/f.mp4", indexed_at=5.0)
    keys = {
        cache_key(video, ask, Span(1.0, 2.0))
        for ask in (
            PreviewAsk("vid", "video", 1.5),
            PreviewAsk("vid", "video", 1.5, "s"),
            PreviewAsk("vid", "video", 1.5, mute=True),
        )
    }
    assert len(keys) == 3
    assert json.dumps(sorted(keys))
