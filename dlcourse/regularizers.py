"""L2 and L1 weight penalties in the course's notation (`lambd`, `m`).

Ng writes the regularized cost as

    J = (1/m) Σ L(ŷ, y) + (λ / 2m) Σ_l ||W[l]||_F²

Keras adds `coefficient * Σ w²` to the loss it already averages over the batch,
so the Keras coefficient is `λ / (2m)`. These classes take the course's
parameters and do that conversion for you, visibly.
"""

import keras
from keras import ops

from dlcourse._validation import check_float, check_int


class _CoursePenalty(keras.regularizers.Regularizer):
    """Shared parts of `L2` and `L1`: the course's `(lambd, m)`, config, Keras twin, repr.

    Subclasses set `_keras_class` and `_keras_argument` and define
    `keras_coefficient` and `__call__`.
    """

    _keras_class = None  # keras.regularizers.L2 or L1
    _keras_argument = ""  # its coefficient's name: "l2" or "l1"

    def __init__(self, lambd, m=1):
        self.lambd = check_float(lambd, "lambd", low=0)
        self.m = check_int(m, "m", low=1)

    def as_keras(self):
        """Return the equivalent Keras regularizer (`keras.regularizers.L2` or `L1`)."""
        return self._keras_class(self.keras_coefficient)

    def get_config(self):
        return {"lambd": self.lambd, "m": self.m}

    def __repr__(self):
        ours = f"{type(self).__name__}(lambd={self.lambd!r}, m={self.m})"
        twin = f"{self._keras_class.__name__}({self._keras_argument}={self.keras_coefficient:.4g})"
        return f"{ours} == keras {twin}"


@keras.saving.register_keras_serializable(package="dlcourse")
class L2(_CoursePenalty):
    """L2 (Frobenius / weight-decay) penalty: `lambd / (2 * m) * sum(W ** 2)`.

    Formula (Ng): `J = (1/m) Σ L(ŷ, y) + (λ / 2m) Σ_l ||W[l]||_F²`. The
    gradient gains a `(λ / m) W` term, so one gradient-descent step is
    *weight decay*:

        W ← (1 − αλ/m) W − α dW_data

    Hung-yi Lee writes the same update per example (no `m`):
    `w ← (1 − ηλ) w − η ∂L/∂w` — L2 shrinks every weight by a percentage
    each step, big weights by more, but rarely to exactly zero (compare `L1`).

    Keras equivalent: `keras.regularizers.L2(l2=lambd / (2 * m))`, e.g.
    `L2(lambd=0.7, m=211) == keras L2(l2=0.001659)`; the penalty is
    bit-for-bit the same. Apply it to kernels only (Ng does not regularize
    biases).

    Args:
        lambd: Regularization strength λ, a finite float `>= 0`.
        m: Number of training examples the data loss averages over, an
            integer `>= 1`. Use `m=1` to pass a Keras-style coefficient
            `lambd / 2` directly.

    Call arguments:
        x: The weight tensor (or variable) to penalize.

    Example:

    >>> reg = L2(lambd=0.7, m=211)
    >>> reg
    L2(lambd=0.7, m=211) == keras L2(l2=0.001659)
    >>> round(reg.keras_coefficient, 8)
    0.00165877
    >>> w = np.ones((10, 10), "float32")
    >>> round(float(reg(w)), 6)   # 0.7 / (2 * 211) * 100
    0.165877
    >>> bool(reg(w) == reg.as_keras()(w))   # bit for bit the Keras penalty
    True
    >>> layer = keras.layers.Dense(3, kernel_regularizer=reg)

    Reference:
        Ng, *Improving Deep Neural Networks*, week 1, "Regularization".
    """

    _keras_class = keras.regularizers.L2
    _keras_argument = "l2"

    @property
    def keras_coefficient(self):
        """The `l2` factor Keras would use: `lambd / (2 * m)`."""
        return self.lambd / (2 * self.m)

    def __call__(self, x):
        # Same expression and cast as keras.regularizers.L2, so the value matches exactly.
        return ops.cast(self.keras_coefficient, x.dtype) * ops.sum(ops.square(x))


@keras.saving.register_keras_serializable(package="dlcourse")
class L1(_CoursePenalty):
    """L1 (sparsity) penalty: `lambd / m * sum(|W|)`.

    Formula: `J = (1/m) Σ L(ŷ, y) + (λ / m) Σ |w|`. The gradient adds the
    constant-size term `(λ / m) sgn(w)`. In Hung-yi Lee's per-example view the
    update is `w ← w − η ∂L/∂w − ηλ sgn(w)`: L1 subtracts a constant each step
    (small weights reach exactly zero, so W becomes sparse), where L2
    shrinks by a percentage `w ← (1 − ηλ) w − η ∂L/∂w`.

    Keras equivalent: `keras.regularizers.L1(l1=lambd / m)`; the penalty is
    bit-for-bit the same.

    Args:
        lambd: Regularization strength λ, a finite float `>= 0`.
        m: Number of training examples, an integer `>= 1`.

    Call arguments:
        x: The weight tensor (or variable) to penalize.

    Example:

    >>> reg = L1(lambd=0.7, m=211)
    >>> reg
    L1(lambd=0.7, m=211) == keras L1(l1=0.003318)
    >>> w = np.array([[0.5, -1.5], [0.0, 2.0]], "float32")
    >>> round(float(reg(w)), 6)   # 0.7 / 211 * (0.5 + 1.5 + 0 + 2)
    0.01327
    >>> bool(reg(w) == reg.as_keras()(w))   # bit for bit the Keras penalty
    True
    >>> layer = keras.layers.Dense(3, kernel_regularizer=reg)

    Reference:
        Hung-yi Lee, *Machine Learning*, "Tips for Training DNN" (regularization).
    """

    _keras_class = keras.regularizers.L1
    _keras_argument = "l1"

    @property
    def keras_coefficient(self):
        """The `l1` factor Keras would use: `lambd / m`."""
        return self.lambd / self.m

    def __call__(self, x):
        return ops.cast(self.keras_coefficient, x.dtype) * ops.sum(ops.absolute(x))
