"""Title and episode of a video from where it lives and how it is named.

Library convention: ``library/<title>/<file>``. The folder names the title; the episode comes from
the file name, parsed by anitopy (release names such as ``[Group] Show - 05 [1080p].mkv``). S3
object metadata (``x-amz-meta-title`` / ``x-amz-meta-episode``) overrides both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

import anitopy

LIBRARY_PREFIX = "library/"


@dataclass(frozen=True)
class Naming:
    title: str
    episode: str | None
    filename: str


def parse_filename(filename: str) -> tuple[str | None, str | None]:
    """(title, episode) anitopy reads from a release file name; either may be None."""
    try:
        parsed = anitopy.parse(filename) or {}
    except Exception:  # anitopy is a heuristic parser; a name it chokes on just has no episode
        parsed = {}
    title = parsed.get("anime_title")
    episode = parsed.get("episode_number")
    if isinstance(episode, list):  # "01-03" batches: the first episode names the file
        episode = episode[0] if episode else None
    if isinstance(title, list):
        title = " ".join(title)
    season = parsed.get("anime_season")
    if episode and season and not isinstance(season, list):
        episode = f"S{int(season):02d}E{episode}" if str(season).isdigit() else episode
    return (title or None), (episode or None)


def naming_for_key(key: str, metadata: Mapping[str, str] | None = None) -> Naming:
    """Title and episode of ``library/<title>/<file>`` (metadata ``title`` / ``episode`` win)."""
    path = PurePosixPath(key)
    filename = path.name
    parts = path.parts
    folder_title = None
    if key.startswith(LIBRARY_PREFIX) and len(parts) >= 3:
        folder_title = parts[1]
    parsed_title, episode = parse_filename(filename)
    title = folder_title or parsed_title or PurePosixPath(filename).stem
    meta = {k.lower(): v for k, v in (metadata or {}).items()}
    title = meta.get("title") or title
    episode = meta.get("episode") or episode
    return Naming(title=title, episode=episode, filename=filename)
