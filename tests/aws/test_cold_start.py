"""What the query function does at a cold start (benchmarks/cold_start.py measures the time): its
module loads neither the X-Ray SDK, whose import builds botocore clients for its sampler, nor
boto3 (nor does the hash function's); the preview key is read through the DynamoDB clients'
botocore session (the clients' own sharing: tests/store/test_dynamodb_session.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from moto import mock_aws

from ashen.aws import previews
from ashen.store.dynamodb_tables import botocore_session
from tests.support import clients_made

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ["aws_xray_sdk", "boto3", "s3transfer"]


def heavy_modules_loaded(function: str, tables: dict[str, str]) -> list[str]:
    """The HEAVY modules importing ``functions/<function>/app.py`` loads, in a fresh process with
    the function's environment (``tables``: its own variables) as on Lambda, where Powertools'
    tracing would be on."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT / "shared"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(ROOT / "functions" / function),
        **tables,
    }
    code = f"import sys, app; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT / "functions" / function, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))
    return loaded


def test_the_query_function_loads_neither_the_xray_sdk_nor_boto3() -> None:
    tables = {
        "ASHEN_SCENES_TABLE": "s",
        "ASHEN_VIDEOS_TABLE": "v",
        "ASHEN_KEYS_TABLE": "k",
        "ASHEN_INGEST_BUCKET": "b",
        "ASHEN_PREVIEW_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:p",
    }
    assert heavy_modules_loaded("query", tables) == []


def test_the_hash_function_loads_neither_the_xray_sdk_nor_boto3() -> None:
    """Its init measured: benchmarks/cold_start.py --function hash (docs/benchmarks.md, Hash function init)."""
    assert heavy_modules_loaded("hash", {"ASHEN_SCENES_TABLE": "s", "ASHEN_VIDEOS_TABLE": "v"}) == []


def test_the_preview_key_is_read_through_that_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Secrets Manager client of the first search shares the DynamoDB clients' session (their
    endpoint rules parsed once), made without boto3."""
    for k, v in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    session = botocore_session()
    create = session.create_client  # the secret's client is made unrecorded
    made = clients_made(monkeypatch, session)
    with mock_aws():
        secrets = create("secretsmanager", region_name="us-east-1")
        monkeypatch.setenv("ASHEN_PREVIEW_SECRET", secrets.create_secret(Name="p", SecretString="k" * 64)["ARN"])
        assert previews.secret_key.__wrapped__() == b"k" * 64
    assert made == ["secretsmanager"]
