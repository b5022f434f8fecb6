"""Live training for the playground: a compiled Keras step loop and a one-call evaluation.

`model.fit` sets up callbacks, a data adapter and a progress bar on every call, which
costs more than the hundred-odd steps a frame needs. Here one `tf.function` runs `n`
mini-batch steps in a `tf.while_loop` (Keras model, loss and optimizer inside, the cost
`J = cross-entropy + model.losses` as `fit` computes it), and a second one evaluates
the train and dev sets, the per-layer gradient norms and the decision-boundary grid in
one call. Both are traced once per network and reused across resets.
"""

from __future__ import annotations

import logging

import keras
import numpy as np
import tensorflow as tf
from keras import ops

__all__ = ["Trainer", "make_optimizer"]


class _NewNetworkIsNotRetracing(logging.Filter):
    """Every new network gets its own `tf.function` objects, traced once each; TensorFlow's
    "excessive retracing" warning mistakes that for retracing one function."""

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_NewNetworkIsNotRetracing())


def make_optimizer(name, learning_rate):
    """The Keras optimizer for a playground name (`"momentum"` is SGD with momentum 0.9).

    Example:

    >>> make_optimizer("momentum", 0.1).get_config()["momentum"]
    0.9
    """
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=learning_rate)
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate=learning_rate, momentum=0.9)
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=learning_rate)
    return keras.optimizers.Adam(learning_rate=learning_rate)


class Trainer:
    """Trains one model on in-memory data, reproducibly, and evaluates it.

    Mini-batches follow `fit`: each epoch visits the training set in a fresh random
    order (drawn from `seed` and the epoch number, so a reset replays the same
    batches), in batches of `batch_size` with a smaller last batch.

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
        else:
            self.loss = keras.losses.SparseCategoricalCrossentropy()
        optimizer.build(model.trainable_variables)
        self.steps = tf.Variable(0, dtype=tf.int64, trainable=False, name="playground_steps")
        self.traced = False  # whether the training loop has run once (traced, instantiated)
        self.kernels = [v for v in model.trainable_variables if v.path.endswith("kernel")]
        self._snapshot = [v.numpy() for v in self._state()]
        n_inputs = model.inputs[0].shape[-1]
        label_shape = (None, 1) if num_classes == 1 else (None,)
        data = (tf.TensorSpec((None, n_inputs), tf.float32), tf.TensorSpec(label_shape, tf.float32))
        scalar = tf.TensorSpec((), tf.int64)
        self._train = tf.function(
            self._train_steps, autograph=False, input_signature=(scalar, scalar, scalar, *data)
        )
        self._evaluate = tf.function(
            self._evaluate_all,
            autograph=False,
            input_signature=(*data, *data, tf.TensorSpec((None, n_inputs), tf.float32)),
        )

    def _state(self):
        return [*self.model.variables, *self.optimizer.variables]

    def reset(self):
        """Restore the initial weights, optimizer state, dropout seeds and step count."""
        for variable, value in zip(self._state(), self._snapshot):
            variable.assign(value)
        self.steps.assign(0)

    def labels(self, y):
        """Labels as the loss wants them: `(m, 1)` floats for binary, `(m,)` otherwise."""
        y = np.asarray(y, dtype="float32")
        return y.reshape(-1, 1) if self.num_classes == 1 else y.reshape(-1)

    def _cost(self, x, y, training):
        """`J`: the mean cross-entropy plus the regularization penalties (as `fit`)."""
        predictions = self.model(x, training=training)
        cost = self.loss(y, predictions)
        if self.model.losses:
            cost = cost + ops.sum(ops.stack(self.model.losses))
        return cost, predictions

    def _accuracy(self, y, predictions):
        if self.num_classes == 1:
            hits = ops.equal(ops.cast(predictions > 0.5, "float32"), y)
        else:
            hits = ops.equal(ops.cast(ops.argmax(predictions, axis=-1), "float32"), y)
        return ops.mean(ops.cast(hits, "float32"))

    def _train_steps(self, n, batch_size, seed, x, y):
        m = tf.shape(x, out_type=tf.int64)[0]
        batches_per_epoch = (m + batch_size - 1) // batch_size

        def body(i, cost):
            step = self.steps.read_value()
            epoch, k = step // batches_per_epoch, step % batches_per_epoch
            order = tf.random.experimental.stateless_shuffle(
                tf.range(m), seed=tf.stack([seed, epoch])
            )
            start = k * batch_size
            index = order[start : tf.minimum(start + batch_size, m)]
            x_batch, y_batch = tf.gather(x, index), tf.gather(y, index)
            with tf.GradientTape() as tape:
                cost, _ = self._cost(x_batch, y_batch, training=True)
            gradients = tape.gradient(cost, self.model.trainable_variables)
            self.optimizer.apply(gradients, self.model.trainable_variables)
            self.steps.assign_add(1)
            return i + 1, cost

        _, cost = tf.while_loop(
            lambda i, cost: i < n, body, (tf.constant(0, tf.int64), tf.constant(0.0))
        )
        return cost

    def _evaluate_all(self, x_train, y_train, x_dev, y_dev, grid):
        with tf.GradientTape() as tape:
            cost, predictions = self._cost(x_train, y_train, training=False)
        gradients = tape.gradient(cost, self.kernels)
        dev_cost, dev_predictions = self._cost(x_dev, y_dev, training=False)
        return {
            "loss": cost,
            "accuracy": self._accuracy(y_train, predictions),
            "val_loss": dev_cost,
            "val_accuracy": self._accuracy(y_dev, dev_predictions),
            "gradient_norms": ops.stack([ops.sqrt(ops.sum(ops.square(g))) for g in gradients]),
            "grid": self.model(grid, training=False),
        }

    def train(self, n, batch_size, seed, x, y):
        """Run `n` mini-batch steps; return the last batch's cost (a float; NaN for n = 0).

        The first call traces the loop (a second or so); `n = 0` only does that.
        """
        cost = self._train(np.int64(n), np.int64(batch_size), np.int64(seed), x, y)
        self.traced = True
        return float(cost) if n > 0 else float("nan")

    def evaluate(self, x_train, y_train, x_dev, y_dev, grid):
        """Costs, accuracies, kernel gradient norms (no dropout) and grid outputs, as NumPy."""
        out = self._evaluate(x_train, y_train, x_dev, y_dev, grid)
        return {name: value.numpy() for name, value in out.items()}
