# Contamap: `make run` serves the API and the map; `make test` runs the suite.
# Without DATABASE_URL both use an embedded PostgreSQL + PostGIS cluster in .contamap/.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := app/static/vendor/maplibre-gl.js
# The whole suite ends with a coverage floor; PYTEST_ARGS runs a part of it without one.
COVERAGE_FLOOR := 85
PYTEST_ARGS ?=
# The database: DATABASE_URL when set, the embedded cluster otherwise.
DB_URL = $${DATABASE_URL:-$$(scripts/pgcluster.sh url)}

.PHONY: help venv db db-stop migrate load assets run test lint bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

venv: $(STAMP) ## create .venv and install the project with its dev tools

$(STAMP): pyproject.toml
	@scripts/python-venv.sh $(PYTHON) $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

db: ## make sure a PostGIS database answers (embedded cluster unless DATABASE_URL is set)
	@if [ -z "$${DATABASE_URL:-}" ]; then scripts/pgcluster.sh start; fi

db-stop: ## stop the embedded cluster
	@scripts/pgcluster.sh stop

migrate: venv db ## alembic upgrade head
	DATABASE_URL=$(DB_URL) $(BIN)/contamap migrate

load: migrate ## load the bundled Azerbaijan dataset (idempotent)
	DATABASE_URL=$(DB_URL) $(BIN)/contamap load

run: load assets ## set everything up and serve on http://$${HOST:-127.0.0.1}:$${PORT:-8000}
	DATABASE_URL=$(DB_URL) $(BIN)/contamap serve

test: venv db assets ## run the whole suite against a throwaway PostGIS database
	DATABASE_URL=$(DB_URL) $(BIN)/pytest $(or $(PYTEST_ARGS),-q --cov=app --cov=geodata --cov-report=term:skip-covered)
	@if [ -z "$(PYTEST_ARGS)" ]; then \
	  $(BIN)/coverage report --fail-under=$(COVERAGE_FLOOR) >/dev/null \
	  || { echo "make test: coverage is below $(COVERAGE_FLOOR) %" >&2; exit 1; }; fi

assets: $(ASSETS) ## npm ci in web/ and copy MapLibre GL JS into app/static/vendor/

$(ASSETS): web/package-lock.json
	@scripts/web-assets.sh

lint: venv db ## ruff, mypy --strict, the import layers (import-linter) and alembic check
	$(BIN)/ruff check app geodata tests migrations bench scripts
	$(BIN)/ruff format --check app geodata tests migrations bench scripts
	$(BIN)/mypy app geodata
	$(BIN)/lint-imports
	DATABASE_URL=$(DB_URL) $(BIN)/python scripts/alembic_check.py

bench: venv db ## benchmarks (bench/); the web-map traffic is sent by wrk, installed if missing
	@command -v wrk >/dev/null || { [ "$$(id -u)" -eq 0 ] && apt-get update -qq \
	  && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
	  || { echo "contamap: the benchmark needs wrk: run 'sudo apt-get install wrk'" >&2; exit 1; }
	DATABASE_URL=$(DB_URL) $(BIN)/python -m bench

clean: ## stop and remove the embedded cluster (wherever it lives) and the venv
	@scripts/pgcluster.sh destroy
	rm -rf $(VENV) .contamap
