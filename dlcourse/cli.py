"""The `dlcourse` command (also `python -m dlcourse`): run the lessons, write the gallery.

```bash
dlcourse                          # every lesson, full mode, seed 0; figures in out/
dlcourse --quick --only 11 13     # some lessons, quick mode
dlcourse --seeds 0 1 2 3 4        # every claim for several seeds
```

It exits with status 1 if any claim fails. `--help` answers at once: TensorFlow is
imported only when lessons run.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    """The command line's argument parser."""
    cli = argparse.ArgumentParser(
        prog="dlcourse",
        description="Run dlcourse lessons in one process, write their figures, claims and "
        "the gallery (out/index.html). Exit status 1 if any claim fails.",
    )
    cli.add_argument("--lessons", default="lessons", help="folder of lesson scripts")
    cli.add_argument("--out", default="out", help="output root (one folder per lesson)")
    cli.add_argument("--quick", action="store_true", help="small budgets (as the tests use)")
    cli.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds to run")
    cli.add_argument("--only", nargs="+", help="lesson numbers or names to run")
    cli.add_argument("--no-gallery", action="store_true", help="do not write out/index.html")
    return cli


def main(argv=None) -> int:
    """Run the command line with `argv` (default `sys.argv[1:]`); return the exit status."""
    args = parser().parse_args(argv)
    from dlcourse.runner import find_lessons, run_lessons

    try:
        paths = find_lessons(args.lessons, args.only)
    except ValueError as error:
        print(f"dlcourse: error: {error}", file=sys.stderr)
        return 2
    reports = run_lessons(paths, out=args.out, seeds=args.seeds, quick=args.quick)
    if not args.no_gallery:
        from dlcourse.course.gallery import write_gallery

        print(f"gallery: {write_gallery(args.out, args.lessons)}")
    return 0 if all(report.passed for report in reports) else 1
