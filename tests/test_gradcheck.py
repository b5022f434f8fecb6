"""Ng's gradient check on NumPy functions: his numbers, bands and verdicts, bad input named.

(Keras models are checked in `test_modelcheck.py`.)
"""

import dataclasses
import warnings

import numpy as np
import pytest

from dlcourse import gradcheck
from dlcourse.gradcheck import (
    GradientCheckResult,
    gradient_check,
    numerical_gradient,
    relative_difference,
    verdict_for,
)


def _cube(theta):
    return theta[0] ** 3


def _logistic_cost_and_gradient(n=30, d=4, seed=0):
    """A NumPy logistic-regression cost J(θ) with L2 and its exact gradient."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, d)), rng.integers(0, 2, n)
    lambd = 0.5

    def J(theta):
        w, b = theta[:-1], theta[-1]
        a = 1 / (1 + np.exp(-(x @ w + b)))
        data = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
        return data + lambd / (2 * n) * np.sum(w**2)

    def dJ(theta):
        w, b = theta[:-1], theta[-1]
        a = 1 / (1 + np.exp(-(x @ w + b)))
        dz = (a - y) / n
        return np.concatenate([x.T @ dz + lambd / n * w, [dz.sum()]])

    return J, dJ, rng.normal(size=d + 1)


# NumPy functions ---------------------------------------------------------------


def test_cube_two_sided_vs_one_sided_matches_ngs_numbers():
    two = numerical_gradient(_cube, [1.0], epsilon=0.01)
    one = numerical_gradient(_cube, [1.0], epsilon=0.01, two_sided=False)
    np.testing.assert_allclose(two, [3.0001], rtol=1e-12)  # error ε² = 1e-4
    np.testing.assert_allclose(one, [3.0301], rtol=1e-12)  # error 3ε ≈ 3e-2
    result = gradient_check(_cube, [1.0], [3.0], epsilon=0.01)
    np.testing.assert_allclose(result.approx[0] - 3.0, 1e-4, rtol=1e-6)
    forward = gradient_check(_cube, [1.0], [3.0], epsilon=0.01, two_sided=False)
    np.testing.assert_allclose(forward.approx[0] - 3.0, 0.0301, rtol=1e-9)
    assert forward.difference > 100 * result.difference
    assert result.two_sided and not forward.two_sided


def test_correct_gradient_is_great_and_wrong_one_is_a_bug():
    J, dJ, theta = _logistic_cost_and_gradient()
    good = gradient_check(J, theta, dJ(theta))
    assert good.difference < 1e-7 and good.verdict == "great"
    bad_gradient = dJ(theta)
    bad_gradient[2] *= 2  # a planted backprop bug
    bad = gradient_check(J, theta, bad_gradient)
    assert bad.difference > 1e-3 and bad.verdict == "very likely a bug"
    assert bad.worst(1)[0] == 2
    assert "θ[2]" in str(bad) and "very likely a bug" in str(bad)


def test_difference_formulas_and_zero_conventions():
    result = gradient_check(lambda t: 0.0, [1.0, 2.0], [0.0, 0.0])
    assert result.difference == 0.0
    np.testing.assert_array_equal(result.per_component, [0.0, 0.0])
    approx, analytic = np.array([1.0, 0.0, -2.0]), np.array([1.5, 0.0, -2.0])
    result = gradient_check(lambda t: t @ approx, np.zeros(3), analytic, epsilon=1e-3)
    expected = np.linalg.norm(approx - analytic) / (
        np.linalg.norm(approx) + np.linalg.norm(analytic)
    )
    np.testing.assert_allclose(result.difference, expected, rtol=1e-9)
    np.testing.assert_allclose(result.per_component, [0.5 / 2.5, 0.0, 0.0], atol=1e-9)
    assert relative_difference(approx, analytic) == pytest.approx(expected, rel=1e-15)
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match="`analytic`"):
        relative_difference([1.0, 2.0], [1.0])


def test_one_sided_is_deprecated_for_two_sided():
    with pytest.warns(DeprecationWarning, match="two_sided") as record:
        old = gradient_check(_cube, [1.0], [3.0], epsilon=0.01, one_sided=True)
    assert record[0].filename == __file__  # points at the caller
    new = gradient_check(_cube, [1.0], [3.0], epsilon=0.01, two_sided=False)
    assert not old.two_sided and old.difference == new.difference
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new spelling warns about nothing
        assert gradient_check(_cube, [1.0], [3.0], epsilon=0.01).two_sided
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="`one_sided`"):
        gradient_check(_cube, [1.0], [3.0], two_sided=False, one_sided=True)


def test_verdict_bands():
    assert [verdict_for(d) for d in (0.0, 1e-7, 2e-7, 1e-5, 2e-5, 1e-3, 2e-3, np.nan)] == [
        "great",
        "great",
        "look closer",
        "look closer",
        "worrying",
        "worrying",
        "very likely a bug",
        "very likely a bug",
    ]
    assert [band[1] for band in gradcheck.VERDICT_BANDS][-1] == "very likely a bug"


def test_result_is_frozen_and_read_only():
    result = gradient_check(_cube, [1.0], [3.0], epsilon=0.01)
    assert isinstance(result, GradientCheckResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.difference = 0.0
    with pytest.raises(ValueError):
        result.approx[0] = 0.0
    assert result.epsilon == 0.01
    assert "two-sided" in str(result) and "worrying" in str(result)


def test_numpy_check_validation():
    J, dJ, theta = _logistic_cost_and_gradient()
    cases = [
        (lambda: gradient_check(J, theta.reshape(1, -1), dJ(theta)), "theta"),
        (lambda: gradient_check(J, 1.0, [3.0]), "theta"),
        (lambda: gradient_check(J, [], []), "theta"),
        (lambda: gradient_check(J, theta, dJ(theta)[:-1]), "dtheta"),
        (lambda: gradient_check(J, theta, dJ(theta), epsilon=0), "epsilon"),
        (lambda: gradient_check(J, theta, dJ(theta), epsilon=-1e-7), "epsilon"),
        (lambda: gradient_check(J, theta, dJ(theta), epsilon=float("nan")), "epsilon"),
        (lambda: numerical_gradient(J, theta, epsilon="1e-7"), "epsilon"),
        (lambda: numerical_gradient("J", theta), "J"),
        (lambda: numerical_gradient(lambda t: t, theta), "J"),
    ]
    for call, parameter in cases:
        with pytest.raises(ValueError, match=f"`{parameter}`"):
            call()


def test_non_finite_theta_and_dtheta_are_named():
    J, dJ, theta = _logistic_cost_and_gradient()
    bad = theta.copy()
    bad[[1, 3]] = [np.nan, np.inf]
    message = (
        r"Invalid value for `theta`: expected .*finite.*, "
        r"received theta=<2 of 5 entries non-finite; the first is theta\[1\] = nan>"
    )
    with pytest.raises(ValueError, match=message):
        gradient_check(J, bad, dJ(theta))
    with pytest.raises(ValueError, match=message):
        numerical_gradient(J, bad)
    gradient = dJ(theta)
    gradient[4] = -np.inf
    message = r"`dtheta`.*=<1 of 5 entries non-finite; the first is dtheta\[4\] = -inf>"
    with pytest.raises(ValueError, match=message):
        gradient_check(J, theta, gradient)
