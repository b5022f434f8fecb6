"""Softmax and categorical cross-entropy in NumPy, Ng style (examples as columns).

- `softmax(z)`: `t = e^(z − max z)`, `a = t / Σ t` over the classes (axis 0);
  `shift=False` gives the naive `e^z / Σ e^z`, which overflows for logits past
  ≈ 710 in float64 (≈ 89 in float32).
- `cross_entropy(y_hat, y)`: the cost `J = −(1/m) Σ_i Σ_k y_k log ŷ_k` for one-hot `y`.
- `softmax_backward(y_hat, y)`: Ng's `dZ = Ŷ − Y`, the gradient of each example's
  loss with respect to its logits (the cost's gradient is `dZ / m`).

Keras equivalents: `keras.ops.softmax(z.T).T` and
`keras.losses.CategoricalCrossentropy()(y.T, y_hat.T)` (Keras puts examples in rows).
"""

from __future__ import annotations

import numpy as np

from dlcourse._validation import invalid_value

__all__ = ["cross_entropy", "softmax", "softmax_backward"]


def _check_same_shape(y_hat, y):
    if y_hat.shape != y.shape or y_hat.ndim != 2:
        raise invalid_value(
            "y", f"array of shape {y.shape}", f"a 2-D array of the shape of y_hat {y_hat.shape}"
        )


def softmax(z, *, shift=True):
    """Softmax over the classes (axis 0) of `z`, `(n_classes, m)`.

    Args:
        z: Logits, `(n_classes, m)` (or `(n_classes,)` for one example).
        shift: Subtract each column's maximum before the exponential (default).
            The result is the same in exact arithmetic — `e^(z−c) / Σ e^(z−c)` —
            but the largest exponent is `e^0 = 1`, so nothing overflows.

    Returns:
        Probabilities of the shape of `z`; each column sums to 1.

    Example:

    >>> softmax(np.array([[3.0], [1.0], [0.2]])).round(3).ravel()
    array([0.836, 0.113, 0.051])
    >>> softmax(np.array([1000.0, 999.0])).round(3)
    array([0.731, 0.269])
    """
    z = np.asarray(z)
    if shift:
        z = z - z.max(axis=0, keepdims=True)
    t = np.exp(z)
    return t / t.sum(axis=0, keepdims=True)


def cross_entropy(y_hat, y):
    """The cost `J = −(1/m) Σ y log ŷ` over `m` examples (columns).

    Args:
        y_hat: Predicted probabilities `(n_classes, m)` (softmax outputs).
        y: One-hot labels `(n_classes, m)`.

    Returns:
        The mean loss, a float.

    Example:

    >>> cross_entropy(np.array([[0.7], [0.2], [0.1]]), np.array([[1.0], [0.0], [0.0]]))
    0.35667494393873245
    """
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    _check_same_shape(y_hat, y)
    return float(-np.sum(y * np.log(y_hat)) / y.shape[1])


def softmax_backward(y_hat, y):
    """Ng's `dZ = Ŷ − Y`: each example's loss gradient with respect to its logits.

    For a softmax output with the cross-entropy loss, the derivative of
    `−Σ_k y_k log ŷ_k` with respect to `z_j` is `ŷ_j − y_j`. The cost `J` averages
    over the `m` columns, so `∂J/∂Z = (Ŷ − Y) / m`.

    Example:

    >>> softmax_backward(np.array([[0.7], [0.2], [0.1]]), np.array([[1.0], [0.0], [0.0]])).ravel()
    array([-0.3,  0.2,  0.1])
    """
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    _check_same_shape(y_hat, y)
    return y_hat - y
