"""Tiny argument checks shared by the components.

Every check raises a Keras-style ``ValueError`` that names the parameter, what
was expected and what was received::

    Invalid value for `lambd`: expected a finite float >= 0, received lambd=-1
"""

import math
import numbers


def invalid_value(name, value, expected):
    """Return (not raise) the standard ``ValueError`` for a bad argument."""
    return ValueError(
        f"Invalid value for `{name}`: expected {expected}, "
        f"received {name}={value!r}"
    )


def check_float(value, name, *, low=None, high=None, low_open=False, high_open=False):
    """Check a finite real number within optional bounds; return it as a float.

    `bool` is rejected even though Python treats it as an int.

    >>> check_float(0.8, "keep_prob", low=0, high=1, low_open=True)
    0.8
    """
    if low is not None and high is not None:
        expected = (
            f"a float in {'(' if low_open else '['}{low}, "
            f"{high}{')' if high_open else ']'}"
        )
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


def check_int(value, name, *, low=1):
    """Check an integer (not a bool) ``>= low``; return it as a Python int.

    >>> check_int(211, "m")
    211
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < low
    ):
        raise invalid_value(name, value, f"an integer >= {low}")
    return int(value)


def check_choice(value, name, choices):
    """Check that `value` is one of the strings in `choices`; return it.

    >>> check_choice("uniform", "distribution", ("normal", "uniform"))
    'uniform'
    """
    if not isinstance(value, str) or value not in choices:
        raise invalid_value(
            name, value, "one of " + ", ".join(repr(c) for c in choices)
        )
    return value
