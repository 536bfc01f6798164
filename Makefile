# Two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
# Python 3.12, not 3.11: under CPython 3.11 (3.11.2 and 3.11.7 seen) the threaded servers die
# with SIGSEGV (bench/soak/REPRODUCTION.md). python3.12 on the PATH, else pyenv's newest 3.12.
PYTHON ?= $(shell for p in python3.12 $$(ls -d "$$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)"/versions/3.12*/bin/python3.12 \
	2>/dev/null | sort -V | tail -n 1); do "$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null \
	&& { command -v "$$p"; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
# A .venv made by another Python (3.11, before) is made again.
ifneq ($(shell $(BIN)/python -c 'import sys; print(sys.version_info[:2] == (3, 12))' 2>/dev/null || echo none),True)
$(shell rm -rf $(VENV))
endif
HOST ?= 127.0.0.1
PORT ?= 5000
# The app reads them too: links in e-mails follow them when PUBLIC_URL is unset (config.py).
export HOST PORT
export FLASK_APP := wsgi
# A fresh database for `make test-postgres` on the local server; override to point elsewhere.
PG_ADMIN_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PG_TEST_DB ?= clinic_test_$(shell date +%s)_$$$$

.PHONY: run test test-postgres lint install install-dev db seed clean security

$(BIN)/activate:
	@test -n "$(PYTHON)" || { echo "Python 3.12 is needed: python3.12 on the PATH, or pyenv install 3.12" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

db: install
	$(BIN)/flask db upgrade

seed: db
	$(BIN)/flask seed-demo

## Serve the demo site on http://$(HOST):$(PORT) (honours DATABASE_URL).
run: seed
	$(BIN)/flask run --host $(HOST) --port $(PORT)

## The whole suite on SQLite, including browser tests when Chromium is installed.
test: install-dev
	$(BIN)/pytest

## The whole suite against a freshly created PostgreSQL database, dropped afterwards.
test-postgres: install-dev
	@db=$(PG_TEST_DB); \
	$(BIN)/python -m tests.pgdb create "$(PG_ADMIN_URL)" $$db || exit 1; \
	TEST_DATABASE_URL="$$(echo '$(PG_ADMIN_URL)' | sed "s#/[^/]*\$$#/$$db#")" $(BIN)/pytest; status=$$?; \
	$(BIN)/python -m tests.pgdb drop "$(PG_ADMIN_URL)" $$db; exit $$status

## schemathesis, sqlmap and pip-audit against a throwaway demo server on 127.0.0.1 (security/run.sh).
security: install-dev
	bash security/run.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache
