# Cabas — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint install migrate seed serve messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(BIN)/cabas migrate --noinput

seed: migrate
	$(BIN)/cabas seed-demo

serve: install
	DEBUG=$${DEBUG:-1} $(BIN)/cabas runserver $(HOST):$(PORT)

demo: seed serve

test: install
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/lint-imports --no-cache

messages: install
	cd src/cabas && ../../$(BIN)/cabas makemessages -l fr --no-obsolete && ../../$(BIN)/cabas compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
