"""Checks of the Keras exercises: an L2 regularizer (λ/2m), inverted dropout, He's initializer.

References: `dlcourse.L2` (equal to `keras.regularizers.L2(λ / 2m)`), and what holds
for any correct dropout layer or He initializer however it draws its numbers
(`keras.random` with a `SeedGenerator`, any distribution): identity at inference, a
share `keep_prob` of units kept and scaled by `1/keep_prob` in training; weights of
variance `2 / fan_in` with Keras's kernel shape `(fan_in, fan_out)`.
"""

from __future__ import annotations

import keras
import numpy as np

from dlcourse import regularizers
from dlcourse.exercises._core import register, show

NOTEBOOK = "05_keras_components"


def _subclass(t, base, name):
    """The learner's class, once it is a subclass of `base` (Keras's public `name`)."""
    t.step(f"is a {name}")
    if not (isinstance(t.function, type) and issubclass(t.function, base)):
        t.fail("the class", expected=f"a subclass of {name}", received=show(t.function))
    return t.function


def _instance(t, cls, *args, what, **kwargs):
    try:
        return cls(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's constructor failed
        t.fail(f"{what}", expected="an instance", received=f"{type(error).__name__}: {error}")


def _round_trip(t, obj, attributes):
    t.step("get_config() holds the arguments and from_config rebuilds the object")
    try:
        config = obj.get_config()
        clone = type(obj).from_config(config)
    except NotImplementedError:
        raise
    except Exception as error:
        t.fail(
            "get_config / from_config",
            expected="a config that rebuilds the object",
            received=f"{type(error).__name__}: {error}",
            mistake="return {**super().get_config(), 'keep_prob': self.keep_prob, ...} "
            "(regularizers: a dict of the __init__ arguments)",
        )
    for name, value in attributes.items():
        if config.get(name) != value or getattr(clone, name, None) != value:
            t.fail(
                f"the config's `{name}`",
                expected=repr(value),
                received=repr(config.get(name)),
                mistake=f"get_config must return `{name}` so from_config rebuilds it",
            )


def _l2_mistakes(lambd, m, weights):
    """Known wrong penalties of `weights`, as `(message, function of nothing)` pairs."""
    squares = float(np.sum(np.square(weights.astype(np.float64))))
    absolute = float(np.sum(np.abs(weights.astype(np.float64))))
    return (
        ("looks like λ/m instead of λ/2m", lambda: lambd / m * squares),
        ("looks like λ/2 without the m", lambda: lambd / 2 * squares),
        ("looks like λ Σ W²: the coefficient is λ/(2m)", lambda: lambd * squares),
        ("looks like Σ|W| (L1) instead of Σ W²", lambda: lambd / (2 * m) * absolute),
        ("looks like the norm ||W||, not its square", lambda: lambd / (2 * m) * squares**0.5),
    )


@register(
    "L2Regularizer",
    notebook=NOTEBOOK,
    arguments=("lambd", "m"),
    formula="penalty(W) = (λ / 2m) · Σ W²   (= keras.regularizers.L2(λ / (2m)))",
    lessons=((11, "L2 regularization (weight decay)"),),
    hints=(
        "Subclass keras.regularizers.Regularizer; __call__(weights) returns the L2 term of one "
        "weight matrix.",
        "The course's term is λ/(2m) times the sum of the squared weights; keras.ops.sum and "
        "keras.ops.square do it on any backend.",
        "return self.lambd / (2 * self.m) * keras.ops.sum(keras.ops.square(weights))",
    ),
    kind="class",
)
def check_l2_regularizer(t):
    cls = _subclass(t, keras.regularizers.Regularizer, "keras.regularizers.Regularizer")
    weights = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    for lambd, m in ((0.7, 211), (0.1, 10)):
        case = f"lambd = {lambd}, m = {m}, a 4 × 3 weight matrix"
        t.step(f"the penalty equals (λ/2m) Σ W² (lambd {lambd}, m {m})", case=case)
        regularizer = _instance(t, cls, lambd, m, what="L2Regularizer(lambd, m)")
        try:
            received = float(
                keras.ops.convert_to_numpy(regularizer(keras.ops.convert_to_tensor(weights)))
            )
        except NotImplementedError:
            raise
        except Exception as error:
            t.fail(
                "calling the regularizer",
                expected="a number",
                received=f"{type(error).__name__}: {error}",
            )
        expected = float(keras.ops.convert_to_numpy(regularizers.L2(lambd, m)(weights)))
        t.expect_close(
            received,
            expected,
            "the penalty",
            rtol=1e-5,
            mistakes=_l2_mistakes(lambd, m, weights),
            inputs=(),
            case=case,
        )
    _round_trip(
        t, _instance(t, cls, 0.7, 211, what="L2Regularizer(0.7, 211)"), {"lambd": 0.7, "m": 211}
    )


def _layer_output(t, layer, x, training):
    try:
        return keras.ops.convert_to_numpy(layer(x, training=training))
    except NotImplementedError:
        raise
    except Exception as error:
        t.fail(
            f"calling the layer with training={training}",
            expected="an output like x",
            received=f"{type(error).__name__}: {error}",
        )


@register(
    "InvertedDropout",
    notebook=NOTEBOOK,
    arguments=("keep_prob",),
    formula="training: d = rand < keep_prob, a = a · d / keep_prob;  inference: a unchanged",
    lessons=((13, "Dropout"),),
    hints=(
        "Subclass keras.layers.Layer; call(inputs, training=False) drops units only when "
        "training is True.",
        "Draw the mask with keras.random.uniform(shape, seed=self.seed_generator) < keep_prob "
        "and divide the kept units by keep_prob.",
        "mask = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) < "
        "self.keep_prob; return keras.ops.where(mask, inputs / self.keep_prob, 0.0)",
    ),
    kind="class",
)
def check_inverted_dropout(t):
    cls = _subclass(t, keras.layers.Layer, "keras.layers.Layer")
    x = np.abs(np.random.default_rng(0).normal(size=(200, 100))).astype("float32") + 0.5
    for keep_prob in (0.8, 0.5):
        layer = _instance(t, cls, keep_prob, what=f"InvertedDropout({keep_prob})")
        case = f"keep_prob = {keep_prob}, x of shape (200, 100), every entry > 0"
        t.step(f"does nothing at inference (keep_prob {keep_prob})", case=case)
        out = _layer_output(t, layer, x, training=False)
        if not np.allclose(out, x, rtol=1e-6):
            mistake = None
            if np.allclose(out, x * keep_prob) or np.allclose(out, x / keep_prob):
                mistake = (
                    "inference scales the activations: inverted dropout already scaled "
                    "them in training, so at test time do nothing"
                )
            elif np.mean(out == 0) > 0.05:
                mistake = "units are dropped at inference: drop only when training is True"
            t.difference(out, x, "the output with training=False (x unchanged)", mistake=mistake)
        t.step(f"keeps about keep_prob = {keep_prob} of the units in training", case=case)
        out = _layer_output(t, layer, x, training=True)
        kept = float(np.mean(out != 0))
        tolerance = 6 * np.sqrt(keep_prob * (1 - keep_prob) / x.size)
        if abs(kept - keep_prob) > tolerance:
            mistake = None
            if abs(kept - (1 - keep_prob)) <= tolerance:
                mistake = "the layer keeps 1 − keep_prob of the units: keep where rand < keep_prob"
            elif kept == 1.0:
                mistake = "nothing is dropped in training: use the `training` argument of call"
            t.fail(
                "the share of units kept",
                expected=f"≈ {keep_prob}",
                received=f"{kept:.3f}",
                mistake=mistake,
            )
        t.step(f"kept units are divided by keep_prob = {keep_prob}", case=case)
        kept_mask = out != 0
        if not np.allclose(out[kept_mask], x[kept_mask] / keep_prob, rtol=1e-5):
            mistake = None
            if np.allclose(out[kept_mask], x[kept_mask]):
                mistake = "the kept units are not divided by keep_prob (that is inverted dropout)"
            elif np.allclose(out[kept_mask], x[kept_mask] * keep_prob):
                mistake = "multiplied by keep_prob instead of dividing by it"
            t.difference(out[kept_mask], x[kept_mask] / keep_prob, "the kept units (x / keep_prob)",
                         mistake=mistake, rtol=1e-5)  # fmt: skip
    t.step("two training calls draw different masks", case="keep_prob = 0.5")
    layer = _instance(t, cls, 0.5, what="InvertedDropout(0.5)")
    first, second = (_layer_output(t, layer, x, training=True) != 0 for _ in range(2))
    if np.array_equal(first, second):
        t.fail(
            "two masks",
            expected="different",
            received="the same mask",
            mistake="the mask is the same on every call: draw it in call with a "
            "keras.random.SeedGenerator made in __init__ (an int seed, or a mask drawn once "
            "in __init__, repeats it)",
        )
    _round_trip(t, _instance(t, cls, 0.8, what="InvertedDropout(0.8)"), {"keep_prob": 0.8})


@register(
    "HeInitializer",
    notebook=NOTEBOOK,
    arguments=("seed",),
    formula="W = randn(fan_in, fan_out) · √(2 / fan_in)   (Keras kernels are (fan_in, fan_out))",
    lessons=((18, "Weight initialization"),),
    hints=(
        "Subclass keras.initializers.Initializer; __call__(shape, dtype=None) returns "
        "a tensor of that shape.",
        "A Keras Dense kernel has shape (fan_in, fan_out): the variance is 2 / shape[0]; "
        "draw with keras.random.normal(shape, stddev=..., seed=self.seed).",
        "return keras.random.normal(shape, stddev=(2 / shape[0]) ** 0.5, dtype=dtype, "
        "seed=self.seed)",
    ),
    kind="class",
)
def check_he_initializer(t):
    cls = _subclass(t, keras.initializers.Initializer, "keras.initializers.Initializer")
    for shape in ((400, 100), (50, 800)):
        fan_in, fan_out = shape
        t.step(
            f"the sample variance of a {shape} kernel ≈ 2 / fan_in = {2 / fan_in:.4g}",
            case=f"shape {shape}: fan_in = {fan_in}, fan_out = {fan_out}",
        )
        initializer = _instance(t, cls, seed=1, what="HeInitializer(seed=1)")
        try:
            w = keras.ops.convert_to_numpy(initializer(shape, dtype="float32"))
        except NotImplementedError:
            raise
        except Exception as error:
            t.fail(
                f"initializer({shape}, dtype='float32')",
                expected="a tensor",
                received=f"{type(error).__name__}: {error}",
            )
        t.expect_shape(w, shape, "the kernel")
        got, want = float(np.var(w)), 2 / fan_in
        if abs(got / want - 1) > 0.1:
            mistake = None
            for message, value in (
                (
                    "looks like 2 / fan_out: a Keras kernel is (fan_in, fan_out), "
                    "fan_in = shape[0]",
                    2 / fan_out,
                ),
                ("looks like 1 / fan_in (Xavier/LeCun) instead of 2 / fan_in", 1 / fan_in),
                ("looks like Glorot's 2 / (fan_in + fan_out)", 2 / (fan_in + fan_out)),
                ("looks like the variance used as the standard deviation", (2 / fan_in) ** 2),
                ("looks like a standard normal, unscaled", 1.0),
            ):
                if abs(got / value - 1) <= 0.1:
                    mistake = message
                    break
            t.fail("the variance", expected=f"{want:.4g}", received=f"{got:.4g}", mistake=mistake)
    t.step("the same seed gives the same weights")
    a = keras.ops.convert_to_numpy(
        _instance(t, cls, seed=3, what="HeInitializer(seed=3)")((20, 10))
    )
    b = keras.ops.convert_to_numpy(
        _instance(t, cls, seed=3, what="HeInitializer(seed=3)")((20, 10))
    )
    if not np.array_equal(a, b):
        t.fail(
            "two initializers with seed=3",
            expected="the same weights",
            received="different weights",
            mistake="pass seed=self.seed to keras.random",
        )
    _round_trip(t, _instance(t, cls, seed=3, what="HeInitializer(seed=3)"), {"seed": 3})
