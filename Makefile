# Two commands do all set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

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

serve: $(STAMP)
	$(BIN)/mockprovider serve

lint: $(DEVSTAMP)
	$(BIN)/ruff check mockprovider tests bench docs
	$(BIN)/ruff format --check mockprovider tests bench docs

typecheck: $(DEVSTAMP)
	$(BIN)/mypy

pytest: $(DEVSTAMP)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(DEVSTAMP)
	$(BIN)/python bench/run.py

# The README's pictures, from a real `serve` in headless Chromium (/usr/bin/chromium).
screenshots: $(DEVSTAMP)
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) dist build .mypy_cache .ruff_cache .pytest_cache
