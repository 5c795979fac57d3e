# Two commands on a fresh machine: `make run` and `make test`. Every target sets itself up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
PORT   ?= 8501

.PHONY: setup run registry crawl test lint browser bench clean

setup: $(STAMP)

# uv (itself a pip package) resolves and installs in seconds from a warm cache, and shows its progress.
$(STAMP): pyproject.toml
	@echo "setup: creating $(VENV) and installing dependencies with uv"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python -m uv pip install --python $(BIN)/python -e '.[test]'
	touch $(STAMP)

## Build registry.duckdb from the bundled offline sample (data/sample/), no network needed.
registry: setup
	$(BIN)/registry build --sample

## Build from the sample, then open the dashboard on http://127.0.0.1:$(PORT).
run: registry
	$(BIN)/registry dashboard --port $(PORT)

## Live crawl of the default scope (see README), then rebuild. Fails fast without internet.
crawl: setup
	$(BIN)/registry crawl usaspending
	$(BIN)/registry build

## Debian's Chromium for the real-browser tests (installed only when missing; needs root and apt).
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium with apt-get"; exit 1; }; \
	else echo "chromium missing: install Debian's chromium (apt-get install -y chromium)"; exit 1; fi

lint: setup
	$(BIN)/ruff check .

test: setup browser lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf registry.duckdb staging.duckdb build tests/artifacts export
