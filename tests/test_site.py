"""The documentation site (`dlcourse.course.site`), built as `make lessons` builds it.

One session fixture builds the site, with Sphinx's warnings as errors, from what the
session's lesson runs left (`tests/test_lessons.py` runs every lesson once, on the
session's kernel, into the `lesson_outputs` folder), as `make lessons` builds it from
`out/`; run alone, it runs two quick lessons there first.
The tests read the built HTML with a real HTML parser: every local link and image
resolves, every lesson has a page (the ones that ran with their figures and claims),
every public name has an API entry, nothing is loaded from the network.
"""

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import matplotlib.image
import numpy as np
import pytest

from dlcourse.course import chromium
from dlcourse.header import find_lessons
from dlcourse.report import LessonReport
from dlcourse.runner import notebook_route_available

site_module = pytest.importorskip("dlcourse.course.site", reason="needs the `notebooks` extra")
if not site_module.site_available() or not notebook_route_available():
    pytest.skip("needs the `docs` and `notebooks` extras", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
LESSONS = find_lessons(ROOT / "lessons")
#: The lessons the fixture runs (quick mode): two short ones.
RAN = ("03", "09")
NETWORK = re.compile(r"^(https?:)?//", re.I)


class Page(HTMLParser):
    """What one HTML page links to, loads and shows."""

    def __init__(self, path):
        super().__init__(convert_charrefs=True)
        self.path = Path(path)
        self.links, self.loads, self.images, self.ids = [], [], [], set()
        self.text, self._hidden = [], 0
        self.feed(self.path.read_text(encoding="utf-8"))
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.loads.append((tag, attrs["src"]))
        if tag == "link" and attrs.get("href"):
            self.loads.append((tag, attrs["href"]))
        if tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)

    @property
    def words(self) -> str:
        """The text a reader sees, on one line (highlighted code reads as written)."""
        return " ".join("".join(self.text).split())


@pytest.fixture(scope="session")
def built(lesson_outputs, kernel):
    """The site built with warnings as errors from the session's lesson outputs (every lesson
    in quick mode when `test_lessons.py` ran before; else lessons 03 and 09 run here)."""
    from dlcourse.runner import run_lesson

    for script in LESSONS:
        if script.stem[:2] in RAN and not (lesson_outputs / script.stem / "claims.json").exists():
            run_lesson(script, quick=True, seed=0, out=lesson_outputs / script.stem, kernel=kernel)
    site_module.build_site(lesson_outputs, ROOT / "lessons", strict=True)
    pages = {
        path.relative_to(lesson_outputs / "site").as_posix(): Page(path)
        for path in (lesson_outputs / "site").rglob("*.html")
    }
    return lesson_outputs, pages


def test_the_site_has_its_pages(built):
    out, pages = built
    expected = {"index.html", "gallery.html", "playground.html", "api/index.html"}
    expected |= {f"lessons/{script.stem}.html" for script in LESSONS}
    expected |= {f"api/{name}.html" for name in site_module.public_modules()}
    assert expected <= set(pages)
    home = pages["index.html"].words
    assert "make lessons" in home and "make test" in home and "dlcourse.deep_net" in home


def test_the_exercises_have_pages_with_stubs_and_no_solutions(built):
    out, pages = built
    exercises = sorted((ROOT / "exercises").glob("[0-9][0-9]_*.py"))
    assert exercises and "exercises/index.html" in pages
    index = pages["exercises/index.html"]
    assert "update_parameters_with_adam" in index.words and "names the mistake" not in index.words
    for script in exercises:
        page = pages[f"exercises/{script.stem}.html"]
        assert "NotImplementedError" in page.words and "BEGIN SOLUTION" not in page.words
        solution = script.read_text(encoding="utf-8").split("### BEGIN SOLUTION")[1]
        first_line = solution.split("### END SOLUTION")[0].strip().splitlines()[0]
        assert " ".join(first_line.split()) not in page.words, script.name
    assert any("exercises/" in link for link in pages["lessons/13_dropout.html"].links)
    assert "Exercises" in pages["index.html"].words


def test_every_local_link_and_image_resolves(built):
    out, pages = built
    site = out / "site"
    problems = []
    for name, page in pages.items():
        targets = page.links + [src for _, src in page.loads]
        for target in targets:
            parts = urlsplit(target)
            if parts.scheme in ("http", "https", "mailto") or target.startswith("javascript:"):
                continue
            assert parts.scheme == "", f"{name}: {target}"
            path = (page.path.parent / unquote(parts.path)) if parts.path else page.path
            if not path.exists():
                problems.append(f"{name}: {target} (no {os.path.relpath(path, site)})")
                continue
            if parts.fragment and path.suffix == ".html":
                key = path.resolve().relative_to(site.resolve()).as_posix()
                if key in pages and parts.fragment not in pages[key].ids:
                    problems.append(f"{name}: {target} (no id {parts.fragment!r})")
    assert not problems, "\n".join(problems[:20])


def test_nothing_is_loaded_from_the_network(built):
    out, pages = built
    for name, page in pages.items():
        remote = [(tag, src) for tag, src in page.loads if NETWORK.match(src)]
        assert not remote, f"{name} loads {remote}"
        text = page.path.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|link|img)\b[^>]*>", text):
            assert "http:" not in tag and "https:" not in tag, f"{name}: {tag}"
    for css in (out / "site" / "_static").rglob("*.css"):
        urls = re.findall(r"url\(\s*['\"]?([^)'\"]+)", css.read_text(encoding="utf-8"))
        assert not [url for url in urls if NETWORK.match(url)], css.name
        assert "@import url(http" not in css.read_text(encoding="utf-8"), css.name
    mathjax = out / "site" / "_static" / "mathjax" / "MathJax.js"
    assert mathjax.is_file()  # math is typeset by a local MathJax
    assert any("_static/mathjax/MathJax.js" in src for _, src in pages["index.html"].loads)


def test_every_lesson_has_a_page_with_its_figures_and_claims(built):
    out, pages = built
    for script in LESSONS:
        page = pages[f"lessons/{script.stem}.html"]
        report = LessonReport.read_or_none(out / script.stem)
        if report is None:  # not run in this session
            assert script.stem[:2] not in RAN and "has not run" in page.words, script.stem
            continue
        words = page.words
        for claim in report.claims:
            assert " ".join(claim.name.split()) in words, claim.name
        assert words.count("PASS") >= len(report.claims)
        assert f"quick mode · seed {report.seed}" in words  # (wall time: summary.json's)
        figures = [src for src in page.images if "_images/" in src]
        assert len(figures) >= len(report.figures), script.stem
        # the prose, the code and the printed claims are on the page, in order
        assert words.index("What this run measured") < words.index("lesson.claim(")
        assert "[PASS]" in words
        assert "google.colab" not in words  # the Colab install cell is not on the page


def test_gallery_has_a_card_per_lesson(built):
    out, pages = built
    gallery = pages["gallery.html"]
    for script in LESSONS:
        assert f"lessons/{script.stem}.html" in gallery.links, script.stem
    ran = [s for s in LESSONS if LessonReport.read_or_none(out / s.stem) is not None]
    assert {s.stem[:2] for s in ran} >= set(RAN)
    thumbnails = [src for src in gallery.images if "_thumbnails" in src or "_images" in src]
    assert len(thumbnails) == len(ran)  # a thumbnail for each lesson that ran
    words = gallery.words
    assert words.count("PASS") == len(ran)
    assert words.count("NOT RUN") == len(LESSONS) - len(ran)


def test_every_public_name_has_an_api_entry(built):
    import importlib
    import inspect

    import dlcourse

    out, pages = built
    ids = set().union(*(page.ids for name, page in pages.items() if name.startswith("api/")))
    for name in dlcourse.__all__:
        if name in dlcourse._MODULES:
            assert f"module-dlcourse.{name}" in ids, name
        else:
            module = dlcourse._NAMES[name]
            assert f"dlcourse.{module}.{name}" in ids, name
            # autosummary's table: `dlcourse.L2` links to where autodoc documents it
            assert f"{module}.html#dlcourse.{module}.{name}" in pages["api/index.html"].links
        assert f"dlcourse.{name}" in pages["api/index.html"].words, name
    for module_name in site_module.public_modules():
        module = importlib.import_module(f"dlcourse.{module_name}")
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                key
                for key, value in vars(module).items()
                if not key.startswith("_")
                and getattr(value, "__module__", None) == module.__name__
                and (inspect.isclass(value) or inspect.isfunction(value))
            ]
        for name in names:
            value = getattr(module, name)
            if inspect.ismodule(value):
                continue  # a subpackage's module (dlcourse.scratch.mlp): its names are listed
            assert f"dlcourse.{module_name}.{name}" in ids, f"dlcourse.{module_name}.{name}"
    regularizers = pages["api/regularizers.html"].words
    assert ">>> reg = L2(lambd=0.7, m=211)" in regularizers  # docstring examples shown


def test_lesson_pages_say_how_a_run_went(tmp_path):
    """Failing and crashed runs, without Sphinx: the generated page sources."""
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    for name in ("01_fails", "02_crashes"):
        (lessons / f"{name}.py").write_text(
            f'"""Lesson {name}\n\nIt runs.\n\nClaim: x | y < 1.\n"""\n\n# %%\n'
            "lesson = start(__file__)\n",
            encoding="utf-8",
        )
    out = tmp_path / "out"
    (out / "01_fails").mkdir(parents=True)
    matplotlib.image.imsave(out / "01_fails" / "curve.png", np.zeros((20, 40, 3)))
    report = {
        "lesson": "01_fails",
        "title": "t",
        "seconds": 2.5,
        "quick": False,
        "seed": 3,
        "figures": ["curve.png"],
        "claims": [{"name": "||W|| * 2 < $1", "value": 0.5, "target": "< 1", "holds": False}],
    }
    (out / "01_fails" / "claims.json").write_text(json.dumps(report), encoding="utf-8")
    summary = {
        "quick": False,
        "seeds": [3],
        "lessons": [
            {**report, "wall_seconds": 4.0, "error": "exited with status 1"},
            {
                **report,
                "lesson": "02_crashes",
                "claims": [],
                "figures": [],
                "error": "Traceback ...\nZeroDivisionError: division by zero",
            },
        ],
    }
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    source = site_module.write_sources(out, lessons, tmp_path / "source")
    failing = json.loads((source / "lessons" / "01_fails.ipynb").read_text(encoding="utf-8"))
    cell = "".join(failing["cells"][1]["source"])
    assert "{bdg-danger}`FAIL` · 0/1 claims hold · full mode · seed 3 · wall time 4.0 s" in cell
    assert r"\|\|W\|\| \* 2 \< \$1" in cell  # Markdown and math characters escaped
    assert "figures/curve.png" in "".join(failing["cells"][-1]["source"])  # no notebook: figures
    assert (source / "lessons" / "figures" / "curve.png").is_file()
    crashed = json.loads((source / "lessons" / "02_crashes.ipynb").read_text(encoding="utf-8"))
    cell = "".join(crashed["cells"][1]["source"])
    assert "CRASHED" in cell and "ZeroDivisionError: division by zero" in cell
    gallery = (source / "gallery.md").read_text(encoding="utf-8")
    assert "{bdg-danger}`FAIL`" in gallery and "{bdg-warning}`CRASHED`" in gallery
    assert r"x \| y \< 1." in gallery


def test_no_html_or_css_in_python_strings():
    """The site's HTML and CSS come from Sphinx, its theme and `site/`, not from Python."""
    tags = re.compile(r"<(html|head|body|div|span|table|style|section|img)\b|\{\s*margin:", re.I)
    for path in (ROOT / "dlcourse" / "course").rglob("*.py"):
        assert not tags.search(path.read_text(encoding="utf-8")), path.name


@pytest.mark.skipif(chromium.find_chromium() is None, reason="no chromium on PATH")
def test_screenshots_of_the_home_and_a_lesson_page(built, tmp_path):
    out, _ = built
    site = out / "site"
    lesson = f"lessons/{find_lessons(ROOT / 'lessons', only=[RAN[0]])[0].stem}.html"
    for page in ("index.html", lesson):
        png = chromium.screenshot(site / page, tmp_path / "shot.png", width=1280, height=900)
        image = matplotlib.image.imread(png)[..., :3]
        assert image.shape[:2] == (900, 1280)
        assert image.std() > 0.05, f"the screenshot of {page} is blank"
        # the site's stylesheet was applied: links in the palette's blue (#0072B2)
        blue = np.array([0x00, 0x72, 0xB2]) / 255
        assert np.any(np.all(np.abs(image.reshape(-1, 3) - blue) < 0.03, axis=1)), page
    for name in ("site-home.png", "site-lesson.png"):  # committed: make screenshot
        assert (ROOT / "docs" / name).is_file(), f"docs/{name} is missing: run make screenshot"
