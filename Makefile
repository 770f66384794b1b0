# EnvGrid — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-dev lint format bench clean-data messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## Set up and start the whole product on SQLite with demo data.
run: install
	@scripts/run.sh

## Set up and run the whole suite: lint (ruff check, ruff format --check, layers), then SQLite, then PostgreSQL
## when reachable.
test: install-dev
	@scripts/test.sh

## Lint only: what `make test` runs first.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/check_layers.py

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Quick runs of every benchmark (full runs: drop --quick; see docs/performance.md).
bench: $(VENV)/.installed-bench
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b --quick || exit 1; done

## Recompile translations after editing envgrid/locale/*/LC_MESSAGES/django.po (needs gettext).
messages: install-dev
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=data
	$(BIN)/python manage.py compilemessages --ignore=.venv
