"""The HTML figure gallery, `out/index.html`, from each lesson's `claims.json`.

One offline page (no network, relative image paths): a table of contents, then one
section per lesson that ran — its description, figures, claims with their measured
values and a pass/fail mark, and its wall time. The Site issue replaces this page by a
documentation site; until then it is kept as it was.
"""

from __future__ import annotations

import html
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

from dlcourse.header import read_header
from dlcourse.plotting import PALETTE
from dlcourse.report import LessonReport, format_value
from dlcourse.runner import find_lessons, read_summary

__all__ = ["collect_results", "render_gallery", "write_gallery"]

LESSON_NAME = re.compile(r"^\d\d_\w+$")


def _description(script) -> str:
    try:
        return read_header(script).description
    except ValueError:
        return ""


def _header_title(script) -> str:
    try:
        return read_header(script).title
    except ValueError:
        return ""


def collect_results(out_root, lessons_dir="lessons", summary=None) -> list:
    """One dict per lesson that has output under `out_root` (or a run in `summary.json`).

    Each dict: `lesson`, `title`, `status` (`"pass"`, `"fail"`, `"crashed"`),
    `claims`, `figures` (existing PNG names), `seconds`, `quick`, `seed`,
    `error`, `summary` (the lesson's description), `script` (path or None).

    Args:
        out_root: folder holding one `NN_name/` folder per lesson.
        lessons_dir: folder of the lesson scripts (for descriptions and links).
        summary: the runner's reports (default: read from `out_root/summary.json`).
    """
    out_root = Path(out_root)
    if summary is None:
        summary = read_summary(out_root)
    runs = {run.lesson: run for run in summary}
    summary_file = out_root / "summary.json"
    summary_time = summary_file.stat().st_mtime if summary_file.exists() else None
    folders = out_root.iterdir() if out_root.is_dir() else []
    names = {d.name for d in folders if d.is_dir() and LESSON_NAME.match(d.name)}
    names |= {name for name in runs if LESSON_NAME.match(name)}
    lessons_dir = Path(lessons_dir) if lessons_dir is not None else None
    results = []
    for name in sorted(names):
        folder = out_root / name
        report = LessonReport.read_or_none(folder)
        run = runs.get(name)
        reran = (
            report is not None
            and summary_time is not None
            and (folder / "claims.json").stat().st_mtime > summary_time
        )
        if reran:
            run = None  # the lesson ran again on its own since summary.json was written
        script = lessons_dir / f"{name}.py" if lessons_dir is not None else None
        if script is not None and not script.exists():
            script = None
        error = run.error if run is not None else None
        if report is None:
            status = "crashed"
            error = error or "no claims.json was written (the lesson did not finish)"
            stale = sorted(p.name for p in folder.glob("*.png")) if folder.is_dir() else []
            figures = stale  # shown with a warning: they may come from an earlier run
            listed, claims, quick, seed, seconds = [], [], None, None, None
            title = run.title if run is not None else ""
        else:
            report.error = error
            status = report.status
            listed, claims = report.figures, report.claims
            figures = [f for f in listed if (folder / f).is_file()]
            quick, seed, seconds, title = report.quick, report.seed, report.seconds, report.title
        if run is not None and run.wall_seconds is not None:
            seconds = run.wall_seconds
        if not title and script is not None:
            title = _header_title(script)
        results.append(
            {
                "lesson": name,
                "title": title or name,
                "status": status,
                "claims": [vars(c) for c in claims],
                "figures": figures,
                "missing_figures": [f for f in listed if f not in figures],
                "seconds": seconds,
                "quick": quick,
                "seed": seed if seed is not None else (run.seed if run is not None else None),
                "error": error,
                "summary": _description(script) if script else "",
                "script": script,
            }
        )
    return results


def _markdown_html(markdown: str) -> str:
    """`markdown` rendered to HTML by markdown-it (raw HTML in it is escaped)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).render(markdown)


def _png_size(path):
    """`(width, height)` of a PNG file from its header, or `None` if it is not one."""
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
            f'<td class="value">{_e(format_value(claim.get("value")))}</td>'
            f"<td>{_e(claim.get('target', ''))}</td>"
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
            parts.append(
                '<p class="warn">Figures found in the lesson folder; they may come '
                "from an earlier run.</p>"
            )
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


def render_gallery(
    results, out_root, *, page_dir=None, not_run=(), subpages=(), title="dlcourse lesson gallery"
) -> str:
    """The gallery page (a complete HTML document) for `results` from `collect_results`.

    Args:
        results: lesson results.
        out_root: folder holding `NN_name/` output folders (image paths are relative to
            `page_dir`, default `out_root`).
        not_run: lesson names with a script but no output, listed in a note.
        subpages: `(label, path)` links to other gallery pages (one per seed).
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
        links = " · ".join(
            f'<a href="{_e(_src(path))}">{_e(label)}</a>' for label, path in subpages
        )
        body.append(f'<p class="note">Runs per seed: {links}</p>')
    if results:
        body.append(
            '<nav class="toc"><h2>Lessons</h2><table><thead><tr><th class="num">#</th>'
            '<th>lesson</th><th>status</th><th class="num">claims</th>'
            '<th class="num">figures</th><th class="num">wall time</th></tr></thead><tbody>'
            + "".join(toc_rows)
            + "</tbody></table></nav>"
        )
    elif not subpages:
        body.append(
            '<p class="note">No lesson output found here yet: run <code>make lessons</code>.</p>'
        )
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
<footer>Generated by <code>dlcourse.course.gallery</code> from each lesson's
<code>claims.json</code>. Regenerate with <code>make lessons</code> or
<code>python -m dlcourse.course html</code>.</footer>
</body>
</html>
"""


def write_gallery(out_root="out", lessons_dir="lessons") -> Path:
    """Write `out_root/index.html` for the lesson output present under `out_root`.

    Lessons that ran are listed whatever their number; lessons with a script but no
    output are named in a note. Runs with several seeds (`out_root/seedN/`) get one
    page per seed, linked from the top page.

    Returns:
        The path of `index.html`.
    """
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    summary = read_summary(out_root)
    subpages = []
    seed_dirs = sorted(
        (d for d in out_root.iterdir() if d.is_dir() and re.fullmatch(r"seed\d+", d.name)),
        key=lambda d: int(d.name[4:]),
    )
    for seed_dir in seed_dirs:
        seed = int(seed_dir.name[4:])
        runs = [r for r in summary if r.seed == seed]
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
    page.write_text(
        render_gallery(results, out_root, not_run=not_run, subpages=subpages), encoding="utf-8"
    )
    return page
