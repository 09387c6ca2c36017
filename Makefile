# Two commands on a fresh machine: `make run` (demo on http://127.0.0.1:8000)
# and `make test` (the whole suite). Everything else here is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test smoke screenshots lint format migrate demo clean

$(INSTALLED): requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is needed (apt-get install python3 python3-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py sync_memory --wait

run: demo
	STATIC_MANIFEST=true $(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C stops)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# gunicorn with production settings on a free loopback port: headers, health, static files.
smoke: install
	$(PY) scripts/smoke_serve.py

# The README's screenshots, taken by the browser tests (needs Debian's chromium).
screenshots: install
	SCREENSHOT_DIR=$(CURDIR)/docs/screenshots REQUIRE_BROWSER=1 $(PY) -m pytest tests/browser -q

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles
