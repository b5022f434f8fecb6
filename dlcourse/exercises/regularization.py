"""Checks of the regularization exercises: the L2 cost and its backward pass, dropout.

The references are `dlcourse.scratch` (`cost`, `backward`, `forward`). The inputs are a
3-layer ReLU net with a sigmoid output, as in Ng's assignment, with non-zero biases so
that a regularized bias shows. Dropout is checked by what holds however the masks are
drawn: each hidden activation is `relu(Z) · D / keep_prob` for the learner's own mask D,
D keeps about `keep_prob` of the units, and the output layer is never dropped.
"""

from __future__ import annotations

import numpy as np

from dlcourse import gradcheck, scratch
from dlcourse.exercises._core import register, same, show

NOTEBOOK = "02_regularization"
L2_LESSONS = ((11, "L2 regularization (weight decay)"),)
DROPOUT_LESSONS = ((13, "Dropout"),)
DIMS = [3, 4, 3, 1]


def net(dims=DIMS, m=5, seed=1):
    """Parameters (biases non-zero), inputs and 0/1 labels of a small net; float64."""
    rng = np.random.default_rng(seed)
    parameters = scratch.init_parameters(dims, initializer="xavier", seed=seed)
    for l in range(1, len(dims)):
        parameters[f"b{l}"] = rng.normal(0, 0.5, size=(dims[l], 1))
    x = rng.normal(size=(dims[0], m))
    y = (rng.random((dims[-1], m)) < 0.5).astype(np.float64)
    return parameters, x, y


def _weights(parameters):
    return [parameters[k] for k in sorted(parameters) if k.startswith("W")]


def _cross_entropy(a_last, y):
    return scratch.cost(a_last, y)


# Known wrong L2 costs: (message, function of (a_last, y, parameters, lambd)).
def _penalty(parameters, keys):
    return sum(np.sum(np.square(parameters[k])) for k in keys)


def _keys(parameters, kind="W"):
    return [k for k in parameters if k.startswith(kind)]


L2_COST_MISTAKES = (
    (
        "looks like λ/m instead of λ/2m in front of the sum of squares",
        lambda a, y, p, l: _cross_entropy(a, y) + l / y.shape[1] * _penalty(p, _keys(p)),
    ),
    (
        "looks like λ/2 without the m: divide by 2m, the number of examples",
        lambda a, y, p, l: _cross_entropy(a, y) + l / 2 * _penalty(p, _keys(p)),
    ),
    (
        "the biases are regularized too: the L2 term sums the weights W[l] only",
        lambda a, y, p, l: (
            _cross_entropy(a, y) + l / (2 * y.shape[1]) * _penalty(p, _keys(p) + _keys(p, "b"))
        ),
    ),
    (
        "the cross-entropy part is missing: J = cross-entropy + L2 term",
        lambda a, y, p, l: l / (2 * y.shape[1]) * _penalty(p, _keys(p)),
    ),
    ("the L2 term is missing (or λ is not used)", lambda a, y, p, l: _cross_entropy(a, y)),
    (
        "looks like the norms are not squared: ||W||², not ||W||",
        lambda a, y, p, l: (
            _cross_entropy(a, y)
            + l / (2 * y.shape[1]) * sum(np.linalg.norm(p[k]) for k in _keys(p))
        ),
    ),
    (
        "looks like Σ|W| (L1) instead of Σ W² (L2)",
        lambda a, y, p, l: (
            _cross_entropy(a, y)
            + l / (2 * y.shape[1]) * sum(np.sum(np.abs(p[k])) for k in _keys(p))
        ),
    ),
    (
        "only the last layer's weights are in the L2 term: sum over every layer",
        lambda a, y, p, l: (
            _cross_entropy(a, y) + l / (2 * y.shape[1]) * np.sum(np.square(p[sorted(_keys(p))[-1]]))
        ),
    ),
    (
        "only W1, W2, W3 fit Ng's 3-layer net: loop over every layer instead",
        lambda a, y, p, l: (
            _cross_entropy(a, y)
            + l / (2 * y.shape[1]) * _penalty(p, [k for k in ("W1", "W2", "W3") if k in p])
        ),
    ),
)


@register(
    "compute_cost_with_regularization",
    notebook=NOTEBOOK,
    arguments=("a_last", "y", "parameters", "lambd"),
    formula="J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] + (λ / 2m) Σ_l ||W[l]||²_F",
    lessons=L2_LESSONS,
    hints=(
        "The regularized cost is the cross-entropy cost plus one term: what does λ/2m multiply?",
        "The sum of the squares of every weight matrix W1, W2, …, WL (not the biases), "
        "times λ/(2m); m = y.shape[1].",
        "cost = cross_entropy + lambd / (2 * m) * sum(np.sum(np.square(parameters[f'W{l}'])) "
        "for l in range(1, L + 1))",
    ),
)
def check_l2_cost(t):
    for dims, lambd in (([3, 4, 3, 1], 0.7), ([2, 5, 1], 0.1), ([4, 3, 2, 2, 1], 1.5)):
        parameters, x, y = net(dims, m=5)
        a_last, _ = scratch.forward(parameters, x)
        case = f"a {len(dims) - 1}-layer net {dims}, m = 5, lambd = {lambd}"
        t.step(f"returns a number ({len(dims) - 1} layers)", case=case)
        inputs = (a_last, y, parameters, lambd)
        received = t.number(t.call(*inputs), "the cost")
        t.step(f"the cost equals the course's ({len(dims) - 1} layers)", case=case)
        expected = scratch.cost(a_last, y, parameters, lambd=lambd)
        t.expect_close(received, expected, "the cost", mistakes=L2_COST_MISTAKES, inputs=inputs)
    t.step("lambd = 0 gives the plain cross-entropy")
    parameters, x, y = net()
    a_last, _ = scratch.forward(parameters, x)
    received = t.number(t.call(a_last, y, parameters, 0.0), "the cost")
    t.expect_close(received, scratch.cost(a_last, y), "the cost")


def _l2_backward(weight=1.0, biases=None):
    """A (possibly wrong) L2 backward pass: `weight`·(λ/m)·W added to dW, λ/m·b to db."""

    def backward(a_last, y, caches, lambd):
        m = y.shape[1]
        grads = scratch.backward(a_last, y, caches)
        for l, (_, w, _, _, _) in enumerate(caches, start=1):
            grads[f"dW{l}"] = grads[f"dW{l}"] + weight * lambd / m * w
            if biases is not None:
                grads[f"db{l}"] = grads[f"db{l}"] + lambd / m * biases[f"b{l}"]
        return grads

    return backward


def _caches_without_masks(caches):
    return [(a_prev, w, z, a, None) for a_prev, w, z, a, _ in caches]


def _grad_keys(n_layers):
    return [f"d{kind}{l}" for l in range(1, n_layers + 1) for kind in ("W", "b")]


def _expect_grads(t, received, expected, mistakes, inputs):
    """Fail unless the learner's `grads` hold every dW/db of `expected`, equal to it."""
    t.expect_keys(received, list(expected), "the keys of `grads`")
    for key in expected:
        t.expect_shape(
            received[key],
            np.shape(expected[key]),
            key,
            mistake=f"{key} must have the shape of {key[1:]}",
        )
    wrong = [key for key in expected if not same(received[key], expected[key])]
    if wrong:
        mistake = t.fingerprint({key: received[key] for key in expected}, mistakes, *inputs)
        what = wrong[0] + (f" (also wrong: {', '.join(wrong[1:])})" if wrong[1:] else "")
        t.difference(received[wrong[0]], expected[wrong[0]], what, mistake=mistake)


@register(
    "backward_propagation_with_regularization",
    notebook=NOTEBOOK,
    arguments=("a_last", "y", "caches", "lambd"),
    formula="dW[l] = (1/m) dZ[l] A[l−1]ᵀ + (λ/m) W[l];  db[l] = (1/m) Σ dZ[l]  (no λ term)",
    lessons=L2_LESSONS,
    hints=(
        "Start from the backward pass without regularization; only the dW[l] change.",
        "The derivative of (λ/2m) ||W[l]||² with respect to W[l] is (λ/m) W[l]: "
        "add it to every dW[l], not to db[l].",
        "grads[f'dW{l}'] = dz @ a_prev.T / m + lambd / m * w",
    ),
)
def check_l2_backward(t):
    for dims, lambd in (([3, 4, 3, 1], 0.7), ([2, 5, 1], 0.1)):
        parameters, x, y = net(dims, m=5)
        a_last, caches = scratch.forward(parameters, x)
        inputs = (a_last, y, caches, lambd)
        t.step(
            f"the gradients equal the course's ({len(dims) - 1} layers)",
            case=f"a ReLU net {dims} with a sigmoid output, m = 5, lambd = {lambd}",
        )
        received = t.call(*inputs)
        expected = scratch.backward(a_last, y, caches, lambd=lambd)
        mistakes = (
            ("looks like λ/(2m)·W: the derivative of (λ/2m)·W² is (λ/m)·W", _l2_backward(0.5)),
            ("looks like λ·W without the 1/m", _l2_backward(y.shape[1])),
            ("looks like 2λ/m·W: the ½ of λ/2m cancels the 2 of W²", _l2_backward(2.0)),
            ("the (λ/m)·W term is missing from dW", _l2_backward(0.0)),
            (
                "the biases are regularized too: db[l] gets no λ term",
                _l2_backward(biases=parameters),
            ),
        )
        _expect_grads(t, received, expected, mistakes, inputs)
    t.step(
        "the gradients agree with a two-sided finite difference of the cost (dlcourse.gradcheck)",
        case=f"net {DIMS}, m = 5, lambd = 0.7",
    )
    parameters, x, y = net(DIMS, m=5)
    a_last, caches = scratch.forward(parameters, x)
    received = t.call(a_last, y, caches, 0.7)

    def cost(theta):
        trial = scratch.vector_to_parameters(theta, parameters)
        return scratch.cost(scratch.forward(trial, x)[0], y, trial, lambd=0.7)

    theta = scratch.parameters_to_vector(parameters)
    result = gradcheck.gradient_check(
        cost, theta, scratch.gradients_to_vector(received, parameters)
    )
    if result.difference > 1e-7:
        t.fail(
            "the gradient check",
            expected="a relative difference < 1e-7",
            received=f"{result.difference:.3g}",
        )


def _forward_consistent(t, x, parameters, keep_prob, a_last, caches):
    """Every layer of the learner's caches follows the course's forward pass with its own masks."""
    n_layers = len([k for k in parameters if k.startswith("W")])
    if not isinstance(caches, (list, tuple)) or len(caches) != n_layers:
        t.fail(
            "the caches",
            expected=f"a list of {n_layers} tuples (a_prev, W, z, a, d)",
            received=show(caches)
            if not isinstance(caches, (list, tuple))
            else f"{len(caches)} entries",
        )
    a_prev = x
    for l, cache in enumerate(caches, start=1):
        if len(cache) != 5:
            t.fail(
                f"cache {l}",
                expected="(a_prev, W, z, a, d), as scratch.forward makes them",
                received=f"a tuple of {len(cache)}",
            )
        _, _, z, a, d = cache
        want_z = parameters[f"W{l}"] @ a_prev + parameters[f"b{l}"]
        if not np.allclose(z, want_z, rtol=1e-6, atol=1e-9):
            mistake = None
            if l == 1 and d is not None:
                mistake = "the input x is dropped: dropout applies to the hidden layers only"
            t.difference(z, want_z, f"z{l} = W{l} @ a{l - 1} + b{l} (cached a{l - 1})",
                         mistake=mistake)  # fmt: skip
        if l == n_layers:
            want = scratch.sigmoid(z)
            if not np.allclose(a_last, want, rtol=1e-6, atol=1e-9):
                t.fail(
                    "the output a_last",
                    expected="sigmoid(z_L), no dropout on the output",
                    received=show(a_last),
                    mistake="the output layer is dropped: dropout applies to the hidden "
                    "layers only",
                )
            break
        if d is None:
            t.fail(
                f"the mask d{l}",
                expected=f"the 0/1 mask of layer {l} in its cache",
                received="None",
                mistake="store each hidden layer's mask in its cache: (a_prev, W, z, a, d)",
            )
        d = np.asarray(d)
        if d.shape != np.shape(z):
            t.fail(
                f"the mask d{l}",
                expected=f"shape {np.shape(z)}, one draw per unit and example",
                received=f"shape {d.shape}",
                mistake="one mask for every example: draw d with the shape of a",
            )
        if not np.all((d == 0) | (d == 1)):
            t.fail(
                f"the mask d{l}",
                expected="0/1 (or True/False) entries",
                received="other values",
                mistake="the mask must be 0/1: d = rng.random(a.shape) < keep_prob",
            )
        relu = np.maximum(z, 0)
        want = relu * d / keep_prob
        if not np.allclose(a, want, rtol=1e-6, atol=1e-9):
            mistake = None
            if np.allclose(a, relu * d):
                mistake = (
                    "the mask is not divided by keep_prob (inverted dropout scales the "
                    "kept units up by 1/keep_prob)"
                )
            elif np.allclose(a, relu * d * keep_prob):
                mistake = "multiplied by keep_prob instead of dividing by it"
            elif np.allclose(a, relu / keep_prob) or np.allclose(a, relu):
                mistake = "the mask is not applied to a (a = a * d / keep_prob)"
            t.difference(a, want, f"a{l} = relu(z{l}) * d{l} / keep_prob (your mask d{l})",
                         mistake=mistake)  # fmt: skip
        a_prev = a
    return caches


def _mask_statistics(t, caches, keep_prob):
    masks = np.concatenate([np.ravel(c[4]) for c in caches[:-1]]).astype(np.float64)
    kept = float(masks.mean())
    tolerance = 6 * np.sqrt(keep_prob * (1 - keep_prob) / masks.size)
    if abs(kept - keep_prob) > tolerance:
        mistake = None
        if abs(kept - (1 - keep_prob)) <= tolerance:
            mistake = (
                "the mask keeps 1 − keep_prob of the units: keep a unit when "
                "rand < keep_prob (keep_prob is the probability of keeping)"
            )
        t.fail(
            "the share of units kept",
            expected=f"≈ {keep_prob} (keep_prob)",
            received=f"{kept:.3f}",
            mistake=mistake,
        )


@register(
    "forward_propagation_with_dropout",
    notebook=NOTEBOOK,
    arguments=("x", "parameters", "keep_prob", "rng"),
    formula="d[l] = rand(a[l].shape) < keep_prob;  a[l] = a[l] * d[l] / keep_prob  "
    "(hidden layers only)",
    lessons=DROPOUT_LESSONS,
    hints=(
        "After each hidden layer's ReLU, switch units off at random and scale the "
        "survivors; leave the input and the sigmoid output alone.",
        "d = rng.random(a.shape) < keep_prob keeps each unit with probability keep_prob; "
        "a = a * d / keep_prob keeps the expected value of a.",
        "d = rng.random(a.shape) < keep_prob; a = a * d / keep_prob; "
        "caches.append((a_prev, w, z, a, d))",
    ),
)
def check_dropout_forward(t):
    big, x_big, _ = net([20, 300, 200, 1], m=50, seed=2)
    for keep_prob in (0.8, 0.5):
        case = f"net [20, 300, 200, 1], m = 50, keep_prob = {keep_prob}"
        t.step(
            f"each layer is relu(z)·d/keep_prob with its cached mask (keep_prob {keep_prob})",
            case=case,
        )
        output = t.call(x_big, big, keep_prob, np.random.default_rng(3))
        if not isinstance(output, tuple) or len(output) != 2:
            t.fail("the return value", expected="(a_last, caches)", received=show(output))
        a_last, caches = output
        _forward_consistent(t, x_big, big, keep_prob, a_last, caches)
        t.step(f"the masks keep about keep_prob = {keep_prob} of the units", case=case)
        _mask_statistics(t, caches, keep_prob)
    t.step(
        "the mean activation is kept (≈ the mean without dropout)",
        case="net [20, 300, 200, 1], m = 50, keep_prob = 0.8",
    )
    _, caches = t.call(x_big, big, 0.8, np.random.default_rng(4))
    _, plain = scratch.forward(big, x_big)
    mean, plain_mean = float(np.mean(caches[0][3])), float(np.mean(plain[0][3]))
    if abs(mean / plain_mean - 1) > 0.05:
        t.fail("the mean of a1", expected=f"≈ {plain_mean:.4g}", received=f"{mean:.4g}")
    parameters, x, y = net([3, 4, 3, 1], m=5)
    t.step("keep_prob = 1 is the plain forward pass", case="net [3, 4, 3, 1], m = 5")
    a_last, caches = t.call(x, parameters, 1.0, np.random.default_rng(0))
    want, _ = scratch.forward(parameters, x)
    t.expect_close(a_last, want, "a_last")
    t.step("two calls draw different masks")
    _, again = t.call(x_big, big, 0.8, np.random.default_rng(5))
    if np.array_equal(np.asarray(caches[0][4]), np.asarray(again[0][4])):
        t.fail(
            "the masks of two calls",
            expected="different masks",
            received="the same mask",
            mistake="the mask is not random: draw it with "
            "rng.random (or np.random.rand) on every call",
        )


def _dropout_backward(divide=True, reuse=True, fresh=False):
    def backward(a_last, y, caches, keep_prob):
        used = caches
        if fresh:  # a new mask drawn in backward
            rng = np.random.default_rng(123)
            used = [
                (p, w, z, a, None if d is None else rng.random(np.shape(d)) < keep_prob)
                for p, w, z, a, d in caches
            ]
        if not reuse:
            used = _caches_without_masks(caches)
        return scratch.backward(a_last, y, used, keep_prob=keep_prob if divide else 1.0)

    return backward


@register(
    "backward_propagation_with_dropout",
    notebook=NOTEBOOK,
    arguments=("a_last", "y", "caches", "keep_prob"),
    formula="dA[l] = dA[l] * D[l] / keep_prob  (the forward mask, for every hidden layer), "
    "then dZ[l] = dA[l] · g'(Z[l])",
    lessons=DROPOUT_LESSONS,
    hints=(
        "A unit switched off in the forward pass gets no gradient: backward reuses the mask "
        "that forward stored in the cache.",
        "After computing dA[l] = W[l+1]ᵀ dZ[l+1], multiply it by the cached D[l] and divide by "
        "keep_prob, as the forward pass did.",
        "da_prev = w.T @ dz; da_prev = da_prev * mask / keep_prob; dz = da_prev * (z_prev > 0)",
    ),
)
def check_dropout_backward(t):
    parameters, x, y = net([3, 4, 3, 1], m=5)
    for keep_prob in (0.8, 0.6):
        a_last, caches = scratch.forward(
            parameters, x, keep_prob=keep_prob, rng=np.random.default_rng(7)
        )
        inputs = (a_last, y, caches, keep_prob)
        t.step(
            f"the gradients equal the course's with forward's masks (keep_prob {keep_prob})",
            case=f"net [3, 4, 3, 1], m = 5, masks from scratch.forward, keep_prob = {keep_prob}",
        )
        received = t.call(*inputs)
        if isinstance(received, dict) and any(
            not same(received[key], value) for key, value in t.call(*inputs).items()
        ):
            t.fail(
                "two calls on the same caches",
                expected="the same gradients",
                received="different gradients",
                mistake="a new mask is drawn in backward: "
                "reuse the mask forward stored in the cache",
            )
        expected = scratch.backward(a_last, y, caches, keep_prob=keep_prob)
        mistakes = (
            ("the mask is applied but not divided by keep_prob", _dropout_backward(divide=False)),
            (
                "forward's mask is not reused: dA[l] must be multiplied by the cached D[l] "
                "(and divided by keep_prob)",
                _dropout_backward(reuse=False),
            ),
            (
                "a new mask is drawn in backward: reuse the mask forward stored in the cache",
                _dropout_backward(fresh=True),
            ),
        )
        _expect_grads(t, received, expected, mistakes, inputs)
    t.step("keep_prob = 1 (no masks) is the plain backward pass")
    a_last, caches = scratch.forward(parameters, x)
    received = t.call(a_last, y, [(p, w, z, a, np.ones_like(a)) for p, w, z, a, _ in caches], 1.0)
    _expect_grads(t, received, scratch.backward(a_last, y, caches), (), ())
