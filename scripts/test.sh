#!/usr/bin/env bash
# The whole test suite: install with test extras, lint, type-check, check the SAM template, run
# pytest (fast and slow tests). Arguments go to pytest. Only the fast tests, while editing:
#   scripts/test.sh -m "not slow"     (or, in the venv: python -m pytest -m "not slow")
set -euo pipefail
trap 'echo "test.sh: failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0
ruff check .
ruff format --check .
mypy  # strict on shared/ashen, configured in pyproject.toml
cfn-lint template.yaml
sam validate --lint --region us-east-1
build_dir=$(mktemp -d)
trap 'rm -rf "$build_dir" "$build_dir.log"' EXIT
sam build --build-dir "$build_dir" >"$build_dir.log" 2>&1 || { cat "$build_dir.log"; echo "test.sh: failed: sam build" >&2; exit 1; }
echo "sam build: ok (no Docker)"
set +e
python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$code"
