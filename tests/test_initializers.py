"""Xavier, He and LargeRandom: sample statistics, Keras built-ins, seeds, config."""

import math

import keras
import numpy as np
import pytest
from keras import ops

from dlcourse import backend, initializers
from dlcourse.initializers import He, LargeRandom, Xavier, compute_fans
from keras_checks import (
    check_config_roundtrip,
    check_jit_fit,
    check_save_load,
    dtype_policy,
)

N_IN, N_OUT = 400, 500  # 200k samples: sample std within ~0.3% of the truth


def _sample(init, shape=(N_IN, N_OUT)):
    return ops.convert_to_numpy(init(shape)).astype("float64")


def test_compute_fans_matches_keras_conventions():
    assert compute_fans((7,)) == (7, 7)
    assert compute_fans((4, 3)) == (4, 3)
    assert compute_fans((3, 3, 16, 32)) == (3 * 3 * 16, 3 * 3 * 32)
    assert compute_fans((5, 8, 2)) == (5 * 8, 5 * 2)  # Conv1D kernel
    assert compute_fans(()) == (1, 1)


def _flavours():
    """(initializer, the variance the course formula gives for (N_IN, N_OUT))."""
    return [
        (Xavier(seed=1), 1 / N_IN),
        (Xavier(scale=3.0, seed=1), 3 / N_IN),
        (Xavier(mode="fan_avg", seed=1), 2 / (N_IN + N_OUT)),
        (Xavier(distribution="uniform", seed=1), 1 / N_IN),
        (Xavier(distribution="uniform", mode="fan_avg", scale=0.5, seed=1), 1 / (N_IN + N_OUT)),
        (He(seed=1), 2 / N_IN),
        (He(scale=0.5, seed=1), 1 / N_IN),
        (He(distribution="uniform", seed=1), 2 / N_IN),
        (LargeRandom(seed=1), 100.0),
        (LargeRandom(scale=2.0, seed=1), 4.0),
    ]


def test_initializer_sample_std_matches_course_formula():
    for init, variance in _flavours():
        where = f"{type(init).__name__}{init.get_config()}"
        w = _sample(init)
        std = math.sqrt(variance)
        assert abs(w.mean()) < 0.01 * std, where
        assert w.std() == pytest.approx(std, rel=0.02), where
        if getattr(init, "distribution", "normal") == "uniform":
            limit = math.sqrt(3 * variance)
            assert np.abs(w).max() <= limit * (1 + 1e-6), where
            assert np.abs(w).max() > 0.99 * limit, where  # it fills the interval
        else:  # plain normal: ~4.55% beyond 2 std, unlike a truncated normal
            tails = np.mean(np.abs(w) > 2 * std)
            assert tails == pytest.approx(0.0455, abs=0.005), where


def test_initializer_uses_conv_fan_in():
    shape = (3, 3, 16, 32)  # fan_in = 144
    w = _sample(He(seed=1), shape)
    assert w.std() == pytest.approx(math.sqrt(2 / 144), rel=0.02)
    w = _sample(Xavier(seed=1), shape)
    assert w.std() == pytest.approx(math.sqrt(1 / 144), rel=0.02)


def test_he_normal_shares_variance_with_keras_he_normal_but_not_tails():
    ours = _sample(He(seed=1))
    theirs = _sample(keras.initializers.HeNormal(seed=1))
    for w in (ours, theirs):
        assert w.var() == pytest.approx(2 / N_IN, rel=0.02)
    std = math.sqrt(2 / N_IN)
    keras_bound = 2 * std / 0.87962566103423978  # truncated at 2 * its own stddev
    assert np.abs(theirs).max() <= keras_bound * (1 + 1e-6)
    assert np.abs(ours).max() > keras_bound  # the plain normal has tails


def test_xavier_fan_avg_uniform_matches_glorot_uniform():
    limit = math.sqrt(6 / (N_IN + N_OUT))
    ours = _sample(Xavier(distribution="uniform", mode="fan_avg", seed=2))
    theirs = _sample(keras.initializers.GlorotUniform(seed=2))
    for w in (ours, theirs):
        assert np.abs(w).max() <= limit * (1 + 1e-6)
        assert np.abs(w).max() > 0.999 * limit
        assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)


def test_keras_equivalents_give_identical_values_for_the_same_seed():
    # Same distribution, same parameters, same seed → same numbers.
    pairs = [
        (He(distribution="uniform", seed=3), keras.initializers.HeUniform(seed=3)),
        (
            Xavier(distribution="uniform", mode="fan_avg", seed=3),
            keras.initializers.GlorotUniform(seed=3),
        ),
        (
            Xavier(scale=2.0, seed=3),
            keras.initializers.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=3),
        ),
    ]
    for ours, theirs in pairs:
        expected = _sample(theirs, (30, 20))
        np.testing.assert_allclose(_sample(ours, (30, 20)), expected, rtol=1e-6)


def test_initializer_seed_semantics_follow_keras():
    shape = (20, 10)
    # An int seed: the same values on every call and for every instance.
    a = He(seed=5)
    np.testing.assert_array_equal(_sample(a, shape), _sample(a, shape))
    np.testing.assert_array_equal(_sample(a, shape), _sample(He(seed=5), shape))
    assert not np.array_equal(_sample(a, shape), _sample(He(seed=6), shape))
    # A SeedGenerator: new values on each call, reproducible from its seed.
    g = He(seed=keras.random.SeedGenerator(5))
    first, second = _sample(g, shape), _sample(g, shape)
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(_sample(He(seed=keras.random.SeedGenerator(5)), shape), first)
    # seed=None: an int is drawn at construction, governed by set_random_seed.
    keras.utils.set_random_seed(11)
    b = _sample(Xavier(), shape)
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(_sample(Xavier(), shape), b)


def test_initializer_dtype():
    for dtype in ["float16", "float32", "float64"]:
        with backend.float64():  # float64 is float64 on JAX only in its 64-bit mode
            values = ops.convert_to_numpy(He(seed=0)((3, 4), dtype=dtype))
        assert values.dtype == np.dtype(dtype)


def test_initializer_rejects_bad_arguments():
    cases = [
        (lambda: Xavier(distribution="truncated_normal"), "distribution"),
        (lambda: Xavier(mode="fan_out"), "mode"),
        (lambda: Xavier(scale=0), "scale"),
        (lambda: Xavier(scale=-1.0), "scale"),
        (lambda: He(scale=float("inf")), "scale"),
        (lambda: He(distribution="Normal"), "distribution"),
        (lambda: He(seed="1"), "seed"),
        (lambda: He(seed=1.5), "seed"),
        (lambda: LargeRandom(scale=0), "scale"),
    ]
    for make, name in cases:
        pattern = rf"Invalid value for `{name}`: expected .* received {name}="
        with pytest.raises(ValueError, match=pattern):
            make()


def test_get_maps_course_names():
    assert isinstance(initializers.get("zeros"), keras.initializers.Zeros)
    assert isinstance(initializers.get("Large_Random"), LargeRandom)
    assert initializers.get("large_random").scale == 10.0
    xavier = initializers.get("XAVIER")
    assert isinstance(xavier, Xavier)
    assert (xavier.distribution, xavier.mode, xavier.scale) == ("normal", "fan_in", 1.0)
    he = initializers.get("he")
    assert isinstance(he, He) and he.distribution == "normal"
    # Everything else goes to Keras.
    assert isinstance(initializers.get("glorot_uniform"), keras.initializers.GlorotUniform)
    assert initializers.get(he) is he
    assert initializers.get(None) is None
    pattern = r"Invalid value for `identifier`.*'large_random'.*received identifier='kaiming'"
    with pytest.raises(ValueError, match=pattern):
        initializers.get("kaiming")


@pytest.mark.parametrize(
    "init",
    [
        Xavier(distribution="uniform", mode="fan_avg", scale=2.0, seed=3),
        He(seed=keras.random.SeedGenerator(4)),
        He(),
        LargeRandom(scale=5.0, seed=1),
    ],
)
def test_initializer_config_roundtrip(init):
    restored = check_config_roundtrip(init)
    if isinstance(init.seed, int) and init.get_config()["seed"] is not None:
        np.testing.assert_array_equal(_sample(restored, (5, 4)), _sample(init, (5, 4)))


def _model():
    return keras.Sequential(
        [
            keras.Input((6,)),
            keras.layers.Dense(16, activation="relu", kernel_initializer=He(seed=1)),
            keras.layers.Dense(8, activation="tanh", kernel_initializer=Xavier(seed=2)),
            keras.layers.Dense(1, kernel_initializer=LargeRandom(scale=0.1, seed=3)),
        ]
    )


def test_initializers_in_model_fit_jit_save_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype("float32")
    y = x[:, :1] ** 2
    model = _model()
    check_jit_fit(model, x, y)
    loaded = check_save_load(model, x, tmp_path)
    assert isinstance(loaded.layers[0].kernel_initializer, He)
    assert isinstance(loaded.layers[1].kernel_initializer, Xavier)


def test_initializers_under_mixed_precision():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 6)).astype("float32")
    with dtype_policy("mixed_float16"):
        model = _model()
        assert model.layers[0].kernel.dtype == "float32"
        check_jit_fit(model, x, x[:, :1])
