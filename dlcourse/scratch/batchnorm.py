"""Batch normalization in NumPy, Ng's formulas (examples as columns).

For one layer's pre-activations `z`, `(n[l], m)`, over a mini-batch of `m` examples:

    μ = (1/m) Σ_i z⁽ⁱ⁾            σ² = (1/m) Σ_i (z⁽ⁱ⁾ − μ)²
    z_norm = (z − μ) / √(σ² + ε)   z̃ = γ z_norm + β

per unit (row), with `γ` and `β` learned, `(n[l], 1)`. `β` plays the part of the
layer's bias `b`, which batch norm makes redundant. At test time there is no
mini-batch: μ and σ² come from exponentially weighted averages (EWA) over the
training mini-batches, `v ← momentum · v + (1 − momentum) · value`.

Keras equivalent: `keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)`
(its `moving_mean` / `moving_variance` are these averages, starting at 0 and 1;
Keras puts examples in rows, so compare with transposes).
"""

from __future__ import annotations

import numpy as np

from dlcourse._validation import check_float, invalid_value

__all__ = ["batchnorm_forward", "batchnorm_inference", "ewa_update"]


def _check_column(value, name, n):
    value = np.asarray(value, dtype=float)
    if value.shape not in ((n, 1), (n,)):
        raise invalid_value(name, f"array of shape {value.shape}", f"shape ({n}, 1), one per unit")
    return value.reshape(n, 1)


def batchnorm_forward(z, gamma, beta, *, epsilon=1e-3):
    """Batch norm in training: normalize `z` with its own mini-batch statistics.

    Args:
        z: Pre-activations `(n[l], m)`, examples as columns.
        gamma: Scale `γ`, `(n[l], 1)`.
        beta: Shift `β`, `(n[l], 1)`.
        epsilon: `ε` inside the square root (Keras's default 1e-3).

    Returns:
        `(z_tilde, mu, var)`: the output `(n[l], m)` and the batch mean and
        (biased, 1/m) variance, each `(n[l], 1)`.

    Example:

    >>> z = np.array([[1.0, 3.0], [0.0, 4.0]])
    >>> z_tilde, mu, var = batchnorm_forward(z, np.ones((2, 1)), np.zeros((2, 1)), epsilon=0.0)
    >>> z_tilde[0], mu.ravel(), var.ravel()
    (array([-1.,  1.]), array([2., 2.]), array([1., 4.]))
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2:
        raise invalid_value("z", f"array of shape {z.shape}", "a 2-D array (n[l], m)")
    gamma, beta = _check_column(gamma, "gamma", len(z)), _check_column(beta, "beta", len(z))
    epsilon = check_float(epsilon, "epsilon", low=0)
    mu = z.mean(axis=1, keepdims=True)  # (n[l], 1)
    var = ((z - mu) ** 2).mean(axis=1, keepdims=True)  # (n[l], 1)
    z_norm = (z - mu) / np.sqrt(var + epsilon)  # (n[l], m)
    return gamma * z_norm + beta, mu, var


def ewa_update(average, value, momentum=0.99):
    """One exponentially weighted average step: `momentum · average + (1 − momentum) · value`.

    Ng's EWA with `β = momentum` (lesson 6); Keras's `BatchNormalization` updates
    `moving_mean` and `moving_variance` with it after each training mini-batch.

    >>> float(ewa_update(0.0, 10.0, momentum=0.5))
    5.0
    """
    momentum = check_float(momentum, "momentum", low=0, high=1)
    return momentum * np.asarray(average) + (1.0 - momentum) * np.asarray(value)


def batchnorm_inference(z, gamma, beta, running_mean, running_var, *, epsilon=1e-3):
    """Batch norm at test time: normalize with the running (EWA) statistics.

    Each example is normalized on its own, so a prediction does not depend on
    the other examples in the batch.

    Example:

    >>> one = np.ones((1, 1))
    >>> batchnorm_inference(np.array([[4.0]]), 2 * one, one, 2 * one, 4 * one, epsilon=0.0)
    array([[3.]])
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2:
        raise invalid_value("z", f"array of shape {z.shape}", "a 2-D array (n[l], m)")
    n = len(z)
    gamma, beta = _check_column(gamma, "gamma", n), _check_column(beta, "beta", n)
    mean = _check_column(running_mean, "running_mean", n)
    var = _check_column(running_var, "running_var", n)
    epsilon = check_float(epsilon, "epsilon", low=0)
    return gamma * (z - mean) / np.sqrt(var + epsilon) + beta
