# Neighborhood Leader. `make run` starts everything; `make test` runs the whole suite.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV := .venv
PY := $(VENV)/bin/python

# A working Python >= 3.12: each candidate is run, because a name on PATH (a pyenv shim, say) may
# exist and still fail. PYTHON=/path/to/python3.12 overrides the search.
PYTHON_CANDIDATES := $(PYTHON) python3.14 python3.13 python3.12 python3 python \
	$(wildcard /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]) \
	$(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3)
FIND_PYTHON = for p in $(PYTHON_CANDIDATES); do \
	  if "$$p" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$p"; exit 0; fi; \
	done; exit 1

.PHONY: help install run test bench lint format clean

help: ## List the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@python=$$($(FIND_PYTHON)) || { echo "Python 3.12 or newer is required: install it, or set PYTHON=/path/to/python3.12." >&2; exit 1; }; \
	echo "Using $$python ($$($$python --version))"; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then rm -rf $(VENV); fi; \
	[ -x $(PY) ] || "$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	@touch $@

install: $(VENV)/.installed ## Create .venv with everything the app and its tests need

run: install ## Start the app with PostgreSQL, broker, worker and beat at http://127.0.0.1:8000
	@$(PY) -m lib.stack run

test: install ## Run the whole test suite against real PostgreSQL
	@$(PY) -m lib.stack test $(ARGS)

bench: install ## Print the benchmark table
	@$(PY) -m lib.stack bench $(ARGS)

lint: install ## Check code style (ruff) and the apps' import ladder (import-linter)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install ## Fix code style (ruff)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean: ## Remove .venv and the embedded data (var/)
	rm -rf $(VENV) var
