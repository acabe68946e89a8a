import json
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from ashen.cli import main
from ashen.media.probe import ffmpeg_exe
from ashen.store import SqliteStore
from ashen.store.sqlite import DB_NAME
from tests.support import SHARED_MEDIA, export_frame


@pytest.fixture(scope="module")
def home(tmp_path_factory, clip):
    h = tmp_path_factory.mktemp("home")
    assert main(["--home", str(h), "index", str(clip), "--title", "Sintel", "--episode", "1", "-q"]) == 0
    return h


def run(home, *args):
    return main(["--home", str(home), *args])


@pytest.mark.parametrize("at", [1.0, 7.44, 12.3, 21.0])
def test_search_finds_the_second(home, clip, tmp_path, capsys, at):
    png = export_frame(clip, at, tmp_path / "q.png")
    capsys.readouterr()
    assert run(home, "search", "--json", str(png)) == 0
    out = json.loads(capsys.readouterr().out)
    top = out["result"][0]
    assert top["title"] == "Sintel" and top["episode"] == "1" and top["filename"] == clip.name
    assert len(top["videoId"]) > 8 and "video" not in top and "image" not in top  # no server: no preview URLs
    assert top["from"] - 0.5 <= at <= top["to"] + 0.5  # the right second (neighbour frames can tie)
    assert top["similarity"] >= 0.9
    assert out["frameCount"] > 0


def test_a_clip_is_searched_over_its_whole_length_not_its_first_4_s(home, clip, tmp_path, capsys):
    # 5 s of black (nothing to search: flat), then 6 s of the video from 12 s.
    out = tmp_path / "late.mp4"
    cmd = [ffmpeg_exe(), "-v", "error", "-ss", "12", "-t", "6", "-i", str(clip), "-an"]
    cmd += ["-vf", "scale=320:-2,tpad=start_duration=5:color=black", "-c:v", "libx264", "-preset", "ultrafast"]
    subprocess.run([*cmd, str(out)], check=True, timeout=60)
    capsys.readouterr()
    assert run(home, "search", "--json", str(out)) == 0
    top = json.loads(capsys.readouterr().out)["result"][0]
    assert top["title"] == "Sintel" and top["reading"] == "clip"
    assert abs(top["at"] - (12 - 5)) <= 1.0, top  # the video time of the clip's first (black) second


def test_many_images_one_process_json_lines(home, clip, tmp_path, capsys):
    paths = [str(export_frame(clip, t, tmp_path / f"q{i}.jpg")) for i, t in enumerate([2.0, 15.0])]
    capsys.readouterr()
    assert run(home, "search", "--json", *paths) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert [json.loads(x)["image"] for x in lines] == paths


def test_reindex_replaces_and_stats_and_list(home, clip, capsys):
    capsys.readouterr()
    run(home, "stats", "--json")
    before = json.loads(capsys.readouterr().out)
    assert run(home, "index", str(clip), "--title", "Sintel", "--episode", "1", "-q") == 0
    capsys.readouterr()
    run(home, "stats", "--json")
    after = json.loads(capsys.readouterr().out)
    before.pop("storeBytes"), after.pop("storeBytes")  # WAL file size varies
    assert before == after and after["videos"] == 1 and after["frames"] == 652
    run(home, "list")
    assert "Sintel" in capsys.readouterr().out


def test_signature_command(clip, tmp_path, capsys):
    png = export_frame(clip, 3.0, tmp_path / "s.png")
    assert main(["signature", "--json", str(png)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["values"]) == 33 and len(data["hex"]) == 42


def bomb_png(path: Path) -> Path:
    """A tiny PNG that claims 30000x30000 pixels."""

    def chunk(kind, data):
        return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")

    ihdr = (30000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )
    return path


def test_bad_inputs_exit_nonzero_with_one_line_and_store_unchanged(home, bad_inputs, tmp_path, capsys):
    capsys.readouterr()
    run(home, "stats", "--json")
    before = json.loads(capsys.readouterr().out)
    for kind, path in bad_inputs.items():
        assert run(home, "index", str(path), "-q") == 1, kind
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("ashen: "), (kind, err)
    not_image = tmp_path / "x.png"
    not_image.write_text("hello")
    truncated = tmp_path / "t.jpg"
    Image.new("RGB", (400, 300), "red").save(truncated, quality=90)
    truncated.write_bytes(truncated.read_bytes()[:200])
    for path in [not_image, truncated, bomb_png(tmp_path / "bomb.png"), tmp_path / "none.png"]:
        assert run(home, "search", str(path)) == 1, path
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("ashen: "), (path, err)
    run(home, "stats", "--json")
    after = json.loads(capsys.readouterr().out)
    before.pop("storeBytes"), after.pop("storeBytes")
    assert after == before
    assert run(home, "remove", "no-such-video") == 1


def test_remove_by_filename(tmp_path, clip, capsys):
    assert main(["--home", str(tmp_path), "index", str(clip), "-q"]) == 0
    assert main(["--home", str(tmp_path), "remove", clip.name]) == 0
    capsys.readouterr()
    main(["--home", str(tmp_path), "stats", "--json"])
    assert json.loads(capsys.readouterr().out)["scenes"] == 0


@pytest.mark.skipif(not (SHARED_MEDIA / "video").exists(), reason="../shared/media not present")
def test_folder_index_and_distractors(tmp_path, capsys):
    assert (
        main(
            [
                "--home",
                str(tmp_path),
                "index",
                "-q",
                str(SHARED_MEDIA / "video" / "chaplin-640x360.mp4"),
                str(SHARED_MEDIA / "video" / "pigs-in-a-polka-1943.gif"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "search", "--json", str(SHARED_MEDIA / "images" / "rocket.jpg")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert all(r["similarity"] < 0.9 for r in out["result"])


@pytest.mark.slow  # seconds of indexing or moto: the full suite runs it, not the fast one
def test_a_numeric_folder_is_the_anilist_id_and_search_filters_by_it(clip, tmp_path, capsys):
    library = tmp_path / "library"
    (library / "21").mkdir(parents=True)
    (library / "Other").mkdir()
    cut = library / "21" / "[Grp] Sintel - 03.mp4"
    cmd = [ffmpeg_exe(), "-v", "error", "-t", "6", "-i", str(clip), "-an", "-c:v", "libx264", "-preset", "ultrafast"]
    subprocess.run([*cmd, str(cut)], check=True, timeout=60)
    other = library / "Other" / "02.mp4"  # other bytes (the same bytes would be one video), no title in its name
    subprocess.run([*cmd, "-crf", "30", str(other)], check=True, timeout=60)
    home = tmp_path / "home"
    home.mkdir()
    assert main(["--home", str(home), "index", "-q", str(library)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "list", "--json"]) == 0
    videos = {v["filename"]: v for v in json.loads(capsys.readouterr().out)}
    assert videos[cut.name]["anilist"] == 21 and videos[cut.name]["title"] != "21"
    other_video = videos["02.mp4"]
    assert (other_video["anilist"], other_video["title"], other_video["episode"]) == (None, "Other", "02")
    assert (videos[cut.name]["title"], videos[cut.name]["episode"]) == ("Sintel", "03")
    png = export_frame(cut, 3.0, tmp_path / "q.png")

    def found(*args):
        capsys.readouterr()
        assert main(["--home", str(home), "search", "--json", str(png), *args]) == 0
        return sorted(r["filename"] for r in json.loads(capsys.readouterr().out)["result"])

    assert found() == sorted([cut.name, "02.mp4"])
    assert found("--anilist", "21") == [cut.name]
    assert main(["--home", str(home), "index", "-q", str(cut), "--anilist", "5", "--mal", "7"]) == 0
    capsys.readouterr()
    assert main(["--home", str(home), "list", "--json"]) == 0
    again = {v["filename"]: v for v in json.loads(capsys.readouterr().out)}[cut.name]
    assert (again["anilist"], again["mal"]) == (5, 7)


# The CLI with Powertools hidden, as after `pip install ashen` without the `serve` extra.
WITHOUT_POWERTOOLS = (
    "import sys; sys.modules['aws_lambda_powertools'] = None; import ashen.cli; sys.exit(ashen.cli.main())"
)


def test_serve_without_powertools_says_how_to_install(tmp_path):
    cmd = [sys.executable, "-c", WITHOUT_POWERTOOLS, "--home", str(tmp_path), "serve", "--port", "0"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done
    assert done.stderr.splitlines() == [
        "ashen: serve needs aws-lambda-powertools (not installed): pip install 'ashen[serve]'"
    ]


@pytest.mark.slow  # seconds of indexing or waiting: the full suite runs it, not the fast one
def test_index_into_a_locked_store_says_so_in_one_line(
    tmp_path: Path, clip: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds the store's write lock past the busy timeout: one line, exit 1, store unchanged."""
    SqliteStore(tmp_path / DB_NAME).close()  # an empty store
    assert main(["--home", str(tmp_path), "stats", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    monkeypatch.setenv("ASHEN_BUSY_TIMEOUT_S", "0.2")
    db = tmp_path / "ashen.sqlite3"
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another `ashen index` in the middle of its write
    try:
        assert main(["--home", str(tmp_path), "index", str(clip), "-q"]) == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"ashen: the store {db} is locked by another process (waited 0 s; ASHEN_BUSY_TIMEOUT_S sets how long)"
    ]
    assert main(["--home", str(tmp_path), "stats", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    before.pop("storeBytes"), after.pop("storeBytes")
    assert after == before


def test_list_is_a_table_with_a_header_and_h_mm_ss(home, clip, capsys):
    capsys.readouterr()
    assert run(home, "list") == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["id", "title", "episode", "file", "duration", "frames", "scenes", "status"]
    cells = row.split()
    assert cells[1:5] == ["Sintel", "1", clip.name, "0:00:26"] and cells[-1] == "indexed"
    for column, value in (("frames", "652"), ("scenes", cells[6])):  # numbers align right under their header
        assert row[: header.index(column) + len(column)].endswith(" " + value), column


def test_stats_shows_h_mm_ss_and_mib(home, capsys):
    capsys.readouterr()
    assert run(home, "stats", "--json") == 0
    raw = json.loads(capsys.readouterr().out)
    assert run(home, "stats") == 0
    lines = {line[:15].strip(): line[15:].strip() for line in capsys.readouterr().out.splitlines()}
    assert (
        lines["video length"] == "0:00:26" and lines["videos"] == "1" and lines["scenes stored"] == str(raw["scenes"])
    )
    assert lines["store size"] == f"{raw['storeBytes'] / 2**20:.2f} MiB" and lines["store"] == raw["path"]


def test_an_image_is_indexed_listed_and_found_as_a_still(clip, tmp_path, capsys):
    cg = export_frame(clip, 4.0, tmp_path / "cg.png")
    assert main(["--home", str(tmp_path), "index", str(cg)]) == 0
    assert ": still, 1 entry stored" in capsys.readouterr().out
    assert main(["--home", str(tmp_path), "list"]) == 0
    row = capsys.readouterr().out.splitlines()[1].split()
    assert row[3:] == ["cg.png", "still", "1", "1", "indexed"], row
    shot = export_frame(clip, 4.0, tmp_path / "shot.jpg")
    assert main(["--home", str(tmp_path), "search", str(shot)]) == 0
    out = capsys.readouterr().out
    best = next(line.split() for line in out.splitlines() if "cg.png" in line)
    assert best[best.index("cg.png") + 1 : best.index("cg.png") + 3] == ["still", "-"], out
    assert main(["--home", str(tmp_path), "search", "--json", str(shot)]) == 0
    best = json.loads(capsys.readouterr().out)["result"][0]
    assert (best["kind"], best["at"], best["confident"]) == ("still", None, True)
