# shoplines — two commands on a fresh machine: `make demo` and `make test` (both install what they need).
SHELL := /bin/bash
PYTHON ?= python3
# uv from PATH, else a private copy in .tools/ (a venv, so it works on "externally managed" system Pythons)
UV_ON_PATH := $(shell command -v uv 2>/dev/null)
UV := $(if $(UV_ON_PATH),$(UV_ON_PATH),$(CURDIR)/.tools/bin/uv)
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
# Python caches compiled modules (.pyc): every subprocess the tests and flows start (chaos schedules, workers,
# the CLI) would otherwise compile Prefect, pandas and our own code again (5.4 s → 3.6 s for the imports alone)
export PYTHONDONTWRITEBYTECODE =

.PHONY: help install demo test lint typecheck check chaos chaos-accounting bench serve screenshots clean

help:
	@echo "make demo     run orders -> warehouse on the embedded sandbox"
	@echo "make test     run the test suite"
	@echo "make lint     ruff (check + format)"
	@echo "make typecheck mypy"
	@echo "make serve    a local Prefect server (UI on 127.0.0.1:4200), every deployment scheduled on the sandbox, a worker"
	@echo "make chaos    seeded fault schedules end to end (CHAOS_RUNS=50)"
	@echo "make chaos-accounting  the same for orders and refunds -> Xero (CHAOS_RUNS=50)"
	@echo "make bench    benchmarks: paged pull at Shopify's limits (P1), SFTP vs OpenSSH (P5), a month-end pack of 10,000 and 100,000 orders"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv

install: $(if $(UV_ON_PATH),,$(CURDIR)/.tools/bin/uv)
	$(UV) sync --frozen

demo: install
	$(UV) run --frozen shoplines demo

test: install
	$(UV) run --frozen pytest --durations=15 $(PYTEST_ARGS)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: install
	$(UV) run --frozen mypy

check: lint typecheck test

CHAOS_RUNS ?= 50
chaos: install
	CHAOS_RUNS=$(CHAOS_RUNS) $(UV) run --frozen python -m chaos

chaos-accounting: install
	CHAOS_RUNS=$(CHAOS_RUNS) $(UV) run --frozen python -m chaos --line accounting

bench: install
	$(UV) run --frozen python -m bench

serve: install
	$(UV) run --frozen python -m deployments.serve

# needs `make serve` running, and Debian's chromium (apt-get install -y chromium); not part of `make test`
screenshots: install
	$(UV) run --frozen python -m deployments.screenshots

clean:
	-$(UV) run shoplines sandbox down
	rm -rf .shoplines .tools
