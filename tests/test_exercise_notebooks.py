"""The exercise notebooks: generated from `exercises/`, free of solutions, and runnable.

The solved notebook of each exercise runs top to bottom on the session's kernel in an
empty folder — it needs nothing but the installed package — and every check in it
passes; the learner's notebook runs too: each check reports "not implemented yet" and
each experiment says it is skipped, with no error.
"""

import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the `notebooks` extra")
pytest.importorskip("jupytext", reason="needs the `notebooks` extra")

from dlcourse import exercises  # noqa: E402
from dlcourse.course import exercises as generate  # noqa: E402
from dlcourse.course.kernel import prologue  # noqa: E402
from dlcourse.header import exercises_for_lessons, find_exercises  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = find_exercises(ROOT / "exercises")
TIMEOUT = 180


def test_every_exercise_has_an_up_to_date_learner_notebook():
    problems = generate.stale_exercise_notebooks(
        ROOT / "exercises", ROOT / "notebooks", ROOT / "lessons"
    )
    assert not any(problems.values()), f"{problems} -- run make notebooks"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_the_learner_notebook_holds_stubs_not_solutions(script):
    text = (ROOT / "notebooks" / "exercises" / f"{script.stem}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    solution = script.read_text(encoding="utf-8").split(generate.BEGIN)[1].split(generate.END)[0]
    for line in solution.strip().splitlines():
        assert json.dumps(line.strip())[1:-1] not in text or len(line.strip()) < 12, line
    assert text.count("raise NotImplementedError(") == script.read_text().count(generate.BEGIN)


def test_stub_generation_and_bad_markers():
    source = (
        "def f(x):\n    '''Doc.'''\n"
        "    ### BEGIN SOLUTION\n    y = x\n    return y\n    ### END SOLUTION\n"
    )
    learner = generate.learner_source(source)
    assert 'raise NotImplementedError("f is not written yet")' in learner
    assert "(2 lines in the course's solution)" in learner and "return y" not in learner
    assert "BEGIN" not in generate.solved_source(source) and "return y" in generate.solved_source(
        source
    )
    with pytest.raises(ValueError, match="never closed"):
        generate.learner_source("    ### BEGIN SOLUTION\n")
    with pytest.raises(ValueError, match="no ### BEGIN SOLUTION"):
        generate.learner_source("x = 1\n")


def test_each_lesson_an_exercise_practises_links_to_it():
    links = exercises_for_lessons(ROOT / "exercises")
    assert sorted(links) == [4, 5, 6, 11, 13, 18, 22]
    for number, headers in links.items():
        lesson = next((ROOT / "notebooks").glob(f"{number:02d}_*.ipynb"))
        for header in headers:
            assert f"exercises/{header.name}.ipynb" in lesson.read_text(encoding="utf-8")


def _run(notebook, kernel, folder):
    kernel.execute(
        notebook, timeout=TIMEOUT, before=prologue(quick=True, seed=0, out=folder, cwd=folder)
    )
    return notebook


def _check_outputs(notebook):
    """The text of each `check(...)` cell's output."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type == "code" and re.fullmatch(r"check\(\w+\)", cell.source.strip()):
            texts.append("".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs))
    return texts


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_the_solved_notebook_runs_anywhere_and_passes_every_check(script, kernel, tmp_path):
    notebook = nbformat.reads(
        generate.exercise_notebook_text(script, solved=True, lessons_dir=ROOT / "lessons"),
        as_version=4,
    )
    _run(notebook, kernel, tmp_path)
    texts = _check_outputs(notebook)
    names = [e.name for e in exercises.EXERCISES.values() if e.notebook == script.stem]
    assert len(texts) == len(names) and all(": passed" in text for text in texts), texts
    shown = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in shown), "the experiment shows a figure"
    assert not any("Skipped" in o.get("text", "") for o in shown)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_the_learner_notebook_runs_and_says_what_to_write(script, kernel, tmp_path):
    path = ROOT / "notebooks" / "exercises" / f"{script.stem}.ipynb"
    notebook = _run(nbformat.read(path, as_version=4), kernel, tmp_path)
    texts = _check_outputs(notebook)
    assert texts and all(": not implemented yet" in text for text in texts), texts
    printed = "".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "Skipped: this experiment uses" in printed
