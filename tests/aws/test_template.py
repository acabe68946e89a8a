"""template.yaml: cfn-lint on the SAM template and on its CloudFormation translation (where
circular dependencies show up), and the wiring a reader follows from upload to search result.

`sam validate --lint` and `sam build` are run by CI outside pytest (see docs/serverless.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

pytestmark = pytest.mark.slow  # cfn-lint and the SAM translator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


def cfn_lint(path: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("cfn-lint") or str(Path(sys.executable).with_name("cfn-lint"))
    return subprocess.run([exe, "--regions", "us-east-1", "--", str(path)], capture_output=True, text=True, timeout=120)


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def translated(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    template = yaml_parse(TEMPLATE.read_text())
    for resource in template["Resources"].values():  # what `sam package` does to local code paths
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str):
                props[key] = f"s3://ashen-artifacts/{props[key].strip('/')}.zip"
    return transform(template, {}, _NoManagedPolicies())


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml_parse(TEMPLATE.read_text())


def test_cfn_lint_sam_template() -> None:
    result = cfn_lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_translated_template(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = translated(monkeypatch)
    path = tmp_path / "translated.json"
    path.write_text(json.dumps(out, indent=1))
    result = cfn_lint(path)
    assert result.returncode == 0, result.stdout + result.stderr
    types = {r["Type"] for r in out["Resources"].values()}
    assert {
        "AWS::Lambda::Function",
        "AWS::Lambda::LayerVersion",
        "AWS::Lambda::EventSourceMapping",
        "AWS::ApiGatewayV2::Api",
        "AWS::IAM::Role",
    } <= types
    assert not any(t.startswith("AWS::Serverless::") for t in types)


def test_the_path_of_one_upload(template: dict[str, Any]) -> None:
    res = template["Resources"]
    bucket = res["IngestBucket"]["Properties"]
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    events = res["SplitFunction"]["Properties"]["Events"]
    assert {e["Properties"]["Events"] for e in events.values()} == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}
    assert all(e["Properties"]["Filter"]["S3Key"]["Rules"][0]["Value"] == "library/" for e in events.values())
    queue = res["HashQueue"]["Properties"]
    assert 3 <= queue["RedrivePolicy"]["maxReceiveCount"] <= 5
    assert queue["VisibilityTimeout"] >= res["HashFunction"]["Properties"]["Timeout"]
    sqs = res["HashFunction"]["Properties"]["Events"]["Segments"]["Properties"]
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    scenes = res["ScenesTable"]["Properties"]
    assert scenes["BillingMode"] == res["VideosTable"]["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert scenes["GlobalSecondaryIndexes"][0]["IndexName"] == "by_video"
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"])
        for e in res["QueryFunction"]["Properties"]["Events"].values()
    }
    openapi = json.loads((ROOT / "openapi.json").read_text())
    documented = {(m.upper(), p) for p, ops in openapi["paths"].items() for m in ops}
    assert routes == documented
    assert {"ApiUrl", "IngestBucketName", "ScenesTableName", "VideosTableName"} <= set(template["Outputs"])
    assert template["Globals"]["Function"]["Runtime"] in ("python3.12", "python3.13")
    for name in ("SplitFunction", "HashFunction", "QueryFunction"):
        handler_dir = ROOT / res[name]["Properties"]["CodeUri"]
        assert (handler_dir / "app.py").is_file() and (handler_dir / "Makefile").is_file()


def test_each_function_carries_only_what_it_needs(template: dict[str, Any]) -> None:
    layers = {
        n: [ref["Ref"] for ref in template["Resources"][n]["Properties"]["Layers"]]
        for n in ("SplitFunction", "HashFunction", "QueryFunction")
    }
    assert "ImageLayer" not in layers["HashFunction"] + layers["SplitFunction"]  # no Pillow next to ffmpeg
    assert "FfmpegLayer" not in layers["QueryFunction"]
    assert all("SharedLayer" in v and "DepsLayer" in v for v in layers.values())
