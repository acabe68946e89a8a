"""Title and episode of a video from where it lives and how it is named.

Library convention: ``library/<title>/<file>``. The folder names the title; the episode comes from
the file name, parsed by anitopy (release names such as ``[Group] Show - 05 [1080p].mkv``). A
folder named by digits alone is an AniList id, as trace.moe lays out a library
(``library/<anilist id>/<file>``): the title is then the file name's. S3 object metadata
(``x-amz-meta-title`` / ``-episode`` / ``-anilist`` / ``-mal``) overrides them all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import anitopy

LIBRARY_PREFIX = "library/"
_ASCII_DIGITS = re.compile(r"[0-9]{1,4}")  # not str.isdigit(): "²".isdigit() is True, int("²") fails


@dataclass(frozen=True)
class Naming:
    title: str
    episode: str | None
    filename: str
    anilist: int | None = None
    mal: int | None = None


def parse_filename(filename: str) -> tuple[str | None, str | None]:
    """(title, episode) anitopy reads from a release file name; either may be None. Never raises:
    anitopy is a heuristic parser and returns strings, lists or nothing, with any Unicode digits."""
    try:
        parsed = anitopy.parse(filename)
    except Exception:  # a name it chokes on just has no title or episode
        parsed = None
    if not isinstance(parsed, dict):
        return None, None
    title = _text(parsed.get("anime_title"), join=True)
    episode = _digits_as_ascii(_text(parsed.get("episode_number")))  # "01-03" batches: the first names the file
    season = parsed.get("anime_season")
    season_number = _number(season) if isinstance(season, str) else None  # a list: a batch of seasons
    if episode and season_number is not None:
        episode = f"S{season_number:02d}E{episode}"
    return title, episode


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


def naming_for_key(key: str, metadata: Mapping[str, str] | None = None) -> Naming:
    """Title, episode and ids of ``library/<title or anilist id>/<file>`` (metadata ``title``,
    ``episode``, ``anilist`` and ``mal`` win; an id that is not a number is left out)."""
    path = PurePosixPath(key)
    filename = path.name
    parts = path.parts
    folder = parts[1] if key.startswith(LIBRARY_PREFIX) and len(parts) >= 3 else ""
    anilist = _id(folder)
    parsed_title, episode = parse_filename(filename)
    title = (None if anilist is not None else folder) or parsed_title or PurePosixPath(filename).stem
    meta = {k.lower(): v for k, v in (metadata or {}).items()}
    return Naming(
        title=meta.get("title") or title,
        episode=meta.get("episode") or episode,
        filename=filename,
        anilist=_id(meta.get("anilist", "")) or anilist,
        mal=_id(meta.get("mal", "")),
    )


def _id(text: str) -> int | None:
    """An AniList or MyAnimeList id: ASCII digits, at most ten, above 0; else None."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) > 0 else None
