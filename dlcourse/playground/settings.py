"""The playground's settings: names, defaults, allowed ranges and one check for all of them.

The widgets take their ranges from the tables here, so a value out of range cannot be
entered in the UI; `check_settings` raises a `ValueError` naming the setting for any
value set from code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dlcourse._validation import check_choice, check_float, check_int, invalid_value, is_int

__all__ = [
    "ACTIVATIONS",
    "CHOICES",
    "CONTROLS",
    "DATASETS",
    "DEFAULTS",
    "FEATURES",
    "INITIALIZERS",
    "LAMBDAS",
    "LEARNING_RATES",
    "LIMITS",
    "OPTIMIZERS",
    "REGULARIZERS",
    "VALUES",
    "Control",
    "Optimizer",
    "check_settings",
]

#: Built-in data sets → their default noise (what `noise` means is in `data.make_data`).
DATASETS = {
    "circles": 0.05,
    "xor": 0.15,
    "moons": 0.2,
    "spirals": 0.1,
    "flower": 0.2,
    "noisy_two_class": 0.08,
    "three_blobs": 0.3,
}
#: The learner's own arrays, `Playground(x=..., y=...)`.
CUSTOM = "custom"

#: Input features, as in TensorFlow Playground (computed from the raw point `(x1, x2)`).
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
INITIALIZERS = ("zeros", "large_random", "xavier", "he")
REGULARIZERS = ("none", "l1", "l2")


@dataclass(frozen=True)
class Optimizer:
    """One optimizer the playground offers: its label and the Keras class that builds it.

    Example:

    >>> OPTIMIZERS["momentum"].code(0.1)
    'keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)'
    >>> OPTIMIZERS["momentum"].build(0.1).get_config()["momentum"]
    0.9
    """

    label: str
    keras_class: str  # a class in `keras.optimizers`
    options: tuple = ()  # (keyword, value) pairs besides the learning rate

    def build(self, learning_rate):
        """A new Keras optimizer with this learning rate."""
        import keras

        cls = getattr(keras.optimizers, self.keras_class)
        return cls(learning_rate=learning_rate, **dict(self.options))

    def code(self, learning_rate):
        """The Python call that builds it, for the exported script."""
        arguments = [f"learning_rate={learning_rate!r}"]
        arguments += [f"{name}={value!r}" for name, value in self.options]
        return f"keras.optimizers.{self.keras_class}({', '.join(arguments)})"


#: The one table of optimizers: the check, the trainer, the exported code and the UI read it.
OPTIMIZERS = {
    "sgd": Optimizer("SGD", "SGD"),
    "momentum": Optimizer("momentum (0.9)", "SGD", (("momentum", 0.9),)),
    "rmsprop": Optimizer("RMSProp", "RMSprop"),
    "adam": Optimizer("Adam", "Adam"),
}
#: The values the widgets offer (TensorFlow Playground's lists); code may set any value in range.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
LAMBDAS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

#: Numeric ranges, inclusive: (low, high).
LIMITS = {
    "noise": (0.0, 0.45),
    "n_points": (20, 2000),
    "train_share": (0.1, 0.9),
    "hidden_layers": (0, 6),
    "units": (1, 16),
    "keep_prob": (0.05, 1.0),
    "lambd": (0.0, 10.0),
    "learning_rate": (1e-6, 10.0),
    "batch_size": (1, 512),
    "seed": (0, 2**31 - 1),
    "steps_per_frame": (1, 1000),
}

#: TensorFlow Playground's defaults where it has the setting (2 hidden layers of 4 and 2
#: tanh units, learning rate 0.03, batch 10, half of the points for training).
DEFAULTS = {
    "dataset": "circles",
    "noise": None,  # the data set's own default (DATASETS)
    "n_points": 400,
    "train_share": 0.5,
    "features": ("x1", "x2"),
    "hidden_units": (4, 2),
    "activation": "tanh",
    "initializer": "xavier",
    "regularizer": "none",
    "lambd": 0.0,
    "keep_prob": 1.0,
    "optimizer": "sgd",
    "learning_rate": 0.03,
    "batch_size": 10,
    "seed": 0,
    "steps_per_frame": 20,
}

#: The label the UI shows for each choice (a name not listed shows as itself).
CHOICES = {
    "dataset": {
        **{name: name for name in DATASETS},
        "noisy_two_class": "noisy two-class",
        "three_blobs": "three blobs (3 classes)",
        CUSTOM: "your data (x, y)",
    },
    "activation": {name: name for name in ACTIVATIONS},
    "initializer": {
        "zeros": "zeros",
        "large_random": "large random (×10)",
        "xavier": "Xavier (1/n)",
        "he": "He (2/n)",
    },
    "regularizer": {"none": "none", "l1": "L1", "l2": "L2"},
    "optimizer": {name: optimizer.label for name, optimizer in OPTIMIZERS.items()},
}


@dataclass(frozen=True)
class Control:
    """How the UI shows one setting; `PlaygroundWidget` makes its widget from this row.

    `kind` is `"choice"` (a drop-down over `CHOICES[name]`), `"values"` (a slider over
    `VALUES[name]`), `"int"`/`"float"` (a slider over `LIMITS[name]`, up to `high`
    when the slider stops short of what code may set), `"number"` (a box),
    `"features"` (a tick box per input) or `"layers"` (units and keep_prob per layer).
    """

    name: str
    label: str
    section: str
    kind: str
    step: float = 1
    high: float | None = None
    readout_format: str | None = None


#: The values the `"values"` sliders offer.
VALUES = {"lambd": LAMBDAS, "learning_rate": LEARNING_RATES}

#: The controls, section by section, in the order the UI shows them.
CONTROLS = (
    Control("dataset", "data set", "Data", "choice"),
    Control("noise", "noise", "Data", "float", step=0.01),
    Control("n_points", "points", "Data", "int", step=10),
    Control("train_share", "train share", "Data", "float", step=0.05, readout_format=".0%"),
    Control("features", "input features", "Data", "features"),
    Control("hidden_layers", "hidden layers", "Network", "int"),
    Control("hidden_units", "units and keep_prob per hidden layer", "Network", "layers"),
    Control("activation", "activation", "Network", "choice"),
    Control("initializer", "initializer", "Network", "choice"),
    Control("regularizer", "regularizer", "Network", "choice"),
    Control("lambd", "λ (lambd)", "Network", "values"),
    Control("optimizer", "optimizer", "Training", "choice"),
    Control("learning_rate", "learning rate α", "Training", "values"),
    Control("batch_size", "batch size", "Training", "int", high=128),
    Control("seed", "seed", "Training", "number"),
    Control("steps_per_frame", "steps / frame", "Training", "int", high=200),
)


def _check_range(value, name, integer=False):
    low, high = LIMITS[name]
    if integer:
        return check_int(value, name, low=low, high=high)
    return check_float(value, name, low=low, high=high)


def _check_features(value):
    expected = "a non-empty sequence of distinct names from " + ", ".join(map(repr, FEATURES))
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise invalid_value("features", value, expected)
    if len(set(value)) != len(value) or not all(name in FEATURES for name in value):
        raise invalid_value("features", value, expected)
    return tuple(name for name in FEATURES if name in value)  # canonical order


def _check_hidden_units(value):
    low, high = LIMITS["units"]
    most = LIMITS["hidden_layers"][1]
    expected = f"a sequence of at most {most} integers in [{low}, {high}] (units per hidden layer)"
    if is_int(value):
        value = (value,)
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) > most:
        raise invalid_value("hidden_units", value, expected)
    for units in value:
        if not is_int(units):
            raise invalid_value("hidden_units", value, expected)
        if not low <= units <= high:
            raise invalid_value("hidden_units", value, expected)
    return tuple(int(units) for units in value)


def _check_keep_prob(value, n_layers):
    low, high = LIMITS["keep_prob"]
    expected = (
        f"a float in [{low}, {high}] or a sequence of {n_layers} of them, one per hidden layer"
    )
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != n_layers:
            raise invalid_value("keep_prob", value, expected)
        try:
            return tuple(check_float(p, "keep_prob", low=low, high=high) for p in value)
        except ValueError:
            raise invalid_value("keep_prob", value, expected) from None
    try:
        return check_float(value, "keep_prob", low=low, high=high)
    except ValueError:
        raise invalid_value("keep_prob", value, expected) from None


def fit_keep_prob(keep_prob, n_layers):
    """`keep_prob` as one float per hidden layer: a float is repeated; a sequence is
    cut or padded with 1.0 (after `hidden_units` changed without a new `keep_prob`)."""
    if isinstance(keep_prob, float):
        return (keep_prob,) * n_layers
    return tuple(keep_prob[:n_layers]) + (1.0,) * max(0, n_layers - len(keep_prob))


def check_data(x, y):
    """Check the learner's own data; return float32 `(n, 2)` points and int32 labels 0..k-1."""
    try:
        points = np.asarray(x, dtype="float32")
    except (TypeError, ValueError):
        raise invalid_value("x", x, "an array of shape (n, 2) of finite numbers") from None
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < 4 or not np.isfinite(points).all():
        raise invalid_value(
            "x", f"<array of shape {points.shape}>", "an array of shape (n, 2), n >= 4, finite"
        )
    labels = np.asarray(y).reshape(-1)
    if len(labels) != len(points):
        raise invalid_value("y", f"<{len(labels)} labels>", f"{len(points)} labels, one per point")
    if not np.all(np.equal(np.mod(labels, 1), 0)) or labels.min() < 0:
        raise invalid_value("y", "<labels>", "integer class labels 0, 1, ..., k - 1")
    labels = labels.astype("int32")
    classes = np.unique(labels)
    if len(classes) < 2 or not np.array_equal(classes, np.arange(len(classes))):
        raise invalid_value(
            "y", f"<labels {classes.tolist()[:10]}>", "integer labels 0, 1, ..., k - 1 with k >= 2"
        )
    return points, labels


def check_settings(updates, current, *, has_custom_data=False):
    """Validate `updates` against the settings `current`; return the new settings.

    All-or-nothing: either every update is valid and a new dict comes back, or a
    `ValueError` names the first bad setting and `current` is left as it was.

    Args:
        updates: Setting name → new value.
        current: The settings in force (a complete dict, as `DEFAULTS`).
        has_custom_data: Whether the playground holds the learner's own arrays, so
            `dataset="custom"` is allowed.

    Returns:
        A new complete settings dict.

    Raises:
        ValueError: for an unknown setting or a value out of range.

    Example:

    >>> new = check_settings({"hidden_units": [8, 8], "keep_prob": 0.8}, DEFAULTS)
    >>> new["hidden_units"], new["keep_prob"]
    ((8, 8), 0.8)
    >>> check_settings({"learning_rate": 0.0}, DEFAULTS)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for `learning_rate`: expected a float in [1e-06, 10.0], ...
    """
    unknown = sorted(set(updates) - set(DEFAULTS))
    if unknown:
        raise ValueError(
            f"Unknown setting `{unknown[0]}`: expected one of "
            + ", ".join(f"`{name}`" for name in DEFAULTS)
        )
    new = dict(current)
    for name, value in updates.items():
        if name == "dataset":
            choices = (*DATASETS, CUSTOM) if has_custom_data else tuple(DATASETS)
            value = check_choice(value, name, choices)
        elif name == "noise":
            value = None if value is None else _check_range(value, name)
        elif name in ("n_points", "batch_size", "seed", "steps_per_frame"):
            value = _check_range(value, name, integer=True)
        elif name in ("train_share", "lambd", "learning_rate"):
            value = _check_range(value, name)
        elif name == "features":
            value = _check_features(value)
        elif name == "hidden_units":
            value = _check_hidden_units(value)
        elif name == "activation":
            value = check_choice(value, name, ACTIVATIONS)
        elif name == "initializer":
            value = check_choice(value, name, INITIALIZERS)
        elif name == "regularizer":
            value = check_choice("none" if value is None else value, name, REGULARIZERS)
        elif name == "optimizer":
            value = check_choice(value, name, tuple(OPTIMIZERS))
        new[name] = value
    n_layers = len(new["hidden_units"])
    if "keep_prob" in updates:
        new["keep_prob"] = _check_keep_prob(updates["keep_prob"], n_layers)
    elif isinstance(new["keep_prob"], tuple):
        new["keep_prob"] = fit_keep_prob(new["keep_prob"], n_layers)
    return new
