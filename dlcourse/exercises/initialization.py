"""Checks of the initialization exercises: zeros, large random (N(0, 1) × 10) and He.

The random ones are checked by what holds however the numbers are drawn (legacy
`np.random.seed` + `randn`, `np.random.default_rng(seed).standard_normal`, a uniform with
the right variance for He): shapes, zero biases, the same weights for the same seed, and
each layer's sample mean and variance against the course's rule.
"""

from __future__ import annotations

import numpy as np

from dlcourse.exercises._core import register

NOTEBOOK = "01_initialization"
LESSONS = ((18, "Weight initialization"),)
#: Big enough that a sample variance is within a few percent of the true one.
DIMS = [400, 200, 50, 10]
SMALL = [3, 2, 1]


def _check_structure(t, function_args, dims):
    t.step(f"returns W1..b{len(dims) - 1} with the course's shapes", case=f"layer_dims={dims}")
    parameters = t.call(*function_args)
    keys = [f"{kind}{l}" for l in range(1, len(dims)) for kind in ("W", "b")]
    t.expect_keys(parameters, keys, "the keys of `parameters`")
    for l in range(1, len(dims)):
        t.expect_shape(parameters[f"W{l}"], (dims[l], dims[l - 1]), f"W{l}")
        t.expect_shape(parameters[f"b{l}"], (dims[l], 1), f"b{l}")
    t.step("the biases are zeros", case=f"layer_dims={dims}")
    for l in range(1, len(dims)):
        if np.any(np.asarray(parameters[f"b{l}"]) != 0):
            t.fail(
                f"b{l}",
                expected="zeros",
                received="non-zero values",
                mistake="only the weights are random; b[l] = np.zeros((n[l], 1))",
            )
    return parameters


def _check_seed(t, seed_args, other_args):
    t.step("the same seed gives the same weights; another seed others")
    first, second = t.call(*seed_args), t.call(*seed_args)
    if not all(np.array_equal(first[k], second[k]) for k in first):
        t.fail(
            "two calls with the same seed",
            expected="identical weights",
            received="different weights",
            mistake="the weights do not come from `seed`: seed a generator with it "
            "(np.random.default_rng(seed)) or call np.random.seed(seed) first",
        )
    other = t.call(*other_args)
    if np.array_equal(first["W1"], other["W1"]):
        t.fail(
            "two calls with different seeds",
            expected="different weights",
            received="the same weights",
            mistake="`seed` is ignored",
        )


def _check_layer_statistics(t, parameters, dims, variance_rule, rule_text, mistakes):
    """Each W[l]'s sample mean ≈ 0 and variance ≈ the rule, naming the rule it follows instead."""
    for l in range(1, len(dims)):
        w = np.asarray(parameters[f"W{l}"], dtype=np.float64)
        n_prev, n = dims[l - 1], dims[l]
        want = variance_rule(n_prev, n)
        t.step(f"W{l}'s sample variance ≈ {rule_text}", case=f"layer_dims={dims}")
        # relative standard error of a sample variance is about √(2/N) (< 7% here: 500 weights)
        tolerance = max(0.15, 6 * np.sqrt(2 / w.size))
        got = float(np.var(w))
        if abs(got / want - 1) > tolerance:
            mistake = None
            for message, rule in mistakes:
                if abs(got / rule(n_prev, n) - 1) <= tolerance:
                    mistake = message
                    break
            t.fail(
                f"W{l}'s variance",
                expected=f"{want:.4g} (= {rule_text} with n[{l - 1}] = {n_prev}, n[{l}] = {n})",
                received=f"{got:.4g}",
                mistake=mistake,
            )
        if abs(float(np.mean(w))) > 6 * np.sqrt(want / w.size):
            t.fail(
                f"W{l}'s mean",
                expected="≈ 0",
                received=f"{np.mean(w):.4g}",
                mistake="the weights must be centred on 0 (randn, not rand)",
            )


@register(
    "initialize_parameters_zeros",
    notebook=NOTEBOOK,
    arguments=("layer_dims",),
    formula="W[l] = np.zeros((n[l], n[l−1])),  b[l] = np.zeros((n[l], 1))",
    lessons=LESSONS,
    hints=(
        "Loop over l = 1 … L−1 and fill parameters['W' + str(l)] and parameters['b' + str(l)].",
        "W[l] has one row per unit of layer l and one column per unit of layer l−1.",
        "parameters[f'W{l}'] = np.zeros((layer_dims[l], layer_dims[l - 1]))",
    ),
)
def check_zeros(t):
    parameters = _check_structure(t, (SMALL,), SMALL)
    parameters = _check_structure(t, (DIMS,), DIMS)
    t.step("every weight is 0", case=f"layer_dims={DIMS}")
    for l in range(1, len(DIMS)):
        if np.any(np.asarray(parameters[f"W{l}"]) != 0):
            t.fail(
                f"W{l}",
                expected="all zeros",
                received="non-zero weights",
                mistake="this exercise initializes every weight to zero (np.zeros)",
            )


def _large(n_prev, n):
    return 100.0


def _check_random_initialization(t, variance_rule, rule_text, mistakes):
    """Shapes, zero biases, the seed honoured, each layer's variance by `variance_rule`."""
    _check_structure(t, (SMALL, 3), SMALL)
    parameters = _check_structure(t, (DIMS, 3), DIMS)
    _check_seed(t, (SMALL, 3), (SMALL, 4))
    _check_layer_statistics(t, parameters, DIMS, variance_rule, rule_text, mistakes)
    return parameters


@register(
    "initialize_parameters_random",
    notebook=NOTEBOOK,
    arguments=("layer_dims", "seed"),
    formula="W[l] = np.random.randn(n[l], n[l−1]) * 10  (standard normal × 10),  b[l] = 0",
    lessons=LESSONS,
    hints=(
        "Draw every W[l] from a standard normal distribution and multiply it by 10.",
        "Var(W) = 10² = 100; use the seed: rng = np.random.default_rng(seed).",
        "parameters[f'W{l}'] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 10",
    ),
)
def check_random(t):
    parameters = _check_random_initialization(
        t,
        _large,
        "10² = 100",
        (
            ("looks like ×0.01 (small random) instead of ×10", lambda a, b: 1e-4),
            ("looks like the standard normal without the ×10", lambda a, b: 1.0),
            (
                "looks like np.random.rand (uniform in [0, 1)) instead of randn",
                lambda a, b: 100 / 12,
            ),
            ("looks like He's √(2/n[l−1]) instead of ×10", lambda a, b: 2 / a),
        ),
    )
    t.step("the weights are normal, not uniform", case=f"layer_dims={DIMS}")
    w = np.asarray(parameters["W1"], dtype=np.float64).ravel()
    kurtosis = float(np.mean((w - w.mean()) ** 4) / np.var(w) ** 2)  # normal 3, uniform 1.8
    if abs(kurtosis - 3) > 0.6:
        t.fail(
            "W1's distribution",
            expected="a standard normal × 10 (kurtosis 3)",
            received=f"kurtosis {kurtosis:.2f}",
            mistake="draw with randn / standard_normal (a normal distribution), not rand / uniform",
        )


def _he(n_prev, n):
    return 2.0 / n_prev


@register(
    "initialize_parameters_he",
    notebook=NOTEBOOK,
    arguments=("layer_dims", "seed"),
    formula="W[l] = np.random.randn(n[l], n[l−1]) * √(2 / n[l−1]),  b[l] = 0   (Var(W) = 2/n[l−1])",
    lessons=LESSONS,
    hints=(
        "Like the random initialization, but the scale depends on the layer: "
        "the number of inputs each unit of layer l has.",
        "Var(W[l]) = 2 / n[l−1], so multiply a standard normal by √(2 / layer_dims[l − 1]).",
        "parameters[f'W{l}'] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) "
        "* np.sqrt(2 / layer_dims[l - 1])",
    ),
)
def check_he(t):
    _check_random_initialization(
        t,
        _he,
        "2 / n[l−1]",
        (
            ("looks like 1/n[l−1] (Xavier) instead of 2/n[l−1]", lambda a, b: 1 / a),
            (
                "looks like 2/n[l]: the fan of the wrong layer (use n[l−1], the inputs)",
                lambda a, b: 2 / b,
            ),
            (
                "looks like Glorot's 2/(n[l−1] + n[l]) instead of He's 2/n[l−1]",
                lambda a, b: 2 / (a + b),
            ),
            (
                "looks like the variance used as the standard deviation: multiply by "
                "√(2/n[l−1]), not 2/n[l−1]",
                lambda a, b: (2 / a) ** 2,
            ),
            ("looks like the ×10 of the random initialization", lambda a, b: 100.0),
            ("looks like √(1/n[l−1])·2: multiply by √(2/n[l−1])", lambda a, b: 4 / a),
        ),
    )
