# Shared by the layer Makefiles. sam build runs `make build-<LogicalId>` with ARTIFACTS_DIR set;
# wheels are fetched for the Lambda platform, so no Docker and no local python3.12 are needed.
PYTHON ?= python3
LAMBDA_PY ?= 3.12
PIP_TARGET = $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
	--only-binary=:all: --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
	--implementation cp --python-version $(LAMBDA_PY)

REPO := $(abspath $(HERE)../..)

# What a Lambda never imports: tests, type stubs, caches, build helpers.
define prune
	find $(1) -depth -type d \( -name tests -o -name __pycache__ -o -name f2py -o -name _pyinstaller \) -exec rm -rf {} +
	find $(1) -type f \( -name '*.pyi' -o -name '*.pyc' \) -delete
	rm -rf $(1)/bin
endef

PIP_PURE = $(PYTHON) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps

# Bytecode for the runtime's Python (docs/serverless.md, Cold start): /opt is read-only on Lambda,
# so a layer without __pycache__ has every module it loads compiled again at each cold start, most
# of the query function's import time (docs/benchmarks.md). Needs a local python$(LAMBDA_PY) (or
# PYC_PYTHON=...); without one the layer ships as before, source only. unchecked-hash: the .pyc
# holds no source mtime to compare, so it stays valid however the zip dates the files.
# The interpreter as it reports itself: a pyenv shim for a version not selected exists but fails.
PYC_PYTHON ?= $(shell python$(LAMBDA_PY) -c 'import sys; print(sys.executable)' 2>/dev/null)
define compile
	$(if $(PYC_PYTHON),$(PYC_PYTHON) -m compileall -q -j 0 --invalidation-mode unchecked-hash $(1) > /dev/null,@echo "no python$(LAMBDA_PY) found: $(1) ships without bytecode")
endef
