# Porch — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
DEMO_DB := var/porch.db

.DEFAULT_GOAL := help
.PHONY: help demo test test-sqlite lint bench migrate serve clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.installed ## set up, migrate var/porch.db, load the demo blog, serve http://127.0.0.1:8080
	mkdir -p var
	PORCH_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/porch demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev ## set up and run every test (SQLite and PostgreSQL)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed-dev ## the tests on SQLite only (no services needed)
	PORCH_TEST_DATABASES=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff
	$(BIN)/ruff check src tests bench

bench: $(VENV)/.installed-dev ## Porch vs Isso 0.14 vs the floor under wrk (a few minutes; bench/RESULTS.md)
	$(BIN)/python bench/compare_isso.py $(BENCH_ARGS)

bench-quick: $(VENV)/.installed-dev ## the same comparison in about a minute
	$(BIN)/python bench/compare_isso.py --quick $(BENCH_ARGS)

bench-read: $(VENV)/.installed-dev ## read a 1,000-comment thread in-process: queries and latency
	$(BIN)/python bench/thread_read.py

migrate: $(VENV)/.installed ## migrate the database named by PORCH_DATABASE_URL (default var/porch.db)
	mkdir -p var
	$(BIN)/porch migrate

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) var
