"""`ashen index` over a folder of release-named files, run again, moved, edited, removed by title
and pruned (ashen.cli_library)."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from ashen.cli import main
from ashen.errors import AshenError
from ashen.indexing.indexer import IndexOptions, index_video, video_id_for
from ashen.indexing.library import LocalLibrary
from ashen.media.probe import ffmpeg_exe
from ashen.records import UploadRequest
from ashen.store.sqlite import DB_NAME, SqliteStore
from tests.support import export_frame

RELEASES = {
    "[SubsPlease] Sousou no Frieren - 01 (1080p) [ABCD1234].mp4": 0,
    "[SubsPlease] Sousou no Frieren - 02 (1080p) [BCDE2345].mp4": 8,
    "episode03.mp4": 16,  # no title in the name: the folder's
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, clip: Path) -> Path:
    """Three episodes: 3 s cuts of the vendored clip (other bytes each) under release names."""
    shows = tmp_path_factory.mktemp("anime") / "Frieren"
    shows.mkdir()
    for name, start in RELEASES.items():
        cmd = [ffmpeg_exe(), "-v", "error", "-ss", str(start), "-t", "3", "-i", str(clip), "-an", "-c", "copy"]
        subprocess.run([*cmd, str(shows / name)], check=True, timeout=60)
    return shows


def ashen(home: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--home", str(home), *args])
    out, err = capsys.readouterr()
    return code, out, err


def listing(home: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    code, out, _ = ashen(home, capsys, "list", "--json")
    assert code == 0
    return {v["filename"]: v for v in json.loads(out)}


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_a_folder_of_releases_then_unchanged_moved_edited_removed_pruned(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    code, out, _ = ashen(home, capsys, "index", "--dry-run", str(folder))
    assert code == 0 and out.count("would index") == 3 and "'Sousou no Frieren' episode 02" in out
    assert not (home / DB_NAME).exists()  # a dry run stores nothing, not even an empty store

    assert ashen(home, capsys, "index", "-q", "--workers", "1", str(folder))[0] == 0
    videos = listing(home, capsys)
    names = {n: (v["title"], v["episode"]) for n, v in videos.items()}
    assert names == {
        "[SubsPlease] Sousou no Frieren - 01 (1080p) [ABCD1234].mp4": ("Sousou no Frieren", "01"),
        "[SubsPlease] Sousou no Frieren - 02 (1080p) [BCDE2345].mp4": ("Sousou no Frieren", "02"),
        "episode03.mp4": ("Frieren", "03"),
    }

    code, out, _ = ashen(home, capsys, "index", "-q", str(folder))  # again: nothing hashed, nothing new
    assert code == 0 and "unchanged: 3 files" in out and "indexed " not in out
    assert listing(home, capsys) == videos

    moved = tmp_path / "elsewhere" / "renamed.mp4"
    moved.parent.mkdir()
    (folder / "episode03.mp4").rename(moved)
    code, out, _ = ashen(home, capsys, "index", "-q", str(moved))
    assert code == 0 and out.startswith("moved ") and "indexed " not in out
    after = listing(home, capsys)
    assert len(after) == 3 and after["renamed.mp4"]["id"] == videos["episode03.mp4"]["id"]
    assert after["renamed.mp4"]["source"] == str(moved.resolve())
    moved.rename(folder / "episode03.mp4")  # and back, for the other tests of this module

    first = videos["[SubsPlease] Sousou no Frieren - 01 (1080p) [ABCD1234].mp4"]
    code, out, _ = ashen(home, capsys, "edit", str(first["id"]), "--title", "Frieren", "--episode", "1")
    assert code == 0 and "renamed" in out
    edited = next(v for v in listing(home, capsys).values() if v["id"] == first["id"])
    assert (edited["title"], edited["episode"]) == ("Frieren", "1")
    assert edited["indexed_at"] == first["indexed_at"]  # named anew, not hashed again

    code, out, _ = ashen(home, capsys, "remove", "--title", "Frieren")  # exactly this title: two of three
    assert code == 0 and "removed 2 videos;" in out
    assert [v["title"] for v in listing(home, capsys).values()] == ["Sousou no Frieren"]


def test_prune_drops_videos_whose_files_are_gone(folder: Path, tmp_path: Path, capsys) -> None:
    home = tmp_path / "home"
    home.mkdir()
    gone = tmp_path / "gone.mp4"
    gone.write_bytes((folder / "episode03.mp4").read_bytes()[:-1] + b"\0")  # other bytes than the episode's
    assert ashen(home, capsys, "index", "-q", "--workers", "1", str(gone), str(folder / "episode03.mp4"))[0] == 0
    gone.unlink()
    code, out, _ = ashen(home, capsys, "prune", "--dry-run")
    assert code == 0 and "would remove 1 video" in out and len(listing(home, capsys)) == 2
    code, out, _ = ashen(home, capsys, "prune")
    assert code == 0 and "removed 1 video whose files are gone" in out
    assert list(listing(home, capsys)) == ["episode03.mp4"]


def test_force_hashes_again_and_one_episode_is_not_stamped_on_a_folder(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    one = folder / "episode03.mp4"
    assert ashen(home, capsys, "index", "-q", "--workers", "1", str(one))[0] == 0
    [video] = listing(home, capsys).values()
    assert (video["title"], video["episode"]) == ("Frieren", "03")  # one file: named by the same rule
    assert ashen(home, capsys, "edit", "episode03.mp4", "--title", "Kept")[0] == 0
    code, out, _ = ashen(home, capsys, "index", "-q", "--workers", "1", "--force", str(one))
    assert code == 0 and out.startswith("indexed episode03.mp4") and len(listing(home, capsys)) == 1
    [video] = listing(home, capsys).values()
    assert (video["title"], video["episode"]) == ("Kept", "03")  # hashed again, its names kept
    code, out, err = ashen(home, capsys, "index", "-q", "--episode", "2", str(folder))
    assert code == 1 and err.count("\n") == 1 and "--episode names one video and 3 were found" in err
    code, out, _ = ashen(home, capsys, "index", "--dry-run", "http://127.0.0.1:9/v/%5BGrp%5D%20Show%20-%2004.mkv?s=1")
    assert code == 0 and "as 'Show' episode 04" in out and len(listing(home, capsys)) == 1  # a URL: named, not read
    code, out, err = ashen(home, capsys, "remove", "--title", "Nothing")
    assert code == 1 and err.startswith("ashen: no video is titled")
    code, out, err = ashen(home, capsys, "edit", "episode03.mp4")
    assert code == 1 and err.startswith("ashen: edit sets")
    code, out, err = ashen(home, capsys, "edit", "episode03.mp4", "--title", "Kept")
    assert code == 0 and out.endswith(": nothing to change\n")


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_ashen_serve_reindexes_a_file_video_under_its_id_and_names_uploads_by_the_rule(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    one = folder / "episode03.mp4"
    assert ashen(home, capsys, "index", "-q", "--workers", "1", str(one))[0] == 0
    [video] = listing(home, capsys).values()
    store = SqliteStore(home / DB_NAME)
    library = LocalLibrary(home, lambda: store, workers=1)
    library.reindex(store.get_video(str(video["id"])))  # POST /videos/{id}/reindex
    for thread in library.threads:
        thread.join(60)
    [again] = listing(home, capsys).values()
    assert (again["id"], again["status"], again["frames"]) == (video["id"], "indexed", video["frames"])

    data = (folder / "[SubsPlease] Sousou no Frieren - 02 (1080p) [BCDE2345].mp4").read_bytes()
    name = "[SubsPlease] Sousou no Frieren - 02 (1080p) [BCDE2345].mp4"
    ticket = library.new_upload(UploadRequest(name, "Frieren", None, len(data)), "http://127.0.0.1")
    video_id = library.receive(ticket.url.rsplit("/", 1)[1], io.BytesIO(data), len(data))
    for thread in library.threads:
        thread.join(60)
    uploaded = store.get_video(video_id)
    assert uploaded is not None and (uploaded.title, uploaded.episode) == ("Frieren", "02")


def test_ashen_upload_names_by_the_same_rule(folder: Path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    asked = []

    def start_upload(api: object, path: Path, title: str, episode: str | None) -> dict[str, object]:
        asked.append((path.name, title, episode))
        raise AshenError("stop here: what POST /uploads was asked is all this test reads")

    monkeypatch.setattr("ashen.api.upload_client.start_upload", start_upload)
    release = folder / "[SubsPlease] Sousou no Frieren - 02 (1080p) [BCDE2345].mp4"
    for path in (release, folder / "episode03.mp4"):
        assert main(["upload", str(path), "--api", "http://127.0.0.1:9"]) == 1
    assert [a[1:] for a in asked] == [("Sousou no Frieren", "02"), ("Frieren", "03")]
    capsys.readouterr()
    assert (
        main(["upload", str(release), str(folder / "episode03.mp4"), "--api", "http://127.0.0.1:9", "--episode", "1"])
        == 1
    )
    assert capsys.readouterr().err.startswith("ashen: --episode names one video and 2 were given")
    assert len(asked) == 2


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_a_store_of_the_previous_version_keeps_its_ids_and_is_not_hashed_again(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    one, two = folder / "episode03.mp4", folder / "[SubsPlease] Sousou no Frieren - 02 (1080p) [BCDE2345].mp4"
    monkeypatch.chdir(folder)
    with SqliteStore(home / DB_NAME) as store:  # as the previous `ashen index` left it: ids from the paths, no files
        for path in (one.name, two.name):  # given relative, as its source was kept
            index_video(store, path, IndexOptions(title="Old", workers=1))
        store._db.execute("DROP TABLE files")
    before = listing(home, capsys)
    assert before[one.name]["id"] == video_id_for(str(one)) and before[one.name]["source"] == one.name
    code, out, _ = ashen(home, capsys, "remove", str(one))  # by its absolute path: the path's id finds it
    assert code == 0 and f"removed {before[one.name]['id']}" in out
    code, out, _ = ashen(home, capsys, "index", "-q", str(folder))
    assert code == 0 and "unchanged: 1 file " in out and out.count("indexed ") == 2  # the two others are hashed
    videos = listing(home, capsys)
    assert videos[two.name] == before[two.name] | {"source": str(two)}  # adopted: its id, not hashed again
    assert videos[one.name]["id"] != before[one.name]["id"] and len(videos) == 3  # indexed anew: its content's id


def test_a_still_is_indexed_under_its_content_id_and_not_hashed_again(
    clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cg = export_frame(clip, 4.0, tmp_path / "cg.png")
    home = tmp_path / "home"
    assert ashen(home, capsys, "index", str(cg))[0] == 0
    entry = SqliteStore(home / DB_NAME).file_at(str(cg.resolve()))
    assert entry is not None and listing(home, capsys)["cg.png"]["id"] == entry.video_id  # the content's id
    code, out, _ = ashen(home, capsys, "index", str(cg))
    assert code == 0 and "unchanged: 1 file" in out and "indexed cg.png" not in out, out
