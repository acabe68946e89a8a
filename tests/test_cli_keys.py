"""`ashen keys create|list|revoke` on the local store, and `ashen serve --require-key` in a child process."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ashen.accounts.keys import hash_token
from ashen.cli import main
from ashen.store.sqlite import DB_NAME
from ashen.store.sqlite_accounts import SqliteAccounts
from tests.api.serving import ashen_serve, one_video_store


def test_keys_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path)
    assert main(["--home", home, "keys", "create", "alice", "--role", "admin", "--quota", "9", "--rate", "3"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    key = SqliteAccounts(tmp_path / DB_NAME).key_by_hash(hash_token(token))
    assert key is not None and (key.name, key.role, key.quota, key.rate) == ("alice", "admin", 9, 3)
    assert main(["--home", home, "keys", "create", "alice"]) == 1  # names are unique
    capsys.readouterr()
    assert main(["--home", home, "keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and "admin" in listing and token not in listing and key.key_hash not in listing
    assert main(["--home", home, "keys", "revoke", "alice"]) == 0
    assert main(["--home", home, "keys", "revoke", "bob"]) == 1
    capsys.readouterr()
    assert main(["--home", home, "keys", "list"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["name", "role", "quota", "rate", "used", "created", "state"]
    assert row.split()[:5] == ["alice", "admin", "9", "3", "0"] and row.split()[-1] == "revoked"


def _post(url: str, key: str = "") -> tuple[int, dict[str, str]]:
    data = json.dumps({"signature": "00" * 21}).encode()
    headers = {"content-type": "application/json", **({"x-api-key": key} if key else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(f"{url}/search", data, headers), timeout=30) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


@pytest.mark.slow
def test_serve_require_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one_video_store(tmp_path / DB_NAME)
    assert main(["--home", str(tmp_path), "keys", "create", "k", "--quota", "2"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    with ashen_serve(tmp_path, "--require-key", "--workers", "1") as url:
        assert _post(url)[0] == 401
        status, headers = _post(url, token)
        assert status == 200 and headers["RateLimit-Limit"] == "2" and headers["RateLimit-Remaining"] == "1"
        assert headers["X-RateLimit-Remaining"] == "1"
        assert _post(url, token)[0] == 200
        status, headers = _post(url, token)
        assert status == 429 and int(headers["Retry-After"]) > 0
