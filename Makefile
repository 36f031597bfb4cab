# The two commands of the README: `make run` and `make test`.
# Each installs what it needs into .venv first (Python 3.11+, pip, venv).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint browser install demo clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Runs the product on its embedded default (SQLite under ./var, in-process
# jobs) with the demo city loaded the first time, then serves it on :8000.
run: $(STAMP)
	$(BIN)/rectify init
	@if [ ! -f var/.demo-loaded ]; then \
		$(BIN)/rectify demo > var/demo-logins.txt && touch var/.demo-loaded; \
	fi
	@echo "Demo logins (ROLE USERNAME PASSWORD), also in var/demo-logins.txt:"
	@cat var/demo-logins.txt
	$(BIN)/rectify project
	@echo "Web UI: http://127.0.0.1:8000/  (sign in with a demo login above)"
	@echo "API docs: http://127.0.0.1:8000/api/docs   (token: $(BIN)/rectify token admin)"
	$(BIN)/rectify serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian's Chromium for the browser tests (tests/e2e/ui), installed with apt when missing.
browser:
	.ci/ensure-browser

# The whole suite: lint, types, import rules, then every test on SQLite and
# on the machine's PostgreSQL (under CI=true a missing service fails).
test: lint browser
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
