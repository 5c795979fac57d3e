# Two commands on a fresh machine: `make run` and `make test`. Every target sets itself up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-stamp
PORT   ?= 8501

.PHONY: setup bytecode run registry crawl test lint system browser bench clean

setup: $(STAMP) bytecode

## The project's own modules compiled once (the installed packages are compiled by uv): every `registry` process
## and test worker then loads them instead of compiling them again, which it would do each time where
## PYTHONDONTWRITEBYTECODE is set (as on CI machines). Likewise pytest's assert-rewritten test modules and plugins
## (tests/assert_cache.py), which each test worker would otherwise rewrite again (~3.5 s of CPU per process).
## Up-to-date files are skipped in well under a second.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 registry spiders dashboard bench tests >/dev/null
	@$(BIN)/python -m tests.assert_cache

# uv (itself a pip package) resolves and installs in seconds from a warm cache, and shows its progress.
$(STAMP): pyproject.toml
	@echo "setup: creating $(VENV) and installing dependencies with uv"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/python -m uv pip install --compile-bytecode --python $(BIN)/python -e '.[test]'
	touch $(STAMP)

## Build registry.duckdb from the bundled offline sample (data/sample/), no network needed.
registry: setup
	$(BIN)/registry build --sample

## Build from the sample, then open the dashboard on http://127.0.0.1:$(PORT).
run: registry
	$(BIN)/registry dashboard --port $(PORT)

## Live crawl of the default scope (see README), then rebuild. Fails fast without internet.
crawl: setup
	$(BIN)/registry crawl all
	$(BIN)/registry build

## System packages the tests run for real: Debian's Chromium (browser tests) and redis-server (the shared-crawl
## test). Installed only when missing; needs root and apt.
SYSTEM_PACKAGES := /usr/bin/chromium:chromium /usr/bin/redis-server:redis-server
system:
	@missing=""; for pair in $(SYSTEM_PACKAGES); do [ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -z "$$missing" ]; then echo "system packages present: chromium, redis-server"; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing$$missing with apt-get"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || { echo "could not install$$missing with apt-get"; exit 1; }; \
	else echo "missing:$$missing (apt-get install -y$$missing)"; exit 1; fi

browser: system

lint: setup
	$(BIN)/ruff check .

## The suite in parallel (pytest-xdist): each test module is one unit of work, so its module-scoped registries and
## servers are built once; modules with browser tests share one worker (SERIAL_GROUPS in tests/conftest.py).
## TEST_WORKERS=0 runs it serially in one process.
TEST_WORKERS ?= 2
test: setup system lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile --durations=15

bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf registry.duckdb staging.duckdb build tests/artifacts export
