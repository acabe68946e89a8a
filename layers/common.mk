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
