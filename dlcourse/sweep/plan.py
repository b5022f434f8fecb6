"""The plan: which members train together, by which engine, at which rate, and why.

Pure functions of the members' models and the compile settings: nothing is trained
or changed here. `plan_groups` returns one frozen `Group` per group.
"""

from __future__ import annotations

import dataclasses
import functools
import numbers
import typing

import keras
import numpy as np

from dlcourse import layers as course_layers
from dlcourse._validation import invalid_value

# Optimizers whose update of each entry depends only on that entry's gradient
# and state (plus the shared step count): stacking members on a leading axis
# gives each member exactly the update it would get alone.
ELEMENTWISE_OPTIMIZERS = tuple(
    getattr(keras.optimizers, name)
    for name in (
        "SGD",
        "Adam",
        "AdamW",
        "Adamax",
        "Adagrad",
        "Adadelta",
        "RMSprop",
        "Nadam",
        "Ftrl",
        "Lion",
    )
    if hasattr(keras.optimizers, name)
)

# Optimizers whose step is proportional to the learning rate (their state is not).
LINEAR_IN_LEARNING_RATE = tuple(o for o in ELEMENTWISE_OPTIMIZERS if o.__name__ != "Ftrl")

# Metric names the stacked engine evaluates itself: name -> function of
# (y_true, y_pred) returning one value per example.
METRIC_FUNCTIONS = {
    "binary_accuracy": keras.metrics.binary_accuracy,
    "categorical_accuracy": keras.metrics.categorical_accuracy,
    "sparse_categorical_accuracy": keras.metrics.sparse_categorical_accuracy,
    "mse": keras.metrics.mean_squared_error,
    "mean_squared_error": keras.metrics.mean_squared_error,
    "mae": keras.metrics.mean_absolute_error,
    "mean_absolute_error": keras.metrics.mean_absolute_error,
    "binary_crossentropy": keras.metrics.binary_crossentropy,
    "categorical_crossentropy": keras.metrics.categorical_crossentropy,
    "sparse_categorical_crossentropy": keras.metrics.sparse_categorical_crossentropy,
}


class Op(typing.NamedTuple):
    """One step of a stacked forward pass (dropout is not one: see `Architecture.keeps`)."""

    kind: str  # "input", "dense", "flatten" or "activation"
    shape: tuple = ()  # the input's shape, or a Dense layer's (n_in, units)
    use_bias: bool = False
    activation: object = None


@dataclasses.dataclass(frozen=True)
class Architecture:
    """A model the stacked engine can run.

    Attributes:
        signature: What members of one group share: one `Op` for the input, then
            one per `Dense`, `Flatten` or `Activation` layer.
        keeps: The member's keep probability after each signature entry (1.0
            where it has no dropout), so members differing in dropout share a group.
        dense_layers: The member's `Dense` layers, in order.
    """

    signature: tuple
    keeps: tuple
    dense_layers: tuple


@dataclasses.dataclass(frozen=True)
class Group:
    """Members trained together, and how.

    Attributes:
        members: Indices into the sweep's members, in grid order.
        engine: `"stacked"` (one computation) or `"fit"` (each member's own `fit`).
        reason: Why, in words.
        rate_rule: How the members' learning rates are applied, in words.
        batch_size: Examples per step.
        learning_rates: Per member, its learning rate (None: the compiled optimizer's).
        optimizer_rate: The rate the group's optimizer runs at (None: as compiled).
        scale_steps: Whether each member's step is scaled by its own rate.
        architectures: Per member, its `Architecture` (stacked groups only).
        metrics: `(name, function)` pairs the stacked engine evaluates.
    """

    members: tuple
    engine: str
    reason: str
    rate_rule: str
    batch_size: int
    learning_rates: tuple
    optimizer_rate: float | None = None
    scale_steps: bool = False
    architectures: tuple = ()
    metrics: tuple = ()

    def summary(self):
        """The public description, as in `Sweep.groups`."""
        rates = self.learning_rates
        return dict(
            members=list(self.members),
            engine=self.engine,
            reason=self.reason,
            rate_rule=self.rate_rule,
            learning_rate=rates[0] if len(set(rates)) == 1 else list(rates),
            batch_size=self.batch_size,
        )


def keras_class(optimizer):
    """The public Keras class of `optimizer` (on PyTorch Keras swaps in a subclass)."""
    for cls in type(optimizer).__mro__:
        if cls in ELEMENTWISE_OPTIMIZERS:
            backend_twin = type(optimizer).__module__.startswith("keras.src.backend.")
            return cls if cls is type(optimizer) or backend_twin else None
    return None


def layer_chain(model):
    """The model's layers if they form a simple chain input → … → output, else None."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        return None
    chain = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    if not chain:
        return None
    previous = model.inputs[0]
    try:
        for layer in chain:
            if layer.input is not previous:
                return None
            previous = layer.output
    except (AttributeError, ValueError):  # a shared or nested layer, a subclassed model
        return None
    return chain if previous is model.outputs[0] else None


def architecture(model):
    """The model's `Architecture`, or the reason (a string) it cannot be stacked."""
    if not isinstance(model, keras.Model):
        return "not a keras.Model"
    chain = layer_chain(model)
    if chain is None:
        return "not a single-input chain of layers"
    signature = [Op("input", tuple(model.inputs[0].shape[1:]))]
    keeps = [1.0]
    dense_layers = []
    for layer in chain:
        if layer.dtype_policy.name != "float32":
            return f"layer {layer.name!r} computes in {layer.dtype_policy.name}"
        if isinstance(layer, course_layers.InvertedDropout):
            keeps[-1] *= layer.keep_prob
        elif type(layer) is keras.layers.Dropout:
            if layer.noise_shape is not None:
                return f"dropout {layer.name!r} has a noise_shape"
            keeps[-1] *= 1.0 - layer.rate
        elif type(layer) is keras.layers.Dense:
            if (
                layer.kernel_constraint is not None
                or layer.bias_constraint is not None
                or layer.activity_regularizer is not None
                or getattr(layer, "lora_enabled", False)
                or getattr(layer, "quantization_mode", None)
                or len(layer.input.shape) != 2
            ):
                return f"Dense {layer.name!r} uses options the stacked engine lacks"
            n_in = layer.kernel.shape[0]
            signature.append(Op("dense", (n_in, layer.units), layer.use_bias, layer.activation))
            dense_layers.append(layer)
            keeps.append(1.0)
        elif type(layer) is keras.layers.Flatten:
            signature.append(Op("flatten"))
            keeps.append(1.0)
        elif type(layer) is keras.layers.Activation:
            signature.append(Op("activation", activation=layer.activation))
            keeps.append(1.0)
        else:
            return f"layer {layer.name!r} ({type(layer).__name__}) is not stacked"
    if not dense_layers:
        return "no Dense layer to train"
    return Architecture(tuple(signature), tuple(keeps), tuple(dense_layers))


def optimizer_coupling(optimizer):
    """Why `optimizer` would couple stacked members (None if it does not)."""
    if keras_class(optimizer) is None:
        return f"optimizer {type(optimizer).__name__} is not known to be elementwise"
    for option in ("clipnorm", "global_clipnorm"):
        if getattr(optimizer, option, None):
            return f"optimizer {option} couples the members' gradients"
    if getattr(optimizer, "use_ema", False):
        return "optimizer use_ema is not stacked"
    if getattr(optimizer, "gradient_accumulation_steps", None):
        return "optimizer gradient_accumulation_steps is not stacked"
    unnamed = _slots_not_named_by_weight(type(optimizer))
    if unnamed:
        return (
            f"optimizer {type(optimizer).__name__} names its slot(s) {', '.join(unnamed)} "
            f"without their weight in Keras {keras.__version__}: a member's state could "
            "not be copied back"
        )
    return None


@functools.cache
def _slots_not_named_by_weight(cls):
    """The slot names a fresh `cls()` gives without the weight's path as prefix.

    The stacked engine copies each slot back to the member by that prefix (see
    `stacked.StackedGroup.push`); some optimizers of older Keras versions (Ftrl's
    `accumulator` in Keras 3.7) name a slot by its kind alone.
    """
    weight = keras.Variable(np.zeros((2, 3), "float32"), name="probe_weight")
    optimizer = cls()
    optimizer.build([weight])
    prefix = weight.path.replace("/", "_") + "_"
    return tuple(
        v.name
        for v in optimizer.variables
        if tuple(v.shape) == (2, 3) and not v.name.startswith(prefix)
    )


def float_learning_rate(optimizer):
    """The optimizer's learning rate as a float, or None for a schedule."""
    value = optimizer.get_config()["learning_rate"]
    return float(value) if isinstance(value, numbers.Real) else None


def scaled_slots(optimizer):
    """Names of the optimizer's slots that hold steps already scaled by the learning rate."""
    if isinstance(optimizer, (keras.optimizers.SGD, keras.optimizers.RMSprop)) and getattr(
        optimizer, "momentum", 0
    ):
        return ("momentum",)  # SGD: m = μm − lr·g; RMSprop: m = μm + lr·g/√(v + ε)
    return ()


def clone_optimizer(optimizer, learning_rate=None):
    """A fresh optimizer of the same class and settings, at `learning_rate` if given."""
    config = optimizer.get_config()
    if learning_rate is not None:
        config["learning_rate"] = float(learning_rate)
    return optimizer.__class__.from_config(config)


def loss_spec(loss):
    """(function of (y_true, y_pred) → per-example values, reduction)."""
    if loss is None:
        raise ValueError("Invalid value for `loss`: expected a Keras loss, received loss=None")
    loss_object = keras.losses.get(loss)
    if isinstance(loss_object, keras.losses.Loss):
        reduction = loss_object.reduction
        if reduction not in ("sum_over_batch_size", "mean", "mean_with_sample_weight", "sum"):
            raise invalid_value(
                "loss", loss, "a loss whose reduction is 'sum_over_batch_size', 'mean' or 'sum'"
            )
        return loss_object.call, reduction
    if callable(loss_object):
        return loss_object, "sum_over_batch_size"
    raise invalid_value("loss", loss, "a Keras loss name, Loss instance or function")


def metric_specs(metrics, y_shape, output_shape):
    """`(name, per-example function)` pairs for the stacked engine, or None if one is not."""
    specs = []
    for metric in metrics or ():
        if isinstance(metric, str) and metric.lower() in ("accuracy", "acc"):
            is_sparse = len(y_shape) < len(output_shape) or (
                y_shape[-1] == 1 and output_shape[-1] > 1
            )
            if output_shape[-1] == 1:
                function = keras.metrics.binary_accuracy
            elif is_sparse:
                function = keras.metrics.sparse_categorical_accuracy
            else:
                function = keras.metrics.categorical_accuracy
            specs.append((metric, function))
        elif isinstance(metric, str) and metric in METRIC_FUNCTIONS:
            specs.append((metric, METRIC_FUNCTIONS[metric]))
        elif callable(metric) and not isinstance(metric, keras.metrics.Metric):
            specs.append((getattr(metric, "__name__", "metric"), metric))
        else:
            return None
    return tuple(specs)


def _rate_words(rate):
    return "its schedule" if rate is None else f"learning rate {rate:.4g}"


def plan_groups(models, members, *, optimizer, metrics, y_shape, batch_size):
    """One `Group` per set of members that train together, in order of first member.

    Args:
        models: The members' Keras models.
        members: Their `grid.Member`s (learning rate, batch size).
        optimizer: The compiled optimizer.
        metrics: The compiled metrics.
        y_shape: The labels' shape (`(m, ...)`), which picks the accuracy.
        batch_size: `fit`'s batch size (a member's `batch_size` key overrides it),
            at most `m`.
    """
    m = y_shape[0]
    compiled_rate = float_learning_rate(optimizer)
    coupling = optimizer_coupling(optimizer)
    shares_rates = keras_class(optimizer) in LINEAR_IN_LEARNING_RATE
    buckets = {}
    for i, (model, member) in enumerate(zip(models, members)):
        batch = min(member.batch_size or batch_size, m)
        rate = member.learning_rate if member.learning_rate is not None else compiled_rate
        arch = architecture(model)
        specs = metric_specs(metrics, y_shape, tuple(model.outputs[0].shape))
        if isinstance(arch, str):
            reason = arch
        elif specs is None:
            reason = "a metric object the stacked engine does not evaluate"
        else:
            reason = coupling
        if reason is not None:
            buckets[("fit", i)] = dict(members=[i], rates=[rate], batch=batch, reason=reason)
            continue
        shared = shares_rates and rate is not None
        key = ("stacked", arch.signature, "shared" if shared else member.learning_rate, batch)
        bucket = buckets.setdefault(
            key, dict(members=[], rates=[], archs=[], batch=batch, specs=specs, shared=shared)
        )
        bucket["members"].append(i)
        bucket["rates"].append(rate)
        bucket["archs"].append(arch)
    groups = []
    for key, bucket in buckets.items():
        rates = tuple(bucket["rates"])
        if key[0] == "fit":
            groups.append(
                Group(
                    members=tuple(bucket["members"]),
                    engine="fit",
                    reason=bucket["reason"],
                    rate_rule=f"its own optimizer at {_rate_words(rates[0])}",
                    batch_size=bucket["batch"],
                    learning_rates=rates,
                )
            )
            continue
        several = bucket["shared"] and len(set(rates)) > 1
        if several:
            optimizer_rate = 1.0
            rule = "one optimizer at learning rate 1; each member's step × its own rate"
        else:
            optimizer_rate = rates[0] if bucket["shared"] else key[2]
            rule = f"one optimizer at {_rate_words(rates[0])}"
        n = len(bucket["members"])
        groups.append(
            Group(
                members=tuple(bucket["members"]),
                engine="stacked",
                reason=(
                    f"{n} member{'s' if n > 1 else ''} with one architecture and batch size "
                    f"{bucket['batch']}: one computation"
                ),
                rate_rule=rule,
                batch_size=bucket["batch"],
                learning_rates=rates,
                optimizer_rate=optimizer_rate,
                scale_steps=several,
                architectures=tuple(bucket["archs"]),
                metrics=bucket["specs"],
            )
        )
    return tuple(groups)
