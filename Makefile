# Two entry points, both from a fresh clone with Python 3.11+:
#   make demo   set up the virtual environment and run the offline demo
#   make test   set up the virtual environment and run every check and test
# and one for maintainers:
#   make lock   re-resolve the dependencies to the newest releases pyproject.toml allows

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Every runtime, dev and build dependency, pinned with the hashes of its release files.
LOCK := requirements.lock
# pip-tools lives in a venv of its own, so that locking never changes what is installed.
LOCK_VENV ?= .venv-lock

.PHONY: demo test lint typecheck coverage lock clean

# Only what the lock pins, checked against its hashes; then the project itself, editable,
# built with the locked setuptools.
$(BIN)/alliance: pyproject.toml $(LOCK)
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

demo: $(BIN)/alliance
	$(BIN)/alliance demo

lint: $(BIN)/alliance
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(BIN)/alliance
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest -q

# Branch coverage slows Python 3.11 tests about threefold, so it is a separate target.
coverage: $(BIN)/alliance
	$(BIN)/python -m pytest --cov --cov-report=term -q

# Index URLs and find-links stay out of the lock: it must install from any mirror of PyPI.
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet "pip-tools~=7.7"
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --upgrade \
	    --generate-hashes --allow-unsafe --all-build-deps --extra dev --strip-extras \
	    --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) .coverage demo-output
