"""Every lesson, once: its notebook runs on a Jupyter kernel and its claims hold.

Each lesson's notebook (generated from its script, see `test_notebooks.py`) runs top to
bottom on a kernel of this interpreter with the inline matplotlib backend, in quick
mode with seed 0, in the notebook's folder — the way a learner runs it. One kernel
serves every lesson (TensorFlow starts once); between lessons its namespace is reset
and Keras and matplotlib state are cleared, as the runner does (`dlcourse.runner`).
The kernel is the runner's (`dlcourse.course.kernel`), so this also tests what `make
lessons` runs; it is the session's (`kernel` in conftest.py), shared with the exercises.
This one run checks both contracts: the notebook's (no error, figures shown inline)
and the lesson's (`claims.json` well-formed, every claim holds, every figure saved).
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the `notebooks` extra")
nbclient = pytest.importorskip("nbclient", reason="needs the `notebooks` extra")
# Only look for ipykernel: importing it here would make this process look like a kernel
# to dlcourse.plotting (and the lesson plumbing), and change how the other tests run.
if importlib.util.find_spec("ipykernel") is None:
    pytest.skip("needs the `notebooks` extra (ipykernel)", allow_module_level=True)

from dlcourse.course.kernel import prologue  # noqa: E402
from dlcourse.report import LessonReport  # noqa: E402
from dlcourse.runner import find_lessons, run_lesson  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LESSONS = find_lessons(ROOT / "lessons")
NOTEBOOKS_DIR = ROOT / "notebooks"
#: Seconds one lesson's notebook may take in all (the first one also starts the kernel).
NOTEBOOK_TIMEOUT = float(os.environ.get("DLCOURSE_NOTEBOOK_TIMEOUT", 120))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def execute(notebook, kernel, before=None):
    """Run `notebook` in place on the shared kernel within the timeout."""
    return kernel.execute(notebook, timeout=NOTEBOOK_TIMEOUT, before=before)


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
    execute(notebook, kernel, before=prologue(quick=True, seed=0, out=NOTEBOOKS_DIR / "out",
                                              cwd=NOTEBOOKS_DIR))  # fmt: skip
    executable, prefix, backend, cwd = "".join(
        o.text for o in outputs(notebook, "stream")
    ).splitlines()
    assert executable == sys.executable
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert "inline" in backend
    assert Path(cwd).resolve() == NOTEBOOKS_DIR
    assert "ipykernel" not in sys.modules, "this process must not look like a kernel"


@pytest.mark.parametrize("script", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_as_a_notebook_and_holds_its_claims(script, kernel, lesson_outputs):
    path = NOTEBOOKS_DIR / f"{script.stem}.ipynb"
    assert path.exists(), f"no notebook for {script.name} -- run make notebooks"
    out = lesson_outputs / script.stem  # the site's tests build from these outputs
    run = run_lesson(script, quick=True, seed=0, out=out, kernel=kernel)
    if run.error:  # the traceback says which cell
        pytest.fail(f"{path.name} failed on the kernel:\n{run.error}")
    notebook = nbformat.read(out / path.name, as_version=4)  # the executed notebook
    assert not outputs(notebook, "error")

    report = LessonReport.read(out)  # checks the schema of claims.json
    assert report.lesson == script.stem
    assert report.quick is True and report.seed == 0
    assert report.seconds > 0
    assert report.claims, "a lesson must measure at least one claim"
    assert not report.failed, [str(claim) for claim in report.failed]

    assert report.figures, "a lesson must save at least one figure"
    for name in report.figures:
        png = out / name
        assert png.suffix == ".png" and png.exists(), name
        assert png.read_bytes()[:8] == PNG_MAGIC, name
    images = [o for o in outputs(notebook) if "image/png" in o.get("data", {})]
    assert len(images) >= len(report.figures), (
        f"{path.name} showed {len(images)} figures inline but saved {len(report.figures)}"
    )
