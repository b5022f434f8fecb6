"""Keras callbacks for the lessons: Prechelt's early-stopping criteria.

`PrecheltStopping` implements the three classes of stopping criteria from
L. Prechelt, "Early Stopping — But When?" (1998), as an ordinary
`keras.callbacks.Callback`. With `E_va(t)` the validation error after epoch `t`,
`E_tr(t)` the training error and `E_opt(t) = min_{t' <= t} E_va(t')`::

    GL(t)   = 100 * (E_va(t) / E_opt(t) - 1)                 generalization loss, in %
    P_k(t)  = 1000 * (sum_{strip} E_tr / (k * min_{strip} E_tr) - 1)
                                                             training progress over the
                                                             strip of k epochs ending at t
    PQ(t)   = GL(t) / P_k(t)                                 progress quotient

- `GL_alpha`: stop after the first epoch with `GL(t) > alpha`.
- `PQ_alpha`: stop after the first end-of-strip epoch with `PQ(t) > alpha`.
- `UP_s`: stop after `s` successive strips in which the validation error
  rose: `E_va(t) > E_va(t - k)` at `s` consecutive strip ends.

Keras's own `keras.callbacks.EarlyStopping(patience=...)` is the "no improvement
for `patience` epochs" rule; Prechelt's criteria are the published alternatives.
"""

import math
import numbers
import warnings

import keras

from dlcourse._validation import check_choice, check_float, check_int, invalid_value

__all__ = ["PrecheltStopping", "generalization_loss", "training_progress"]

CRITERIA = ("GL", "PQ", "UP")


def generalization_loss(val_error, best_val_error):
    """Prechelt's generalization loss `GL = 100 * (E_va / E_opt - 1)`, in percent.

    Args:
        val_error: The validation error now, `E_va(t) >= 0`.
        best_val_error: The lowest validation error so far, `E_opt(t) >= 0`.

    Returns:
        A float; `0.0` when both errors are 0 and `inf` when only `E_opt` is.

    Raises:
        ValueError: if either error is negative.

    Example:

    >>> round(generalization_loss(1.05, 1.0), 6)   # 5 % above the best: GL5 would stop
    5.0
    """
    if best_val_error < 0 or val_error < 0:
        raise ValueError(
            "Prechelt's criteria need errors >= 0 (a loss or an error rate), "
            f"received E_va={val_error!r}, E_opt={best_val_error!r}"
        )
    if best_val_error == 0:
        return 0.0 if val_error == 0 else math.inf
    return 100.0 * (val_error / best_val_error - 1.0)


def training_progress(train_errors):
    """Prechelt's training progress `P_k = 1000 * (sum E_tr / (k * min E_tr) - 1)`.

    How much larger the average training error of the strip is than its
    minimum, in per mille: large while training still makes progress, near 0
    when the training error has flattened out.

    Args:
        train_errors: The `k` training errors of one strip (`>= 0`).

    Returns:
        A float; `0.0` for a strip of zeros.

    Raises:
        ValueError: if the strip is empty or holds a negative error.

    Example:

    >>> round(training_progress([1.2, 1.1, 1.0]), 6)   # mean 10 % above the minimum
    100.0
    """
    errors = [float(e) for e in train_errors]
    if not errors:
        raise ValueError("training_progress needs a non-empty strip of training errors")
    lowest = min(errors)
    if lowest < 0:
        raise ValueError(
            f"Prechelt's criteria need errors >= 0, received training errors {errors!r}"
        )
    if lowest == 0:
        return 0.0 if max(errors) == 0 else math.inf
    return 1000.0 * (sum(errors) / (len(errors) * lowest) - 1.0)


@keras.saving.register_keras_serializable(package="dlcourse")
class PrecheltStopping(keras.callbacks.Callback):
    """Stop training with one of Prechelt's criteria (GL, PQ or UP).

    Epochs are counted from 1 in the formulas (`t`) and from 0 in Keras
    (`epoch = t - 1`); the attributes below use Keras's 0-based epochs.
    A *strip* is `k = strip` consecutive epochs ending at an epoch `t`
    divisible by `k`.

    - `criterion="GL"`: stop after the first epoch with
      `GL(t) = 100 * (E_va(t) / E_opt(t) - 1) > alpha` (`E_opt` = lowest
      validation error so far). "Stop when the dev error is `alpha` % above its
      best."
    - `criterion="PQ"`: at the end of each strip compute the training progress
      `P_k(t) = 1000 * (sum_{t'=t-k+1..t} E_tr(t') / (k * min_{t'} E_tr(t')) - 1)`
      and stop when `PQ(t) = GL(t) / P_k(t) > alpha`: accept a growing
      generalization loss while training still makes fast progress.
    - `criterion="UP"`: stop when the validation error rose in `s` successive
      strips: `E_va(t) > E_va(t - k)` at `s` consecutive strip ends.

    The errors are `logs[monitor]` (validation, default `"val_loss"`) and
    `logs[train_monitor]` (training, default `"loss"`): quantities to *minimize*
    that are `>= 0`, such as losses or error rates (not accuracies). Keras logs
    the training loss as the mean over the epoch's batches, which is what
    `E_tr` uses here. Epochs without `monitor` in the logs (e.g. with
    `validation_freq > 1`) are skipped and not counted.

    None of the criteria is guaranteed to fire; `fit(epochs=...)` is the upper
    bound on training time (Prechelt adds one too).

    Args:
        criterion: `"GL"`, `"PQ"` or `"UP"`.
        alpha: Threshold for GL (in percent, e.g. 2 for GL2) and PQ
            (e.g. 0.5 for PQ0.5); a positive float. Ignored by UP.
        strip: Strip length `k`, a positive int (Prechelt uses 5).
        s: Number of successive rising strips for UP, a positive int
            (e.g. 3 for UP3). Ignored by GL and PQ.
        monitor: Log key of the validation error (default `"val_loss"`).
        train_monitor: Log key of the training error, used by PQ
            (default `"loss"`).
        restore_best_weights: At the end of training, restore the weights of
            the epoch with the lowest validation error (default `True`,
            unlike Keras's `EarlyStopping`); Prechelt evaluates that network.
        verbose: `0` (silent) or `1` (print a line when stopping/restoring).

    Attributes:
        stopped_epoch: The 0-based epoch after which training stopped, or
            `None` if the criterion never fired.
        best_epoch: The 0-based epoch with the lowest validation error.
        best: That lowest validation error, `E_opt`.
        history: Per observed epoch: `"epoch"`, `"val_error"`,
            `"train_error"`, `"gl"`, `"progress"` and `"pq"` (NaN away from
            strip ends) and `"up"` (number of successive rising strips).

    Example (one weight, trained towards `w = 2` while the dev targets want
    `w = 1`: the dev loss falls, bottoms out and rises again):

    >>> x = np.array([[1.0], [2.0]])
    >>> model = keras.Sequential(
    ...     [keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")]
    ... )
    >>> model.compile(keras.optimizers.SGD(learning_rate=0.05), "mse")
    >>> stop = PrecheltStopping("GL", alpha=2.0)
    >>> history = model.fit(
    ...     x, 2 * x, validation_data=(x, x), epochs=100, callbacks=[stop], verbose=0
    ... )
    >>> [round(loss, 3) for loss in history.history["val_loss"]]
    [0.625, 0.039, 0.061]
    >>> stop.name, stop.stopped_epoch, stop.best_epoch
    ('GL2', 2, 1)
    >>> round(float(model.get_weights()[0][0, 0]), 3)   # restored: the best epoch's weight
    0.875

    Without a model, `replay` runs the criterion on a finished run's
    `History` (or its dict): for a deterministic run it stops where `fit`
    would have.

    >>> PrecheltStopping("GL", alpha=2.0).replay(history)
    2
    >>> up = PrecheltStopping("UP", strip=1, s=2)
    >>> up.replay({"val_loss": [1.0, 0.8, 0.7, 0.71, 0.75, 0.6]})   # rose twice in a row
    4

    Reference:
        L. Prechelt, "Early Stopping — But When?", in *Neural Networks:
        Tricks of the Trade*, LNCS 1524, Springer, 1998, pp. 55–69,
        https://doi.org/10.1007/3-540-49430-8_3
    """

    def __init__(
        self,
        criterion="GL",
        alpha=2.0,
        strip=5,
        s=3,
        monitor="val_loss",
        train_monitor="loss",
        restore_best_weights=True,
        verbose=0,
    ):
        super().__init__()
        self.criterion = check_choice(criterion, "criterion", CRITERIA)
        self.alpha = check_float(alpha, "alpha", low=0, low_open=True)
        self.strip = check_int(strip, "strip", low=1)
        self.s = check_int(s, "s", low=1)
        for name, value in (("monitor", monitor), ("train_monitor", train_monitor)):
            if not isinstance(value, str) or not value:
                raise invalid_value(name, value, "a non-empty log key such as 'val_loss'")
        self.monitor = monitor
        self.train_monitor = train_monitor
        if not isinstance(restore_best_weights, bool):
            raise invalid_value("restore_best_weights", restore_best_weights, "True or False")
        self.restore_best_weights = restore_best_weights
        if (
            isinstance(verbose, bool)
            or not isinstance(verbose, numbers.Integral)
            or (verbose not in (0, 1))
        ):
            raise invalid_value("verbose", verbose, "0 or 1")
        self.verbose = int(verbose)
        self._reset()

    @property
    def name(self):
        """The criterion's name as Prechelt writes it: `"GL2"`, `"PQ0.5"`, `"UP3"`."""
        if self.criterion == "UP":
            return f"UP{self.s}"
        return f"{self.criterion}{self.alpha:g}"

    def _reset(self):
        self.stopped_epoch = None
        self.best_epoch = None
        self.best = math.inf
        self.best_weights = None
        keys = ("epoch", "val_error", "train_error", "gl", "progress", "pq", "up")
        self.history = {key: [] for key in keys}
        self._up_count = 0
        self._warned = False

    def _observe(self, epoch, logs):
        """Update the criterion with one epoch's logs; return `(stop, improved)`."""
        logs = logs or {}
        if self.monitor not in logs:
            if not self._warned:
                warnings.warn(
                    f"PrecheltStopping monitors `{self.monitor}`, which is not in the logs "
                    f"(available: {', '.join(sorted(logs)) or 'none'}); such epochs are skipped. "
                    "Pass validation data to fit().",
                    stacklevel=3,
                )
                self._warned = True
            return False, False
        val_error = float(logs[self.monitor])
        train_error = logs.get(self.train_monitor)
        if self.criterion == "PQ" and train_error is None:
            raise ValueError(
                f"PrecheltStopping(criterion='PQ') needs the training error `{self.train_monitor}` "
                f"in the logs (available: {', '.join(sorted(logs))}); set `train_monitor`."
            )
        train_error = math.nan if train_error is None else float(train_error)

        improved = val_error < self.best
        if improved:
            self.best, self.best_epoch = val_error, epoch
        gl = generalization_loss(val_error, self.best)

        h = self.history
        h["epoch"].append(epoch)
        h["val_error"].append(val_error)
        h["train_error"].append(train_error)
        t = len(h["epoch"])  # epochs observed so far, counted from 1
        progress = pq = math.nan
        strip_end = t % self.strip == 0
        if strip_end:
            if not math.isnan(train_error):
                progress = training_progress(h["train_error"][-self.strip :])
                if progress > 0:
                    pq = gl / progress
                else:
                    pq = 0.0 if gl == 0 else math.inf
            if t > self.strip:
                rose = val_error > h["val_error"][-1 - self.strip]
                self._up_count = self._up_count + 1 if rose else 0
        h["gl"].append(gl)
        h["progress"].append(progress)
        h["pq"].append(pq)
        h["up"].append(self._up_count)

        if self.criterion == "GL":
            stop = gl > self.alpha
        elif self.criterion == "PQ":
            stop = strip_end and pq > self.alpha
        else:
            stop = strip_end and self._up_count >= self.s
        return stop, improved

    # ------------------------------------------------------------------ Keras hooks

    def on_train_begin(self, logs=None):
        # Allow the instance to be re-used across `fit()` calls.
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        stop, improved = self._observe(epoch, logs)
        if improved and self.restore_best_weights:
            self.best_weights = self.model.get_weights()
        if stop:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: {self.name} early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    # ------------------------------------------------------------------ offline use

    def replay(self, history):
        """Run the criterion on a finished run's logs, without a model.

        Args:
            history: A `keras.callbacks.History` or its `.history` dict
                (lists of per-epoch values, one key per metric).

        Returns:
            `stopped_epoch`: the 0-based epoch after which this criterion stops
            (`None` if it never fires). `best_epoch`, `best` and `history` are
            set as after `fit`; no weights are stored or restored.
        """
        values = getattr(history, "history", history)
        if not isinstance(values, dict) or not values:
            raise invalid_value("history", history, "a keras History or a non-empty dict of lists")
        lengths = {len(v) for v in values.values()}
        if len(lengths) != 1:
            raise invalid_value("history", "<dict>", "lists of equal length (one value per epoch)")
        self._reset()
        for epoch in range(lengths.pop()):
            stop, _ = self._observe(epoch, {key: v[epoch] for key, v in values.items()})
            if stop:
                self.stopped_epoch = epoch
                break
        return self.stopped_epoch

    # ------------------------------------------------------------------ serialization

    def get_config(self):
        return {
            "criterion": self.criterion,
            "alpha": self.alpha,
            "strip": self.strip,
            "s": self.s,
            "monitor": self.monitor,
            "train_monitor": self.train_monitor,
            "restore_best_weights": self.restore_best_weights,
            "verbose": self.verbose,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return (
            f"PrecheltStopping({self.name}, strip={self.strip}, monitor={self.monitor!r}, "
            f"restore_best_weights={self.restore_best_weights})"
        )
