#!/usr/bin/env bash
# The whole test suite: install with test extras, lint, type-check, check the SAM template, run
# pytest (fast and slow tests). Arguments go to pytest. Only the fast tests, while editing:
#   scripts/test.sh -m "not slow"     (or, in the venv: python -m pytest -m "not slow")
set -euo pipefail
trap 'echo "test.sh: failed: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
scripts/setup.sh test
export PATH="$PWD/.venv/bin:$PATH" SAM_CLI_TELEMETRY=0 NO_MKDOCS_2_WARNING=1  # no banner from Material
ruff check .
ruff format --check .
mypy  # strict on shared/ashen, configured in pyproject.toml
cfn-lint template.yaml
sam validate --lint --region us-east-1
build_dir=$(mktemp -d)
trap 'rm -rf "$build_dir" "$build_dir.log"' EXIT
sam build --build-dir "$build_dir" >"$build_dir.log" 2>&1 || { cat "$build_dir.log"; echo "test.sh: failed: sam build" >&2; exit 1; }
echo "sam build: ok (no Docker)"
# The JavaScript client (clients/js): its dev tools from package-lock.json (offline when npm's cache
# has them), its types checked against openapi.json (drift) and against its code (tsc). Its tests run
# under pytest (tests/clients/test_js_client.py: node --test against `ashen serve`). CI has node and
# npm (.ci/run installs Debian's when missing); elsewhere, without npm, this step is skipped loudly.
if command -v npm >/dev/null; then
    (cd clients/js && npm ci --prefer-offline --no-audit --no-fund --loglevel=error && node scripts/check-types.js &&
        npx --no-install tsc --noEmit -p . && echo "clients/js: types ok")
elif [ -n "${CI:-}" ]; then
    echo "test.sh: failed: npm is missing (CI needs node and npm: .ci/run installs them)" >&2; exit 1
else
    echo "test.sh: WARNING: npm is missing: clients/js's type checks skipped (apt-get install nodejs npm)" >&2
fi
# The documentation site, strict: a broken link or nav entry fails (docs/index.md; mkdocs.yml).
mkdocs build --strict --site-dir "$build_dir/site"  # not --quiet: it hides the warnings strict counts
echo "mkdocs build --strict: ok"
set +e
python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$code"
