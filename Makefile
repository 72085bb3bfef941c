# Two entry points, both from a fresh clone with Python 3.11+:
#   make demo   set up the virtual environment and run the offline demo
#   make test   set up the virtual environment and run every check and test

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck coverage clean

$(BIN)/alliance: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
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

clean:
	rm -rf $(VENV) .coverage demo-output
