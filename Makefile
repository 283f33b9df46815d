# BrightCart platform. Two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
export DAGSTER_HOME ?= $(CURDIR)/.brightcart/dagster_home

.PHONY: install system-deps bench demo test test-fast test-snowflake lint dev simulate lock clean dashboard

install: $(STAMP) $(MANIFEST)

# Virtual environment with the locked packages (uv installs a lock in seconds; stock pip 23 cannot resolve it).
# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set, every process (each dlt, dbt and Dagster run)
# would otherwise compile its imports again, ~5 CPU s each (docs/benchmarks/bench-notes.md).
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# dagster-dbt reads this manifest; it is built here once, never on import.
$(MANIFEST): $(STAMP) $(shell find dbt_project/models dbt_project/macros dbt_project/seeds -type f 2>/dev/null) dbt_project/dbt_project.yml
	cd dbt_project && ../$(BIN)/dbt deps --quiet && ../$(BIN)/dbt parse --quiet
	touch $(MANIFEST)

demo: install
	$(BIN)/brightcart demo

system-deps:
	scripts/system-deps.sh

test: install system-deps lint
	$(BIN)/python -m pytest

# Snowflake SQL without an account: every model compiles for the Snowflake target and the
# Snowflake-marked tests run (fakesnow where it serves). CI runs the live variant when secrets exist.
test-snowflake: install
	$(BIN)/python -m pytest -m snowflake

test-fast: install
	$(BIN)/python -m pytest -m "not browser and not chaos and not bench"

lint: install
	$(BIN)/ruff check brightcart_pipeline tests deploy
	# The dbt templater compiles models; an in-memory DuckDB keeps lint independent of any warehouse file.
	cd dbt_project && DBT_BRIGHTCART_DUCKDB_PATH=:memory: ../$(BIN)/sqlfluff lint models --processes 2

dev: install
	mkdir -p $(DAGSTER_HOME) && cp -n dagster.yaml $(DAGSTER_HOME)/dagster.yaml || true
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

simulate: install
	$(BIN)/brightcart simulate

# Marketing and Finance dashboards on http://127.0.0.1:8501 (numbers through brightcart_pipeline.metrics).
dashboard: install
	$(BIN)/brightcart dashboard

# Performance lives here, never in timed tests: records/s, CPU and peak RSS per stage at a stated scale.
bench: install
	$(BIN)/brightcart bench --scale $(or $(SCALE),0.001) --days $(or $(DAYS),1) $(if $(RATE_LIMITS),--rate-limits) \
		$(if $(INCREMENT),--increment) $(foreach source,$(SOURCES),--source $(source))

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf .brightcart dbt_project/target dbt_project/dbt_packages dbt_project/logs
