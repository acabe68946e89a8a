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
