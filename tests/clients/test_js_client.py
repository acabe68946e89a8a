"""The JavaScript client (clients/js) runs its `node --test` suite: the unit tests with a scripted
fetch (fast), and the live ones (slow) against the real ``ashen serve`` on 127.0.0.1 with the
vendored Sintel clip indexed and keys required (real HTTP: search by path, bytes and signature,
previews, the library, errors by status, and an upload that is indexed, renamed, reindexed and
deleted)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.serving import ROOT, clip_home, make_key, started
from tests.support import CLIP, export_frame

NODE = os.environ.get("ASHEN_NODE") or shutil.which("node")  # ASHEN_NODE: another node to try (e.g. 18)
JS = ROOT / "clients" / "js"
SAMPLE_AT = 12.0


def inside_borders(shot: Path) -> str:
    """The hex signature of the picture inside the shot's bars, as ``ashen signature --json`` prints it
    (the clip is letterboxed and its index holds the picture inside its bars)."""
    cmd = [sys.executable, "-m", "ashen.cli", "signature", str(shot), "--json"]
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    printed = json.loads(subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=60).stdout)
    inside: list[dict[str, str]] = printed["inside_borders"]
    return inside[0]["hex"] if inside else str(printed["hex"])


@pytest.fixture(scope="module")
def server_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The variables test/live.test.js reads: the URL of ``ashen serve --require-key``, keys, a sample."""
    home = clip_home(tmp_path_factory.mktemp("js-home"))
    shot = export_frame(CLIP, SAMPLE_AT, home / "sintel-12s.png")
    sample = {
        "ASHEN_API_KEY": make_key(home, "js-search"),
        "ASHEN_ADMIN_KEY": make_key(home, "js-admin", role="admin"),
        "ASHEN_SAMPLE_IMAGE": str(shot),
        "ASHEN_SAMPLE_AT": str(SAMPLE_AT),
        "ASHEN_SAMPLE_SIGNATURE": inside_borders(shot),
        "ASHEN_SAMPLE_CLIP": str(CLIP),
    }
    cmd = [sys.executable, "-m", "ashen.cli", "--home", str(home), "serve", "--port", "0", "--workers", "1"]
    with started([*cmd, "--require-key"]) as url:
        yield {**sample, "ASHEN_API_URL": url}


def node_test(files: list[str], env: dict[str, str]) -> tuple[str, dict[str, int]]:
    """Run ``node --test FILES`` in clients/js; its TAP report and closing counts, failing on a failure."""
    assert NODE is not None
    done = subprocess.run([NODE, "--test", *files], cwd=JS, env=env, capture_output=True, text=True, timeout=600)
    summary = {
        line.split()[1]: int(line.split()[2])
        for line in done.stdout.splitlines()
        if line.startswith("# ") and len(line.split()) == 3 and line.split()[2].isdigit()
    }
    assert done.returncode == 0, failures(done.stdout) + done.stderr[-2000:]
    assert summary.get("fail") == 0 and summary.get("skipped") == 0, summary
    return done.stdout, summary


@pytest.mark.skipif(NODE is None, reason="node is not installed (CI installs Debian's nodejs: .ci/run)")
def test_js_client_unit_tests() -> None:
    """Routes, retries, errors and inputs with a scripted fetch: no server, a second or so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASHEN_")}
    _, summary = node_test(["test/routes.test.js", "test/retries.test.js", "test/client.test.js"], env)
    assert summary.get("pass", 0) >= 40, summary


@pytest.mark.slow
@pytest.mark.skipif(NODE is None, reason="node is not installed (CI installs Debian's nodejs: .ci/run)")
def test_js_client_against_ashen_serve(server_env: dict[str, str]) -> None:
    tap, summary = node_test(["test/live.test.js"], {**os.environ, **server_env})
    # the live suite ran (a suite skipped for want of ASHEN_API_URL is not counted as skipped tests)
    assert re.search(r"^ok \d+ - against ashen serve$", tap, re.M), tap[-3000:]
    assert "# SKIP" not in tap and summary.get("pass", 0) >= 9, summary


def failures(tap: str) -> str:
    """The failing tests of a TAP report, each with the lines that say why."""
    blocks = re.split(r"\n\s*# Subtest: ", tap)
    return "\n".join(block[:3000] for block in blocks if re.search(r"^\s*not ok ", block, re.M)) or tap[-4000:]


def test_js_package_has_no_runtime_dependencies() -> None:
    """`npm install ./clients/js` brings nothing else: the client runs on the platform's fetch."""
    package = json.loads((JS / "package.json").read_text())
    assert "dependencies" not in package and package["type"] == "module"
    assert Path(JS / package["exports"]["."]["default"]).is_file()
    assert Path(JS / package["exports"]["."]["types"]).is_file()
