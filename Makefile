# Set-up happens here, so a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
GRAPHIQL := src/calendar_gateway/static/graphiql
E2E := tests/e2e
# checkov's own dependency pins clash with ours: it lives in a virtual environment of its own.
CHECKOV := .venv-checkov
KUBERNETES := deploy/kubernetes
# pip itself, pinned: it installs every lock with --require-hashes.
PIP_VERSION := 26.3
UV_COMPILE := $(BIN)/uv pip compile --universal --python-version 3.11 --generate-hashes --quiet \
	--custom-compile-command "make lock"

.PHONY: demo test lint kubernetes-lint typecheck pytest schema graphiql e2e-packages bench lock clean

demo: $(VENV)/.installed graphiql
	$(BIN)/calendar-gateway demo $(if $(PORT),--port $(PORT))

test: $(VENV)/.dev-installed graphiql e2e-packages lint typecheck pytest

lint: kubernetes-lint
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/hadolint Dockerfile

# The example overlay, rendered as kustomize would (tests/deploy: also schema-validated),
# through checkov's Kubernetes checks; offline (--skip-download, see its config).
kubernetes-lint: $(VENV)/.dev-installed $(CHECKOV)/.installed
	@mkdir -p build
	$(BIN)/python -m tests.deploy.kustomize $(KUBERNETES)/overlays/example > build/kubernetes.yaml
	$(CHECKOV)/bin/checkov --config-file $(KUBERNETES)/.checkov.yaml -f build/kubernetes.yaml

$(CHECKOV)/.installed: requirements/checkov.lock
	$(PYTHON) -m venv $(CHECKOV)
	$(CHECKOV)/bin/pip install --quiet pip==$(PIP_VERSION)
	$(CHECKOV)/bin/pip install --quiet --require-hashes -r requirements/checkov.lock
	touch $@

# Every Python dependency, with hashes, from pyproject.toml (tests/test_locks.py checks they agree).
lock: $(VENV)/.dev-installed
	$(UV_COMPILE) pyproject.toml -o requirements/runtime.lock
	$(UV_COMPILE) pyproject.toml --extra dev -o requirements/dev.lock
	$(UV_COMPILE) requirements/build.in -o requirements/build.lock
	$(UV_COMPILE) requirements/checkov.in -o requirements/checkov.lock

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/pytest

# Load on loopback against latency-added simulators; writes docs/benchmarks.md and its chart.
# BENCH_ARGS=--quick runs it in seconds, to see that it works.
bench: $(VENV)/.dev-installed
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

# The locked dependencies (hashes required), then the package itself without dependencies.
$(VENV)/.installed: pyproject.toml requirements/runtime.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet --require-hashes -r requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.dev-installed: pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(VENV)/.installed $@

clean:
	rm -rf $(VENV) $(CHECKOV) build $(GRAPHIQL)/node_modules $(E2E)/node_modules .mypy_cache .ruff_cache .pytest_cache
