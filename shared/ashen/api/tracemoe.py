"""trace.moe's side of the API (docs/trace-moe.md): its key sources, its ``anilistInfo`` object
and its ``/me`` fields, beside Ashen's own (nothing of Ashen's is renamed or removed)."""

from __future__ import annotations

from collections.abc import Mapping

from ashen.records import VideoRecord

NO = ("0", "false", "no", "off")


def api_key(headers: Mapping[str, str], params: Mapping[str, str] | None) -> str | None:
    """The key a request sends: Ashen's ``x-api-key``, else trace.moe's ``x-trace-key`` header,
    else its ``?key=`` query parameter (which tracemoepy uses); None when there is none."""
    for key in (headers.get("x-api-key"), headers.get("x-trace-key"), (params or {}).get("key")):
        if key:
            return key
    return None


def speaks_trace_moe(headers: Mapping[str, str], params: Mapping[str, str] | None) -> bool:
    """Whether a request sends its key the trace.moe way (``x-trace-key`` or ``?key=``), and so is
    answered with trace.moe's statuses when it is refused (docs/trace-moe.md)."""
    return not headers.get("x-api-key") and bool(headers.get("x-trace-key") or (params or {}).get("key"))


def wants_anilist_info(params: Mapping[str, str] | None) -> bool:
    """trace.moe's ``anilistInfo``: present (``?anilistInfo`` or any value but 0/false/no/off) means yes."""
    params = params or {}
    return "anilistInfo" in params and params["anilistInfo"].strip().lower() not in NO


def anilist_object(video: VideoRecord) -> dict[str, object]:
    """trace.moe's ``anilist`` object of ``video`` from what Ashen stores: its AniList and MAL ids
    (0 and null when unknown) and its title as the romaji one."""
    return {
        "id": getattr(video, "anilist", None) or 0,
        "idMal": getattr(video, "mal", None),
        "title": {"native": None, "romaji": video.title, "english": None},
        "synonyms": [],
        "isAdult": False,
    }


def me_fields(caller_id: str, quota: int, used: int) -> dict[str, object]:
    """trace.moe's ``/me`` fields: ``id`` the key's name, or the client's address when anonymous;
    Ashen has no priority queue and no concurrency limit, so ``priority`` 0 and ``concurrency`` 1."""
    return {
        "id": caller_id,
        "priority": 0,
        "concurrency": 1,
        "quota": quota,
        "quotaUsed": used,
    }
