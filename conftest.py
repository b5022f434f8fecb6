"""pytest set-up for the whole tree: the tests in `tests/` and the doctests in `dlcourse/`.

It sits at the root (not in `tests/`) so that its fixtures also reach the doctests that
`--doctest-modules` collects from the package: headless plots, a clean Keras session, the
float32 policy and seed 0 before every test and every docstring, and `np` / `keras` in each
docstring's namespace.
"""

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# One BLAS thread, before NumPy loads, for this process and the kernel it starts, as the
# runner's kernel does (`dlcourse.course.kernel.BLAS_THREADS`: small matrices beside the
# framework's own threads; a pool made them up to 100× slower on this 2-core machine).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# One TensorFlow thread per pool, likewise (and for the kernel, which inherits it): `make
# test`'s two workers and the kernel share two cores, and TensorFlow's thread pools made
# them wait for each other (suite 218.6 s → 205.7 s, 30 s less CPU time, quiet machine).
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import pytest  # noqa: E402

# Keras (and with it TensorFlow) is imported by the fixtures, not here: under pytest-xdist
# the controlling process loads this file too, and it runs no test.

# Never imported by collection, even by `pytest .` (paths relative to this file):
collect_ignore = [
    "dlcourse/__main__.py",  # importing it runs the lesson runner's command line
    "lessons",  # percent scripts: importing one runs the lesson (tests/test_lessons.py does)
    "benchmarks",  # timing scripts, not examples (`make bench`)
    "notebooks",  # generated from lessons/
    "site",  # the site's Sphinx sources (conf.py is Sphinx's, not a test module)
    "build",
    "out",
]
collect_ignore_glob = ["dlcourse/*/__main__.py"]  # e.g. dlcourse/course/__main__.py
# The course tooling (notebooks, site, README table) needs the `notebooks` extra; without it
# its modules cannot even be imported, so their docstrings are not collected either.
if any(importlib.util.find_spec(name) is None for name in ("jupytext", "nbformat")):
    collect_ignore.append("dlcourse/course")


@pytest.fixture(autouse=True, scope="session")
def _doctest_names(doctest_namespace):
    """Names every docstring example may use without importing them."""
    import keras
    import numpy as np

    import dlcourse

    doctest_namespace.update(np=np, keras=keras, dlcourse=dlcourse)


@pytest.fixture(autouse=True)
def _clean_keras_state():
    import keras

    keras.utils.set_random_seed(0)
    yield
    keras.mixed_precision.set_global_policy("float32")
    # free_memory=True would run a full garbage collection after every test (~0.25 s each)
    keras.backend.clear_session(free_memory=False)
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture(scope="session")
def kernel():
    """One Jupyter kernel of this interpreter for the whole session (TensorFlow starts once
    there): the lesson and exercise notebooks run on it, one after another
    (`dlcourse.course.kernel`, the runner's)."""
    pytest.importorskip("nbclient", reason="needs the `notebooks` extra")
    if importlib.util.find_spec("ipykernel") is None:
        pytest.skip("needs the `notebooks` extra (ipykernel)")
    from dlcourse.course.kernel import LessonKernel

    with LessonKernel(cwd=os.path.join(os.path.dirname(__file__), "notebooks")) as shared:
        yield shared


@pytest.fixture(scope="session")
def lesson_outputs(tmp_path_factory):
    """One output root for the session's lesson runs (quick mode, seed 0): `NN_name/` with
    claims.json, figures and the executed notebook, as `make lessons` leaves them.
    `tests/test_lessons.py` fills it; the site's tests build from it."""
    return tmp_path_factory.mktemp("lessons-out")


_IMPORT_PROBE = """\
import json, sys
import dlcourse
after_import = sorted(m for m in sys.modules if m.split('.')[0] in ('dlcourse', 'ipywidgets'))
dlcourse.Playground
after_playground = sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets')
print(json.dumps({"after_import": after_import, "after_playground": after_playground}))
"""


@pytest.fixture(scope="session")
def fresh_import():
    """What a fresh `import dlcourse` loads, then what touching `dlcourse.Playground` adds:
    `{"after_import": [...], "after_playground": [...]}` (module names), from one
    subprocess that every import test shares (TensorFlow starts there once)."""
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------- parallel runs
# `make test` runs the suite on two pytest-xdist workers (`-n`). Every test may go to either
# worker, one at a time, except the tests on the session's Jupyter kernel: those stay
# together on one worker, in collection order, so the kernel starts once and the site's tests
# build from every lesson's outputs (`tests/test_lessons.py` fills `lesson_outputs` first).
# They are collected first, so that their worker starts with them (the longest share).
KERNEL_MODULES = (
    "tests/test_exercise_notebooks.py",
    "tests/test_kernel_fresh.py",
    "tests/test_lessons.py",
    "tests/test_site.py",
)
KERNEL_FIXTURES = {"kernel", "lesson_outputs"}


def _on_the_kernel(nodeid: str) -> bool:
    return nodeid.split("::", 1)[0] in KERNEL_MODULES


def pytest_collection_modifyitems(config, items):
    strays = [
        item.nodeid
        for item in items
        if KERNEL_FIXTURES & set(getattr(item, "fixturenames", ()))
        and not _on_the_kernel(item.nodeid)
    ]
    if strays:
        raise pytest.UsageError(
            f"{strays[0]} uses the session's kernel but its module is not in conftest.py's "
            "KERNEL_MODULES (the modules whose tests share one worker under pytest-xdist)"
        )
    items.sort(key=lambda item: not _on_the_kernel(item.nodeid))  # stable: order kept within


try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest-xdist is optional: without it `-n` and the hook below do not run
    pass
else:

    class KernelTogether(LoadScopeScheduling):
        """xdist's scope scheduling where a scope is the kernel's modules as one, or one test."""

        def _split_scope(self, nodeid):
            return "the session's kernel" if _on_the_kernel(nodeid) else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getoption("dist") == "load":  # `-n`'s default; any other `--dist` is xdist's
        return KernelTogether(config, log)
    return None
