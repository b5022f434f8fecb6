"""Rosenblatt's perceptron in NumPy: a step activation and the perceptron rule (lesson 1).

The perceptron takes rows, as the datasets give them: `x` is `(m, n_in)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dlcourse._validation import check_float, check_int, invalid_value

__all__ = ["PerceptronResult", "perceptron_fit", "perceptron_predict", "step"]


def step(z):
    """The perceptron's activation: 1 where `z >= 0`, else 0.

    >>> step([-0.5, 0.0, 2.0])
    array([0, 1, 1])
    """
    return (np.asarray(z) >= 0).astype(int)


@dataclass
class PerceptronResult:
    """What `perceptron_fit` learned, and how it got there.

    Attributes:
        w: Weights, `(n_in,)`.
        b: Bias (a float).
        mistakes: Number of updates (misclassified examples) in each epoch.
        accuracy: Training accuracy with the weights at the end of each epoch.
        converged: `True` if an epoch passed without a single mistake.
    """

    w: np.ndarray
    b: float
    mistakes: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return bool(self.mistakes) and self.mistakes[-1] == 0


def perceptron_predict(w, b, x):
    """Predict labels in {0, 1}: `step(x @ w + b)` for `x` of shape `(m, n_in)`."""
    return step(np.asarray(x) @ w + b)  # (m,)


def perceptron_fit(x, y, *, epochs=50, learning_rate=1.0, seed=0):
    """Train a perceptron with the perceptron rule, one example at a time.

    For each example (in a new random order every epoch) the perceptron predicts
    `ŷ = step(w·x + b)` and updates only when it is wrong:

        w ← w + η (y − ŷ) x,    b ← b + η (y − ŷ)

    On linearly separable data this stops making mistakes after a finite number of
    updates (Novikoff's theorem: at most `(R/γ)²`); on XOR it never does. Training
    stops after the first epoch without a mistake.

    Args:
        x: Inputs, `(m, n_in)`.
        y: Labels in {0, 1}, `(m,)`.
        epochs: Maximum number of passes over the data.
        learning_rate: `η` (> 0). With zero initial weights it only scales `w`
            and `b`, so it does not change the predictions.
        seed: Seed of the shuffling order.

    Returns:
        A `PerceptronResult`.

    Raises:
        ValueError: if `x` is not `(m, n_in)` with `m = len(y)`, `y` holds other
            labels than 0 and 1, or `epochs` / `learning_rate` are out of range.

    Example:

    >>> x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> result = perceptron_fit(x, np.array([0, 0, 0, 1]))   # AND is separable
    >>> result.converged, perceptron_predict(result.w, result.b, x)
    (True, array([0, 0, 0, 1]))

    Reference:
        Rosenblatt, 1958, "The perceptron: a probabilistic model for information
        storage and organization in the brain".
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y).reshape(-1)
    if x.ndim != 2 or len(x) != len(y):
        raise invalid_value(
            "x", f"array of shape {x.shape}", f"an (m, n_in) array with m = len(y) = {len(y)}"
        )
    if not np.isin(y, (0, 1)).all():
        raise invalid_value("y", np.unique(y).tolist(), "labels in {0, 1}")
    epochs = check_int(epochs, "epochs", low=1)
    learning_rate = check_float(learning_rate, "learning_rate", low=0, low_open=True)
    rng = np.random.default_rng(seed)
    w, b = np.zeros(x.shape[1]), 0.0  # (n_in,), scalar
    result = PerceptronResult(w=w, b=b)
    for _ in range(epochs):
        mistakes = 0
        for i in rng.permutation(len(x)):
            error = y[i] - (x[i] @ w + b >= 0)  # -1, 0 or +1
            if error:
                w = w + learning_rate * error * x[i]
                b = b + learning_rate * error
                mistakes += 1
        result.mistakes.append(mistakes)
        result.accuracy.append(float(np.mean(perceptron_predict(w, b, x) == y)))
        if mistakes == 0:
            break
    result.w, result.b = w, float(b)
    return result
