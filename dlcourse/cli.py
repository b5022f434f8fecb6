"""The `dlcourse` command (also `python -m dlcourse`): run the lessons, build the site.

Examples::

    dlcourse                          # every lesson, full mode, seed 0; the site in out/site/
    dlcourse --quick --only 11 13     # some lessons, quick mode
    dlcourse --seeds 0 1 2 3 4        # every claim for several seeds
    dlcourse --runner script          # run the scripts in this process (no notebooks)
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

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    cli = argparse.ArgumentParser(
        prog="dlcourse",
        description="Run dlcourse lessons (TensorFlow starts once), write their figures, "
        "claims and executed notebooks, then build the site (out/site/index.html). "
        "Exit status 1 if any claim fails.",
    )
    cli.add_argument("--lessons", default="lessons", help="folder of lesson scripts")
    cli.add_argument("--out", default="out", help="output root (one folder per lesson)")
    cli.add_argument("--quick", action="store_true", help="small budgets (as the tests use)")
    cli.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds to run")
    cli.add_argument("--only", nargs="+", help="lesson numbers or names to run")
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


def main(argv=None) -> int:
    """Run the command line with `argv` (default `sys.argv[1:]`); return the exit status."""
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
