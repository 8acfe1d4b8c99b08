# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_CORE := $(VENV)/.installed-core
STAMP_DEV  := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_CORE): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP_CORE)

demo: $(STAMP_CORE)
	$(VENV)/bin/staffing demo

test: $(STAMP_DEV)
	$(PY) -m ruff check staffing tests examples benchmarks
	$(PY) -m pytest -q

lint: $(STAMP_DEV)
	$(PY) -m ruff check staffing tests examples benchmarks

bench: $(STAMP_DEV)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
