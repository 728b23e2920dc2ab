# TrainedOn: `make run` serves the site with a worker; `make test` runs the suite.
# Both need only Python 3.11 and make; everything else comes from the lock files.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
PIP_FLAGS ?= -q --disable-pip-version-check
HOST ?= 127.0.0.1
PORT ?= 8000
# Test processes (pytest-xdist); each has its own database, cache namespace, queues and media.
TEST_WORKERS ?= 2

.PHONY: run test install install-dev lint format migrate demo starter worker bench-archive bench-web clean messages

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "TrainedOn needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip

$(VENV)/.installed-base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install $(PIP_FLAGS) -r requirements/dev.txt
	touch $(VENV)/.installed-base $@

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py compilemessages -v0 2>/dev/null || true

demo: migrate
	$(BIN)/python manage.py seed_demo

## Load the starter ledger of real cases as pending review (not part of `make run`; docs/data.md).
starter: migrate
	$(BIN)/python manage.py import_ledger data/starter-ledger.jsonl

## Serve the site and a Celery worker (embedded default: SQLite, SQLite broker, local files).
run: demo
	@echo "TrainedOn on http://$(HOST):$(PORT)/  (Ctrl-C stops web and worker)"
	PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho -f Procfile start

## Run the whole suite (SQLite by default; PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set).
test: install-dev
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A app worker -B -Q pages,media,links,maintenance,analysis,render,celery --loglevel=INFO

bench-archive: install-dev
	$(BIN)/python bench/archive.py $(BENCH_ARGS)
	$(BIN)/python bench/video.py $(BENCH_ARGS)

bench-web: install-dev
	$(BIN)/python bench/web.py $(BENCH_ARGS)

messages: install-dev
	$(BIN)/python manage.py makemessages -l fr --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
