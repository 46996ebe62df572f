# shoplines — two commands on a fresh machine: `make demo` and `make test` (both install what they need).
SHELL := /bin/bash
PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1

.PHONY: help install demo test lint typecheck check chaos bench serve clean

help:
	@echo "make demo     run orders -> warehouse on the embedded sandbox"
	@echo "make test     run the test suite"
	@echo "make lint     ruff + mypy"

.uv-installed:
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet --user uv
	@touch .uv-installed

install: .uv-installed
	$(UV) sync --frozen

demo: install
	$(UV) run shoplines demo

test: install
	$(UV) run pytest --durations=15 $(PYTEST_ARGS)

lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .

typecheck: install
	$(UV) run mypy

check: lint typecheck test

chaos bench serve:
	@echo "make $@: not built yet (see the open issues)"; exit 2

clean:
	-$(UV) run shoplines sandbox down
	rm -rf .shoplines .uv-installed
