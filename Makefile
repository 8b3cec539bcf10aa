# PAI Verify. `make run` and `make test` are all a fresh machine needs (Python 3.11 to 3.13 on PATH; PYTHON=python3.13).
SHELL := /bin/bash
PYTHON ?= python3
# Another interpreter gets its own venv: `make test PYTHON=python3.13` builds .venv-python3.13.
VENV ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(notdir $(PYTHON)))
BIN := $(VENV)/bin
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt
digest = $(shell cat $(1) 2>/dev/null | sha256sum | cut -c1-12)
RUNTIME_STAMP := $(VENV)/.installed-runtime-$(call digest,$(RUNTIME_LOCK) requirements/uv.txt pyproject.toml)
DEV_STAMP := $(VENV)/.installed-dev-$(call digest,$(DEV_LOCK) requirements/uv.txt pyproject.toml package-lock.json)
PIP := $(BIN)/pip --disable-pip-version-check --quiet
# Every wheel is checked against the lock's hashes; --no-deps: the lock already lists every dependency.
PIP_SYNC := $(PIP) install --require-hashes --no-deps
# INSTALLER=uv (the default) installs the locks with uv, itself installed by pip from requirements/uv.txt (hashes):
# several times faster than pip (bench/RESULTS.md). INSTALLER=pip uses pip alone.
INSTALLER ?= uv
ifeq ($(INSTALLER),uv)
SYNC = $(PIP_SYNC) -r requirements/uv.txt && $(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes
EDITABLE = $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
else
SYNC = $(PIP_SYNC)
EDITABLE = $(PIP) install --no-deps -e .
endif
UV_VERSION := 0.13.9
# The locks hold every version for Python 3.11 to 3.13 on any platform (uv's universal resolution), with hashes.
UV_COMPILE := .lock-venv/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 \
  --generate-hashes --custom-compile-command "make lock" $(if $(UPGRADE),,-c requirements.lock)

.DEFAULT_GOAL := help
.PHONY: help install install-runtime run test lint format typecheck openapi migrate bench conformance lock check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(RUNTIME_STAMP): $(RUNTIME_LOCK) requirements/uv.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if [ -e $(DEV_STAMP) ]; then echo "$(VENV) has the development set, which includes the runtime one"; else \
	  rm -f $(VENV)/.installed-runtime-* && $(SYNC) -r $(RUNTIME_LOCK) && $(EDITABLE); fi
	@touch $@

$(DEV_STAMP): $(DEV_LOCK) requirements/uv.txt pyproject.toml package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@rm -f $(VENV)/.installed-*
	$(SYNC) -r $(DEV_LOCK)
	$(EDITABLE)
	@# axe-core (test only: the accessibility run in tests/e2e) from the npm registry, pinned by package-lock.json;
	@# npm (Debian's) is installed here when missing and we are root with apt-get.
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  { echo "installing npm for axe-core (apt-get)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; } >/dev/null 2>&1; }; } || true
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	  else echo "no npm: the accessibility browser test will be skipped"; fi
	@touch $(RUNTIME_STAMP) $@

install: $(DEV_STAMP) ## create .venv with everything `make test` needs (requirements/dev.txt, hash-checked)

install-runtime: $(RUNTIME_STAMP) ## create .venv with only what serving needs (requirements/runtime.txt, hash-checked)

run: install-runtime ## serve on HOST:PORT (installs only the runtime lock) (embedded PostgreSQL under .data/ when DATABASE_URL is unset; dev key when SIGNING_KEY_PATH is unset)
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

lock: ## rewrite the hashed locks (requirements/*.txt) from pyproject.toml at the versions of requirements.lock (UPGRADE=1: newest)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip --disable-pip-version-check --quiet install uv==$(UV_VERSION)
	$(UV_COMPILE) --extra embedded -o $(RUNTIME_LOCK)
	$(UV_COMPILE) --extra dev --extra embedded -c $(RUNTIME_LOCK) -o $(DEV_LOCK)
	echo "uv==$(UV_VERSION)" | $(UV_COMPILE:pyproject.toml=-) -o requirements/uv.txt
	rm -rf .lock-venv

check: test ## lint, typecheck and test (what `make test` already runs)

clean: ## remove the venvs and caches (keeps .data/ and keys/)
	rm -rf .venv .venv-* node_modules .pytest_cache .mypy_cache .ruff_cache
