"""The README's lesson table and its thumbnails.

The table lists every lesson: number, title (linked to the script), its claim in one
line — both from the lesson's header (`dlcourse.header`) — and a thumbnail of the first
figure of its run in `out/`. `make docs` regenerates both.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from dlcourse.header import find_lessons, read_header
from dlcourse.report import LessonReport

__all__ = ["readme_table", "update_readme", "write_thumbnails"]

README_START = "<!-- lessons:start -->"
README_END = "<!-- lessons:end -->"


def write_thumbnails(
    out_root="out", lessons_dir="lessons", thumbnails_dir="docs/thumbnails", width=240
) -> dict:
    """Write `thumbnails_dir/NN_name.png`, `width` px wide, from each lesson's first figure.

    Thumbnails of lessons that no longer exist are deleted.

    Returns:
        `{lesson name: thumbnail path}` for the lessons that have a figure.
    """
    from PIL import Image

    thumbnails_dir = Path(thumbnails_dir)
    thumbnails_dir.mkdir(parents=True, exist_ok=True)
    lessons = find_lessons(lessons_dir)
    written = {}
    for script in lessons:
        folder = Path(out_root) / script.stem
        report = LessonReport.read_or_none(folder)
        listed = report.figures if report is not None else []
        figures = [folder / f for f in listed if (folder / f).is_file()]
        if not figures:
            continue
        target = thumbnails_dir / f"{script.stem}.png"
        with Image.open(figures[0]) as image:
            image = image.convert("RGB")
            height = max(1, round(image.height * width / image.width))
            image.resize((width, height), Image.LANCZOS).save(target, optimize=True)
        written[script.stem] = target
    stems = {script.stem for script in lessons}
    for path in thumbnails_dir.glob("[0-9][0-9]*_*.png"):
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
    """Text safe in a Markdown table cell: pipes escaped, no tag-like `<`, one line."""
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)


def readme_table(lessons_dir="lessons", thumbnails_dir="docs/thumbnails", readme_dir=".") -> str:
    """The README's Markdown lesson table: number, linked title, claim in one line, thumbnail.

    Title and claim come from each lesson's header; the thumbnail from `thumbnails_dir`.
    """
    rows = ["| # | lesson | claim it measures | first figure |", "|---|---|---|---|"]
    for script in find_lessons(lessons_dir):
        header = read_header(script)
        title, claim = header.title, header.claim
        link = Path(os.path.relpath(script, readme_dir)).as_posix()
        thumbnail = Path(thumbnails_dir) / f"{script.stem}.png"
        image = ""
        if thumbnail.exists():
            image_path = Path(os.path.relpath(thumbnail, readme_dir)).as_posix()
            image = f"![{_table_cell(title)}]({quote(image_path, safe='/')})"
        rows.append(
            f"| {header.label} | [{_table_cell(title)}]({quote(link, safe='/')}) | "
            f"{_table_cell(_one_line(claim)) or '—'} | {image or '—'} |"
        )
    return "\n".join(rows)


def update_readme(readme="README.md", table="") -> bool:
    """Replace the text between the lesson-table markers in `readme`; True if it changed."""
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
