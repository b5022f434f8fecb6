"""Tiny argument checks shared by the components.

Every check raises a Keras-style `ValueError` that names the parameter, what
was expected and what was received:

    Invalid value for `lambd`: expected a finite float >= 0, received lambd=-1
"""

import math
import numbers


def invalid_value(name, value, expected):
    """Return (not raise) the standard `ValueError` for a bad argument.

    Args:
        name: The parameter's name, as the caller spells it.
        value: The value received.
        expected: What was expected, as a phrase (`"an integer >= 1"`).

    Returns:
        A `ValueError`; the caller raises it, so the traceback ends in the caller.

    Example:

    >>> invalid_value("lambd", -1, "a finite float >= 0")
    ValueError('Invalid value for `lambd`: expected a finite float >= 0, received lambd=-1')
    """
    return ValueError(f"Invalid value for `{name}`: expected {expected}, received {name}={value!r}")


def check_float(value, name, *, low=None, high=None, low_open=False, high_open=False):
    """Check a finite real number within optional bounds; return it as a float.

    `bool` is rejected even though Python treats it as an int.

    Args:
        value: The value to check.
        name: The parameter's name, for the error message.
        low: Optional lower bound.
        high: Optional upper bound.
        low_open: Exclude `low` itself (`value > low`).
        high_open: Exclude `high` itself (`value < high`).

    Returns:
        `value` as a Python float.

    Raises:
        ValueError: if `value` is not a finite real number within the bounds.

    Example:

    >>> check_float(0.8, "keep_prob", low=0, high=1, low_open=True)
    0.8
    >>> check_float(1.5, "keep_prob", low=0, high=1, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for `keep_prob`: expected a float in (0, 1], received keep_prob=1.5
    """
    if low is not None and high is not None:
        expected = f"a float in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    elif low is not None:
        expected = f"a finite float {'>' if low_open else '>='} {low}"
    elif high is not None:
        expected = f"a finite float {'<' if high_open else '<='} {high}"
    else:
        expected = "a finite float"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or (low is not None and (value <= low if low_open else value < low))
        or (high is not None and (value >= high if high_open else value > high))
    ):
        raise invalid_value(name, value, expected)
    return float(value)


def is_int(value) -> bool:
    """Whether `value` is an integer (Python's or NumPy's), and not a bool.

    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value, name, *, low=1, high=None):
    """Check an integer (not a bool) `>= low` (and `<= high`); return it as a Python int.

    The one integer check of the package: the components, the builders, the data sets
    and the playground all use it, so every message reads the same.

    Args:
        value: The value to check.
        name: The parameter's name, for the error message.
        low: The smallest value allowed.
        high: The largest value allowed (None: no limit).

    Returns:
        `value` as a Python int.

    Raises:
        ValueError: if `value` is not an integer in the range.

    Example:

    >>> check_int(211, "m")
    211
    >>> check_int(0, "n", low=3, high=10)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for `n`: expected an integer in [3, 10], received n=0
    """
    if not is_int(value) or value < low or (high is not None and value > high):
        expected = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        raise invalid_value(name, value, expected)
    return int(value)


def check_choice(value, name, choices):
    """Check that `value` is one of the strings in `choices`; return it.

    Args:
        value: The value to check.
        name: The parameter's name, for the error message.
        choices: The strings allowed.

    Returns:
        `value`, unchanged.

    Raises:
        ValueError: if `value` is not one of `choices`.

    Example:

    >>> check_choice("uniform", "distribution", ("normal", "uniform"))
    'uniform'
    """
    if not isinstance(value, str) or value not in choices:
        raise invalid_value(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value
