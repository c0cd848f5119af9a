# Jajo: `make up` runs the system, `make test` runs the tests. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE   := node_modules/.package-lock.json

.PHONY: up down clean logs status test test-unit test-browser screenshots drills bench bench-scale demo rebuild reseal retention-due install events-doc lint

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[embedded,test]"
	touch $(STAMP)

# Front-end packages for the portal (and the browser tests' axe-core), from npm: again when the lock file changes.
$(NODE): package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $(NODE)

install: $(STAMP) $(NODE)

up: $(STAMP) $(NODE)  ## start the whole system on this machine (embedded Kafka and MongoDB; docker-compose.yml is separate)
	$(PY) -m jajo.stack up

down:  ## stop exactly what `make up` started
	@test -x $(PY) && $(PY) -m jajo.stack down || true

status: $(STAMP)
	$(PY) -m jajo.stack status

clean: down  ## remove the embedded stack's data
	rm -rf .data

logs:
	tail -n 50 -F .data/logs/*.log

test: $(STAMP) $(NODE)  ## unit, integration and end-to-end tests (embedded Kafka and MongoDB unless given)
	$(PY) -m pytest -q

lint: $(STAMP)  ## ruff (lint and format check) and mypy over jajo, services, bench and tests
	$(PY) -m ruff check jajo services bench tests demo
	$(PY) -m mypy
	$(PY) -m ruff format --check jajo services bench tests demo

test-unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

screenshots: $(STAMP) $(NODE)  ## refresh docs/portal/*.png from the browser test's own pages
	PORTAL_SCREENSHOTS=docs/portal $(PY) -m pytest -q -m browser tests/browser/test_program_year.py

test-browser: $(STAMP) $(NODE)  ## only the portal's browser tests (headless Chromium)
	$(PY) -m pytest -q -m browser tests/browser

drills: $(STAMP)  ## long fault drills against the real stack
	$(PY) -m pytest -q -m drill --run-drills tests/drills

bench: $(STAMP)  ## benchmarks: ratios against the stack's bare limits, measured in one run
	$(PY) -m bench

bench-scale: $(STAMP)  ## national scale (issue 17): 1M events through Kafka into the read models, audit paging/export over 1M records, as_of over ~1M (docs/benchmarks.md; hours)
	$(PY) -m bench.national --events 1000000
	$(PY) -m bench.audit_scale --events 1000000
	$(PY) -m bench.asof --large 910

demo: $(STAMP)  ## load a 2025 program year through the public APIs of a running stack and print the report
	$(PY) -m demo

rebuild: $(STAMP)  ## rebuild reporting's read models from the audit history
	$(PY) -m services.reporting.cli rebuild

reseal: $(STAMP)  ## one-off: seal personal fields stored in plain text before they were sealed (docs/privacy.md)
	$(PY) -m services.reporting.cli reseal

retention-due: $(STAMP)  ## list the members due for erasure (retention period ended; ids only): a dry run
	$(PY) -m services.registration.cli retention --dry-run

events-doc: $(STAMP)  ## write docs/events.md from the services' event declarations (services/*/events.py)
	$(PY) -m jajo.events_doc
