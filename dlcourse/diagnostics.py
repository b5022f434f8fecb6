"""Bias and variance from train and dev error: Ng's diagnosis and "basic recipe".

Ng (*Improving Deep Neural Networks*, week 1) reads a model's errors against the
optimal (Bayes) error:

- **avoidable bias** = train error − Bayes error: how badly the model fits even
  the data it was trained on;
- **variance** = dev error − train error: how much worse it does on data it has
  not seen.

His table, with Bayes error ≈ 0%:

===========  =========  ===========================
train error  dev error  diagnosis
===========  =========  ===========================
1%           11%        high variance
15%          16%        high bias
15%          30%        high bias and high variance
0.5%         1%         low bias and low variance
===========  =========  ===========================

and with Bayes error ≈ 15% (blurry images), 15% / 16% is fine.

The basic recipe: fix high bias first (bigger network, train longer, another
architecture) until the training set is fit well; then fix high variance (more
data, regularization, another architecture).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from dlcourse._validation import check_float, invalid_value

__all__ = ["Diagnosis", "diagnose", "BIAS_RECIPE", "VARIANCE_RECIPE", "DONE_ADVICE"]

#: Ng's remedies for high (avoidable) bias, in the order he lists them.
BIAS_RECIPE = (
    "bigger network (more hidden units or layers)",
    "train longer (or use a better optimizer)",
    "try another architecture",
)

#: Ng's remedies for high variance, in the order he lists them.
VARIANCE_RECIPE = (
    "more data (or data augmentation)",
    "regularization (L2, dropout)",
    "try another architecture",
)

#: What to do when neither is high.
DONE_ADVICE = ("done: low bias and low variance, confirm once on the test set",)


@dataclass(frozen=True)
class Diagnosis:
    """What `diagnose` found: the two gaps, the verdict and the recipe advice.

    `str()` gives the whole diagnosis in one line.

    Attributes:
        train_error: Training-set error, a fraction in [0, 1].
        dev_error: Dev-set error, a fraction in [0, 1].
        bayes_error: The optimal (Bayes) error used as the baseline.
        avoidable_bias: `train_error - bayes_error`. Negative when the model fits
            the training set better than the best possible rule does, i.e. it has
            memorised noise (a sign of variance, not of bias).
        variance: `dev_error - train_error`.
        high_bias: `avoidable_bias > tolerance`.
        high_variance: `variance > tolerance`.
        verdict: `"high bias"`, `"high variance"`, `"high bias and high
            variance"` or `"low bias and low variance"`.
        advice: The basic-recipe steps to take next (bias first, then variance).
        tolerance: The largest gap still counted as small.

    Example:

    >>> print(diagnose(0.15, 0.16))
    high bias: train 15.0%, dev 16.0%, Bayes 0.0% -> avoidable bias +15.0%, variance +1.0%;
    next: bigger network (more hidden units or layers); train longer (or use a better
    optimizer); try another architecture
    """

    train_error: float
    dev_error: float
    bayes_error: float
    avoidable_bias: float
    variance: float
    high_bias: bool
    high_variance: bool
    verdict: str
    advice: tuple
    tolerance: float

    def __str__(self):
        return (
            f"{self.verdict}: train {self.train_error:.1%}, dev {self.dev_error:.1%}, "
            f"Bayes {self.bayes_error:.1%} -> avoidable bias {self.avoidable_bias:+.1%}, "
            f"variance {self.variance:+.1%}; next: {'; '.join(self.advice)}"
        )


def _check_error(value, name):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0.0 <= value <= 1.0
    ):
        hint = ""
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and 1 < value <= 100:
            hint = f" (write {value}% as {value / 100:g})"
        raise invalid_value(name, value, "an error rate as a fraction in [0, 1]" + hint)
    return float(value)


def diagnose(train_error, dev_error, bayes_error=0.0, *, tolerance=0.05) -> Diagnosis:
    """Diagnose high bias and/or high variance from train and dev error (Ng).

    `avoidable_bias = train_error - bayes_error` and `variance = dev_error -
    train_error`; each counts as *high* when it exceeds `tolerance`. Ng's small
    gaps are at most 1 point and his large ones at least 10, so any tolerance in
    `[0.011, 0.099]` reproduces his table; the default sits in the middle.
    The comparison is done in rounded percentage points, so `0.16 - 0.15` counts
    as exactly one point despite floating-point round-off.

    Args:
        train_error: Training-set error, a fraction in [0, 1] (11% is `0.11`).
        dev_error: Dev-set error, a fraction in [0, 1].
        bayes_error: The optimal error (human-level error is a common proxy),
            a fraction in [0, 1]; `0.0` when people (or the best rule) make
            almost no mistakes.
        tolerance: The largest gap still counted as small, a fraction in (0, 1).

    Returns:
        A `Diagnosis` with `verdict`, `avoidable_bias`, `variance` and
        the recipe `advice`.

    Raises:
        ValueError: if an error is not a fraction in [0, 1] (the message suggests
            `0.11` for `11`), or `tolerance` is not in (0, 1).

    Example:

    >>> diagnose(0.01, 0.11).verdict
    'high variance'
    >>> diagnose(0.15, 0.16).verdict
    'high bias'
    >>> diagnose(0.15, 0.16, bayes_error=0.15).verdict
    'low bias and low variance'
    >>> diagnose(0.15, 0.30).advice[0]
    'bigger network (more hidden units or layers)'

    Reference:
        Ng, *Improving Deep Neural Networks*, week 1, "Bias / Variance" and
        "Basic Recipe for Machine Learning".
    """
    train_error = _check_error(train_error, "train_error")
    dev_error = _check_error(dev_error, "dev_error")
    bayes_error = _check_error(bayes_error, "bayes_error")
    tolerance = check_float(tolerance, "tolerance", low=0, high=1, low_open=True, high_open=True)

    avoidable_bias = train_error - bayes_error
    variance = dev_error - train_error
    # compare in percentage points rounded to 1e-9 so that 16% - 15% is exactly 1 point
    high_bias = round(avoidable_bias * 100, 9) > round(tolerance * 100, 9)
    high_variance = round(variance * 100, 9) > round(tolerance * 100, 9)

    if high_bias and high_variance:
        verdict, advice = "high bias and high variance", BIAS_RECIPE + VARIANCE_RECIPE[:2]
    elif high_bias:
        verdict, advice = "high bias", BIAS_RECIPE
    elif high_variance:
        verdict, advice = "high variance", VARIANCE_RECIPE
    else:
        verdict, advice = "low bias and low variance", DONE_ADVICE
    return Diagnosis(
        train_error=train_error,
        dev_error=dev_error,
        bayes_error=bayes_error,
        avoidable_bias=avoidable_bias,
        variance=variance,
        high_bias=high_bias,
        high_variance=high_variance,
        verdict=verdict,
        advice=tuple(advice),
        tolerance=tolerance,
    )
