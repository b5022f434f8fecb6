# dlcourse: two commands do all the set-up on a fresh clone.
#   make lessons   create .venv, install, run every lesson (figures in out/)
#   make test      create .venv, install, run the test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: lessons lessons-quick lessons-all-seeds test venv clean bench
.PHONY: notebooks jupyter docs screenshot

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

# Notebooks, the gallery and the README table are generated from lessons/ (dlcourse/gallery.py).
# `make lessons` already ends by writing the gallery, out/index.html.
notebooks: $(STAMP)
	$(PY) -m dlcourse.gallery notebooks

JUPYTER_STAMP := $(VENV)/.installed-jupyter
$(JUPYTER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,notebooks,jupyter]"
	touch $(JUPYTER_STAMP)

# e.g. make jupyter JUPYTER_ARGS="--no-browser --allow-root"
jupyter: $(JUPYTER_STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $(JUPYTER_ARGS)

# Thumbnails and the README lesson table (runs, in full mode, lessons with no output in out/).
docs: $(STAMP)
	$(PY) -m dlcourse.gallery docs --out out

# out/index.html rendered by headless Chromium (Debian: apt-get install chromium).
screenshot: $(STAMP)
	$(PY) -m dlcourse.gallery screenshot --out out

clean:
	rm -rf out .pytest_cache build *.egg-info

# Speed against Keras built-ins, the machine's roofline and PyTorch (bench-only extra).
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/bench.py --out BENCHMARKS.md
