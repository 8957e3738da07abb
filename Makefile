# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
CATALOGUES := app/translations/fr/LC_MESSAGES/messages.po app/translations/en/LC_MESSAGES/messages.po

.PHONY: demo test install translations messages lint

$(BIN)/flask: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/flask

translations: install
	$(BIN)/pybabel compile -d app/translations

demo: translations
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app demo-data
	@echo "Relais is at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers 2 --access-logfile - 'app:create_app()'

test: translations
	$(BIN)/python -m pytest

# After changing strings: extract them and merge them into both catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot app inventory donations logistics templates
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
