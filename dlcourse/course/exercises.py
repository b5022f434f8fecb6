"""The exercise notebooks, generated from one source: `exercises/NN_name.py`.

An exercise script is a jupytext percent script like a lesson. Its header docstring has a
title line, a description and a `Lessons: 11, 13` line (the lessons it practises). Each
function or class the learner writes holds the solution between nbgrader's markers::

    def update_lr(learning_rate0, epoch_num, decay_rate):
        \"\"\"...\"\"\"
        ### BEGIN SOLUTION
        return learning_rate0 / (1 + decay_rate * epoch_num)
        ### END SOLUTION

Two notebooks come from it:

- the **learner's** (`notebooks/exercises/NN_name.ipynb`, committed): each solution
  replaced by a stub that raises `NotImplementedError`, so `check` reports "not
  implemented yet" and the experiments say they are skipped;
- the **solved** one (`solved=True`, never written to the repository): the markers
  dropped, the solution kept — the tests execute it, and every check must pass.

Neither needs anything but an installed dlcourse: they read no file of the checkout.
"""

from __future__ import annotations

import re
from pathlib import Path

from dlcourse.course.colab import install_cell
from dlcourse.course.notebooks import clean_notebook_text, compare_notebooks, sync_notebooks
from dlcourse.header import find_exercises, read_exercise_header

__all__ = [
    "BEGIN",
    "END",
    "exercise_notebook_text",
    "learner_source",
    "solved_source",
    "stale_exercise_notebooks",
    "write_exercise_notebooks",
]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_DEFINITION = re.compile(r"^(?P<indent>\s*)(?:def|class)\s+(?P<name>\w+)")


def _solution_blocks(lines):
    """`(begin, end)` line indices of each solution block; raises on unbalanced markers."""
    blocks, begin = [], None
    for index, line in enumerate(lines):
        if line.strip() == BEGIN:
            if begin is not None:
                raise ValueError(f"Invalid exercise: nested {BEGIN} at line {index + 1}")
            begin = index
        elif line.strip() == END:
            if begin is None:
                raise ValueError(f"Invalid exercise: {END} without {BEGIN} at line {index + 1}")
            blocks.append((begin, index))
            begin = None
    if begin is not None:
        raise ValueError(f"Invalid exercise: {BEGIN} at line {begin + 1} is never closed")
    return blocks


def _enclosing_name(lines, index):
    """`Class.method` or `function` around line `index`."""
    names, indent = [], len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        match = _DEFINITION.match(line)
        if match and len(match["indent"]) < indent:
            names.insert(0, match["name"])
            indent = len(match["indent"])
            if indent == 0:
                break
    return ".".join(names)


def learner_source(text: str) -> str:
    """The script with every solution block replaced by a `NotImplementedError` stub."""
    lines = text.split("\n")
    blocks = _solution_blocks(lines)
    if not blocks:
        raise ValueError(f"Invalid exercise: no {BEGIN} / {END} block")
    out, previous = [], 0
    for begin, end in blocks:
        out.extend(lines[previous:begin])
        indent = lines[begin][: len(lines[begin]) - len(lines[begin].lstrip())]
        name = _enclosing_name(lines, begin)
        size = sum(1 for line in lines[begin + 1 : end] if line.strip())
        out.append(
            f"{indent}# Your code here ({size} line{'s' if size != 1 else ''} in "
            f"the course's solution)."
        )
        out.append(f'{indent}raise NotImplementedError("{name} is not written yet")')
        previous = end + 1
    out.extend(lines[previous:])
    return "\n".join(out)


def solved_source(text: str) -> str:
    """The script with the markers removed and the solutions kept."""
    lines = text.split("\n")
    _solution_blocks(lines)  # validates the markers
    return "\n".join(line for line in lines if line.strip() not in (BEGIN, END))


def exercise_notebook_text(
    script, *, solved=False, lessons_dir="lessons", lesson_link="../{name}.ipynb"
) -> str:
    """The `.ipynb` text (no outputs) of an exercise: the learner's, or the solved one.

    Args:
        script: the exercise script.
        solved: keep the solutions (for the tests), else the learner's stubs.
        lessons_dir: the lessons (for the links to those it practises).
        lesson_link: a lesson's link, formatted with its `name`.
    """
    import jupytext
    import nbformat

    from dlcourse.header import find_lessons

    script = Path(script)
    header = read_exercise_header(script)
    text = script.read_text(encoding="utf-8")
    source = solved_source(text) if solved else learner_source(text)
    notebook = jupytext.reads(source, fmt="py:percent")
    lesson_names = {}  # number -> the first script of that lesson (03a for lesson 3)
    for path in find_lessons(lessons_dir):
        lesson_names.setdefault(int(path.name[:2]), path.stem)
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "code" and first.source.lstrip().startswith('"""'):
        notebook.cells[0] = nbformat.v4.new_markdown_cell(
            header.notebook_markdown(lesson_names, lesson_link)
        )
        notebook.cells.insert(1, nbformat.v4.new_code_cell(install_cell()))
    return clean_notebook_text(notebook)


def _expected(exercises_dir, notebooks_dir, lessons_dir):
    folder = Path(notebooks_dir) / "exercises"
    return folder, {
        folder / f"{script.stem}.ipynb": exercise_notebook_text(script, lessons_dir=lessons_dir)
        for script in find_exercises(exercises_dir)
    }


def write_exercise_notebooks(
    exercises_dir="exercises", notebooks_dir="notebooks", lessons_dir="lessons"
) -> list:
    """Regenerate `notebooks/exercises/NN_name.ipynb` (learner versions); delete orphans."""
    return sync_notebooks(*_expected(exercises_dir, notebooks_dir, lessons_dir)[::-1])


def stale_exercise_notebooks(
    exercises_dir="exercises", notebooks_dir="notebooks", lessons_dir="lessons"
) -> dict:
    """`{"missing": [...], "stale": [...], "orphaned": [...]}` learner notebooks."""
    return compare_notebooks(*_expected(exercises_dir, notebooks_dir, lessons_dir)[::-1])
