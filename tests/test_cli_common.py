"""What every `ashen` command shares: help on every option, --version, global options in any position,
checked arguments, and a read-only command that makes no store but says how to fill one."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from ashen.cli import build_parser, main
from ashen.store import SqliteStore
from ashen.store.sqlite import DB_NAME


def parsers(parser: argparse.ArgumentParser, path: str = "ashen") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser under ``parser`` (itself, its subcommands, theirs...), with its command line."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, f"{path} {name}")


def test_every_option_and_argument_has_help() -> None:
    found = list(parsers(build_parser()))
    assert len(found) >= 12  # ashen, its nine commands, the three of keys
    bare = [
        f"{path}: {action.option_strings or action.dest}"
        for path, parser in found
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()
    ]
    assert bare == []


def test_every_subcommand_has_help() -> None:
    bare = []
    for path, parser in parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helped = {choice.dest for choice in action._choices_actions if (choice.help or "").strip()}
                bare += [f"{path} {name}" for name in action.choices if name not in helped]
    assert bare == []


def test_version_is_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"ashen {metadata.version('ashen')}"


@pytest.fixture()
def empty_home(tmp_path: Path) -> Path:
    SqliteStore(tmp_path / DB_NAME).close()
    return tmp_path


@pytest.mark.parametrize(
    "where",
    [
        ["--home", "{home}", "--json", "stats"],
        ["stats", "--home", "{home}", "--json"],
        ["--json", "stats", "--home", "{home}"],
        ["--home", "/no/such/place", "stats", "--json", "--home", "{home}"],  # the last one given wins
    ],
)
def test_global_options_go_before_or_after_the_command(
    empty_home: Path, where: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([a.replace("{home}", str(empty_home)) for a in where]) == 0
    assert json.loads(capsys.readouterr().out)["path"] == str(empty_home / DB_NAME)


def test_home_after_a_keys_command(empty_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "create", "alice", "--home", str(empty_home)]) == 0
    capsys.readouterr()
    assert main(["keys", "list", "--home", str(empty_home)]) == 0
    assert "alice" in capsys.readouterr().out


def test_json_is_refused_by_a_command_without_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--json", "--home", str(tmp_path / "h"), "remove", "x"])
    assert done.value.code == 2
    assert "remove has no --json output" in capsys.readouterr().err
    assert not (tmp_path / "h").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "--limit", "0", "x.png"],
        ["search", "--limit", "-1", "x.png"],
        ["search", "--limit", "101", "x.png"],
        ["search", "--limit", "ten", "x.png"],
        ["search", "--anilist", "0", "x.png"],
        ["index", "--workers", "-3", "v.mp4"],
        ["index", "--workers", "0", "v.mp4"],
        ["index", "--mal", "-2", "v.mp4"],
        ["serve", "--workers", "-3"],
        ["serve", "--port", "65536"],
        ["serve", "--port", "-1"],
        ["serve", "--threads", "0"],
        ["serve", "--request-timeout", "0"],
        ["serve", "--request-timeout", "nan"],
        ["serve", "--request-timeout", "inf"],
        ["serve", "--anonymous-rate", "0"],
        ["keys", "create", "k", "--quota", "-5"],
        ["upload", "--api", "http://127.0.0.1:1", "--poll", "-1", "v.mp4"],
        ["upload", "--api", "notaurl", "v.mp4"],
        ["upload", "--api", "ftp://host", "v.mp4"],
        ["upload", "--api", "http://host:99999", "v.mp4"],
        ["upload", "--api", "http://:8000", "v.mp4"],
    ],
)
def test_bad_numbers_are_refused_before_anything_runs(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--home", str(tmp_path / "h"), *argv])  # parsed only: nothing is run
    assert done.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert any(f"must be {what}" in err for what in ("a whole number", "a number of seconds", "an http(s) URL")), err
    assert not (tmp_path / "h").exists()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["list"], "index something first"),
        (["list", "--json"], "index something first"),
        (["stats"], "index something first"),
        (["search", "shot.png"], "index something first"),
        (["remove", "some-video"], "index something first"),
        (["keys", "list"], "no keys yet"),
        (["keys", "revoke", "alice"], "no keys yet"),
    ],
)
def test_a_read_only_command_makes_no_store(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    """Not with --home, not with $ASHEN_HOME, not in ~/.ashen: one line saying what to do, exit 1."""
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.delenv("ASHEN_HOME", raising=False)
    for home, args in (
        (tmp_path / "user" / ".ashen", argv),
        (tmp_path / "flag", ["--home", str(tmp_path / "flag"), *argv]),
    ):
        assert main(args) == 1
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith(f"ashen: no store at {home / DB_NAME}") and said in err[0]
        assert not home.exists()
    monkeypatch.setenv("ASHEN_HOME", str(tmp_path / "env"))
    assert main(argv) == 1
    assert not (tmp_path / "env").exists() and not (tmp_path / "user").exists()


def test_the_hint_names_the_home_given(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "my library"
    assert main(["list", "--home", str(home)]) == 1
    assert capsys.readouterr().err.strip().endswith(f"index something first: ashen --home '{home}' index PATH")


def test_an_empty_store_says_how_to_fill_it(empty_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(empty_home), "search", "shot.png"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"ashen: the store at {empty_home / DB_NAME} holds no videos yet; "
        f"index something first: ashen --home {empty_home} index PATH"
    ]
    assert main(["--home", str(empty_home), "list"]) == 0
    assert capsys.readouterr().out.startswith("no videos indexed yet; index some: ashen --home")
    assert main(["--home", str(empty_home), "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_writing_command_makes_its_home(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "new" / "home"
    assert main(["--home", str(home), "keys", "create", "alice"]) == 0
    assert (home / DB_NAME).is_file()


def test_system_errors_are_one_line(tmp_path: Path, clip: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    assert main(["--home", str(a_file), "index", "-q", str(clip)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"ashen: {a_file}: File exists"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / DB_NAME).write_bytes(b"this is not an SQLite file" * 100)
    assert main(["--home", str(broken), "list"]) == 1
    assert capsys.readouterr().err.splitlines() == ["ashen: the store cannot be used: file is not a database"]
