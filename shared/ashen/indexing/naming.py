"""The naming rule: a video's title, episode and AniList id from its file name and its folder,
the same on every path (``ashen index``, ``ashen serve``'s uploads, the split Lambda).

1. What is given wins: ``--title`` / ``--episode`` / ``--anilist`` / ``--mal`` on the command line,
   S3 object metadata on AWS.
2. A folder named by digits alone is an AniList id (trace.moe's layout, ``<anilist id>/<file>``)
   and names no title.
3. The title and episode of an anime release name (``[SubsPlease] Sousou no Frieren - 05
   (1080p) [ABCD1234].mkv``), parsed by anitopy.
4. The folder, when the file name holds no title (``Frieren/episode01.mkv``); then the file's stem.

On S3 the folder under ``library/`` is the title the upload chose (``POST /uploads`` puts the file
at ``library/<title>/<file>``), so there it comes before the release name's (``folder_is_title``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

import anitopy

_ASCII_DIGITS = re.compile(r"[0-9]{1,4}")  # not str.isdigit(): "²".isdigit() is True, int("²") fails
_EPISODE_ALONE = re.compile(r"[0-9]{1,3}")  # a name of one to three digits alone; "1917" stays a title


@dataclass(frozen=True)
class Naming:
    """What a video is called: its title, episode, file name, AniList and MyAnimeList ids."""

    title: str
    episode: str | None
    filename: str
    anilist: int | None = None
    mal: int | None = None


@dataclass(frozen=True)
class Given:
    """Names given by hand (the command line's options, S3 metadata); None: by the rule."""

    title: str | None = None
    episode: str | None = None
    anilist: int | None = None
    mal: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.title, self.episode, self.anilist, self.mal))


def name_video(filename: str, folder: str = "", given: Given | None = None, *, folder_is_title: bool = False) -> Naming:
    """The naming rule (module docstring) for ``filename`` in ``folder`` (the folder's own name)."""
    given = given or Given()
    anilist = library_id(folder)
    folder_title = None if anilist is not None else (folder.strip() or None)
    parsed_title, episode = parse_filename(filename)
    found = (folder_title or parsed_title) if folder_is_title else (parsed_title or folder_title)
    title = given.title or found or PurePosixPath(filename).stem.strip() or filename or "untitled"
    return Naming(title, given.episode or episode, filename, given.anilist or anilist, given.mal)


def library_id(text: str) -> int | None:
    """An AniList or MyAnimeList id: ASCII digits, at most ten, above 0; else None."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) > 0 else None


def parse_filename(filename: str) -> tuple[str | None, str | None]:
    """(title, episode) anitopy reads from a release file name; either may be None. Never raises:
    anitopy is a heuristic parser and returns strings, lists or nothing, with any Unicode digits."""
    parsed = _parse(filename)
    if parsed is not None and "file_extension" not in parsed and PurePosixPath(filename).suffix:
        parsed = _parse(PurePosixPath(filename).stem)  # a suffix anitopy does not know (.gif) is no title word
    if not isinstance(parsed, dict):
        return None, None
    title = _text(parsed.get("anime_title"), join=True)
    episode = _digits_as_ascii(_text(parsed.get("episode_number")))  # "01-03" batches: the first names the file
    if title and not episode and _EPISODE_ALONE.fullmatch(title):  # "05.mkv": an episode, the folder its title
        title, episode = None, title
    season = parsed.get("anime_season")
    season_number = _number(season) if isinstance(season, str) else None  # a list: a batch of seasons
    if episode and season_number is not None:
        episode = f"S{season_number:02d}E{episode}"
    return title, episode


def _parse(filename: str) -> dict[str, object] | None:
    try:
        parsed = anitopy.parse(filename)
    except Exception:  # a name it chokes on ("ep.mkv" raises AttributeError) just has no title or episode
        return None
    return parsed if isinstance(parsed, dict) else None


def _text(value: object, *, join: bool = False) -> str | None:
    """A string anitopy returned, stripped; of a list, the first string (or all of them joined)."""
    if isinstance(value, list | tuple):
        items = [v.strip() for v in value if isinstance(v, str) and v.strip()]
        if not items:
            return None
        return " ".join(items) if join else items[0]
    return (value.strip() or None) if isinstance(value, str) else None


def _digits_as_ascii(text: str | None) -> str | None:
    """Fullwidth, superscript and circled digits ("０１", "²", "⑤") as ASCII: NFKC folds them."""
    return (unicodedata.normalize("NFKC", text).strip() or None) if text else None


def _number(text: str) -> int | None:
    """The season number, only when it is plain digits once folded ("²" is 2); else None."""
    folded = _digits_as_ascii(text)
    return int(folded) if folded and _ASCII_DIGITS.fullmatch(folded) else None
