"""Every lesson, once: its notebook runs on a Jupyter kernel and its claims hold.

Each lesson's notebook (generated from its script, see `test_notebooks.py`) runs top to
bottom on a kernel of this interpreter with the inline matplotlib backend, in quick
mode with seed 0, in the notebook's folder — the way a learner runs it. One kernel
serves every lesson (TensorFlow starts once); between lessons its namespace is reset
and Keras and matplotlib state are cleared, as the runner does (`dlcourse.runner`).
This one run checks both contracts: the notebook's (no error, figures shown inline)
and the lesson's (`claims.json` well-formed, every claim holds, every figure saved).
"""

import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the `notebooks` extra")
nbclient = pytest.importorskip("nbclient", reason="needs the `notebooks` extra")
# Only look for ipykernel: importing it here would make this process look like a kernel
# to dlcourse.plotting (and the lesson plumbing), and change how the other tests run.
if importlib.util.find_spec("ipykernel") is None:
    pytest.skip("needs the `notebooks` extra (ipykernel)", allow_module_level=True)

from dlcourse.report import LessonReport  # noqa: E402
from dlcourse.runner import find_lessons  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LESSONS = find_lessons(ROOT / "lessons")
NOTEBOOKS_DIR = ROOT / "notebooks"
#: Seconds one lesson's notebook may take in all (the first one also starts the kernel).
NOTEBOOK_TIMEOUT = float(os.environ.get("DLCOURSE_NOTEBOOK_TIMEOUT", 120))
KERNEL_NAME = "dlcourse-python3"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: Run before each notebook on the shared kernel: a fresh namespace, clean Keras and
#: matplotlib state, and this lesson's output folder.
PROLOGUE = """\
%reset -f
import os
os.environ["DLCOURSE_OUT"] = {out!r}
import keras, matplotlib.pyplot as plt
plt.close("all")
keras.mixed_precision.set_global_policy("float32")
keras.backend.clear_session()
"""


def kernel_env():
    """The learner's environment, minus any MPLBACKEND so that ipykernel picks the inline one."""
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update(
        DLCOURSE_QUICK="1",
        DLCOURSE_SEED="0",
        TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"),
    )
    return env


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """One kernel of this interpreter's ipykernel, started in `notebooks/`, for every lesson.

    Kernelspecs installed elsewhere (`~/.local/share/jupyter/kernels/python3`, say, for
    another Python) are not searched, so the notebooks run with the packages under test.
    The kernel is not named `python3`: for that name jupyter_client imports ipykernel
    into this process.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    folder = tmp_path_factory.mktemp("kernels")
    (folder / KERNEL_NAME).mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (folder / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(folder)], ensure_native_kernel=False)
    manager = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    yield manager
    if manager.has_kernel:
        from jupyter_core.utils import run_sync

        run_sync(manager.shutdown_kernel)(now=True)


def execute(notebook, kernel, timeout=NOTEBOOK_TIMEOUT):
    """Run `notebook` in place on the shared kernel within `timeout` seconds in all."""
    deadline = time.monotonic() + timeout
    client = nbclient.NotebookClient(
        notebook,
        km=kernel,
        kernel_name=KERNEL_NAME,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],  # as nbclient does for python3
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        startup_timeout=int(timeout),
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},  # the kernel's working directory
    )
    client.execute(env=kernel_env(), cwd=str(NOTEBOOKS_DIR))  # used when it starts the kernel
    return notebook


def outputs(notebook, output_type=None):
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output_type is None or output.output_type == output_type
    ]


def test_lessons_are_present():
    assert LESSONS, f"no lesson scripts found in {ROOT / 'lessons'}"


def test_kernel_is_this_interpreter_with_inline_figures(kernel):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import os, sys, matplotlib\n"
            "print(sys.executable)\nprint(sys.prefix)\nprint(matplotlib.get_backend())\n"
            "print(os.getcwd())"
        )
    ]
    execute(notebook, kernel)
    executable, prefix, backend, cwd = "".join(
        o.text for o in outputs(notebook, "stream")
    ).splitlines()
    assert executable == sys.executable
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert "inline" in backend
    assert Path(cwd).resolve() == NOTEBOOKS_DIR
    assert "ipykernel" not in sys.modules, "this process must not look like a kernel"


@pytest.mark.parametrize("script", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_as_a_notebook_and_holds_its_claims(script, kernel, tmp_path):
    path = NOTEBOOKS_DIR / f"{script.stem}.ipynb"
    assert path.exists(), f"no notebook for {script.name} -- run make notebooks"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, nbformat.v4.new_code_cell(PROLOGUE.format(out=str(tmp_path))))
    try:
        execute(notebook, kernel)
    except nbclient.exceptions.CellExecutionError as error:  # the traceback says which cell
        pytest.fail(f"{path.name} failed on the kernel:\n{error}")
    except TimeoutError as error:
        pytest.fail(f"{path.name} took more than {NOTEBOOK_TIMEOUT:.0f} s: {error}")
    assert not outputs(notebook, "error")

    report = LessonReport.read(tmp_path)  # checks the schema of claims.json
    assert report.lesson == script.stem
    assert report.quick is True and report.seed == 0
    assert report.seconds > 0
    assert report.claims, "a lesson must measure at least one claim"
    assert not report.failed, [str(claim) for claim in report.failed]

    assert report.figures, "a lesson must save at least one figure"
    for name in report.figures:
        png = tmp_path / name
        assert png.suffix == ".png" and png.exists(), name
        assert png.read_bytes()[:8] == PNG_MAGIC, name
    images = [o for o in outputs(notebook) if "image/png" in o.get("data", {})]
    assert len(images) >= len(report.figures), (
        f"{path.name} showed {len(images)} figures inline but saved {len(report.figures)}"
    )
