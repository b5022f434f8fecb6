"""Live training for the playground: a compiled Keras step loop and a one-call evaluation.

`model.fit` sets up callbacks, a data adapter and a progress bar on every call, which
costs more than the hundred-odd steps a frame needs. Here one compiled function
(`dlcourse.backend.compile_function`: `tf.function`, `jax.jit`, or eager PyTorch) runs
`n` mini-batch steps in a `keras.ops.fori_loop` (Keras model, loss and optimizer inside,
stateless: `model.stateless_call` and `optimizer.stateless_apply`, the cost
`J = cross-entropy + model.losses` as `fit` computes it), and a second one evaluates
the train and dev sets, the per-layer gradient norms and the decision-boundary grid in
one call. Both are compiled once per network and reused across resets, on every Keras
backend.
"""

from __future__ import annotations

import contextlib
import logging

import keras
import numpy as np
from keras import ops

from dlcourse import backend

__all__ = ["Trainer"]


class _NewNetworkIsNotRetracing(logging.Filter):
    """Every new network gets its own `tf.function` objects, traced once each; TensorFlow's
    "excessive retracing" warning mistakes that for retracing one function."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _running():
    """While the playground's compiled functions run (and only then): TensorFlow's logger
    without the false retracing warning; PyTorch on one thread. Its tensors are tiny, and
    a second thread costs more than it brings (10-40x slower evaluations on a busy 2-core
    machine, see BENCHMARKS.md section 8); the learner's own thread setting comes back."""
    if backend.name() == "tensorflow":
        logger, found = logging.getLogger("tensorflow"), _NewNetworkIsNotRetracing()
        logger.addFilter(found)
        try:
            yield
        finally:
            logger.removeFilter(found)
    else:
        with backend.op_threads(1):
            yield


class Trainer:
    """Trains one model on in-memory data, reproducibly, and evaluates it.

    Mini-batches follow `fit`: each epoch visits the training set in a fresh random
    order (drawn with NumPy from `seed` and the epoch number, so a reset replays the
    same batches, on every backend), in batches of `batch_size` with a smaller last
    batch (padded to `batch_size` inside the compiled loop, the padding weighted 0).

    Args:
        model: An uncompiled Keras model with `num_classes` outputs (1 = sigmoid).
        optimizer: A Keras optimizer (built here).
        num_classes: 1 for binary cross-entropy, `k >= 2` for the categorical one.
    """

    def __init__(self, model, optimizer, num_classes):
        self.model = model
        self.optimizer = optimizer
        self.num_classes = num_classes
        if num_classes == 1:
            self.loss = keras.losses.BinaryCrossentropy()
            self._per_example = keras.losses.BinaryCrossentropy(reduction=None)
        else:
            self.loss = keras.losses.SparseCategoricalCrossentropy()
            self._per_example = keras.losses.SparseCategoricalCrossentropy(reduction=None)
        optimizer.build(model.trainable_variables)
        self.steps = 0  # mini-batch steps taken since the last reset
        self._compiled = set()  # (batch size, rows) shapes the training loop has run with
        paths = [v.path for v in model.trainable_variables]
        self._kernels = [i for i, path in enumerate(paths) if path.endswith("kernel")]
        self.kernels = [model.trainable_variables[i] for i in self._kernels]
        self._snapshot = [backend.to_numpy(v) for v in self._state()]
        self._train = {}  # batch size -> compiled loop
        self._evaluate = backend.compile_function(self._evaluate_all)
        self._orders = {}  # (seed, epoch) -> that epoch's order of the examples

    def _state(self):
        return [*self.model.variables, *self.optimizer.variables]

    def reset(self):
        """Restore the initial weights, optimizer state, dropout seeds and step count."""
        for variable, value in zip(self._state(), self._snapshot):
            variable.assign(value)
        self.steps = 0

    def labels(self, y):
        """Labels as the loss wants them: `(m, 1)` floats for binary, `(m,)` otherwise."""
        y = np.asarray(y, dtype="float32")
        return y.reshape(-1, 1) if self.num_classes == 1 else y.reshape(-1)

    def _accuracy(self, y, predictions):
        if self.num_classes == 1:
            hits = ops.equal(ops.cast(predictions > 0.5, "float32"), y)
        else:
            hits = ops.equal(ops.cast(ops.argmax(predictions, axis=-1), "float32"), y)
        return ops.mean(ops.cast(hits, "float32"))

    @staticmethod
    def _rows(n):
        """Rows for `n` steps: n rounded up to a power of two, so few shapes serve every n."""
        return 1 << max(0, (int(n) - 1).bit_length())

    def is_compiled(self, n, batch_size):
        """Whether `train(n, batch_size, ...)` runs without compiling first."""
        return (int(batch_size), self._rows(max(int(n), 1))) in self._compiled

    def _batches(self, n, batch_size, seed, m):
        """Rows `(N, batch_size)` and their weights (1, or 0 for padding) for the next n steps.

        N is n rounded up to a power of two, so that a few compiled shapes serve every n.
        """
        per_epoch = -(-m // batch_size)
        padded = self._rows(n)
        rows = np.zeros((padded, batch_size), "int32")
        weights = np.zeros((padded, batch_size), "float32")
        for i in range(n):
            epoch, k = divmod(self.steps + i, per_epoch)
            key = (seed, epoch)
            if key not in self._orders:
                self._orders = {key: np.random.default_rng([seed, epoch]).permutation(m)}
            part = self._orders[key][k * batch_size : (k + 1) * batch_size]
            rows[i, : part.size], weights[i, : part.size] = part, 1.0
        return rows, weights

    def _train_steps(self, trainable, non_trainable, optimizer_values, n, rows, weights, x, y):
        def cost(trainable, non_trainable, x_batch, y_batch, batch_weights):
            predictions, non_trainable, losses = self.model.stateless_call(
                trainable, non_trainable, x_batch, training=True, return_losses=True
            )
            per_example = ops.cast(self._per_example(y_batch, predictions), "float32")
            value = ops.sum(per_example * batch_weights) / ops.sum(batch_weights)
            for loss in losses:
                value = value + ops.cast(loss, "float32")
            return value, non_trainable

        model, optimizer = self.model, self.optimizer
        stateless = backend.name() == "jax"  # JAX carries the state as values; others assign

        def body(i, state):
            if stateless:
                trainable, non_trainable, optimizer_values, _ = state
            else:
                trainable = [v.value for v in model.trainable_variables]
                non_trainable = [v.value for v in model.non_trainable_variables]
            x_batch, y_batch = ops.take(x, rows[i], axis=0), ops.take(y, rows[i], axis=0)
            (value, non_trainable), gradients = backend.value_and_grad(
                lambda t: cost(t, non_trainable, x_batch, y_batch, weights[i]),
                trainable,
                has_aux=True,
            )
            if not stateless:
                optimizer.apply(gradients, model.trainable_variables)
                for variable, new in zip(model.non_trainable_variables, non_trainable):
                    variable.assign(new)  # the dropout layers' seeds move on
                return value
            trainable, optimizer_values = optimizer.stateless_apply(
                optimizer_values, gradients, trainable
            )
            return trainable, non_trainable, optimizer_values, value

        start = ops.zeros((), "float32")
        if not stateless:
            return ops.fori_loop(0, n, body, start)
        return ops.fori_loop(0, n, body, (trainable, non_trainable, optimizer_values, start))

    def _evaluate_all(self, trainable, non_trainable, x_train, y_train, x_dev, y_dev, grid):
        def cost(trainable, x, y):
            predictions, _, losses = self.model.stateless_call(
                trainable, non_trainable, x, training=False, return_losses=True
            )
            value = self.loss(y, predictions)
            for loss in losses:
                value = value + loss
            return value, predictions

        (train_cost, predictions), gradients = backend.value_and_grad(
            lambda t: cost(t, x_train, y_train), trainable, has_aux=True
        )
        dev_cost, dev_predictions = cost(trainable, x_dev, y_dev)
        grid_out = self.model.stateless_call(trainable, non_trainable, grid, training=False)[0]
        return {
            "loss": train_cost,
            "accuracy": self._accuracy(y_train, predictions),
            "val_loss": dev_cost,
            "val_accuracy": self._accuracy(y_dev, dev_predictions),
            "gradient_norms": ops.stack(
                [ops.sqrt(ops.sum(ops.square(gradients[i]))) for i in self._kernels]
            ),
            "grid": grid_out,
        }

    def train(self, n, batch_size, seed, x, y, *, compile_for=None):
        """Run `n` mini-batch steps; return the last batch's cost (a float; NaN for n = 0).

        The first call for a batch size compiles the loop (a second or so). With `n = 0`
        and `compile_for=k` it only compiles, for the shapes a call of `k` steps uses.
        """
        n, batch_size, seed = int(n), int(batch_size), int(seed)
        if batch_size not in self._train:
            self._train[batch_size] = backend.compile_function(self._train_steps)
        rows, weights = self._batches(max(n, 1), batch_size, seed, len(x))
        if n == 0 and compile_for:  # rows shaped as `compile_for` steps need (all padding)
            shape = (self._rows(compile_for), batch_size)
            rows, weights = np.zeros(shape, "int32"), np.zeros(shape, "float32")
        model, optimizer = self.model, self.optimizer
        with _running():
            out = self._train[batch_size](
                [v.value for v in model.trainable_variables],
                [v.value for v in model.non_trainable_variables],
                [v.value for v in optimizer.variables],
                ops.convert_to_tensor(n, "int32"),
                ops.convert_to_tensor(rows),
                ops.convert_to_tensor(weights),
                ops.convert_to_tensor(np.asarray(x, "float32")),
                ops.convert_to_tensor(np.asarray(y, "float32")),
            )
        cost = out
        if isinstance(out, (tuple, list)):  # JAX: the new state comes back as values
            trainable, non_trainable, optimizer_values, cost = out
            if n > 0:
                pairs = zip(
                    [
                        *model.trainable_variables,
                        *model.non_trainable_variables,
                        *optimizer.variables,
                    ],
                    [*trainable, *non_trainable, *optimizer_values],
                )
                for variable, value in pairs:
                    variable.assign(value)
        if n > 0:
            self.steps += n
        self._compiled.add((batch_size, len(rows)))
        return float(backend.to_numpy(cost)) if n > 0 else float("nan")

    def evaluate(self, x_train, y_train, x_dev, y_dev, grid):
        """Costs, accuracies, kernel gradient norms (no dropout) and grid outputs, as NumPy."""
        with _running():
            out = self._evaluate(
                [v.value for v in self.model.trainable_variables],
                [v.value for v in self.model.non_trainable_variables],
                *(
                    ops.convert_to_tensor(np.asarray(a, "float32"))
                    for a in (x_train, y_train, x_dev, y_dev, grid)
                ),
            )
        return {name: backend.to_numpy(value) for name, value in out.items()}
