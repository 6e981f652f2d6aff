# Two commands do all set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev
# gigs-client pins pydantic 1, which clashes with the dev tools: its own environment, used by
# tests/providers/test_gigs_reads.py as an outside check of the subscription and user shapes.
GIGSVENV ?= .venv-gigs
GIGSSTAMP := $(GIGSVENV)/.installed
# pytest in parallel (pytest-xdist): one worker per core (CI has 2). worksteal hands each worker
# a contiguous half and moves tests only when one runs dry, so a module's shared server or
# browser is mostly built once; loadscope/loadgroup key tests by node id, and schemathesis gives
# all of an operation test's cases the same id (they would silently run one case).
# `make pytest PYTEST_ARGS=` runs serially.
PYTEST_ARGS ?= -n auto --dist worksteal

.PHONY: serve test lint typecheck pytest bench screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

$(GIGSSTAMP):
	$(PYTHON) -m venv $(GIGSVENV)
	$(GIGSVENV)/bin/pip install --quiet 'gigs-client==0.0.1'
	touch $@

serve: $(STAMP)
	$(BIN)/mockprovider serve

lint: $(DEVSTAMP)
	$(BIN)/ruff check mockprovider tests bench docs
	$(BIN)/ruff format --check mockprovider tests bench docs

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

pytest: $(DEVSTAMP) $(GIGSSTAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(DEVSTAMP)
	$(BIN)/python bench/run.py

# The README's pictures, from a real `serve` in headless Chromium (/usr/bin/chromium).
screenshots: $(DEVSTAMP)
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) $(GIGSVENV) dist build .mypy_cache .ruff_cache .pytest_cache
