"""The naming rule on local files: release names, the folder when the name holds no title,
numeric folders as AniList ids, names given by hand."""

from __future__ import annotations

import pytest

from ashen.indexing.naming import Given, name_video, parse_filename


@pytest.mark.parametrize(
    ("filename", "folder", "title", "episode", "anilist"),
    [
        ("[SubsPlease] Sousou no Frieren - 05 (1080p) [ABCD1234].mkv", "Frieren", "Sousou no Frieren", "05", None),
        ("[SubsPlease] Sousou no Frieren - 05 (1080p) [ABCD1234].mkv", "", "Sousou no Frieren", "05", None),
        ("episode01.mkv", "Frieren", "Frieren", "01", None),  # no title in the name: the folder's
        ("05.mkv", "Frieren", "Frieren", "05", None),  # digits alone are the episode
        ("1917.mkv", "Movies", "1917", None, None),  # four digits stay a title
        ("ep.mkv", "Frieren", "Frieren", None, None),  # anitopy raises on it: the folder's
        ("sintel-26s-848x480.mp4", "video", "sintel-26s-848x480", None, None),  # ten clips, ten titles
        ("pigs-in-a-polka-1943.gif", "video", "pigs-in-a-polka-1943", None, None),  # ".gif" is no title word
        ("[Grp] Sintel - 03.mp4", "21", "Sintel", "03", 21),  # trace.moe's layout: the release name's title
        ("ep01.mkv", "154587", "ep01", "01", 154587),  # no title anywhere: the file's stem
        ("Cowboy Bebop - S01E05 - Ballad of Fallen Angels.mkv", "", "Cowboy Bebop", "S01E05", None),
    ],
)
def test_title_episode_and_anilist_from_the_name_then_the_folder(
    filename: str, folder: str, title: str, episode: str | None, anilist: int | None
) -> None:
    naming = name_video(filename, folder)
    assert (naming.title, naming.episode, naming.anilist, naming.filename) == (title, episode, anilist, filename)


def test_names_given_by_hand_win_file_by_file() -> None:
    name = "[SubsPlease] Sousou no Frieren - 05 (1080p) [ABCD1234].mkv"
    naming = name_video(name, "21", Given(title="Frieren", anilist=154587, mal=52991))
    assert (naming.title, naming.episode, naming.anilist, naming.mal) == ("Frieren", "05", 154587, 52991)
    assert name_video(name, "x", Given(episode="7")).episode == "7"
    assert not Given().any and Given(mal=3).any


def test_on_s3_the_library_folder_is_the_title_the_upload_chose() -> None:
    assert name_video("sintel-26s-848x480.mp4", "Sintel", folder_is_title=True).title == "Sintel"
    assert name_video("sintel-26s-848x480.mp4", "Sintel").title == "sintel-26s-848x480"
    assert name_video("[Grp] Show - 03.mkv", "21", folder_is_title=True).title == "Show"


@pytest.mark.parametrize("filename", ["", " ", ".mkv", "-.mkv", "[].mkv", "!!!", "a" * 5000 + ".mkv", "\x00.mkv"])
def test_odd_names_always_get_a_title(filename: str) -> None:
    naming = name_video(filename, "")
    assert isinstance(naming.title, str) and naming.title
    parse_filename(filename)  # never raises
