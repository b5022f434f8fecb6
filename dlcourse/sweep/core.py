"""`Sweep`: the public class (the contract is in its docstring)."""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from dlcourse._validation import check_int, invalid_value
from dlcourse.sweep.fit import FitGroup, Progress
from dlcourse.sweep.grid import build_arguments, expand_grid, split_config
from dlcourse.sweep.plan import clone_optimizer, loss_spec, plan_groups
from dlcourse.sweep.stacked import StackedGroup
from dlcourse.sweep.table import SweepTable

__all__ = ["Sweep"]


class Sweep:
    """Train a grid of configurations of one model-building function together.

    Ng's "caviar" strategy as a Keras tool. Every configuration in the grid is
    passed to `build` (`build(**config)`) to make one *member*: an ordinary Keras
    model. `compile` and `fit` train all members with the same optimizer settings
    and the same batches; each keeps its own initial weights, its own
    regularization and its own optimizer state. Without dropout a member's weights
    after `fit` equal those of `build(**config).fit(...)` alone up to float32
    round-off; with dropout its masks have the same distribution (other draws).
    Afterwards each member's own optimizer holds its state, so `model.fit`
    continues exactly and `model.save` keeps it.

    Grid keys the sweep reads itself (passed on to `build` only if it has a
    parameter of exactly that name): `learning_rate` (the member's optimizer is a
    copy of the compiled one at this float rate) and `batch_size` (overrides
    `fit(batch_size=...)`). Every other key must be a parameter of `build`.

    Which members train as one computation, and why, is in `sweep.groups` (the
    package docstring explains how). Chains of `Dense`, `Flatten`, `Activation`,
    `keras.layers.Dropout` and `dlcourse.layers.InvertedDropout` in float32, with
    an elementwise optimizer (SGD, Adam, AdamW, Adamax, Adagrad, Adadelta,
    RMSprop, Nadam, Ftrl, Lion; no clipping, EMA or gradient accumulation) and
    metrics given by name or as functions, are stacked; anything else is trained
    by each member's own `model.fit` on the same batches.

    With `shuffle=True` (the default) and mini-batches, epoch `e` visits the
    examples in the order `np.random.default_rng([seed, e]).permutation(m)` for
    every member (the count continues over repeated `fit` calls). A full batch is
    used in its given order.

    Args:
        build: Function returning an uncompiled, built Keras model from keyword
            arguments, e.g. `lambda lambd, seed: dlcourse.deep_net(...)`.
        grid: A dict of lists (`{"lambd": [0, 0.7], "seed": [0, 1]}`: the cartesian
            product, the last key varying fastest) or a list of configuration dicts.
        seed: Optional integer seed for the batch order and the dropout masks of the
            stacked groups (default: drawn at random, kept in `sweep.seed`).

    Attributes:
        configs: The configuration dicts, in grid order.
        models: The members' Keras models, same order.
        histories: After `fit`, one `keras.callbacks.History` per member.
        groups: After `fit`, dicts with `members` (indices), `engine` (`"stacked"`
            or `"fit"`), `reason` and `rate_rule` (in words), `learning_rate` (a
            float, a list of one per member when they differ, or None for a
            schedule) and `batch_size`.

    Example:

    >>> import numpy as np
    >>> import dlcourse
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(64, 2)).astype("float32")
    >>> y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    >>> def build(lambd, seed):
    ...     return dlcourse.deep_net((2,), (8,), 1, activation="tanh",
    ...                              regularizer=dlcourse.L2(lambd, m=64), seed=seed)
    >>> sweep = Sweep(build, {"lambd": [0.0, 0.7], "seed": [0, 1]}, seed=0)
    >>> sweep.configs[1]
    {'lambd': 0.0, 'seed': 1}
    >>> sweep.compile(optimizer=keras.optimizers.Adam(0.01),
    ...               loss="binary_crossentropy", metrics=["accuracy"])
    >>> histories = sweep.fit(x, y, batch_size=64, epochs=20, verbose=0)
    >>> len(histories), len(histories[0].history["loss"])
    (4, 20)
    >>> sweep.results().columns   # print(sweep.results()) shows the table
    ['lambd', 'seed', 'accuracy', 'loss']
    >>> sweep.groups[0]["engine"], sweep.groups[0]["members"]
    ('stacked', [0, 1, 2, 3])

    Reference:
        Ng, *Improving Deep Neural Networks*, week 3, "Hyperparameters
        tuning in practice: Pandas vs. Caviar".
    """

    def __init__(self, build, grid, *, seed=None):
        if not callable(build):
            raise invalid_value("build", build, "a function returning a Keras model")
        configs = expand_grid(grid)
        arguments = build_arguments(build)
        name = getattr(build, "__name__", "build")
        members = [split_config(config, arguments, name) for config in configs]
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31 - 1))
        self.seed = check_int(seed, "seed", low=0)
        self.build = build
        self._configs = configs
        self._members = members
        models = []
        for config, member in zip(configs, members):
            model = build(**member.kwargs)
            if not isinstance(model, keras.Model):
                raise ValueError(
                    f"Invalid value returned by `{name}`: expected a keras.Model, received "
                    f"{type(model).__name__} for configuration {config!r}"
                )
            models.append(model)
        self._models = models
        self.histories = None
        self.groups = None
        self._compiled = None
        self._engines = {}
        self._epochs_seen = 0

    @property
    def configs(self):
        return [dict(config) for config in self._configs]

    @property
    def models(self):
        return list(self._models)

    def __len__(self):
        return len(self._models)

    def __repr__(self):
        return f"<Sweep: {len(self)} configurations of {getattr(self.build, '__name__', 'build')}>"

    # ---- compile

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, *, jit_compile="auto"):
        """Configure every member's training, as `keras.Model.compile` does.

        Each member is also compiled with its own copy of the optimizer (with
        its `learning_rate`), so `sweep.models[i].evaluate(...)` works.

        Args:
            optimizer: A Keras optimizer instance or name; each member (and
                each stacked group) gets its own copy.
            loss: A Keras loss name, `keras.losses.Loss` instance or function.
            metrics: List of metrics: names (`"accuracy"`, `"mae"`, …),
                functions of `(y_true, y_pred)` or `keras.metrics.Metric`
                objects (the last are trained through each member's `fit`).
            jit_compile: Compile the stacked loop with XLA (TensorFlow):
                `True`, `False` or `"auto"` (= `False`: on small nets the XLA
                compile time outweighs the faster steps).
        """
        optimizer = keras.optimizers.get(optimizer)
        loss_spec(loss)  # validate now
        if metrics is not None and (
            isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence)
        ):
            raise invalid_value("metrics", metrics, "a list of metrics")
        if jit_compile not in (True, False, "auto"):
            raise invalid_value("jit_compile", jit_compile, "True, False or 'auto'")
        for model, member in zip(self._models, self._members):
            model.compile(
                optimizer=clone_optimizer(optimizer, member.learning_rate),
                loss=loss,
                metrics=list(metrics) if metrics else None,
            )
        self._compiled = dict(
            optimizer=optimizer,
            loss=loss,
            metrics=list(metrics or ()),
            jit_compile=False if jit_compile == "auto" else jit_compile,
        )
        self._engines = {}

    # ---- checks shared by fit and evaluate

    def _check_data(self, x, y, what=""):
        x = np.asarray(x)
        y = np.asarray(y)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(f"Invalid{what} data: x and y must be arrays with one row per example")
        if len(x) != len(y):
            raise ValueError(
                f"Invalid{what} data: x and y must have the same number of examples, "
                f"received x with {len(x)} and y with {len(y)}"
            )
        if len(x) == 0:
            raise ValueError(f"Invalid{what} data: received no examples")
        if np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer):
            x = x.astype("float32")
        for name, values in (("x", x), ("y", y)):
            if np.issubdtype(values.dtype, np.number) and not np.all(np.isfinite(values)):
                bad = np.size(values) - np.count_nonzero(np.isfinite(values))
                raise ValueError(
                    f"Invalid{what} {name}: expected finite numbers, received {bad} "
                    "NaN or infinite value(s)"
                )
        for model, config in zip(self._models, self._configs):
            input_shape = tuple(model.inputs[0].shape[1:])
            if len(input_shape) != x.ndim - 1 or any(
                d is not None and d != s for d, s in zip(input_shape, x.shape[1:])
            ):
                raise ValueError(
                    f"Invalid{what} x: the model of configuration {config!r} takes inputs of shape "
                    f"{(None, *input_shape)}, received x of shape {x.shape}"
                )
            output = tuple(model.outputs[0].shape[1:])
            labels = y.shape[1:]
            same = len(labels) == len(output) and all(
                d is None or d == s for d, s in zip(output, labels)
            )
            sparse = labels == output[:-1] or labels == (*output[:-1], 1)
            if not same and not sparse:
                raise ValueError(
                    f"Invalid{what} y: the model of configuration {config!r} outputs shape "
                    f"{(None, *output)}, which does not match y of shape {y.shape}"
                )
            classes = output[-1]
            if (
                not same
                and classes not in (None, 1)
                and (not np.all(np.equal(np.mod(y, 1), 0)) or y.min() < 0 or y.max() >= classes)
            ):
                raise ValueError(
                    f"Invalid{what} y: as class labels for {classes} outputs, y must hold "
                    f"integers in [0, {classes}), received values in [{y.min()}, {y.max()}]"
                )
        return x, y.astype("float32")

    # ---- fit

    def fit(
        self, x, y, batch_size=None, epochs=1, verbose="auto", validation_data=None, shuffle=True
    ):
        """Train every member; return one `keras.callbacks.History` per member, in grid order.

        Args:
            x: NumPy array of inputs, one row per example.
            y: NumPy array of targets (labels for sparse losses).
            batch_size: Examples per gradient step (default 32, as Keras);
                a `batch_size` grid key overrides it for its members. Use
                `batch_size=len(x)` for Ng's full-batch iterations.
            epochs: Number of passes over the data; each member's history has
                one entry per epoch.
            verbose: `0` silent, `1` (or `"auto"`) one progress bar for the
                whole sweep.
            validation_data: Optional `(x_val, y_val)`, evaluated after every
                epoch (`val_loss`, `val_<metric>`), in inference mode.
            shuffle: Reshuffle the examples before each epoch (all members
                see the same order; see the class docstring).

        Returns:
            A list of `keras.callbacks.History`, one per member.
        """
        if self._compiled is None:
            raise RuntimeError("You must call `sweep.compile(...)` before `sweep.fit(...)`.")
        epochs = check_int(epochs, "epochs", low=1)
        if batch_size is not None:
            batch_size = check_int(batch_size, "batch_size", low=1)
        if verbose not in (0, 1, 2, "auto", True, False):
            raise invalid_value("verbose", verbose, "0, 1, 2 or 'auto'")
        x, y = self._check_data(x, y)
        validation = None
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise invalid_value(
                    "validation_data", type(validation_data).__name__, "a tuple (x_val, y_val)"
                )
            validation = self._check_data(*validation_data, what=" validation")
        groups = self._group(x, y, batch_size)
        progress = Progress(len(self) * epochs, verbose not in (0, False))
        offset = self._epochs_seen

        def order_for(epoch):
            return np.random.default_rng([self.seed, offset + epoch]).permutation(len(x))

        per_member = [None] * len(self)
        for members, engine in groups:
            for member, history in zip(
                members,
                engine.fit(x, y, epochs, validation, order_for if shuffle else None, progress),
            ):
                per_member[member] = history
        self._epochs_seen += epochs
        histories = []
        for model, values, config in zip(self._models, per_member, self._configs):
            history = keras.callbacks.History()
            history.set_model(model)
            history.history = values
            history.epoch = list(range(epochs))
            history.params = {"epochs": epochs, "verbose": 0, "config": dict(config)}
            model.history = history
            histories.append(history)
        self.histories = histories
        return histories

    def _group(self, x, y, batch_size):
        """[(member indices, engine)], from the plan; engines are kept between calls."""
        settings = self._compiled
        groups = plan_groups(
            self._models,
            self._members,
            optimizer=settings["optimizer"],
            metrics=settings["metrics"],
            y_shape=y.shape,
            batch_size=batch_size or 32,
        )
        engines = []
        for number, group in enumerate(groups):
            engine = self._engines.get(group)
            if engine is None:
                models = [self._models[i] for i in group.members]
                if group.engine == "stacked":
                    engine = StackedGroup(
                        group,
                        models,
                        clone_optimizer(settings["optimizer"], group.optimizer_rate),
                        loss_spec(settings["loss"]),
                        seed=self.seed + 7919 * number,
                        jit_compile=settings["jit_compile"],
                    )
                else:
                    engine = FitGroup(models, group.reason, group.batch_size)
                self._engines[group] = engine
            engines.append((group.members, engine))
        self.groups = [group.summary() for group in groups]
        return engines

    # ---- evaluate and results

    def evaluate(self, x, y, batch_size=None):
        """Loss (with each member's penalty) and metrics of every member, in inference mode.

        Args:
            x: Inputs. y: Targets.
            batch_size: Examples per evaluation batch (default 32, as Keras);
                results are batch-size independent up to round-off.

        Returns:
            A list of dicts, one per member in grid order, e.g.
            `{"loss": 0.31, "accuracy": 0.93}`.
        """
        if self._compiled is None:
            raise RuntimeError("You must call `sweep.compile(...)` before `sweep.evaluate(...)`.")
        batch_size = 32 if batch_size is None else check_int(batch_size, "batch_size", low=1)
        x, y = self._check_data(x, y)
        results = [None] * len(self)
        for members, engine in self._group(x, y, batch_size):
            chunk = batch_size if isinstance(engine, FitGroup) else max(batch_size, 4096)
            for member, result in zip(members, engine.evaluate(x, y, chunk)):
                results[member] = result
        return results

    def results(self, metrics=None, epoch=-1):
        """A printable table: each configuration and its metrics at one epoch of `fit`.

        Args:
            metrics: Names of history entries to show (default: all).
            epoch: Which epoch's values (default `-1`, the last).

        Returns:
            A `SweepTable`.
        """
        if self.histories is None:
            raise RuntimeError(
                "`sweep.results()` needs a trained sweep: call `sweep.fit(...)` first."
            )
        keys = []
        for config in self._configs:
            keys += [k for k in config if k not in keys]
        available = list(self.histories[0].history)
        if metrics is None:
            metrics = available
        for metric in metrics:
            if metric not in available:
                raise invalid_value("metrics", metric, f"names among {available}")
        rows = [
            [config.get(k) for k in keys] + [history.history[metric][epoch] for metric in metrics]
            for config, history in zip(self._configs, self.histories)
        ]
        return SweepTable(keys + list(metrics), rows)
