"""The course's programming exercises, with a checker that names the mistake.

Ng's course 2 asks learners to implement what the lectures show: initializations, the
L2 cost and its backward pass, dropout, gradient checking, mini-batches, momentum,
Adam, learning-rate decay. The exercise notebooks (`notebooks/exercises/`) hold a stub
for each; `check` runs the learner's function through checks in layers and stops at
the first failure:

1. the signature (the course's arguments, in order);
2. types and shapes of what comes back;
3. inputs not changed in place, no hidden state (called twice, on copies);
4. small cases compared with the course's reference (`dlcourse.scratch`, `dlcourse.gradcheck`,
   the Keras components) — exactly where randomness is not the point;
5. properties that hold however random numbers are drawn (a dropout mask keeps about
   `keep_prob` of the units and each layer is `relu(z)·d/keep_prob` with the learner's own
   mask; He's sample variance ≈ 2/n[l−1]; mini-batches cut one permutation).

When a value is wrong, the known mistakes of the course's learners are run on the same
inputs (λ/m instead of λ/2m, the mask not divided by keep_prob, the bias correction with β
instead of β^t, the last partial mini-batch missing, …): the one that gives exactly what
the learner's function gave is named in the report, in words. A correct solution passes
whatever random-number API, loops or vectorisation it uses.

Example:

>>> from dlcourse.exercises import check
>>> def update_lr(learning_rate0, epoch_num, decay_rate):
...     return learning_rate0 / (1 + decay_rate * epoch_num)
>>> check(update_lr).passed
True
>>> def update_lr(learning_rate0, epoch_num, decay_rate):
...     return learning_rate0 * (1 + decay_rate * epoch_num)
>>> print(check(update_lr).mistake)
looks like α₀ · (1 + decay_rate · epoch_num): divide, don't multiply

`dlcourse exercises check FILE.py` checks every exercise function a learner's file defines.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from dlcourse.exercises import (  # noqa: F401  (each registers its exercises)
    components,
    gradient_checking,
    initialization,
    optimization,
    regularization,
)
from dlcourse.exercises._core import EXERCISES, Exercise, Report, run_check

# In the course's order: by notebook, then as each notebook presents them.
_ORDER = {
    name: (exercise.notebook, index) for index, (name, exercise) in enumerate(EXERCISES.items())
}
EXERCISES = {name: EXERCISES[name] for name in sorted(EXERCISES, key=_ORDER.get)}

__all__ = ["EXERCISES", "Exercise", "Hint", "Report", "check", "check_file", "hint", "ready"]


def _exercise(name):
    if name not in EXERCISES:
        raise ValueError(
            "Invalid value for `name`: expected the name of an exercise ("
            + ", ".join(sorted(EXERCISES))
            + f"), received name={name!r}"
        )
    return EXERCISES[name]


def check(function, name=None) -> Report:
    """Check the learner's `function` (or class) against its exercise; return the report.

    Args:
        function: the learner's function or class.
        name: the exercise's name; by default the function's own `__name__`.

    Returns:
        A `Report`: `report.passed`, the steps checked, and on failure what was expected,
        what came back, the likely mistake, the course formula and the lesson to reread.
        It shows as rich output in Jupyter, as text with `print`.

    Raises:
        ValueError: if no exercise has that name.
    """
    if name is None:
        name = getattr(function, "__name__", None)
    return run_check(_exercise(name), function)


def ready(*functions) -> bool:
    """True if every function passes its check; else prints which to finish first.

    The exercise notebooks run an experiment with the learner's functions only once
    they pass: `if ready(initialize_parameters_he): ...`.
    """
    waiting = [f.__name__ for f in functions if not check(f).passed]
    if waiting:
        print(f"Skipped: this experiment uses {', '.join(waiting)}: make its check pass first.")
    return not waiting


@dataclass(frozen=True)
class Hint:
    """A hint: the exercise, its level (1 nudge, 2 formula, 3 the line) and its text."""

    exercise: str
    level: int
    text: str

    def __str__(self) -> str:
        return f"hint {self.level}/3 for {self.exercise}: {self.text}"

    __repr__ = __str__


def hint(name, level=1) -> Hint:
    """A hint for exercise `name`: 1 a nudge, 2 the formula in use, 3 the line itself.

    Raises:
        ValueError: for an unknown exercise or a level outside 1–3.

    >>> hint("update_lr", 3)
    hint 3/3 for update_lr: return learning_rate0 / (1 + decay_rate * epoch_num)
    """
    if callable(name):
        name = name.__name__
    exercise = _exercise(name)
    if isinstance(level, bool) or level not in (1, 2, 3):
        raise ValueError(f"Invalid value for `level`: expected 1, 2 or 3, received level={level!r}")
    return Hint(exercise.name, level, exercise.hints[level - 1])


def check_file(path) -> list:
    """Import a learner's Python file and check every exercise it defines.

    Args:
        path: a `.py` file.

    Returns:
        The reports, one per exercise function or class found, in the course's order.

    Raises:
        ValueError: if the file does not exist or defines no exercise.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"Invalid value for `path`: expected a Python file, received path={str(path)!r}"
        )
    spec = importlib.util.spec_from_file_location(f"_dlcourse_learner_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and pickling look the module up
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    found = [EXERCISES[name] for name in EXERCISES if callable(getattr(module, name, None))]
    if not found:
        raise ValueError(
            "Invalid value for `path`: expected a file defining an exercise ("
            + ", ".join(EXERCISES)
            + f"), received path={str(path)!r}, which defines none"
        )
    return [run_check(exercise, getattr(module, exercise.name)) for exercise in found]
