# The commands people type. `make run` serves the demo; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-unit test-integration test-faults bench bench-quick screenshots lint format migrations install node-modules clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Briefing needs Python 3.11 or newer as $(PYTHON)." >&2; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Cannot create $(VENV): install Debian's python3-venv package." >&2; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

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

## run: set up and serve the demo article on http://$(HOST):$(PORT)/ (uvicorn, ASGI)
run: $(VENV)/.installed-run
	$(MANAGE) migrate --noinput
	$(MANAGE) setup_site
	@if [ "$${DEBUG:-1}" = "0" ]; then $(MANAGE) collectstatic --noinput --verbosity 0; fi
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	@if [ -n "$${REDIS_URL:-}" ]; then \
		$(BIN)/celery -A briefing_site worker --loglevel INFO & worker=$$!; \
		$(BIN)/celery -A briefing_site beat --loglevel INFO & beat=$$!; \
		trap 'kill $$worker $$beat 2>/dev/null; wait $$worker $$beat 2>/dev/null' EXIT INT TERM; \
		$(BIN)/uvicorn briefing_site.asgi:application --host $(HOST) --port $(PORT) --timeout-graceful-shutdown 3; \
	else \
		exec $(BIN)/uvicorn briefing_site.asgi:application --host $(HOST) --port $(PORT) --timeout-graceful-shutdown 3; \
	fi

## test: lint, the suite on the embedded defaults, then on PostgreSQL + Redis with the integration tests, then the fault tests
test: $(VENV)/.installed-test lint test-unit test-integration test-faults

test-unit: $(VENV)/.installed-test
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PY) -m pytest -m "not integration"

test-integration: $(VENV)/.installed-test node_modules/.installed
	.ci/integration $(PY) "not faults"

## test-faults: Redis stopped, a worker killed, PostgreSQL restarted, a poison comment (about 3 minutes)
test-faults: $(VENV)/.installed-test
	.ci/integration $(PY) faults

## bench: load on the real stack (PostgreSQL, Redis, uvicorn with 2 workers), baselines in the same run
bench: $(VENV)/.installed-test
	$(PY) -m tests.bench.run

## bench-quick: every scenario briefly; fails only on lost or doubled writes (CI runs it)
bench-quick: $(VENV)/.installed-test
	$(PY) -m tests.bench.run --quick

## screenshots: refresh the README's pictures (the browser tests, saving into tests/e2e/screenshots/)
screenshots: $(VENV)/.installed-test node_modules/.installed
	BRIEFING_SCREENSHOTS=tests/e2e/screenshots .ci/integration $(PY)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations: $(VENV)/.installed-run
	$(MANAGE) makemigrations articles polls comments

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache .ruff_cache
