# The few commands people type. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Checks that run with DEBUG off need a key; this one is for the checks only.
CHECK_ENV := SECRET_KEY=insecure-check-only-key-0123456789-abcdefghijklmnopqrstuvwxyz DEBUG=false

# Front-end libraries: installed by npm from package-lock.json, copied into static files.
NPM ?= npm
VENDOR_STAMP := exhibit/static/vendor/openseadragon/openseadragon.min.js

.PHONY: install assets run test lint format check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# iiif-prezi3 pins Pillow<=12.0 for helpers we do not use; see pyproject.toml.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip install --quiet --no-deps 'iiif-prezi3==3.1.1'
	touch $@

# npm ci writes node_modules/.package-lock.json, so it reruns only when the lockfile changes.
# --include=dev: the test tools (axe-core) are installed even where NODE_ENV=production; they
# stay in node_modules and are never copied into static files.
node_modules/.package-lock.json: package-lock.json package.json
	@command -v $(NPM) >/dev/null 2>&1 || { \
	  echo "npm was not found: install Node.js 18+ with npm to build the front-end assets" >&2; \
	  exit 1; }
	$(NPM) ci --include=dev --no-audit --no-fund
	touch $@

$(VENDOR_STAMP): node_modules/.package-lock.json scripts/build-assets.mjs
	$(NPM) run --silent build

assets: $(VENDOR_STAMP)

install: $(VENV)/.installed assets

run: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput
	DEBUG=true $(BIN)/python manage.py load_demo
	@echo
	@echo "No admin account is created for you. To make one:"
	@echo "    DEBUG=true $(BIN)/python manage.py createsuperuser"
	@echo "Then log in at http://127.0.0.1:$(PORT)/admin/"
	@echo
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: install
	$(CHECK_ENV) $(BIN)/python manage.py check
	$(CHECK_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

# One worker per core; each test file stays on one worker (its browser and fixtures with it).
PYTEST_WORKERS ?= auto
test: lint check
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

clean:
	rm -rf $(VENV) staticfiles screenshots .pytest_cache node_modules exhibit/static/vendor
