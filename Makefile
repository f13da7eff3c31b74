# OpenNRM — the two commands of README.md: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
TEST_PROCESSES ?= 2

.PHONY: run test install setup lint clean benchmark

## Set up everything (virtualenv, packages, database, Latvian pack, demo data) and serve on http://$(HOST):$(PORT)
run: install
	$(BIN)/opennrm setup --demo
	@echo "OpenNRM is at http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	$(BIN)/opennrm runserver $(HOST):$(PORT)

## Set up what the tests need (incl. Debian's Chromium when run as root) and run the whole suite
test: install
	bash scripts/system-deps.sh
	$(BIN)/ruff check opennrm tests benchmarks
	$(BIN)/ruff format --check opennrm tests benchmarks
	$(BIN)/opennrm compile_translations
	# Two processes, one per core of the reference machine; a test module stays in one process with its fixtures.
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadfile

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

lint:
	$(BIN)/ruff check opennrm tests benchmarks
	$(BIN)/ruff format --check opennrm tests benchmarks

benchmark: install
	$(BIN)/python benchmarks/run.py

## The national cases benchmark: 10 000 and 200 000 cases, over HTTP, concurrent clients, on PostgreSQL
BENCHMARK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
.PHONY: benchmark-cases
benchmark-cases: install
	# A multi-process server (gunicorn, the `server` extra), as production runs OpenNRM.
	$(BIN)/pip install --quiet -e '.[server]'
	$(BIN)/python benchmarks/cases_run.py --database-url $(BENCHMARK_DATABASE_URL)

## The public information resource over HTTP: 100 → 1 000 news items, 50 → 500 events, anonymous visitors, on PostgreSQL
.PHONY: benchmark-portal
benchmark-portal: install
	$(BIN)/pip install --quiet -e '.[server]'
	$(BIN)/python benchmarks/portal_run.py --database-url $(BENCHMARK_DATABASE_URL)

## The statistics reports: 10 000 → 100 000 case facts; release builds, dashboard, downloads, API, annual report; SQLite and PostgreSQL
.PHONY: benchmark-stats
benchmark-stats: install
	$(BIN)/pip install --quiet -e '.[server]'
	$(BIN)/python benchmarks/stats_run.py
	$(BIN)/python benchmarks/stats_run.py --database-url $(BENCHMARK_DATABASE_URL)

clean:
	rm -rf $(VENV) node_modules var
