"""The notebooks: generated from the lessons, up to date, and running top to bottom on a kernel.

Each notebook runs on a fresh Jupyter kernel of this interpreter with the inline
matplotlib backend, in quick mode with seed 0, from the repository root, the way a
learner runs it (``DLCOURSE_QUICK=1``, ``DLCOURSE_SEED=0``, ``DLCOURSE_OUT=<tmp>``).
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
pytest.importorskip("jupytext", reason="needs the `notebooks` extra")
# Only look for ipykernel: importing it here would make this process look like a kernel
# to dlcourse.plotting (and the lesson plumbing), and change how the other tests run.
if importlib.util.find_spec("ipykernel") is None:
    pytest.skip("needs the `notebooks` extra (ipykernel)", allow_module_level=True)

from dlcourse import gallery  # noqa: E402
from dlcourse.lesson import find_lessons  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: Seconds one notebook may take in all: kernel start, TensorFlow import and every cell.
NOTEBOOK_TIMEOUT = float(os.environ.get("DLCOURSE_NOTEBOOK_TIMEOUT", 120))
KERNEL_NAME = "dlcourse-python3"


def kernel_env(out):
    """The learner's environment, minus any MPLBACKEND so that ipykernel picks the inline one."""
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    env.update(DLCOURSE_QUICK="1", DLCOURSE_SEED="0", DLCOURSE_OUT=str(out),
               TF_CPP_MIN_LOG_LEVEL=env.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    return env


@pytest.fixture(scope="session")
def kernel_specs(tmp_path_factory):
    """A kernelspec folder with one kernel: this interpreter's ipykernel.

    Kernelspecs installed elsewhere (``~/.local/share/jupyter/kernels/python3``, say, for
    another Python) are not searched, so the notebooks run with the packages under test.
    The kernel is not named ``python3``: for that name jupyter_client imports ipykernel
    into this process.
    """
    folder = tmp_path_factory.mktemp("kernels")
    (folder / KERNEL_NAME).mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (folder / KERNEL_NAME / "kernel.json").write_text(json.dumps(spec))
    return folder


def kernel_manager(kernel_specs):
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    specs = KernelSpecManager(kernel_dirs=[str(kernel_specs)], ensure_native_kernel=False)
    return AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)


def execute(notebook, out, kernel_specs, timeout=NOTEBOOK_TIMEOUT):
    """Run ``notebook`` in place on a fresh kernel within ``timeout`` seconds in all."""
    deadline = time.monotonic() + timeout
    client = nbclient.NotebookClient(
        notebook,
        km=kernel_manager(kernel_specs),
        kernel_name=KERNEL_NAME,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],  # as nbclient does for python3
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic())),
        startup_timeout=int(timeout),
        resources={"metadata": {"path": str(ROOT)}},  # the kernel's working directory
    )
    client.execute(env=kernel_env(out))
    return notebook


def outputs(notebook, output_type=None):
    return [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output_type is None or output.output_type == output_type
    ]


def test_every_lesson_has_an_up_to_date_notebook():
    problems = gallery.stale_notebooks(LESSONS_DIR, NOTEBOOKS_DIR)
    messages = [f"{kind}: notebooks/{name}" for kind, names in problems.items() for name in names]
    assert not messages, "; ".join(messages) + " -- run make notebooks"


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert notebook.metadata.kernelspec.name == "python3", path.name
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"{path.name} has outputs -- run make notebooks"
                )


def test_notebook_generation_is_deterministic():
    lesson = find_lessons(LESSONS_DIR)[0]
    first, second = gallery.notebook_text(lesson), gallery.notebook_text(lesson)
    assert first == second
    notebook = json.loads(first)
    assert "jupytext_version" not in first
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    # the module docstring becomes a markdown cell; the rest mirrors the script's cells
    assert notebook["cells"][0]["cell_type"] == "markdown"
    assert "".join(notebook["cells"][0]["source"]).startswith("Lesson ")
    assert any(cell["cell_type"] == "code" for cell in notebook["cells"])


def test_write_notebooks_creates_updates_and_removes(tmp_path):
    lessons_dir, notebooks_dir = tmp_path / "lessons", tmp_path / "notebooks"
    lessons_dir.mkdir()
    notebooks_dir.mkdir()
    (lessons_dir / "01_a.py").write_text('"""Doc."""\n\n# %% [markdown]\n# # A\n\n# %%\nx = 1\n')
    (notebooks_dir / "02_gone.ipynb").write_text("{}")
    assert gallery.stale_notebooks(lessons_dir, notebooks_dir) == {
        "missing": ["01_a.ipynb"], "stale": [], "orphaned": ["02_gone.ipynb"]}
    changed = gallery.write_notebooks(lessons_dir, notebooks_dir)
    assert sorted(p.name for p in changed) == ["01_a.ipynb", "02_gone.ipynb"]
    assert sorted(p.name for p in notebooks_dir.iterdir()) == ["01_a.ipynb"]
    assert gallery.write_notebooks(lessons_dir, notebooks_dir) == []  # nothing to do
    (lessons_dir / "01_a.py").write_text('"""Doc."""\n\n# %%\nx = 2\n')
    assert gallery.stale_notebooks(lessons_dir, notebooks_dir)["stale"] == ["01_a.ipynb"]


def test_kernel_is_this_interpreter_with_inline_figures(tmp_path, kernel_specs):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "import os, sys, matplotlib\n"
        "print(sys.executable)\nprint(sys.prefix)\nprint(matplotlib.get_backend())\n"
        "print(os.getcwd())"
    )]
    execute(notebook, tmp_path, kernel_specs, timeout=60)
    executable, prefix, backend, cwd = "".join(
        o.text for o in outputs(notebook, "stream")).splitlines()
    assert executable == sys.executable
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert "inline" in backend
    assert Path(cwd).resolve() == ROOT
    assert "ipykernel" not in sys.modules, "this process must not look like a kernel"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, kernel_specs):
    notebook = nbformat.read(path, as_version=4)
    try:
        execute(notebook, tmp_path, kernel_specs)
    except nbclient.exceptions.CellExecutionError as error:  # the traceback says which cell
        pytest.fail(f"{path.name} failed on the kernel:\n{error}")
    except TimeoutError as error:
        pytest.fail(f"{path.name} took more than {NOTEBOOK_TIMEOUT:.0f} s: {error}")

    assert not outputs(notebook, "error")
    report = json.loads((tmp_path / "claims.json").read_text())
    assert report["quick"] is True and report["seed"] == 0
    failed = [c["name"] for c in report["claims"] if not c["holds"]]
    assert report["claims"] and not failed, failed
    images = [o for o in outputs(notebook) if "image/png" in o.get("data", {})]
    assert images, f"{path.name} showed no figure inline"
    assert len(images) >= len(report["figures"]), (
        f"{path.name} showed {len(images)} figures inline but saved {len(report['figures'])}"
    )
