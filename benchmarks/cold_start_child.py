"""One cold start of the query function, run by benchmarks/cold_start.py in a fresh python3.12
started with ``-I -S`` (no site-packages, no PYTHONPATH): the paths Lambda would have (the
function, then its layers, then the runtime's boto3) come as arguments. Only the standard library
is imported before the handler module, as Lambda's bootstrap does.

    python3.12 -I -S -X importtime cold_start_child.py import <paths.json> <event.json>
        (prints a marker to stderr, imports the handler module, prints another, searches once)
    python3.12 -I -S cold_start_child.py search <paths.json> <event.json>
        (prints JSON: init seconds, first and second search seconds, modules loaded, status)
    python3.12 -I -S [-X importtime] cold_start_child.py init <paths.json> -
        (another function's init alone: prints the marker, imports the handler module, prints JSON:
        init seconds and CPU, modules loaded, whether the X-Ray SDK is among them)
"""

from __future__ import annotations

import copy
import json
import sys
import time

MARKER = "--- cold start: the handler module ---"
FIRST = "--- cold start: the first search ---"


class Context:
    """The bits of a Lambda context the resolver and Powertools read."""

    function_name = "ashen-query"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:ashen-query"
    aws_request_id = "cold-start"

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


def main() -> None:
    mode = sys.argv[1]
    with open(sys.argv[2]) as f:
        sys.path[:0] = json.load(f)
    if mode == "init":
        init_only()
        return
    with open(sys.argv[3]) as f:
        event = json.load(f)
    if mode == "import":  # what the handler module imports, then what the first search imports
        print(MARKER, file=sys.stderr, flush=True)
        import app

        print(FIRST, file=sys.stderr, flush=True)
        app.handler(event, Context())
        return
    began = time.perf_counter()
    import app

    init, init_cpu = time.perf_counter() - began, time.process_time()
    modules = len(sys.modules)
    calls = count_requests()
    times, cpu, statuses, found, requests = [], [], [], [], []
    for _ in range(2):
        t, c = time.perf_counter(), time.process_time()
        calls.clear()
        response = app.handler(copy.deepcopy(event), Context())
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        requests.append(dict(calls))
        statuses.append(response["statusCode"])
        found.append(len(json.loads(response["body"]).get("result", [])))
    result = {"init": init, "first": times[0], "second": times[1], "modules": modules, "init_cpu": init_cpu}
    result |= {"first_cpu": cpu[0], "second_cpu": cpu[1], "requests": requests}
    print(json.dumps(result | {"modules_after": len(sys.modules), "status": statuses, "found": found}))


def init_only() -> None:
    """The handler module's import and module-level setup, nothing invoked."""
    print(MARKER, file=sys.stderr, flush=True)
    began = time.perf_counter()
    import app  # noqa: F401  # the init itself

    init, init_cpu = time.perf_counter() - began, time.process_time()
    xray = "aws_xray_sdk" in sys.modules
    print(json.dumps({"init": init, "init_cpu": init_cpu, "modules": len(sys.modules), "xray": xray}))


def count_requests() -> dict[str, int]:
    """AWS requests by operation, counted from now on (botocore's client, which pynamodb and
    boto3 share, is already loaded by the handler module: nothing is imported for the count)."""
    calls: dict[str, int] = {}
    client = sys.modules.get("botocore.client")
    if client is None:
        return calls
    call = client.BaseClient._make_api_call

    def counted(self: object, operation: str, params: object) -> object:
        calls[operation] = calls.get(operation, 0) + 1
        return call(self, operation, params)

    client.BaseClient._make_api_call = counted
    return calls


if __name__ == "__main__":
    main()
