# Karcis: `make run` serves the demo, `make test` runs the whole suite.
# Needs only Python >= 3.11 and make; everything else is installed into .venv.

PYTHON ?= python3
PORT ?= 8000
HOST ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# The demo runs as production does (debug off), on this machine only, with a secret key made
# for this checkout on first start (var/secret_key). Set these yourself to override them.
export KARCIS_SECRET_KEY_FILE ?= $(CURDIR)/var/secret_key
export KARCIS_ALLOWED_HOSTS ?= 127.0.0.1,localhost,[::1]
export KARCIS_SECURE_COOKIES ?= 0
# Mail the demo sends is written to files in var/mail-out instead of leaving the machine.
export KARCIS_EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
export KARCIS_EMAIL_FILE_PATH ?= $(CURDIR)/var/mail-out
export KARCIS_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test test-only lint setup demo bench-desk bench-sla bench-queue bench-mail bench-events translations clean help

help:
	@echo "make run    set up, migrate, load the demo and serve http://$(HOST):$(PORT)"
	@echo "make test   set up and run the whole test suite"
	@echo "make lint   ruff, the import contracts, mypy and the migration check"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Karcis needs Python 3.11 or newer; found " + sys.version.split()[0])'
	@echo "==> creating $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "==> installing Karcis and its dependencies (first time: a minute or two)"
	$(BIN)/pip install --quiet --progress-bar on -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	@echo "==> installing the test tools"
	$(BIN)/pip install --quiet --progress-bar on -e '.[dev]'
	@touch $@

setup: $(VENV)/.installed
	@mkdir -p var/static  # collectstatic's target; the demo serves files from the apps
	@$(BIN)/karcis compiletranslations
	@$(BIN)/karcis migrate --no-input -v 1

demo: setup
	@$(BIN)/karcis demo_load

# The scheduler (periodic jobs: sending due mail, polling IMAP mailboxes) runs beside the
# web server and stops with it.
run: demo
	@$(BIN)/karcis demo_logins --port $(PORT)
	@echo "==> serving on http://$(HOST):$(PORT)  (Ctrl+C stops); mail sent goes to var/mail-out/"
	@$(BIN)/karcis scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/uvicorn karcis.asgi:application --host $(HOST) --port $(PORT) --log-level warning

translations: $(VENV)/.installed
	@$(BIN)/karcis compiletranslations

test: $(VENV)/.installed-dev translations test-only

test-only:
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	KARCIS_TESTING=1 $(BIN)/karcis makemigrations --check --dry-run

bench-desk: $(VENV)/.installed-dev
	$(BIN)/python bench/desk.py $(BENCH_ARGS)

bench-sla: $(VENV)/.installed-dev
	$(BIN)/python bench/sla.py $(BENCH_ARGS)

bench-queue: $(VENV)/.installed-dev
	$(BIN)/python bench/queues.py $(BENCH_ARGS)

bench-mail: $(VENV)/.installed-dev
	$(BIN)/python bench/mail.py $(BENCH_ARGS)

bench-events: $(VENV)/.installed-dev
	$(BIN)/python bench/events.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
