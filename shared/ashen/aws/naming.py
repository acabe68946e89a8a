"""Title and episode of an S3 library object, by the naming rule of ashen.indexing.naming.

Library convention: ``library/<title>/<file>``. The folder names the title (``POST /uploads``
puts a file there under the title it was given); the episode comes from the release name. A
folder named by digits alone is an AniList id, as trace.moe lays out a library
(``library/<anilist id>/<file>``): the title is then the release name's. S3 object metadata
(``x-amz-meta-title`` / ``-episode`` / ``-anilist`` / ``-mal``) overrides them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath

from ashen.indexing.naming import Given, Naming, library_id, name_video, parse_filename

LIBRARY_PREFIX = "library/"

__all__ = ["LIBRARY_PREFIX", "Naming", "naming_for_key", "parse_filename"]


def naming_for_key(key: str, metadata: Mapping[str, str] | None = None) -> Naming:
    """Title, episode and ids of ``library/<title or anilist id>/<file>`` (metadata ``title``,
    ``episode``, ``anilist`` and ``mal`` win; an id that is not a number is left out)."""
    path = PurePosixPath(key)
    parts = path.parts
    folder = parts[1] if key.startswith(LIBRARY_PREFIX) and len(parts) >= 3 else ""
    meta = {k.lower(): v for k, v in (metadata or {}).items()}
    given = Given(
        title=meta.get("title") or None,
        episode=meta.get("episode") or None,
        anilist=library_id(meta.get("anilist", "")),
        mal=library_id(meta.get("mal", "")),
    )
    return name_video(path.name, folder, given, folder_is_title=True)
