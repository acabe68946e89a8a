"""The library of `ashen serve`: uploads through a one-time URL on the server itself, indexed in a
background thread; removal and re-indexing of the embedded store's videos.

An upload's URL carries a token: the upload's claims (folder, file name, title, episode, size,
expiry) signed with HMAC-SHA256 by ``<home>/upload.key``. The file goes to
``<home>/uploads/<nonce>/<file name>``, whose path names the video (``video_id_for``), so the
answer to ``POST /uploads`` already holds the id to poll. A token works once: its folder is made
when its body arrives, and a second body finds it there."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Protocol

from ashen.errors import AshenError
from ashen.indexing.indexer import IndexOptions, index_video, video_id_for
from ashen.indexing.naming import Given, name_video
from ashen.keyfile import owner_only_key
from ashen.media.probe import VideoInfo
from ashen.records import UploadRequest, UploadTicket, VideoRecord, VideoStatus
from ashen.store.port import SceneStore

MAX_UPLOAD_BYTES = 20 * 10**9  # as the AWS stack's default
UPLOAD_EXPIRY_S = 3600
_CHUNK = 1 << 20
_PROGRESS_STEPS = 1000  # progress is kept as segments_done / segments_planned of this many steps
_PROGRESS_EVERY_S = 1.0


class UploadRefused(AshenError):
    """A token this server did not sign, expired or used, or a body that is not the file announced."""


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


@dataclass(frozen=True)
class _Claims:
    nonce: str
    filename: str
    title: str
    episode: str | None
    size: int
    expires: float


class _StoreProgress:
    """An IndexProgress that keeps the video's record up to date (at most once a second)."""

    def __init__(self, store: SceneStore, video: VideoRecord) -> None:
        self.store, self.video = store, video
        self.covered, self.written = 0.0, 0.0
        self._lock = threading.Lock()

    def started(self, info: VideoInfo) -> None:
        self.video = replace(self.video, duration=info.duration, segments_planned=_PROGRESS_STEPS, segments_done=0)
        self.store.put_video(self.video)

    def advanced(self, seconds: float) -> None:
        with self._lock:
            self.covered += seconds
            if time.monotonic() - self.written < _PROGRESS_EVERY_S or not self.video.duration:
                return
            self.written = time.monotonic()
            done = min(_PROGRESS_STEPS - 1, int(_PROGRESS_STEPS * self.covered / self.video.duration))
            self.video = replace(self.video, segments_done=done)
            self.store.put_video(self.video)


class LocalLibrary:
    """The ``Library`` of ashen.api.library_routes on the embedded store, and the receiver of the
    upload URLs it hands out (ashen.api.serve_uploads)."""

    def __init__(
        self,
        home: Path,
        store_factory: Callable[[], SceneStore],
        *,
        max_bytes: int = MAX_UPLOAD_BYTES,
        workers: int | None = None,
    ) -> None:
        self.home, self.store_factory, self.max_bytes, self.workers = home, store_factory, max_bytes, workers
        self.folder = home / "uploads"
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    @cached_property
    def _key(self) -> bytes:
        self.home.mkdir(parents=True, exist_ok=True)
        return owner_only_key(self.home / "upload.key")

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()

    def new_upload(self, request: UploadRequest, base_url: str) -> UploadTicket:
        """A URL on this server that takes the file as the raw body of one POST."""
        claims = _Claims(secrets.token_hex(8), request.filename, request.title, request.episode, request.size, 0)
        claims = replace(claims, expires=time.time() + UPLOAD_EXPIRY_S)
        payload = json.dumps(claims.__dict__, separators=(",", ":")).encode()
        token = base64.urlsafe_b64encode(payload).decode().rstrip("=") + "." + self._sign(payload)
        video_id = video_id_for(str(self._path(claims)))
        return UploadTicket(video_id, f"{base_url}/uploads/{token}", {}, claims.expires)

    def _path(self, claims: _Claims) -> Path:
        return self.folder / claims.nonce / claims.filename

    def claims_of(self, token: str) -> _Claims:
        """The claims of a token this library signed and that has not expired; UploadRefused if not."""
        text, _, mac = token.partition(".")
        try:
            payload = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            claims = _Claims(**json.loads(payload))
        except (ValueError, TypeError):
            raise UploadRefused("not an upload URL this server gave") from None
        if not hmac.compare_digest(mac, self._sign(payload)) or "/" in claims.nonce + claims.filename:
            raise UploadRefused("not an upload URL this server gave")
        if claims.expires < time.time():
            raise UploadRefused("this upload URL has expired; ask POST /uploads for another")
        return claims

    def receive(self, token: str, body: _Readable, length: int) -> str:
        """Stream the body of an upload URL to its file, then index it in the background: the video id."""
        claims = self.claims_of(token)
        if length != claims.size:
            raise UploadRefused(f"the body is {length} bytes; the upload announced {claims.size}")
        path = self._path(claims)
        try:
            path.parent.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise UploadRefused("this upload URL was used already") from None
        try:
            _copy(body, path, length)
        except BaseException:
            shutil.rmtree(path.parent, ignore_errors=True)
            raise
        naming = name_video(claims.filename, "", Given(claims.title, claims.episode))  # the episode of a release name
        video = VideoRecord(video_id_for(str(path)), naming.title, claims.filename, str(path), naming.episode)
        self._start(video)
        return video.id

    def reindex(self, video: VideoRecord) -> None:
        if not Path(video.source).is_file():
            raise AshenError(f"{video.filename}: its file is no longer at {video.source}")
        self._start(video)

    def remove(self, video: VideoRecord) -> str:
        """Remove the video from the store, and its file when it came through an upload URL."""
        self.store_factory().remove_video(video.id)
        source = Path(video.source).resolve()
        if source.parent.parent == self.folder.resolve():
            shutil.rmtree(source.parent, ignore_errors=True)
        return "removed"

    def _start(self, video: VideoRecord) -> None:
        with self._lock:
            if video.id in self._busy:
                raise AshenError(f"{video.filename} is being indexed already")
            self._busy.add(video.id)
        video = replace(video, status=VideoStatus.INDEXING, error="", segments_planned=0, segments_done=0)
        self.store_factory().put_video(video)
        thread = threading.Thread(target=self._index, args=(video,), name=f"ashen-index-{video.id}", daemon=True)
        self.threads.append(thread)
        thread.start()

    def _index(self, video: VideoRecord) -> None:
        store = self.store_factory()
        progress = _StoreProgress(store, video)
        try:
            options = IndexOptions(
                video.title, video.episode, video.anilist, video.mal, workers=self.workers, video_id=video.id
            )  # its id as it is: `ashen index` gives a file its content's, an upload its path's
            index_video(store, video.source, options, progress)
        except Exception as exc:  # the reason goes on the record: GET /videos/{id} shows it
            failed = replace(progress.video, status=VideoStatus.FAILED, error=str(exc)[:500])
            store.put_video(failed)
        finally:
            with self._lock:
                self._busy.discard(video.id)


def _copy(body: _Readable, path: Path, length: int) -> None:
    """``length`` bytes of ``body`` to ``path``, a chunk at a time; UploadRefused if it ends early."""
    left = length
    with open(path, "wb") as out:
        while left > 0:
            chunk = body.read(min(_CHUNK, left))
            if not chunk:
                raise UploadRefused(f"the body ended {left} bytes short of the {length} announced")
            out.write(chunk)
            left -= len(chunk)
