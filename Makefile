# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# Where labels' QR codes, receipts and emails point: this server, as a phone on the same
# network reaches it (the computer's LAN address when serving on every interface).
LINK_HOST := $(if $(filter 0.0.0.0,$(HOST)),$(or $(shell hostname -I 2>/dev/null | cut -d' ' -f1),$(HOST)),$(HOST))
RELAIS_BASE_URL ?= http://$(LINK_HOST):$(PORT)
CATALOGUES := app/translations/fr/LC_MESSAGES/messages.po app/translations/en/LC_MESSAGES/messages.po

.PHONY: demo test install translations messages lint

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# axe-core, which the browser tests inject into each page, comes from npm (tests only).
AXE := tests/e2e/node_modules/axe-core/axe.min.js
NPM := $(shell command -v npm 2>/dev/null)

$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund
	touch $@

install: $(BIN)/flask $(if $(NPM),$(AXE))

translations: install
	$(BIN)/pybabel compile -d app/translations

demo: translations
	$(BIN)/flask --app app db upgrade
	RELAIS_BASE_URL=$(RELAIS_BASE_URL) $(BIN)/flask --app app demo-data
	@echo "Relais is at $(RELAIS_BASE_URL)/ (Ctrl+C stops it)"
	RELAIS_BASE_URL=$(RELAIS_BASE_URL) $(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - 'app:create_app()'

test: translations
	$(BIN)/python -m pytest

# After changing strings: extract them and merge them into both catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot app inventory donations logistics people templates
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
