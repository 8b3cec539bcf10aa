# PAI Verify. `make run` and `make test` are all a fresh machine needs (Python 3.11+ on PATH).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml 2>/dev/null | sha256sum | cut -c1-12)
PIP := $(BIN)/pip --disable-pip-version-check --quiet

.DEFAULT_GOAL := help
.PHONY: help install run test lint format typecheck openapi migrate bench conformance lock check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(PIP) install -r requirements.lock
	$(PIP) install --no-deps -e .
	@# axe-core (test only: the accessibility run in tests/e2e) from the npm registry, pinned by package-lock.json;
	@# npm (Debian's) is installed here when missing and we are root with apt-get.
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { echo "installing npm for axe-core (apt-get)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; } >/dev/null 2>&1; }; } || true
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	  else echo "no npm: the accessibility browser test will be skipped"; fi
	@touch $@

install: $(STAMP) ## create .venv and install the pinned dependencies (requirements.lock)

run: install ## serve on HOST:PORT (embedded PostgreSQL under .data/ when DATABASE_URL is unset; dev key when SIGNING_KEY_PATH is unset)
	$(BIN)/verify-api serve

test: install lint typecheck ## lint and typecheck, then the whole suite against a real PostgreSQL (a throwaway cluster, or TEST_DATABASE_URL)
	@# Browser tests need Debian's chromium: installed here when missing and we are root with apt-get; never fails.
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { echo "installing chromium for the browser tests (apt-get)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } >/dev/null 2>&1 \
	    || echo "could not install chromium: the browser tests will be skipped"; }; } || true
	@# The Valkey/Redis rate-limit store is tested against a real server (Debian's redis-server), the same way.
	@command -v valkey-server >/dev/null 2>&1 || command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  command -v apt-get >/dev/null 2>&1 && { echo "installing redis-server for the rate-limit tests (apt-get)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >/dev/null 2>&1 \
	    || echo "could not install redis-server: the Redis rate-limit tests will be skipped"; }; } || true
	@# Two workers (pytest-xdist), each with its own throwaway cluster; the 15 slowest tests are listed at the end so
	@# a slow new one shows. PYTEST_ARGS="-n 0" runs in one process.
	$(BIN)/python -m pytest -n 2 --durations=15 $(PYTEST_ARGS)

lint: install ## ruff: lint (incl. complexity C90 and PLR0913) and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy --strict over verify_api, tests and bench
	$(BIN)/mypy

format: install ## apply ruff's formatting and safe fixes
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install ## regenerate openapi/openapi.json from the app
	$(BIN)/verify-api openapi --output openapi/openapi.json

migrate: install ## apply pending migrations (DATABASE_URL, or the embedded cluster)
	$(BIN)/verify-api migrate

bench: install ## run the benchmarks under bench/ and print the figures (see bench/RESULTS.md)
	$(BIN)/python -m bench

conformance: install ## run the W3C / CCG suites under SUITES=<dir> against the service over https (README: Conformance suites)
	@test -n "$(SUITES)" || { echo "usage: make conformance SUITES=<directory of checked-out, npm-installed suites>" >&2; exit 2; }
	$(BIN)/python -m bench.conformance "$(SUITES)"

lock: ## re-resolve requirements.lock from pyproject.toml in a scratch venv
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip --disable-pip-version-check --quiet install -e '.[dev,embedded]'
	{ echo "# Exact pins for every runtime, dev and embedded dependency (pip freeze of a fresh venv)."; \
	  echo "# Regenerate with: make lock"; \
	  .lock-venv/bin/pip freeze --all --exclude-editable | grep -v '^verify-api\|^pip=='; } > requirements.lock
	rm -rf .lock-venv

check: test ## lint, typecheck and test (what `make test` already runs)

clean: ## remove the venv and caches (keeps .data/ and keys/)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
