# Inlay's two entry points: `make run` (everything embedded) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_DEPS := $(VENV)/.run-deps
DEV_DEPS := $(VENV)/.dev-deps
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.0.1

# llama-cpp-python builds from source the first time (about 7 minutes on 2 cores); pip caches it.
$(RUN_DEPS): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_DEPS): pyproject.toml $(RUN_DEPS)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(RUN_DEPS)
	$(BIN)/inlay model prepare >/dev/null
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py ensure_demo
	$(BIN)/python manage.py serve

# The production path runs against the PostgreSQL and Redis of the development machines.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/inlay
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

test: $(DEV_DEPS) chromium lint
	$(BIN)/pytest
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest -m production

lint: $(DEV_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# Browser tests drive Debian's Chromium; Playwright's own browser download cannot work here.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q chromium; \
	  else echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; \
	fi
