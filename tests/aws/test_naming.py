"""Titles and episodes of S3 library objects, from their keys and metadata."""

from __future__ import annotations

import pytest

from ashen.aws.naming import naming_for_key, parse_filename


@pytest.mark.parametrize(
    ("key", "title", "episode"),
    [
        (
            "library/Boku no Hero Academia/[HorribleSubs] Boku no Hero Academia - 65 [1080p].mkv",
            "Boku no Hero Academia",
            "65",
        ),
        ("library/Cowboy Bebop/Cowboy Bebop - S01E05 - Ballad of Fallen Angels.mkv", "Cowboy Bebop", "S01E05"),
        ("library/Sintel/sintel-26s-848x480.mp4", "Sintel", None),
        ("library/[SubsPlease] Frieren - 12 (720p) [ABCD1234].mkv", "Frieren", "12"),
    ],
)
def test_title_and_episode_from_the_key(key: str, title: str, episode: str | None) -> None:
    naming = naming_for_key(key)
    assert (naming.title, naming.episode) == (title, episode)


def test_metadata_wins_and_odd_names_do_not_crash() -> None:
    assert naming_for_key("library/X/y - 03.mkv", {"Title": "Real", "episode": "7"}).title == "Real"
    assert naming_for_key("library/X/y - 03.mkv", {"Title": "Real", "episode": "7"}).episode == "7"
    assert parse_filename("") == (None, None)
    assert naming_for_key("library/X/.mkv").title == "X"


def test_a_numeric_folder_is_the_anilist_id_and_metadata_ids_win() -> None:
    naming = naming_for_key("library/21/[Grp] Show - 03.mkv")
    assert (naming.title, naming.episode, naming.anilist, naming.mal) == ("Show", "03", 21, None)
    assert naming_for_key("library/21/ep.mkv").title == "ep"  # no release name: the file's stem
    meta = naming_for_key("library/21/[Grp] Show - 03.mkv", {"AniList": "154587", "mal": "52991", "title": "F"})
    assert (meta.title, meta.anilist, meta.mal) == ("F", 154587, 52991)
    assert naming_for_key("library/Show/x - 01.mkv", {"anilist": "abc", "mal": "-2"}).anilist is None
    assert naming_for_key("library/Show/x - 01.mkv", {"anilist": "5"}).anilist == 5
    assert naming_for_key("library/86/x.mkv", {"mal": "x"}).mal is None
    assert naming_for_key("library/Show 2/x.mkv").anilist is None


@pytest.mark.parametrize(
    ("filename", "episode"),
    [
        ("Show S² - 01.mkv", "S02E01"),  # anitopy's season "²": "²".isdigit() is True, int("²") raised
        ("Show Season ² Episode ³.mkv", "S02E3"),
        ("Show S2 - ０１.mkv", "S02E01"),  # fullwidth digits
        ("Show ０１.mkv", "01"),
        ("Show - ⑤.mkv", "5"),
        ("Show S٣ - 04.mkv", "04"),  # an Arabic-Indic season is no plain number: the episode alone
        ("Show S99999 - 01.mkv", "01"),
        ("Show Season 1+2 - 03.mkv", "1"),  # anitopy reads episodes ["1", "2"]
        ("", None),
        ("   ", None),
        ("...", None),
        ("-.mkv", None),
        ("[].mkv", None),
        ("!!!.mkv", None),
    ],
)
def test_odd_names_never_raise_and_episodes_are_plain(filename: str, episode: str | None) -> None:
    title, got = parse_filename(filename)
    assert got == episode
    assert title is None or (isinstance(title, str) and title.strip() == title and title)
    assert naming_for_key(f"library/Show/{filename}").title == "Show"


@pytest.mark.parametrize(
    "parsed",
    [
        None,
        [],
        "Show - 01",
        {"anime_title": ["A", 3, "B"], "episode_number": ["", "07"], "anime_season": ["1", "2"]},
        {"anime_title": 5, "episode_number": 7, "anime_season": 2},
        {"anime_title": "", "episode_number": [], "anime_season": "²²²²²"},
        {"anime_title": " X ", "episode_number": " 02 ", "anime_season": "01"},
    ],
)
def test_whatever_anitopy_returns_is_read_without_raising(monkeypatch: pytest.MonkeyPatch, parsed: object) -> None:
    monkeypatch.setattr("ashen.indexing.naming.anitopy.parse", lambda name: parsed)
    title, episode = parse_filename("x.mkv")
    assert title is None or isinstance(title, str)
    assert episode is None or isinstance(episode, str)
    if isinstance(parsed, dict) and parsed["anime_title"] == " X ":
        assert (title, episode) == ("X", "S01E02")
    if isinstance(parsed, dict) and parsed["anime_title"] == ["A", 3, "B"]:
        assert (title, episode) == ("A B", "07")
