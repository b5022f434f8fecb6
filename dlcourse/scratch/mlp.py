"""A small multilayer perceptron in NumPy, Ng style: forward, cost, backward, update.

Conventions follow Ng's course:

- examples are **columns**: `x` is `(n[0], m)`, `W[l]` is `(n[l], n[l-1])`,
  `b[l]` is `(n[l], 1)`; parameters live in a dict `{"W1", "b1", "W2", ...}`
  and gradients in `{"dW1", "db1", ...}`;
- hidden layers use `"relu"`, `"sigmoid"` or `"tanh"`; the output layer is
  sigmoid units with the binary cross-entropy cost, so `dZ[L] = A[L] − Y`;
- L2 regularization is the course's `(λ/2m) Σ ||W[l]||²` (weights only), whose
  gradient adds `(λ/m) W[l]`; dropout is inverted dropout on the hidden layers.

Also here: flattening the parameters into one vector θ for gradient checking
(Ng's `dictionary_to_vector` / `vector_to_dictionary`) and `multiply_adds`, the
cost of a pass counted from the matrix shapes (lesson 3).
"""

from __future__ import annotations

import numpy as np

from dlcourse import initializers
from dlcourse._validation import check_choice, check_float, check_int, invalid_value

__all__ = [
    "ACTIVATIONS",
    "backward",
    "cost",
    "forward",
    "gradients_to_vector",
    "init_parameters",
    "multiply_adds",
    "parameter_slices",
    "parameters_to_vector",
    "sigmoid",
    "update_parameters",
    "vector_to_parameters",
]

#: The hidden-layer activations `forward` and `backward` know.
ACTIVATIONS = ("relu", "sigmoid", "tanh")


def sigmoid(z):
    """`1 / (1 + e^{−z})`, computed without overflow for large `|z|`.

    >>> sigmoid(np.array([0.0, -1000.0]))
    array([0.5, 0. ])
    """
    z = np.asarray(z)
    ez = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + ez), ez / (1.0 + ez))


def _activate(z, activation):
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "sigmoid":
        return sigmoid(z)
    return np.tanh(z)


def _activation_backward(da, z, a, activation):
    """`dZ = dA · g'(Z)`; sigmoid and tanh reuse their output: σ' = a(1 − a), tanh' = 1 − a²."""
    if activation == "relu":
        return da * (z > 0)
    if activation == "sigmoid":
        return da * a * (1.0 - a)
    return da * (1.0 - a**2)


def _check_layer_dims(layer_dims):
    dims = tuple(layer_dims)
    bad = [n for n in dims if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1]
    if len(dims) < 2 or bad:
        raise invalid_value(
            "layer_dims", layer_dims, "a sequence of >= 2 positive ints [n[0], ..., n[L]]"
        )
    return tuple(int(n) for n in dims)


def _num_layers(parameters):
    return len([key for key in parameters if key.startswith("W")])


def init_parameters(layer_dims, *, initializer="he", seed=0, dtype="float64"):
    """Random weights and zero biases for a net with sizes `layer_dims = [n[0], ..., n[L]]`.

    `W[l] = randn(n[l], n[l−1]) · √Var` with the variance rule of the course name
    `initializer`, from the same table as `dlcourse.initializers.get`
    (`dlcourse.initializers.COURSE_INITIALIZERS`): `2/n[l−1]` (`"he"`),
    `1/n[l−1]` (`"xavier"`, Ng's form), `100` (`"large_random"`: standard
    normal × 10) or `0` (`"zeros"`).

    Args:
        layer_dims: Layer sizes, input first.
        initializer: A course name, any case: `"he"` (default), `"xavier"`,
            `"large_random"` or `"zeros"`.
        seed: NumPy seed.
        dtype: `"float64"` (default, for gradient checks) or `"float32"`.

    Returns:
        ``{"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL", "bL"}``.

    Raises:
        ValueError: for `layer_dims` with fewer than 2 positive sizes or an
            `initializer` that is not a course name.

    Example:

    >>> parameters = init_parameters([2, 4, 1], seed=0)
    >>> {key: value.shape for key, value in parameters.items()}
    {'W1': (4, 2), 'b1': (4, 1), 'W2': (1, 4), 'b2': (1, 1)}
    """
    dims = _check_layer_dims(layer_dims)
    name = initializer.lower() if isinstance(initializer, str) else None
    if name not in initializers.COURSE_NAMES:
        raise invalid_value(
            "initializer",
            initializer,
            "one of " + ", ".join(repr(n) for n in initializers.COURSE_NAMES) + " (any case)",
        )
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        # Keras's kernel shape (n_in, n_out) gives the fans the table's rules use.
        std = np.sqrt(initializers.variance(name, (dims[l - 1], dims[l])))
        parameters[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1])) * std).astype(dtype)
        parameters[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return parameters


def forward(parameters, x, *, activation="relu", keep_prob=1.0, rng=None):
    """Forward pass: `Z[l] = W[l] A[l−1] + b[l]`, `A[l] = g(Z[l])`, sigmoid output.

    With `keep_prob < 1` each hidden layer gets inverted dropout (Ng):
    `D = rand < keep_prob`, `A = A · D / keep_prob`. The input and the output
    layer are never dropped.

    Args:
        parameters: Dict from `init_parameters`.
        x: Inputs, `(n[0], m)`.
        activation: Hidden activation, one of `"relu"`, `"sigmoid"`, `"tanh"`.
        keep_prob: Probability of keeping a hidden unit, in (0, 1].
        rng: A `np.random.Generator` for the dropout masks (needed if `keep_prob < 1`).

    Returns:
        `(a_last, caches)`: the output `A[L]` `(n[L], m)` and, per layer, the
        cache `(A[l−1], W[l], Z[l], A[l], D[l])` that `backward` needs
        (`D[l]` is `None` without dropout).

    Raises:
        ValueError: for an unknown `activation`, a `keep_prob` outside (0, 1],
            or dropout without an `rng`.

    Example:

    >>> a_last, caches = forward(init_parameters([2, 4, 1]), np.ones((2, 5)))
    >>> a_last.shape, len(caches)
    ((1, 5), 2)
    """
    check_choice(activation, "activation", ACTIVATIONS)
    keep_prob = check_float(keep_prob, "keep_prob", low=0, high=1, low_open=True)
    if keep_prob < 1 and rng is None:
        raise invalid_value("rng", rng, "a np.random.Generator when keep_prob < 1")
    num_layers = _num_layers(parameters)
    a = np.asarray(x)  # (n[0], m)
    caches = []
    for l in range(1, num_layers + 1):
        a_prev, w, b = a, parameters[f"W{l}"], parameters[f"b{l}"]
        z = w @ a_prev + b  # (n[l], m)
        mask = None
        if l < num_layers:
            a = _activate(z, activation)
            if keep_prob < 1:
                mask = rng.random(a.shape) < keep_prob  # (n[l], m) booleans
                a = a * mask / keep_prob
        else:
            a = sigmoid(z)
        caches.append((a_prev, w, z, a, mask))
    return a, caches


def cost(a_last, y, parameters=None, *, lambd=0.0):
    """Binary cross-entropy averaged over the `m` examples, plus the L2 term.

        J = −(1/m) Σ [y log a + (1 − y) log(1 − a)] + (λ/2m) Σ_l ||W[l]||²_F

    Args:
        a_last: Predictions `A[L]`, `(n[L], m)`, in (0, 1).
        y: Labels, same shape (or `(m,)` for one output).
        parameters: The weights (needed when `lambd > 0`).
        lambd: `λ` >= 0.

    Returns:
        The cost, a float.

    Raises:
        ValueError: for `lambd < 0`, or `lambd > 0` without `parameters`.

    Example:

    >>> round(cost(np.array([[0.5, 0.5]]), np.array([1, 0])), 6)   # log 2
    0.693147
    """
    a_last = np.asarray(a_last)
    y = np.asarray(y).reshape(a_last.shape)
    lambd = check_float(lambd, "lambd", low=0)
    m = y.shape[1]
    cross_entropy = -np.sum(y * np.log(a_last) + (1 - y) * np.log(1 - a_last)) / m
    if lambd == 0:
        return float(cross_entropy)
    if parameters is None:
        raise invalid_value("parameters", None, "the weights dict when lambd > 0")
    squares = sum(
        np.sum(np.square(parameters[f"W{l}"])) for l in range(1, _num_layers(parameters) + 1)
    )
    return float(cross_entropy + lambd / (2 * m) * squares)


def backward(a_last, y, caches, *, activation="relu", keep_prob=1.0, lambd=0.0):
    """Backward pass: the gradients of `cost` by the chain rule, last layer first.

    `dZ[L] = A[L] − Y` (sigmoid + cross-entropy), then for `l = L, ..., 1`:

        dW[l] = (1/m) dZ[l] A[l−1]ᵀ + (λ/m) W[l]      # (n[l], n[l−1])
        db[l] = (1/m) Σ_examples dZ[l]                 # (n[l], 1)
        dA[l−1] = W[l]ᵀ dZ[l]                          # (n[l−1], m), not needed for l = 1
        dA[l−1] ← dA[l−1] · D[l−1] / keep_prob         # if dropout was on
        dZ[l−1] = dA[l−1] · g'(Z[l−1])

    Args:
        a_last: The output `A[L]` that `forward` returned.
        y: Labels, `(n[L], m)` (or `(m,)`).
        caches: The caches that `forward` returned.
        activation: As given to `forward`.
        keep_prob: As given to `forward`.
        lambd: `λ` of the L2 term in `cost`.

    Returns:
        ``{"dW1": ..., "db1": ..., ..., "dWL", "dbL"}`` with the shapes of the parameters.

    Raises:
        ValueError: for an unknown `activation` or an out-of-range `keep_prob` / `lambd`.

    Example:

    >>> parameters = init_parameters([2, 4, 1])
    >>> a_last, caches = forward(parameters, np.ones((2, 5)))
    >>> sorted(backward(a_last, np.ones(5), caches))
    ['dW1', 'dW2', 'db1', 'db2']
    """
    check_choice(activation, "activation", ACTIVATIONS)
    keep_prob = check_float(keep_prob, "keep_prob", low=0, high=1, low_open=True)
    lambd = check_float(lambd, "lambd", low=0)
    y = np.asarray(y).reshape(np.shape(a_last))
    m = y.shape[1]
    grads = {}
    dz = a_last - y  # (n[L], m)
    for l in range(len(caches), 0, -1):
        a_prev, w, _, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T / m + lambd / m * w  # (n[l], n[l-1])
        grads[f"db{l}"] = np.sum(dz, axis=1, keepdims=True) / m  # (n[l], 1)
        if l > 1:
            da_prev = w.T @ dz  # (n[l-1], m)
            _, _, z_prev, a_prev_out, mask = caches[l - 2]
            if mask is not None:
                da_prev = da_prev * mask / keep_prob
            dz = _activation_backward(da_prev, z_prev, a_prev_out, activation)
    return {key: grads[key] for key in sorted(grads, key=lambda k: (int(k[2:]), k[1]))}


def update_parameters(parameters, grads, learning_rate):
    """One gradient-descent step: `θ ← θ − α dθ` for every parameter (returns a new dict).

    >>> update_parameters({"W1": np.ones((1, 1))}, {"dW1": np.ones((1, 1))}, 0.5)
    {'W1': array([[0.5]])}
    """
    learning_rate = check_float(learning_rate, "learning_rate", low=0, low_open=True)
    return {key: value - learning_rate * grads["d" + key] for key, value in parameters.items()}


# --------------------------------------------------------------------------
# Flattening, for gradient checking (Ng's dictionary_to_vector / vector_to_dictionary)


def _ordered_keys(parameters):
    return [f"{kind}{l}" for l in range(1, _num_layers(parameters) + 1) for kind in ("W", "b")]


def parameters_to_vector(parameters):
    """Concatenate `W1, b1, W2, b2, ...` into one vector `θ` (row-major).

    >>> parameters_to_vector(init_parameters([2, 4, 1])).shape   # 8 + 4 + 4 + 1
    (17,)
    """
    return np.concatenate([np.ravel(parameters[key]) for key in _ordered_keys(parameters)])


def gradients_to_vector(grads, parameters):
    """Concatenate `dW1, db1, ...` in the order `parameters_to_vector` uses."""
    return np.concatenate([np.ravel(grads["d" + key]) for key in _ordered_keys(parameters)])


def vector_to_parameters(theta, parameters):
    """Split `θ` into a dict shaped like `parameters` (inverse of `parameters_to_vector`).

    Raises:
        ValueError: if `theta` is not a vector with one entry per parameter.
    """
    theta = np.asarray(theta)
    total = sum(np.size(parameters[key]) for key in _ordered_keys(parameters))
    if theta.shape != (total,):
        raise invalid_value(
            "theta", f"array of shape {theta.shape}", f"a vector of shape ({total},)"
        )
    out = {}
    for key, part in parameter_slices(parameters).items():
        out[key] = theta[part].reshape(np.shape(parameters[key]))
    return out


def parameter_slices(parameters):
    """`{"W1": slice(0, 8), "b1": slice(8, 12), ...}`: where each parameter sits in `θ`.

    >>> parameter_slices(init_parameters([2, 4, 1]))["W2"]
    slice(12, 16, None)
    """
    slices, start = {}, 0
    for key in _ordered_keys(parameters):
        size = int(np.size(parameters[key]))
        slices[key] = slice(start, start + size)
        start += size
    return slices


# --------------------------------------------------------------------------
# Counting work


def multiply_adds(layer_dims, m):
    """Multiply-adds of the matrix products in one forward and one backward pass.

    Forward, per layer: `W[l] A[l−1]` costs `n[l]·n[l−1]·m`. Backward, per layer:
    `dW[l] = dZ[l] A[l−1]ᵀ` costs the same again, and `dA[l−1] = W[l]ᵀ dZ[l]` once
    more — except for `l = 1`, where nobody needs the gradient with respect to the
    input. So the backward pass costs about twice the forward pass. Element-wise work
    (activations, their derivatives, bias sums) grows only like `n·m` and is left out.

    Args:
        layer_dims: `[n[0], ..., n[L]]`.
        m: Batch size (examples per pass).

    Returns:
        `(forward, backward)` multiply-add counts (ints).

    Example:

    >>> multiply_adds([4, 5, 3, 1], m=10)
    (380, 560)
    """
    dims = _check_layer_dims(layer_dims)
    m = check_int(m, "m", low=1)
    per_layer = [dims[l] * dims[l - 1] * m for l in range(1, len(dims))]
    forward_count = sum(per_layer)
    backward_count = sum(2 * count for count in per_layer) - per_layer[0]
    return forward_count, backward_count
