# ptce-sim: two commands do everything on a fresh machine.
#   make run   -> create .venv, install, run the Seignanx 1970-2015 scenario
#   make test  -> create .venv, install with test extras, run the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= scenarios/seignanx_1970_2015.toml
SEED ?= 0
# numpy without its AVX-512 kernels: the code paths the reference digests were made on, so that
# results are bit-identical on every AVX2 machine (ptce_sim/__init__.py says why)
export NPY_DISABLE_CPU_FEATURES ?= X86_V4 AVX512_ICL AVX512_SPR
# the calibrated posterior `make validate` draws each seed's parameters from, once `make calibrate`
# has written it (until then the scenario's own values, and the report says so)
POSTERIOR ?= scenarios/posteriors/seignanx_1970_2015.parquet

# A Python >= 3.12: the first of python3.13, python3.12, python3 that runs and is recent enough
# (pyenv shims that are not selected fail to run and are skipped; pyenv's own versions are tried too).
PYTHON_BOOT := $(shell for p in python3.13 python3.12 python3 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p || echo $$p; } && break; done)

.PHONY: run test install bench validate calibrate reference dashboard screenshots lint mutation clean translations

# the French and English catalogues (ptce_sim/runs/i18n.py): the .po files are in git, the .mo
# files are compiled here (and by `make translations`); a missing or stale .mo is compiled in
# memory from its .po at run time, so nothing is to be done by hand
LOCALE := ptce_sim/locale
PYBABEL := $(VENV)/bin/pybabel

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON_BOOT)" ]; then echo "ptce-sim needs Python >= 3.12 (Mesa 3.4+ requires it): install python3.12 and retry." >&2; exit 1; fi
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dashboard,batch]'
	$(PY) -c 'from ptce_sim.runs.i18n import compile_catalogues; compile_catalogues()'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/ptce-sim run $(SCENARIO) --seed $(SEED) --out results/seignanx_1970_2015

# the suite on TEST_WORKERS processes (pytest-xdist), a test module per worker at a time so that
# a module's shared runs are made once: on 2 cores about half the time of one process; `auto`
# takes one per core (the browser tests' load budgets assume a machine not much busier than that)
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(PY) benchmarks/run.py
	$(PY) benchmarks/batch.py
	$(PY) benchmarks/dashboard.py

# the calibration report in docs/ (20 seeds of the full-scale run, a few minutes)
validate: $(STAMP)
	@# the displacement study runs whether or not the fit meets its goal; the exit status is the
	@# validation's (1: goal not met, 2: bad input) unless the study fails
	$(VENV)/bin/ptce-sim validate $(SCENARIO) scenarios/targets/seignanx.toml --replicates 20 --workers 2 --out docs $(if $(wildcard $(POSTERIOR)),--posterior $(POSTERIOR)); \
	status=$$?; [ $$status -eq 2 ] && exit 2; \
	$(VENV)/bin/ptce-sim displacement $(SCENARIO) --replicates 10 --scale 0.25 --workers 2 --out docs && exit $$status

# calibration with uncertainty (experiments/calibration/seignanx.toml): a design table of 2,500
# runs at scale 0.1 over the priors, ABC on it, the posterior in scenarios/posteriors/ and its
# report in docs/calibration.md. About TWO HOURS on 2 cores; interrupted, it continues where it
# stopped (the runs are kept in results/calibration/); it prints how long it took.
calibrate: $(STAMP)
	$(VENV)/bin/ptce-sim calibrate experiments/calibration/seignanx.toml --workers 2 --resume

# the reference digests that lock results (tests/test_reference.py); regenerate them, with
# `make validate`, in any commit that changes results, and say what moved in docs/CHANGES.md
reference: $(STAMP)
	$(PY) -m ptce_sim.runs.reference tests/reference/digests.json

# the live dashboard on http://127.0.0.1:8765/ (or: make dashboard DASHBOARD_PORT=9000 DASHBOARD_HOST=0.0.0.0)
DASHBOARD_HOST ?= 127.0.0.1
DASHBOARD_PORT ?= 8765
dashboard: $(STAMP)
	$(VENV)/bin/ptce-sim dashboard --host $(DASHBOARD_HOST) --port $(DASHBOARD_PORT)

# the README's screenshots of the dashboard (needs Chromium, see the README)
screenshots: $(STAMP)
	$(PY) -m ptce_sim.interfaces.dashboard.screenshots --out docs/img

# mutation testing of the agents and mechanisms (mutmut; outside `make test` and CI, an hour or
# more on 2 cores; results cached in mutants/, so a rerun resumes): see docs/testing.md
mutation: $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	$(PY) benchmarks/mutation.py

# after changing a message in the code: extract the marked messages (babel.cfg), add the new ones
# to both catalogues (English: filled with themselves; French: to translate, which
# tests/test_i18n.py demands), drop the ones gone, compile
translations: $(STAMP)
	$(PYBABEL) extract -F babel.cfg --no-location --sort-output -o $(LOCALE)/ptce_sim.pot ptce_sim
	$(PYBABEL) update -i $(LOCALE)/ptce_sim.pot -d $(LOCALE) -D ptce_sim --no-fuzzy-matching --ignore-obsolete --width 100
	$(PY) -c 'from ptce_sim.runs.i18n import fill_english; fill_english()'
	$(PY) -c 'from ptce_sim.runs.i18n import compile_catalogues; compile_catalogues()'

# the lint rules and formatting of pyproject.toml ([tool.ruff]); ruff is pinned in the test extras
# (installed with them), and tests/test_lint.py runs the same two checks in `make test`
lint: $(STAMP)
	$(VENV)/bin/ruff check ptce_sim tests benchmarks experiments scenarios
	$(VENV)/bin/ruff format --check ptce_sim tests benchmarks experiments scenarios

clean:
	rm -rf $(VENV) results .pytest_cache mutants
