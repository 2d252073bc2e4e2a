# DSO Desktop — the commands a newcomer types: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test test-long lint mutants bench bench-large bundle bundle-smoke bundle-kit bundle-story clean help

help:
	@echo "make demo   - start DSO Desktop in training mode (embedded ISDS simulator)"
	@echo "make test   - run the test suite (offscreen)"
	@echo "make lint   - ruff and mypy"
	@echo "make mutants - mutation testing of zfo/, the store's evidence rules, sync/, update/"
	@echo "               (mutmut; summary in build/mutants/summary.md; see docs/testing.md)"
	@echo "make bench  - benchmarks, writes benchmarks/results.json and docs/performance.md"
	@echo "make bench-large - the million-message benchmarks (archive cached in"
	@echo "               DSO_BENCH_CACHE, default ~/.cache/dso-bench), merged into results.json"
	@echo "make bundle - PyInstaller onedir bundle from installer.spec"
	@echo "make bundle-story - two real bundles (build/bundle-kit) through the client story:"
	@echo "               install from a loopback portal, small update, withdraw, broken"
	@echo "               release, managed install (slow test; reuses an up-to-date kit)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml setup.py src/dso_desktop/zfo/_cder.c | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(STAMP_DEV): pyproject.toml setup.py src/dso_desktop/zfo/_cder.c | $(PY)
	$(PY) -m pip install --quiet -e '.[test,dev]'
	@touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	@$(PY) -m dso_desktop.gui.qtcheck
	$(VENV)/bin/dso-desktop --demo

test: $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

test-long: $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q --runslow $(PYTEST_ARGS)

# Test lines against product lines (issue 20: at least 0.8; see docs/testing.md).
.PHONY: test-ratio
test-ratio:
	$(PYTHON) scripts/test_ratio.py --min 0.8

lint: $(STAMP_DEV)
	$(VENV)/bin/ruff check src tests updater benchmarks
	$(VENV)/bin/mypy

# MUTANTS_ARGS: e.g. --keep (reuse earlier results), --sample 150 (a random sample of each
# group: a kill rate with its 95 % interval in minutes) or mutant name globs for a quick run.
mutants: $(STAMP_DEV)
	$(PY) scripts/mutants.py $(MUTANTS_ARGS)

# portal_update_real measures the real bundles of build/bundle-kit when they are up to date
# (`make bundle-kit`); DSO_BENCH_BUILD_BUNDLE=1 makes the bench build them.
bench: $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen DSO_BENCH_BUNDLE_KIT=build/bundle-kit $(PY) -m benchmarks.run

bench-large: $(STAMP_DEV)
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks.run --large

bundle: $(STAMP_DEV)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(VENV)/bin/pyinstaller --noconfirm --clean installer.spec

bundle-smoke: $(STAMP_DEV)
	$(PY) -m pip install --quiet -e '.[bundle]'
	DSO_BUNDLE_SMOKE=1 bash scripts/bundle-smoke.sh build/smoke

# Two PyInstaller builds (the second reuses the first's cache) after a throw-away key
# ceremony; reused while src/, resources/ and installer.spec are unchanged.
bundle-kit: $(STAMP_DEV)
	$(PY) -m pip install --quiet -e '.[bundle]'
	$(PY) -m updater.bundlekit build/bundle-kit

bundle-story: bundle-kit
	QT_QPA_PLATFORM=offscreen DSO_BUNDLE_KIT=build/bundle-kit $(PY) -m pytest -q --runslow \
		-p no:cacheprovider tests/integration/test_update_real_bundle.py

clean:
	rm -rf build dist mutants .pytest_cache .mypy_cache .ruff_cache
