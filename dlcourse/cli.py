"""The `dlcourse` command (also `python -m dlcourse`): run the lessons, build the site.

Examples::

    dlcourse                          # every lesson, full mode, seed 0; the site in out/site/
    dlcourse --quick --only 11 13     # some lessons, quick mode
    dlcourse --seeds 0 1 2 3 4        # every claim for several seeds
    dlcourse --runner script          # run the scripts in this process (no notebooks)
    dlcourse exercises check my.py    # check every exercise function my.py defines
    dlcourse exercises list           # the exercises, by notebook
    dlcourse exercises hint update_lr --level 2
    dlcourse --backend jax --quick    # on another Keras backend (or KERAS_BACKEND=jax)

Each lesson runs as its notebook on one shared Jupyter kernel, and its executed
notebook is kept in `out/NN_name/` (`dlcourse.runner`); the documentation site
(`dlcourse.course.site`) is then built from those outputs into `out/site/`, without
running anything again. It exits with status 1 if any claim fails. `--help` answers
at once: TensorFlow is imported only when lessons run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["exercises_main", "exercises_parser", "main", "parser"]


def parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    cli = argparse.ArgumentParser(
        prog="dlcourse",
        description="Run dlcourse lessons (TensorFlow starts once), write their figures, "
        "claims and executed notebooks, then build the site (out/site/index.html). "
        "Exit status 1 if any claim fails. `dlcourse exercises --help`: check your solutions "
        "to the course's programming exercises.",
    )
    cli.add_argument("--lessons", default="lessons", help="folder of lesson scripts")
    cli.add_argument("--out", default="out", help="output root (one folder per lesson)")
    cli.add_argument("--quick", action="store_true", help="small budgets (as the tests use)")
    cli.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds to run")
    cli.add_argument(
        "--only", nargs="+", help="lesson numbers (03: both 03a and 03b), labels (03b) or names"
    )
    cli.add_argument(
        "--runner",
        choices=("notebook", "script"),
        default=None,
        help="run each lesson as its notebook on one kernel, keeping the executed notebook "
        "(default, needs the `notebooks` extra), or as a script in this process",
    )
    cli.add_argument(
        "--backend",
        choices=("tensorflow", "jax", "torch"),
        default=None,
        help="the Keras backend to run the lessons on (default: the KERAS_BACKEND environment "
        "variable, else Keras's default, TensorFlow); each claims.json records it",
    )
    cli.add_argument("--no-site", action="store_true", help="do not build OUT/site/")
    cli.add_argument(
        "--strict-site", action="store_true", help="fail (status 1) on any Sphinx warning"
    )
    return cli


def exercises_parser() -> argparse.ArgumentParser:
    """The parser of `dlcourse exercises ...`."""
    cli = argparse.ArgumentParser(
        prog="dlcourse exercises",
        description="The course's programming exercises: check your solutions, list the "
        "exercises, get a hint. Exit status 1 if a check does not pass.",
    )
    commands = cli.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check every exercise function a file defines")
    check.add_argument("files", nargs="+", help="Python files with your solutions")
    commands.add_parser("list", help="the exercises, by notebook")
    hint = commands.add_parser("hint", help="a hint for one exercise")
    hint.add_argument("name", help="the exercise, e.g. update_parameters_with_adam")
    hint.add_argument("--level", type=int, default=1, choices=(1, 2, 3),
                      help="1 a nudge, 2 the formula in use, 3 the line itself")  # fmt: skip
    return cli


def exercises_main(argv) -> int:
    """`dlcourse exercises ...`; returns the exit status."""
    args = exercises_parser().parse_args(argv)
    from dlcourse import exercises

    if args.command == "list":
        notebook = None
        for exercise in exercises.EXERCISES.values():
            if exercise.notebook != notebook:
                notebook = exercise.notebook
                print(f"{notebook}:")
            print(f"  {exercise.name}({', '.join(exercise.arguments)})")
        return 0
    try:
        if args.command == "hint":
            print(exercises.hint(args.name, args.level))
            return 0
        reports = [report for path in args.files for report in exercises.check_file(path)]
    except ValueError as error:
        print(f"dlcourse exercises: error: {error}", file=sys.stderr)
        return 2
    for report in reports:
        print(report, end="\n\n")
    passed = sum(report.passed for report in reports)
    print(f"{passed} of {len(reports)} exercises pass")
    return 0 if passed == len(reports) else 1


def main(argv=None) -> int:
    """Run the command line with `argv` (default `sys.argv[1:]`); return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["exercises"]:
        return exercises_main(argv[1:])
    args = parser().parse_args(argv)
    if args.backend is not None:
        loaded = sys.modules.get("keras")
        if loaded is not None and loaded.backend.backend() != args.backend:
            print(
                f"dlcourse: error: --backend {args.backend}: Keras is already loaded on "
                f"{loaded.backend.backend()!r} in this process",
                file=sys.stderr,
            )
            return 2
        os.environ["KERAS_BACKEND"] = (
            args.backend
        )  # before Keras loads; notebook kernels inherit it
    from dlcourse.runner import find_lessons, notebook_route_available, run_lessons

    if not Path(args.lessons).is_dir():
        print(
            f"dlcourse: no lessons in {str(Path(args.lessons).resolve())!r}. The lessons are "
            "not part of the installed package: they are the scripts in the lessons/ folder of "
            "the dlcourse repository. Clone it and run `dlcourse` there (or pass --lessons "
            "PATH). One lesson's notebook (notebooks/NN_name.ipynb) runs anywhere dlcourse is "
            "installed, and `dlcourse exercises check FILE.py` needs no lessons.",
            file=sys.stderr,
        )
        return 2
    try:
        paths = find_lessons(args.lessons, args.only)
    except ValueError as error:
        print(f"dlcourse: error: {error}", file=sys.stderr)
        return 2
    runner = args.runner
    if runner is None:
        runner = "notebook" if notebook_route_available() else "script"
        if runner == "script":
            print("dlcourse: the `notebooks` extra is missing: running the scripts in this process")
    elif runner == "notebook" and not notebook_route_available():
        print("dlcourse: error: --runner notebook needs the `notebooks` extra", file=sys.stderr)
        return 2
    reports = run_lessons(
        paths, out=args.out, seeds=args.seeds, quick=args.quick, notebooks=runner == "notebook"
    )
    status = 0 if all(report.passed for report in reports) else 1
    if not args.no_site:
        from dlcourse.course.site import build_site, site_available

        if not site_available():
            print("dlcourse: no site: install the `docs` extra (pip install -e '.[docs]')")
        else:
            try:
                site = build_site(args.out, args.lessons, strict=args.strict_site)
            except RuntimeError as error:
                print(f"dlcourse: {error}", file=sys.stderr)
                return 1
            print(site.warnings, end="")
            print(f"site: {site.index} ({site.pages} pages, built in {site.seconds:.1f} s)")
    return status
