import os
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from ashen.preview.signing import BadSignature, Signer, local_key

NOW = 1_700_000_000.0


def params(query: str) -> dict[str, str]:
    return dict(parse_qsl(query))


def test_a_signed_url_verifies_until_it_expires() -> None:
    signer = Signer(b"s" * 32)
    q = params(signer.query("vid", "video", 12.3456, now=NOW))
    assert q["t"] == "12.346" and int(q["exp"]) == NOW + 3600
    assert signer.verify("vid", "video", q, now=NOW + 3599) == (12.346, NOW + 3600)
    with pytest.raises(BadSignature, match="expired"):
        signer.verify("vid", "video", q, now=NOW + 3601)


@pytest.mark.parametrize(
    ("video", "kind", "change"),
    [
        ("other", "video", {}),  # another video's URL
        ("vid", "image", {}),  # the clip's signature on the still
        ("vid", "video", {"t": "13.000"}),  # another moment
        ("vid", "video", {"exp": str(int(NOW) + 99999)}),  # a later expiry
        ("vid", "video", {"sig": "A" * 43}),
        ("vid", "video", {"sig": ""}),
    ],
)
def test_a_tampered_url_is_refused(video: str, kind: str, change: dict[str, str]) -> None:
    signer = Signer(b"s" * 32)
    q = params(signer.query("vid", "video", 12.0, now=NOW)) | change
    with pytest.raises(BadSignature):
        signer.verify(video, kind, q, now=NOW)
    with pytest.raises(BadSignature):  # and another key's URL
        Signer(b"t" * 32).verify("vid", "video", params(signer.query("vid", "video", 12.0, now=NOW)), now=NOW)


def test_the_local_key_is_made_once_and_private(tmp_path: Path) -> None:
    key = local_key(tmp_path)
    assert len(key) == 32 and local_key(tmp_path) == key
    assert os.stat(tmp_path / "preview.key").st_mode & 0o777 == 0o600
