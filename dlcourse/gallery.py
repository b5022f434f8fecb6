"""Views generated from the lessons: notebooks, the HTML figure gallery, the README table.

The lesson scripts are the one source of truth; everything here is generated from them
(or from what they wrote in ``out/``) and never edited by hand::

    python -m dlcourse.gallery notebooks     # lessons/NN_name.py -> notebooks/NN_name.ipynb
    python -m dlcourse.gallery html          # out/index.html from out/NN_name/claims.json
    python -m dlcourse.gallery docs          # docs/thumbnails/ and the README lesson table
    python -m dlcourse.gallery screenshot    # out/index.html -> out/gallery.png (headless Chromium)

``python -m dlcourse`` (``make lessons``) writes the HTML gallery when it finishes.
Notebooks need the ``notebooks`` extra (jupytext, nbformat); the rest needs only the
package's own dependencies.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from dlcourse.lesson import _format_value, find_lessons
from dlcourse.plotting import PALETTE

__all__ = [
    "lesson_summary",
    "notebook_text",
    "write_notebooks",
    "stale_notebooks",
    "collect_results",
    "render_gallery",
    "write_gallery",
    "write_thumbnails",
    "readme_table",
    "update_readme",
    "find_chromium",
    "screenshot",
]

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LESSON_NAME = re.compile(r"^\d\d_\w+$")
README_START = "<!-- lessons:start -->"
README_END = "<!-- lessons:end -->"


# --------------------------------------------------------------------------- lesson scripts


def _markdown_cells(script_text: str) -> list:
    """The ``# %% [markdown]`` cells of a percent-format script, as Markdown text."""
    cells, current = [], None
    for line in script_text.splitlines():
        if line.startswith("# %%"):
            if current is not None:
                cells.append("\n".join(current).strip())
            is_markdown = re.search(r"\[(markdown|md)\]", line) is not None
            current = [] if is_markdown else None
        elif current is not None:
            if line.startswith("# "):
                current.append(line[2:])
            elif line.startswith("#"):
                current.append(line[1:])
            else:
                current.append(line)
    if current is not None:
        cells.append("\n".join(current).strip())
    return cells


def _blocks(markdown: str) -> list:
    """Markdown split into ``("h", text)`` headings, ``("p", text)`` paragraphs and
    ``("ul", [items])`` lists."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", markdown):
        lines = [line.rstrip() for line in chunk.splitlines() if line.strip()]
        while lines and lines[0].startswith("#"):  # a heading with no blank line after it
            blocks.append(("h", lines.pop(0).lstrip("#").strip()))
        if not lines:
            continue
        if re.match(r"^\s*([-*+]|\d+\.)\s", lines[0]):
            items = []
            for line in lines:
                item = re.match(r"^\s*([-*+]|\d+\.)\s+(.*)$", line)
                if item:
                    items.append(item.group(2).strip())
                else:  # a wrapped line of the previous item
                    items[-1] += " " + line.strip()
            blocks.append(("ul", items))
        else:
            blocks.append(("p", " ".join(" ".join(lines).split())))
    return blocks


SENTENCE_END = r"[.!?][\"'”’)`*_]*"


def lesson_summary(script, max_blocks=4) -> str:
    """The lesson's summary: the first prose paragraph of its first markdown cell (Markdown).

    Headings are skipped. A paragraph that does not end a sentence (one that ends with
    ``:`` before a formula or a list, say) goes on with the next blocks, at most
    ``max_blocks``, and is then cut after the last complete sentence.
    """
    cells = _markdown_cells(Path(script).read_text(encoding="utf-8"))
    blocks = [block for block in _blocks(cells[0]) if block[0] != "h"] if cells else []
    ends_a_sentence = re.compile(SENTENCE_END + "$")
    summary = []
    for kind, content in blocks[:max_blocks]:
        summary.append((kind, content))
        if kind == "ul" or ends_a_sentence.search(content):
            break
    while len(summary) > 1 and summary[-1][0] == "p" and not ends_a_sentence.search(summary[-1][1]):
        sentences = list(re.finditer(SENTENCE_END + r"(?=\s)", summary[-1][1]))
        if sentences:  # keep the complete sentences of the last paragraph
            summary[-1] = ("p", summary[-1][1][: sentences[-1].end()])
        else:
            summary.pop()
    return "\n\n".join(
        content if kind == "p" else "\n".join(f"- {item}" for item in content)
        for kind, content in summary
    )


def lesson_heading(script) -> str:
    """The first ``# Title`` heading of the lesson's markdown, or ``""``."""
    for cell in _markdown_cells(Path(script).read_text(encoding="utf-8")):
        for line in cell.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return ""


def lesson_claim_line(script) -> str:
    """The ``Claim: ...`` paragraph of the lesson's module docstring, or ``""``."""
    try:
        tree = ast.parse(Path(script).read_text(encoding="utf-8"))
    except SyntaxError:
        return ""
    doc = ast.get_docstring(tree) or ""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("Claim:"):
            words = [line.strip()[len("Claim:"):].strip()]
            for follow in lines[i + 1:]:
                # the paragraph goes on until a blank line or the next "Field:" line
                if not follow.strip() or re.match(r"^\s*[A-Z][\w ]*:(\s|$)", follow):
                    break
                words.append(follow.strip())
            return " ".join(" ".join(words).split())
    return ""


# --------------------------------------------------------------------------------- notebooks


def _cell_ids(cells) -> None:
    """Give cells stable ids from their content, so regenerating changes nothing."""
    seen = {}
    for cell in cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] = seen.get(digest, 0) + 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


def notebook_text(script) -> str:
    """The ``.ipynb`` text (no outputs) generated from a lesson script by jupytext.

    Deterministic: no jupytext version, fixed ``python3`` kernelspec, cell ids derived
    from the cell contents. The module docstring, which a script prints nowhere,
    becomes the notebook's first markdown cell (as keras-io's tutobooks do).
    """
    import jupytext
    import nbformat

    notebook = jupytext.read(Path(script), fmt="py:percent")
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "code":
        try:
            body = ast.parse(first.source).body
        except SyntaxError:
            body = []
        is_docstring = (
            len(body) == 1
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        if is_docstring:
            text = ast.get_docstring(ast.parse(first.source), clean=True)
            notebook.cells[0] = nbformat.v4.new_markdown_cell(text)
    for cell in notebook.cells:
        cell.metadata = {}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    notebook.metadata = {
        "jupytext": {
            "cell_metadata_filter": "-all",
            "main_language": "python",
            "notebook_metadata_filter": "-all",
        },
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python"},
    }
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    _cell_ids(notebook.cells)
    nbformat.validate(notebook)
    return nbformat.writes(notebook, version=4) + "\n"


def write_notebooks(lessons_dir="lessons", notebooks_dir="notebooks") -> list:
    """Regenerate ``notebooks/NN_name.ipynb`` for every lesson; delete orphaned notebooks.

    Returns:
        The paths that changed (written or deleted).
    """
    notebooks_dir = Path(notebooks_dir)
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    lessons = find_lessons(lessons_dir)
    changed = []
    for script in lessons:
        path = notebooks_dir / f"{script.stem}.ipynb"
        text = notebook_text(script)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    stems = {script.stem for script in lessons}
    for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        if path.stem not in stems:
            path.unlink()
            changed.append(path)
    return changed


def stale_notebooks(lessons_dir="lessons", notebooks_dir="notebooks") -> dict:
    """What :func:`write_notebooks` would change, as lists of notebook names.

    Returns ``{"missing": [...], "stale": [...], "orphaned": [...]}``: lessons without a
    notebook, notebooks that differ from what their lesson generates, and ``NN_name``
    notebooks without a lesson. A notebook is stale when its cells or metadata differ
    from what its lesson generates (compared as JSON, so that formatting differences
    between library versions do not count).
    """
    notebooks_dir = Path(notebooks_dir)
    lessons = find_lessons(lessons_dir)
    problems = {"missing": [], "stale": [], "orphaned": []}
    for script in lessons:
        path = notebooks_dir / f"{script.stem}.ipynb"
        if not path.exists():
            problems["missing"].append(path.name)
        elif json.loads(path.read_text(encoding="utf-8")) != json.loads(notebook_text(script)):
            problems["stale"].append(path.name)
    stems = {script.stem for script in lessons}
    problems["orphaned"] = [
        path.name
        for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
        if path.stem not in stems
    ]
    return problems


# ----------------------------------------------------------------------------------- results


def _read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def collect_results(out_root, lessons_dir="lessons", summary=None) -> list:
    """One dict per lesson that has output under ``out_root`` (or a run in ``summary.json``).

    Each dict: ``lesson``, ``title``, ``status`` (``"pass"``, ``"fail"``, ``"crashed"``),
    ``claims``, ``figures`` (existing PNG names), ``seconds``, ``quick``, ``seed``,
    ``error``, ``summary`` (the lesson's first paragraph), ``script`` (path or None).
    """
    out_root = Path(out_root)
    if summary is None:
        summary = (_read_json(out_root / "summary.json") or {}).get("lessons", [])
    runs = {run.get("lesson"): run for run in summary if isinstance(run, dict)}
    summary_file = out_root / "summary.json"
    summary_time = summary_file.stat().st_mtime if summary_file.exists() else None
    folders = out_root.iterdir() if out_root.is_dir() else []
    names = {d.name for d in folders if d.is_dir() and LESSON_NAME.match(d.name)}
    names |= {name for name in runs if name and LESSON_NAME.match(name)}
    lessons_dir = Path(lessons_dir) if lessons_dir is not None else None
    results = []
    for name in sorted(names):
        folder = out_root / name
        report = _read_json(folder / "claims.json")
        run = runs.get(name, {})
        if report is not None and summary_time is not None:
            if (folder / "claims.json").stat().st_mtime > summary_time:
                run = {}  # the lesson ran again on its own since summary.json was written
        script = lessons_dir / f"{name}.py" if lessons_dir is not None else None
        if script is not None and not script.exists():
            script = None
        error = run.get("error")
        if report is None:
            status = "crashed"
            error = error or "no claims.json was written (the lesson did not finish)"
            report = {}
            stale = sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []
            figures = stale  # shown with a warning: they may come from an earlier run
        else:
            claims = report.get("claims", [])
            crashed = bool(error) and not str(error).startswith("exited with status")
            if crashed:
                status = "crashed"
            else:
                status = "pass" if claims and all(c.get("holds") for c in claims) else "fail"
            figures = [f for f in report.get("figures", []) if (folder / f).is_file()]
        title = report.get("title") or (lesson_heading(script) if script else "") or name
        results.append(
            {
                "lesson": name,
                "title": title,
                "status": status,
                "claims": report.get("claims", []),
                "figures": figures,
                "missing_figures": [f for f in report.get("figures", []) if f not in figures],
                "seconds": run.get("wall_seconds", report.get("seconds")),
                "quick": report.get("quick"),
                "seed": report.get("seed", run.get("seed")),
                "error": error,
                "summary": lesson_summary(script) if script else "",
                "script": script,
            }
        )
    return results


# ------------------------------------------------------------------------------- HTML gallery


def _inline_markdown(text: str) -> str:
    """Escape ``text`` and render Markdown's inline `code`, **bold**, *emphasis*, [links](url)."""
    parts = re.split(r"(`[^`]+`)", text)
    rendered = []
    for part in parts:
        if len(part) > 1 and part.startswith("`") and part.endswith("`"):
            rendered.append(f"<code>{html.escape(part[1:-1])}</code>")
            continue
        links = []

        def keep_link(match):
            label, url = match.group(1), match.group(2)
            links.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(label)}</a>')
            return f"\x00{len(links) - 1}\x00"

        part = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", keep_link, part)
        part = html.escape(part)
        part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
        part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", part)
        part = re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], part)
        rendered.append(part)
    return "".join(rendered)


def _markdown_html(markdown: str) -> str:
    """Paragraphs and lists of ``markdown`` as HTML (inline Markdown rendered, text escaped)."""
    parts = []
    for kind, content in _blocks(markdown):
        if kind in ("p", "h"):
            parts.append(f"<p>{_inline_markdown(content)}</p>")
        else:
            items = "".join(f"<li>{_inline_markdown(item)}</li>" for item in content)
            parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def _png_size(path):
    """``(width, height)`` of a PNG file from its header, or ``None`` if it is not one."""
    try:
        with open(path, "rb") as file:
            head = file.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    return (width, height) if width and height else None


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def _src(path: str) -> str:
    return quote(path.replace(os.sep, "/"), safe="/")


STATUS_LABEL = {"pass": "PASS", "fail": "FAIL", "crashed": "CRASHED"}

CSS = """
:root {{ --blue: {blue}; --green: {green}; --red: {red}; --orange: {orange};
        --grey: {grey}; --sky: {sky}; --ink: #1d2733; --muted: #5b6672; --line: #dde3ea;
        --paper: #f6f8fa; }}
* {{ box-sizing: border-box; }}
body {{ margin: 0; background: var(--paper); color: var(--ink);
       font: 15px/1.55 -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Helvetica, Arial,
             sans-serif; }}
header {{ background: var(--blue); color: white; padding: 28px 0 22px; }}
header h1 {{ margin: 0 0 4px; font-size: 26px; letter-spacing: .2px; }}
header p {{ margin: 0; opacity: .92; }}
.wrap {{ max-width: 1180px; margin: 0 auto; padding: 0 28px; }}
main.wrap {{ padding-top: 24px; padding-bottom: 60px; }}
a {{ color: var(--blue); }}
header a {{ color: white; }}
code {{ font: 13px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #eef2f6;
       padding: 1px 4px; border-radius: 3px; }}
.totals {{ display: flex; gap: 12px; flex-wrap: wrap; margin-top: 14px; }}
.total {{ background: rgba(255,255,255,.14); border-radius: 6px; padding: 6px 12px; }}
.total b {{ font-size: 18px; margin-right: 4px; }}
.badge {{ display: inline-block; min-width: 64px; text-align: center; padding: 1px 8px;
         border-radius: 10px; font-size: 12px; font-weight: 700; letter-spacing: .5px;
         color: white; }}
.badge.pass {{ background: var(--green); }}
.badge.fail {{ background: var(--red); }}
.badge.crashed {{ background: var(--orange); color: #1d2733; }}
nav.toc, section.lesson, .note {{ background: white; border: 1px solid var(--line);
       border-radius: 8px; margin-bottom: 22px; }}
nav.toc {{ padding: 14px 20px 10px; }}
nav.toc h2 {{ margin: 0 0 8px; font-size: 17px; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line);
         vertical-align: top; }}
th {{ font-size: 12px; text-transform: uppercase; letter-spacing: .6px; color: var(--muted); }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
tr:last-child td {{ border-bottom: 0; }}
td.failing {{ color: var(--red); font-weight: 700; }}
section.lesson {{ padding: 0 0 18px; overflow: hidden; }}
section.lesson > h2 {{ margin: 0; padding: 14px 20px; font-size: 20px;
       border-bottom: 1px solid var(--line); border-left: 6px solid var(--green);
       display: flex; align-items: center; gap: 12px; }}
section.lesson.fail > h2 {{ border-left-color: var(--red); background: #fdf1ea; }}
section.lesson.crashed > h2 {{ border-left-color: var(--orange); background: #fdf6e6; }}
section.lesson > h2 .num {{ color: var(--muted); font-weight: 400; }}
section.lesson > h2 .badge {{ margin-left: auto; }}
.body {{ padding: 4px 20px 0; }}
.meta {{ color: var(--muted); font-size: 13px; }}
.summary {{ max-width: 940px; }}
.summary p > code:only-child {{ display: inline-block; margin-left: 28px; }}
.summary ul {{ margin: 0 0 10px; padding-left: 24px; }}
.figures {{ display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 14px;
           margin: 14px 0 6px; align-items: start; }}
figure.span2 {{ grid-column: span 2; }}
figure.span3 {{ grid-column: 1 / -1; }}
@media (max-width: 900px) {{
  .figures {{ grid-template-columns: minmax(0, 1fr); }}
  figure.span2, figure.span3 {{ grid-column: auto; }}
}}
figure {{ margin: 0; background: white; border: 1px solid var(--line); border-radius: 6px;
         padding: 8px; }}
figure img {{ display: block; max-width: 100%; height: auto; margin: 0 auto; }}
figcaption {{ color: var(--muted); font-size: 12px; text-align: center; margin-top: 4px; }}
h3 {{ font-size: 14px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase;
     letter-spacing: .6px; }}
table.claims td.value {{ font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
       font-size: 13px; white-space: nowrap; }}
table.claims tr.fail td {{ background: #fbe3d6; }}
table.claims tr.fail td:first-child {{ box-shadow: inset 4px 0 0 var(--red); }}
table.claims td.verdict {{ width: 90px; }}
pre.error {{ background: #fff8e8; border: 1px solid var(--orange); border-radius: 6px;
            padding: 10px 12px; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }}
.warn {{ color: #8a5a00; font-size: 13px; }}
.note {{ padding: 10px 20px; color: var(--muted); }}
footer {{ color: var(--muted); font-size: 12px; text-align: center; padding: 10px 0 30px; }}
"""


def _seconds(value) -> str:
    return f"{value:.1f} s" if isinstance(value, (int, float)) else "—"


def _claims_table(claims) -> str:
    rows = []
    for claim in claims:
        holds = bool(claim.get("holds"))
        verdict = "pass" if holds else "fail"
        rows.append(
            f'<tr class="{verdict}"><td>{_e(claim.get("name", ""))}</td>'
            f'<td class="value">{_e(_format_value(claim.get("value")))}</td>'
            f'<td>{_e(claim.get("target", ""))}</td>'
            f'<td class="verdict"><span class="badge {verdict}">{STATUS_LABEL[verdict]}</span>'
            "</td></tr>"
        )
    return (
        '<table class="claims"><thead><tr><th>claim</th><th>measured</th><th>target</th>'
        "<th>verdict</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _lesson_section(result, out_root: Path, page_dir: Path) -> str:
    name, status = result["lesson"], result["status"]
    number, _, _ = name.partition("_")
    held = sum(bool(c.get("holds")) for c in result["claims"])
    mode = {True: "quick mode", False: "full mode"}.get(result["quick"], "")
    meta = [f"{held}/{len(result['claims'])} claims hold" if result["claims"] else "no claims"]
    meta += [f"wall time {_seconds(result['seconds'])}"]
    if mode:
        meta.append(mode)
    if result["seed"] is not None:
        meta.append(f"seed {_e(result['seed'])}")
    if result["script"] is not None:
        href = os.path.relpath(result["script"], page_dir)
        meta.append(f'<a href="{_e(_src(href))}">{_e(Path(result["script"]).name)}</a>')
    parts = [
        f'<section class="lesson {status}" id="{_e(name)}">',
        f'<h2><span class="num">{_e(number)}</span> {_e(result["title"])}'
        f'<span class="badge {status}">{STATUS_LABEL[status]}</span></h2>',
        '<div class="body">',
        f'<p class="meta">{" · ".join(meta)}</p>',
    ]
    if result["summary"]:
        parts.append(f'<div class="summary">{_markdown_html(result["summary"])}</div>')
    if status == "crashed":
        lines = str(result["error"]).strip().splitlines()
        parts.append("<h3>Crashed</h3>")
        parts.append(f'<pre class="error">{_e(chr(10).join(lines[-15:]))}</pre>')
        if result["figures"]:
            parts.append('<p class="warn">Figures found in the lesson folder; they may come '
                         "from an earlier run.</p>")
    if result["figures"]:
        parts.append('<div class="figures">')
        for figure in result["figures"]:
            src = os.path.relpath(out_root / name / figure, page_dir)
            caption = Path(figure).stem.replace("_", " ")
            size = _png_size(out_root / name / figure)
            attributes, span = "", 1
            if size:
                attributes = f' width="{size[0]}" height="{size[1]}"'
                span = min(3, max(1, round(size[0] / size[1] / 1.6)))  # wide figures, wide cells
            parts.append(
                f'<figure class="span{span}"><a href="{_e(_src(src))}"><img src="{_e(_src(src))}"'
                f'{attributes} alt="{_e(result["title"])}: {_e(caption)}"></a>'
                f"<figcaption>{_e(caption)}</figcaption></figure>"
            )
        parts.append("</div>")
    if result["missing_figures"]:
        missing = ", ".join(result["missing_figures"])
        parts.append(f'<p class="warn">Listed in claims.json but missing: {_e(missing)}</p>')
    if result["claims"]:
        parts.append("<h3>Claims</h3>")
        parts.append(_claims_table(result["claims"]))
    parts.append("</div></section>")
    return "\n".join(parts)


def render_gallery(results, out_root, *, page_dir=None, not_run=(), subpages=(),
                   title="dlcourse lesson gallery") -> str:
    """The gallery page (a complete HTML document) for ``results`` from :func:`collect_results`.

    Args:
        results: lesson results.
        out_root: folder holding ``NN_name/`` output folders (image paths are relative to
            ``page_dir``, default ``out_root``).
        not_run: lesson names with a script but no output, listed in a note.
        subpages: ``(label, path)`` links to other gallery pages (one per seed).
    """
    out_root = Path(out_root)
    page_dir = Path(page_dir) if page_dir is not None else out_root
    n_claims = sum(len(r["claims"]) for r in results)
    n_held = sum(bool(c.get("holds")) for r in results for c in r["claims"])
    counts = {s: sum(r["status"] == s for r in results) for s in STATUS_LABEL}
    modes = sorted({"quick" if r["quick"] else "full" for r in results if r["quick"] is not None})
    seeds = sorted({r["seed"] for r in results if r["seed"] is not None}, key=str)
    run_info = []
    if modes:
        run_info.append(" and ".join(modes) + " mode")
    if seeds:
        run_info.append("seed " + ", ".join(str(s) for s in seeds))
    run_info.append("generated " + time.strftime("%Y-%m-%d %H:%M"))

    toc_rows = []
    for r in results:
        held = sum(bool(c.get("holds")) for c in r["claims"])
        failing = " failing" if held < len(r["claims"]) else ""
        count = f"{held}/{len(r['claims'])}" if r["claims"] else "—"
        number = r["lesson"].partition("_")[0]
        toc_rows.append(
            f'<tr><td class="num">{_e(number)}</td>'
            f'<td><a href="#{_e(r["lesson"])}">{_e(r["title"])}</a></td>'
            f'<td><span class="badge {r["status"]}">{STATUS_LABEL[r["status"]]}</span></td>'
            f'<td class="num{failing}">{count}</td>'
            f'<td class="num">{len(r["figures"])}</td>'
            f'<td class="num">{_seconds(r["seconds"])}</td></tr>'
        )
    totals = [
        f'<span class="total"><b>{len(results)}</b>lesson{"" if len(results) == 1 else "s"}</span>',
        f'<span class="total"><b>{n_held}/{n_claims}</b>claims hold</span>',
    ]
    if counts["fail"]:
        totals.append(f'<span class="total"><b>{counts["fail"]}</b>with failing claims</span>')
    if counts["crashed"]:
        totals.append(f'<span class="total"><b>{counts["crashed"]}</b>crashed</span>')

    body = []
    if subpages:
        links = " · ".join(f'<a href="{_e(_src(path))}">{_e(label)}</a>' for label, path in
                            subpages)
        body.append(f'<p class="note">Runs per seed: {links}</p>')
    if results:
        body.append(
            '<nav class="toc"><h2>Lessons</h2><table><thead><tr><th class="num">#</th>'
            "<th>lesson</th><th>status</th><th class=\"num\">claims</th>"
            '<th class="num">figures</th><th class="num">wall time</th></tr></thead><tbody>'
            + "".join(toc_rows) + "</tbody></table></nav>"
        )
    elif not subpages:
        body.append('<p class="note">No lesson output found here yet: run '
                    "<code>make lessons</code>.</p>")
    if not_run:
        body.append(f'<p class="note">Not run here: {_e(", ".join(not_run))}.</p>')
    body += [_lesson_section(r, out_root, page_dir) for r in results]

    css = CSS.format(**PALETTE)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{css}</style>
</head>
<body>
<header><div class="wrap">
<h1>{_e(title)}</h1>
<p>Every lesson's figures and the claims it measured · {_e(" · ".join(run_info))}</p>
<div class="totals">{"".join(totals)}</div>
</div></header>
<main class="wrap">
{chr(10).join(body)}
</main>
<footer>Generated by <code>dlcourse.gallery</code> from each lesson's <code>claims.json</code>.
Regenerate with <code>make lessons</code> or <code>python -m dlcourse.gallery html</code>.</footer>
</body>
</html>
"""


def write_gallery(out_root="out", lessons_dir="lessons") -> Path:
    """Write ``out_root/index.html`` for the lesson output present under ``out_root``.

    Lessons that ran are listed whatever their number; lessons with a script but no
    output are named in a note. Runs with several seeds (``out_root/seedN/``) get one
    page per seed, linked from the top page.

    Returns:
        The path of ``index.html``.
    """
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    summary = (_read_json(out_root / "summary.json") or {}).get("lessons", [])
    subpages = []
    seed_dirs = sorted(
        (d for d in out_root.iterdir() if d.is_dir() and re.fullmatch(r"seed\d+", d.name)),
        key=lambda d: int(d.name[4:]),
    )
    for seed_dir in seed_dirs:
        seed = int(seed_dir.name[4:])
        runs = [r for r in summary if isinstance(r, dict) and r.get("seed") == seed]
        results = collect_results(seed_dir, lessons_dir, summary=runs)
        page = seed_dir / "index.html"
        title = f"dlcourse lesson gallery, seed {seed}"
        page.write_text(render_gallery(results, seed_dir, title=title), encoding="utf-8")
        subpages.append((f"seed {seed}", f"{seed_dir.name}/index.html"))
    top_runs = summary if not seed_dirs else []
    results = collect_results(out_root, lessons_dir, summary=top_runs)
    not_run = []
    if lessons_dir is not None and Path(lessons_dir).is_dir() and not seed_dirs:
        present = {r["lesson"] for r in results}
        not_run = [p.stem for p in find_lessons(lessons_dir) if p.stem not in present]
    page = out_root / "index.html"
    page.write_text(render_gallery(results, out_root, not_run=not_run, subpages=subpages),
                    encoding="utf-8")
    return page


# ------------------------------------------------------------------------ README and thumbnails


def write_thumbnails(out_root="out", lessons_dir="lessons", thumbnails_dir="docs/thumbnails",
                     width=240) -> dict:
    """Write ``thumbnails_dir/NN_name.png``, ``width`` px wide, from each lesson's first figure.

    Thumbnails of lessons that no longer exist are deleted.

    Returns:
        ``{lesson name: thumbnail path}`` for the lessons that have a figure.
    """
    from PIL import Image

    thumbnails_dir = Path(thumbnails_dir)
    thumbnails_dir.mkdir(parents=True, exist_ok=True)
    lessons = find_lessons(lessons_dir)
    written = {}
    for script in lessons:
        folder = Path(out_root) / script.stem
        report = _read_json(folder / "claims.json") or {}
        figures = [folder / f for f in report.get("figures", []) if (folder / f).is_file()]
        if not figures:
            continue
        target = thumbnails_dir / f"{script.stem}.png"
        with Image.open(figures[0]) as image:
            image = image.convert("RGB")
            height = max(1, round(image.height * width / image.width))
            image.resize((width, height), Image.LANCZOS).save(target, optimize=True)
        written[script.stem] = target
    stems = {script.stem for script in lessons}
    for path in thumbnails_dir.glob("[0-9][0-9]_*.png"):
        if path.stem not in stems:
            path.unlink()
    return written


def _one_line(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ;,") + " …"


def _table_cell(text: str) -> str:
    """Text safe in a Markdown table cell: pipes escaped, no tag-like ``<``, one line."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def readme_table(out_root="out", lessons_dir="lessons", thumbnails_dir="docs/thumbnails",
                 readme_dir=".") -> str:
    """The README's Markdown lesson table: number, linked title, claim in one line, thumbnail.

    The title comes from ``claims.json`` (else the lesson's first heading), the claim from
    a ``Claim:`` line in the lesson's module docstring (else the measured claims' names).
    """
    rows = ["| # | lesson | claim it measures | first figure |", "|---|---|---|---|"]
    for script in find_lessons(lessons_dir):
        report = _read_json(Path(out_root) / script.stem / "claims.json") or {}
        title = report.get("title") or lesson_heading(script) or script.stem
        claim = lesson_claim_line(script)
        if not claim:
            claim = "; ".join(c["name"] for c in report.get("claims", []) if c.get("name"))
        link = Path(os.path.relpath(script, readme_dir)).as_posix()
        thumbnail = Path(thumbnails_dir) / f"{script.stem}.png"
        image = ""
        if thumbnail.exists():
            image_path = Path(os.path.relpath(thumbnail, readme_dir)).as_posix()
            image = f"![{_table_cell(title)}]({quote(image_path, safe='/')})"
        rows.append(
            f"| {script.stem[:2]} | [{_table_cell(title)}]({quote(link, safe='/')}) | "
            f"{_table_cell(_one_line(claim)) or '—'} | {image or '—'} |"
        )
    return "\n".join(rows)


def update_readme(readme="README.md", table="") -> bool:
    """Replace the text between the lesson-table markers in ``readme``; True if it changed."""
    readme = Path(readme)
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(
            f"Invalid README: expected the markers {README_START} and {README_END} around the "
            f"lesson table, received a file without them ({readme})"
        )
    new = text[: start + len(README_START)] + "\n" + table.strip() + "\n" + text[end:]
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


# --------------------------------------------------------------------------------- screenshots


def find_chromium():
    """The path of a Chromium or Chrome executable on PATH, or ``None``."""
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def screenshot(page, png, *, width=1280, height=2000, timeout=120) -> Path:
    """Render the HTML file ``page`` with headless Chromium into ``png`` (one window's height)."""
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("No Chromium on PATH: install it (Debian: apt-get install chromium).")
    page, png = Path(page).resolve(), Path(png).resolve()
    png.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dlcourse-chromium-") as profile:
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri(),
        ]
        if png.exists():
            png.unlink()
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not png.exists():
        raise RuntimeError(
            f"Chromium failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    return png


# ------------------------------------------------------------------------------ command line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse.gallery",
        description="Generate notebooks, the HTML gallery and the README table from the lessons.",
    )
    parser.add_argument("--lessons", default="lessons", help="folder of lesson scripts")
    parser.add_argument("--out", default="out", help="lesson output root (one folder per lesson)")
    # The same two options after the command (`docs --out out`); SUPPRESS keeps the
    # top-level value when they are not repeated there.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lessons", default=argparse.SUPPRESS, help="folder of lesson scripts")
    common.add_argument("--out", default=argparse.SUPPRESS, help="lesson output root")
    commands = parser.add_subparsers(dest="command", required=True)
    notebooks = commands.add_parser("notebooks", parents=[common],
                                    help="regenerate notebooks/NN_name.ipynb")
    notebooks.add_argument("--notebooks", default="notebooks", help="notebook folder")
    notebooks.add_argument("--check", action="store_true", help="only report; exit 1 if stale")
    commands.add_parser("html", parents=[common], help="write OUT/index.html")
    docs = commands.add_parser("docs", parents=[common], help="thumbnails and the README lesson table")
    docs.add_argument("--readme", default="README.md")
    docs.add_argument("--thumbnails", default="docs/thumbnails")
    docs.add_argument("--no-run", action="store_true",
                      help="do not run lessons that have no output yet (full mode, seed 0)")
    shot = commands.add_parser("screenshot", parents=[common], help="render OUT/index.html to OUT/gallery.png")
    shot.add_argument("--png", default=None, help="output PNG (default OUT/gallery.png)")
    args = parser.parse_args(argv)

    if args.command == "notebooks":
        if args.check:
            problems = stale_notebooks(args.lessons, args.notebooks)
            for kind, names in problems.items():
                for name in names:
                    print(f"{kind}: {args.notebooks}/{name}")
            if any(problems.values()):
                print("run make notebooks")
                return 1
            print(f"every notebook in {args.notebooks}/ is up to date")
            return 0
        changed = write_notebooks(args.lessons, args.notebooks)
        for path in changed:
            print(f"{'wrote' if path.exists() else 'deleted'} {path}")
        count = len(find_lessons(args.lessons))
        print(f"{count} notebooks in {args.notebooks}/, {len(changed)} changed")
    elif args.command == "html":
        print(f"gallery: {write_gallery(args.out, args.lessons)}")
    elif args.command == "docs":
        if not args.no_run:
            from dlcourse.lesson import run_lesson

            for script in find_lessons(args.lessons):
                if not (Path(args.out) / script.stem / "claims.json").exists():
                    print(f"running {script.stem} (no output in {args.out}/ yet)")
                    run_lesson(script, out=Path(args.out) / script.stem)
            write_gallery(args.out, args.lessons)
        thumbnails = write_thumbnails(args.out, args.lessons, args.thumbnails)
        readme_dir = Path(args.readme).resolve().parent
        table = readme_table(args.out, args.lessons, args.thumbnails, readme_dir=readme_dir)
        changed = update_readme(args.readme, table)
        print(f"{len(thumbnails)} thumbnails in {args.thumbnails}/; "
              f"{args.readme} {'updated' if changed else 'unchanged'}")
    elif args.command == "screenshot":
        page = Path(args.out) / "index.html"
        if not page.exists():
            write_gallery(args.out, args.lessons)
        png = screenshot(page, args.png or Path(args.out) / "gallery.png")
        print(f"screenshot: {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
