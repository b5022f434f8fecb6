"""`Playground`: TensorFlow Playground's trainer on the course's Keras components."""

from __future__ import annotations

import collections
import math
from pathlib import Path

import numpy as np

from dlcourse import regularizers
from dlcourse._validation import check_int
from dlcourse.diagnostics import diagnose
from dlcourse.models import deep_net
from dlcourse.playground.data import feature_matrix, make_data, split
from dlcourse.playground.settings import (
    CUSTOM,
    DATASETS,
    DEFAULTS,
    OPTIMIZERS,
    check_data,
    check_settings,
    fit_keep_prob,
)
from dlcourse.playground.trainer import Trainer

__all__ = ["Playground"]

GRID = 100  # decision-boundary grid points per axis (one batched call per frame)
KEEP_NETWORKS = 8  # networks kept built (with their compiled functions) for going back
MARGIN = 0.25  # extra room around the data in the boundary view, as a fraction of its span

# Which settings need what when they change (TensorFlow Playground resets the network on
# every change except the learning rate; so do we).
_DATA = {"dataset", "noise", "n_points", "train_share", "seed"}
_LIVE = {"learning_rate", "steps_per_frame"}


class Playground:
    """TensorFlow Playground's interactive trainer, on dlcourse's course-exact components.

    A 2-D classification problem (a built-in data set or your own `x`, `y`), a
    `deep_net` trained live with mini-batch gradient descent, and the views
    TensorFlow Playground shows plus the ones the course needs: the decision
    boundary with train and dev points, train/dev cost and accuracy curves,
    per-layer gradient norms (vanishing gradients as they happen), Ng's
    bias/variance verdict from `dlcourse.diagnose`, and the epoch count.

    The widgets (`pg.widget`, shown when a notebook displays `pg`) sit on the
    methods below; the same calls drive it from code. Changing a setting resets
    the network to its initial weights, as TensorFlow Playground does, except
    for `learning_rate` and `steps_per_frame`. With the same settings (the
    `seed` included) a run is reproduced exactly: initial weights, batches and
    dropout masks.

    Settings (keyword arguments of the constructor and of `set`; ranges in
    `dlcourse.playground.settings.LIMITS`):

    - data: `dataset` (`"circles"`, `"xor"`, `"moons"`, `"spirals"`,
      `"flower"`, `"noisy_two_class"`, `"three_blobs"` — 3 classes — or
      `"custom"` for `x`, `y`), `noise` (`None`: the set's default; the flip
      rate for `noisy_two_class`), `n_points`, `train_share` (the rest is the
      dev set), `features` (any of `"x1"`, `"x2"`, `"x1^2"`, `"x2^2"`,
      `"x1*x2"`, `"sin(x1)"`, `"sin(x2)"`);
    - network: `hidden_units` (units per hidden layer, up to 6 layers),
      `activation` (`"relu"`, `"tanh"`, `"sigmoid"`, `"linear"`),
      `initializer` (`"zeros"`, `"large_random"`, `"xavier"`, `"he"`),
      `regularizer` (`"none"`, `"l1"`, `"l2"`) with `lambd` (Ng's λ; the penalty
      is `dlcourse.L2(lambd, m)` with `m` the number of training points),
      `keep_prob` (one float or one per hidden layer; inverted dropout);
    - training: `optimizer` (`"sgd"`, `"momentum"`, `"rmsprop"`, `"adam"`),
      `learning_rate`, `batch_size`, `seed`, `steps_per_frame` (steps Play
      trains between two frames). The loss is the cross-entropy: binary with
      one sigmoid output for two classes, categorical with a softmax otherwise.

    Args:
        dataset: The data set's name (default `"circles"`; `"custom"` when `x` is given).
        x: Optional `(n, 2)` array of your own points.
        y: Their integer labels `0 .. k-1` (`k >= 2` classes).
        **settings: Any of the settings above.

    Raises:
        ValueError: for an unknown setting or a value out of range (the message
            names the setting), or bad `x`/`y`.

    Example:

    >>> pg = Playground(dataset="xor", hidden_units=(8,), activation="relu",
    ...                 initializer="he", learning_rate=0.1, seed=0)
    >>> [layer.name for layer in pg.model.layers[1:]]
    ['hidden_1', 'output']
    >>> record = pg.step(200)                    # what Play does between frames
    >>> record["step"], sorted(pg.history)[:3]
    (200, ['accuracy', 'epoch', 'loss'])
    >>> pg.history["loss"][-1] < pg.history["loss"][0]
    True
    >>> pg.set(keep_prob=0.8)                    # resets, like TensorFlow Playground
    >>> [layer.name for layer in pg.model.layers[1:]]
    ['hidden_1', 'dropout_1', 'output']
    """

    def __init__(self, dataset=None, *, x=None, y=None, **settings):
        self._custom = None
        if x is not None or y is not None:
            if x is None or y is None:
                missing = "x" if x is None else "y"
                raise ValueError(f"Invalid value for `{missing}`: pass both x and y, or neither")
            self._custom = check_data(x, y)
            dataset = CUSTOM if dataset is None else dataset
        if dataset is not None:
            settings["dataset"] = dataset
        self._settings = check_settings(
            settings, DEFAULTS, has_custom_data=self.custom_data is not None
        )
        self._widget = None
        self._trainer = None
        self._trainers = collections.OrderedDict()  # network key -> Trainer, the latest last
        self._make_data()
        self._make_network()

    # ------------------------------------------------------------------ settings

    @property
    def settings(self):
        """The settings in force, as a new dict (pass it to `set` or another `Playground`)."""
        return dict(self._settings)

    def set(self, **settings):
        """Change settings as the widgets do, resetting where TensorFlow Playground resets.

        Every value is checked first; on a `ValueError` nothing changes.

        Args:
            **settings: Setting name → new value (see the class docstring).

        Raises:
            ValueError: naming the first unknown or out-of-range setting.
        """
        new = check_settings(settings, self._settings, has_custom_data=self.custom_data is not None)
        changed = {name for name in new if new[name] != self._settings[name]}
        self._settings = new
        if changed - _LIVE:
            if changed & _DATA:
                self._make_data()
            self._make_network()
        if "learning_rate" in changed:
            self.optimizer.learning_rate = new["learning_rate"]
        if self._widget is not None:
            self._widget.sync()

    # ---------------------------------------------------------------------- data

    def _make_data(self):
        s = self._settings
        if s["dataset"] == CUSTOM:
            points, labels = self._custom
        else:
            points, labels = make_data(s["dataset"], s["n_points"], s["noise"], s["seed"])
        parts = split(points, labels, s["train_share"], s["seed"])
        self.x_train, self.y_train = parts.x_train, parts.y_train
        self.x_dev, self.y_dev = parts.x_dev, parts.y_dev
        self.classes = int(labels.max()) + 1
        low, high = points.min(axis=0), points.max(axis=0)
        pad = MARGIN * np.maximum(high - low, 1e-3)
        self.extent = (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])
        g1 = np.linspace(self.extent[0], self.extent[1], GRID)
        g2 = np.linspace(self.extent[2], self.extent[3], GRID)
        mesh = np.stack(np.meshgrid(g1, g2), axis=-1).reshape(-1, 2)
        self._grid_points = mesh.astype("float32")

    @property
    def datasets(self):
        """The names `dataset` accepts here (`"custom"` too when you gave `x` and `y`)."""
        return (*DATASETS, CUSTOM) if self._custom is not None else tuple(DATASETS)

    @property
    def custom_data(self):
        """Your own `(x, y)` as the playground checked them (float32, int32), or `None`."""
        return self._custom

    @property
    def noise(self):
        """The noise in force (the data set's default when the setting is `None`)."""
        s = self._settings
        if s["dataset"] == CUSTOM:
            return None
        return DATASETS[s["dataset"]] if s["noise"] is None else s["noise"]

    @property
    def bayes_error(self):
        """The optimal error `diagnose` compares with: the flip rate for `noisy_two_class`
        (its true rule is known), else 0 (the other sets barely overlap)."""
        return self.noise if self._settings["dataset"] == "noisy_two_class" else 0.0

    # ------------------------------------------------------------------- network

    @property
    def num_outputs(self):
        """1 (one sigmoid unit) for two classes, else the number of classes (softmax)."""
        return 1 if self.classes == 2 else self.classes

    def regularizer(self):
        """The kernel regularizer the settings ask for: `L1`/`L2(lambd, m)` or `None`."""
        s = self._settings
        if s["regularizer"] == "none":
            return None
        cls = regularizers.L2 if s["regularizer"] == "l2" else regularizers.L1
        return cls(lambd=s["lambd"], m=len(self.x_train))

    def build_model(self):
        """A fresh, untrained `deep_net` for the current settings (what `pg.model` starts as)."""
        s = self._settings
        return deep_net(
            (len(s["features"]),),
            s["hidden_units"],
            self.num_outputs,
            activation=s["activation"],
            initializer=s["initializer"],
            regularizer=self.regularizer(),
            keep_prob=fit_keep_prob(s["keep_prob"], len(s["hidden_units"])),
            seed=s["seed"],
            name="playground",
        )

    def _network_key(self):
        """Everything the model and optimizer are built from: equal keys, equal networks."""
        s = self._settings
        names = (
            "features",
            "hidden_units",
            "activation",
            "initializer",
            "regularizer",
            "lambd",
            "keep_prob",
            "seed",
            "optimizer",
        )
        m = len(self.x_train) if s["regularizer"] != "none" else None  # the penalty's m
        return (*(s[name] for name in names), self.num_outputs, m)

    def _make_network(self):
        """Build the network, or only reset it when the same one was built lately
        (building is cheap; compiling its functions takes a second or two, more on JAX):
        going back to an earlier setting starts at once, from the same initial state."""
        s = self._settings
        self._features = {
            "train": feature_matrix(self.x_train, s["features"]),
            "dev": feature_matrix(self.x_dev, s["features"]),
            "grid": feature_matrix(self._grid_points, s["features"]),
        }
        key = self._network_key()
        trainer = self._trainers.pop(key, None)
        if trainer is not None:  # built before: its initial state, its compiled functions
            trainer.reset()
            trainer.optimizer.learning_rate = s["learning_rate"]
        else:
            trainer = Trainer(
                self.build_model(),
                OPTIMIZERS[s["optimizer"]].build(s["learning_rate"]),
                self.num_outputs,
            )
        self._trainers[key] = trainer  # the most recent last
        while len(self._trainers) > KEEP_NETWORKS:
            self._trainers.popitem(last=False)
        self._trainer = trainer
        self._labels = {"train": trainer.labels(self.y_train), "dev": trainer.labels(self.y_dev)}
        self._clear_history()

    @property
    def model(self):
        """The Keras model being trained (layers named as `deep_net` names them)."""
        return self._trainer.model

    @property
    def optimizer(self):
        """The Keras optimizer training `model`."""
        return self._trainer.optimizer

    # ------------------------------------------------------------------ training

    def reset(self):
        """Back to the initial weights (same seed, same start) and an empty history."""
        self._trainer.reset()
        self.optimizer.learning_rate = self._settings["learning_rate"]
        self._clear_history()

    def _clear_history(self):
        self.history = {
            name: [] for name in ("step", "epoch", "loss", "val_loss", "accuracy", "val_accuracy")
        }
        self.gradient_norms = {layer.name: [] for layer in self._dense_layers()}
        self._record()

    def _dense_layers(self):
        names = ("hidden_", "output")
        return [layer for layer in self.model.layers if layer.name.startswith(names)]

    @property
    def steps(self):
        """Mini-batch steps trained since the last reset."""
        return int(self._trainer.steps)

    @property
    def batches_per_epoch(self):
        """Steps in one pass over the training set (the last batch may be smaller)."""
        return math.ceil(len(self.x_train) / min(self._settings["batch_size"], len(self.x_train)))

    @property
    def epoch(self):
        """Passes over the training set since the last reset (a float)."""
        return self.steps / self.batches_per_epoch

    def step(self, n=1):
        """Train `n` mini-batch steps, then record one point of the history.

        Args:
            n: Number of steps, an integer `>= 0` (0 only records).

        Returns:
            The new record: `step`, `epoch`, `loss`, `val_loss`, `accuracy`,
            `val_accuracy` (costs include the regularization penalty, as Keras
            reports them; all measured on the whole set without dropout).
        """
        n = check_int(n, "n", low=0)
        s = self._settings
        batch_size = min(s["batch_size"], len(self.x_train))
        self._trainer.train(
            int(n), batch_size, s["seed"], self._features["train"], self._labels["train"]
        )
        return self._record()

    def warm_up(self):
        """Compile the training loop for the settings in force now (a second or two) so
        that the first `step` of `steps_per_frame` steps starts at once; trains nothing.

        The widgets call it just after a setting changes the network; from code it is
        optional (the first `step` compiles otherwise).
        """
        s = self._settings
        batch_size = min(s["batch_size"], len(self.x_train))
        if not self._trainer.is_compiled(s["steps_per_frame"], batch_size):
            self._trainer.train(
                0,
                batch_size,
                s["seed"],
                self._features["train"],
                self._labels["train"],
                compile_for=s["steps_per_frame"],
            )

    def _record(self):
        out = self._trainer.evaluate(
            self._features["train"],
            self._labels["train"],
            self._features["dev"],
            self._labels["dev"],
            self._features["grid"],
        )
        record = {"step": self.steps, "epoch": self.epoch}
        for name in ("loss", "val_loss", "accuracy", "val_accuracy"):
            record[name] = float(out[name])
        for name, value in record.items():
            self.history[name].append(value)
        for layer, norm in zip(self.gradient_norms, out["gradient_norms"]):
            self.gradient_norms[layer].append(float(norm))
        self._grid_outputs = out["grid"]
        return record

    def diagnosis(self):
        """Ng's bias/variance verdict (`dlcourse.diagnose`) for the current errors."""

        def error(accuracy, m):  # the float32 accuracy snapped back to k mistakes out of m
            return min(max(round((1.0 - accuracy) * m) / m, 0.0), 1.0)

        train_error = error(self.history["accuracy"][-1], len(self.x_train))
        dev_error = error(self.history["val_accuracy"][-1], len(self.x_dev))
        return diagnose(train_error, dev_error, bayes_error=self.bayes_error)

    def class_probabilities(self):
        """The model's class probabilities on the boundary grid, `(GRID, GRID, k)`."""
        out = np.asarray(self._grid_outputs, dtype="float64")
        if out.shape[-1] == 1:
            out = np.concatenate([1.0 - out, out], axis=-1)
        return out.reshape(GRID, GRID, -1)

    # -------------------------------------------------------------------- output

    def code(self, epochs=None):
        """Python code that rebuilds and trains this configuration on its own.

        The code makes the same data (or embeds your arrays), the same `deep_net`
        with the same initial weights, compiles it (`compile`) with the same optimizer and
        loss and fits it (`fit`); run it as a script or with `exec`.

        Args:
            epochs: Epochs for `fit`; default: the epochs trained so far (at least 1).

        Returns:
            The code, a string.
        """
        from dlcourse.playground.export import playground_code

        if epochs is None:
            epochs = max(1, math.ceil(self.epoch))
        return playground_code(self, epochs)

    def figure(self):
        """The current views as one matplotlib figure: boundary, curves, gradient norms."""
        from dlcourse.playground.views import Views

        return Views(self).update().figure

    def save(self, path="playground.keras"):
        """Save the trained model as a `.keras` file; return its path."""
        path = Path(path)
        if path.suffix != ".keras":
            raise ValueError(
                "Invalid value for `path`: expected a file name ending in .keras, "
                f"received path={str(path)!r}"
            )
        self.model.save(path)
        return path

    @property
    def widget(self):
        """The ipywidgets app (built on first use; needs the `playground` extra)."""
        if self._widget is None:
            from dlcourse.playground.ui import PlaygroundWidget

            self._widget = PlaygroundWidget(self)
        return self._widget.root

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self):
        s = self._settings
        return (
            f"<Playground {s['dataset']} {len(s['features'])}-"
            + "-".join(str(u) for u in s["hidden_units"])
            + f"-{self.num_outputs} {s['activation']}, step {self.steps}>"
        )
