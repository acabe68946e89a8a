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

from ashen.store.dynamodb import DynamoStore

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
    assert 3 <= template["Parameters"]["SegmentAttempts"]["Default"] <= 5  # the queue's maxReceiveCount
    assert queue["VisibilityTimeout"] >= res["HashFunction"]["Properties"]["Timeout"]
    sqs = res["HashFunction"]["Properties"]["Events"]["Segments"]["Properties"]
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    scenes = res["ScenesTable"]["Properties"]
    assert scenes["BillingMode"] == res["VideosTable"]["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
    assert scenes["GlobalSecondaryIndexes"][0]["IndexName"] == "by_video"
    routes = {
        (e["Properties"]["Method"], e["Properties"]["Path"])
        for name in ("QueryFunction", "PreviewFunction")
        for e in res[name]["Properties"]["Events"].values()
    }
    openapi = json.loads((ROOT / "openapi.json").read_text())
    documented = {(m.upper(), p) for p, ops in openapi["paths"].items() for m in ops}
    assert routes == documented
    assert {"ApiUrl", "IngestBucketName", "ScenesTableName", "VideosTableName"} <= set(template["Outputs"])
    assert template["Globals"]["Function"]["Runtime"] in ("python3.12", "python3.13")
    for name in ("SplitFunction", "HashFunction", "QueryFunction", "PreviewFunction"):
        handler_dir = ROOT / res[name]["Properties"]["CodeUri"]
        assert (handler_dir / "app.py").is_file() and (handler_dir / "Makefile").is_file()


def test_each_function_carries_only_what_it_needs(template: dict[str, Any]) -> None:
    layers = {
        n: [ref["Ref"] for ref in template["Resources"][n]["Properties"]["Layers"]]
        for n in ("SplitFunction", "HashFunction", "QueryFunction", "PreviewFunction")
    }
    assert "ImageLayer" not in layers["HashFunction"] + layers["PreviewFunction"]
    assert "ImageLayer" in layers["SplitFunction"]  # it decodes still images (ashen.aws.stills)
    assert "FfmpegLayer" in layers["PreviewFunction"]  # it cuts previews
    # The query function decodes video clips (POST /search with video/mp4...) with ffmpeg: it carries
    # FfmpegLayer, and imageio-ffmpeg finds the binary there (the deps layer ships none). Its package
    # with all four layers was measured at 247.7 MB of Lambda's 262.1 MB (docs/benchmarks.md).
    assert "FfmpegLayer" in layers["QueryFunction"]
    for name, carried in layers.items():
        env = template["Resources"][name]["Properties"].get("Environment", {}).get("Variables", {})
        assert ("FfmpegLayer" in carried) == (env.get("IMAGEIO_FFMPEG_EXE") == "/opt/bin/ffmpeg"), name
    assert all("SharedLayer" in v and "DepsLayer" in v for v in layers.values())


# ---- operations: logs, alarms, least privilege, retention, tracing ------------------------------


def functions(template: dict[str, Any]) -> list[str]:
    return sorted(n for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function")


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in template["Resources"].items() if r["Type"] == kind}


def test_every_function_has_a_log_group_with_retention(template: dict[str, Any]) -> None:
    groups = {
        json.dumps(r["Properties"].get("LogGroupName")): r for r in of_type(template, "AWS::Logs::LogGroup").values()
    }
    assert len(functions(template)) >= 3
    for name in functions(template):
        group = groups.get(json.dumps({"Fn::Sub": f"/aws/lambda/${{{name}}}"}))
        assert group is not None, f"{name} has no /aws/lambda/<its name> log group"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    retention = template["Parameters"]["LogRetentionDays"]
    assert retention["Default"] in retention["AllowedValues"]


def test_the_api_writes_json_access_logs(template: dict[str, Any]) -> None:
    settings = template["Resources"]["SearchApi"]["Properties"]["AccessLogSettings"]
    group = settings["DestinationArn"]["Fn::GetAtt"][0]
    assert template["Resources"][group]["Type"] == "AWS::Logs::LogGroup"
    assert template["Resources"][group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    line = json.loads(settings["Format"])  # one JSON object per request
    assert {"requestId", "ip", "routeKey", "status", "latency"} <= set(line)
    assert line["requestId"] == "$context.requestId" and line["status"] == "$context.status"


def test_every_function_has_errors_and_throttles_alarms_on_one_topic(template: dict[str, Any]) -> None:
    alarms = of_type(template, "AWS::CloudWatch::Alarm").values()
    watched = {
        (a["Properties"]["Dimensions"][0]["Value"]["Ref"], a["Properties"]["MetricName"])
        for a in alarms
        if a["Properties"].get("Namespace") == "AWS/Lambda"
        and a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    }
    for name in functions(template):
        assert {(name, "Errors"), (name, "Throttles")} <= watched, name
    assert template["Resources"]["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    subscriptions = of_type(template, "AWS::SNS::Subscription").values()
    assert [s["Condition"] for s in subscriptions] == ["HasAlarmEmail"]  # mail only when AlarmEmail is given
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""


def statements(template: dict[str, Any], name: str) -> list[dict[str, Any]]:
    policies = template["Resources"][name]["Properties"]["Policies"]
    assert all(set(p) == {"Statement"} for p in policies), f"{name} uses a broad SAM policy template"
    return [s for p in policies for s in p["Statement"]]


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def resources(statement: dict[str, Any]) -> list[str]:
    resource = statement["Resource"]
    return [json.dumps(r) for r in (resource if isinstance(resource, list) else [resource])]


def grants(template: dict[str, Any], name: str) -> set[tuple[str, str]]:
    """(action, resource) pairs of a function's policies, resources named by the resource they refer to."""
    out = set()
    for s in statements(template, name):
        assert s["Effect"] == "Allow"
        for a in actions(s):
            for r in resources(s):
                named = (
                    "ScenesTable",
                    "VideosTable",
                    "KeysTable",
                    "HashQueue",
                    "SplitFailureQueue",
                    "-ingest-",
                    "PreviewSecret",
                )
                named += ("PreviewBucket.Arn}/previews/*", "PreviewBucket")
                what = next((t for t in named if t in r), r)
                index = next((f"/{i}" for i in ("by_video", "by_status") if f"/index/{i}" in r), "")
                out.add((a, what + index))
    return out


def test_function_policies_grant_exactly_the_calls_the_code_makes(template: dict[str, Any]) -> None:
    upload = {("s3:GetObject", "-ingest-"), ("s3:GetObjectVersion", "-ingest-")}
    videos = "VideosTable"
    clean_up = {("dynamodb:Query", "ScenesTable/by_video"), ("dynamodb:BatchWriteItem", "ScenesTable")}
    # the clean-up then takes emptied buckets out of their cell maps (ashen.store.dynamodb_cells.shrink)
    clean_up |= {(f"dynamodb:{a}", "ScenesTable") for a in ("GetItem", "Query", "UpdateItem")}
    assert grants(template, "SplitFunction") == upload | clean_up | {
        ("s3:ListBucket", "-ingest-"),  # the current version of a deleted object: 404, not 403
        ("dynamodb:GetItem", videos),
        ("dynamodb:UpdateItem", videos),
        ("sqs:SendMessage", "HashQueue"),
        ("sqs:SendMessage", "SplitFailureQueue"),
    }
    assert grants(template, "HashFunction") == upload | clean_up | {
        ("dynamodb:GetItem", videos),
        ("dynamodb:UpdateItem", videos),
    }
    assert grants(template, "QueryFunction") == {
        ("secretsmanager:GetSecretValue", "PreviewSecret"),  # signs the preview URLs of its answers
        ("dynamodb:Query", "ScenesTable"),  # runs of buckets, and time ranges of timelines
        ("dynamodb:BatchGetItem", "ScenesTable"),  # the cell maps of the blocks a search probes; lone grids
        ("dynamodb:Scan", "ScenesTable"),  # a small library read whole: a Scan bounded by its limit
        ("dynamodb:GetItem", videos),
        ("dynamodb:BatchGetItem", videos),
        ("dynamodb:Query", "VideosTable/by_status"),  # the paged listing, not a Scan
        ("dynamodb:GetItem", "KeysTable"),  # a key by its hash, a day's count
        ("dynamodb:UpdateItem", "KeysTable"),  # a search reserved or refunded
        ("dynamodb:UpdateItem", videos),  # PATCH /videos/{id}
        ("s3:PutObject", "-ingest-"),  # signs POST /uploads' presigned POSTs; the copy of a reindex
        ("s3:GetObject", "-ingest-"),  # the reindex's HEAD and copy source
        ("s3:DeleteObject", "-ingest-"),  # DELETE /videos/{id}: the split function removes the index
    }
    previews = "PreviewBucket.Arn}/previews/*"
    assert grants(template, "PreviewFunction") == {
        ("secretsmanager:GetSecretValue", "PreviewSecret"),
        ("s3:GetObject", "-ingest-"),  # the upload, through a presigned GET of its current version
        ("s3:GetObject", previews),
        ("s3:PutObject", previews),
        ("s3:ListBucket", "PreviewBucket"),  # a missing preview: 404, not 403
        ("dynamodb:GetItem", videos),
        ("dynamodb:Query", "ScenesTable"),  # scenes_between: a time range of the video's timeline
    }
    assert grants(template, "UpkeepFunction") == clean_up | {
        *((f"dynamodb:{a}", videos) for a in ("GetItem", "UpdateItem", "Scan")),
    }
    for name in ("SplitFunction", "HashFunction", "QueryFunction"):  # library/ only, by the computed bucket name
        for s in statements(template, name):
            if {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} & set(actions(s)):
                assert s["Resource"]["Fn::Sub"].endswith("-ingest-${AWS::AccountId}-${AWS::Region}/library/*")


def test_only_the_query_role_may_scan_the_scenes_and_no_role_uses_wildcard_actions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the CloudFormation translation: every inline policy SAM writes, its own additions
    included. The query function's Scan is the small-library read (ashen.store.dynamodb_small),
    bounded by its limit; no writer or other function scans the scenes."""
    roles = {n: r for n, r in translated(monkeypatch)["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    assert len(roles) >= 3
    for name, role in roles.items():
        for policy in role["Properties"].get("Policies", []):
            for s in policy["PolicyDocument"]["Statement"]:
                assert not any("*" in a for a in actions(s)), (policy["PolicyName"], s)
                if "dynamodb:Scan" in actions(s) and name != "QueryFunctionRole":
                    assert not any("ScenesTable" in r for r in resources(s)), (policy["PolicyName"], s)


def test_data_is_retained_and_every_deletion_policy_is_stated(template: dict[str, Any]) -> None:
    for name in ("ScenesTable", "VideosTable", "KeysTable", "IngestBucket", "PreviewBucket"):
        resource = template["Resources"][name]
        assert resource["DeletionPolicy"] == resource["UpdateReplacePolicy"] == "Retain", name
    for kind in ("AWS::SQS::Queue", "AWS::Logs::LogGroup", "AWS::DynamoDB::Table", "AWS::SecretsManager::Secret"):
        for name, resource in of_type(template, kind).items():
            assert resource.get("DeletionPolicy") in ("Retain", "Delete"), name
            assert resource.get("UpdateReplacePolicy") == resource["DeletionPolicy"], name


def test_tracing_stays_on_without_a_subsegment_per_dynamodb_call(template: dict[str, Any]) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Tracing"] == "Active"
    assert function_globals["Environment"]["Variables"]["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    upkeep_app = ROOT / template["Resources"]["UpkeepFunction"]["Properties"]["CodeUri"] / "app.py"
    assert "tracer = Tracer(patch_modules=[])" in upkeep_app.read_text()  # a DynamoDB update per video swept
    # the query and hash functions have no Tracer at all (tests/aws/test_cold_start.py)


def test_nothing_stays_indexing_unnoticed(template: dict[str, Any]) -> None:
    """Dead letters and stalls fail their video (UpkeepFunction) and raise alarms; a split that
    fails keeps its event; tombstones expire; the attempts the hash function counts are the
    queue's."""
    res = template["Resources"]
    events = res["UpkeepFunction"]["Properties"]["Events"]
    assert events["DeadLetters"]["Properties"]["Queue"] == {"Fn::GetAtt": ["HashDeadLetterQueue", "Arn"]}
    assert events["Sweep"]["Type"] == "Schedule"
    upkeep_env = res["UpkeepFunction"]["Properties"]["Environment"]["Variables"]
    assert upkeep_env["ASHEN_STALL_MINUTES"] == {"Ref": "StallMinutes"}
    attempts = {"Ref": "SegmentAttempts"}
    assert res["HashQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == attempts
    assert res["HashFunction"]["Properties"]["Environment"]["Variables"]["ASHEN_SEGMENT_ATTEMPTS"] == attempts
    assert upkeep_env["ASHEN_SEGMENT_ATTEMPTS"] == attempts
    on_failure = res["SplitFunction"]["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert on_failure == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["SplitFailureQueue", "Arn"]}}
    watched = {
        (a["Properties"]["Namespace"], a["Properties"]["MetricName"], json.dumps(a["Properties"]["Dimensions"]))
        for a in of_type(template, "AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    }
    service = json.dumps([{"Name": "service", "Value": "ashen"}])
    assert ("Ashen", "SegmentsDeadLettered", service) in watched and ("Ashen", "VideosStalled", service) in watched
    for queue in ("HashDeadLetterQueue", "SplitFailureQueue"):
        dims = json.dumps([{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}])
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims) in watched, queue
    assert res["VideosTable"]["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}


def test_the_by_video_index_carries_what_the_store_reads(template: dict[str, Any]) -> None:
    gsi = template["Resources"]["ScenesTable"]["Properties"]["GlobalSecondaryIndexes"][0]
    assert gsi["IndexName"] == "by_video"
    assert gsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}  # the clean-up's keys; the rest is in timelines
    assert DynamoStore("scenes", "videos").Scene.by_video._get_schema()["projection"]["ProjectionType"] == "KEYS_ONLY"


def test_the_scenes_table_has_the_keys_the_store_writes(template: dict[str, Any]) -> None:
    """The block layout (ashen.store.dynamodb_cells): the table's and by_video's key schemas are
    the models', so a stack deployed from this template holds what the adapter reads."""
    props = template["Resources"]["ScenesTable"]["Properties"]
    table = DynamoStore("scenes", "videos").Scene
    assert props["KeySchema"] == [
        {"AttributeName": table._hash_key_attribute().attr_name, "KeyType": "HASH"},
        {"AttributeName": table._range_key_attribute().attr_name, "KeyType": "RANGE"},
    ]
    schema = table.by_video._get_schema()
    by_kind = sorted(schema["key_schema"], key=lambda k: k["KeyType"])  # (pynamodb lists them by name)
    assert props["GlobalSecondaryIndexes"][0]["KeySchema"] == by_kind
    defined = {d["AttributeName"] for d in props["AttributeDefinitions"]}
    assert defined == {"b", "k", "v"}  # block (or timeline), sk (or a timeline's vsk), video: one-letter names


def test_previews_expire_and_their_key_is_generated(template: dict[str, Any]) -> None:
    res = template["Resources"]
    rules = res["PreviewBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert [r["ExpirationInDays"] for r in rules if r.get("Prefix") == "previews/"] == [3]
    assert all(res["PreviewBucket"]["Properties"]["PublicAccessBlockConfiguration"].values())
    assert res["PreviewSecret"]["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    for name in ("QueryFunction", "PreviewFunction"):
        variables = res[name]["Properties"]["Environment"]["Variables"]
        assert variables["ASHEN_PREVIEW_SECRET"] == {"Ref": "PreviewSecret"}, name


def test_ffmpeg_verifies_tls_against_the_runtime_bundle(template: dict[str, Any]) -> None:
    for name in ("SplitFunction", "HashFunction", "PreviewFunction"):
        variables = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["ASHEN_CA_FILE"] == "/etc/pki/tls/certs/ca-bundle.crt", name
