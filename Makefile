# Set-up happens here, so a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GRAPHIQL := src/calendar_gateway/static/graphiql
E2E := tests/e2e

.PHONY: demo test lint typecheck pytest schema graphiql e2e-packages bench clean

demo: $(VENV)/.installed graphiql
	$(BIN)/calendar-gateway demo $(if $(PORT),--port $(PORT))

test: $(VENV)/.dev-installed graphiql e2e-packages lint typecheck pytest

lint:
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/hadolint Dockerfile

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

# Load on loopback against latency-added simulators; writes docs/benchmarks.md and its chart.
# BENCH_ARGS=--quick runs it in seconds, to see that it works.
bench: $(VENV)/.bench-installed
	$(BIN)/python -m bench $(BENCH_ARGS)

schema: $(VENV)/.installed
	$(BIN)/calendar-gateway export-schema -o schema.graphql

# GraphiQL's files come from npm (pinned, lockfile committed); without Node the page
# falls back to the CDN, and CI (CI=true) treats a missing Node as a failure.
graphiql: $(GRAPHIQL)/node_modules/.installed

$(GRAPHIQL)/node_modules/.installed: $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(GRAPHIQL) --no-audit --no-fund --ignore-scripts --loglevel=error && touch $@; \
	elif [ "$$CI" = "true" ]; then \
		echo "npm is required in CI (GraphiQL's files)"; exit 1; \
	else \
		echo "warning: npm not found; GraphiQL will load from the CDN"; \
	fi

# The end-to-end tests' Node packages (federation composition, Apollo gateway, playwright-core
# driving Debian's Chromium): pinned, lockfile committed. Without npm those tests skip, except in CI.
e2e-packages: $(E2E)/node_modules/.installed

$(E2E)/node_modules/.installed: $(E2E)/package.json $(E2E)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(E2E) --no-audit --no-fund --ignore-scripts --loglevel=error && touch $@; \
	elif [ "$$CI" = "true" ]; then \
		echo "npm is required in CI (tests/e2e)"; exit 1; \
	else \
		echo "warning: npm not found; the end-to-end tests will skip"; \
	fi

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

$(VENV)/.bench-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $(VENV)/.installed $@

clean:
	rm -rf $(VENV) $(GRAPHIQL)/node_modules $(E2E)/node_modules .mypy_cache .ruff_cache .pytest_cache
