# autopyfactory: developer entry points.
#   make demo   create .venv, install (with every extra), run the factory on its embedded defaults
#   make test   install test dependencies (Python and system), run ruff, mypy and pytest
# A site installs only what it uses: pip install autopyfactory[monitor|postgres|htcondor|testbed|all]

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
PIP     = $(BIN)/python -m pip --disable-pip-version-check -q
# pytest-xdist workers of make test/pytest (0: one process). More workers than cores pays: most tests
# wait on processes and sockets. Tests sharing a machine-wide resource run in one worker (tests/conftest.py).
PYTEST_WORKERS ?= 3
PYTEST_XDIST    = -n $(PYTEST_WORKERS) --dist loadgroup

.PHONY: demo test venv install install-test lint typecheck pytest benchmarks clean packages docs

$(BIN)/python:
	@scripts/make-venv.sh "$(PYTHON)" "$(VENV)"

venv: $(BIN)/python

install: venv
	$(PIP) install -e '.[all]'

install-test: venv
	$(PIP) install -e '.[all,test]'
	@scripts/install-system-deps.sh

demo: install
	$(BIN)/autopyfactory demo

lint: install-test
	$(BIN)/ruff check src tests benchmarks packaging scripts
	$(BIN)/ruff format --check src tests benchmarks packaging scripts

typecheck: install-test
	$(BIN)/mypy src

pytest: install-test
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test: install-test
	$(BIN)/ruff check src tests benchmarks packaging scripts
	$(BIN)/ruff format --check src tests benchmarks packaging scripts
	$(BIN)/mypy src
	@scripts/shellcheck.sh
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# Debian packages and EL9 RPMs into dist/packages (docs/packaging.md)
packages: install-test
	$(BIN)/python packaging/build.py --out dist/packages

# the documentation site into build/site; a warning fails the build
docs: install-test
	$(BIN)/mkdocs build --strict

benchmarks: install
	$(BIN)/python benchmarks/cycle_scale.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache demo-run
