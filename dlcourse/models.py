"""Model builders: the course's networks as ordinary, uncompiled Keras models.

Each builder returns a functional `keras.Model` you compile and `fit` yourself,
nest inside a bigger model, or save with `model.save("net.keras")` and load
with `keras.models.load_model` (no `custom_objects`: importing `dlcourse`
registers the components these models use).

- `two_layer_net` — Udacity's "2-layer network": input → hidden → output.
- `deep_net` — any stack of hidden layers; the default is Hung-yi Lee's Keras
  example (784 → 500 sigmoid → 500 sigmoid → softmax 10).
- `cnn` — CS231n's pattern `INPUT → [[CONV]×N → POOL?]×M → [FC]×K`.

Shared conventions:

- Layers are named predictably, and alike in every builder, so lessons can
  fetch them with `model.get_layer(name)`: hidden dense layers are
  `"hidden_1"`, `"hidden_2"`, …, each followed by `"dropout_k"` when it has
  dropout (with `deep_net(..., batch_norm=True)`, by `"batch_norm_k"` and
  `"activation_k"` first); `cnn` adds `"conv_m_n"` and `"pool_m"` before them; the last layer
  is `"output"`.
- `num_classes=1` gives one sigmoid unit (Ng's binary classifier);
  `num_classes >= 2` a softmax layer. Under a mixed-precision policy the output
  layer computes in float32, as Keras recommends, so softmax and the loss stay
  stable.
- `initializer` is a course name (`"zeros"`, `"large_random"`, `"xavier"`,
  `"he"`) or anything `keras.initializers.get` accepts. Every layer gets its
  own initializer with its own seed derived from `seed` and the layer's name,
  so `seed=0` is reproducible, layers differ, and adding a layer leaves the
  others' initial weights unchanged.
- `regularizer` (e.g. `dlcourse.regularizers.L2(lambd=0.7, m=211)`) applies
  to kernels only, never biases (Ng).
- Dropout is Ng's inverted dropout (`dlcourse.layers.InvertedDropout`),
  placed only where `keep_prob < 1`. `keep_prob` (the course's name, in every
  builder) is one float for all hidden dense layers or a sequence with one per
  hidden dense layer.
- Arguments are checked before anything is built; a bad one raises a
  `ValueError` that names it, says what is allowed and what was received.
"""

import numbers
import warnings
import zlib
from collections.abc import Sequence

import keras
import numpy as np

# Importing the component modules registers them for Keras serialization, so
# saved models load without `custom_objects`.
from dlcourse import initializers, layers, regularizers  # noqa: F401
from dlcourse._validation import check_float, check_int, invalid_value, is_int

__all__ = ["cnn", "deep_net", "two_layer_net"]

_POOLS = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}


# --------------------------------------------------------------------------
# Argument checks (all run before any layer is created).


def _check_input_shape(input_shape, ranks=None):
    """Return `input_shape` as a tuple of positive ints (an int means `(n,)`)."""
    expected = "a positive integer or a tuple of positive integers"
    if ranks is not None:
        expected = "a tuple of " + " or ".join(str(r) for r in ranks) + " positive integers"
    if is_int(input_shape):
        input_shape = (input_shape,)
    if not isinstance(input_shape, Sequence) or isinstance(input_shape, str):
        raise invalid_value("input_shape", input_shape, expected)
    shape = tuple(input_shape)
    if not shape or (ranks is not None and len(shape) not in ranks):
        raise invalid_value("input_shape", input_shape, expected)
    for dim in shape:
        if not is_int(dim) or dim < 1:
            raise invalid_value("input_shape", input_shape, expected)
    return tuple(int(dim) for dim in shape)


def _check_sizes(value, name, allow_empty=True):
    """Return a tuple of positive ints from an int or a sequence of ints."""
    if is_int(value):
        value = (value,)
    expected = "a positive integer or a sequence of positive integers" + (
        "" if allow_empty else " (at least one)"
    )
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise invalid_value(name, value, expected)
    sizes = tuple(value)
    if not sizes and not allow_empty:
        raise invalid_value(name, value, expected)
    for size in sizes:
        if not is_int(size) or size < 1:
            raise invalid_value(name, value, expected)
    return tuple(int(size) for size in sizes)


def _check_pair(value, name):
    """Return a 2-tuple of positive ints from an int or a pair (kernel/pool sizes)."""
    expected = "a positive integer or a tuple of 2 positive integers"
    if is_int(value):
        value = (value, value)
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise invalid_value(name, value, expected)
    for size in value:
        if not is_int(size) or size < 1:
            raise invalid_value(name, value, expected)
    return tuple(int(size) for size in value)


def _check_activation(activation):
    """Return `activation` unchanged if Keras knows it."""
    try:
        keras.activations.get(activation)
    except (ValueError, TypeError):
        raise invalid_value(
            "activation",
            activation,
            "a Keras activation name such as 'relu', 'sigmoid' or 'tanh', a callable, or None",
        ) from None
    return activation


def _check_initializer(initializer):
    """Return `initializer` unchanged if `dlcourse.initializers.get` accepts it."""
    try:
        initializers.get(initializer)
    except (ValueError, TypeError):
        raise invalid_value(
            "initializer",
            initializer,
            "one of "
            + ", ".join(repr(n) for n in initializers.COURSE_NAMES)
            + " (any case), a Keras initializer name such as 'glorot_uniform', "
            "or an initializer instance",
        ) from None
    return initializer


def _check_regularizer(regularizer):
    """Return a regularizer instance (or None)."""
    try:
        return keras.regularizers.get(regularizer)
    except (ValueError, TypeError):
        raise invalid_value(
            "regularizer",
            regularizer,
            "None, a keras.regularizers.Regularizer instance such as "
            "dlcourse.regularizers.L2(lambd=0.7, m=211), or a Keras "
            "regularizer name",
        ) from None


def _check_keep_prob(keep_prob, name="keep_prob"):
    return check_float(keep_prob, name, low=0, high=1, low_open=True)


def _check_keep_prob_per_layer(keep_prob, n_layers, units_name, name="keep_prob"):
    """One keep_prob per hidden dense layer, from a float or a sequence.

    `units_name` names the argument that sets the number of hidden dense
    layers (`"hidden_units"`, `"dense_units"`), for the error message.
    """
    if isinstance(keep_prob, np.ndarray) and keep_prob.ndim == 1:
        keep_prob = keep_prob.tolist()
    if isinstance(keep_prob, Sequence) and not isinstance(keep_prob, str):
        if len(keep_prob) != n_layers:
            raise invalid_value(
                name,
                keep_prob,
                f"one float or a sequence of {n_layers} floats in (0, 1], "
                f"one per hidden dense layer ({units_name} gives {n_layers})",
            )
        probs = tuple(_check_keep_prob(p, name) for p in keep_prob)
    else:
        try:
            probs = (_check_keep_prob(keep_prob, name),) * n_layers
        except ValueError:
            raise invalid_value(
                name,
                keep_prob,
                "a float in (0, 1] or a sequence of them, one per hidden dense layer",
            ) from None
        if n_layers == 0 and keep_prob < 1:
            raise invalid_value(
                name,
                keep_prob,
                f"1.0 when there are no hidden dense layers ({units_name}=()), "
                "since dropout follows a hidden dense layer",
            )
    return probs


def _deprecated_keep_probs(keep_prob, keep_probs):
    """`deep_net`'s old `keep_probs=` argument, accepted for one release."""
    if keep_probs is None:
        return keep_prob
    warnings.warn(
        "deep_net(keep_probs=...) is deprecated and will be removed in the next "
        "release; use keep_prob=... (the same float or one per hidden layer), as "
        "in two_layer_net and cnn.",
        DeprecationWarning,
        stacklevel=3,
    )
    if not (isinstance(keep_prob, numbers.Real) and keep_prob == 1.0):
        raise invalid_value(
            "keep_probs",
            keep_probs,
            f"to be left out when keep_prob={keep_prob!r} is given (pass only keep_prob)",
        )
    return keep_probs


def _check_seed(seed):
    if seed is None:
        return None
    return check_int(seed, "seed", low=0)


# --------------------------------------------------------------------------
# Building blocks.


def _layer_seed(seed, layer_name):
    """A seed for one layer, derived from the model seed and the layer's name."""
    if seed is None:
        return None
    state = np.random.SeedSequence([seed, zlib.crc32(layer_name.encode())])
    return int(state.generate_state(1)[0] % (2**31 - 1))


def _base_seed(seed, initializer):
    """The model seed, else the initializer instance's own integer seed, else None."""
    if seed is not None:
        return seed
    own = getattr(initializer, "seed", None) if not isinstance(initializer, str) else None
    if is_int(own):
        return int(own) % (2**31 - 1)
    return None


def _kernel_initializer(identifier, seed, layer_name):
    """A fresh initializer for one layer, seeded for that layer when it is random."""
    init = initializers.get(identifier)
    if not isinstance(init, keras.initializers.Initializer):
        return init  # a plain function: nothing to seed
    config = init.get_config()
    layer_seed = _layer_seed(seed, layer_name)
    if "seed" in config and layer_seed is not None:
        config["seed"] = layer_seed
    elif isinstance(getattr(init, "seed", None), keras.random.SeedGenerator):
        # A SeedGenerator advances on every call: sharing the instance gives
        # each layer new values, where copies would all start from one state.
        return init
    return init.__class__.from_config(config)


def _output_dtype():
    """float32 output under a mixed policy (stable softmax/loss); else the policy's."""
    policy = keras.config.dtype_policy()
    if policy.compute_dtype != policy.variable_dtype:
        return policy.variable_dtype
    return None


def _output_layer(num_classes, initializer, regularizer, seed):
    units = 1 if num_classes == 1 else num_classes
    return keras.layers.Dense(
        units,
        activation="sigmoid" if num_classes == 1 else "softmax",
        kernel_initializer=_kernel_initializer(initializer, seed, "output"),
        kernel_regularizer=regularizer,
        dtype=_output_dtype(),
        name="output",
    )


def _dense(units, activation, initializer, regularizer, seed, name, use_bias=True):
    return keras.layers.Dense(
        units,
        activation=activation,
        use_bias=use_bias,
        kernel_initializer=_kernel_initializer(initializer, seed, name),
        kernel_regularizer=regularizer,
        name=name,
    )


def _dropout(keep_prob, seed, name):
    return layers.InvertedDropout(keep_prob, seed=_layer_seed(seed, name), name=name)


def _dense_net(
    input_shape,
    hidden_units,
    num_classes,
    activation,
    initializer,
    regularizer,
    keep_prob,
    seed,
    name,
    batch_norm=False,
):
    """input → [Flatten] → hidden dense layers → output (already validated)."""
    inputs = keras.Input(shape=input_shape)
    x = inputs
    if len(input_shape) > 1:
        x = keras.layers.Flatten(name="flatten")(x)
    x = _hidden_layers(
        x, hidden_units, activation, initializer, regularizer, keep_prob, seed, batch_norm
    )
    outputs = _output_layer(num_classes, initializer, regularizer, seed)(x)
    return keras.Model(inputs, outputs, name=name)


def _hidden_layers(
    x, units, activation, initializer, regularizer, keep_prob, seed, batch_norm=False
):
    """`[hidden_k → dropout_k?]` for each size in `units`; `keep_prob` has one per layer.

    With `batch_norm`, Ng's order: `hidden_k` (no bias, no activation) →
    `batch_norm_k` → `activation_k` → `dropout_k?`.
    """
    for k, (n_units, layer_keep_prob) in enumerate(zip(units, keep_prob), start=1):
        if batch_norm:
            x = _dense(n_units, None, initializer, regularizer, seed, f"hidden_{k}", False)(x)
            x = keras.layers.BatchNormalization(name=f"batch_norm_{k}")(x)
            x = keras.layers.Activation(activation, name=f"activation_{k}")(x)
        else:
            x = _dense(n_units, activation, initializer, regularizer, seed, f"hidden_{k}")(x)
        if layer_keep_prob < 1:
            x = _dropout(layer_keep_prob, seed, f"dropout_{k}")(x)
    return x


# --------------------------------------------------------------------------
# Public builders.


def two_layer_net(
    input_shape,
    hidden_units,
    num_classes,
    *,
    activation="relu",
    initializer="he",
    regularizer=None,
    keep_prob=1.0,
    seed=None,
    name="two_layer_net",
):
    """Udacity's "2-layer network": input → hidden (ReLU) → softmax/sigmoid.

    `input → hidden_1 → [dropout_1] → output`. One hidden layer of ReLUs is
    enough to solve XOR (lesson 1), and in Hung-yi Lee's piecewise-linear view
    each hidden unit adds one "piece" to the function the net draws (lesson 2).
    Inputs of rank > 1 are flattened first (layer `"flatten"`).

    Args:
        input_shape: Features per example: an int `n_x` or a tuple such as
            `(8, 8)` (flattened).
        hidden_units: Number of hidden units `n[1]`, a positive int.
        num_classes: Positive int. `1` gives one sigmoid unit (binary,
            Ng-style, use `binary_crossentropy`); `>= 2` a softmax layer.
        activation: Hidden-layer activation: a Keras activation name or
            callable. Default `"relu"`.
        initializer: Kernel initializer for every layer: `"zeros"`,
            `"large_random"`, `"xavier"`, `"he"` (default) or any Keras
            initializer identifier or instance. Biases start at zero.
        regularizer: `None` or a regularizer for the kernels (not the
            biases), e.g. `dlcourse.regularizers.L2(lambd=0.7, m=211)`.
        keep_prob: Ng's `keep_prob`, the probability of keeping a hidden
            unit, in `(0, 1]` (or a sequence of one such float, as in
            `deep_net`); below 1 adds an `InvertedDropout` layer `"dropout_1"`
            after the hidden layer.
        seed: Optional non-negative int; makes initial weights (and the
            dropout masks) reproducible. Each layer gets its own seed.
        name: Model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> model = two_layer_net(2, hidden_units=8, num_classes=1, seed=0)
    >>> [layer.name for layer in model.layers[1:]]
    ['hidden_1', 'output']
    >>> model.compile(optimizer="adam", loss="binary_crossentropy")

    Reference:
        Udacity, *Deep Learning* (Google), lesson 2 "2-layer neural network";
        Hung-yi Lee, *Machine Learning*, "Why deep?".
    """
    input_shape = _check_input_shape(input_shape)
    hidden_units = check_int(hidden_units, "hidden_units", low=1)
    num_classes = check_int(num_classes, "num_classes", low=1)
    activation = _check_activation(activation)
    initializer = _check_initializer(initializer)
    regularizer = _check_regularizer(regularizer)
    keep_prob = _check_keep_prob_per_layer(keep_prob, 1, "hidden_units")
    seed = _base_seed(_check_seed(seed), initializer)
    return _dense_net(
        input_shape,
        (hidden_units,),
        num_classes,
        activation,
        initializer,
        regularizer,
        keep_prob,
        seed,
        name,
    )


def deep_net(
    input_shape,
    hidden_units=(500, 500),
    num_classes=10,
    *,
    activation="sigmoid",
    initializer="xavier",
    regularizer=None,
    keep_prob=1.0,
    batch_norm=False,
    seed=None,
    name="deep_net",
    keep_probs=None,
):
    """A fully connected net with any stack of hidden layers.

    `input → [hidden_i → dropout_i?] × L → output`. The defaults reproduce
    Hung-yi Lee's Keras example: with `input_shape=(784,)` (or `(28, 28)`,
    flattened) it is 784 → 500 sigmoid → 500 sigmoid → softmax 10. With
    `hidden_units=()` it is logistic (`num_classes=1`) or softmax regression —
    the model that underfits in lesson 10.

    Args:
        input_shape: Features per example: an int or a tuple (inputs of rank
            > 1 are flattened by a `"flatten"` layer).
        hidden_units: Hidden layer sizes `(n[1], …, n[L])`: a sequence of
            positive ints (an int means one hidden layer; `()` none).
        num_classes: Positive int; `1` → one sigmoid unit, `>= 2` → softmax.
        activation: Hidden-layer activation name or callable (default
            `"sigmoid"`, as in Lee's example).
        initializer: Kernel initializer: `"zeros"`, `"large_random"`,
            `"xavier"` (default, Ng's `Var(w) = 1/n[l-1]`), `"he"` or any Keras
            initializer identifier or instance.
        regularizer: `None` or a kernel regularizer such as
            `dlcourse.regularizers.L2(lambd, m)` or `L1(lambd, m)`; biases are
            never regularized.
        keep_prob: Ng's per-layer `keep_prob`: one float in `(0, 1]` for all
            hidden layers or a sequence with one per hidden layer. An
            `InvertedDropout` layer `"dropout_i"` follows `"hidden_i"` exactly
            when its keep_prob is below 1.
        batch_norm: `True` adds batch normalization to every hidden layer, in
            Ng's order: `"hidden_i"` is a `Dense` layer without bias or
            activation (batch norm's `β` replaces the bias), then
            `"batch_norm_i"` (`keras.layers.BatchNormalization`), then
            `"activation_i"`, then the dropout layer if any. Default `False`.
        seed: Optional non-negative int for reproducible weights and masks.
        name: Model name.
        keep_probs: Deprecated spelling of `keep_prob`, accepted for one
            release with a `DeprecationWarning`.

    Returns:
        An uncompiled functional `keras.Model`.

    Raises:
        ValueError: for a bad argument, including a `keep_prob` sequence
            whose length is not `len(hidden_units)`, or both `keep_prob` and
            the deprecated `keep_probs`.

    Example:

    >>> model = deep_net(784)   # Lee's 500-500 sigmoid net
    >>> [layer.name for layer in model.layers[1:]]
    ['hidden_1', 'hidden_2', 'output']
    >>> model = deep_net((8, 8), (64, 32), keep_prob=(0.8, 1.0), seed=0)
    >>> model.get_layer("dropout_1").keep_prob
    0.8
    >>> model = deep_net(2, (4,), 1, batch_norm=True)   # Ng's order
    >>> [layer.name for layer in model.layers[1:]]
    ['hidden_1', 'batch_norm_1', 'activation_1', 'output']

    Reference:
        Hung-yi Lee, *Machine Learning*, "Keras" (the three steps: define a
        function set, goodness of function, pick the best function).
    """
    input_shape = _check_input_shape(input_shape)
    hidden_units = _check_sizes(hidden_units, "hidden_units")
    num_classes = check_int(num_classes, "num_classes", low=1)
    activation = _check_activation(activation)
    initializer = _check_initializer(initializer)
    regularizer = _check_regularizer(regularizer)
    if keep_probs is not None:
        keep_prob = _check_keep_prob_per_layer(
            _deprecated_keep_probs(keep_prob, keep_probs),
            len(hidden_units),
            "hidden_units",
            name="keep_probs",
        )
    else:
        keep_prob = _check_keep_prob_per_layer(keep_prob, len(hidden_units), "hidden_units")
    if not isinstance(batch_norm, (bool, np.bool_)):
        raise invalid_value("batch_norm", batch_norm, "True or False")
    seed = _base_seed(_check_seed(seed), initializer)
    return _dense_net(
        input_shape,
        hidden_units,
        num_classes,
        activation,
        initializer,
        regularizer,
        keep_prob,
        seed,
        name,
        batch_norm=bool(batch_norm),
    )


def cnn(
    input_shape,
    num_classes,
    *,
    filters=(3, 5),
    convs_per_block=1,
    kernel_size=3,
    pool="max",
    pool_size=2,
    dense_units=(32,),
    activation="relu",
    initializer="he",
    regularizer=None,
    keep_prob=1.0,
    seed=None,
    name="cnn",
):
    """A convolutional net: `INPUT → [[CONV]×N → POOL?]×M → [FC]×K`.

    CS231n's pattern, with `N = convs_per_block`, `M = len(filters)` and
    `K = len(dense_units) + 1` (the output layer counts). The defaults give
    the course figure: N=1, M=2, K=2, with 3 filters in the first conv layer
    (3 feature maps) and 5 in the second.

    Layers: an optional `"add_channel"` Reshape (a 2-D `(h, w)` input such as
    the 8×8 digits gets a channel axis), `"conv_m_n"` (block m, conv n;
    `padding="same"`, so only pooling shrinks the maps), `"pool_m"`,
    `"flatten"`, the hidden dense layers `"hidden_k"` (named as in the dense
    builders) with `"dropout_k"` after one whose keep_prob is below 1, and
    `"output"`. Images are channels-last.

    Args:
        input_shape: `(h, w)` or `(h, w, channels)`.
        num_classes: Positive int; `1` → one sigmoid unit, `>= 2` → softmax.
        filters: Filters per conv block, one positive int per block (M of
            them); every conv layer in block m has `filters[m]` filters.
        convs_per_block: N, conv layers before each pooling layer.
        kernel_size: Conv kernel size, an int or `(kh, kw)`.
        pool: `"max"` (default), `"avg"` or `None` (no pooling).
        pool_size: Pooling window and stride, an int or `(ph, pw)`.
        dense_units: Sizes of the hidden fully connected layers (K - 1 of
            them; `()` goes straight from the feature maps to the output).
        activation: Activation of every conv and hidden dense layer.
        initializer: Kernel initializer: `"zeros"`, `"large_random"`,
            `"xavier"`, `"he"` (default) or any Keras initializer.
        regularizer: `None` or a kernel regularizer (conv and dense kernels;
            never biases).
        keep_prob: Ng's `keep_prob` for the hidden dense layers: one float in
            `(0, 1]` for all of them or a sequence with one per dense layer;
            an `InvertedDropout` `"dropout_k"` follows `"hidden_k"` when its
            keep_prob is below 1 (so below 1 needs `dense_units`).
        seed: Optional non-negative int for reproducible weights and masks.
        name: Model name.

    Returns:
        An uncompiled functional `keras.Model`.

    Example:

    >>> model = cnn((8, 8), num_classes=10, seed=0)   # the course figure
    >>> [layer.name for layer in model.layers[1:]]
    ['add_channel', 'conv_1_1', 'pool_1', 'conv_2_1', 'pool_2', 'flatten', 'hidden_1', 'output']
    >>> model.get_layer("conv_2_1").filters
    5

    Reference:
        CS231n, "Convolutional Neural Networks: Architectures"
        (https://cs231n.github.io/convolutional-networks/#architectures);
        Hung-yi Lee, *Machine Learning*, "CNN".
    """
    input_shape = _check_input_shape(input_shape, ranks=(2, 3))
    num_classes = check_int(num_classes, "num_classes", low=1)
    filters = _check_sizes(filters, "filters")
    convs_per_block = check_int(convs_per_block, "convs_per_block", low=1)
    kernel_size = _check_pair(kernel_size, "kernel_size")
    if pool is not None and (not isinstance(pool, str) or pool not in _POOLS):
        raise invalid_value("pool", pool, "'max', 'avg' or None")
    pool_size = _check_pair(pool_size, "pool_size")
    dense_units = _check_sizes(dense_units, "dense_units")
    activation = _check_activation(activation)
    initializer = _check_initializer(initializer)
    regularizer = _check_regularizer(regularizer)
    keep_prob = _check_keep_prob_per_layer(keep_prob, len(dense_units), "dense_units")
    seed = _base_seed(_check_seed(seed), initializer)

    # Each "valid" pooling divides the map by pool_size (rounding down).
    height, width = input_shape[:2]
    if pool is not None:
        for _ in filters:
            height, width = height // pool_size[0], width // pool_size[1]
        if height < 1 or width < 1:
            raise invalid_value(
                "filters",
                filters,
                f"at most as many pooled blocks as a {input_shape[:2]} input "
                f"allows with pool_size={pool_size} (the feature maps would "
                f"shrink to {max(height, 0)}x{max(width, 0)}); use fewer "
                "blocks, a smaller pool_size or pool=None",
            )

    inputs = keras.Input(shape=input_shape)
    x = inputs
    if len(input_shape) == 2:
        x = keras.layers.Reshape((*input_shape, 1), name="add_channel")(x)
    for m, n_filters in enumerate(filters, start=1):
        for n in range(1, convs_per_block + 1):
            conv_name = f"conv_{m}_{n}"
            x = keras.layers.Conv2D(
                n_filters,
                kernel_size,
                padding="same",
                activation=activation,
                kernel_initializer=_kernel_initializer(initializer, seed, conv_name),
                kernel_regularizer=regularizer,
                data_format="channels_last",
                name=conv_name,
            )(x)
        if pool is not None:
            x = _POOLS[pool](pool_size=pool_size, data_format="channels_last", name=f"pool_{m}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = _hidden_layers(x, dense_units, activation, initializer, regularizer, keep_prob, seed)
    outputs = _output_layer(num_classes, initializer, regularizer, seed)(x)
    return keras.Model(inputs, outputs, name=name)
