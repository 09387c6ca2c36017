# Two commands on a fresh machine: `make run` (demo on http://127.0.0.1:8000)
# and `make test` (the whole suite). Everything else here is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
# One stamp per requirements file, so that each target installs what it needs: the app
# alone (requirements.txt) or the app with the test and lint tools (requirements-dev.txt).
INSTALLED := $(VENV)/.installed-runtime
INSTALLED_DEV := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev run test smoke screenshots lint format migrate demo clean

$(PY):
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (apt-get install python3 python3-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(INSTALLED): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(INSTALLED_DEV): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(INSTALLED)

install-dev: $(INSTALLED_DEV)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py sync_memory --wait

run: demo
	STATIC_MANIFEST=true $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	STATIC_MANIFEST=true $(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# gunicorn with production settings on a free loopback port: headers, health, static files.
smoke: install-dev
	$(PY) scripts/smoke_serve.py

# The README's screenshots, taken by the browser tests (needs Debian's chromium).
screenshots: install-dev
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots REQUIRE_BROWSER=1 $(PY) -m pytest tests/browser -q

lint: install-dev
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles
