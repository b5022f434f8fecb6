"""A lesson's header: its name, number, title, description and claim, written once.

Every lesson script `lessons/NN_name.py` opens with a module docstring of this form::

    \"\"\"Dropout

    Inverted dropout (Ng): in training keep each hidden unit with probability
    `keep_prob` and divide the survivors by `keep_prob`, ...

    Claim: inverted dropout keeps the mean activation (within 1%), ...
    \"\"\"

- the first line is the **title** (a trailing period is dropped);
- the paragraphs after it, up to the `Claim:` line, are the **description**;
- the `Claim:` paragraph is the **claim** in one sentence (the claims the lesson
  measures are recorded by the lesson itself when it runs).

The **name** (`"13_dropout"`) and **number** (`13`) come from the file name. A
syllabus lesson taught in two scripts carries a letter after its number
(`03a_chain_rule.py`, `03b_backprop_by_hand.py`): both keep the syllabus number 3,
sort in letter order, and show as `03a`, `03b` (the header's **label**). This
module is the one reader of that header: the lesson plumbing (`dlcourse.lesson.start`),
the runner, the notebooks, the site and the README table all use it, so nothing is
retyped and nothing can drift. It needs only the standard library.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "EXERCISE_FILE",
    "LESSON_FILE",
    "ExerciseHeader",
    "LessonHeader",
    "exercises_for_lessons",
    "find_exercises",
    "find_lessons",
    "lesson_order",
    "read_exercise_header",
    "read_header",
]

#: A lesson script's file name: two digits (the syllabus number), an optional letter
#: (one part of a lesson taught in two scripts: `03a`, `03b`), an underscore, a name.
LESSON_FILE = re.compile(r"^(?P<number>\d\d)(?P<part>[a-z]?)_(?P<slug>[a-z0-9_]+)\.py$")
_CLAIM = "Claim:"
#: An exercise script's file name (`exercises/NN_name.py`), like a lesson's.
EXERCISE_FILE = re.compile(r"^(?P<number>\d\d)_(?P<slug>[a-z0-9_]+)\.py$")


@dataclass(frozen=True)
class LessonHeader:
    """What a lesson script says about itself, read from its file name and docstring.

    Attributes:
        name: the file name without `.py`, e.g. `"13_dropout"`.
        number: the lesson's number in the syllabus, e.g. `13` (`3` for `03a_chain_rule`).
        title: the docstring's first line, e.g. `"Dropout"`.
        description: the paragraphs between the title and the claim (Markdown).
        claim: the `Claim:` paragraph, on one line.
        path: the script.
        part: the letter of a lesson taught in two scripts (`"a"`, `"b"`), else `""`.
    """

    name: str
    number: int
    title: str
    description: str
    claim: str
    path: Path
    part: str = ""

    @property
    def label(self) -> str:
        """The number as the course shows it: `"13"`, or `"03a"` for one part of lesson 3."""
        return f"{self.number:02d}{self.part}"

    def notebook_markdown(self) -> str:
        """The first cell of the lesson's notebook: heading, description, claim."""
        return (
            f"# {self.label} · {self.title}\n\n{self.description}\n\n"
            f"**Claim:** {self.claim}\n\n"
            f"*Generated from `lessons/{self.name}.py`; run it as a script with "
            f"`python lessons/{self.name}.py [--quick] [--seed N]`.*"
        )


def _invalid(path, expected, received):
    return ValueError(f"Invalid lesson header in {path}: expected {expected}, received {received}")


def read_header(path) -> LessonHeader:
    """Read the header of the lesson script at `path`.

    Args:
        path: a lesson script, `NN_name.py`.

    Returns:
        A `LessonHeader`.

    Raises:
        ValueError: if the file name is not `NN_name.py`, or the docstring is
            missing, has no title line, or has no `Claim:` paragraph.

    Example:

    >>> header = read_header("lessons/13_dropout.py")
    >>> header.name, header.number, header.title
    ('13_dropout', 13, 'Dropout')
    """
    path = Path(path)
    match = LESSON_FILE.match(path.name)
    if match is None:
        raise _invalid(path, "a file named NN_name.py (or NNa_name.py)", repr(path.name))
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"Invalid value for `path`: cannot read {path} ({error})") from None
    try:
        docstring = ast.get_docstring(ast.parse(source, filename=str(path)), clean=True)
    except SyntaxError as error:
        raise _invalid(path, "a Python script", f"a syntax error ({error.msg})") from None
    if not docstring or not docstring.strip():
        raise _invalid(path, "a module docstring (title, description, Claim:)", "none")
    lines = docstring.strip().splitlines()
    title = lines[0].strip().rstrip(".")
    if not title or (len(lines) > 1 and lines[1].strip()):
        raise _invalid(path, "a one-line title followed by a blank line", repr(lines[:2]))
    body = "\n".join(lines[1:]).strip()
    paragraphs = re.split(r"\n\s*\n", body) if body else []
    claim_at = [i for i, p in enumerate(paragraphs) if p.lstrip().startswith(_CLAIM)]
    if not claim_at:
        raise _invalid(path, f"a paragraph starting with {_CLAIM!r}", "none")
    first = claim_at[0]
    claim = " ".join(paragraphs[first].strip()[len(_CLAIM) :].split())
    if not claim:
        raise _invalid(path, f"a sentence after {_CLAIM!r}", "an empty claim")
    description = "\n\n".join(p.strip() for p in paragraphs[:first])
    if not description:
        raise _invalid(path, "a description between the title and the claim", "none")
    return LessonHeader(
        name=path.stem,
        number=int(match["number"]),
        title=title,
        description=description,
        claim=claim,
        path=path,
        part=match["part"],
    )


def lesson_order(path) -> tuple:
    """Sort key of a lesson script: `(number, part)`, so `03a` < `03b` < `04`."""
    match = LESSON_FILE.match(Path(path).name)
    return (int(match["number"]), match["part"]) if match else (10**6, Path(path).name)


def find_lessons(lessons_dir="lessons", only=None) -> list:
    """Return the lesson scripts `NN_name.py` (and `NNa_name.py`) in `lessons_dir`, in order.

    Args:
        lessons_dir: folder holding the lesson scripts.
        only: optional iterable of lesson numbers, labels or names to keep (`17`,
            `"17_vanishing_gradients"`; `3` or `"03"` keeps both `03a` and `03b`,
            `"03a"` only the first).

    Raises:
        ValueError: if `lessons_dir` is not a folder, or `only` matches no lesson.
    """
    folder = Path(lessons_dir)
    if not folder.is_dir():
        raise ValueError(
            f"Invalid value for `lessons_dir`: expected a folder of lesson scripts, "
            f"received lessons_dir={str(lessons_dir)!r} (not a folder)"
        )
    paths = sorted(
        (p for p in folder.glob("[0-9][0-9]*_*.py") if LESSON_FILE.match(p.name)), key=lesson_order
    )
    if only:
        wanted = {str(item) for item in only}
        wanted |= {f"{int(item):02d}" for item in only if str(item).isdigit()}
        paths = [
            p
            for p in paths
            if p.stem in wanted or p.stem[:2] in wanted or p.stem.split("_")[0] in wanted
        ]
        if not paths:
            raise ValueError(f"Invalid value for `only`: no lesson matches {sorted(wanted)}")
    return paths


# --------------------------------------------------------------------------
# Exercise scripts: a title, a description and the lessons they practise


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


def exercises_for_lessons(exercises_dir="exercises") -> dict:
    """`{lesson number: [ExerciseHeader, ...]}`: which exercises practise each lesson."""
    links = {}
    for script in find_exercises(exercises_dir):
        header = read_exercise_header(script)
        for number in header.lessons:
            links.setdefault(number, []).append(header)
    return links
