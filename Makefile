# dlcourse: two commands do all the set-up on a fresh clone.
#   make lessons   create .venv, install, run every lesson (figures in out/)
#   make test      create .venv, install, run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: lessons lessons-quick lessons-all-seeds test venv clean

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,notebooks]"
	touch $(STAMP)

lessons: $(STAMP)
	$(PY) -m dlcourse --out out

lessons-quick: $(STAMP)
	$(PY) -m dlcourse --quick --out out/quick

# Every claim must hold for seeds 0-4, in quick and in full mode.
lessons-all-seeds: $(STAMP)
	$(PY) -m dlcourse --quick --seeds 0 1 2 3 4 --out out/seeds-quick
	$(PY) -m dlcourse --seeds 0 1 2 3 4 --out out/seeds-full

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf out .pytest_cache build *.egg-info
