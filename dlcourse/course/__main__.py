"""`python -m dlcourse.course`: notebooks, the site, the README table and screenshots.

Commands::

    python -m dlcourse.course notebooks           # lessons/NN_name.py -> notebooks/NN_name.ipynb
                                                  # exercises/NN_name.py -> notebooks/exercises/
    python -m dlcourse.course notebooks --check   # exit 1 if a notebook is stale
    python -m dlcourse.course site                # out/site/ from what the lessons left in out/
    python -m dlcourse.course docs                # docs/thumbnails/ and the README lesson table
    python -m dlcourse.course screenshot          # out/site/ -> docs/site-home.png, site-lesson.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dlcourse.header import find_lessons


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse.course",
        description="Generate notebooks, the site and the README table from the lessons.",
    )
    parser.add_argument("--lessons", default="lessons", help="folder of lesson scripts")
    parser.add_argument("--out", default="out", help="lesson output root (one folder per lesson)")
    # The same two options after the command (`docs --out out`); SUPPRESS keeps the
    # top-level value when they are not repeated there.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lessons", default=argparse.SUPPRESS, help="folder of lesson scripts")
    common.add_argument("--out", default=argparse.SUPPRESS, help="lesson output root")
    commands = parser.add_subparsers(dest="command", required=True)
    notebooks = commands.add_parser(
        "notebooks", parents=[common], help="regenerate notebooks/NN_name.ipynb"
    )
    notebooks.add_argument("--notebooks", default="notebooks", help="notebook folder")
    notebooks.add_argument("--check", action="store_true", help="only report; exit 1 if stale")
    notebooks.add_argument(
        "--exercises", default="exercises", help="folder of exercise scripts (their learner "
        "notebooks go to NOTEBOOKS/exercises/)"
    )  # fmt: skip
    site = commands.add_parser(
        "site", parents=[common], help="build OUT/site/ from the lessons' outputs in OUT"
    )
    site.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    docs = commands.add_parser(
        "docs", parents=[common], help="thumbnails and the README lesson table"
    )
    docs.add_argument("--readme", default="README.md")
    docs.add_argument("--thumbnails", default="docs/thumbnails")
    docs.add_argument(
        "--no-run",
        action="store_true",
        help="do not run lessons that have no output yet (full mode, seed 0)",
    )
    shot = commands.add_parser(
        "screenshot",
        parents=[common],
        help="render the site's home page and a lesson page (headless Chromium)",
    )
    shot.add_argument("--docs", default="docs", help="folder of the PNGs (site-home, site-lesson)")
    shot.add_argument(
        "--lesson",
        default="17",
        help="number or name of the lesson page to render (17: its first figure is in the shot)",
    )
    args = parser.parse_args(argv)
    from dlcourse.course.chromium import screenshot
    from dlcourse.course.exercises import stale_exercise_notebooks, write_exercise_notebooks
    from dlcourse.course.notebooks import stale_notebooks, write_notebooks
    from dlcourse.course.readme import readme_table, update_readme, write_thumbnails

    if args.command == "notebooks":
        if args.check:
            problems = stale_notebooks(args.lessons, args.notebooks)
            exercise_problems = stale_exercise_notebooks(
                args.exercises, args.notebooks, args.lessons
            )
            for kind, names in problems.items():
                for name in names:
                    print(f"{kind}: {args.notebooks}/{name}")
            for kind, names in exercise_problems.items():
                for name in names:
                    print(f"{kind}: {args.notebooks}/exercises/{name}")
            if any(problems.values()) or any(exercise_problems.values()):
                print("run make notebooks")
                return 1
            print(f"every notebook in {args.notebooks}/ is up to date")
            return 0
        changed = write_notebooks(args.lessons, args.notebooks)
        changed += write_exercise_notebooks(args.exercises, args.notebooks, args.lessons)
        for path in changed:
            print(f"{'wrote' if path.exists() else 'deleted'} {path}")
        count = len(find_lessons(args.lessons))
        print(f"{count} notebooks in {args.notebooks}/, {len(changed)} changed")
    elif args.command == "site":
        from dlcourse.course.site import build_site

        try:
            built = build_site(args.out, args.lessons, strict=args.strict)
        except RuntimeError as error:
            print(error, file=sys.stderr)
            return 1
        print(built.warnings, end="")
        print(f"site: {built.index} ({built.pages} pages, built in {built.seconds:.1f} s)")
    elif args.command == "docs":
        if not args.no_run:
            from dlcourse.runner import run_lesson

            for script in find_lessons(args.lessons):
                if not (Path(args.out) / script.stem / "claims.json").exists():
                    print(f"running {script.stem} (no output in {args.out}/ yet)")
                    run_lesson(script, out=Path(args.out) / script.stem)
        thumbnails = write_thumbnails(args.out, args.lessons, args.thumbnails)
        readme_dir = Path(args.readme).resolve().parent
        table = readme_table(args.lessons, args.thumbnails, readme_dir=readme_dir)
        changed = update_readme(args.readme, table)
        print(
            f"{len(thumbnails)} thumbnails in {args.thumbnails}/; "
            f"{args.readme} {'updated' if changed else 'unchanged'}"
        )
    elif args.command == "screenshot":
        site = Path(args.out) / "site"
        lesson = find_lessons(args.lessons, only=[args.lesson])[0]
        pages = {
            "site-home.png": (site / "index.html", 1600),
            "site-lesson.png": (site / "lessons" / f"{lesson.stem}.html", 3400),
        }
        for name, (page, height) in pages.items():
            if not page.exists():
                print(f"no {page}: run make lessons (or make site) first", file=sys.stderr)
                return 1
            print(f"screenshot: {screenshot(page, Path(args.docs) / name, height=height)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
