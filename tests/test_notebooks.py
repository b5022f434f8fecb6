"""The notebooks: generated from the lessons by jupytext, up to date, without outputs.

That each notebook runs top to bottom on a kernel is tested with the lessons
(`test_lessons.py`): every lesson runs once, as its notebook.
"""

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="needs the `notebooks` extra")
pytest.importorskip("jupytext", reason="needs the `notebooks` extra")

from dlcourse.course import notebooks  # noqa: E402
from dlcourse.header import read_header  # noqa: E402
from dlcourse.runner import find_lessons  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"
NOTEBOOKS_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))

TINY = '"""A\n\nIt sets x.\n\nClaim: x is set.\n"""\n\n# %% [markdown]\n# Prose.\n\n# %%\n'


def test_every_lesson_has_an_up_to_date_notebook():
    problems = notebooks.stale_notebooks(LESSONS_DIR, NOTEBOOKS_DIR)
    messages = [f"{kind}: notebooks/{name}" for kind, names in problems.items() for name in names]
    assert not messages, "; ".join(messages) + " -- run make notebooks"


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert notebook.metadata.kernelspec.name == "python3", path.name
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, (
                    f"{path.name} has outputs -- run make notebooks"
                )


def test_notebook_generation_is_deterministic_and_uses_the_header():
    lesson = find_lessons(LESSONS_DIR)[0]
    first = notebooks.notebook_text(lesson, NOTEBOOKS_DIR)
    assert first == notebooks.notebook_text(lesson, NOTEBOOKS_DIR)
    notebook = json.loads(first)
    assert "jupytext_version" not in first
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    # the header becomes the first cell; the rest mirrors the script's cells
    header = read_header(lesson)
    assert notebook["cells"][0]["cell_type"] == "markdown"
    assert "".join(notebook["cells"][0]["source"]) == header.notebook_markdown()
    code = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    call = f'start(name="{lesson.stem}", title="{header.title}")'
    assert sum(call in source for source in code) == 1
    assert "google.colab" in code[0]  # the Colab install cell comes first
    assert not any("__file__" in source for source in code)


def test_write_notebooks_creates_updates_and_removes(tmp_path):
    lessons_dir, notebooks_dir = tmp_path / "lessons", tmp_path / "notebooks"
    lessons_dir.mkdir()
    notebooks_dir.mkdir()
    (lessons_dir / "01_a.py").write_text(TINY + "lesson = start(__file__)\nx = 1\n")
    (notebooks_dir / "02_gone.ipynb").write_text("{}")
    assert notebooks.stale_notebooks(lessons_dir, notebooks_dir) == {
        "missing": ["01_a.ipynb"],
        "stale": [],
        "orphaned": ["02_gone.ipynb"],
    }
    changed = notebooks.write_notebooks(lessons_dir, notebooks_dir)
    assert sorted(p.name for p in changed) == ["01_a.ipynb", "02_gone.ipynb"]
    assert sorted(p.name for p in notebooks_dir.iterdir()) == ["01_a.ipynb"]
    assert notebooks.write_notebooks(lessons_dir, notebooks_dir) == []  # nothing to do
    (lessons_dir / "01_a.py").write_text(TINY + "lesson = start(__file__)\nx = 2\n")
    assert notebooks.stale_notebooks(lessons_dir, notebooks_dir)["stale"] == ["01_a.ipynb"]


def test_a_lesson_must_call_start_with_its_file_once(tmp_path):
    (tmp_path / "01_a.py").write_text(TINY + "x = 1\n")
    with pytest.raises(ValueError, match="start"):
        notebooks.notebook_text(tmp_path / "01_a.py", tmp_path)
