"""The query function's cold start on python3.12 with only its layers (issue 19).

Builds what Lambda would run: the function's code (functions/query/Makefile) and the layers
template.yaml gives QueryFunction (FfmpegLayer, DepsLayer, ImageLayer, SharedLayer), each by its own
Makefile as ``sam build`` runs it (wheels for python3.12 on manylinux x86_64), plus the boto3 the
Lambda runtime provides. The downloaded layers are cached under benchmarks/out/cold-start/ (by a
digest of their Makefiles and requirements); the shared layer and the function are built each run.

Then, in fresh ``python3.12 -I -S`` processes (no site-packages: only the function, the layers and
the runtime's boto3 on sys.path, in Lambda's order), with the Lambda environment the template
gives the function (tracing active: ``LAMBDA_TASK_ROOT`` and an X-Ray trace header are set):

* the handler module's import with ``-X importtime``: its cumulative time and the packages that
  take most of it (self time summed by top-level package);
* the **init** phase (importing the handler module, which also runs its module-level setup), then
  the **first search** (an API Gateway event for ``POST /search`` with a JPEG frame of the
  vendored Sintel clip) and the second search in the same process, against a moto server on
  127.0.0.1 holding that clip indexed through the real DynamoDB adapter.

With ``--function hash`` the hash function is built the same way (functions/hash/Makefile and
FfmpegLayer, DepsLayer, SharedLayer) and only its init is measured (the handler module's import
and module-level setup, with ``-X importtime`` and without), no moto server and no segment: its
DynamoDB store is made on the first message.

``--rounds`` rounds, the sides taken in turn; medians. With ``--base <commit>`` the same is built
from that commit (``git archive``) and measured in the same run; ratios are this checkout over
the base. Also printed: the unzipped size of the function and its layers (Lambda's limit: 250 MB).

    .venv/bin/python benchmarks/cold_start.py [--base 74e5107] [--rounds 5] [--function hash]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / "out" / "cold-start"
CHILD = HERE / "cold_start_child.py"
CLIP = ROOT / "tests" / "fixtures" / "sintel-26s-848x480.mp4"
PY312 = "/root/.pyenv/versions/3.12.1/bin/python3.12"
LAYERS = [("ffmpeg", "FfmpegLayer", True), ("deps", "DepsLayer", True), ("image", "ImageLayer", True)]
# each function's logical name and layers besides SharedLayer (template.yaml)
FUNCTIONS = {"query": ("QueryFunction", ["ffmpeg", "deps", "image"]), "hash": ("HashFunction", ["ffmpeg", "deps"])}
MARKER = "--- cold start: the handler module ---"
FIRST = "--- cold start: the first search ---"


@dataclass(frozen=True)
class Imports:
    """One ``-X importtime`` section: cumulative ms, self ms by top-level package, modules."""

    total: float
    by_package: dict[str, float]
    modules: int


@dataclass
class Side:
    name: str
    paths: list[str]  # sys.path for the handler: function, layers (as /opt/python merges them), runtime
    ffmpeg: str
    size: int  # bytes, unzipped: the function and its layers
    runs: list[dict[str, Any]] = field(default_factory=list)
    imports: list[Imports] = field(default_factory=list)  # the handler module's
    lazy: list[Imports] = field(default_factory=list)  # the first search's


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes() if p.exists() else b"")
    return h.hexdigest()[:12]


def make(makefile: Path, target: str, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    cmd = ["make", "-s", "-f", str(makefile), target, f"ARTIFACTS_DIR={out}", f"PYTHON={sys.executable}"]
    cmd.append(f"PYC_PYTHON={PY312}")  # the bytecode for python3.12 (layers/common.mk), where a Makefile makes it
    subprocess.run(cmd, check=True, capture_output=True)
    return out


def cached_layer(repo: Path, name: str, logical: str) -> Path:
    """A layer built by its Makefile, reused while its Makefile and requirements are the same."""
    folder = repo / "layers" / name
    key = digest([folder / "Makefile", repo / "layers" / "common.mk", *sorted(folder.glob("requirements*.txt"))])
    out = CACHE / f"{name}-{key}"
    if not (out / ".built").exists():
        make(folder / "Makefile", f"build-{logical}", out)
        (out / ".built").write_text("")
    return out


def runtime_boto3() -> Path:
    """The boto3 the Lambda runtime provides (not in any layer): this venv's version, for python3.12."""
    import boto3

    out = CACHE / f"runtime-boto3-{boto3.__version__}"
    if not (out / ".built").exists():
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-compile"]
        cmd += ["--only-binary=:all:", "--python-version", "3.12", "--implementation", "cp"]
        cmd += ["--platform", "manylinux2014_x86_64", "--target", str(out), f"boto3=={boto3.__version__}"]
        subprocess.run(cmd, check=True, capture_output=True)
        # the runtime's own packages come compiled (unlike the layers, which the Makefiles prune)
        subprocess.run([PY312, "-m", "compileall", "-q", "-j", "0", str(out)], check=True, capture_output=True)
        (out / ".built").write_text("")
    return out


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def build_side(name: str, repo: Path, work: Path, kind: str = "query") -> Side:
    slug = "base" if name.startswith("base") else "new"  # make: no spaces in paths
    logical_name, wanted = FUNCTIONS[kind]
    function = make(repo / "functions" / kind / "Makefile", f"build-{logical_name}", work / slug / "function")
    shared = make(repo / "layers" / "shared" / "Makefile", "build-SharedLayer", work / slug / "shared")
    layers = {n: cached_layer(repo, n, logical) for n, logical, _ in LAYERS if n in wanted}
    python = [shared / "python", *(layers[n] / "python" for n in ("image", "deps") if n in layers)]
    size = size_of(function) + size_of(shared) + sum(size_of(p) for p in layers.values())
    paths = [str(function), *map(str, python), str(runtime_boto3())]
    return Side(name, paths, str(layers["ffmpeg"] / "bin" / "ffmpeg"), size)


def export(base: str, into: Path) -> Path:
    """The base commit's function, layers and shared package, without touching the worktree."""
    parts = ["shared", "functions", "layers", "openapi.json"]
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", base, *parts], check=True, capture_output=True)
    into.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def library(work: Path) -> tuple[Any, dict[str, str], Path, int]:
    """A moto server on 127.0.0.1 with the stack's tables, bucket and preview secret, the Sintel
    clip indexed into it, and the event of a search of a JPEG frame of it."""
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per moto request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    env = {
        **{k: "testing" for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")},
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "ASHEN_DYNAMODB_ENDPOINT": endpoint,
        "ASHEN_SCENES_TABLE": "ashen-scenes",
        "ASHEN_VIDEOS_TABLE": "ashen-videos",
        "ASHEN_KEYS_TABLE": "ashen-keys",
        "ASHEN_HOT_SHARDS": "8",
        "ASHEN_INGEST_BUCKET": "ashen-ingest",
        "ASHEN_MAX_UPLOAD_BYTES": "50000000",
        "ASHEN_REQUIRE_KEY": "false",
        "ASHEN_ANONYMOUS_QUOTA": "1000000",  # every search of the run comes from 127.0.0.1
        "ASHEN_ANONYMOUS_RATE": "1000000",
    }
    os.environ.update(env)
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=env["ASHEN_INGEST_BUCKET"])
    secret = boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(Name="p", SecretString="k" * 64)
    env["ASHEN_PREVIEW_SECRET"] = secret["ARN"]
    from ashen.indexing.indexer import IndexOptions, index_video
    from ashen.store.dynamodb import DynamoStore
    from ashen.store.dynamodb_accounts import DynamoAccounts

    store = DynamoStore.from_env()
    store.create_tables()
    DynamoAccounts.from_env().create_table()
    scenes = index_video(store, str(CLIP), IndexOptions(workers=1)).scenes
    event = work / "event.json"
    event.write_text(json.dumps(search_event()))
    return server, env, event, scenes


def search_event() -> dict[str, Any]:
    from ashen.api.local_server import http_event
    from ashen.media.probe import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-v", "error", "-ss", "10", "-i", str(CLIP), "-frames:v", "1"]
    jpeg = subprocess.run([*cmd, "-f", "image2pipe", "-vcodec", "mjpeg", "pipe:1"], check=True, capture_output=True)
    return http_event("POST", "/search", body=jpeg.stdout, headers={"content-type": "image/jpeg"})


def lambda_env(side: Side, stack: dict[str, str], kind: str = "query") -> dict[str, str]:
    """What the function's environment holds on Lambda (template.yaml's Globals and the function's
    variables; tracing active), pointed at the moto server."""
    return {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        **stack,
        "LAMBDA_TASK_ROOT": side.paths[0],
        "AWS_LAMBDA_FUNCTION_NAME": f"ashen-{kind}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "3008" if kind == "hash" else "1024",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_X_AMZN_TRACE_ID": "Root=1-65a0c0de-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",  # segments go out as UDP to a port no one reads
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "IMAGEIO_FFMPEG_EXE": side.ffmpeg,
        "POWERTOOLS_SERVICE_NAME": "ashen",
        "POWERTOOLS_METRICS_NAMESPACE": "Ashen",
        "POWERTOOLS_LOG_LEVEL": "WARNING",  # INFO on the stack; the run's output stays readable
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
    }


def parse_importtime(section: str) -> Imports:
    """A section of ``-X importtime`` output: the cumulative time of its outermost imports (ms),
    self time by top-level package and the number of modules."""
    total, by_package, modules = 0.0, {}, 0
    for line in section.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        parts = line[len("import time:") :].split("|")
        if not parts[0].strip().isdigit():
            continue  # the header line
        self_us, cumulative_us, name = int(parts[0]), int(parts[1]), parts[2]
        modules += 1
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + self_us / 1000
        if not name[1:].startswith(" "):  # depth 0: imported by the handler module's import itself
            total += cumulative_us / 1000
    return Imports(total, by_package, modules)


def measure(side: Side, stack: dict[str, str], event: Path, work: Path) -> None:
    paths = work / f"{side.name.split()[0]}-paths.json"
    paths.write_text(json.dumps(side.paths))
    env = lambda_env(side, stack)
    # -B: Lambda's /opt and /var/task are read-only, so no __pycache__ is ever written there
    cmd = [PY312, "-I", "-S", "-B", "-X", "importtime", str(CHILD), "import", str(paths), str(event)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    handler_part, first_part = done.stderr.split(MARKER, 1)[-1].split(FIRST, 1)
    side.imports.append(parse_importtime(handler_part))
    side.lazy.append(parse_importtime(first_part))
    cmd = [PY312, "-I", "-S", "-B", str(CHILD), "search", str(paths), str(event)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    run = json.loads(done.stdout.strip().splitlines()[-1])
    if run["status"] != [200, 200] or not run["found"][0]:
        raise SystemExit(f"{side.name}: the search did not answer: {run} {done.stderr[-2000:]}")
    side.runs.append(run)


def measure_init(side: Side, env: dict[str, str], work: Path) -> None:
    """The handler module's init alone: its imports (``-X importtime``), then its time and CPU."""
    paths = work / f"{side.name.split()[0]}-paths.json"
    paths.write_text(json.dumps(side.paths))
    base = [PY312, "-I", "-S", "-B"]
    done = subprocess.run(
        [*base, "-X", "importtime", str(CHILD), "init", str(paths), "-"], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{side.name}: the handler module did not load: {done.stderr[-2000:]}")
    side.imports.append(parse_importtime(done.stderr.split(MARKER, 1)[-1]))
    done = subprocess.run([*base, str(CHILD), "init", str(paths), "-"], env=env, capture_output=True, text=True)
    side.runs.append(json.loads(done.stdout.strip().splitlines()[-1]))


def init_only(sides: list[Side], rounds: int, top: int) -> None:
    """``--function hash``: init alone, each side ``rounds`` times in turn; medians and ratios."""
    stack = {
        **{k: "testing" for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")},
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "ASHEN_SCENES_TABLE": "ashen-scenes",
        "ASHEN_VIDEOS_TABLE": "ashen-videos",
        "ASHEN_HOT_SHARDS": "8",
    }
    with tempfile.TemporaryDirectory(prefix="ashen-cold-") as tmp:
        for _ in range(rounds):
            for side in sides:
                measure_init(side, lambda_env(side, stack, "hash"), Path(tmp))
    print(f"Hash function init: python {PY312.split('/')[-3]}, only its layers; {rounds} rounds, medians.")
    rows = {
        "handler import, -X importtime (ms)": [med([i.total for i in s.imports]) for s in sides],
        "modules the handler imports": [med([float(i.modules) for i in s.imports]) for s in sides],
        "init: import + setup (ms)": [med([r["init"] * 1000 for r in s.runs]) for s in sides],
        "init CPU (ms)": [med([r["init_cpu"] * 1000 for r in s.runs]) for s in sides],
        "X-Ray SDK loaded (rounds)": [float(sum(r["xray"] for r in s.runs)) for s in sides],
        "function + layers, unzipped (MiB)": [s.size / 2**20 for s in sides],
    }
    print(f"\n{'':36}" + "".join(f"{s.name:>18}" for s in sides) + ("   ratio" if len(sides) == 2 else ""))
    for key, values in rows.items():
        ratio = f"{values[-1] / values[0]:8.3f}" if len(sides) == 2 and values[0] else ""
        print(f"{key:36}" + "".join(f"{v:18.1f}" for v in values) + ratio)
    for side in sides:
        packages: dict[str, list[float]] = {}
        for section in side.imports:
            for name, ms in section.by_package.items():
                packages.setdefault(name, []).append(ms)
        ranked = sorted(((med(v), k) for k, v in packages.items()), reverse=True)[:top]
        print(f"\n{side.name}: import self time by top-level package (ms, median)")
        print("  " + ", ".join(f"{name} {ms:.1f}" for ms, name in ranked))


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def figures(side: Side) -> dict[str, float]:
    return {
        "handler import, -X importtime (ms)": med([i.total for i in side.imports]),
        "modules the handler imports": med([float(i.modules) for i in side.imports]),
        "first search's imports, importtime (ms)": med([i.total for i in side.lazy]),
        "modules the first search imports": med([float(i.modules) for i in side.lazy]),
        "init: import + setup (ms)": med([r["init"] * 1000 for r in side.runs]),
        "first search (ms)": med([r["first"] * 1000 for r in side.runs]),
        "second search (ms)": med([r["second"] * 1000 for r in side.runs]),
        "init + first search (ms)": med([(r["init"] + r["first"]) * 1000 for r in side.runs]),
        "first / second search": med([r["first"] / r["second"] for r in side.runs]),
        "init CPU (ms)": med([r["init_cpu"] * 1000 for r in side.runs]),
        "first search CPU (ms)": med([r["first_cpu"] * 1000 for r in side.runs]),
        "second search CPU (ms)": med([r["second_cpu"] * 1000 for r in side.runs]),
        "first search requests": med([float(sum(r["requests"][0].values())) for r in side.runs]),
        "second search requests": med([float(sum(r["requests"][1].values())) for r in side.runs]),
        "function + layers, unzipped (MiB)": side.size / 2**20,
    }


def report(sides: list[Side], rounds: int, scenes: int, top: int) -> None:
    print(f"Query function cold start: python {PY312.split('/')[-3]}, only its layers; {rounds} rounds, medians.")
    print(f"Library: moto on 127.0.0.1, {CLIP.name} indexed ({scenes} scenes); query: a JPEG frame at 10 s.")
    table = [figures(s) for s in sides]
    head = "".join(f"{s.name:>18}" for s in sides) + ("   ratio" if len(sides) == 2 else "")
    print(f"\n{'':36}{head}")
    for key in table[0]:
        row = "".join(f"{t[key]:18.1f}" for t in table)
        ratio = f"{table[-1][key] / table[0][key]:8.3f}" if len(sides) == 2 and table[0][key] else ""
        print(f"{key:36}{row}{ratio}")
    for side in sides:
        for what, sections in (("the handler module", side.imports), ("the first search", side.lazy)):
            packages: dict[str, list[float]] = {}
            for section in sections:
                for name, ms in section.by_package.items():
                    packages.setdefault(name, []).append(ms)
            ranked = sorted(((med(v), k) for k, v in packages.items()), reverse=True)[:top]
            print(f"\n{side.name}, {what}: import self time by top-level package (ms, median)")
            print("  " + ", ".join(f"{name} {ms:.1f}" for ms, name in ranked))
        first, second = side.runs[-1]["requests"]
        extra = {op: n - second.get(op, 0) for op, n in sorted(first.items()) if n != second.get(op, 0)}
        print(f"{side.name}: requests of the first search, not the second: {extra or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="a commit to measure in the same run (the ratios' baseline)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=12, help="packages listed by import time")
    parser.add_argument("--function", choices=sorted(FUNCTIONS), default="query", help="hash: its init alone")
    args = parser.parse_args()
    if not Path(PY312).exists():
        raise SystemExit(f"no python3.12 at {PY312}")
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ashen-cold-") as tmp:
        work, kind = Path(tmp), args.function
        sides = [build_side("this checkout", ROOT, work, kind)]
        if args.base:
            sides.insert(0, build_side(f"base {args.base[:8]}", export(args.base, work / "base-tree"), work, kind))
        if kind == "hash":
            init_only(sides, args.rounds, args.top)
            return
        server, stack, event, scenes = library(work)
        try:
            for _ in range(args.rounds):
                for side in sides:
                    measure(side, stack, event, work)
        finally:
            server.stop()
        report(sides, args.rounds, scenes, args.top)


if __name__ == "__main__":
    main()
