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

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from dlcourse.course.colab import install_cell
from dlcourse.course.notebooks import clean_notebook_text, compare_notebooks, sync_notebooks

__all__ = [
    "BEGIN",
    "END",
    "ExerciseHeader",
    "exercise_notebook_text",
    "find_exercises",
    "learner_source",
    "read_exercise_header",
    "solved_source",
    "stale_exercise_notebooks",
    "write_exercise_notebooks",
]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISE_FILE = re.compile(r"^(?P<number>\d\d)_(?P<slug>[a-z0-9_]+)\.py$")
_DEFINITION = re.compile(r"^(?P<indent>\s*)(?:def|class)\s+(?P<name>\w+)")


@dataclass(frozen=True)
class ExerciseHeader:
    """An exercise script's name, number, title, description and the lessons it practises."""

    name: str
    number: int
    title: str
    description: str
    lessons: tuple
    path: Path

    def notebook_markdown(self, lesson_names, lesson_link="../{name}.ipynb") -> str:
        """The notebook's first cell, linking each lesson (`lesson_link` formatted with its
        name: the notebooks' folder by default, the site's pages there)."""
        links = []
        for number in self.lessons:
            stem = lesson_names.get(number)
            label = f"lesson {number:02d}"
            links.append(f"[{label}]({lesson_link.format(name=stem)})" if stem else label)
        return (
            f"# Exercise {self.number:02d} · {self.title}\n\n{self.description}\n\n"
            f"**Practises:** {', '.join(links)}.\n\n"
            "*Write each function where it says `raise NotImplementedError`, then run the "
            'cell below it: `check(...)` says what it found; `hint("name")` helps when you '
            "are stuck. Needs nothing but an installed dlcourse.*"
        )


def find_exercises(exercises_dir="exercises") -> list:
    """The exercise scripts `NN_name.py` in `exercises_dir`, in order (none if it is missing)."""
    folder = Path(exercises_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if EXERCISE_FILE.match(p.name))


def read_exercise_header(path) -> ExerciseHeader:
    """Read an exercise script's header docstring.

    Raises:
        ValueError: if the file name or the docstring is not of the expected form.
    """
    path = Path(path)
    match = EXERCISE_FILE.match(path.name)
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    if match is None or not docstring:
        raise ValueError(
            f"Invalid exercise script {path}: expected NN_name.py opening with a docstring"
        )
    paragraphs = [p.strip() for p in docstring.strip().split("\n\n")]
    lessons_line = [p for p in paragraphs if p.startswith("Lessons:")]
    if len(paragraphs) < 3 or len(lessons_line) != 1:
        raise ValueError(
            f"Invalid exercise header in {path}: expected a title, a description and a "
            f"'Lessons: NN, NN' line, received {len(paragraphs)} paragraphs"
        )
    lessons = tuple(int(n) for n in re.findall(r"\d+", lessons_line[0]))
    description = "\n\n".join(p for p in paragraphs[1:] if not p.startswith("Lessons:"))
    return ExerciseHeader(
        name=path.stem,
        number=int(match["number"]),
        title=paragraphs[0].rstrip("."),
        description=" ".join(description.split("\n")).replace("  ", " "),
        lessons=lessons,
        path=path,
    )


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
    lesson_names = {int(p.name[:2]): p.stem for p in find_lessons(lessons_dir)}
    first = notebook.cells[0] if notebook.cells else None
    if first is not None and first.cell_type == "code" and first.source.lstrip().startswith('"""'):
        notebook.cells[0] = nbformat.v4.new_markdown_cell(
            header.notebook_markdown(lesson_names, lesson_link)
        )
        notebook.cells.insert(1, nbformat.v4.new_code_cell(install_cell()))
    return clean_notebook_text(notebook)


def exercises_for_lessons(exercises_dir="exercises") -> dict:
    """`{lesson number: [ExerciseHeader, ...]}`: which exercises practise each lesson."""
    links = {}
    for script in find_exercises(exercises_dir):
        header = read_exercise_header(script)
        for number in header.lessons:
            links.setdefault(number, []).append(header)
    return links


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
