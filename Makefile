# OneMap Copilot. Two set-up commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check
ONEMAP := $(VENV)/bin/onemap
SHARED ?= ../shared

.PHONY: demo test bench lint install install-test clean

$(VENV)/.base: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q pip==25.3
	$(PIP) install -q -c constraints.txt -e '.[dev]'
	touch $@

# The sentence-transformers backend is tested offline; torch must come first (CPU wheel on disk).
$(VENV)/.full: $(VENV)/.base
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -c constraints.txt -e '.[dev,sentence-transformers]'
	touch $@

install: $(VENV)/.base
install-test: $(VENV)/.full

demo: install
	$(ONEMAP) demo
	@echo
	@echo "Demo county 示范县 is ingested into ./workspace. Try:"
	@echo "  $(ONEMAP) search '永久基本农田保护面积是多少' --role officer"
	@echo "  $(ONEMAP) search '容积率上限' -k 3 --json"
	@echo "  $(ONEMAP) check demo/projects/P-003.json      # FAR and height over the parcel's conditions"
	@echo "  $(ONEMAP) layers qc"
	@echo "  $(ONEMAP) ingest $(SHARED)/corpus      # the national law and policy corpus"
	@echo "(the HTTP server and chat page come with a later release)"

test: install-test
	$(VENV)/bin/pytest -q

bench: install
	$(PY) bench/retrieval.py
	$(PY) bench/ingest_speed.py
	$(PY) bench/search_latency.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) workspace .pytest_cache
