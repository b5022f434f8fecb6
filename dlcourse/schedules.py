"""Ng's learning-rate decay schedules, counting epochs as the course does.

Ng writes learning-rate decay per **epoch** (`epoch_num` = 0, 1, 2, … as in the
programming assignment); Keras's schedules are called with the optimizer's
**step** (`optimizer.iterations`, one per mini-batch). With `steps_per_epoch =
ceil(m / batch_size)` updates per epoch, the conversion is

    epoch_num = ⌊step / steps_per_epoch⌋

and decaying every `time_interval` epochs uses `⌊epoch_num / time_interval⌋ =
⌊step / (steps_per_epoch · time_interval)⌋`. Each schedule here is a
`keras.optimizers.schedules.LearningRateSchedule` to pass as
`keras.optimizers.SGD(learning_rate=schedule)`, and names the Keras built-in it
equals:

- `InverseTimeDecay`: `α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)`;
  Keras: `InverseTimeDecay(α₀, decay_steps=steps_per_epoch · time_interval,
  decay_rate, staircase=True)`. `time_interval=1` is Ng's per-epoch decay.
- `ExponentialDecay`: `α = decay_rate^⌊epoch_num / time_interval⌋ · α₀` (Ng's
  `0.95^epoch_num · α₀`; with `decay_rate=0.5` and `time_interval > 1` the
  "discrete staircase" that halves α every few epochs); Keras:
  `ExponentialDecay(α₀, decay_steps=steps_per_epoch · time_interval, decay_rate,
  staircase=True)`.
- `InverseSqrtDecay`: `α = k / √(epoch_num + 1) · α₀` (Ng's `k/√epoch_num · α₀`
  with epochs counted from 1); Keras has no built-in for it.

Every schedule is registered for Keras serialization (`get_config`,
`from_config`), so an optimizer or a model that uses one saves and loads with
no `custom_objects`.
"""

import keras

from dlcourse._validation import check_float, check_int

__all__ = ["ExponentialDecay", "InverseSqrtDecay", "InverseTimeDecay"]


class _EpochSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """Shared part: `α₀`, the step → epoch conversion and the config."""

    def __init__(self, learning_rate, *, steps_per_epoch, time_interval=1, name=None):
        self.learning_rate = check_float(learning_rate, "learning_rate", low=0, low_open=True)
        self.steps_per_epoch = check_int(steps_per_epoch, "steps_per_epoch", low=1)
        self.time_interval = check_int(time_interval, "time_interval", low=1)
        self.name = name

    def intervals(self, step):
        """`⌊epoch_num / time_interval⌋` at optimizer step `step`, as a float32 tensor."""
        step = keras.ops.cast(step, "float32")
        return keras.ops.floor(step / float(self.steps_per_epoch * self.time_interval))

    def get_config(self):
        return {
            "learning_rate": self.learning_rate,
            "steps_per_epoch": self.steps_per_epoch,
            "time_interval": self.time_interval,
            "name": self.name,
        }


@keras.saving.register_keras_serializable(package="dlcourse")
class InverseTimeDecay(_EpochSchedule):
    """Ng's `α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)`.

    With `time_interval=1` α decays every epoch (Ng's lecture); with a larger
    `time_interval` it decays at fixed intervals (the assignment's
    `schedule_lr_decay`), which keeps a large `decay_rate` from driving α to
    almost zero in the first epochs.

    Keras equivalent: `keras.optimizers.schedules.InverseTimeDecay(learning_rate,
    decay_steps=steps_per_epoch * time_interval, decay_rate=decay_rate,
    staircase=True)`.

    Args:
        learning_rate: `α₀`, a float > 0.
        decay_rate: A float >= 0 (0 keeps α constant).
        steps_per_epoch: Optimizer updates per epoch, `ceil(m / batch_size)`.
        time_interval: Epochs between two decays, an int >= 1 (default 1).
        name: Optional name.

    Call arguments:
        step: The optimizer's step (`optimizer.iterations`), counted from 0.

    Example:

    >>> schedule = InverseTimeDecay(0.2, decay_rate=1.0, steps_per_epoch=10)
    >>> [round(float(schedule(step)), 4) for step in (0, 9, 10, 20)]
    [0.2, 0.2, 0.1, 0.0667]

    Reference:
        Andrew Ng, *Improving Deep Neural Networks*, week 2, "Learning rate decay".
    """

    def __init__(self, learning_rate, decay_rate, *, steps_per_epoch, time_interval=1, name=None):
        super().__init__(
            learning_rate, steps_per_epoch=steps_per_epoch, time_interval=time_interval, name=name
        )
        self.decay_rate = check_float(decay_rate, "decay_rate", low=0)

    def __call__(self, step):
        return self.learning_rate / (1.0 + self.decay_rate * self.intervals(step))

    def get_config(self):
        return {**super().get_config(), "decay_rate": self.decay_rate}


@keras.saving.register_keras_serializable(package="dlcourse")
class ExponentialDecay(_EpochSchedule):
    """Ng's exponential decay `α = decay_rate^⌊epoch_num / time_interval⌋ · α₀`.

    Ng's example is `decay_rate=0.95` every epoch; `decay_rate=0.5` with a
    `time_interval` of a few epochs is the "discrete staircase".

    Keras equivalent: `keras.optimizers.schedules.ExponentialDecay(learning_rate,
    decay_steps=steps_per_epoch * time_interval, decay_rate=decay_rate,
    staircase=True)`.

    Args:
        learning_rate: `α₀`, a float > 0.
        decay_rate: The factor per interval, a float in (0, 1].
        steps_per_epoch: Optimizer updates per epoch, `ceil(m / batch_size)`.
        time_interval: Epochs between two decays, an int >= 1 (default 1).
        name: Optional name.

    Example:

    >>> schedule = ExponentialDecay(0.1, decay_rate=0.5, steps_per_epoch=4, time_interval=2)
    >>> [round(float(schedule(step)), 4) for step in (0, 7, 8, 16)]
    [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(
        self, learning_rate, decay_rate=0.95, *, steps_per_epoch, time_interval=1, name=None
    ):
        super().__init__(
            learning_rate, steps_per_epoch=steps_per_epoch, time_interval=time_interval, name=name
        )
        self.decay_rate = check_float(decay_rate, "decay_rate", low=0, high=1, low_open=True)

    def __call__(self, step):
        return self.learning_rate * keras.ops.power(self.decay_rate, self.intervals(step))

    def get_config(self):
        return {**super().get_config(), "decay_rate": self.decay_rate}


@keras.saving.register_keras_serializable(package="dlcourse")
class InverseSqrtDecay(_EpochSchedule):
    """Ng's `α = k / √epoch_num · α₀`, epochs counted from 1: `k / √(epoch_num + 1) · α₀`.

    Keras has no built-in for it (its schedules are exponential, inverse-time,
    polynomial, piecewise-constant and cosine).

    Args:
        learning_rate: `α₀`, a float > 0.
        k: A float > 0 (α in the first epoch is `k · α₀`).
        steps_per_epoch: Optimizer updates per epoch, `ceil(m / batch_size)`.
        time_interval: Epochs between two decays, an int >= 1 (default 1).
        name: Optional name.

    Example:

    >>> schedule = InverseSqrtDecay(0.1, k=1.0, steps_per_epoch=5)
    >>> [round(float(schedule(step)), 4) for step in (0, 5, 15)]
    [0.1, 0.0707, 0.05]
    """

    def __init__(self, learning_rate, k=1.0, *, steps_per_epoch, time_interval=1, name=None):
        super().__init__(
            learning_rate, steps_per_epoch=steps_per_epoch, time_interval=time_interval, name=name
        )
        self.k = check_float(k, "k", low=0, low_open=True)

    def __call__(self, step):
        return self.k * self.learning_rate / keras.ops.sqrt(self.intervals(step) + 1.0)

    def get_config(self):
        return {**super().get_config(), "k": self.k}
