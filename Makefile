# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CHECKOV_STAMP := .venv-checkov/.installed
PORT ?= 7071

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint lock bench screenshots clean chromium libreoffice

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --quiet --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(PY) -m pip install --quiet --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# checkov pins libraries of its own that clash with the app's: it gets a virtualenv of its own.
$(CHECKOV_STAMP): requirements-checkov.txt
	test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r requirements-checkov.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## run: the app on Azurite at http://localhost:$(PORT) (Ctrl-C stops both)
run: install
	$(PY) -m devhost --port $(PORT)

## test: the whole suite (starts its own Azurite on free ports, in memory; the web app's
## browser tests drive Debian's chromium, and the workbook tests save a workbook with
## LibreOffice Calc as clients do: both installed here where they are missing)
test: install $(CHECKOV_STAMP) chromium libreoffice
	$(PY) -m ruff check .
	$(PY) -m pytest

chromium:
	command -v chromium >/dev/null || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium)

libreoffice:
	command -v libreoffice >/dev/null || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends \
		libreoffice-calc)

lint: install
	$(PY) -m ruff check .

## lock: resolve requirements.in and requirements-dev.txt into requirements.txt and
## constraints.txt from the registry (KEEP=1 keeps today's versions where they still fit)
lock:
	PYTHON=$(PYTHON) scripts/lock.sh

## bench: the benchmarks (not part of `make test`)
bench: install
	$(PY) bench/durable_overhead.py
	$(PY) bench/parse.py
	$(PY) bench/render.py
	$(PY) bench/ingest.py
	SCENARIOS=fresh,baseline,churn,warm $(PY) bench/ingest.py
	$(PY) bench/api.py
	$(PY) bench/web.py
	$(PY) bench/exclusions.py
	$(PY) bench/rate_limits.py
	$(PY) bench/import.py

## screenshots: PNGs of every report type and web page in docs/screenshots/ (installs pdftoppm, chromium)
screenshots: install
	command -v pdftoppm >/dev/null && command -v chromium >/dev/null || \
		($(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q poppler-utils chromium)
	$(PY) scripts/screenshots.py
	$(PY) scripts/web_screenshots.py

clean:
	rm -rf $(VENV) .venv-checkov node_modules .azurite .pytest_cache .ruff_cache
