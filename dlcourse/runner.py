"""Run lessons, collect their reports, and keep each run as an executed notebook.

Two ways to run a lesson, both paying TensorFlow's start-up once for all lessons:

- **as its notebook** (`run_lesson(..., kernel=...)`, what `make lessons` does): the
  lesson's notebook, generated from its script (`dlcourse.course.notebooks`), runs on
  one shared Jupyter kernel (`dlcourse.course.kernel`) and is written, with its outputs,
  to `OUT/NN_name/NN_name.ipynb`: prose, code, printed values and figures where they
  belong, which the site (`dlcourse.course.site`) shows without running anything again.
  Needs the `notebooks` extra.
- **as a script, in this process** (`run_lesson(...)`, `dlcourse --runner script`):
  `runpy` in fresh globals; no notebook is written.

Either way Keras state and open figures are cleared between lessons, and a lesson
that raises is reported as crashed without stopping the others.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from pathlib import Path

from dlcourse.header import find_lessons, read_header
from dlcourse.report import LessonReport

__all__ = [
    "SUMMARY_FILE",
    "find_lessons",
    "notebook_route_available",
    "read_summary",
    "run_lesson",
    "run_lessons",
]

#: The file `run_lessons` writes in its output root: every run's report.
SUMMARY_FILE = "summary.json"
#: Seconds one lesson's notebook may take in all (the first one also starts the kernel).
NOTEBOOK_TIMEOUT = 600.0
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def notebook_route_available() -> bool:
    """Whether lessons can run as notebooks here (the `notebooks` extra is installed)."""
    import importlib.util

    return all(
        importlib.util.find_spec(name) is not None
        for name in ("jupytext", "nbformat", "nbclient", "ipykernel")
    )


def _notebook_dir(path: Path) -> Path:
    """Where a lesson's notebook lives and runs: `notebooks/` beside `lessons/`, if any."""
    folder = path.resolve().parent.parent / "notebooks"
    return folder if folder.is_dir() else path.resolve().parent


def _run_notebook(path: Path, kernel, *, quick, seed, out: Path):
    """Run the lesson's notebook on `kernel`, write it to `out/NN_name.ipynb`; the error."""
    import nbclient
    import nbformat

    from dlcourse.course.kernel import prologue
    from dlcourse.course.notebooks import notebook_text

    cwd = _notebook_dir(path)
    notebook = nbformat.reads(notebook_text(path, cwd), as_version=4)
    error = None
    try:
        kernel.execute(
            notebook,
            timeout=NOTEBOOK_TIMEOUT,
            before=prologue(quick=quick, seed=seed, out=out, cwd=cwd),
        )
    except nbclient.exceptions.CellExecutionError as failure:
        if failure.ename == "ClaimFailed":  # what SystemExit(1) is to a script
            error = f"exited with status 1 ({failure.ename}: {failure.evalue})"
        else:
            error = _ANSI.sub("", str(failure))
    except Exception:  # a timeout, a dead kernel: reported, the others still run
        error = traceback.format_exc()
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, out / f"{path.stem}.ipynb")
    return error


def run_lesson(path, *, quick=False, seed=0, out=None, kernel=None) -> LessonReport:
    """Run one lesson and return its report.

    Args:
        path: the lesson script.
        quick: run with the quick budget.
        seed: the lesson's seed.
        out: its output folder (default `out/NN_name`).
        kernel: a `dlcourse.course.kernel.LessonKernel`: run the lesson as its notebook
            there and write the executed notebook `out/NN_name.ipynb`. Default: run the
            script in this process.

    Returns:
        The `LessonReport` it wrote, with `wall_seconds` set, and `error` set when it
        crashed, exited early or wrote no report.
    """
    path = Path(path)
    header = read_header(path)
    out = Path(out) if out is not None else Path("out") / path.stem
    claims_file = out / "claims.json"
    if claims_file.exists():
        claims_file.unlink()  # never report a stale result
    executed = out / f"{path.stem}.ipynb"
    if executed.exists():
        executed.unlink()  # nor a stale notebook
    began = time.perf_counter()
    if kernel is not None:
        error = _run_notebook(path, kernel, quick=quick, seed=seed, out=out)
    else:
        error = _run_script(path, quick=quick, seed=seed, out=out)
    report = LessonReport.read_or_none(claims_file)
    if report is None:
        report = LessonReport(
            lesson=path.stem, title=header.title, seconds=0.0, quick=quick, seed=seed
        )
        error = error or "no claims.json was written (the lesson did not finish)"
    report.wall_seconds = round(time.perf_counter() - began, 3)
    report.error = error
    return report


def _run_script(path: Path, *, quick, seed, out: Path):
    """Run the lesson script in this process, in fresh globals; the error, if any."""
    import runpy

    import keras
    import matplotlib.pyplot as plt

    import dlcourse

    dlcourse._import_components()  # as `import dlcourse` does outside the command line
    argv = [str(path), "--seed", str(seed), "--out", str(out)] + (["--quick"] if quick else [])
    saved_argv = sys.argv
    sys.argv = argv
    error = None
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (0, None):
            error = f"exited with status {stop.code}"
    except Exception:  # a broken lesson must not stop the others
        error = traceback.format_exc()
    finally:
        sys.argv = saved_argv
        plt.close("all")
        keras.mixed_precision.set_global_policy("float32")
        keras.backend.clear_session()
    return error


def _print_report(report) -> None:
    """What a lesson run as a notebook printed about its claims (the notebook keeps the rest)."""
    print(f"== Lesson {report.lesson}: {report.title} (notebook, seed {report.seed}) ==")
    for claim in report.claims:
        print(f"  {claim}")


def _print_summary(reports) -> None:
    print("\n== Summary ==")
    for r in reports:
        held = len(r.claims) - len(r.failed)
        print(
            f"  {r.status.upper():<7} {r.lesson:<28} seed {r.seed}  "
            f"{held}/{len(r.claims)} claims  {r.wall_seconds:6.1f} s"
        )
        if r.status == "crashed":
            print("        " + r.error.strip().splitlines()[-1])


def run_lessons(paths, *, out="out", seeds=(0,), quick=False, notebooks=False) -> list:
    """Run `paths` for every seed, print a summary, write `out/summary.json`.

    With one seed, lesson `NN_name` writes to `out/NN_name/`; with several, to
    `out/seedS/NN_name/`.

    Args:
        paths: lesson scripts (`find_lessons`).
        out: the output root.
        seeds: the seeds to run each lesson with.
        quick: run with the quick budgets.
        notebooks: run each lesson as its notebook on one shared kernel and keep the
            executed notebook (`run_lesson(..., kernel=...)`); default: in this process.

    Returns:
        The reports (`LessonReport`), seed by seed, lesson by lesson.
    """
    out = Path(out)
    reports = []
    kernel = None
    if notebooks:
        from dlcourse.course.kernel import LessonKernel

        kernel = LessonKernel()
    try:
        for seed in seeds:
            for path in paths:
                folder = out / path.stem if len(seeds) == 1 else out / f"seed{seed}" / path.stem
                report = run_lesson(path, quick=quick, seed=seed, out=folder, kernel=kernel)
                if kernel is not None:
                    _print_report(report)
                reports.append(report)
    finally:
        if kernel is not None:
            kernel.shutdown()
    _print_summary(reports)
    out.mkdir(parents=True, exist_ok=True)
    summary = {"quick": quick, "seeds": list(seeds), "lessons": [r.to_dict() for r in reports]}
    (out / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    passed = sum(r.passed for r in reports)
    print(f"{passed}/{len(reports)} lesson runs passed; summary in {out / SUMMARY_FILE}")
    return reports


def read_summary(out) -> list:
    """The reports in `out/summary.json` (an empty list when there is none)."""
    path = Path(out) / SUMMARY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    reports = []
    for item in data.get("lessons", []) if isinstance(data, dict) else []:
        try:
            reports.append(LessonReport.from_dict(item, source=path))
        except ValueError:
            continue
    return reports
