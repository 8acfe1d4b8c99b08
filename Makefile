# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP_CORE := $(VENV)/.installed-core
STAMP_DEV  := $(VENV)/.installed-dev
STAMP_DOCS := $(VENV)/.installed-docs

.PHONY: demo test test-pulp4 lint bench mutation clean docs docs-serve

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The demo install has what the README's examples and docs/tutorial.md use, plots included
# (tests/test_blocks_off.py checks their imports against it).
$(STAMP_CORE): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[plot]"
	touch $@

$(STAMP_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP_CORE)

# The dev tools and the documentation site's (the strict site build is one of the tests).
$(STAMP_DOCS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev,docs]"
	touch $@ $(STAMP_DEV) $(STAMP_CORE)

demo: $(STAMP_CORE)
	$(VENV)/bin/staffing demo

# tests/test_docs_site.py builds the site once, strictly (mkdocs.yml), inside pytest.
test: $(STAMP_DOCS)
	$(PY) -m ruff check staffing tests examples benchmarks docs/hooks.py docs/griffe_numpy.py
	$(PY) -m pytest -q

# The documentation site into site/ (git-ignored), strict: warnings are errors.
docs: $(STAMP_DOCS)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

# Serve it at http://127.0.0.1:8000, rebuilding on every change.
docs-serve: $(STAMP_DOCS)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --strict

# The model on Python 3.12+ with PuLP 4 (its own solver API), when such a Python is
# installed: CI runs it after `make test`; it skips with a message otherwise.
PY312 ?= $(shell for c in python3.13 python3.12; do \
	$$c -c "import sys" >/dev/null 2>&1 && { command -v $$c; exit 0; }; done; \
	v=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | head -n 1); \
	[ -n "$$v" ] && PYENV_VERSION=$$v pyenv which python 2>/dev/null)
PULP4_TESTS := tests/test_policy.py tests/test_quota_model.py tests/test_rotation.py \
	tests/test_partnerships.py tests/test_baseline.py tests/test_horizon.py tests/test_fair.py \
	tests/test_post_holding.py tests/test_planner_controls.py tests/test_blocks_off.py \
	tests/test_principals.py tests/test_head_teacher_load.py tests/test_mental_health.py \
	tests/test_post_levels.py tests/test_balance_model.py tests/test_remote.py \
	tests/test_balance_block.py tests/test_build_fast.py \
	tests/test_warm.py::test_own_optimum_comes_back_before_any_search \
	tests/test_warm.py::test_a_start_breaking_new_move_caps_is_repaired \
	tests/test_warm.py::test_cbc_uses_the_warm_start_too

test-pulp4:
	@if [ -z "$(PY312)" ]; then echo "test-pulp4: no python3.12 here, skipped"; exit 0; fi; \
	[ -x .venv312/bin/python ] || $(PY312) -m venv .venv312; \
	.venv312/bin/python -m pip install --quiet --upgrade pip && \
	.venv312/bin/python -m pip install --quiet -e . "pytest>=7.4" "hypothesis>=6.90" && \
	.venv312/bin/python -c "import pulp; print('PuLP', pulp.__version__)" && \
	.venv312/bin/python -m pytest -q -p no:cacheprovider $(PULP4_TESTS)

lint: $(STAMP_DEV)
	$(PY) -m ruff check staffing tests examples benchmarks docs/hooks.py docs/griffe_numpy.py

# Mutation check of the rule modules ([tool.mutmut] in pyproject.toml; docs/testing.md).
# Slow (minutes), so not part of `make test`. Prints every surviving mutant.
mutation: $(STAMP_DEV)
	rm -rf mutants
	nice -n 10 $(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results

bench: $(STAMP_DEV)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .venv312 build site *.egg-info .pytest_cache .ruff_cache mutants
