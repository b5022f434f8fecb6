# dlcourse: two commands do all the set-up on a fresh clone.
#   make lessons   create .venv, install, run every lesson, build the site (out/site/index.html)
#   make test      create .venv, install, run the test suite (and the docstring examples)
#   make lint      ruff check + ruff format --check (CI runs it); make format rewrites files
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: lessons lessons-quick lessons-all-seeds test venv clean bench
.PHONY: notebooks jupyter docs screenshot playground site
.PHONY: lint format test-lowest check-wheel test-backends test-backends-units

venv: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,notebooks,playground,docs]"
	touch $(STAMP)

# Every lesson as its notebook on one kernel (figures, claims.json and the executed notebook in
# out/NN_name/), then the site from those outputs: out/site/index.html.
lessons: $(STAMP)
	$(PY) -m dlcourse --out out

# The site again from what is already in out/ (no lesson runs); Sphinx rebuilds what changed.
site: $(STAMP)
	$(PY) -m dlcourse.course site --out out

lessons-quick: $(STAMP)
	$(PY) -m dlcourse --quick --out out/quick

# Every claim must hold for seeds 0-4, in quick and in full mode.
lessons-all-seeds: $(STAMP)
	$(PY) -m dlcourse --quick --seeds 0 1 2 3 4 --out out/seeds-quick
	$(PY) -m dlcourse --seeds 0 1 2 3 4 --out out/seeds-full

# Two pytest-xdist workers (conftest.py keeps the tests on the Jupyter kernel on one of them);
# TEST_WORKERS=0 runs the suite in this one process.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS)

# The suite at the lowest versions setup.cfg allows, on the lowest Python supported (3.10), in
# its own venv: uv's lowest-direct resolution installs the minimum of every direct dependency
# (same extras as .venv). uv comes from PyPI into .venv; it never downloads a Python. A 3.10 is
# looked for on PATH, then under pyenv (whose shims answer only for the selected version);
# or name one: make test-lowest PYTHON_LOWEST=/path/to/python3.10
LOWEST := .venv-lowest
LOWEST_STAMP := $(LOWEST)/.installed
UV := $(VENV)/bin/uv
PYTHON_LOWEST ?= $(shell for p in python3.10 $$(pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 \
	$$HOME/.pyenv/versions/3.10*/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10); print(sys.executable)' 2>/dev/null && break; done)

$(UV):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv

$(LOWEST_STAMP): setup.cfg pyproject.toml | $(UV)
	@test -n "$(PYTHON_LOWEST)" || { echo "make test-lowest: no Python 3.10 found (python3.10 on PATH," \
		"or pyenv's 3.10.x); install one, or name it: make test-lowest PYTHON_LOWEST=/path/to/python3.10" >&2; exit 1; }
	rm -rf $(LOWEST)
	$(UV) venv --quiet --python "$(PYTHON_LOWEST)" --python-preference only-system --no-python-downloads $(LOWEST)
	$(UV) pip install --quiet --python $(LOWEST) --resolution lowest-direct -e ".[test,notebooks,playground]"
	touch $(LOWEST_STAMP)

test-lowest: $(LOWEST_STAMP)
	$(LOWEST)/bin/python -m pytest -n $(TEST_WORKERS)

# The installed package alone: build the sdist and the wheel, install the wheel in a clean
# venv outside the checkout, and run a lesson notebook and an exercise notebook copied into
# an empty folder (tools/check_wheel.py; the `build` package and uv come into .venv).
check-wheel: $(STAMP) | $(UV)
	$(PY) -m pip install --quiet build
	$(PY) tools/check_wheel.py

# The other Keras backends: the `jax` and `torch` extras (torch's CPU build) into .venv, then
# per backend the unit tests (not the lesson/notebook/site/playground-browser ones, which
# `make test` runs on TensorFlow) and every lesson in quick mode as scripts.
BACKENDS_STAMP := $(VENV)/.installed-backends
BACKEND_TESTS := tests/test_backend.py tests/test_backend_runs.py tests/test_layers.py tests/test_regularizers.py \
	tests/test_initializers.py tests/test_models.py tests/test_callbacks.py \
	tests/test_diagnostics.py tests/test_gradcheck.py tests/test_scratch_optimizers.py \
	tests/test_sweep.py
$(BACKENDS_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[jax,torch]"
	touch $(BACKENDS_STAMP)

# The float64 gradient checker's tests run on JAX too, not on PyTorch: there Keras computes
# `Dense`'s float64 matmul in float32, so Ng's float64 bands are out of reach (README).
test-backends-units: $(BACKENDS_STAMP)
	for backend in jax torch; do \
		extra=$$([ $$backend = jax ] && echo tests/test_modelcheck.py); \
		KERAS_BACKEND=$$backend $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(BACKEND_TESTS) $$extra \
			|| exit 1; \
	done

test-backends: test-backends-units
	for backend in jax torch; do \
		KERAS_BACKEND=$$backend $(PY) -m dlcourse --quick --runner script --no-site \
			--out out/$$backend || exit 1; \
	done

# ruff (the `lint` extra) checks style and formats; the rules live in pyproject.toml.
LINT_STAMP := $(VENV)/.installed-lint
$(LINT_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[lint]"
	touch $(LINT_STAMP)

lint: $(LINT_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Rewrites files in place: ruff's safe fixes first (they can leave code to reformat), then the
# formatter. What needs a hand is left for `make lint` to list.
format: $(LINT_STAMP)
	$(VENV)/bin/ruff check --fix --exit-zero .
	$(VENV)/bin/ruff format .

# Notebooks, the site and the README table are generated from lessons/ (dlcourse/course/).
# `make lessons` already ends by building the site, out/site/index.html.
notebooks: $(STAMP)
	$(PY) -m dlcourse.course notebooks

JUPYTER_STAMP := $(VENV)/.installed-jupyter
$(JUPYTER_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,notebooks,jupyter]"
	touch $(JUPYTER_STAMP)

# e.g. make jupyter JUPYTER_ARGS="--no-browser --allow-root"
jupyter: $(JUPYTER_STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $(JUPYTER_ARGS)

# The interactive playground (dlcourse.Playground) as a standalone page, served by Voila on
# localhost; e.g. make playground PLAYGROUND_ARGS="--port=8867 --no-browser"
PLAYGROUND_STAMP := $(VENV)/.installed-playground
$(PLAYGROUND_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[playground]"
	touch $(PLAYGROUND_STAMP)

playground: $(PLAYGROUND_STAMP)
	$(VENV)/bin/voila notebooks/playground.ipynb --Voila.ip=127.0.0.1 $(PLAYGROUND_ARGS)

# Thumbnails and the README lesson table (runs, in full mode, lessons with no output in out/).
docs: $(STAMP)
	$(PY) -m dlcourse.course docs --out out

# The site's home page and lesson 17's page rendered by headless Chromium (Debian: apt-get install
# chromium) into docs/site-home.png and docs/site-lesson.png (from out/site/: make lessons first).
screenshot: $(STAMP)
	$(PY) -m dlcourse.course screenshot --out out

clean:
	rm -rf out .pytest_cache build *.egg-info

# Speed against Keras built-ins, the machine's roofline and PyTorch (bench-only extra).
# All of it takes about 45 minutes; some sections: make bench BENCH_ARGS="--only sweep
# --sweep-ways sweep 'fit loop'" (the sections not run keep their last figures, marked).
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench,jax,torch]"
	$(PY) benchmarks/bench.py --out BENCHMARKS.md $(BENCH_ARGS)
