"""The documentation site, `out/site/`: the lessons' runs and the API, built by Sphinx.

`build_site(out, lessons)` copies the site's sources (`site/` at the repository's root:
Sphinx's `conf.py`, the home and playground pages, the stylesheet) into a build tree,
`out/.site/source/`, adds the pages generated from what the lessons' run left in `out/`,
and runs Sphinx (MyST-NB, the furo theme, autosummary + autodoc + napoleon) into `out/site/`:

- `lessons/NN_name.ipynb`: the lesson's notebook as it ran in `make lessons` (its prose,
  code and outputs: printed values and figures where they belong), headed by what the
  run measured: its claims table (measured value, target, pass/fail), mode, seed and
  wall time (`claims.json`, `summary.json`). Nothing is executed again
  (`nb_execution_mode = "off"`). A lesson with no executed notebook (run as a script,
  or not run) gets its unexecuted notebook, then its figures.
- `gallery.md`: a card per lesson: thumbnail, title, claim in one line, a pass badge.
- `exercises/`: an index and each exercise's learner notebook (stubs and instructions,
  never the solutions), linked with the lessons they practise.
- `api/`: an index of `dlcourse.__all__` and a page per public module, made by Sphinx's
  autosummary (with autodoc) from each module's `__all__`.

Sphinx's incremental build is kept: files whose content did not change are not
rewritten. Needs the `docs` extra (and the `notebooks` extra for unexecuted notebooks).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from dlcourse.header import find_lessons, read_header
from dlcourse.report import LessonReport, format_value
from dlcourse.runner import SUMMARY_FILE, read_summary

__all__ = ["SOURCES", "Site", "build_site", "public_modules", "site_available", "write_sources"]

#: The site's hand-written sources (the repository's `site/` folder).
SOURCES = Path(__file__).resolve().parents[2] / "site"
#: The modules of the package with a page in the API reference, beside `dlcourse` itself.
LESSON_PLUMBING = ("lesson", "report", "runner", "header")
_DOCS_EXTRA = ("sphinx", "myst_nb", "furo", "sphinx_design", "jupyter_server_mathjax")
_BADGE = {"pass": "{bdg-success}`PASS`", "fail": "{bdg-danger}`FAIL`"}
_BADGE["crashed"] = "{bdg-warning}`CRASHED`"
_BADGE["not run"] = "{bdg-secondary}`NOT RUN`"


@dataclass
class Site:
    """A built site.

    Attributes:
        index: its front page, `out/site/index.html`.
        pages: the number of pages (Sphinx documents) it has.
        seconds: how long the build took.
        warnings: what Sphinx warned about (empty when nothing).
    """

    index: Path
    pages: int
    seconds: float
    warnings: str


def site_available() -> bool:
    """Whether the site can be built here (the `docs` extra is installed)."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in _DOCS_EXTRA)


def public_modules() -> list:
    """The modules with a page in the API reference: `dlcourse.__all__`'s and the plumbing's."""
    import dlcourse

    modules = [name for name in dlcourse.__all__ if name in dlcourse._MODULES]
    return sorted(modules) + list(LESSON_PLUMBING)


def _write(path: Path, content) -> None:
    """Write `content` (text or bytes) unless the file already holds it (keeps its mtime)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _copy(source: Path, target: Path) -> None:
    _write(target, source.read_bytes())


def _escape(text: str) -> str:
    """Text shown as written in Markdown: its punctuation escaped, on one line."""
    special = set("\\`*_{}[]<>()#+!|$~")
    return "".join("\\" + char if char in special else char for char in " ".join(text.split()))


def _code(text: str) -> str:
    """Text as an inline code span (Markdown), whatever backticks it holds."""
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


@dataclass
class _Run:
    label: str  # "" for out/NN_name, "seed3" for out/seed3/NN_name
    folder: Path
    report: LessonReport | None
    status: str
    seconds: float | None
    error: str | None


def _summary_runs(root: Path) -> dict:
    """The runner's reports in `root/summary.json` that are not older than the lesson's run."""
    summary_file = root / SUMMARY_FILE
    if not summary_file.is_file():
        return {}
    written = summary_file.stat().st_mtime
    runs = {}
    for run in read_summary(root):
        claims = root / run.lesson / "claims.json"
        if claims.is_file() and claims.stat().st_mtime > written:
            continue  # the lesson ran again on its own since summary.json was written
        runs[run.lesson] = run
    return runs


def _lesson_runs(out_root: Path, name: str) -> list:
    """Every run of lesson `name` under `out_root`: `out/NN_name`, then `out/seedS/NN_name`."""
    roots = [("", out_root)]
    seeds = [p for p in out_root.glob("seed*") if p.is_dir() and p.name[4:].isdigit()]
    roots += [(p.name, p) for p in sorted(seeds, key=lambda p: int(p.name[4:]))]
    runs = []
    for label, root in roots:
        folder = root / name
        summary = _summary_runs(root).get(name)
        if not folder.is_dir() and summary is None:
            continue
        report = LessonReport.read_or_none(folder)
        error = summary.error if summary is not None else None
        if report is None:
            status, error = "crashed", error or "no claims.json was written (it did not finish)"
        else:
            report.error = error
            status = report.status
        seconds = summary.wall_seconds if summary is not None else None
        if seconds is None and report is not None:
            seconds = report.seconds
        runs.append(_Run(label, folder, report, status, seconds, error))
    return runs


def _figures(run) -> list:
    if run is None or run.report is None:
        return []
    return [run.folder / name for name in run.report.figures if (run.folder / name).is_file()]


def _run_markdown(run: _Run) -> str:
    """What one run measured, in Markdown: mode, seed, wall time, then the claims table."""
    report = run.report
    facts = [_BADGE[run.status]]
    if report is not None:
        held = len(report.claims) - len(report.failed)
        facts += [
            f"{held}/{len(report.claims)} claims hold",
            "quick mode" if report.quick else "full mode",
            f"seed {report.seed}",
        ]
    if run.seconds is not None:
        facts.append(f"wall time {run.seconds:.1f} s")
    if report is not None and report.backend is not None:
        facts.append(f"{report.backend} backend, Keras {report.keras_version}")
    lines = [" · ".join(facts), ""]
    if run.status == "crashed":
        last = (run.error or "").strip().splitlines()[-1:] or ["(no message)"]
        lines += [f"The run crashed: {_code(last[0])}", ""]
    listed = report.figures if report is not None else []
    missing = [name for name in listed if not (run.folder / name).is_file()]
    if missing:
        lines += [f"Figures listed in `claims.json` but missing: {_escape(', '.join(missing))}", ""]
    if report is not None and report.claims:
        lines += ["| claim | measured | target | verdict |", "|---|---|---|---|"]
        for claim in report.claims:
            verdict = _BADGE["pass" if claim.holds else "fail"]
            value = _code(format_value(claim.value)).replace("|", "\\|")  # not a cell border
            lines.append(
                f"| {_escape(claim.name)} | {value} | {_escape(claim.target)} | {verdict} |"
            )
        lines.append("")
    return "\n".join(lines)


def _claims_cell(runs) -> str:
    """The Markdown cell that heads a lesson's page: what its runs measured."""
    if not runs:
        return (
            "```{note}\nThis lesson has not run in this output folder: run `make lessons` "
            "(or `dlcourse --only NN`) to see its outputs and claims here.\n```\n"
        )
    parts = ["## What this run measured", ""]
    for run in runs:
        if run.label:
            parts += [f"### {run.label.replace('seed', 'Seed ')}", ""]
        parts.append(_run_markdown(run))
    return "\n".join(parts)


def _lesson_notebook(script: Path, runs) -> str:
    """The lesson's page: its executed notebook (or its notebook and figures), headed by
    what it measured."""
    import nbformat

    executed = [run.folder / f"{script.stem}.ipynb" for run in runs]
    executed = [path for path in executed if path.is_file()]
    if executed:
        notebook = nbformat.read(executed[0], as_version=4)
    else:
        from dlcourse.course.notebooks import notebook_text

        notebook = nbformat.reads(notebook_text(script, script.parent), as_version=4)
        figures = _figures(runs[0] if runs else None)
        if figures:
            images = [f"![{path.stem.replace('_', ' ')}](figures/{path.name})" for path in figures]
            cell = "## Figures of this run\n\n" + "\n\n".join(images)
            notebook.cells.append(nbformat.v4.new_markdown_cell(cell))
    from dlcourse.course.colab import install_cell

    cell_text = install_cell()  # the Colab install cell: nothing to show on a run's page
    notebook.cells = [cell for cell in notebook.cells if cell.source != cell_text]
    at = 1 if notebook.cells and notebook.cells[0].cell_type == "markdown" else 0
    if at:  # the header's links to exercises are relative to notebooks/; here, to lessons/
        first = notebook.cells[0]
        first.source = first.source.replace("](exercises/", "](../exercises/")
    notebook.cells.insert(at, nbformat.v4.new_markdown_cell(_claims_cell(runs)))
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # stable ids: the page changes only when the run does
        if cell.cell_type == "code":
            cell.execution_count = None
    return nbformat.writes(notebook, version=4) + "\n"


def _gallery_markdown(cards) -> str:
    """The gallery page: a card per lesson (thumbnail, title, one-line claim, badge)."""
    from dlcourse.course.readme import _one_line

    lines = [
        "# Lesson gallery",
        "",
        "Every lesson of the course, as it ran for this site: the first figure, the claim",
        "it measures and whether every claim held. Each card opens the lesson's page: its",
        "prose, its code and the outputs of its run.",
        "",
        _totals(cards),
        "",
        "::::{grid} 1 2 3 3",
        ":gutter: 3",
        "",
    ]
    for header, run, thumbnail in cards:
        status = run.status if run is not None else "not run"
        lines += [f":::{{grid-item-card}} {header.label} · {_escape(header.title)}"]
        if thumbnail is not None:
            lines.append(f":img-top: {thumbnail}")
        lines += [
            f":link: lessons/{header.name}",
            ":link-type: doc",
            ":class-card: lesson-card",
            "",
        ]
        facts = [_BADGE[status]]
        if run is not None and run.report is not None and run.report.claims:
            held = len(run.report.claims) - len(run.report.failed)
            facts.append(f"{held}/{len(run.report.claims)} claims")
            if run.report.backend is not None:
                facts.append(run.report.backend)
        if run is not None and run.seconds is not None:
            facts.append(f"{run.seconds:.1f} s")
        lines += [_escape(_one_line(header.claim, limit=140)), "", " · ".join(facts), ":::", ""]
    lines += ["::::", "", "```{toctree}", ":hidden:", ""]
    lines += [f"lessons/{header.name}" for header, _, _ in cards]
    lines += ["```", ""]
    return "\n".join(lines)


def _exercise_pages(exercises_dir, lessons_dir) -> dict:
    """`exercises/index.md` and each exercise's learner notebook (stubs, never solutions)."""
    from dlcourse import exercises
    from dlcourse.course.exercises import exercise_notebook_text
    from dlcourse.header import find_exercises, read_exercise_header

    scripts = find_exercises(exercises_dir)
    if not scripts:
        return {}
    lines = [
        "# Exercises",
        "",
        "The programming assignments of Ng's course 2, to write yourself. Each notebook gives",
        "the idea, a stub per function, and a `check(...)` that tests what you wrote: when",
        "it fails it shows what it expected, what came back, the likely mistake in words,",
        "the formula and the lesson to reread. Download a notebook, run it with dlcourse",
        "installed, or check a file of your own: `dlcourse exercises check my_solutions.py`.",
        "",
        "| exercise | you write | practises |",
        "|---|---|---|",
    ]
    pages = {}
    for script in scripts:
        header = read_exercise_header(script)
        names = [e.name for e in exercises.EXERCISES.values() if e.notebook == script.stem]
        lessons = ", ".join(
            f"[{n:02d}](../lessons/{s.stem}.ipynb)"
            for n in header.lessons
            for s in find_lessons(lessons_dir)
            if int(s.name[:2]) == n
        )
        written = ", ".join(f"`{name}`" for name in names)
        lines.append(
            f"| [{header.number:02d} · {header.title}]({script.stem}.ipynb) | "
            f"{written} | {lessons} |"
        )
        pages[f"exercises/{script.stem}.ipynb"] = exercise_notebook_text(
            script, lessons_dir=lessons_dir, lesson_link="../lessons/{name}.ipynb"
        )
    lines += ["", "```{toctree}", ":hidden:", ""]
    lines += [script.stem for script in scripts] + ["```", ""]
    pages["exercises/index.md"] = "\n".join(lines)
    return pages


def _totals(cards) -> str:
    """One sentence: how many lessons ran and passed, how many claims held, in which mode."""
    runs = [run for _, run, _ in cards if run is not None]
    if not runs:
        return "No lesson has run in this output folder yet: run `make lessons`."
    counts = {status: sum(run.status == status for run in runs) for status in _BADGE}
    reports = [run.report for run in runs if run.report is not None]
    claims = sum(len(report.claims) for report in reports)
    held = claims - sum(len(report.failed) for report in reports)
    modes = sorted({"quick" if report.quick else "full" for report in reports})
    parts = [f"{len(runs)} of {len(cards)} lessons ran ({' and '.join(modes) or 'no'} mode)"]
    parts.append(f"{counts['pass']} passed, {counts['fail']} failed, {counts['crashed']} crashed")
    parts.append(f"{held}/{claims} claims hold")
    return "**This run:** " + "; ".join(parts) + "."


def _api_pages() -> dict:
    """`{path: text}`: the API index, `api/index.rst`, of Sphinx autosummary directives.

    The index names `dlcourse.__all__` (a table of each name and its summary) and the
    public modules; autosummary makes the tables and writes a page per module
    (`api/NAME.rst`, from `site/_templates/autosummary/module.rst`: the module's
    `__all__`, each name by autodoc) while Sphinx builds.
    """
    import dlcourse

    title = "API reference"
    index = [
        title,
        "=" * len(title),
        "",
        "Every public name of `dlcourse` (`dlcourse.__all__`), then a page per module with",
        "its docstrings and their examples. `import dlcourse` loads the library; the lesson",
        "plumbing (`dlcourse.lesson`, `report`, `runner`, `header`) is imported on its own.",
        "",
        ".. autosummary::",
        "   :nosignatures:",
        "",
        *(f"   dlcourse.{name}" for name in dlcourse.__all__ if name not in dlcourse._MODULES),
        "",
        "Modules",
        "-------",
        "",
        ".. autosummary::",
        "   :toctree: .",
        "   :recursive:",
        "",
        *(f"   dlcourse.{name}" for name in public_modules()),
        "",
    ]
    return {"api/index.rst": "\n".join(index)}


def write_sources(out_root="out", lessons_dir="lessons", source_dir=None, *, sources=SOURCES):
    """Write the site's Sphinx source tree (default `out_root/.site/source`); return it.

    Args:
        out_root: the lessons' output root (`make lessons`' `out/`).
        lessons_dir: the lesson scripts (every one gets a page).
        source_dir: where to write the tree.
        sources: the hand-written sources to copy (`site/`).
    """
    from dlcourse.course.readme import write_thumbnails

    out_root, sources = Path(out_root), Path(sources)
    source_dir = Path(source_dir) if source_dir is not None else out_root / ".site" / "source"
    if not (sources / "conf.py").is_file():
        raise ValueError(
            f"Invalid value for `sources`: expected the site's sources (a folder with "
            f"conf.py), received {str(sources)!r}"
        )
    keep = set()
    for path in sources.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(sources)
            _copy(path, source_dir / relative)
            keep.add(relative)
    repository = sources.parent
    for name, target in (("README.md", "README.md"), ("docs/playground.png", "playground.png")):
        if (repository / name).is_file():
            _copy(repository / name, source_dir / "_include" / target)
            keep.add(Path("_include") / target)

    scripts = find_lessons(lessons_dir)
    thumbnails = source_dir / "_thumbnails"
    made = write_thumbnails(out_root, lessons_dir, thumbnails, width=480)
    keep |= {path.relative_to(source_dir) for path in made.values()}
    cards = []
    for script in scripts:
        header = read_header(script)
        runs = _lesson_runs(out_root, script.stem)
        page = Path("lessons") / f"{script.stem}.ipynb"
        _write(source_dir / page, _lesson_notebook(script, runs))
        keep.add(page)
        if not any((run.folder / f"{script.stem}.ipynb").is_file() for run in runs):
            for figure in _figures(runs[0] if runs else None):
                _copy(figure, source_dir / "lessons" / "figures" / figure.name)
                keep.add(Path("lessons") / "figures" / figure.name)
        thumbnail = f"_thumbnails/{script.stem}.png" if script.stem in made else None
        cards.append((header, runs[0] if runs else None, thumbnail))
    generated = {
        "gallery.md": _gallery_markdown(cards),
        **_api_pages(),
        **_exercise_pages(Path(lessons_dir).parent / "exercises", lessons_dir),
    }
    for relative, text in generated.items():
        _write(source_dir / relative, text)
        keep.add(Path(relative))
    keep |= {Path("api") / f"{name}.rst" for name in public_modules()}  # autosummary's
    for path in sorted(source_dir.rglob("*"), reverse=True):  # what is left of earlier builds
        if path.is_file() and path.relative_to(source_dir) not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return source_dir


def build_site(
    out_root="out", lessons_dir="lessons", site_dir=None, *, strict=False, sources=SOURCES
) -> Site:
    """Build the site from the lessons' outputs in `out_root` into `site_dir` (`out/site`).

    Args:
        out_root: the lessons' output root.
        lessons_dir: the lesson scripts.
        site_dir: the HTML output folder (default `out_root/site`).
        strict: treat Sphinx's warnings as errors (as the tests do).
        sources: the hand-written sources (`site/`).

    Returns:
        A `Site`.

    Raises:
        RuntimeError: if Sphinx failed (or, with `strict`, warned), with its warnings.
    """
    import io

    from sphinx.application import Sphinx

    began = time.perf_counter()
    out_root = Path(out_root)
    site_dir = Path(site_dir) if site_dir is not None else out_root / "site"
    source_dir = write_sources(
        out_root, lessons_dir, out_root / ".site" / "source", sources=sources
    )
    warnings = io.StringIO()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # autodoc imports the package
    app = Sphinx(
        srcdir=source_dir,
        confdir=source_dir,
        outdir=site_dir,
        doctreedir=out_root / ".site" / "doctrees",
        buildername="html",
        status=None,
        warning=warnings,
        warningiserror=strict,
    )
    app.build()
    text = re.sub(r"\x1b\[[0-9;]*m", "", warnings.getvalue())  # Sphinx colours its warnings
    if app.statuscode != 0:
        raise RuntimeError(f"Sphinx failed to build the site in {site_dir}:\n{text}")
    pages = len(app.env.found_docs)
    shutil.rmtree(site_dir / ".doctrees", ignore_errors=True)
    return Site(site_dir / "index.html", pages, round(time.perf_counter() - began, 1), text)
