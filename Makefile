# comfyweb: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

# The demo runs a simulated fleet on loopback and a development server with a demo login:
# `make demo PORT=8080 SIM_PORT=8190` to choose their ports.
PORT ?= 8000
SIM_PORT ?= 8189
DEMO_ENV := DEBUG=1 EGRESS_ALLOW_LOOPBACK=1 COMFYCONTROL_API_URL=http://127.0.0.1:$(SIM_PORT) \
	DATABASE_URL=sqlite:///demo.sqlite3

# The production variables of docs/settings.md, for `check --deploy`.
DEPLOY_ENV := DEBUG=0 SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	ALLOWED_HOSTS=comfyweb.example.com SECURE_SSL_REDIRECT=1 SECURE_HSTS_SECONDS=31536000 \
	SECURE_HSTS_INCLUDE_SUBDOMAINS=1 SESSION_COOKIE_SECURE=1 CSRF_COOKIE_SECURE=1

.PHONY: install demo test lint format bench screenshots check-deploy clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

demo: install
	$(DEMO_ENV) $(PY) manage.py demo --addr 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m bench.run

# PNGs of the dashboard, a runner page and the team pages for the docs (needs Debian's chromium).
screenshots: install
	$(PY) docs/screenshots.py
	$(PY) docs/screenshots_teams.py

check-deploy: install
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles demo.sqlite3*
