"""The HTML gallery, the README lesson table and its thumbnails, as a user sees them."""

import json
import os
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import matplotlib.image
import numpy as np
import pytest

from dlcourse import cli
from dlcourse.course import __main__ as course_cli
from dlcourse.course import chromium, gallery, readme
from dlcourse.runner import find_lessons

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = '''"""{title}

The *first* paragraph of {title}: it uses `code`, **bold** text
and a second line.

Claim: {claim}
"""

# %% [markdown]
# A paragraph of the lesson's prose.

# %%
print("hello")
'''


def write_script(lessons_dir, name, title, claim="x stays below one"):
    (lessons_dir / f"{name}.py").write_text(
        SCRIPT.format(title=title, claim=claim), encoding="utf-8"
    )


def write_png(path, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(path, np.random.default_rng(seed).random((30, 60, 3)))


def write_run(out_root, name, title, claims, figures=("curve.png",), seconds=2.5):
    folder = out_root / name
    for i, figure in enumerate(figures):
        write_png(folder / figure, seed=i)
    report = {
        "lesson": name,
        "title": title,
        "seconds": seconds,
        "quick": True,
        "seed": 0,
        "figures": list(figures),
        "claims": claims,
    }
    (folder / "claims.json").write_text(json.dumps(report), encoding="utf-8")


def claim(name, value, holds, target="< 1"):
    return {"name": name, "value": value, "target": target, "holds": holds}


@pytest.fixture
def course(tmp_path):
    """Four lesson scripts; three ran (pass, fail, crashed) and one did not."""
    lessons_dir, out_root = tmp_path / "lessons", tmp_path / "out"
    lessons_dir.mkdir()
    write_script(lessons_dir, "01_passes", "A passing lesson", claim="x stays below one")
    write_script(
        lessons_dir,
        "02_fails",
        "A <failing> lesson & more",
        claim="ratio ||dW[1]|| / ||dW[10]|| is small",
    )
    write_script(lessons_dir, "03_crashes", "A crashing lesson")
    write_script(lessons_dir, "04_not_run", "A lesson that did not run")
    write_run(
        out_root,
        "01_passes",
        "A passing lesson",
        [claim("x is small", 0.5, True), claim("y is small", [0.1, 0.2], True)],
        figures=("first.png", "second.png"),
    )
    write_run(
        out_root,
        "02_fails",
        "A <failing> lesson & more",
        [
            claim("ratio ||dW[1]|| / ||dW[10]||", 0.2, True),
            claim("<script>alert(1)</script> is escaped", 7.0, False),
        ],
    )
    write_png(out_root / "03_crashes" / "partial.png")  # a figure from before the crash
    run = {"title": "", "seconds": 0.0, "quick": True, "seed": 0, "claims": [], "figures": []}
    summary = {
        "quick": True,
        "seeds": [0],
        "lessons": [
            {**run, "lesson": "01_passes", "wall_seconds": 3.25},
            {**run, "lesson": "02_fails", "wall_seconds": 4.0, "error": "exited with status 1"},
            {
                **run,
                "lesson": "03_crashes",
                "wall_seconds": 1.0,
                "title": "A crashing lesson",
                "error": (
                    "Traceback (most recent call last):\nValueError: shapes (3,) and <4> differ"
                ),
            },
        ],
    }
    (out_root / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return lessons_dir, out_root


class Page(HTMLParser):
    """Collects what a user would look at, and checks that every tag is closed in order."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems = [], []
        self.images, self.links, self.ids, self.sections = [], [], set(), {}
        self.text, self._section = [], None
        self.rows, self._row = [], None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag not in self.VOID:
            self.stack.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag == "a":
            self.links.append(attrs.get("href", ""))
        if tag == "section":
            self._section = attrs["id"]
            self.sections[self._section] = {"class": attrs.get("class", ""), "text": []}
        if tag == "tr":
            self._row = {"class": attrs.get("class", ""), "text": []}

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        if tag == "section":
            self._section = None
        if tag == "tr" and self._row is not None:
            self.rows.append({"class": self._row["class"], "text": " ".join(self._row["text"])})
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._section:
            self.sections[self._section]["text"].append(data)
        if self._row is not None and data.strip():
            self._row["text"].append(data.strip())

    def section_text(self, name):
        return " ".join(" ".join(self.sections[name]["text"]).split())


def read_page(path):
    return Page(Path(path).read_text(encoding="utf-8"))


def test_gallery_lists_every_lesson_present(course):
    lessons_dir, out_root = course
    page_path = gallery.write_gallery(out_root, lessons_dir)
    assert page_path == out_root / "index.html"
    html_text = page_path.read_text(encoding="utf-8")
    assert (
        "The <em>first</em> paragraph of A passing lesson: it uses <code>code</code>, "
        "<strong>bold</strong> text\nand a second line."
    ) in html_text
    page = read_page(page_path)
    assert set(page.sections) == {"01_passes", "02_fails", "03_crashes"}
    for name in page.sections:  # the table of contents links every section
        assert f"#{name}" in page.links
    text = " ".join(page.text)
    assert "A passing lesson" in text and "A <failing> lesson & more" in text
    assert "Not run here: 04_not_run" in " ".join(text.split())
    passing = page.section_text("01_passes")
    assert "lesson's prose" not in passing  # the description only
    assert "3.2 s" in passing or "3.3 s" in passing  # wall time from summary.json
    assert "2/2 claims hold" in passing


def test_gallery_images_exist_and_are_relative(course):
    lessons_dir, out_root = course
    page = read_page(gallery.write_gallery(out_root, lessons_dir))
    assert len(page.images) == 2 + 1 + 1
    for src in page.images:
        assert not src.startswith(("/", "http:", "https:", "file:")), src
        assert (out_root / unquote(src)).is_file(), src


def test_gallery_marks_failing_claims_and_crashes(course):
    lessons_dir, out_root = course
    page = read_page(gallery.write_gallery(out_root, lessons_dir))
    assert page.sections["01_passes"]["class"] == "lesson pass"
    assert "FAIL" not in page.section_text("01_passes")
    assert page.sections["02_fails"]["class"] == "lesson fail"
    failing = [row for row in page.rows if "is escaped" in row["text"]]
    assert len(failing) == 1 and failing[0]["class"] == "fail"
    assert failing[0]["text"].endswith("FAIL")
    passing = [row for row in page.rows if row["text"].startswith("ratio")]
    assert passing[0]["class"] == "pass" and passing[0]["text"].endswith("PASS")
    assert page.sections["03_crashes"]["class"] == "lesson crashed"
    crashed = page.section_text("03_crashes")
    assert "CRASHED" in crashed and "ValueError: shapes (3,) and <4> differ" in crashed
    assert "earlier run" in crashed


def test_gallery_is_well_formed_and_escaped(course):
    lessons_dir, out_root = course
    text = gallery.write_gallery(out_root, lessons_dir).read_text(encoding="utf-8")
    page = Page(text)
    assert not page.problems and not page.stack, (page.problems, page.stack)
    assert "<script" not in text and "<failing>" not in text and "<4>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "http://" not in text and "https://" not in text  # readable offline, no CDN
    for href in page.links:
        if href.startswith("#"):
            assert href[1:] in page.ids, href


def test_gallery_uses_the_package_palette(course):
    from dlcourse.plotting import PALETTE

    lessons_dir, out_root = course
    text = gallery.write_gallery(out_root, lessons_dir).read_text(encoding="utf-8")
    for name in ("blue", "green", "red", "orange"):
        assert PALETTE[name] in text


def test_gallery_ignores_a_summary_older_than_the_lesson_run(course):
    lessons_dir, out_root = course
    summary = json.loads((out_root / "summary.json").read_text())
    summary["lessons"][0]["error"] = "Traceback ...\nRuntimeError: an old crash"
    (out_root / "summary.json").write_text(json.dumps(summary))
    page = read_page(gallery.write_gallery(out_root, lessons_dir))
    assert page.sections["01_passes"]["class"] == "lesson crashed"
    later = (out_root / "summary.json").stat().st_mtime + 10
    os.utime(out_root / "01_passes" / "claims.json", (later, later))  # the lesson ran again alone
    page = read_page(gallery.write_gallery(out_root, lessons_dir))
    assert page.sections["01_passes"]["class"] == "lesson pass"
    assert "2.5 s" in page.section_text("01_passes")  # its own time, not the old run's


def test_gallery_of_an_empty_or_partial_output(tmp_path):
    page = read_page(gallery.write_gallery(tmp_path / "out", lessons_dir=None))
    assert not page.sections and "make lessons" in " ".join(page.text)
    lessons_dir = tmp_path / "lessons"
    lessons_dir.mkdir()
    write_script(lessons_dir, "05_one", "Only one")
    # a lesson whose claims.json is missing and which is not in any summary.json: crashed
    (tmp_path / "out" / "05_one").mkdir()
    page = read_page(gallery.write_gallery(tmp_path / "out", lessons_dir))
    assert page.sections["05_one"]["class"] == "lesson crashed"
    assert "no claims.json" in page.section_text("05_one")


def test_gallery_one_page_per_seed(tmp_path):
    out_root = tmp_path / "out"
    for seed in (0, 1):
        write_run(out_root / f"seed{seed}", "01_passes", "Passes", [claim("x", seed, seed == 0)])
    gallery.write_gallery(out_root, lessons_dir=None)
    top = read_page(out_root / "index.html")
    assert "seed0/index.html" in top.links and "seed1/index.html" in top.links
    for seed, status in ((0, "pass"), (1, "fail")):
        page = read_page(out_root / f"seed{seed}" / "index.html")
        assert page.sections["01_passes"]["class"] == f"lesson {status}"
        for src in page.images:
            assert (out_root / f"seed{seed}" / unquote(src)).is_file()


def test_lesson_description_is_rendered_as_markdown(course):
    lessons_dir, out_root = course
    page = gallery.write_gallery(out_root, lessons_dir).read_text(encoding="utf-8")
    assert (
        "<p>The <em>first</em> paragraph of A passing lesson: it uses <code>code</code>, "
        "<strong>bold</strong> text\nand a second line.</p>"
    ) in page
    assert gallery._markdown_html("a <b>x</b> [doc](a.html?b=1&c=2)") == (
        '<p>a &lt;b&gt;x&lt;/b&gt; <a href="a.html?b=1&amp;c=2">doc</a></p>\n'
    )


def test_python_m_dlcourse_writes_the_gallery(tmp_path, monkeypatch):
    lessons_dir = tmp_path / "lessons"
    lessons_dir.mkdir()
    (lessons_dir / "98_ok.py").write_text(
        '"""A passing lesson\n\nA tiny lesson.\n\nClaim: two is less than three.\n"""\n'
        "from dlcourse.lesson import start\nimport matplotlib.pyplot as plt\n"
        "lesson = start(__file__)\n"
        "fig, ax = plt.subplots()\nax.plot([1, 2], [3, 4])\n"
        'lesson.savefig(fig, "line")\n'
        'lesson.claim("two is less than three", 2, target="< 3", holds=2 < 3)\n'
        "lesson.finish()\n",
        encoding="utf-8",
    )
    out_root = tmp_path / "out"
    assert cli.main(["--lessons", str(lessons_dir), "--out", str(out_root), "--quick"]) == 0
    page = read_page(out_root / "index.html")
    assert list(page.sections) == ["98_ok"]
    assert page.images == ["98_ok/line.png"]
    assert "A tiny lesson." in page.section_text("98_ok")


# ------------------------------------------------------------------------------ README table


def test_readme_table_and_thumbnails(course, tmp_path):
    lessons_dir, out_root = course
    thumbnails = tmp_path / "docs" / "thumbnails"
    thumbnails.mkdir(parents=True)
    write_png(thumbnails / "99_gone.png")  # a lesson that was removed
    written = readme.write_thumbnails(out_root, lessons_dir, thumbnails, width=240)
    assert set(written) == {"01_passes", "02_fails"}  # the lessons with a finished run
    assert not (thumbnails / "99_gone.png").exists()
    image = matplotlib.image.imread(thumbnails / "01_passes.png")
    assert image.shape[1] == 240 and image.shape[0] == 120  # 60x30 figure, same aspect

    table = readme.readme_table(lessons_dir, thumbnails, readme_dir=tmp_path)
    lines = table.splitlines()
    assert lines[0] == "| # | lesson | claim it measures | first figure |"
    assert len(lines) == 2 + 4
    assert lines[2] == (
        "| 01 | [A passing lesson](lessons/01_passes.py) | x stays below one | "
        "![A passing lesson](docs/thumbnails/01_passes.png) |"
    )
    # the table's pipes and tag-like text are escaped
    assert lines[3].startswith(
        "| 02 | [A &lt;failing> lesson & more](lessons/02_fails.py) | "
        "ratio \\|\\|dW[1]\\|\\| / \\|\\|dW[10]\\|\\| is small | "
    )
    # a lesson without output: title and claim from its header, no thumbnail
    assert lines[5] == (
        "| 04 | [A lesson that did not run](lessons/04_not_run.py) | x stays below one | — |"
    )
    for line in lines[2:]:
        assert line.count(" | ") == 3  # four cells: no unescaped pipe split a cell


def test_long_claims_are_one_line():
    text = readme._one_line("word " * 100, limit=60)
    assert len(text) <= 60 and text.endswith(" …") and "\n" not in text


def test_update_readme_replaces_only_between_markers(tmp_path):
    readme_file = tmp_path / "README.md"
    readme_file.write_text(
        "intro\n<!-- lessons:start -->\nold table\n<!-- lessons:end -->\noutro\n"
    )
    assert readme.update_readme(readme_file, "| new |")
    assert readme_file.read_text() == (
        "intro\n<!-- lessons:start -->\n| new |\n<!-- lessons:end -->\noutro\n"
    )
    assert not readme.update_readme(readme_file, "| new |")
    readme_file.write_text("no markers")
    with pytest.raises(ValueError, match="lessons:start"):
        readme.update_readme(readme_file, "| new |")


def test_readme_lists_every_lesson():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.find(readme.README_START), text.find(readme.README_END)
    assert 0 <= start < end, "README.md lacks the lesson table markers"
    table = text[start:end]
    missing = [
        p.stem for p in find_lessons(ROOT / "lessons") if f"(lessons/{p.stem}.py)" not in table
    ]
    assert not missing, f"lessons missing from the README table: {missing}; run make docs"
    for line in table.splitlines():
        if "docs/thumbnails/" in line:
            thumbnail = line.split("](docs/thumbnails/")[1].split(")")[0]
            assert (ROOT / "docs" / "thumbnails" / unquote(thumbnail)).is_file(), thumbnail


# ------------------------------------------------------------------------------ screenshot


@pytest.mark.skipif(
    chromium.find_chromium() is None,
    reason="no chromium on PATH (Debian: apt-get install chromium)",
)
def test_screenshot_of_the_gallery_is_not_blank(course, tmp_path):
    from dlcourse.plotting import PALETTE

    lessons_dir, out_root = course
    page = gallery.write_gallery(out_root, lessons_dir)
    png = chromium.screenshot(page, tmp_path / "gallery.png", width=1000, height=1200)
    image = matplotlib.image.imread(png)[..., :3]
    assert image.shape[:2] == (1200, 1000)
    assert image.std() > 0.05, "the screenshot is blank"
    # the header is drawn in the palette's blue: the page's CSS was applied
    blue = np.array([int(PALETTE["blue"][i : i + 2], 16) / 255 for i in (1, 3, 5)])
    header = image[5:40, 5:200].reshape(-1, 3)
    assert np.mean(np.all(np.abs(header - blue) < 0.03, axis=1)) > 0.9
    # the failing lesson's red badge is on the page
    red = np.array([int(PALETTE["red"][i : i + 2], 16) / 255 for i in (1, 3, 5)])
    assert np.any(np.all(np.abs(image.reshape(-1, 3) - red) < 0.03, axis=1))
    os.remove(png)


@pytest.mark.parametrize("options_first", [True, False])
def test_cli_takes_lessons_and_out_before_or_after_the_command(course, options_first):
    lessons_dir, out_root = course
    options = ["--lessons", str(lessons_dir), "--out", str(out_root)]
    argv = options + ["html"] if options_first else ["html"] + options
    (out_root / "index.html").unlink(missing_ok=True)
    assert course_cli.main(argv) == 0
    assert "A passing lesson" in (out_root / "index.html").read_text(encoding="utf-8")
