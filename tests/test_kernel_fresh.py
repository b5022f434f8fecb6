"""On the shared kernel, each notebook starts as in a fresh process: what one notebook
changes outside its own names (a module attribute, Keras's float type, NumPy's settings
and global random state, matplotlib's rcParams, the environment) does not reach the next."""

import json

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the `notebooks` extra")

from dlcourse.course.kernel import prologue  # noqa: E402

PROBE = """\
import json, os, random
import keras, matplotlib, numpy as np
import dlcourse.plotting, dlcourse.datasets
print(json.dumps({
    "style": repr(dlcourse.plotting.STYLE), "added": hasattr(dlcourse.datasets, "extra"),
    "floatx": keras.config.floatx(), "policy": keras.mixed_precision.global_policy().name,
    "precision": np.get_printoptions()["precision"], "divide": np.geterr()["divide"],
    "numpy_draw": float(np.random.get_state()[1][0]), "random": random.getstate()[1][0],
    "linewidth": matplotlib.rcParams["lines.linewidth"], "env": os.environ.get("MY_FLAG"),
}))
"""

CHANGE = """\
import os, random
import keras, matplotlib, numpy as np
import dlcourse.plotting, dlcourse.datasets
dlcourse.plotting.STYLE = {"changed": True}
dlcourse.datasets.extra = 1
keras.config.set_floatx("float64")
keras.mixed_precision.set_global_policy("mixed_float16")
np.set_printoptions(precision=2)
np.seterr(divide="ignore")
np.random.seed(123)
np.random.rand(5)
random.seed(7)
matplotlib.rcParams["lines.linewidth"] = 9
os.environ["MY_FLAG"] = "set"
print(keras.config.floatx())
"""


def _run(kernel, code, folder):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code)]
    kernel.execute(notebook, timeout=120, before=prologue(quick=True, seed=0, out=folder,
                                                          cwd=folder))  # fmt: skip
    return "".join(
        o.get("text", "") for o in notebook.cells[0].outputs if o.output_type == "stream"
    )


def test_a_notebooks_changes_do_not_reach_the_next(kernel, tmp_path):
    before = json.loads(_run(kernel, PROBE, tmp_path))
    assert _run(kernel, CHANGE, tmp_path).strip() == "float64"  # it did change them
    after = json.loads(_run(kernel, PROBE, tmp_path))
    assert after == before
    assert before["floatx"] == "float32" and before["env"] is None and not before["added"]


def test_the_kernel_gets_one_blas_thread_unless_the_environment_chose(monkeypatch):
    from dlcourse.course import kernel

    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv(kernel.BLAS_THREADS, raising=False)
    env = kernel._kernel_env()
    assert env[kernel.BLAS_THREADS] == "1" and "MPLBACKEND" not in env
    monkeypatch.setenv(kernel.BLAS_THREADS, "4")
    assert kernel._kernel_env()[kernel.BLAS_THREADS] == "4"
