# Every target installs what it needs into .venv by itself.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lint typecheck test pytest coverage bench demo clean lock

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

COVERAGE_MIN ?= 90

# Lint, then the whole suite measured (make coverage): every package must reach COVERAGE_MIN % of lines.
test: lint coverage

# Every pytest exit but 0 fails, "no tests collected" (5) included: a suite that vanished is not green.
pytest: $(STAMP)
	$(BIN)/pytest -q

# The suite under coverage (subprocesses such as `serve` and `demo` included), then a table per package.
coverage: $(STAMP)
	@rm -f .coverage .coverage.*
	@mkdir -p build
	$(BIN)/pytest -q --cov --cov-report=
	@$(BIN)/coverage json -q -o build/coverage.json
	$(BIN)/python .ci/coverage_by_package.py build/coverage.json --fail-under $(COVERAGE_MIN)

bench: $(STAMP)
	$(BIN)/python -m bench

# make demo DEMO_ARGS="--ports 9000,9001,9002 --data-dir /tmp/demo"
demo: $(STAMP)
	$(BIN)/registry-api demo $(DEMO_ARGS)

# The image's pinned production dependencies (Python 3.11, as the image and the tests).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --no-header --quiet -o requirements.lock.new
	{ printf '# Production dependencies of registry-data-factory, pinned with hashes (no [local] servers).\n# Regenerate after changing pyproject.toml: make lock\n'; cat requirements.lock.new; } > requirements.lock
	rm requirements.lock.new

clean:
	rm -rf build var .mypy_cache .pytest_cache .ruff_cache .coverage .coverage.*
