"""The checker's machinery: the exercise table, a check's steps, mistakes and the report.

A check is a function `check_x(t)` that drives the learner's function through a `Tester`
`t`: `t.step("what is checked")` opens a step (the previous one passed), `t.call(...)`
calls the learner's function on copies of its arguments, and `t.fail(...)` /
`t.expect_close(...)` stop the check with a `Mismatch` that says what was expected, what
came back and, where a known mistake produces exactly what came back, which mistake it
looks like. `run_check` turns that into a `Report`.
"""

from __future__ import annotations

import copy
import html
import inspect
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Exercise", "Mismatch", "Report", "Tester", "register", "run_check"]

#: name -> Exercise, filled by the topic modules (`register`).
EXERCISES: dict = {}


@dataclass(frozen=True)
class Exercise:
    """One exercise: what the learner writes and how it is checked.

    Attributes:
        name: the function's (or class's) name, as in the course.
        notebook: the exercise notebook it belongs to, e.g. `"01_initialization"`.
        arguments: its parameters, in order (the learner's names may differ).
        formula: the course formula, in one or two lines.
        lessons: the lessons to reread, as `(number, title)` pairs.
        hints: a nudge, the formula's use, then the line itself.
        checker: `checker(t)`, the check (see the module docstring).
        kind: `"function"` or `"class"`.
    """

    name: str
    notebook: str
    arguments: tuple
    formula: str
    lessons: tuple
    hints: tuple
    checker: object = field(repr=False, compare=False)
    kind: str = "function"


def register(name, *, notebook, arguments, formula, lessons, hints, kind="function"):
    """Decorator: register `checker` as the check of exercise `name`."""

    def decorate(checker):
        EXERCISES[name] = Exercise(
            name=name,
            notebook=notebook,
            arguments=tuple(arguments),
            formula=formula,
            lessons=tuple(lessons),
            hints=tuple(hints),
            checker=checker,
            kind=kind,
        )
        return checker

    return decorate


class Mismatch(Exception):
    """A check failed: what was checked, expected and received, and the likely mistake."""

    def __init__(self, what, *, expected=None, received=None, mistake=None, case=None):
        super().__init__(what)
        self.what = what
        self.expected = expected
        self.received = received
        self.mistake = mistake
        self.case = case


class NotImplementedYet(Exception):
    """The learner's function still raises `NotImplementedError` (the stub)."""


class LearnerError(Exception):
    """The learner's function raised; carries the exception."""

    def __init__(self, error):
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error


# --------------------------------------------------------------------------
# Comparing arrays and naming mistakes


def _as_array(value):
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def same(received, expected, *, rtol=1e-6, atol=1e-9):
    """Whether `received` equals `expected` (arrays, scalars, nested tuples/dicts) to tolerance."""
    if isinstance(expected, dict):
        return (
            isinstance(received, dict)
            and set(expected) <= set(received)
            and all(same(received[k], expected[k], rtol=rtol, atol=atol) for k in expected)
        )
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(received, (list, tuple))
            and len(received) == len(expected)
            and all(same(r, e, rtol=rtol, atol=atol) for r, e in zip(received, expected))
        )
    received_array, expected_array = _as_array(received), _as_array(expected)
    if received_array is None or expected_array is None:
        return False
    if received_array.shape != expected_array.shape:
        return False
    return bool(np.allclose(received_array, expected_array, rtol=rtol, atol=atol, equal_nan=False))


def first_difference(received, expected, *, rtol=1e-6, atol=1e-9):
    """`(index, received value, expected value)` at the first element that differs, or None."""
    received, expected = _as_array(received), _as_array(expected)
    if received is None or expected is None or received.shape != expected.shape:
        return None
    bad = np.argwhere(~np.isclose(received, expected, rtol=rtol, atol=atol))
    if len(bad) == 0:
        return None
    index = tuple(int(i) for i in bad[0])
    return index, float(received[index]), float(expected[index])


def ratio(received, expected):
    """The constant ratio received / expected, if there is one (else None)."""
    received, expected = _as_array(received), _as_array(expected)
    if received is None or expected is None or received.shape != expected.shape:
        return None
    nonzero = np.abs(expected) > 1e-12
    if not nonzero.any() or np.any(np.abs(received[~nonzero]) > 1e-12):
        return None
    ratios = received[nonzero] / expected[nonzero]
    if np.allclose(ratios, ratios.flat[0], rtol=1e-5, atol=0):
        return float(ratios.flat[0])
    return None


def show(value, limit=6):
    """A short text for a value in a report: shapes for big arrays, a few numbers for small."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {show(v, limit)}" for k, v in value.items()) + "}"
    array = _as_array(value) if not isinstance(value, (list, tuple)) else None
    if array is not None and array.ndim > 0:
        if array.size > limit:
            return f"array of shape {array.shape}"
        return np.array2string(array, precision=6, separator=", ").replace("\n", "")
    if array is not None:
        return f"{float(array):.8g}"
    return repr(value)


# --------------------------------------------------------------------------
# The tester a check drives


def _snapshot(value):
    return copy.deepcopy(value)


def _unchanged(before, after):
    if isinstance(before, dict):
        return (
            isinstance(after, dict)
            and before.keys() == after.keys()
            and all(_unchanged(before[k], after[k]) for k in before)
        )
    if isinstance(before, (list, tuple)):
        return len(before) == len(after) and all(_unchanged(b, a) for b, a in zip(before, after))
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and np.array_equal(before, after, equal_nan=True)
    return True


class Tester:
    """What a check uses to call the learner's function and compare what comes back.

    Attributes:
        function: the learner's function or class.
        passed: the steps passed so far.
        current: the step being checked.
    """

    def __init__(self, exercise, function):
        self.exercise = exercise
        self.function = function
        self.passed = []
        self.current = None
        self.case = None

    def step(self, text, case=None):
        """Open the next step (the one before it passed); `case` describes its inputs."""
        if self.current is not None:
            self.passed.append(self.current)
        self.current, self.case = text, case

    def call(self, *args, function=None, mutable=(), changed=None, **kwargs):
        """Call the learner's function on deep copies of `args`; fail if it changes them.

        Args:
            *args: positional arguments (copied).
            function: what to call (default: the learner's function).
            mutable: positions of arguments the function may change in place (Ng's
                `update_parameters_with_*` update `parameters` in place and return it).
            changed: the mistake's words when an argument comes back changed
                (`{name}` stands for the argument); a generic text by default.
        """
        function = self.function if function is None else function
        copies = [_snapshot(a) for a in args]
        try:
            result = function(*copies, **kwargs)
        except NotImplementedError as error:
            raise NotImplementedYet(str(error)) from None
        except Exception as error:  # the learner's bug, reported in the report
            raise LearnerError(error) from error
        for position, (before, after) in enumerate(zip(args, copies)):
            if position not in mutable and not _unchanged(before, after):
                name = self._argument_name(position)
                self.fail(
                    f"`{name}` is left unchanged",
                    expected=f"`{name}` as it was passed in",
                    received=f"`{name}` changed by your function",
                    mistake=changed.format(name=name)
                    if changed
                    else f"your function modifies its argument `{name}` in place; work on "
                    f"a copy (`np.copy`, `{{k: v.copy() for k, v in {name}.items()}}`)",
                )
        return result

    def _argument_name(self, position):
        names = self.exercise.arguments
        return names[position] if position < len(names) else f"argument {position + 1}"

    def fail(self, what, *, expected=None, received=None, mistake=None, case=None):
        """Stop the check: this step failed."""
        raise Mismatch(what, expected=expected, received=received, mistake=mistake, case=case)

    def fingerprint(self, received, mistakes, *args, rtol=1e-6, atol=1e-9):
        """The message of the first known mistake that returns `received` on `args`.

        Args:
            received: what the learner's function returned.
            mistakes: `(message, wrong_function)` pairs, tried in order.
            *args: the inputs (copied for each try).
        """
        for message, wrong in mistakes:
            try:
                output = wrong(*[_snapshot(a) for a in args])
            except Exception:  # a mistake that cannot run on these inputs is not this one
                continue
            if same(received, output, rtol=rtol, atol=atol):
                return message
        return None

    def expect_close(
        self,
        received,
        expected,
        what,
        *,
        mistakes=(),
        inputs=(),
        ratios=None,
        case=None,
        rtol=1e-6,
        atol=1e-9,
    ):
        """Fail unless `received` equals `expected`; name the mistake if one fits.

        Args:
            received, expected: values (arrays, floats, dicts of arrays, tuples).
            what: what is compared, in words ("the cost", "dW2").
            mistakes: `(message, wrong_function)` pairs run on `inputs` (fingerprints).
            inputs: the arguments the learner's function got.
            ratios: `{ratio: message}` for a constant received/expected ratio (telltales).
            case: the inputs in words, shown in the report.
        """
        if same(received, expected, rtol=rtol, atol=atol):
            return
        mistake = self.fingerprint(received, mistakes, *inputs) if mistakes else None
        if mistake is None and ratios:
            found = ratio(received, expected)
            if found is not None:
                for telltale, message in ratios.items():
                    if np.isclose(found, telltale, rtol=1e-4):
                        mistake = message
                        break
                else:
                    mistake = f"your values are {found:.4g} × the expected ones everywhere"
        self.difference(received, expected, what, mistake=mistake, case=case, rtol=rtol, atol=atol)

    def difference(
        self, received, expected, what, *, mistake=None, case=None, rtol=1e-6, atol=1e-9
    ):
        """Fail, showing both values and the first index where they differ."""
        if isinstance(expected, dict) and isinstance(received, dict):  # show one entry
            for key in expected:
                if key not in received or not same(
                    received[key], expected[key], rtol=rtol, atol=atol
                ):
                    if key in received:
                        received, expected = received[key], expected[key]
                    else:
                        received = f"no key {key!r}"
                    what = f"{what}[{key!r}]"
                    break
        detail = first_difference(received, expected, rtol=rtol, atol=atol)
        expected_text, received_text = show(expected), show(received)
        if detail is not None and _as_array(expected).size > 1:
            index, got, want = detail
            expected_text += f"; at index {index}: {want:.8g}"
            received_text += f"; at index {index}: {got:.8g}"
        self.fail(what, expected=expected_text, received=received_text, mistake=mistake, case=case)

    def number(self, value, what, mistake="sum everything to one number: np.sum, then float(...)"):
        """`value` as a float when it is one number (a float, or an array of one); else fail."""
        if _as_array(value) is None or np.size(value) != 1:
            self.fail(what, expected="a number (float)", received=show(value), mistake=mistake)
        return float(np.asarray(value, dtype=np.float64).reshape(()))

    def expect_keys(self, value, keys, what):
        """Fail unless `value` is a dict holding every key in `keys`."""
        if not isinstance(value, dict):
            self.fail(
                what, expected=f"a dict with keys {sorted(keys)}", received=type(value).__name__
            )
        missing = [k for k in keys if k not in value]
        if missing:
            self.fail(
                what,
                expected=f"keys {list(keys)}",
                received=f"keys {list(value)}",
                mistake=f"missing {', '.join(repr(k) for k in missing)}",
            )

    def expect_shape(self, value, shape, what, mistake=None):
        """Fail unless `value` is an array of `shape`."""
        received = np.shape(value) if _as_array(value) is not None else type(value).__name__
        if received != tuple(shape):
            if mistake is None and received == tuple(shape)[::-1]:
                mistake = "the shape is transposed: W[l] is (n[l], n[l−1]), one row per unit"
            if mistake is None and len(shape) == 2 and shape[1] == 1 and received == (shape[0],):
                mistake = "b[l] must be a column, shape (n[l], 1), not a 1-D array"
            self.fail(
                what,
                expected=f"shape {tuple(shape)}",
                received=f"shape {received}",
                mistake=mistake,
            )


# --------------------------------------------------------------------------
# The report


@dataclass
class Report:
    """What `check` found: passed or not, the steps checked, and on failure the details.

    Attributes:
        exercise: the exercise's name.
        status: `"passed"`, `"failed"`, `"not implemented yet"` or `"error"` (the
            function raised).
        checked: the steps that passed, in order.
        failed: the step that failed (None if passed).
        expected, received: what the failed step wanted and got (text).
        mistake: the likely mistake, in words (None if none is recognised).
        case: the inputs of the failed step, in words.
        formula: the course formula.
        lessons: `(number, title)` of the lessons to reread.
    """

    exercise: str
    status: str
    checked: list
    failed: str = None
    expected: str = None
    received: str = None
    mistake: str = None
    case: str = None
    formula: str = ""
    lessons: tuple = ()

    @property
    def passed(self) -> bool:
        """True when every step passed."""
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def _lines(self):
        """(label, text) pairs, shared by the text and the HTML forms."""
        rows = []
        if self.status == "not implemented yet":
            rows.append(("", f"Write `{self.exercise}` (it still raises NotImplementedError)."))
        elif self.failed is not None:
            if self.checked:
                rows.append(("passed", "; ".join(self.checked)))
            rows.append(("failed", self.failed))
            for label, value in (
                ("case", self.case),
                ("expected", self.expected),
                ("received", self.received),
            ):
                if value is not None:
                    rows.append((label, value))
            if self.mistake:
                rows.append(("likely mistake", self.mistake))
        else:
            rows.extend(("✓", step) for step in self.checked)
        if not self.passed:
            rows.append(("formula", self.formula))
            if self.lessons:
                rows.append(("reread", "; ".join(f"lesson {n:02d}, {t}" for n, t in self.lessons)))
            rows.append(("stuck?", f'hint("{self.exercise}") for a nudge, level 2 or 3 for more'))
        return rows

    def headline(self) -> str:
        mark = {"passed": "✓", "not implemented yet": "…"}.get(self.status, "✗")
        return f"{mark} {self.exercise}: {self.status}"

    def __str__(self) -> str:
        lines = [self.headline()]
        for label, text in self._lines():
            if label == "✓":
                lines.append(f"  ✓ {text}")
            else:
                lines.append(f"  {label + ':' if label else '':<16}{text}".rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = {"passed": "#1a7f37", "not implemented yet": "#6e7781"}.get(self.status, "#cf222e")
        rows = "".join(
            f"<tr><td style='padding-right:1em;color:#57606a;vertical-align:top'>"
            f"{html.escape(label)}</td><td>{html.escape(text)}</td></tr>"
            for label, text in self._lines()
        )
        return (
            f"<div style='border-left:4px solid {colour};padding:0.3em 0.8em'>"
            f"<b style='color:{colour}'>{html.escape(self.headline())}</b>"
            f"<table style='margin-top:0.3em'>{rows}</table></div>"
        )


def _bindable(function, exercise):
    """Fail early when the function cannot take the exercise's arguments in order."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(*exercise.arguments)
    except TypeError:
        expected = ", ".join(exercise.arguments)
        received = ", ".join(signature.parameters)
        return Mismatch(
            "the signature",
            expected=f"{exercise.name}({expected})",
            received=f"{getattr(function, '__name__', exercise.name)}({received})",
            mistake="keep the course's arguments, in this order (extra ones need defaults)",
        )
    return None


def _failed_step(step, what):
    if not step:
        return what
    if not what or what in step:
        return step
    return f"{step} ({what})"


def run_check(exercise, function) -> Report:
    """Run `exercise`'s check on `function` and return the report (never raises)."""
    tester = Tester(exercise, function)
    base = dict(exercise=exercise.name, formula=exercise.formula, lessons=exercise.lessons)
    problem = _bindable(function, exercise) if exercise.kind == "function" else None
    try:
        if problem is not None:
            tester.current = "the signature"
            raise problem
        exercise.checker(tester)
        tester.step(None)
    except (NotImplementedYet, NotImplementedError):  # the stub, or a class's stub method
        return Report(status="not implemented yet", checked=[], **base)
    except Mismatch as mismatch:
        return Report(
            status="failed",
            checked=list(tester.passed),
            failed=_failed_step(tester.current, mismatch.what),
            expected=None if mismatch.expected is None else str(mismatch.expected),
            received=None if mismatch.received is None else str(mismatch.received),
            mistake=mismatch.mistake,
            case=mismatch.case if mismatch.case is not None else tester.case,
            **base,
        )
    except LearnerError as error:
        return Report(
            status="error",
            checked=list(tester.passed),
            failed=tester.current,
            case=tester.case,
            received=f"your function raised {error}",
            **base,
        )
    return Report(status="passed", checked=list(tester.passed), **base)
