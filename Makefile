# The commands people type. `make run` serves the demo; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The app makes its default SITE_URL (every absolute link) from these.
export HOST PORT

# uv installs exactly what uv.lock holds (docs/development.md says why uv).
# It lives in a venv of its own, at this exact version, outside the project's.
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON := $(PYTHON)
LOCK_MISMATCH := uv.lock does not match pyproject.toml: run `make lock` and commit uv.lock

.PHONY: run serve test test-unit test-integration test-faults bench bench-quick screenshots lint format migrations install install-test lock lock-check upgrade node-modules clean

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Briefing needs Python 3.11 or newer as $(PYTHON)." >&2; exit 1; }
	@$(PYTHON) -m venv $(TOOLS) || \
		{ echo "Cannot create $(TOOLS): install Debian's python3-venv package." >&2; exit 1; }
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

## lock-check: fail in one line if uv.lock was not refreshed after pyproject.toml changed
lock-check: | $(UV)
	@$(UV) lock --locked --quiet 2>/dev/null || { echo '$(LOCK_MISMATCH)' >&2; exit 1; }

## lock: write uv.lock again after a change to pyproject.toml (versions already locked stay)
lock: | $(UV)
	$(UV) lock

## upgrade: every dependency to its newest release within pyproject.toml's ranges, then the tests
upgrade: | $(UV)
	$(UV) lock --upgrade
	$(MAKE) test

# The runtime set alone; --inexact keeps the test tools of an earlier `make test`.
install: lock-check
	$(UV) sync --locked --inexact

install-test: lock-check
	$(UV) sync --locked --extra test

# axe-core for the browser tests' accessibility checks, exactly as package-lock.json pins it.
# Like chromium, Debian's npm is installed when the machine allows it (root, apt).
node_modules/.installed: package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's npm for the accessibility tests" >&2; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null 2>&1 \
			|| (apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm >/dev/null 2>&1) \
			|| echo "could not install npm" >&2; \
	fi
	@msg="npm is missing: the accessibility tests need axe-core from npm (apt-get install npm)"; \
	if command -v npm >/dev/null 2>&1; then \
		echo "npm ci --no-audit --no-fund"; npm ci --no-audit --no-fund && touch $@; \
	elif [ "$${CI:-}" = "true" ] || [ "$${CI:-}" = "1" ]; then \
		echo "$$msg" >&2; exit 1; \
	else \
		echo "$$msg; they will skip" >&2; \
	fi

node-modules: node_modules/.installed

# Lighthouse for the bench's page scores, exactly as bench/lighthouse/package-lock.json pins it.
LIGHTHOUSE := bench/lighthouse/node_modules/.installed
$(LIGHTHOUSE): bench/lighthouse/package.json bench/lighthouse/package-lock.json
	@command -v npm >/dev/null 2>&1 || \
		{ echo "npm is missing: the bench's Lighthouse scores need it (apt-get install npm)" >&2; exit 1; }
	cd bench/lighthouse && npm ci --no-audit --no-fund
	@touch $@

## run: set up and serve the demo article on http://$(HOST):$(PORT)/ (uvicorn, ASGI)
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_site
	@if [ "$${DEBUG:-1}" = "0" ]; then $(MANAGE) collectstatic --noinput --verbosity 0; fi
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@if [ -n "$${REDIS_URL:-}" ]; then \
		$(BIN)/celery -A briefing_site worker --loglevel INFO & worker=$$!; \
		$(BIN)/celery -A briefing_site beat --loglevel INFO & beat=$$!; \
		trap 'kill $$worker $$beat 2>/dev/null; wait $$worker $$beat 2>/dev/null' EXIT INT TERM; \
		$(BIN)/uvicorn briefing_site.asgi:application --host $(HOST) --port $(PORT) --timeout-graceful-shutdown 3 --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-}"; \
	else \
		exec $(BIN)/uvicorn briefing_site.asgi:application --host $(HOST) --port $(PORT) --timeout-graceful-shutdown 3 --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-}"; \
	fi

## serve: the production shape on http://$(HOST):$(PORT)/: nginx, gunicorn, uvicorn for the streams, Celery worker and beat (needs DATABASE_URL, REDIS_URL, SECRET_KEY; docs/operations.md)
serve: install
	$(PY) deploy/serve.py --host $(HOST) --port $(PORT)

## test: lint, the suite on the embedded defaults, then on PostgreSQL + Redis with the integration tests, then the fault tests
test: install-test lint test-unit test-integration test-faults

# Each xdist worker has its own in-memory SQLite database: nothing here is shared.
test-unit: install-test
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PY) -m pytest -m "not integration" -n auto

test-integration: install-test node_modules/.installed
	.ci/integration $(PY) "not faults"

## test-faults: Redis stopped, a worker killed, PostgreSQL restarted, a poison comment (about 3 minutes)
test-faults: install-test
	.ci/integration $(PY) faults

## bench: load on the real stack (PostgreSQL, Redis; uvicorn, gunicorn and make serve side by side), baselines in the same run
bench: install-test $(LIGHTHOUSE)
	$(PY) -m tests.bench.run

## bench-quick: every scenario briefly; fails only on lost or doubled writes or a page answering other than 2xx (CI runs it)
bench-quick: install-test $(LIGHTHOUSE)
	$(PY) -m tests.bench.run --quick

## screenshots: refresh the pictures in the README and docs/ (the browser tests, saving into tests/e2e/screenshots/)
screenshots: install-test node_modules/.installed
	BRIEFING_SCREENSHOTS=tests/e2e/screenshots .ci/integration $(PY)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: install
	$(MANAGE) makemigrations articles polls comments

clean:
	rm -rf $(VENV) $(TOOLS) node_modules bench/lighthouse/node_modules staticfiles .pytest_cache .ruff_cache
