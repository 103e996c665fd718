# Two commands: `make run` (set up, load the sample data, open the dashboard) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
ADDRESS ?= 127.0.0.1
export TASKS_DB ?= data/tasks.duckdb

.PHONY: run test setup setup-dev chromium postgresql mariadb lint format sample bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; fi; }

# Debian's PostgreSQL for the database connector's tests (tests/pg.py runs initdb and starts a
# server of its own on a free loopback port; the package's own cluster is not used).
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi; }

# Debian's MariaDB for the mysql connector's tests (tests/mysql.py runs mariadb-install-db and
# starts a server of its own on a free loopback port; the package's own service is not used).
mariadb:
	@command -v mariadbd >/dev/null 2>&1 || test -x /usr/sbin/mariadbd || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server >/dev/null; fi; }

# The demo: on this machine only, the sample shown read-only to anyone (the guest view, which
# only TASKS_GUEST=1 turns on; ui/auth.py keeps it off behind a proxy or on another ADDRESS).
run: setup
	$(BIN)/python -m analytics bootstrap
	TASKS_GUEST=$${TASKS_GUEST:-1} $(BIN)/python -m streamlit run serve.py --server.port $(PORT) --server.address $(ADDRESS)

test: setup-dev chromium postgresql mariadb
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m pytest

lint: setup-dev
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .

format: setup-dev
	$(BIN)/python -m ruff check --fix .
	$(BIN)/python -m ruff format .

sample: setup
	$(BIN)/python -m sample

bench: setup-dev
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/pages.py

clean:
	rm -rf $(VENV) data/tasks.duckdb data/tasks.duckdb.wal tests/artifacts
