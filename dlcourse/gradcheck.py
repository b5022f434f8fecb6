"""Gradient checking, Ng's recipe: compare an analytic gradient with finite differences.

Flatten every parameter into one vector θ and estimate each partial derivative with
the **two-sided** difference

    dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε        error O(ε²)

rather than the one-sided `(J(θ + ε e_i) − J(θ)) / ε` (error O(ε)): on `J(θ) = θ³`
at θ=1 with ε=0.01 the two-sided estimate is 3.0001 (error 1e-4) and the one-sided
one 3.0301 (error 3e-2). Then compare with the analytic gradient dθ through

    difference = ||dθ_approx − dθ||₂ / (||dθ_approx||₂ + ||dθ||₂)

and read it against Ng's bands (`VERDICT_BANDS`): ≤ 1e-7 "great", ≤ 1e-5 "look
closer", ≤ 1e-3 "worrying", above that "very likely a bug". The bands assume float64
arithmetic: in float32 rounding alone gives differences around 1e-4 to 1e-7.

Rules that go with the check: use it only to debug, never during training (two cost
evaluations per parameter); include the regularization term in J; turn dropout off
(`keep_prob = 1`: with dropout J is random and the check is meaningless); check at
initialization and again after some training.

This module works on any NumPy function `J(θ)`; `dlcourse.modelcheck` checks a Keras
model's backprop with the same differences and the same `GradientCheckResult`.
"""

import dataclasses
import math
import warnings

import numpy as np

from dlcourse._validation import check_float, check_int, invalid_value

__all__ = [
    "VERDICT_BANDS",
    "GradientCheckResult",
    "gradient_check",
    "numerical_gradient",
    "relative_difference",
    "verdict_for",
]

#: Ng's bands: `(upper bound on the difference, verdict, what it means)`.
VERDICT_BANDS = (
    (1e-7, "great", "the gradient is correct"),
    (1e-5, "look closer", "probably fine; inspect the components with the largest differences"),
    (1e-3, "worrying", "suspicious; look for a bug in the components with the largest differences"),
    (math.inf, "very likely a bug", "the analytic gradient is very likely wrong"),
)


def _band(difference):
    for bound, verdict, meaning in VERDICT_BANDS:
        if difference <= bound:
            return bound, verdict, meaning
    return VERDICT_BANDS[-1]  # NaN lands here


def verdict_for(difference):
    """Ng's verdict for a relative difference (see `VERDICT_BANDS`).

    >>> verdict_for(2.9e-10), verdict_for(3e-6), verdict_for(0.285)
    ('great', 'look closer', 'very likely a bug')
    """
    return _band(difference)[1]


def relative_difference(approx, analytic):
    """Ng's relative difference of two gradients, 0 when both are zero.

        difference = ||approx − analytic||₂ / (||approx||₂ + ||analytic||₂)

    Args:
        approx: The finite-difference estimate, an array.
        analytic: The gradient being checked, same shape.

    Returns:
        A float in `[0, 1]`.

    Raises:
        ValueError: if the two shapes differ.

    Example:

    >>> relative_difference([3.0, 4.0], [3.0, 4.0])
    0.0
    >>> relative_difference([1.0, 0.0], [0.0, 1.0])   # √2 / 2
    0.7071067811865476
    """
    approx = np.asarray(approx, dtype=np.float64)
    analytic = np.asarray(analytic, dtype=np.float64)
    if approx.shape != analytic.shape:
        raise invalid_value(
            "analytic",
            _Shown(f"<array of shape {analytic.shape}>"),
            f"an array of the shape of approx {approx.shape}",
        )
    denominator = np.linalg.norm(approx) + np.linalg.norm(analytic)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(approx - analytic) / denominator)


def _per_component(approx, analytic):
    """`|a − b| / (|a| + |b|)` per component, 0 where both are zero."""
    denominator = np.abs(approx) + np.abs(analytic)
    numerator = np.abs(approx - analytic)
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _readonly(array, dtype=np.float64):
    array = np.array(array, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


class _Shown(str):
    """A description that `invalid_value` shows without quotes (`received x=<...>`)."""

    def __repr__(self):
        return str(self)


@dataclasses.dataclass(frozen=True, eq=False)
class GradientCheckResult:
    """What a gradient check found.

    Attributes:
        difference: `relative_difference(approx, analytic)` over the checked components.
        approx: Finite-difference estimate of each checked component.
        analytic: The analytic gradient being checked, same components.
        per_component: `|approx − analytic| / (|approx| + |analytic|)` per
            component (0 where both are zero) — where to look for a bug.
        epsilon: The finite-difference step ε.
        two_sided: `True` for the two-sided difference (error O(ε²)),
            `False` for the one-sided one (error O(ε)).
        indices: Positions in the flattened parameter vector θ of the checked
            components (all of them unless a model check subsampled).
        names: Optional human-readable name per component, such as
            `"hidden_1/kernel[0, 3]"` (model checks).

    `verdict` reads `difference` against Ng's bands (`VERDICT_BANDS`); `str()`
    gives a short report with the worst components. Build one from the two
    gradients with `GradientCheckResult.compare`.
    """

    difference: float
    approx: np.ndarray
    analytic: np.ndarray
    per_component: np.ndarray
    epsilon: float
    two_sided: bool = True
    indices: np.ndarray = None
    names: tuple = None

    def __post_init__(self):
        for name in ("approx", "analytic", "per_component"):
            object.__setattr__(self, name, _readonly(getattr(self, name)))
        indices = np.arange(self.approx.size) if self.indices is None else self.indices
        object.__setattr__(self, "indices", _readonly(indices, np.int64))
        if self.names is not None:
            object.__setattr__(self, "names", tuple(self.names))

    @classmethod
    def compare(cls, approx, analytic, epsilon, two_sided=True, indices=None, names=None):
        """The result of comparing a finite-difference `approx` with `analytic`.

        >>> GradientCheckResult.compare([2.0, 1.0], [2.0, 1.0], epsilon=1e-7).verdict
        'great'
        """
        approx = np.asarray(approx, dtype=np.float64)
        analytic = np.asarray(analytic, dtype=np.float64)
        return cls(
            difference=relative_difference(approx, analytic),
            approx=approx,
            analytic=analytic,
            per_component=_per_component(approx, analytic),
            epsilon=epsilon,
            two_sided=two_sided,
            indices=indices,
            names=names,
        )

    @property
    def verdict(self):
        """`"great"`, `"look closer"`, `"worrying"` or `"very likely a bug"`."""
        return verdict_for(self.difference)

    def worst(self, k=5):
        """Positions (into `approx`, `analytic`, …) of the `k` largest per-component differences."""
        k = min(check_int(k, "k", low=0), self.per_component.size)
        return np.argsort(-self.per_component, kind="stable")[:k]

    def _label(self, position):
        if self.names is not None:
            return self.names[position]
        return f"θ[{self.indices[position]}]"

    def __str__(self):
        bound, verdict, meaning = _band(self.difference)
        kind = "two-sided" if self.two_sided else "one-sided"
        band = "> 1e-3" if math.isinf(bound) else f"≤ {bound:.0e}".replace("e-0", "e-")
        count = f"{self.approx.size} component{'s' if self.approx.size != 1 else ''}"
        lines = [
            f"Gradient check ({kind}, ε={self.epsilon:g}, {count}): "
            f"difference = {self.difference:.3e} → {verdict} ({band}: {meaning})"
        ]
        worst = [p for p in self.worst(5) if self.per_component[p] > 0]
        if worst and self.difference > VERDICT_BANDS[0][0]:
            width = max(len(self._label(p)) for p in worst)
            lines.append("  largest per-component differences:")
            for p in worst:
                lines.append(
                    f"    {self._label(p):<{width}}  approx {self.approx[p]: .6e}  "
                    f"analytic {self.analytic[p]: .6e}  "
                    f"difference {self.per_component[p]:.2e}"
                )
        return "\n".join(lines)


def _check_finite(array, name):
    """Reject NaN and ±inf, saying how many entries are bad and where the first is."""
    bad = ~np.isfinite(array)
    if bad.any():
        first = np.unravel_index(int(np.flatnonzero(bad)[0]), array.shape)
        where = ", ".join(str(int(i)) for i in first)
        raise invalid_value(
            name,
            _Shown(
                f"<{int(bad.sum())} of {array.size} entries non-finite; "
                f"the first is {name}[{where}] = {array[first]}>"
            ),
            "a vector of finite numbers (no NaN or inf)",
        )
    return array


def _check_theta(theta, name="theta"):
    array = np.asarray(theta, dtype=np.float64)
    if array.ndim != 1 or array.size == 0:
        raise invalid_value(
            name,
            theta,
            "a non-empty 1-D vector of parameters (flatten them, e.g. with "
            "np.concatenate([w.ravel() for w in params]); use np.atleast_1d "
            "for a single number)",
        )
    return _check_finite(array, name)


def _two_sided(two_sided, one_sided):
    """The `two_sided` flag, honouring the deprecated `one_sided` for one release."""
    if one_sided is None:
        return bool(two_sided)
    warnings.warn(
        "`one_sided` is deprecated and will be removed in the next release; use "
        "`two_sided` instead (`two_sided=False` for the one-sided difference).",
        DeprecationWarning,
        stacklevel=3,
    )
    if two_sided is not True:  # both given
        raise invalid_value(
            "one_sided", one_sided, f"to be left out when two_sided={two_sided!r} is given"
        )
    return not one_sided


def _scalar_cost(J, theta):
    value = np.asarray(J(theta), dtype=np.float64)
    if value.size != 1:
        raise ValueError(
            "Invalid return value of `J`: expected a scalar cost, "
            f"received an array of shape {value.shape}"
        )
    return float(value.reshape(()))


def numerical_gradient(J, theta, epsilon=1e-7, two_sided=True):
    """Finite-difference gradient of a scalar function `J` at `theta`.

    Two-sided (default, error O(ε²)), as in Ng's course:

        dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε

    One-sided (`two_sided=False`, error O(ε)):

        dθ_approx[i] = (J(θ + ε e_i) − J(θ)) / ε

    Args:
        J: Callable taking a 1-D float64 NumPy vector and returning a scalar cost.
        theta: 1-D vector of finite parameters (converted to float64).
        epsilon: Step ε > 0. Ng uses 1e-7 (float64).
        two_sided: Use the two-sided difference.

    Returns:
        A float64 vector shaped like `theta`.

    Raises:
        ValueError: if `J` is not callable or returns more than one number, or
            `theta` is not a non-empty vector of finite numbers, or `epsilon <= 0`.

    Example:

    >>> numerical_gradient(lambda t: t[0] ** 3, [1.0], epsilon=0.01)
    array([3.0001])
    >>> numerical_gradient(lambda t: t[0] ** 3, [1.0], epsilon=0.01, two_sided=False)
    array([3.0301])
    """
    if not callable(J):
        raise invalid_value("J", J, "a callable J(theta) -> float")
    theta = _check_theta(theta)
    epsilon = check_float(epsilon, "epsilon", low=0, low_open=True)
    approx = np.empty_like(theta)
    base = None if two_sided else _scalar_cost(J, theta.copy())
    for i in range(theta.size):
        theta_plus = theta.copy()
        theta_plus[i] = theta_plus[i] + epsilon
        j_plus = _scalar_cost(J, theta_plus)
        if two_sided:
            theta_minus = theta.copy()
            theta_minus[i] = theta_minus[i] - epsilon
            approx[i] = (j_plus - _scalar_cost(J, theta_minus)) / (2 * epsilon)
        else:
            approx[i] = (j_plus - base) / epsilon
    return approx


def gradient_check(J, theta, dtheta, epsilon=1e-7, *, two_sided=True, one_sided=None):
    """Ng's gradient check of an analytic gradient `dtheta` of `J` at `theta`.

    Computes `dθ_approx` with `numerical_gradient` (two-sided by default, error
    O(ε²); `two_sided=False` for the O(ε) forward difference lesson 4 compares it
    with) and

        difference = ||dθ_approx − dθ||₂ / (||dθ_approx||₂ + ||dθ||₂)

    About 1e-7 or less is great, 1e-5 look closer, above 1e-3 very likely a bug
    (`VERDICT_BANDS`). Put every parameter (weights *and* biases) into θ, include
    the regularization term in J, and turn dropout off.

    Args:
        J: Callable `J(theta) -> float` on a 1-D float64 NumPy vector.
        theta: 1-D vector of finite numbers where the gradient is checked.
        dtheta: The analytic gradient at `theta`, same shape, finite.
        epsilon: Step ε > 0 (Ng: 1e-7; the Udacity notes use 1e-4 and ask for
            agreement to 4 significant digits).
        two_sided: Use the two-sided difference (default); `False` for the
            one-sided one.
        one_sided: Deprecated spelling of `two_sided=False`; kept for one
            release with a `DeprecationWarning`.

    Returns:
        A `GradientCheckResult`.

    Raises:
        ValueError: for a `theta` or `dtheta` that is not a vector of finite
            numbers (the message counts the NaN/inf entries and names the
            first), shapes that differ, or a bad `epsilon` or `J`.

    Example:

    >>> result = gradient_check(lambda t: t[0] ** 3, [1.0], [3.0], epsilon=0.01)
    >>> round(float(result.approx[0]), 6), result.verdict
    (3.0001, 'worrying')
    >>> result = gradient_check(lambda t: np.sum(t ** 2), [1.0, -2.0], [2.0, -4.0])
    >>> result.verdict
    'great'

    Reference:
        Ng, *Improving Deep Neural Networks*, week 1, "Gradient checking".
    """
    two_sided = _two_sided(two_sided, one_sided)
    theta = _check_theta(theta)
    dtheta_array = np.asarray(dtheta, dtype=np.float64)
    if dtheta_array.shape != theta.shape:
        raise invalid_value("dtheta", dtheta, f"a vector of the same shape as theta {theta.shape}")
    _check_finite(dtheta_array, "dtheta")
    epsilon = check_float(epsilon, "epsilon", low=0, low_open=True)
    approx = numerical_gradient(J, theta, epsilon, two_sided=two_sided)
    return GradientCheckResult.compare(approx, dtheta_array, epsilon, two_sided)
