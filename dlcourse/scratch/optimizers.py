"""Update rules in NumPy, from scratch, in Ng's notation: SGD, momentum, RMSProp and Adam.

These are NumPy classes for reading the rules, not Keras optimizers: to train a Keras
model use `keras.optimizers` (each class names its Keras equivalent, and `as_keras()`
builds it). Each optimizer updates a list (or dict) of NumPy arrays in place from
gradients of the same structure, exactly as in Ng's optimization assignment
(`update_parameters_with_*`):

    opt = Adam(learning_rate=0.01)
    for step in range(steps):
        grads = backward(params, x, y)   # same structure as params
        opt.update(params, grads)        # params changed in place

`as_keras()` returns the `keras.optimizers` object that follows the same trajectory,
with the course's hyper-parameters converted where Keras writes the rule differently
(see each class). The learning rate may also be an array that broadcasts against the
parameters, e.g. shape `(runs, 1, 1)` when the parameters carry a leading `runs` axis:
then one loop trains a whole grid of learning rates at once.

A Keras detail that matters at the 1e-6 level: Keras casts a Python-float coefficient
with `ops.cast(0.9, dtype)`, which on TensorFlow goes through float32 even for float64
variables, so `β = 0.9` becomes 0.89999998 and Adam's bias correction `1 − β2^t` moves
by about 1e-5 (relative) at `t = 1`. `as_keras()` therefore passes the momentum
coefficients as `np.float64` scalars; with float64 variables and learning rate
(`keras.config.set_floatx("float64")`) the Keras trajectories then equal ours to
round-off (1e-15), and to about 1e-7 with Keras's default float32 learning rate.

Reference:
    Ng, *Improving Deep Neural Networks*, week 2, "Optimization algorithms";
    Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization",
    https://arxiv.org/abs/1412.6980
"""

from __future__ import annotations

import numpy as np

from dlcourse._validation import check_float, check_int, invalid_value

__all__ = [
    "Adam",
    "Momentum",
    "Optimizer",
    "RMSProp",
    "SGD",
    "adam_step",
    "decayed_learning_rate",
    "momentum_step",
    "random_mini_batches",
]


def _check_learning_rate(learning_rate):
    if isinstance(learning_rate, np.ndarray):
        finite = learning_rate.size > 0 and np.all(np.isfinite(learning_rate))
        if not finite or np.any(learning_rate <= 0):
            raise invalid_value(
                "learning_rate", learning_rate, "a float > 0 or an array of floats > 0"
            )
        return learning_rate.astype("float64")
    return check_float(learning_rate, "learning_rate", low=0, low_open=True)


def _check_beta(value, name):
    return check_float(value, name, low=0, high=1, high_open=True)


class Optimizer:
    """Base class of the NumPy optimizers: one state per parameter, `_step` applied to each.

    Args:
        learning_rate: α, a float `> 0` (or an array of them, see the module docstring).
    """

    def __init__(self, learning_rate):
        self.learning_rate = _check_learning_rate(learning_rate)
        self.iterations = 0  # t, the number of updates done so far (as in Keras)
        self._state = None

    def update(self, parameters, grads):
        """Apply one update to `parameters` in place and return them.

        Args:
            parameters: a list/tuple of float NumPy arrays, or a dict name → array.
            grads: the gradients, in the same structure (same keys or order).

        Returns:
            `parameters` (updated in place), as Ng's `update_parameters_with_*` do.
        """
        keys = list(parameters) if isinstance(parameters, dict) else range(len(parameters))
        if self._state is None:
            self._state = {key: self._initial_state(parameters[key]) for key in keys}
        self.iterations += 1
        for key in keys:
            self._step(parameters[key], np.asarray(grads[key]), self._state[key])
        return parameters

    def _initial_state(self, parameter):
        return {}

    def _step(self, w, dw, state):  # pragma: no cover - abstract
        raise NotImplementedError

    def as_keras(self):
        """Return the equivalent `keras.optimizers` object (scalar learning rate only)."""
        raise NotImplementedError

    def _scalar_learning_rate(self):
        if isinstance(self.learning_rate, np.ndarray):
            raise ValueError(
                "Invalid value for `learning_rate`: as_keras() needs a float, "
                f"received an array of shape {self.learning_rate.shape}"
            )
        return self.learning_rate

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class SGD(Optimizer):
    """Plain (mini-batch) gradient descent, `W ← W − α dW` (NumPy, from scratch).

    Keras equivalent: `keras.optimizers.SGD(learning_rate=α)`.

    Args:
        learning_rate: α, a float `> 0` (or an array of them).

    Example:

    >>> w = [np.array([1.0, -2.0])]
    >>> SGD(learning_rate=0.1).update(w, [np.array([1.0, 1.0])])
    [array([ 0.9, -2.1])]
    """

    def _step(self, w, dw, state):
        w -= self.learning_rate * dw

    def as_keras(self):
        import keras

        return keras.optimizers.SGD(learning_rate=self._scalar_learning_rate())


class Momentum(Optimizer):
    """Gradient descent with momentum, Ng's form (NumPy, from scratch).

    An exponentially weighted average of dW:

        v_dW = β v_dW + (1 − β) dW
        W    = W − α v_dW

    Keras equivalent: `keras.optimizers.SGD(learning_rate=α * (1 - β), momentum=β)`.

    Keras writes momentum without the `(1 − β)`: `m = β m − lr·dW; W = W + m`. With
    `m = −α v_dW` the two are the same rule when `lr = α (1 − β)` and `momentum = β`, so
    `as_keras()` returns `keras.optimizers.SGD(learning_rate=α·(1 − β), momentum=β)`.
    (In Ng's form, momentum at a given α takes steps of the same size as plain SGD in a
    steady slope; it pays off because it damps oscillations and so tolerates a larger α.)

    Args:
        learning_rate: α.
        beta: β, the momentum (averaging) coefficient in `[0, 1)`; 0.9 is Ng's default.

    Example:

    >>> w = [np.array([1.0])]
    >>> Momentum(learning_rate=0.1, beta=0.9).update(w, [np.array([2.0])])
    [array([0.98])]
    """

    def __init__(self, learning_rate, beta=0.9):
        super().__init__(learning_rate)
        self.beta = _check_beta(beta, "beta")

    def _initial_state(self, parameter):
        return {"v": np.zeros_like(parameter, dtype="float64")}

    def _step(self, w, dw, state):
        w[...], state["v"] = momentum_step(w, dw, state["v"], self.beta, self.learning_rate)

    def as_keras(self):
        import keras

        return keras.optimizers.SGD(
            learning_rate=self._scalar_learning_rate() * (1 - self.beta),
            momentum=np.float64(self.beta),  # see the module docstring: float64, not float32
        )


class RMSProp(Optimizer):
    """RMSProp: divide the step by a running root-mean-square of the gradient (NumPy, from scratch).

        S_dW = β2 S_dW + (1 − β2) dW²
        W    = W − α dW / (√S_dW + ε)

    Keras equivalent: `keras.optimizers.RMSprop(learning_rate=α, rho=β2, epsilon=ε**2)`.

    Keras puts ε *inside* the square root: `W −= lr·dW / √(S_dW + ε_keras)`. Both only
    guard against dividing by zero; `as_keras()` passes `epsilon = ε²`, which makes the
    two denominators differ by less than ε (relative difference < ε / √S_dW).

    Args:
        learning_rate: α.
        beta2: β2, the averaging coefficient of the squared gradients in `[0, 1)`
            (Keras calls it `rho`; 0.9 as in Keras).
        epsilon: ε `>= 0`, added to the root mean square.

    Example:

    >>> w = [np.array([1.0])]
    >>> RMSProp(learning_rate=0.1, epsilon=0.0).update(w, [np.array([2.0])])   # α / √(1 − β2)
    [array([0.68377223])]
    """

    def __init__(self, learning_rate, beta2=0.9, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta2 = _check_beta(beta2, "beta2")
        self.epsilon = check_float(epsilon, "epsilon", low=0)

    def _initial_state(self, parameter):
        return {"s": np.zeros_like(parameter, dtype="float64")}

    def _step(self, w, dw, state):
        state["s"] = self.beta2 * state["s"] + (1 - self.beta2) * dw**2
        w -= self.learning_rate * dw / (np.sqrt(state["s"]) + self.epsilon)

    def as_keras(self):
        import keras

        return keras.optimizers.RMSprop(
            learning_rate=self._scalar_learning_rate(), rho=self.beta2, epsilon=self.epsilon**2
        )


class Adam(Optimizer):
    """Adam = momentum + RMSProp, with bias correction (NumPy, from scratch).

    Ng's notation, t counts from 1:

        v_dW = β1 v_dW + (1 − β1) dW          v_corrected = v_dW / (1 − β1^t)
        S_dW = β2 S_dW + (1 − β2) dW²         S_corrected = S_dW / (1 − β2^t)
        W    = W − α v_corrected / (√S_corrected + ε)

    Keras folds the corrections into the step size and adds its ε to the *uncorrected*
    root: `W −= α·√(1 − β2^t)/(1 − β1^t) · v_dW / (√S_dW + ε_keras)`, which is Ng's rule
    with `ε = ε_keras / √(1 − β2^t)` (the "ε-hat" of Kingma & Ba, section 2). The two
    agree exactly for ε = 0 and to about ε/√S otherwise; `as_keras()` passes the same ε.

    Keras equivalent: `keras.optimizers.Adam(learning_rate=α, beta_1=β1, beta_2=β2, epsilon=ε)`.

    Args:
        learning_rate: α.
        beta1: β1 for the first moment (momentum) in `[0, 1)`; default 0.9.
        beta2: β2 for the second moment (RMSProp) in `[0, 1)`; default 0.999.
        epsilon: ε `>= 0`; Ng's default 1e-8 (Keras's default is 1e-7).

    Example:

    >>> w = [np.array([1.0, -1.0])]
    >>> Adam(learning_rate=0.1, epsilon=0.0).update(w, [np.array([3.0, -0.5])])   # first step: ±α
    [array([ 0.9, -0.9])]

    Reference:
        Kingma & Ba, 2015, "Adam: A Method for Stochastic Optimization",
        https://arxiv.org/abs/1412.6980
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
        super().__init__(learning_rate)
        self.beta1 = _check_beta(beta1, "beta1")
        self.beta2 = _check_beta(beta2, "beta2")
        self.epsilon = check_float(epsilon, "epsilon", low=0)

    def _initial_state(self, parameter):
        return {
            "v": np.zeros_like(parameter, dtype="float64"),
            "s": np.zeros_like(parameter, dtype="float64"),
        }

    def _step(self, w, dw, state):
        w[...], state["v"], state["s"], _, _ = adam_step(
            w, dw, state["v"], state["s"], self.iterations,
            self.learning_rate, self.beta1, self.beta2, self.epsilon,
        )  # fmt: skip

    def as_keras(self):
        import keras

        return keras.optimizers.Adam(
            learning_rate=self._scalar_learning_rate(),
            beta_1=np.float64(self.beta1),  # float64, not float32: see the module docstring
            beta_2=np.float64(self.beta2),
            epsilon=self.epsilon,
        )


# --------------------------------------------------------------------------
# One parameter's step as a function (Ng's `update_parameters_with_*`, per key), the
# mini-batches they train on, and learning-rate decay. The classes above use the steps;
# `dlcourse.exercises` checks the learner's versions against these.


def momentum_step(w, dw, v, beta, learning_rate):
    """One momentum step for one parameter, Ng's form; the inputs are left unchanged.

        v = β v + (1 − β) dW        W = W − α v

    Returns:
        `(w, v)`: the new parameter and velocity.

    >>> momentum_step(np.array([1.0]), np.array([2.0]), np.zeros(1), 0.9, 0.1)
    (array([0.98]), array([0.2]))
    """
    v = beta * v + (1 - beta) * dw
    return w - learning_rate * v, v


def adam_step(w, dw, v, s, t, learning_rate, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """One Adam step for one parameter at step `t` (counted from 1); inputs unchanged.

        v = β1 v + (1 − β1) dW              v_corrected = v / (1 − β1^t)
        s = β2 s + (1 − β2) dW²             s_corrected = s / (1 − β2^t)
        W = W − α v_corrected / (√s_corrected + ε)

    Returns:
        `(w, v, s, v_corrected, s_corrected)`.

    >>> adam_step(np.array([1.0]), np.array([3.0]), np.zeros(1), np.zeros(1), 1, 0.1, epsilon=0)[0]
    array([0.9])
    """
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * dw**2
    v_corrected = v / (1 - beta1**t)
    s_corrected = s / (1 - beta2**t)
    w = w - learning_rate * v_corrected / (np.sqrt(s_corrected) + epsilon)
    return w, v, s, v_corrected, s_corrected


def random_mini_batches(x, y, mini_batch_size=64, seed=0):
    """Shuffle the examples (columns) of `x` and `y` together and cut them into mini-batches.

    Every batch holds `mini_batch_size` examples except the last, which holds the
    `m mod mini_batch_size` left over (none when it divides `m`): `⌈m / size⌉` batches.

    Args:
        x: Inputs, `(n[0], m)`.
        y: Labels, `(n[L], m)`.
        mini_batch_size: Examples per batch, an int >= 1.
        seed: Seed of the shuffle (`np.random.default_rng(seed).permutation(m)`).

    Returns:
        A list of `(x_batch, y_batch)` pairs.

    Raises:
        ValueError: for a batch size < 1, or `x` and `y` with different numbers of columns.

    Example:

    >>> batches = random_mini_batches(np.zeros((2, 150)), np.zeros((1, 150)), 64)
    >>> [x_batch.shape[1] for x_batch, _ in batches]
    [64, 64, 22]
    """
    x, y = np.asarray(x), np.asarray(y)
    mini_batch_size = check_int(mini_batch_size, "mini_batch_size", low=1)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise invalid_value(
            "y", f"<array of shape {y.shape}>", f"a 2-D array with the {x.shape[-1]} columns of x"
        )
    order = np.random.default_rng(seed).permutation(x.shape[1])
    x, y = x[:, order], y[:, order]  # one permutation for both: pairs stay together
    starts = range(0, x.shape[1], mini_batch_size)
    return [(x[:, k : k + mini_batch_size], y[:, k : k + mini_batch_size]) for k in starts]


def decayed_learning_rate(learning_rate0, epoch_num, decay_rate, time_interval=1):
    """Ng's learning-rate decay, `α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)`.

    With `time_interval = 1` this is the per-epoch form `α₀ / (1 + decay_rate · epoch_num)`;
    a larger interval lowers α in steps, every `time_interval` epochs.

    >>> decayed_learning_rate(0.5, 2, 1), decayed_learning_rate(0.5, 2000, 1, time_interval=1000)
    (0.16666666666666666, 0.16666666666666666)
    """
    return float(learning_rate0 / (1 + decay_rate * (epoch_num // time_interval)))
