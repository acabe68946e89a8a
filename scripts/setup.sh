#!/usr/bin/env bash
# Make .venv and install Ashen in it (editable: code changes need no reinstall) with the given extras.
#   scripts/setup.sh          the CLI and `ashen serve` (extra `serve`)
#   scripts/setup.sh test     everything scripts/test.sh needs (extra `test`, pinned dev tools)
#   PYTHON=python3.12 scripts/setup.sh   choose the interpreter (3.11 or newer; default python3)
# A .venv made by another interpreter is rebuilt. The install is skipped when pyproject.toml, the
# extras and the interpreter are those of a previous successful install (stamp: .venv/.ashen-setup).
# With the test extra, the Python SDK (clients/python, ashen-client) is installed editable too: its
# tests run against `ashen serve` (a path dependency cannot be an extra of pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extras=${1-serve}
label="ashen${extras:+[$extras]}"

die() { echo "setup.sh: $*" >&2; exit 1; }

command -v "$PY" >/dev/null || die "no '$PY' on PATH; choose another interpreter: PYTHON=python3.11 scripts/setup.sh"
# Path and version of the interpreter asked for, in syntax any Python (even 2.7) can run.
probe='import os, sys; print("%s %d.%d.%d" % ((os.path.realpath(sys.executable),) + tuple(sys.version_info[:3])))'
want=$("$PY" -c "$probe" 2>&1) ||
    die "'$PY' does not run as a Python (${want%%$'\n'*}); choose another: PYTHON=python3.11 scripts/setup.sh"
want=${want##*$'\n'}
want_path=${want% *} want_version=${want##* }
IFS=. read -r major minor _ <<<"$want_version"
if ((major < 3 || (major == 3 && minor < 11))); then
    where=$([ "$want_path" = "$PY" ] || echo " ($want_path)")
    die "$PY is Python $want_version$where; Ashen needs 3.11 or newer: PYTHON=python3.11 scripts/setup.sh"
fi

# The interpreter a .venv was made by, as its own python reports it (nothing if it does not run).
if [ -e .venv ]; then
    venv_probe=${probe/sys.executable/getattr(sys, \"_base_executable\", sys.executable)}
    have=$(.venv/bin/python -c "$venv_probe" 2>/dev/null) || have=""
    if [ "$have" != "$want" ]; then
        made_by=${have:+Python ${have##* } (${have% *})}
        echo "setup.sh: rebuilding .venv: made by ${made_by:-a python that does not run}," \
            "asked for Python $want_version ($want_path)"
        rm -rf .venv
    fi
fi

# Stamp lines: "<hash of pyproject.toml, interpreter and .venv path> <extras installed under it>".
base=$( { cat pyproject.toml clients/python/pyproject.toml; echo "$want"; echo "$PWD/.venv"; } | sha256sum | cut -c1-16)
stamp=.venv/.ashen-setup
if [ -x .venv/bin/ashen ] && grep -qxF "$base $extras" "$stamp" 2>/dev/null; then
    echo "setup.sh: .venv up to date ($label, Python $want_version); nothing to install"
    exit 0
fi

if [ ! -e .venv ]; then
    echo "setup.sh: creating .venv with $want_path (Python $want_version)"
    "$PY" -m venv .venv || { rm -rf .venv; die "'$PY -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)"; }
    echo "setup.sh: upgrading pip in .venv to the version the project is tested with"
    .venv/bin/python -m pip install --disable-pip-version-check pip==26.3 ||
        { rm -rf .venv; die "could not install pip 26.3 in .venv (see pip's message above)"; }
fi
echo "setup.sh: installing $label in .venv, editable (the test extra takes a few minutes the first time)"
.venv/bin/python -m pip install --disable-pip-version-check -e ".${extras:+[$extras]}" ||
    die "pip could not install $label (see its message above); run scripts/setup.sh again once fixed"
if [[ ",$extras," == *,test,* ]]; then
    echo "setup.sh: installing the Python SDK (clients/python) in .venv, editable"
    .venv/bin/python -m pip install --disable-pip-version-check -e "./clients/python[pillow]" ||
        die "pip could not install clients/python (see its message above)"
fi

# Keep the other extras installed under the same pyproject and interpreter; drop stale ones.
{ grep -v -xF "$base $extras" "$stamp" 2>/dev/null | grep "^$base " || true; echo "$base $extras"; } >"$stamp.new"
mv "$stamp.new" "$stamp"
echo "setup.sh: done: $label in .venv (activate with '. .venv/bin/activate')"
