"""What ffmpeg may read: local files and https (http on the loopback address only), in the video
containers Ashen indexes; https verified against an explicit CA bundle."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ashen.errors import MediaError
from ashen.media import inputs
from ashen.media.frames import read_all
from ashen.media.probe import ffmpeg_exe, probe
from ashen.media.stills import clip_frames, grab_frame
from tests.media.servers import self_signed, serve
from tests.support import CLIP

REFUSED = "not a video container Ashen reads"


def playlist(path: Path, *segments: str) -> Path:
    lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:30", *(f"#EXTINF:26.2,\n{s}" for s in segments), "#EXT-X-ENDLIST"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_an_hls_playlist_is_refused_before_it_fetches_anything(tmp_path: Path) -> None:
    shutil.copyfile(CLIP, tmp_path / "clip.mp4")
    with serve(tmp_path) as (url, server):
        local = playlist(tmp_path / "local.m3u8", str(tmp_path / "clip.mp4"))
        remote = playlist(tmp_path / "remote.m3u8", f"{url}/clip.mp4")
        for source in (str(local), str(remote), f"{url}/remote.m3u8"):
            with pytest.raises(MediaError, match=REFUSED):
                probe(source)
            with pytest.raises(MediaError, match=f"no frame|{REFUSED}"):
                clip_frames(source) if "://" not in source else grab_frame(source, 1.0)
        # Only the playlist served by URL was read (by the probe and the frame grab), none of its entries.
        assert server.hits and set(server.hits) == {"/remote.m3u8"}


def test_the_readers_refuse_a_playlist_too(tmp_path: Path) -> None:
    info = probe(str(CLIP))  # a caller holding a probe of another file reads the playlist directly
    with pytest.raises(MediaError, match="could not decode video"):
        read_all(str(playlist(tmp_path / "p.m3u8", str(CLIP))), info=info)


@pytest.mark.parametrize("source", ["ftp://example.com/a.mp4", "http://example.com/a.mp4", "file:///etc/passwd"])
def test_only_local_files_https_and_loopback_http_are_read(source: str) -> None:
    with pytest.raises(MediaError, match="local files and https URLs only"):
        probe(source)


def test_a_colon_in_a_file_name_is_no_protocol(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given to ffmpeg as is, this relative name would open the concat protocol on "missing.mp4".
    shutil.copyfile(CLIP, tmp_path / "concat:missing.mp4")
    monkeypatch.chdir(tmp_path)
    assert probe("concat:missing.mp4").duration == pytest.approx(26.2, abs=0.05)


@pytest.mark.parametrize(
    ("suffix", "args"),
    [
        (".mkv", ["-c", "copy"]),
        (".webm", ["-vf", "scale=64:-2", "-c:v", "libvpx", "-b:v", "200k", "-an"]),
        (".gif", ["-vf", "scale=64:-2,fps=5", "-an"]),
        (".ts", ["-c", "copy"]),
    ],
)
def test_the_containers_ashen_indexes_still_read(tmp_path: Path, suffix: str, args: list[str]) -> None:
    out = tmp_path / f"clip{suffix}"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-t", "2", "-i", str(CLIP), *args, str(out)], check=True, timeout=60)
    info = probe(str(out))
    assert len(read_all(str(out), info=info)) >= 10
    assert clip_frames(str(out)) and grab_frame(str(out), 0.0).size


def test_https_is_verified_against_the_configured_ca_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copyfile(CLIP, tmp_path / "clip.mp4")
    trusted, (stranger, _) = self_signed(tmp_path, "server"), self_signed(tmp_path, "stranger")
    with serve(tmp_path, trusted) as (url, _):
        source = f"{url}/clip.mp4?X-Amz-Signature=secret"
        monkeypatch.setenv("ASHEN_CA_FILE", str(trusted[0]))
        info = probe(source)
        assert info.duration == pytest.approx(26.2, abs=0.05)
        assert len(read_all(source, 10.0, 12.0, info=info)) == 50
        monkeypatch.setenv("ASHEN_CA_FILE", str(stranger))
        with pytest.raises(MediaError, match="certificate is not trusted") as refused:
            probe(source)
        assert "secret" not in str(refused.value)
        with pytest.raises(MediaError, match="certificate verify failed"):
            read_all(source, 10.0, 12.0, info=info)


def test_the_ca_bundle_is_resolved_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine, system = tmp_path / "mine.pem", tmp_path / "system.pem"
    mine.write_text("x")
    system.write_text("x")
    monkeypatch.setattr(inputs, "SYSTEM_CA_FILES", ("/nonexistent/ca.pem", str(system)))
    monkeypatch.setenv("ASHEN_CA_FILE", str(mine))
    monkeypatch.setenv("SSL_CERT_FILE", str(system))
    assert inputs.ca_file() == str(mine)
    monkeypatch.delenv("ASHEN_CA_FILE")
    assert inputs.ca_file() == str(system)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    certifi = pytest.importorskip("certifi")
    inputs._resolve_ca_file.cache_clear()
    assert inputs.ca_file() == certifi.where()
    monkeypatch.setitem(__import__("sys").modules, "certifi", None)  # not installed
    inputs._resolve_ca_file.cache_clear()
    assert inputs.ca_file() == str(system)
    monkeypatch.setattr(inputs, "SYSTEM_CA_FILES", ("/nonexistent/ca.pem",))
    inputs._resolve_ca_file.cache_clear()
    with pytest.raises(MediaError, match="no CA bundle found"):
        inputs.ca_file()
    monkeypatch.setenv("ASHEN_CA_FILE", str(tmp_path / "missing.pem"))
    with pytest.raises(MediaError, match=r"ASHEN_CA_FILE=.*no such file"):
        inputs.ca_file()
    inputs._resolve_ca_file.cache_clear()
