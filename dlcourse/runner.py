"""Run lesson scripts in one process and collect their reports.

Running every lesson in one process pays TensorFlow's start-up once (what
`make lessons` and `dlcourse run` do). Each lesson runs in fresh globals; Keras state
and open figures are cleared between lessons, and a lesson that raises is reported as
crashed without stopping the others.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from dlcourse.header import LESSON_FILE, read_header
from dlcourse.report import LessonReport

__all__ = ["SUMMARY_FILE", "find_lessons", "read_summary", "run_lesson", "run_lessons"]

# The file `run_lessons` writes in its output root: every run's report.
SUMMARY_FILE = "summary.json"


def find_lessons(lessons_dir="lessons", only=None) -> list:
    """Return the lesson scripts `NN_name.py` in `lessons_dir`, sorted by number.

    Args:
        lessons_dir: folder holding the lesson scripts.
        only: optional iterable of lesson numbers or names to keep (`17` or
            `"17_vanishing_gradients"`).

    Raises:
        ValueError: if `lessons_dir` is not a folder, or `only` matches no lesson.
    """
    folder = Path(lessons_dir)
    if not folder.is_dir():
        raise ValueError(
            f"Invalid value for `lessons_dir`: expected a folder of lesson scripts, "
            f"received lessons_dir={str(lessons_dir)!r} (not a folder)"
        )
    paths = sorted(p for p in folder.glob("[0-9][0-9]_*.py") if LESSON_FILE.match(p.name))
    if only:
        wanted = {str(item) for item in only}
        wanted |= {f"{int(item):02d}" for item in only if str(item).isdigit()}
        paths = [p for p in paths if p.stem in wanted or p.stem[:2] in wanted]
        if not paths:
            raise ValueError(f"Invalid value for `only`: no lesson matches {sorted(wanted)}")
    return paths


def run_lesson(path, *, quick=False, seed=0, out=None) -> LessonReport:
    """Run one lesson script in this process and return its report.

    Args:
        path: the lesson script.
        quick: run with the quick budget.
        seed: the lesson's seed.
        out: its output folder (default `out/NN_name`).

    Returns:
        The `LessonReport` it wrote, with `wall_seconds` set, and `error` set when it
        crashed, exited early or wrote no report.
    """
    import runpy

    import keras
    import matplotlib.pyplot as plt

    import dlcourse

    dlcourse._import_components()  # as `import dlcourse` does outside the command line
    path = Path(path)
    header = read_header(path)
    out = Path(out) if out is not None else Path("out") / path.stem
    argv = [str(path), "--seed", str(seed), "--out", str(out)] + (["--quick"] if quick else [])
    claims_file = out / "claims.json"
    if claims_file.exists():
        claims_file.unlink()  # never report a stale result
    saved_argv = sys.argv
    sys.argv = argv
    began = time.perf_counter()
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
    report = LessonReport.read_or_none(claims_file)
    if report is None:
        report = LessonReport(
            lesson=path.stem, title=header.title, seconds=0.0, quick=quick, seed=seed
        )
        error = error or "no claims.json was written (the lesson did not finish)"
    report.wall_seconds = round(time.perf_counter() - began, 3)
    report.error = error
    return report


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


def run_lessons(paths, *, out="out", seeds=(0,), quick=False) -> list:
    """Run `paths` for every seed, print a summary, write `out/summary.json`.

    With one seed, lesson `NN_name` writes to `out/NN_name/`; with several, to
    `out/seedS/NN_name/`.

    Returns:
        The `LessonReport`s, seed by seed, lesson by lesson.
    """
    out = Path(out)
    reports = []
    for seed in seeds:
        for path in paths:
            folder = out / path.stem if len(seeds) == 1 else out / f"seed{seed}" / path.stem
            reports.append(run_lesson(path, quick=quick, seed=seed, out=folder))
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
