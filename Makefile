# Cabas — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint install migrate seed serve worker messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# axe-core (accessibility checks in the browser tests), from the npm registry, pinned in package-lock.json
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $(AXE)

install: $(STAMP)

# The demo runs in development mode (DEBUG=1: the development secret key, e-mails on the console);
# production sets SECRET_KEY and runs `cabas migrate` itself.
migrate: install
	mkdir -p var
	DEBUG=$${DEBUG:-1} $(BIN)/cabas migrate --noinput

seed: migrate
	DEBUG=$${DEBUG:-1} $(BIN)/cabas seed-demo

# The server and, beside it, one worker of the task queue (transport planning, e-mails), stopped with it.
serve: install
	DEBUG=$${DEBUG:-1} $(BIN)/cabas worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-1} $(BIN)/cabas runserver $(HOST):$(PORT)

worker: install
	DEBUG=$${DEBUG:-1} $(BIN)/cabas worker

demo: seed serve

test: install $(AXE)
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/lint-imports --no-cache

messages: install
	cd src/cabas && DEBUG=1 ../../$(BIN)/cabas makemessages -l fr -l nl --no-obsolete && DEBUG=1 ../../$(BIN)/cabas compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache
