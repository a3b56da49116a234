# OneMap Copilot. Two set-up commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip --disable-pip-version-check
ONEMAP := $(VENV)/bin/onemap
SHARED ?= ../shared
POSTGIS_CONTROL := /usr/share/postgresql/15/extension/postgis.control
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || command -v sudo)

# llama-cpp-python compiles from source (about 4 min on 2 cores) and crashes on the first decode in
# these VMs unless AMX is off. No pip cache: a cached wheel might have been built with other flags.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF

.PHONY: demo test bench lint install install-test llm postgis browser clean

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

$(VENV)/.llm: $(VENV)/.base
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install -q --no-cache-dir -c constraints.txt -e '.[llm]'
	touch $@

install: $(VENV)/.base
install-test: $(VENV)/.full
llm: $(VENV)/.llm

demo: install llm
	$(ONEMAP) demo
	$(ONEMAP) graph build
	$(ONEMAP) model fetch
	@echo
	@echo "Demo county 示范县 is ingested into ./workspace. Try:"
	@echo "  $(ONEMAP) search '永久基本农田保护面积是多少' --role officer"
	@echo "  $(ONEMAP) search '容积率上限' -k 3 --json"
	@echo "  $(ONEMAP) check demo/projects/P-003.json      # FAR and height over the parcel's conditions"
	@echo "  $(ONEMAP) layers qc"
	@echo "  $(ONEMAP) graph chain --zone SF-03                  # 规划传导: a unit over its share of the county cap"
	@echo "  $(ONEMAP) graph authority 永久基本农田转为建设用地"
	@echo "  $(ONEMAP) ingest $(SHARED)/corpus      # the national law and policy corpus"
	@echo "  $(ONEMAP) ask '城镇开发边界调整由谁审批？'          # a cited answer (in another terminal)"
	@echo "  $(ONEMAP) ask 'P-003项目是否符合规划？' --role officer  # the check tools answer, the model explains"
	@echo "Serving the page and the API at http://127.0.0.1:8000 (reference: /docs); Ctrl-C stops it."
	@echo "Keys for the staff routes: $(ONEMAP) keys add NAME --role officer"
	$(ONEMAP) serve

# The backend contract tests start a throwaway PostgreSQL 15 + PostGIS cluster (tests/postgis_cluster.py).
postgis:
	test -f $(POSTGIS_CONTROL) || { $(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15-postgis-3; }

# The browser tests (tests/web) drive Debian's Chromium through Playwright, which never downloads a browser of
# its own; a CJK font lets the headless browser draw the page's Chinese.
browser:
	test -x $(CHROMIUM) -a -f $(CJK_FONT) || { $(SUDO) apt-get update -q && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-wqy-microhei; }

test: install-test llm postgis browser
	ONEMAP_REQUIRE_POSTGIS=1 ONEMAP_REQUIRE_LLM=1 ONEMAP_REQUIRE_BROWSER=1 $(VENV)/bin/pytest -q

bench: install postgis
	$(PY) bench/spatial.py
	$(PY) bench/retrieval.py
	$(PY) bench/ingest_speed.py
	$(PY) bench/search_latency.py
	$(PY) bench/load.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) workspace .pytest_cache
