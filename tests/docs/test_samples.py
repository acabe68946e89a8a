"""Every code sample of the documentation site runs (tests/docs/samples.py says how blocks are read):
the blocks of each page in order, in a folder of their own, against a real ``ashen serve`` on
127.0.0.1 with the vendored Sintel clip indexed. Samples read ASHEN_API_URL, ASHEN_API_KEY,
ASHEN_SAMPLE_IMAGE, ASHEN_SAMPLE_VIDEO and ASHEN_SAMPLE_FOLDER (docs/index.md). Blocks marked
``not-run`` are counted and listed, each with its reason."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.serving import ROOT, clip_home, started
from tests.docs.samples import RUNNERS, SHOWN, Sample, all_samples, samples_of
from tests.support import CLIP, export_frame

DOCS = ROOT / "docs"
NODE = shutil.which("node")
SUFFIX = {"bash": ".sh", "node": ".mjs", "python": ".py"}
PAGES = sorted({s.page for s in all_samples(DOCS) if s.runner and not s.not_run and not s.file})


def python_sdk_pending(sample: Sample) -> bool:
    """A Python sample of the Python SDK while ``ashen_client`` is not importable here."""
    return (
        sample.runner == "python" and "ashen_client" in sample.code and importlib.util.find_spec("ashen_client") is None
    )


def listing(docs: Path) -> list[str]:
    """How many samples run, and each one that does not, with why."""
    samples = all_samples(docs)
    runnable = [s for s in samples if s.runner and not s.not_run and not s.file]
    not_run = [s for s in samples if s.not_run]
    pending = [s for s in runnable if python_sdk_pending(s)]
    lines = [f"{len(runnable) - len(pending)} run, {len(not_run)} not run, {len(pending)} pending"]
    lines += [f"  not run: {s.where} ({s.lang}): {s.not_run}" for s in not_run]
    lines += [f"  pending: {s.where}: ashen_client (clients/python) is not importable here" for s in pending]
    return lines


def test_every_block_is_a_sample_or_a_shown_answer() -> None:
    """A block in an unknown language would silently never run; a not-run block must say why."""
    samples = all_samples(DOCS)
    unknown = [f"{s.where} ```{s.lang}" for s in samples if s.lang not in RUNNERS and s.lang not in SHOWN]
    assert unknown == [], "give these blocks a language the samples test runs (sh, js, python) or shows (text, json)"
    vague = [s.where for s in samples if s.not_run is not None and len(s.not_run) < 12]
    assert vague == [], "say why these blocks cannot run here"
    runnable = [s for s in samples if s.runner and not s.not_run and not s.file]
    not_run = [s for s in samples if s.not_run]
    assert len(runnable) > 2 * len(not_run), "most samples must run:\n" + "\n".join(listing(DOCS))


@pytest.fixture(scope="module")
def sample_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The variables the samples read: ``ashen serve`` on the clip's index, an admin key, a screenshot."""
    home = clip_home(tmp_path_factory.mktemp("docs-home"))
    folder = home / "library"
    folder.mkdir()
    shutil.copy(CLIP, folder / "[Blender] Sintel - 01 (480p).mp4")  # a release-named episode
    shot = export_frame(CLIP, 12.0, home / "screenshot.jpg", vf="scale=640:-2")
    ashen = [sys.executable, "-m", "ashen.cli", "--home", str(home)]
    child_env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}"}
    made = subprocess.run(
        [*ashen, "keys", "create", "docs", "--role", "admin", "--quota", "100000", "--rate", "10000"],
        env=child_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    serve = [
        *ashen,
        "serve",
        "--port",
        "0",
        "--workers",
        "1",
        "--anonymous-rate",
        "10000",
        "--anonymous-quota",
        "100000",
    ]
    with started(serve) as url:
        yield {
            "ASHEN_API_URL": url,
            "ASHEN_API_KEY": made.stdout.strip().splitlines()[-1],
            "ASHEN_SAMPLE_IMAGE": str(shot),
            "ASHEN_SAMPLE_VIDEO": str(CLIP),
            "ASHEN_SAMPLE_FOLDER": str(folder),
        }


def run_block(sample: Sample, script: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script.write_text(sample.code, encoding="utf-8")
    runner = sample.runner
    cmd = {"bash": ["bash", "-eo", "pipefail", str(script)], "node": [str(NODE), str(script)]}.get(
        str(runner), [sys.executable, str(script)]
    )
    return subprocess.run(cmd, cwd=script.parent, env=env, capture_output=True, text=True, timeout=300)


def page_env(folder: Path, sample_env: dict[str, str]) -> dict[str, str]:
    """The environment of a page's blocks: this checkout's ``ashen`` first on PATH, a store of the
    page's own (ASHEN_HOME), and ``./clients`` as in the checkout, so that the pages' own
    ``npm install ./clients/js`` installs the SDK their JavaScript imports (nothing else does);
    ``pip install`` goes to the page's folder (PIP_TARGET)."""
    (folder / "clients").symlink_to(ROOT / "clients", target_is_directory=True)
    return {
        **os.environ,
        **sample_env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}",
        "ASHEN_HOME": str(folder / ".ashen"),
        # A page's `pip install ./clients/python` installs into a folder of its own, not into the
        # environment running the tests (whose editable install it would replace with a copy).
        "PIP_TARGET": str(folder / "pip-target"),
    }


@pytest.mark.slow  # a server, an index of the clip, and the samples' own indexing and uploads
@pytest.mark.parametrize("page", PAGES)
def test_samples_of_page_run(page: str, sample_env: dict[str, str], tmp_path: Path) -> None:
    env = page_env(tmp_path, sample_env)
    ran = 0
    for n, sample in enumerate(samples_of(DOCS, DOCS / page)):
        if sample.file:
            (tmp_path / sample.file).write_text(sample.code, encoding="utf-8")
            continue
        if sample.not_run or sample.runner is None or python_sdk_pending(sample):
            continue
        if sample.runner == "node" and NODE is None:
            pytest.skip("node is not installed (CI installs Debian's nodejs: .ci/run)")
        done = run_block(sample, tmp_path / f"sample-{n}{SUFFIX[str(sample.runner)]}", env)
        assert done.returncode == 0, (
            f"{sample.where} exited {done.returncode}\n{sample.code}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        ran += 1
    assert ran > 0 or any(python_sdk_pending(s) for s in samples_of(DOCS, DOCS / page))
