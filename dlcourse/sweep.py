"""`Sweep`: train a grid of configurations together — Ng's "caviar" strategy.

Comparing configurations (λ values, keep_probs, initializers, several seeds of
each) means training many small models. Trained one `fit` at a time they cost
Keras's per-step and per-epoch overhead again and again; `Sweep` trains them in
one computation instead and hands back ordinary, trained Keras models.

How it works (the short version; `Sweep`'s docstring has the contract):

- Members whose models have the same architecture (the same chain of `Dense`,
  `Flatten`, `Activation` and dropout layers, with the same sizes and
  activations) and the same batch size form a *group*. A
  group is one *stacked* computation: every `Dense` kernel becomes one tensor
  of shape `(members, n_in, n_out)` used through `keras.ops.einsum`, every bias
  `(members, n_out)`; all of them are views of one variable `(members, P)`, so
  the optimizer has one update to trace and run. Initial weights are copied in
  from each member's own model, so they come from `build`.
- Members with different learning rates share a group when the optimizer's
  step is proportional to its learning rate (every built-in elementwise one
  but Ftrl, with a float rate): the group's optimizer runs at rate 1 and each
  member's step is multiplied by its own rate.
- The group's loss is the sum over members of (the member's mean data loss +
  its own penalty from its own `kernel_regularizer`/`bias_regularizer`). The
  members share no weights, so the gradient of the sum with respect to one
  member's slice is exactly that member's own gradient, and an elementwise
  optimizer (SGD, momentum, RMSProp, Adam, …) keeps per-member state
  automatically. Dropout draws each member's masks with its own keep
  probability.
- Many epochs run inside one compiled call (a loop over epochs and batches in
  `keras.ops.fori_loop`), and each epoch's train and validation metrics are
  computed inside it and returned as arrays: no per-epoch cost, and still one
  history entry per epoch.
- At the end the trained slices are copied back into each member's model, and
  the optimizer state (step count, moments) into each member's own optimizer,
  so `model.fit` continues exactly and `model.save` keeps it.

The only backend-specific pieces are the gradient and the compilation, both from
`dlcourse.backend` (TensorFlow, JAX, PyTorch), as in Keras's own trainers.

Members that cannot be stacked (other layers, such as `Conv2D`; optimizers or
metrics that couple values across a tensor) are trained by each model's own
`fit` with the same batches: correct, at Keras's usual speed.
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
from collections.abc import Mapping, Sequence

import keras
import numpy as np
from keras import ops

from dlcourse import backend
from dlcourse import layers as course_layers
from dlcourse import regularizers as course_regularizers
from dlcourse._validation import check_int, invalid_value

__all__ = ["Sweep", "SweepTable"]

#: Grid keys the sweep reads itself. They are passed to `build` only when
#: `build` names a parameter of that name (a `**kwargs` catch-all does not count).
RESERVED_KEYS = ("learning_rate", "batch_size")

# Optimizers whose update of each entry depends only on that entry's gradient
# and state (plus the shared step count): stacking members on a leading axis
# gives each member exactly the update it would get alone.
_ELEMENTWISE_OPTIMIZERS = tuple(
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

# Optimizers whose step is proportional to the learning rate (their state is not):
# members with different learning rates share one group, whose optimizer runs at
# learning rate 1 while each member's step is scaled by its own rate. Ftrl is not.
_LINEAR_IN_LEARNING_RATE = tuple(
    optimizer for optimizer in _ELEMENTWISE_OPTIMIZERS if optimizer.__name__ != "Ftrl"
)

# Metric names the stacked path evaluates itself: name -> function of
# (y_true, y_pred) returning one value per example.
_METRIC_FUNCTIONS = {
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


# --------------------------------------------------------------------------
# The grid.


def _expand_grid(grid):
    """The list of configuration dicts: a cartesian product, or a list of dicts."""
    if isinstance(grid, Mapping):
        if not grid:
            raise invalid_value(
                "grid", grid, "a non-empty dict of lists of values, or a non-empty list of dicts"
            )
        keys = list(grid)
        values = []
        for key in keys:
            if not isinstance(key, str):
                raise invalid_value("grid", grid, "string keys (argument names of `build`)")
            options = grid[key]
            if isinstance(options, np.ndarray):
                options = options.tolist()
            if isinstance(options, (str, bytes)) or not isinstance(options, (Sequence, range)):
                raise invalid_value(
                    f"grid[{key!r}]", options, "a list of values to try (use [value] for one value)"
                )
            if len(options) == 0:
                raise invalid_value(f"grid[{key!r}]", options, "a non-empty list of values")
            values.append(list(options))
        return [dict(zip(keys, combination)) for combination in itertools.product(*values)]
    if isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        if len(grid) == 0:
            raise invalid_value("grid", grid, "a non-empty list of configuration dicts")
        configs = []
        for i, config in enumerate(grid):
            if not isinstance(config, Mapping) or not all(isinstance(k, str) for k in config):
                raise invalid_value(f"grid[{i}]", config, "a dict of build arguments")
            configs.append(dict(config))
        return configs
    raise invalid_value("grid", grid, "a dict of lists of values, or a list of dicts")


def _build_arguments(build):
    """(named parameters, required parameters, accepts **kwargs) of `build`, or None."""
    try:
        signature = inspect.signature(build)
    except (TypeError, ValueError):
        return None
    named, required, var_keyword = set(), set(), False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            var_keyword = True
        elif parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            named.add(parameter.name)
            if parameter.default is parameter.empty:
                required.add(parameter.name)
    return named, required, var_keyword


def _split_config(config, arguments, build_name):
    """(keyword arguments for `build`, learning rate or None, batch size or None)."""
    named, required, var_keyword = arguments or (set(), set(), True)
    kwargs = {}
    for key, value in config.items():
        if key in RESERVED_KEYS and key not in named:
            continue
        if key not in named and not var_keyword:
            raise ValueError(
                f"Invalid grid key `{key}`: `{build_name}` has no parameter `{key}` "
                f"(its parameters: {', '.join(sorted(named)) or 'none'}). The keys "
                f"{', '.join(RESERVED_KEYS)} are read by the sweep itself."
            )
        kwargs[key] = value
    missing = sorted(required - set(kwargs))
    if missing:
        raise ValueError(
            f"Invalid grid: `{build_name}` requires {', '.join(f'`{m}`' for m in missing)}, "
            f"which configuration {config!r} does not give (add it to the grid or give "
            "it a default)."
        )
    learning_rate = config.get("learning_rate")
    if learning_rate is not None and (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, numbers.Real)
        or not learning_rate > 0
        or not math.isfinite(learning_rate)
    ):
        raise invalid_value("learning_rate", learning_rate, "a finite float > 0 in the grid")
    batch_size = config.get("batch_size")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    return kwargs, learning_rate, batch_size


# --------------------------------------------------------------------------
# Which members can share one stacked computation.


class _Dense:
    """One stacked Dense layer: its signature and, per member, the layer."""

    kind = "dense"

    def __init__(self, layer):
        self.units = layer.units
        self.use_bias = layer.use_bias
        self.activation = layer.activation
        self.n_in = layer.kernel.shape[0]

    def signature(self):
        return ("dense", self.n_in, self.units, self.use_bias, self.activation)


def _layer_chain(model):
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
    if previous is not model.outputs[0]:
        return None
    return chain


def _stack_plan(model):
    """(signature, keep probabilities per slot, dense layers) or (None, reason, None).

    The signature ignores dropout layers: they become a per-member keep
    probability at the position ("slot") where they sit, 1.0 where a member has
    none, so members that differ only in `keep_prob` share one computation.
    """
    if not isinstance(model, keras.Model):
        return None, "not a keras.Model", None
    chain = _layer_chain(model)
    if chain is None:
        return None, "not a single-input chain of layers", None
    ops_signature = [("input", tuple(model.inputs[0].shape[1:]))]
    keeps = [1.0]
    dense_layers = []
    for layer in chain:
        if layer.dtype_policy.name != "float32":
            return None, f"layer {layer.name!r} computes in {layer.dtype_policy.name}", None
        if isinstance(layer, course_layers.InvertedDropout):
            keeps[-1] *= layer.keep_prob
        elif type(layer) is keras.layers.Dropout:
            if layer.noise_shape is not None:
                return None, f"dropout {layer.name!r} has a noise_shape", None
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
                return None, f"Dense {layer.name!r} uses options the stacked path lacks", None
            dense = _Dense(layer)
            ops_signature.append(dense.signature())
            dense_layers.append(layer)
            keeps.append(1.0)
        elif type(layer) is keras.layers.Flatten:
            ops_signature.append(("flatten",))
            keeps.append(1.0)
        elif type(layer) is keras.layers.Activation:
            ops_signature.append(("activation", layer.activation))
            keeps.append(1.0)
        else:
            return None, f"layer {layer.name!r} ({type(layer).__name__}) is not stacked", None
    if not dense_layers:
        return None, "no Dense layer to train", None
    return tuple(ops_signature), tuple(keeps), dense_layers


def _optimizer_coupling(optimizer):
    """Why `optimizer` would couple stacked members (None if it does not)."""
    if type(optimizer) not in _ELEMENTWISE_OPTIMIZERS:
        return f"optimizer {type(optimizer).__name__} is not known to be elementwise"
    for option in ("clipnorm", "global_clipnorm"):
        if getattr(optimizer, option, None):
            return f"optimizer {option} couples the members' gradients"
    if getattr(optimizer, "use_ema", False):
        return "optimizer use_ema is not stacked"
    if getattr(optimizer, "gradient_accumulation_steps", None):
        return "optimizer gradient_accumulation_steps is not stacked"
    return None


def _float_learning_rate(optimizer):
    """The optimizer's learning rate as a float, or None for a schedule."""
    value = optimizer.get_config()["learning_rate"]
    return float(value) if isinstance(value, numbers.Real) else None


def _scaled_slots(optimizer):
    """Names of the optimizer's slots that hold steps already scaled by the learning rate."""
    if isinstance(optimizer, (keras.optimizers.SGD, keras.optimizers.RMSprop)) and getattr(
        optimizer, "momentum", 0
    ):
        return ("momentum",)  # SGD: m = μm − lr·g; RMSprop: m = μm + lr·g/√(v + ε)
    return ()


def _clone_optimizer(optimizer, learning_rate=None):
    config = optimizer.get_config()
    if learning_rate is not None:
        config["learning_rate"] = float(learning_rate)
    return optimizer.__class__.from_config(config)


# --------------------------------------------------------------------------
# Losses, metrics and penalties evaluated per member on stacked predictions.


def _align_labels(y, output_rank, output_last_dim):
    """NumPy twin of Keras's `squeeze_or_expand_to_same_rank` for labels vs predictions."""
    if y.ndim == output_rank + 1 and y.shape[-1] == 1:
        return y[..., 0]
    if output_rank == y.ndim + 1 and output_last_dim == 1 and y.ndim == 1:
        return y[..., None]
    return y


def _loss_spec(loss):
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


def _metric_specs(metrics, y_shape, output_shape):
    """[(name, per-example function)] for the stacked path, or None if one is unsupported."""
    specs = []
    for metric in metrics or ():
        if isinstance(metric, str) and metric.lower() in ("accuracy", "acc"):
            is_binary = output_shape[-1] == 1
            is_sparse = len(y_shape) < len(output_shape) or (
                y_shape[-1] == 1 and output_shape[-1] > 1
            )
            if is_binary:
                function = keras.metrics.binary_accuracy
            elif is_sparse:
                function = keras.metrics.sparse_categorical_accuracy
            else:
                function = keras.metrics.categorical_accuracy
            specs.append((metric, function))
        elif isinstance(metric, str) and metric in _METRIC_FUNCTIONS:
            specs.append((metric, _METRIC_FUNCTIONS[metric]))
        elif callable(metric) and not isinstance(metric, keras.metrics.Metric):
            specs.append((getattr(metric, "__name__", "metric"), metric))
        else:
            return None
    return specs


_VECTOR_REGULARIZERS = {
    keras.regularizers.L2: lambda r: (0.0, r.l2),
    keras.regularizers.L1: lambda r: (r.l1, 0.0),
    keras.regularizers.L1L2: lambda r: (r.l1, r.l2),
    course_regularizers.L2: lambda r: (0.0, r.keras_coefficient),
    course_regularizers.L1: lambda r: (r.keras_coefficient, 0.0),
}


class _Penalty:
    """The members' penalties on one stacked weight, as `(members,)`.

    L1/L2-type regularizers (Keras's and ours) are evaluated for all members
    at once from their coefficients; any other regularizer object is called on
    its member's slice.
    """

    def __init__(self, regularizers, axes):
        self.axes = axes
        l1, l2, self.other = [], [], []
        for m, regularizer in enumerate(regularizers):
            coefficients = _VECTOR_REGULARIZERS.get(type(regularizer))
            if regularizer is None:
                l1.append(0.0), l2.append(0.0)
            elif coefficients is not None:
                a, b = coefficients(regularizer)
                l1.append(float(a)), l2.append(float(b))
            else:
                l1.append(0.0), l2.append(0.0)
                self.other.append((m, regularizer))
        self.members = len(regularizers)
        self.l1 = np.asarray(l1, "float32") if any(l1) else None
        self.l2 = np.asarray(l2, "float32") if any(l2) else None

    def __call__(self, weight):
        total = None
        if self.l1 is not None:
            total = self.l1 * ops.sum(ops.absolute(weight), axis=self.axes)
        if self.l2 is not None:
            part = self.l2 * ops.sum(ops.square(weight), axis=self.axes)
            total = part if total is None else total + part
        for m, regularizer in self.other:
            one_hot = np.eye(self.members, dtype="float32")[m]
            part = one_hot * ops.cast(regularizer(weight[m]), "float32")
            total = part if total is None else total + part
        return total


# --------------------------------------------------------------------------
# The few backend-specific pieces (gradients, compilation) come from
# `dlcourse.backend`, shared with the model checker and the playground.


def _compile(function, jit_compile):
    return backend.compile_function(function, jit_compile=bool(jit_compile))


def _stateless():
    """True where the training loop must carry its state as values (JAX)."""
    return keras.backend.backend() == "jax"


# --------------------------------------------------------------------------
# One stacked group.


class _StackedGroup:
    """Members with one architecture and batch size, trained as one."""

    def __init__(
        self,
        models,
        signature,
        keeps,
        dense_layers,
        optimizer,
        loss,
        metrics,
        batch_size,
        seed,
        jit_compile,
        learning_rates=None,
    ):
        self.models = models
        self.size = len(models)
        self.signature = signature
        self.optimizer = optimizer
        self.loss_function, self.reduction = loss
        self.metrics = metrics  # [(name, function)]
        self.batch_size = batch_size
        self.jit_compile = jit_compile
        # One learning rate per member (the optimizer then runs at rate 1 and each
        # member's step is scaled by its own), or None: the optimizer's own rate.
        self.learning_rates = (
            None if learning_rates is None else np.asarray(learning_rates, "float32")
        )
        # keep probability per slot, (members,) each; None where every member keeps all
        keeps = np.asarray(keeps, "float32")  # (members, slots)
        self.keeps = [
            keeps[:, s] if np.any(keeps[:, s] < 1) else None for s in range(keeps.shape[1])
        ]
        self.seed_generator = keras.random.SeedGenerator(seed)
        # All the members' weights live in ONE variable `(members, P)`: each Dense
        # kernel is a column block viewed as (members, n_in, n_out), each bias as
        # (members, n_out). An elementwise optimizer does not care how entries are
        # grouped into variables, and one variable is one update to trace and run.
        self.dense_layers = dense_layers  # per member, its Dense layers in order
        self.params = []  # (member weight getter, start, shape, penalty)
        offset = 0
        for layers in zip(*dense_layers):
            first = layers[0]
            shapes = [("kernel", tuple(first.kernel.shape), (1, 2))]
            if first.use_bias:
                shapes.append(("bias", tuple(first.bias.shape), (1,)))
            for attribute, shape, axes in shapes:
                regularizers = [getattr(layer, f"{attribute}_regularizer") for layer in layers]
                self.params.append((attribute, offset, shape, _Penalty(regularizers, axes)))
                offset += int(np.prod(shape))
        self.weights = keras.Variable(self._gather(), name="stacked_weights", dtype="float32")
        self.variables = [self.weights]
        output = models[0].outputs[0].shape
        self.output_rank, self.output_last_dim = len(output), output[-1]
        self.optimizer.build(self.variables)
        self._functions = {}

    # ---- weights in and out of the members' own models

    def _member_weights(self, member):
        """The member's Dense weights in the order of `self.params`."""
        layers = iter(self.dense_layers[member])
        weights, layer = [], None
        for attribute, _, _, _ in self.params:
            if attribute == "kernel":
                layer = next(layers)
            weights.append(getattr(layer, attribute))
        return weights

    def _gather(self):
        """`(members, P)` from the members' current weights."""
        return np.stack(
            [
                np.concatenate(
                    [ops.convert_to_numpy(w).reshape(-1) for w in self._member_weights(m)]
                )
                for m in range(self.size)
            ]
        ).astype("float32")

    def pull(self):
        """Copy the members' current weights into the stacked variable."""
        self.weights.assign(self._gather())

    def push(self):
        """Copy the trained slices back into each member's model, optimizer state too."""
        flat = ops.convert_to_numpy(self.weights)
        for m in range(self.size):
            for variable, (_, start, shape, _) in zip(self._member_weights(m), self.params):
                variable.assign(flat[m, start : start + int(np.prod(shape))].reshape(shape))
        # Each member's own optimizer gets its slice of the state (step count,
        # moments, ...), so `model.fit` continues exactly and the model saves whole.
        # Slots are matched by kind (the name Keras gives them after the weight's)
        # and, within a kind, by the order of the weights.
        prefix = self.weights.name + "_"
        kinds, scalars = {}, {}
        for variable in self.optimizer.variables:
            value = ops.convert_to_numpy(variable)
            if value.shape == flat.shape and variable.name.startswith(prefix):
                kinds[variable.name[len(prefix) :]] = value
            else:
                scalars[variable.name] = value
        for m, model in enumerate(self.models):
            optimizer = model.optimizer
            if optimizer is None:
                continue
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            updates, used = [], dict.fromkeys(kinds, 0)
            for target in optimizer.variables:
                if target.name == "learning_rate":
                    continue  # the member's own (the group's may be 1, see learning_rates)
                if target.name in scalars:
                    value = scalars[target.name]
                else:
                    matches = [k for k in kinds if target.name.endswith("_" + k)]
                    if not matches or used[max(matches, key=len)] >= len(self.params):
                        break
                    kind = max(matches, key=len)
                    _, start, shape, _ = self.params[used[kind]]
                    used[kind] += 1
                    value = kinds[kind][m, start : start + int(np.prod(shape))].reshape(shape)
                    if self.learning_rates is not None and kind in _scaled_slots(optimizer):
                        value = value * self.learning_rates[m]  # the group ran at rate 1
                if tuple(value.shape) != tuple(target.shape):
                    break
                updates.append((target, value))
            else:
                for target, value in updates:
                    target.assign(value)

    def _unflatten(self, flat):
        """The stacked weights as `(members, *shape)` views of `flat (members, P)`."""
        return [
            ops.reshape(
                ops.slice(flat, (0, start), (self.size, int(np.prod(shape)))), (self.size, *shape)
            )
            for _, start, shape, _ in self.params
        ]

    # ---- the math (keras.ops only)

    def forward(self, values, x, training):
        """Stacked predictions `(members, batch, ...)` from shared inputs `(batch, ...)`.

        `values`: the stacked weights, `(members, *shape)` each (see `_unflatten`).
        """
        h, stacked = x, False
        weights = iter(values)

        def dropout(h, stacked, keep):
            if not stacked:
                h = ops.broadcast_to(ops.expand_dims(h, 0), (self.size, *ops.shape(h)))
            keep = ops.reshape(
                ops.convert_to_tensor(keep), (self.size,) + (1,) * (len(h.shape) - 1)
            )
            u = keras.random.uniform(ops.shape(h), seed=self.seed_generator)
            kept = ops.logical_or(ops.less(u, keep), ops.greater_equal(keep, 1.0))
            return ops.divide(ops.multiply(h, ops.cast(kept, h.dtype)), keep), True

        for slot, op in enumerate(self.signature):
            if op[0] == "dense":
                _, _, _, use_bias, activation = op
                kernel = next(weights)  # (M, n_in, n_out)
                if stacked:
                    h = ops.einsum("mbi,mio->mbo", h, kernel)
                else:
                    h = ops.einsum("bi,mio->mbo", h, kernel)
                    stacked = True
                if use_bias:
                    h = ops.add(h, ops.expand_dims(next(weights), 1))
                if activation is not None:
                    h = activation(h)
            elif op[0] == "flatten":
                leading = (self.size, ops.shape(h)[1]) if stacked else (ops.shape(h)[0],)
                h = ops.reshape(h, (*leading, -1))
            elif op[0] == "activation":
                h = op[1](h)
            if training and self.keeps[slot] is not None:
                h, stacked = dropout(h, stacked, self.keeps[slot])
        return h

    def _per_example(self, values, weights):
        """Sum over the batch of `values (M, B, ...)`, counting only examples with weight 1."""
        axes = tuple(range(2, len(values.shape)))
        if weights is not None:
            values = values * ops.reshape(weights, (1, -1) + (1,) * len(axes))
        return ops.sum(values, axis=(1, *axes))

    def member_losses(self, values, y, y_pred, weights=None, count=None):
        """Each member's data loss + its own penalty, `(members,)`.

        `weights` (0/1 per example) and `count` (their sum) describe a padded
        last batch: the mean is over its real examples, as Keras's is.
        """
        y = ops.broadcast_to(ops.expand_dims(y, 0), (self.size, *ops.shape(y)))
        per_example = ops.cast(self.loss_function(y, y_pred), "float32")
        if len(per_example.shape) == 1:  # a loss that already reduced the batch
            loss = per_example
        else:
            loss = self._per_example(per_example, weights)
            if self.reduction != "sum":
                elements = float(np.prod(per_example.shape[2:]))
                loss = loss / (
                    count * elements
                    if count is not None
                    # the batch size may be unknown while tracing (evaluate retraces)
                    else ops.cast(ops.shape(per_example)[1], "float32") * elements
                )
        for (_, _, _, penalty), value in zip(self.params, values):
            part = penalty(value)
            if part is not None:
                loss = loss + part
        return loss

    def metric_sums(self, y, y_pred, weights=None):
        """Per member, the sum over the batch of each metric's per-example value."""
        y = ops.broadcast_to(ops.expand_dims(y, 0), (self.size, *ops.shape(y)))
        sums = []
        for _, function in self.metrics:
            values = ops.cast(function(y, y_pred), "float32")
            while len(values.shape) > 2:  # one value per example, as keras.metrics.Mean does
                values = ops.mean(values, axis=-1)
            sums.append(self._per_example(values, weights))
        return sums

    def scores(self, values, x, y, training, weights=None):
        """`(members, 1 + metrics)` sums over the batch (loss × examples first), and the losses."""
        count = None if weights is None else ops.sum(weights)
        values = self._unflatten(values[0])  # (members, *shape) per weight
        y_pred = self.forward(values, x, training)
        losses = self.member_losses(values, y, y_pred, weights, count)
        examples = float(ops.shape(x)[0]) if count is None else count
        return ops.stack([losses * examples, *self.metric_sums(y, y_pred, weights)], axis=1), losses

    # ---- one training step, stateful (TF, torch) or carrying values (JAX)

    def train_step(self, state, x, y, weights=None):
        stateless = _stateless()
        if stateless:
            values, optimizer_values, seed = state
        else:
            values = [variable.value for variable in self.variables]
            seed = self.seed_generator.state.value

        def total_loss(values):
            with keras.StatelessScope(state_mapping=[(self.seed_generator.state, seed)]) as scope:
                sums, losses = self.scores(values, x, y, training=True, weights=weights)
                new_seed = scope.get_current_value(self.seed_generator.state)
            scale = getattr(self.optimizer, "loss_scale_factor", None) or 1.0
            return ops.sum(losses) * scale, (sums, new_seed)

        (_, (sums, new_seed)), grads = backend.value_and_grad(total_loss, values, has_aux=True)
        if stateless:
            new_values, optimizer_values = self.optimizer.stateless_apply(
                optimizer_values, grads, values
            )
            values = [self._scale_step(old, new) for old, new in zip(values, new_values)]
            return (values, optimizer_values, new_seed), sums
        if self.learning_rates is None:
            self.optimizer.apply(grads, self.variables)
        else:
            before = [ops.copy(variable.value) for variable in self.variables]
            self.optimizer.apply(grads, self.variables)
            for variable, old in zip(self.variables, before):
                variable.assign(self._scale_step(old, variable.value))
        self.seed_generator.state.assign(new_seed)
        return state, sums

    def _scale_step(self, old, new):
        """`old + rate * (new - old)` per member: the step at the member's own rate."""
        if self.learning_rates is None:
            return new
        rates = ops.convert_to_tensor(self.learning_rates[:, None])  # (members, 1)
        return ops.add(old, ops.multiply(ops.subtract(new, old), rates))

    def _state(self):
        if _stateless():
            return (
                [v.value for v in self.variables],
                [v.value for v in self.optimizer.variables],
                self.seed_generator.state.value,
            )
        return ()

    def _set_state(self, state):
        if _stateless():
            values, optimizer_values, seed = state
            for variable, value in zip(self.variables, values):
                variable.assign(value)
            for variable, value in zip(self.optimizer.variables, optimizer_values):
                variable.assign(value)
            self.seed_generator.state.assign(seed)

    def _values(self, state):
        return state[0] if _stateless() else [v.value for v in self.variables]

    # ---- many epochs in one compiled call

    def _epochs_function(self, m, chunk, has_validation):
        """Compiled `(state, x, y, x_val, y_val, order, n) -> (state, history (chunk, M, K))`.

        A full batch trains on `x` as given; mini-batches are gathered by
        `order (chunk, steps * batch)`, whose last batch is padded with examples
        of weight 0 when `batch` does not divide `m` (one traced step, any m).
        """
        batch = min(self.batch_size, m)
        steps = -(-m // batch)
        padded = steps * batch != m
        width = (1 + len(self.metrics)) * (2 if has_validation else 1)

        def run(state, x, y, x_val, y_val, order, n_epochs):
            def one_epoch(epoch, carry):
                state, history = carry
                if steps == 1:
                    state, sums = self.train_step(state, x, y)
                else:

                    def one_batch(b, inner):
                        state, sums = inner
                        index = ops.reshape(
                            ops.slice(
                                order,
                                (ops.cast(epoch, "int32"), ops.cast(b * batch, "int32")),
                                (1, batch),
                            ),
                            (batch,),
                        )
                        weights = None
                        if padded:
                            position = b * batch + ops.arange(batch, dtype="int32")
                            weights = ops.cast(ops.less(position, m), "float32")
                        state, step_sums = self.train_step(
                            state, ops.take(x, index, axis=0), ops.take(y, index, axis=0), weights
                        )
                        return state, sums + step_sums

                    zeros = ops.zeros((self.size, 1 + len(self.metrics)), "float32")
                    state, sums = ops.fori_loop(0, steps, one_batch, (state, zeros))
                row = [sums / float(m)]
                if has_validation:
                    val_sums, _ = self.scores(self._values(state), x_val, y_val, training=False)
                    row.append(val_sums / float(ops.shape(x_val)[0]))
                row = ops.expand_dims(ops.concatenate(row, axis=1), 0)  # (1, M, K)
                zero = ops.zeros((), "int32")  # one index dtype (JAX's 64-bit mode mixes them)
                history = ops.slice_update(history, (ops.cast(epoch, "int32"), zero, zero), row)
                return state, history

            history = ops.zeros((chunk, self.size, width), "float32")
            return ops.fori_loop(0, n_epochs, one_epoch, (state, history))

        return _compile(run, self.jit_compile)

    def fit(self, x, y, epochs, validation, order_for, on_epochs):
        """Train; return per member a dict of per-epoch lists. `order_for(epoch)` gives batches."""
        m = len(x)
        has_validation = validation is not None
        batch = min(self.batch_size, m)
        steps = -(-m // batch)
        chunk = on_epochs.chunk(epochs)
        key = (m, chunk, has_validation)
        if key not in self._functions:
            self._functions[key] = self._epochs_function(m, chunk, has_validation)
        run = self._functions[key]
        self.pull()
        y = _align_labels(y, self.output_rank, self.output_last_dim)
        x_t, y_t = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
        if has_validation:
            x_val = ops.convert_to_tensor(validation[0])
            y_val = ops.convert_to_tensor(
                _align_labels(validation[1], self.output_rank, self.output_last_dim)
            )
        else:
            x_val, y_val = x_t[:1], y_t[:1]
        state = self._state()
        rows = []
        for start in range(0, epochs, chunk):
            n = min(chunk, epochs - start)
            if steps == 1:
                order = np.zeros((1, 1), "int32")  # unused: a full batch in its given order
            else:
                rows_ = [order_for(start + e) if order_for else np.arange(m) for e in range(n)]
                rows_ += [np.arange(m)] * (chunk - n)
                pad = steps * batch - m  # the padded last batch repeats the first examples
                order = np.stack([np.concatenate([r, r[:pad]]) for r in rows_]).astype("int32")
            state, history = run(
                state,
                x_t,
                y_t,
                x_val,
                y_val,
                ops.convert_to_tensor(order),
                ops.convert_to_tensor(n, "int32"),
            )
            rows.append(ops.convert_to_numpy(history)[:n])
            on_epochs(n * self.size)
        self._set_state(state)
        self.push()
        rows = np.concatenate(rows)  # (epochs, M, K)
        names = ["loss"] + [name for name, _ in self.metrics]
        if has_validation:
            names += ["val_" + name for name in names]
        order = sorted(names[: 1 + len(self.metrics)])  # Keras's order: sorted, then val_
        if has_validation:
            order += ["val_" + name for name in order]
        columns = {name: k for k, name in enumerate(names)}
        return [
            {name: rows[:, member, columns[name]].astype(float).tolist() for name in order}
            for member in range(self.size)
        ]

    def evaluate(self, x, y, batch_size):
        """Per member, {"loss": ..., metric: ...} in inference mode."""
        if "evaluate" not in self._functions:
            self._functions["evaluate"] = _compile(
                lambda values, x, y: self.scores(values, x, y, training=False)[0], self.jit_compile
            )
        self.pull()
        y = _align_labels(y, self.output_rank, self.output_last_dim)
        values = [v.value for v in self.variables]
        totals = 0.0
        for start in range(0, len(x), batch_size):
            xb = ops.convert_to_tensor(x[start : start + batch_size])
            yb = ops.convert_to_tensor(y[start : start + batch_size])
            totals = totals + ops.convert_to_numpy(self._functions["evaluate"](values, xb, yb))
        totals = totals / len(x)
        names = ["loss"] + [name for name, _ in self.metrics]
        return [
            {name: float(totals[m, names.index(name)]) for name in sorted(names)}
            for m in range(self.size)
        ]


# --------------------------------------------------------------------------
# Members trained by their own `fit` (layers or settings the stack lacks).


class _FitGroup:
    """Members trained one by one with `model.fit` on the same batches."""

    def __init__(self, models, reason, batch_size):
        self.models = models
        self.size = len(models)
        self.reason = reason
        self.batch_size = batch_size

    def fit(self, x, y, epochs, validation, order_for, on_epochs):
        histories = []
        shuffle = order_for is not None and self.batch_size < len(x)
        for model in self.models:
            progress = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epochs(1))
            common = dict(
                batch_size=self.batch_size,
                validation_data=validation,
                verbose=0,
                callbacks=[progress],
                shuffle=False,
            )
            if not shuffle:
                history = model.fit(x, y, epochs=epochs, **common).history
            else:  # one call per epoch, so the batches follow the sweep's order
                history = {}
                for epoch in range(epochs):
                    order = order_for(epoch)
                    logs = model.fit(x[order], y[order], epochs=1, **common).history
                    for name, values in logs.items():
                        history.setdefault(name, []).extend(values)
            histories.append({name: [float(v) for v in values] for name, values in history.items()})
        return histories

    def evaluate(self, x, y, batch_size):
        return [
            {
                name: float(value)
                for name, value in model.evaluate(
                    x, y, batch_size=batch_size, verbose=0, return_dict=True
                ).items()
            }
            for model in self.models
        ]


class _Progress:
    """One progress bar over all members' epochs (verbose=1), or nothing."""

    def __init__(self, total, verbose):
        self.bar = keras.utils.Progbar(total, unit_name="member-epoch") if verbose else None
        self.done = 0

    def chunk(self, epochs):
        return max(1, math.ceil(epochs / 20)) if self.bar else epochs

    def __call__(self, count):
        self.done += count
        if self.bar is not None:
            self.bar.update(self.done)


# --------------------------------------------------------------------------
# The public class.


class Sweep:
    """Train a grid of configurations of one model-building function together.

    Ng's "caviar" strategy as a Keras tool: many models trained in parallel,
    each exactly as `model.fit` would train it alone, in one computation.

    Every configuration in the grid is passed to `build` (`build(**config)`)
    to make one *member*: an ordinary Keras model. `compile` and `fit` then
    train all members with the same optimizer settings and the same batches;
    each member keeps its own initial weights (from `build`), its own
    regularization in its loss and its own optimizer state. Without dropout a
    member's weights after `fit` equal those of
    `build(**config).fit(...)` alone up to float32 round-off; with dropout its
    masks have the same distribution (the random draws differ).

    Grid keys the sweep reads itself:

    - `learning_rate`: the member's optimizer is a copy of the compiled one
      with this learning rate (a float; it replaces a schedule too). Members
      with different rates still train as one computation (below).
    - `batch_size`: the member's batch size, overriding `fit(batch_size=...)`.

    They are passed on to `build` only if `build` has a parameter of exactly
    that name (a `**kwargs` catch-all does not receive them). Every other key
    must be a parameter of `build`.

    What is stacked: members whose models are a chain of `Dense` (any
    activation, kernel/bias regularizers of any kind), `Flatten`,
    `Activation`, `keras.layers.Dropout` and `dlcourse.layers.InvertedDropout`
    layers, in float32, with the same layer sizes and activations and batch
    size, form one group trained as one computation (kernels stacked as
    `(members, n_in, n_out)`), many epochs per compiled call. The optimizer
    must be elementwise (SGD, Adam, AdamW, Adamax, Adagrad, Adadelta, RMSprop,
    Nadam, Ftrl, Lion; no `clipnorm`, `global_clipnorm`, `use_ema` or gradient
    accumulation). Members that differ only in dropout share a group; so do
    members that differ in learning rate when the step is proportional to the
    rate (every optimizer above but Ftrl, with a float rate): the group's
    optimizer runs at rate 1 and scales each member's step by its own rate
    (SGD's and RMSprop's momentum, which holds scaled steps, is scaled when
    copied to the member's own optimizer). Metrics must be names such as
    `"accuracy"`, `"mae"`, `"mse"` or functions of `(y_true, y_pred)`.
    Anything else (e.g. `Conv2D`, a `keras.metrics.AUC()` object) is trained
    by each member's own `model.fit` on the same batches: correct, at Keras's
    usual speed. `sweep.groups` tells which path each member took and why.

    With `shuffle=True` (the default) and mini-batches, epoch `e` of the
    sweep's `fit` visits the examples in the order
    `np.random.default_rng([seed, e]).permutation(m)` for every member (the
    epoch count continues over repeated `fit` calls). A full batch is used
    in its given order (its mean loss does not depend on the order).

    Args:
        build: Function returning an uncompiled, built Keras model from
            keyword arguments, e.g. `lambda lambd, seed: dlcourse.deep_net(...)`.
        grid: A dict of lists (`{"lambd": [0, 0.7], "seed": [0, 1]}`: the
            cartesian product, the last key varying fastest) or a list of
            configuration dicts (used as given).
        seed: Optional integer seed for the batch order and the dropout
            masks of the stacked groups (default: drawn at random, kept in
            `sweep.seed`).

    Attributes:
        configs: The configuration dicts, in grid order.
        models: The members' Keras models, same order: ordinary models that
            predict, evaluate, save and load as usual.
        histories: After `fit`, one `keras.callbacks.History` per member
            (`history.history["loss"]` has one entry per epoch).
        groups: After `fit`, how the members were trained: dicts with
            `members` (indices), `engine` (`"stacked"` or `"fit"`), `reason`,
            `learning_rate` (a float, a list of one per member when they
            differ, or None for a schedule) and `batch_size`.

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
        configs = _expand_grid(grid)
        arguments = _build_arguments(build)
        name = getattr(build, "__name__", "build")
        split = [_split_config(config, arguments, name) for config in configs]
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % (2**31 - 1))
        self.seed = check_int(seed, "seed", low=0)
        self.build = build
        self._configs = configs
        self._learning_rates = [s[1] for s in split]
        self._batch_sizes = [s[2] for s in split]
        models = []
        for config, (kwargs, _, _) in zip(configs, split):
            model = build(**kwargs)
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
        _loss_spec(loss)  # validate now
        if metrics is not None and (
            isinstance(metrics, (str, bytes)) or not isinstance(metrics, Sequence)
        ):
            raise invalid_value("metrics", metrics, "a list of metrics")
        if jit_compile not in (True, False, "auto"):
            raise invalid_value("jit_compile", jit_compile, "True, False or 'auto'")
        for model, learning_rate in zip(self._models, self._learning_rates):
            model.compile(
                optimizer=_clone_optimizer(optimizer, learning_rate),
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
        progress = _Progress(len(self) * epochs, verbose not in (0, False))
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
        """[(member indices, engine)]: stacked groups and members trained by `fit`."""
        settings = self._compiled
        loss = _loss_spec(settings["loss"])
        default_batch = batch_size or 32
        optimizer = settings["optimizer"]
        compiled_rate = _float_learning_rate(optimizer)
        # Members with different learning rates share a group when the step is
        # proportional to the rate (and no schedule is involved).
        share_rates = isinstance(optimizer, _LINEAR_IN_LEARNING_RATE)
        buckets = {}
        for i, model in enumerate(self._models):
            batch = min(self._batch_sizes[i] or default_batch, len(x))
            learning_rate = self._learning_rates[i]
            rate = learning_rate if learning_rate is not None else compiled_rate
            signature, keeps, dense = _stack_plan(model)
            reason = keeps if signature is None else None
            specs = _metric_specs(settings["metrics"], y.shape, tuple(model.outputs[0].shape))
            if reason is None and specs is None:
                reason = "a metric object the stacked path does not evaluate"
            if reason is None:
                reason = _optimizer_coupling(settings["optimizer"])
            if reason is None and keras.backend.backend() not in ("tensorflow", "jax", "torch"):
                reason = f"backend {keras.backend.backend()!r}"
            shared = share_rates and rate is not None
            key = (
                ("stacked", signature, "shared" if shared else learning_rate, batch)
                if reason is None
                else ("fit", i)
            )
            bucket = buckets.setdefault(
                key,
                dict(
                    members=[],
                    keeps=[],
                    dense=[],
                    rates=[],
                    reason=reason,
                    learning_rate=learning_rate,
                    batch=batch,
                    specs=specs,
                ),
            )
            bucket["members"].append(i)
            bucket["rates"].append(rate)
            bucket["keeps"].append(keeps)
            bucket["dense"].append(dense)
        groups, summary = [], []
        for number, (key, bucket) in enumerate(buckets.items()):
            members = bucket["members"]
            engine_key = (key, tuple(members))
            engine = self._engines.get(engine_key)
            if engine is None:
                models = [self._models[i] for i in members]
                if key[0] == "stacked":
                    rates = bucket["rates"]
                    several = key[2] == "shared" and len(set(rates)) > 1
                    engine = _StackedGroup(
                        models,
                        key[1],
                        bucket["keeps"],
                        bucket["dense"],
                        _clone_optimizer(
                            optimizer,
                            1.0
                            if several
                            else rates[0]
                            if key[2] == "shared"
                            else bucket["learning_rate"],
                        ),
                        loss,
                        bucket["specs"],
                        bucket["batch"],
                        seed=self.seed + 7919 * number,
                        jit_compile=settings["jit_compile"],
                        learning_rates=rates if several else None,
                    )
                else:
                    engine = _FitGroup(models, bucket["reason"], bucket["batch"])
                self._engines[engine_key] = engine
            groups.append((members, engine))
            summary.append(
                dict(
                    members=list(members),
                    engine=key[0],
                    reason=bucket["reason"],
                    learning_rate=(
                        bucket["rates"][0]
                        if len(set(bucket["rates"])) == 1
                        else list(bucket["rates"])
                    ),
                    batch_size=bucket["batch"],
                )
            )
        self.groups = summary
        return groups

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
            chunk = batch_size if isinstance(engine, _FitGroup) else max(batch_size, 4096)
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


class SweepTable:
    """A small table of rows (no pandas): `print(table)`, `table.column(name)`, `table[i]`.

    Args:
        columns: Column names.
        rows: Lists of values, one per column.
    """

    def __init__(self, columns, rows):
        self.columns = list(columns)
        self.rows = [list(row) for row in rows]

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        """Row `index` as a dict."""
        return dict(zip(self.columns, self.rows[index]))

    def column(self, name):
        """The values of one column, as a list."""
        if name not in self.columns:
            raise invalid_value("name", name, f"one of {self.columns}")
        k = self.columns.index(name)
        return [row[k] for row in self.rows]

    @staticmethod
    def _format(value):
        if isinstance(value, float):
            return f"{value:.4g}"
        if value is None:
            return ""
        return str(value)

    def _cells(self):
        return [self.columns] + [[self._format(v) for v in row] for row in self.rows]

    def __str__(self):
        cells = self._cells()
        widths = [max(len(row[k]) for row in cells) for k in range(len(self.columns))]
        lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    __repr__ = __str__

    def to_markdown(self):
        """The table as GitHub Markdown."""
        cells = self._cells()
        lines = ["| " + " | ".join(cells[0]) + " |", "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)
