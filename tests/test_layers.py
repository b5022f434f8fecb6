"""InvertedDropout and Maxout against NumPy references and Keras built-ins."""

import keras
import numpy as np
import pytest
from keras import ops

from dlcourse.layers import InvertedDropout, Maxout
from dlcourse.regularizers import L2
from keras_checks import (
    check_config_roundtrip,
    check_jit_fit,
    check_save_load,
    dtype_policy,
)


def _numpy(x):
    return ops.convert_to_numpy(x)


# InvertedDropout ---------------------------------------------------------------


def test_inverted_dropout_is_identity_at_inference():
    x = np.random.default_rng(0).normal(size=(8, 16)).astype("float32")
    layer = InvertedDropout(0.5, seed=1)
    np.testing.assert_array_equal(_numpy(layer(x)), x)
    np.testing.assert_array_equal(_numpy(layer(x, training=False)), x)


def test_inverted_dropout_keep_prob_one_is_identity_in_training():
    x = np.random.default_rng(0).normal(size=(8, 16)).astype("float32")
    layer = InvertedDropout(1.0)
    np.testing.assert_array_equal(_numpy(layer(x, training=True)), x)
    assert layer.seed_generator is None  # no random op needed


def test_inverted_dropout_statistics():
    x = np.full((200_000,), 3.0, "float32")
    for keep_prob in [0.5, 0.86]:
        y = _numpy(InvertedDropout(keep_prob, seed=2)(x, training=True))
        kept = y != 0
        assert abs(y.mean() - 3.0) < 0.01 * 3.0  # expected activation unchanged
        assert abs(kept.mean() - keep_prob) < 0.005  # fraction kept ≈ keep_prob
        np.testing.assert_allclose(y[kept], 3.0 / keep_prob, rtol=1e-6)


def test_inverted_dropout_matches_keras_dropout_in_distribution():
    keep_prob = 0.8
    x = np.ones((200_000,), "float32")
    ours = _numpy(InvertedDropout(keep_prob, seed=3)(x, training=True))
    theirs = _numpy(keras.layers.Dropout(rate=1 - keep_prob, seed=3)(x, training=True))
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.005
    np.testing.assert_allclose(np.unique(ours[ours != 0]), 1 / keep_prob, rtol=1e-6)
    np.testing.assert_allclose(np.unique(theirs[theirs != 0]), 1 / keep_prob, rtol=1e-6)


def test_inverted_dropout_draws_a_new_mask_each_call_and_is_reproducible():
    x = np.ones((4, 100), "float32")
    first = InvertedDropout(0.5, seed=7)
    a, b = _numpy(first(x, training=True)), _numpy(first(x, training=True))
    assert not np.array_equal(a, b)
    second = InvertedDropout(0.5, seed=7)
    np.testing.assert_array_equal(_numpy(second(x, training=True)), a)
    np.testing.assert_array_equal(_numpy(second(x, training=True)), b)


def test_inverted_dropout_rejects_bad_keep_prob():
    pattern = r"Invalid value for `keep_prob`: expected a float in \(0, 1\], received"
    for keep_prob in [0, 1.5, -0.1, "a", True, None, float("nan")]:
        with pytest.raises(ValueError, match=pattern):
            InvertedDropout(keep_prob)
    with pytest.raises(ValueError) as info:
        InvertedDropout(1.5)
    assert str(info.value).endswith("received keep_prob=1.5")


def test_inverted_dropout_rejects_bad_seed():
    for seed in [-1, 1.5, "1", True]:
        with pytest.raises(ValueError, match="`seed`"):
            InvertedDropout(0.5, seed=seed)


def test_inverted_dropout_passes_masks_through():
    tokens = np.array([[3, 1, 0, 0], [2, 4, 4, 0]])
    embed = keras.layers.Embedding(5, 3, mask_zero=True)
    mask = embed.compute_mask(tokens)
    passed = InvertedDropout(0.5).compute_mask(embed(tokens), mask)
    np.testing.assert_array_equal(_numpy(passed), tokens != 0)
    # Downstream, a mask-aware average ignores the padding only if the mask got
    # there. Training mode, so the layer returns a new tensor (not its input).
    inputs = keras.Input((4,), dtype="int32")
    dropped = InvertedDropout(0.5, seed=0)(embed(inputs))
    pooled = keras.layers.GlobalAveragePooling1D()(dropped)
    dropped, pooled = map(_numpy, keras.Model(inputs, [dropped, pooled])(tokens, training=True))
    expected = [dropped[i, tokens[i] != 0].mean(axis=0) for i in range(2)]
    np.testing.assert_allclose(pooled, expected, rtol=1e-6)
    assert not np.allclose(pooled, dropped.mean(axis=1))  # the padding would change it


def test_inverted_dropout_output_shape_and_config():
    layer = InvertedDropout(0.8, seed=5, name="drop")
    assert layer.compute_output_shape((None, 3, 7)) == (None, 3, 7)
    restored = check_config_roundtrip(layer)
    assert (restored.keep_prob, restored.seed, restored.name) == (0.8, 5, "drop")


def test_inverted_dropout_mixed_precision_keeps_float16():
    with dtype_policy("mixed_float16"):
        layer = InvertedDropout(0.5, seed=0)
        y = layer(np.ones((4, 1000), "float32"), training=True)
        assert layer.compute_dtype == "float16"
        assert keras.backend.standardize_dtype(y.dtype) == "float16"
        assert set(np.unique(_numpy(y)).tolist()) == {0.0, 2.0}


# Maxout ------------------------------------------------------------------------


def test_maxout_matches_numpy_max_over_pieces():
    rng = np.random.default_rng(0)
    layer = Maxout(units=4, pieces=3)
    x = rng.normal(size=(6, 5)).astype("float32")
    y = _numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (5, 12) and bias.shape == (12,)
    z = (x @ kernel + bias).reshape(6, 4, 3)  # (batch, units, pieces)
    np.testing.assert_allclose(y, z.max(axis=-1), rtol=1e-5, atol=1e-6)
    assert layer.compute_output_shape((None, 5)) == (None, 4)


def test_maxout_works_on_higher_rank_inputs():
    layer = Maxout(units=2, pieces=2)
    x = np.random.default_rng(1).normal(size=(3, 7, 4)).astype("float32")
    y = _numpy(layer(x))
    kernel, bias = layer.get_weights()
    z = (x @ kernel + bias).reshape(3, 7, 2, 2)
    np.testing.assert_allclose(y, z.max(axis=-1), rtol=1e-5, atol=1e-6)


def test_maxout_two_pieces_is_abs_and_relu():
    x = np.linspace(-3, 3, 61, dtype="float32").reshape(-1, 1)
    layer = Maxout(units=1, pieces=2)
    layer.build((None, 1))
    layer.set_weights([np.array([[1.0, -1.0]]), np.zeros(2)])  # pieces (x, -x)
    np.testing.assert_array_equal(_numpy(layer(x)), np.abs(x))
    layer.set_weights([np.array([[2.0, 0.0]]), np.array([0.5, 0.0])])  # (z, 0)
    np.testing.assert_array_equal(_numpy(layer(x)), np.maximum(2 * x + 0.5, 0))


def test_maxout_rejects_bad_arguments():
    for kwargs, name in [
        ({"units": 0}, "units"),
        ({"units": 2.0}, "units"),
        ({"units": True}, "units"),
        ({"units": 3, "pieces": 0}, "pieces"),
        ({"units": 3, "pieces": "2"}, "pieces"),
    ]:
        with pytest.raises(ValueError, match=rf"Invalid value for `{name}`"):
            Maxout(**kwargs)


def test_maxout_config_roundtrip():
    layer = Maxout(3, pieces=4, kernel_initializer="he", kernel_regularizer=L2(0.7, 211))
    restored = check_config_roundtrip(layer)
    assert (restored.units, restored.pieces) == (3, 4)
    assert type(restored.kernel_initializer).__name__ == "He"
    assert restored.kernel_regularizer.get_config() == {"lambd": 0.7, "m": 211}


def test_maxout_regularizer_adds_penalty():
    layer = Maxout(2, pieces=2, kernel_regularizer=L2(1.0, 1))
    layer(np.ones((1, 3), "float32"))
    kernel = layer.get_weights()[0]
    np.testing.assert_allclose(float(layer.losses[0]), 0.5 * np.sum(kernel**2), rtol=1e-6)


# Both layers inside models --------------------------------------------------


def _model():
    return keras.Sequential(
        [
            keras.Input((6,)),
            Maxout(8, pieces=3, kernel_regularizer=L2(0.1, 64)),
            InvertedDropout(0.8, seed=1),
            keras.layers.Dense(1, dtype="float32"),
        ]
    )


@pytest.fixture
def data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 6)).astype("float32")
    return x, np.abs(x[:, :1]) - x[:, 1:2]


def test_layers_fit_with_jit_then_save_and_load(data, tmp_path):
    x, y = data
    model = _model()
    check_jit_fit(model, x, y)
    loaded = check_save_load(model, x, tmp_path)
    assert isinstance(loaded.layers[0], Maxout)
    assert isinstance(loaded.layers[1], InvertedDropout)
    assert loaded.layers[1].keep_prob == 0.8


def test_layers_fit_under_mixed_precision(data):
    x, y = data
    with dtype_policy("mixed_float16"):
        model = _model()
        assert model.layers[0].compute_dtype == "float16"
        assert model.layers[0].kernel.dtype == "float32"  # variables stay float32
        check_jit_fit(model, x, y)
        assert keras.backend.standardize_dtype(model.layers[0](x).dtype) == "float16"
