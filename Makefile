# The README's two commands are `make run` and `make test`; everything they need
# is installed here, from the lock files, on a fresh machine.

PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000
# Where the links in emails point: where `make run` serves (`make run PORT=8102` links
# to port 8102; a server on every address, HOST=0.0.0.0, is linked at 127.0.0.1).
SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install browser assets run serve migrate demo test lint format check pytest lock clean bench

help:
	@echo "make run    set up, load the demo and serve on http://$(HOST):$(PORT)/"
	@echo "make test   set up and run every check and test (DATABASE_URL picks the database)"
	@echo "make bench  load the largest trust into PostgreSQL and measure the pages under gunicorn"
	@echo "make lock   refresh uv.lock and package-lock.json after changing dependencies"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Re-sync whenever the lock changes; --inexact keeps uv itself in the environment.
$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --locked --inexact --quiet
	@touch $@

# A stamp of our own: npm rewrites its own hidden lock file when the lock changes.
node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

install: $(VENV)/.synced node_modules/.installed

# The browser tests drive Debian's Chromium, never a downloaded browser. As root (CI, a
# fresh machine) it is installed here; elsewhere the tests say how, and CI=true fails.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi
	@[ -x "$(CHROMIUM)" ] || echo "No $(CHROMIUM): the browser tests will be skipped (apt-get install chromium)."
	@# The SAML tests' identity provider (pysaml2) signs with Debian's xmlsec1.
	@if ! command -v xmlsec1 >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian's xmlsec1 for the SAML tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null; \
	fi
	@command -v xmlsec1 >/dev/null || echo "No xmlsec1: the SAML tests will be skipped (apt-get install xmlsec1)."

assets: node_modules/.installed

migrate: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py seed_demo

run: export SITE_URL := $(SITE_URL)
run: demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl+C to stop). Sign in with a login above."
	@echo "Links in emails go to $(SITE_URL)/ (SITE_URL)."
	@# The local test identity provider (Microsoft and Google stand-ins, development only)
	@# runs beside the server on 127.0.0.1:8001, and the local Wonde test server (the new
	@# school's MIS) on 127.0.0.1:8002; both stop with it.
	@$(BIN)/python manage.py run_identity_provider & idp=$$!; \
		$(BIN)/python manage.py run_wonde_test_server & wonde=$$!; \
		trap 'kill $$idp $$wonde 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

check: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_ENV=production SECRET_KEY=check-deploy-only-$$(date +%s)-not-a-real-secret-key-0123456789 \
		ALLOWED_HOSTS=contact.example.org DATABASE_URL=postgres://check@127.0.0.1:5432/check-only \
		MIS_TOKEN_KEY=$$($(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The suite on every core: pytest-xdist, one test database per worker (PYTEST_WORKERS=0
# runs it in this process, for a debugger). PYTEST_ARGS is passed on as it is.
PYTEST_WORKERS ?= auto
PYTEST_DIST ?= load
pytest: install browser
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS)

test: lint check pytest

# Not part of `make test`: PostgreSQL at BENCH_DATABASE_URL (default: the local server's
# contactpolicy_bench database, created and seeded on the first run), wrk from Debian.
bench: install
	$(BIN)/python bench/run.py

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: | $(UV)
	$(UV) lock
	npm install --package-lock-only --no-audit --no-fund

clean:
	rm -rf $(VENV) node_modules staticfiles
