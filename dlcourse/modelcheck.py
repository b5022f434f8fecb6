"""Gradient checking for Keras models: Ng's check on the framework's backprop, any backend.

`check_model_gradients(model, x, y, loss)` checks the gradient of the cost `fit`
minimizes, regularization included,

    J(θ) = mean over examples of loss(y, model(x)) + Σ model.losses

with Ng's two-sided difference and bands (`dlcourse.gradcheck`), in float64 and with
dropout off. Three pieces of machinery make that practical:

- `float64_clone(model)`: the model rebuilt from its config with float64 everywhere
  (Ng's bands assume float64; in float32 rounding alone gives differences ~1e-4);
- the cost is a pure function of θ (`model.stateless_call` with the weights passed as
  arguments), compiled once per model (`dlcourse.backend.compile_function`) and cached,
  so a second check (after some training) only pays for the arithmetic;
- all the perturbed θ of a chunk of parameters go through one vectorized forward pass
  (`keras.ops.vectorized_map`, compiled), instead of one Python-level forward pass per
  parameter.

The analytic gradient is the framework's automatic differentiation of the same cost
(`dlcourse.backend.value_and_grad`: TensorFlow, JAX or PyTorch, whichever Keras runs on).
`cost_function(model, x, y, loss)` hands the same float64 `J(θ)` and its autodiff
gradient to Ng's `dlcourse.gradcheck.gradient_check`, one parameter at a time. This
module builds on `dlcourse.gradcheck` (the course's check, for NumPy functions), never
the other way round.

On JAX, float64 needs JAX's 64-bit mode: `check_model_gradients` and the functions
`cost_function` returns switch it on for their own work only
(`dlcourse.backend.float64()`); `float64_clone` warns when it is off, and its clone is
meant to be used inside `with dlcourse.backend.float64():`.
"""

import warnings
import weakref

import keras
import numpy as np
from keras import ops

from dlcourse import backend
from dlcourse._validation import check_float, check_int, invalid_value
from dlcourse.gradcheck import GradientCheckResult, _check_finite, _Shown, _two_sided

__all__ = ["check_model_gradients", "cost_function", "float64_clone"]

_FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")

#: Per-model cache of float64 clones and traced functions, so that checking the
#: same model again (e.g. after some training) skips rebuilding and retracing.
_CACHE = weakref.WeakKeyDictionary()

#: Default parameters per vectorized batch (larger batches were not faster on
#: CPU), lowered so that one batch holds at most about `_CHUNK_BUDGET` float64
#: numbers (~128 MB).
_CHUNK_SIZE = 256
_CHUNK_BUDGET = 2**24


def _float64_dtype(value):
    """Map a layer's `dtype` config entry to float64 if it is a float dtype/policy."""
    if value is None:
        return "float64"
    name = value
    if isinstance(value, dict):
        name = value.get("config", {}).get("name")
    if isinstance(name, str) and (name in _FLOAT_DTYPES or name.startswith("mixed_")):
        return "float64"
    return value


def _with_float64(config):
    """A copy of a serialized model where every float dtype is float64."""
    if isinstance(config, dict):
        out = {}
        for key, value in config.items():
            if key == "dtype":
                out[key] = _float64_dtype(value)
            elif key == "compile_config":
                continue  # the clone only needs the architecture
            else:
                out[key] = _with_float64(value)
        return out
    if isinstance(config, list):
        return [_with_float64(item) for item in config]
    return config


def float64_clone(model):
    """A float64 copy of a Keras model: same architecture, same weights, float64 everywhere.

    The model is rebuilt from its config with every float dtype (and any mixed
    precision policy) replaced by float64, then given the model's current
    weights. Use it to evaluate a cost in float64 yourself, e.g. in your own
    gradient-check loop; `check_model_gradients` uses the same rebuild. On
    JAX, make and use the clone inside `with dlcourse.backend.float64():`
    (otherwise JAX holds it in float32, and this function warns so).

    Args:
        model: A built `keras.Model` that Keras can rebuild from its config
            (functional, Sequential, or a subclass with `get_config`/`from_config`).

    Returns:
        A new `keras.Model`; the original is untouched.

    Raises:
        ValueError: if the model cannot be rebuilt from its config, or the
            rebuild's weights do not match the model's (an unbuilt model).

    Example:

    >>> import dlcourse
    >>> clone = float64_clone(dlcourse.two_layer_net(2, 3, 1, seed=0))
    >>> clone.get_layer("hidden_1").kernel.dtype
    'float64'
    """
    if not isinstance(model, keras.Model):
        raise invalid_value("model", model, "a keras.Model")
    backend.warn_if_float32_only("float64_clone")
    clone = _float64_rebuild(model)
    clone.set_weights([_to_numpy(w).astype(c.dtype) for w, c in zip(model.weights, clone.weights)])
    return clone


def _float64_rebuild(model):
    """Rebuild `model`'s architecture from its config with float64 everywhere (fresh weights)."""
    try:
        config = _with_float64(keras.saving.serialize_keras_object(model))
        clone = keras.saving.deserialize_keras_object(config)
    except Exception as error:  # any failure means "cannot be rebuilt from config"
        raise ValueError(
            "Invalid value for `model`: expected a Keras model that can be "
            "rebuilt from its config (functional, Sequential, or a subclass "
            f"with get_config/from_config); rebuilding {model.name!r} failed "
            f"with {type(error).__name__}: {error}"
        ) from error
    ours = [tuple(v.shape) for v in model.trainable_variables]
    theirs = [tuple(v.shape) for v in clone.trainable_variables]
    if ours != theirs or len(model.non_trainable_variables) != len(clone.non_trainable_variables):
        raise ValueError(
            f"Invalid value for `model`: its float64 rebuild has weights of shapes "
            f"{theirs}, the model {ours}; is the model built?"
        )
    return clone


# Off TensorFlow, Keras promotes float64 to float32 (`keras.backend.result_type`, as JAX
# does without its 64-bit mode), so `ops.mean` computes float64 in float32, and so do the
# losses that average over the last axis (`binary_crossentropy`, `mean_squared_error`, …),
# `ops.tanh` and `ops.sin` on JAX, `ops.matmul` (hence `Dense`) on PyTorch. A cost rounded
# to float32 (~1e-8 relative) ruins a difference quotient with ε = 1e-6. For the common
# losses the check therefore takes the per-element values (float64 on every backend) and
# averages them itself (`sum / count`: the same J); on JAX its clone's tanh is computed as
# 2σ(2x) − 1. What remains float32 on PyTorch (`Dense`'s matmul) sets its floor.
def _elementwise(function, from_logits=False):
    def values(y_true, y_pred):
        y_pred = ops.convert_to_tensor(y_pred)
        y_true = ops.cast(y_true, y_pred.dtype)
        if len(y_true.shape) == len(y_pred.shape) - 1:  # labels (m,) for outputs (m, 1)
            y_true = ops.expand_dims(y_true, -1)
        if function == "binary_crossentropy":
            return ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits)
        difference = y_true - y_pred
        return ops.square(difference) if function == "squared" else ops.abs(difference)

    return values


_ELEMENTWISE_FUNCTIONS = {
    keras.losses.binary_crossentropy: _elementwise("binary_crossentropy"),
    keras.losses.mean_squared_error: _elementwise("squared"),
    keras.losses.mean_absolute_error: _elementwise("absolute"),
}


def _elementwise_loss(loss):
    """Per-element float64 values of a common Keras loss (instance), else None."""
    config = loss.get_config()
    if config.get("label_smoothing", 0) or config.get("axis", -1) != -1:
        return None
    if type(loss) is keras.losses.BinaryCrossentropy:
        return _elementwise("binary_crossentropy", from_logits=config.get("from_logits", False))
    if type(loss) is keras.losses.MeanSquaredError:
        return _elementwise("squared")
    if type(loss) is keras.losses.MeanAbsoluteError:
        return _elementwise("absolute")
    return None


def _tanh_in_float64(x):
    """tanh(x) = 2σ(2x) − 1 (Keras's `ops.tanh` computes float64 in float32 on JAX)."""
    return 2.0 * ops.sigmoid(2.0 * x) - 1.0


def _float64_activations(layers):
    """On JAX, give the check's own clone a tanh that stays float64 (nested models too)."""
    for layer in layers:
        if isinstance(layer, keras.Model):
            _float64_activations(layer.layers)
        elif getattr(layer, "activation", None) is keras.activations.tanh:
            layer.activation = _tanh_in_float64


def _loss_in_float64(loss):
    """A loss callable `(y_true, y_pred)` that computes in float64."""
    expected = "a Keras loss name, a keras.losses.Loss or a callable"
    if isinstance(loss, str):
        try:
            function = keras.losses.get(loss)  # plain functions keep the input dtype
        except ValueError:
            raise invalid_value("loss", loss, expected) from None
        return _ELEMENTWISE_FUNCTIONS.get(function, function)
    if isinstance(loss, keras.losses.Loss):
        elementwise = _elementwise_loss(loss)
        if elementwise is not None:
            return elementwise
        # Loss instances cast to their own dtype (float32 by default).
        try:
            return loss.__class__.from_config({**loss.get_config(), "dtype": "float64"})
        except (TypeError, ValueError):
            return loss.call  # unreduced values; averaged in the cost
    if callable(loss):
        return _ELEMENTWISE_FUNCTIONS.get(loss, loss)
    raise invalid_value("loss", loss, expected)


_to_numpy = backend.to_numpy


def _as_float64(value):
    """Floating arrays become float64 tensors; integer arrays keep their dtype."""
    value = _to_numpy(value)
    if np.issubdtype(value.dtype, np.floating):
        return ops.convert_to_tensor(value, "float64")
    return ops.convert_to_tensor(value)


class _ModelCost:
    """J(θ) = mean loss(y, model(x)) + Σ model.losses for one architecture, in float64.

    θ, the non-trainable weights, x and y are all function arguments, so the
    traced functions serve every later check of the same model.
    """

    def __init__(self, model, loss):
        self.loss_object = loss
        self.loss = _loss_in_float64(loss)
        self.clone = _float64_rebuild(model)
        if backend.name() == "jax":
            _float64_activations(self.clone.layers)
        variables = self.clone.trainable_variables
        self.paths = [v.path for v in variables]
        self.shapes = [tuple(v.shape) for v in variables]
        self.sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self.non_trainable_dtypes = [v.dtype for v in self.clone.non_trainable_variables]
        self._traced = {}

    def _compiled(self, function, key, x, y):
        """`function` compiled once per key and data layout (any number of examples).

        The ranks and dtypes of `x` and `y` are part of the key: a loss may accept
        labels of shape (m,) and (m, 1), but not a function traced for both at once.
        """
        layout = [(len(v.shape), str(v.dtype)) for v in keras.tree.flatten((x, y))]
        key = (key, repr(keras.tree.map_structure(lambda v: 0, (x, y))), tuple(layout))
        if key not in self._traced:
            self._traced[key] = backend.compile_function(function)
        return self._traced[key]

    def batched(self, two_sided, chunk_size, x, y):
        """The compiled vectorized costs for chunks of `chunk_size` parameters.

        The chunk size stays static (one compilation per size): the vectorized
        kernels may round differently (by an ulp) for another shape.
        """

        def perturbed_costs(theta, non_trainable, x, y, chunk, epsilon):
            return self._perturbed_costs(theta, non_trainable, x, y, chunk, epsilon, two_sided)

        return self._compiled(perturbed_costs, ("batched", two_sided, chunk_size), x, y)

    @property
    def size(self):
        return int(self.offsets[-1])

    def arguments(self, model, x, y):
        """θ0 (NumPy), non-trainable values, x and y of the live model, in float64."""
        theta0 = np.concatenate([np.ravel(_to_numpy(v)) for v in model.trainable_variables]).astype(
            np.float64
        )
        non_trainable = [
            ops.convert_to_tensor(_to_numpy(v), dtype)
            for v, dtype in zip(model.non_trainable_variables, self.non_trainable_dtypes)
        ]
        x = keras.tree.map_structure(_as_float64, x)
        y = keras.tree.map_structure(_as_float64, y)
        return theta0, non_trainable, x, y

    def cost(self, theta, non_trainable, x, y):
        """Scalar float64 cost for a (P,) parameter tensor; dropout off (training=False)."""
        return self._cost_of_parts(self._split(theta), non_trainable, x, y)

    def _split(self, theta):
        """θ (P,) → one flat (size_v,) tensor per trainable weight."""
        return ops.split(theta, [int(i) for i in self.offsets[1:-1]]) if self.sizes[1:] else [theta]

    def _cost_of_parts(self, parts, non_trainable, x, y):
        """The cost for the flattened trainable weights, one (size_v,) tensor each."""
        weights = [ops.reshape(p, s) for p, s in zip(parts, self.shapes)]
        y_pred, _, losses = self.clone.stateless_call(
            weights, non_trainable, x, training=False, return_losses=True
        )
        # sum / count, not ops.mean: Keras's mean computes in float32 on JAX.
        values = ops.cast(self.loss(y, y_pred), "float64")
        value = ops.sum(values) / ops.cast(ops.size(values), "float64")
        for loss in losses:  # regularization terms (Ng: include them in J)
            value = value + ops.cast(loss, "float64")
        return value

    def single_cost(self, x, y):
        """The compiled J(θ, non_trainable, x, y) (one forward pass per call)."""
        return self._compiled(self.cost, "single", x, y)

    def value_and_gradient(self, theta, non_trainable, x, y):
        """J(θ) and the framework's gradient dJ/dθ (eager: one pass, nothing to compile)."""
        theta = ops.convert_to_tensor(np.asarray(theta, np.float64), "float64")
        value, gradient = backend.value_and_grad(
            lambda theta: self.cost(theta, non_trainable, x, y), theta
        )
        return float(_to_numpy(value)), _to_numpy(gradient).astype(np.float64)

    def _perturbed_costs(self, theta, non_trainable, x, y, chunk, epsilon, two_sided):
        """J(θ ± ε e_i) for i in chunk, one vectorized pass over the chunk.

        Two-sided: `[J(θ + ε e_i)]_i ++ [J(θ − ε e_i)]_i`, shape (2C,).
        One-sided: `[J(θ)] ++ [J(θ + ε e_i)]_i`, shape (C + 1,).

        Each perturbed parameter vector is θ with `± ε` added at one position
        (`ops.where` on that position: every other entry is θ's, bit for bit).
        """
        if two_sided:
            positions = ops.concatenate([chunk, chunk], axis=0)  # (2C,)
            up = ops.ones(ops.shape(chunk), "float64") * epsilon
            steps = ops.concatenate([up, -up], axis=0)
        else:  # row 0 is θ itself (position -1 matches nothing)
            positions = ops.concatenate([ops.full((1,), -1, chunk.dtype), chunk], axis=0)
            steps = ops.concatenate(
                [ops.zeros((1,), "float64"), ops.ones(ops.shape(chunk), "float64") * epsilon],
                axis=0,
            )
        where = ops.arange(self.size, dtype=chunk.dtype)

        def cost_of_row(row):
            position, step = row
            theta_row = ops.where(where == position, theta + step, theta)
            return self._cost_of_parts(self._split(theta_row), non_trainable, x, y)

        return ops.vectorized_map(cost_of_row, (positions, steps))

    def name_of(self, index):
        """`"layer/weight[i, j]"` for position `index` of θ."""
        which = int(np.searchsorted(self.offsets, index, side="right") - 1)
        position = np.unravel_index(int(index - self.offsets[which]), self.shapes[which])
        return f"{self.paths[which]}[{', '.join(str(int(p)) for p in position)}]"

    def activation_size(self, layers=None):
        """Rough number of activation values one forward pass keeps per example."""
        total = 0
        for layer in self.clone.layers if layers is None else layers:
            if isinstance(layer, keras.Model):
                total += self.activation_size(layer.layers)
                continue
            try:
                for output in keras.tree.flatten(layer.output):
                    total += int(np.prod([d or 1 for d in output.shape[1:]]))
            except Exception:  # layers without a single symbolic output
                continue
        return max(total, 1)


def _model_cost(model, loss):
    """The cached `_ModelCost` for this model, loss and set of (non-)trainable weights."""
    key = (
        loss if isinstance(loss, str) else id(loss),
        tuple(v.path for v in model.trainable_variables),
        tuple(v.path for v in model.non_trainable_variables),
    )
    entries = _CACHE.setdefault(model, {})
    entry = entries.get(key)
    if entry is None or not (isinstance(loss, str) or entry.loss_object is loss):
        entry = entries[key] = _ModelCost(model, loss)
    return entry


def _model_shapes(model, which):
    """The model's symbolic input or output shapes, or `None` where it has none."""
    try:
        tensors = getattr(model, which)
    except (AttributeError, ValueError):  # e.g. a subclassed model
        return None
    if not tensors:
        return None
    return [tuple(t.shape) for t in tensors]


def _shape_text(shape):
    """`(None, 5)` → `"(m, 5)"`: the batch axis is the number of examples."""
    dims = ["m"] + ["?" if d is None else str(d) for d in shape[1:]]
    return "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")


def _fits(shape, expected):
    """`shape` matches the symbolic `expected` in rank and every known feature dim."""
    return len(shape) == len(expected) and all(
        e is None or e == s for s, e in zip(shape[1:], expected[1:])
    )


def _bad_shape(name, index, count, shape, expected):
    """The `ValueError` for an array (`name`, or `name[index]` of `count`) of the wrong shape."""
    name = name if count == 1 else f"{name}[{index}]"
    return invalid_value(name, _Shown(f"<array of shape {shape}>"), expected)


def _check_data(model, x, y, loss):
    """Name `x` / `y` when they cannot fit the model, before any work is done.

    `x` must match the model's input shapes (feature dims), `y` must hold one
    target per example of `x` and, for a Keras loss, be shaped like the output
    (or be integer labels of width 1 for a sparse loss).
    """
    xs, ys = keras.tree.flatten(x), keras.tree.flatten(y)
    x_shapes = [tuple(np.shape(v)) for v in xs]
    y_shapes = [tuple(np.shape(v)) for v in ys]
    inputs = _model_shapes(model, "inputs")
    if inputs is not None and not isinstance(x, dict) and len(inputs) == len(xs):
        for k, (shape, expected) in enumerate(zip(x_shapes, inputs)):
            if not _fits(shape, expected):
                raise _bad_shape(
                    "x",
                    k,
                    len(xs),
                    shape,
                    (
                        f"an array of shape {_shape_text(expected)}: m examples, each "
                        f"of the model's input shape {expected[1:]}"
                    ),
                )
    if not x_shapes or not x_shapes[0]:
        raise _bad_shape(
            "x", 0, 1, x_shapes[0] if x_shapes else None, "an array with one row per example"
        )
    m = x_shapes[0][0]
    for k, shape in enumerate(y_shapes):
        if not shape or shape[0] != m:
            raise _bad_shape(
                "y",
                k,
                len(ys),
                shape,
                (
                    f"one target per example of x: a first dimension of {m} "
                    f"(x has shape {x_shapes[0]})"
                ),
            )
    outputs = _model_shapes(model, "outputs")
    keras_loss = isinstance(loss, (str, keras.losses.Loss)) or getattr(
        loss, "__module__", ""
    ).startswith("keras")
    if outputs is None or not keras_loss or len(outputs) != len(ys):
        return
    for k, (shape, expected) in enumerate(zip(y_shapes, outputs)):
        sparse = len(shape) == len(expected) and shape[-1] == 1
        if len(shape) == len(expected) and not sparse and not _fits(shape, expected):
            raise _bad_shape(
                "y",
                k,
                len(ys),
                shape,
                (
                    f"targets shaped like the model's output {_shape_text(expected)} "
                    "(or labels of shape (m,) or (m, 1) for a sparse loss)"
                ),
            )


def _problem(model, x, y, loss):
    """Validate the model, loss and data (cheap), then the cached cost and its arguments."""
    if not isinstance(model, keras.Model):
        raise invalid_value("model", model, "a keras.Model")
    if not model.trainable_variables:
        raise invalid_value("model", model.name, "a built model with trainable weights")
    _loss_in_float64(loss)  # validates before the (slower) rebuild
    _check_data(model, x, y, loss)
    problem = _model_cost(model, loss)
    return problem, problem.arguments(model, x, y)


def cost_function(model, x, y, loss):
    """A Keras model's cost `J(θ)` and its autodiff gradient as NumPy functions of θ, in float64.

        J(θ) = mean over examples of loss(y, model(x)) + Σ model.losses

    The cost `check_model_gradients` checks (float64 rebuild, dropout off), for
    Ng's one-parameter-at-a-time `dlcourse.gradcheck.gradient_check`, or for a
    loop of your own: `J` is traced once, so each call is one compiled forward
    pass. θ is every trainable weight flattened in `model.trainable_weights`
    order; calling `J` or `gradient` never changes the model's weights.

    Args:
        model: A built `keras.Model` that Keras can rebuild from its config.
        x: Inputs of the model's input shape.
        y: Targets for `loss`, one per example of `x`.
        loss: A Keras loss name, a `keras.losses.Loss` or a callable
            `loss(y_true, y_pred)`.

    Returns:
        `(J, gradient, theta)`: `J(theta) -> float`, `gradient(theta)` → the
        framework's gradient dJ/dθ as a float64 vector, and `theta`, the model's
        current weights as one float64 vector.

    Raises:
        ValueError: as `check_model_gradients`, for a bad model, loss, `x` or `y`.

    Example:

    >>> import dlcourse
    >>> from dlcourse.gradcheck import gradient_check
    >>> model = dlcourse.two_layer_net(2, 3, 1, seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(8, 2)), rng.integers(0, 2, (8, 1))
    >>> J, gradient, theta = cost_function(model, x, y, "binary_crossentropy")
    >>> gradient_check(J, theta, gradient(theta), epsilon=1e-6).verdict
    'great'
    """
    with backend.float64():  # JAX: 64-bit mode for this work only
        problem, (theta0, non_trainable, x, y) = _problem(model, x, y, loss)
        compiled = problem.single_cost(x, y)

    def J(theta):
        with backend.float64():
            theta = ops.convert_to_tensor(np.asarray(theta, np.float64), "float64")
            return float(_to_numpy(compiled(theta, non_trainable, x, y)))

    def gradient(theta):
        with backend.float64():
            return problem.value_and_gradient(theta, non_trainable, x, y)[1]

    return J, gradient, theta0


def _prepare(model, x, y, loss, epsilon, max_params, seed, gradients):
    """Validate; return the cost, its arguments, epsilon, the checked indices and dJ/dθ.

    dJ/dθ is the user's `gradients` as one flat float64 vector, or else the
    framework's gradient of the same float64 cost.
    """
    epsilon = check_float(epsilon, "epsilon", low=0, low_open=True)
    if max_params is not None:
        max_params = check_int(max_params, "max_params", low=1)
    seed = check_int(seed, "seed", low=0)
    problem, arguments = _problem(model, x, y, loss)
    size = problem.size

    if gradients is not None:
        if isinstance(gradients, (list, tuple)):
            shapes = [tuple(np.shape(g)) for g in gradients]
            if shapes != problem.shapes:
                raise invalid_value(
                    "gradients",
                    _Shown(f"<{len(gradients)} arrays of shapes {shapes}>"),
                    "one array per trainable weight, in the order of "
                    f"model.trainable_weights, with shapes {problem.shapes}",
                )
            gradients = np.concatenate([np.ravel(_to_numpy(g)) for g in gradients])
        else:
            gradients = np.ravel(_to_numpy(gradients))
            if gradients.size != size:
                raise invalid_value(
                    "gradients",
                    _Shown(f"<array of {gradients.size} values>"),
                    f"a flat vector of {size} values or one array per trainable weight",
                )
        gradients = _check_finite(gradients.astype(np.float64), "gradients")
    else:  # the framework's gradient of the same float64 cost
        _, gradients = problem.value_and_gradient(*arguments)

    if max_params is None or max_params >= size:
        indices = np.arange(size)
    else:
        rng = np.random.default_rng(seed)
        indices = np.sort(rng.choice(size, size=max_params, replace=False))
    return problem, arguments, epsilon, indices, gradients


def _finish(problem, indices, approx, analytic, epsilon, two_sided):
    names = tuple(problem.name_of(i) for i in indices)
    return GradientCheckResult.compare(
        approx, analytic[indices], epsilon, two_sided, indices=indices, names=names
    )


def check_model_gradients(
    model,
    x,
    y,
    loss,
    epsilon=1e-6,
    max_params=None,
    seed=0,
    *,
    gradients=None,
    two_sided=True,
    chunk_size=None,
    one_sided=None,
):
    """Gradient-check a Keras model's backprop (the framework's autodiff) in float64.

    The cost is the one `fit` minimizes, regularization included (Ng: include
    the regularization term in J):

        J(θ) = mean over examples of loss(y, model(x)) + Σ model.losses

    where θ is every trainable weight flattened in `model.trainable_weights`
    order. The model is rebuilt from its config in float64 — Ng's bands
    assume float64; in float32 rounding alone gives differences around 1e-4 —
    and called with the model's current weights and `training=False`, so
    **dropout is off**: with dropout on, J is random (each evaluation draws a
    new mask) and the check is meaningless. Each component is estimated with
    the two-sided difference `(J(θ + ε e_i) − J(θ − ε e_i)) / 2ε` (error
    O(ε²)). All the perturbed θ of a chunk go through one vectorized forward
    pass (`keras.ops.vectorized_map` over `model.stateless_call`, weights passed
    as arguments), compiled: there is no Python-level forward pass
    per parameter (`cost_function` gives you the same J for a loop of your
    own, and `float64_clone` the float64 model). The analytic gradient,
    unless you pass `gradients`, is the
    framework's gradient of the same float64 J. The rebuilt model and the compiled
    functions are cached per model, so a second check (say after some
    training) only pays for the arithmetic. On JAX the check switches JAX's
    64-bit mode on for itself only (`dlcourse.backend.float64()`).

    Check at initialization and again after some training. Read the result
    with Ng's bands: difference ≤ 1e-7 great, ≤ 1e-5 look closer, > 1e-3
    very likely a bug.

    Args:
        model: A built `keras.Model` that Keras can rebuild from its config
            (functional, Sequential, or subclassed with `get_config`).
        x: Inputs (an array, or a structure of arrays for multi-input
            models) of the model's input shape. A few dozen examples are
            enough.
        y: Targets for `loss`, one per example of `x`.
        loss: A Keras loss name (`"binary_crossentropy"`, …), a
            `keras.losses.Loss` or a callable `loss(y_true, y_pred)`;
            per-example values are averaged.
        epsilon: Step ε > 0. The default 1e-6 balances truncation (O(ε²))
            and float64 rounding (about 1e-16 · J / ε).
        max_params: Check only this many randomly chosen parameters (drawn
            with `seed`); `None` checks all of them.
        seed: Non-negative int seeding that choice.
        gradients: The analytic gradient to check instead of the framework's: one
            array per trainable weight (`model.trainable_weights` order) or
            one flat vector — e.g. your own NumPy backprop, or an autodiff gradient
            with a planted bug.
        two_sided: Use the two-sided difference (default); `False` for the
            one-sided `(J(θ + ε e_i) − J(θ)) / ε` (error O(ε)).
        chunk_size: Parameters per vectorized batch (each costs two forward
            passes). Default: 256, fewer if a batch would hold more than
            about 2**24 float64 numbers. The traced function is reused for
            any number of examples, but a new chunk size traces again.
        one_sided: Deprecated spelling of `two_sided=False`; kept for one
            release with a `DeprecationWarning`.

    Returns:
        A `GradientCheckResult`; `names` label each component like
        `"hidden_1/kernel[3, 0]"` and `indices` give its position in θ. With
        `max_params`, the checked positions are
        `np.sort(np.random.default_rng(seed).choice(P, max_params, replace=False))`
        for `P` parameters.

    Raises:
        ValueError: for a bad argument, named: a model that cannot be rebuilt,
            an `x` that does not match the model's input shape, a `y` whose
            length is not `x`'s (or, for a Keras loss, whose shape cannot be
            the output's), `gradients` of the wrong shapes, or a bad `loss`,
            `epsilon`, `max_params`, `seed` or `chunk_size`. Shapes are
            checked before any work is done.

    Example:

    >>> import dlcourse
    >>> model = dlcourse.two_layer_net(2, 5, 1, regularizer=dlcourse.L2(0.7, m=20), seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(20, 2)), rng.integers(0, 2, (20, 1))
    >>> result = check_model_gradients(model, x, y, "binary_crossentropy")
    >>> result.verdict
    'great'

    Reference:
        Ng, *Improving Deep Neural Networks*, week 1, "Gradient checking"
        and "Gradient checking implementation notes".
    """
    two_sided = _two_sided(two_sided, one_sided)
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size", low=1)
    with backend.float64():  # JAX: 64-bit mode for this check only
        return _check(
            model, x, y, loss, epsilon, max_params, seed, gradients, two_sided, chunk_size
        )


def _float32_inside(model):
    """What Keras computes in float32 in this model's float64 clone, or None.

    Off TensorFlow, `keras.backend.result_type` makes float64 float32: `Dense`'s matmul
    on PyTorch, `BatchNormalization` on JAX and PyTorch (the check works around the
    losses' means and JAX's tanh itself).
    """
    if backend.name() == "tensorflow":
        return None
    if backend.name() == "torch":
        return "matmul (every Dense layer)"
    layers, found = list(model.layers), False
    while layers and not found:
        layer = layers.pop()
        layers.extend(getattr(layer, "layers", []) if isinstance(layer, keras.Model) else [])
        found = isinstance(layer, keras.layers.BatchNormalization)
    return "BatchNormalization" if found else None


def _check(model, x, y, loss, epsilon, max_params, seed, gradients, two_sided, chunk_size):
    """`check_model_gradients` once its mode is set (inside `backend.float64()`)."""
    problem, (theta0, non_trainable, x, y), epsilon, indices, gradients = _prepare(
        model, x, y, loss, epsilon, max_params, seed, gradients
    )
    float32 = _float32_inside(model)
    if float32 is not None:
        warnings.warn(
            f"On the {backend.name()} backend Keras computes {float32} in float32 even for "
            "float64 models, so this check's cost is rounded to float32: expect differences "
            "around 1e-3 from rounding alone (Ng's bands assume float64; TensorFlow keeps it).",
            stacklevel=3,
        )
    if chunk_size is None:
        n_examples = int(keras.tree.flatten(x)[0].shape[0])
        per_parameter = 2 * (3 * problem.size + n_examples * problem.activation_size())
        chunk_size = max(1, min(_CHUNK_SIZE, _CHUNK_BUDGET // per_parameter))
    n_chunks = -(-indices.size // chunk_size)
    chunk_size = -(-indices.size // n_chunks)  # even chunks: little padding
    theta = ops.convert_to_tensor(theta0, "float64")
    batched = problem.batched(two_sided, chunk_size, x, y)
    epsilon_t = ops.convert_to_tensor(epsilon, "float64")
    approx = np.empty(indices.size)
    for start in range(0, indices.size, chunk_size):
        chunk = indices[start : start + chunk_size]
        n = chunk.size
        if n < chunk_size:  # pad the last chunk to the traced shape
            chunk = np.concatenate([chunk, np.full(chunk_size - n, chunk[-1])])
        chunk = ops.convert_to_tensor(chunk.astype(np.int64), "int64")
        costs = _to_numpy(batched(theta, non_trainable, x, y, chunk, epsilon_t))
        if two_sided:
            approx[start : start + n] = (costs[:n] - costs[chunk_size : chunk_size + n]) / (
                2 * epsilon
            )
        else:
            approx[start : start + n] = (costs[1 : n + 1] - costs[0]) / epsilon
    return _finish(problem, indices, approx, gradients, epsilon, two_sided)
