"""The builders: structure, components, validation and the Keras contract."""

import json

import keras
import numpy as np
import pytest

from dlcourse.layers import InvertedDropout
from dlcourse.models import cnn, deep_net, two_layer_net
from dlcourse.regularizers import L1, L2
from keras_checks import check_jit_fit, check_save_load, dtype_policy, predict


def _layers_of(model, cls):
    return [layer for layer in model.layers if type(layer) is cls]


def _kernel(model, name):
    return model.get_layer(name).kernel.numpy()


def _activation_name(layer):
    return layer.activation.__name__


# Structure ----------------------------------------------------------------------


def test_deep_net_default_is_lees_keras_example():
    model = deep_net(784)
    dense = _layers_of(model, keras.layers.Dense)
    assert [layer.name for layer in dense] == ["hidden_1", "hidden_2", "output"]
    assert [layer.units for layer in dense] == [500, 500, 10]
    assert [_activation_name(layer) for layer in dense] == ["sigmoid", "sigmoid", "softmax"]
    assert model.count_params() == (784 * 500 + 500) + (500 * 500 + 500) + (500 * 10 + 10)
    assert model.name == "deep_net"
    assert not model.compiled


def test_deep_net_flattens_image_input_and_accepts_int_or_tuple():
    model = deep_net((28, 28), hidden_units=(16,))
    assert model.get_layer("flatten").output.shape == (None, 784)
    assert model.output.shape == (None, 10)
    assert deep_net(784, (16,)).count_params() == deep_net((784,), [16]).count_params()


def test_deep_net_without_hidden_layers_is_logistic_regression():
    model = deep_net(2, hidden_units=(), num_classes=1)
    dense = _layers_of(model, keras.layers.Dense)
    assert [layer.name for layer in dense] == ["output"]
    assert dense[0].units == 1 and _activation_name(dense[0]) == "sigmoid"
    assert model.count_params() == 3


def test_two_layer_net_structure():
    model = two_layer_net(2, hidden_units=8, num_classes=3)
    hidden, output = _layers_of(model, keras.layers.Dense)
    assert (hidden.name, hidden.units, _activation_name(hidden)) == ("hidden_1", 8, "relu")
    assert (output.name, output.units, _activation_name(output)) == ("output", 3, "softmax")
    binary = two_layer_net(2, 8, 1, activation="tanh").get_layer("output")
    assert binary.units == 1 and _activation_name(binary) == "sigmoid"


def test_cnn_default_is_the_course_figure():
    model = cnn((8, 8), num_classes=10)
    convs = _layers_of(model, keras.layers.Conv2D)
    pools = _layers_of(model, keras.layers.MaxPooling2D)
    dense = _layers_of(model, keras.layers.Dense)
    assert [c.filters for c in convs] == [3, 5]  # 3 feature maps, then 5
    assert all(c.kernel_size == (3, 3) and c.padding == "same" for c in convs)
    assert [p.name for p in pools] == ["pool_1", "pool_2"]
    assert [(d.name, d.units) for d in dense] == [("hidden_1", 32), ("output", 10)]
    assert model.get_layer("add_channel").output.shape == (None, 8, 8, 1)
    assert model.get_layer("pool_2").output.shape == (None, 2, 2, 5)
    assert model.get_layer("conv_1_1").kernel.shape == (3, 3, 1, 3)


@pytest.mark.parametrize(
    "filters, convs_per_block, dense_units, pool",
    [((4,), 1, (), "max"), ((2, 3, 4), 2, (16, 8), "avg"), ((3, 5), 3, (10,), None)],
)
def test_cnn_n_m_k_pattern(filters, convs_per_block, dense_units, pool):
    model = cnn(
        (16, 16, 3),
        4,
        filters=filters,
        convs_per_block=convs_per_block,
        dense_units=dense_units,
        pool=pool,
    )
    n, m, k = convs_per_block, len(filters), len(dense_units) + 1
    convs = _layers_of(model, keras.layers.Conv2D)
    assert len(convs) == n * m
    assert [c.name for c in convs[:n]] == [f"conv_1_{i}" for i in range(1, n + 1)]
    assert [c.filters for c in convs] == [f for f in filters for _ in range(n)]
    pool_cls = {"max": keras.layers.MaxPooling2D, "avg": keras.layers.AveragePooling2D}
    pools = [] if pool is None else _layers_of(model, pool_cls[pool])
    assert len(pools) == (0 if pool is None else m)
    assert len(_layers_of(model, keras.layers.Dense)) == k
    assert not _layers_of(model, keras.layers.Reshape)  # already has channels


def test_cnn_rejects_too_many_pooling_stages():
    with pytest.raises(ValueError, match="`filters`"):
        cnn((8, 8), 10, filters=(2, 2, 2, 2))
    cnn((8, 8), 10, filters=(2, 2, 2, 2), pool=None)  # no pooling: fine


# Dropout, regularization, initialization, seeds -------------------------------


def test_deep_net_per_layer_keep_prob_places_inverted_dropout():
    model = deep_net(10, (8, 8, 8), keep_prob=(0.5, 1.0, 0.8))
    names = [layer.name for layer in model.layers[1:]]
    assert names == ["hidden_1", "dropout_1", "hidden_2", "hidden_3", "dropout_3", "output"]
    assert model.get_layer("dropout_1").keep_prob == 0.5
    assert model.get_layer("dropout_3").keep_prob == 0.8
    assert all(isinstance(model.get_layer(n), InvertedDropout) for n in ("dropout_1", "dropout_3"))

    everywhere = deep_net(10, (8, 8), keep_prob=0.7)
    assert [d.keep_prob for d in _layers_of(everywhere, InvertedDropout)] == [0.7, 0.7]
    assert not _layers_of(deep_net(10, (8, 8)), InvertedDropout)


def test_two_layer_net_and_cnn_dropout_placement():
    model = two_layer_net(4, 8, 2, keep_prob=0.6)
    assert [layer.name for layer in model.layers[1:]] == ["hidden_1", "dropout_1", "output"]
    assert model.get_layer("dropout_1").keep_prob == 0.6
    conv = cnn((8, 8), 3, dense_units=(16, 8), keep_prob=0.5)
    names = [layer.name for layer in conv.layers]
    assert names[-5:] == ["hidden_1", "dropout_1", "hidden_2", "dropout_2", "output"]
    # One keep_prob per hidden dense layer, in every builder alike.
    conv = cnn((8, 8), 3, dense_units=(16, 8), keep_prob=(1.0, 0.7))
    names = [layer.name for layer in conv.layers]
    assert names[-4:] == ["hidden_1", "hidden_2", "dropout_2", "output"]
    assert conv.get_layer("dropout_2").keep_prob == 0.7
    model = two_layer_net(4, 8, 2, keep_prob=[0.6])
    assert model.get_layer("dropout_1").keep_prob == 0.6


def test_deep_net_keep_probs_is_deprecated_for_keep_prob():
    with pytest.warns(DeprecationWarning, match="keep_prob=") as record:
        model = deep_net(10, (8, 8), keep_probs=(0.5, 1.0), seed=0)
    assert record[0].filename == __file__  # points at the caller
    names = [layer.name for layer in model.layers[1:]]
    assert names == ["hidden_1", "dropout_1", "hidden_2", "output"]
    same = deep_net(10, (8, 8), keep_prob=(0.5, 1.0), seed=0)
    for a, b in zip(model.get_weights(), same.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="`keep_probs`"):
        deep_net(10, (8, 8), keep_prob=0.5, keep_probs=0.5)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="`keep_probs`"):
        deep_net(10, (8, 8), keep_probs=(0.5,))


def test_regularizer_applies_to_kernels_only_with_ngs_formula():
    lambd, m = 0.7, 211
    model = deep_net(6, (5, 4), num_classes=3, regularizer=L2(lambd, m=m), seed=0)
    dense = _layers_of(model, keras.layers.Dense)
    assert len(model.losses) == len(dense) == 3  # one per kernel, none per bias
    assert all(layer.bias_regularizer is None for layer in dense)
    expected = lambd / (2 * m) * sum(np.sum(_kernel(model, d.name) ** 2) for d in dense)
    total = float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses))
    np.testing.assert_allclose(total, expected, rtol=1e-6)

    conv = cnn((8, 8), 2, dense_units=(4,), regularizer=L1(0.1, m=10))
    assert len(conv.losses) == 2 + 2  # two conv kernels, hidden_1 and output kernels
    assert deep_net(6, (5,)).losses == []


def test_initializer_zeros_gives_zero_kernels():
    model = deep_net(5, (4, 3), initializer="zeros")
    for layer in _layers_of(model, keras.layers.Dense):
        assert not np.any(layer.kernel.numpy())


@pytest.mark.parametrize(
    "initializer, expected_std",
    [("he", np.sqrt(2 / 1000)), ("Xavier", np.sqrt(1 / 1000)), ("large_random", 10.0)],
)
def test_course_initializers_have_the_course_variance(initializer, expected_std):
    model = two_layer_net(1000, 500, 2, initializer=initializer, seed=0)
    kernel = _kernel(model, "hidden_1")  # 500,000 samples
    assert abs(kernel.mean()) < 0.01 * expected_std
    np.testing.assert_allclose(kernel.std(), expected_std, rtol=0.01)


def test_keras_initializers_are_accepted():
    model = two_layer_net(400, 300, 2, initializer="glorot_uniform", seed=0)
    limit = np.sqrt(6 / (400 + 300))
    assert np.abs(_kernel(model, "hidden_1")).max() <= limit
    model = two_layer_net(400, 300, 2, initializer=keras.initializers.RandomNormal(0.0, 0.5))
    np.testing.assert_allclose(_kernel(model, "hidden_1").std(), 0.5, rtol=0.02)


def test_seed_is_reproducible_and_layers_differ():
    a = deep_net(16, (16, 16, 16), initializer="he", seed=0)
    b = deep_net(16, (16, 16, 16), initializer="he", seed=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.allclose(_kernel(a, "hidden_2"), _kernel(a, "hidden_3"))  # same shape
    c = deep_net(16, (16, 16, 16), initializer="he", seed=1)
    assert not np.allclose(_kernel(a, "hidden_1"), _kernel(c, "hidden_1"))
    # Adding a layer or dropout leaves the other layers' initial weights alone.
    d = deep_net(16, (16, 16), initializer="he", keep_prob=0.5, seed=0)
    np.testing.assert_array_equal(_kernel(a, "hidden_2"), _kernel(d, "hidden_2"))
    # A seeded Keras initializer instance still gives each layer its own values.
    e = deep_net(16, (16, 16, 16), initializer=keras.initializers.HeNormal(seed=3))
    assert not np.allclose(_kernel(e, "hidden_2"), _kernel(e, "hidden_3"))
    generator = keras.initializers.HeNormal(seed=keras.random.SeedGenerator(3))
    f = deep_net(16, (16, 16, 16), initializer=generator)
    assert not np.allclose(_kernel(f, "hidden_2"), _kernel(f, "hidden_3"))


# Validation ------------------------------------------------------------------


_BAD_ARGUMENTS = [
    (deep_net, dict(input_shape=0), "input_shape"),
    (deep_net, dict(input_shape=(28, -1)), "input_shape"),
    (deep_net, dict(input_shape="784"), "input_shape"),
    (deep_net, dict(input_shape=4, hidden_units=(8, 0)), "hidden_units"),
    (deep_net, dict(input_shape=4, hidden_units=(8, 2.5)), "hidden_units"),
    (deep_net, dict(input_shape=4, num_classes=0), "num_classes"),
    (deep_net, dict(input_shape=4, num_classes=True), "num_classes"),
    (deep_net, dict(input_shape=4, activation="relu6x"), "activation"),
    (deep_net, dict(input_shape=4, initializer="hee"), "initializer"),
    (deep_net, dict(input_shape=4, regularizer="l3"), "regularizer"),
    (deep_net, dict(input_shape=4, keep_prob=0.0), "keep_prob"),
    (deep_net, dict(input_shape=4, keep_prob=1.5), "keep_prob"),
    (deep_net, dict(input_shape=4, keep_prob=(0.5,)), "keep_prob"),
    (deep_net, dict(input_shape=4, keep_prob=(0.5, 0.0)), "keep_prob"),
    (deep_net, dict(input_shape=4, hidden_units=(), keep_prob=0.5), "keep_prob"),
    (deep_net, dict(input_shape=4, seed=-1), "seed"),
    (two_layer_net, dict(input_shape=4, hidden_units=0, num_classes=2), "hidden_units"),
    (two_layer_net, dict(input_shape=4, hidden_units=(8,), num_classes=2), "hidden_units"),
    (two_layer_net, dict(input_shape=4, hidden_units=8, num_classes=2, keep_prob=0), "keep_prob"),
    (
        two_layer_net,
        dict(input_shape=4, hidden_units=8, num_classes=2, keep_prob=(0.5, 0.5)),
        "keep_prob",
    ),
    (two_layer_net, dict(input_shape=4, hidden_units=8, num_classes=2, seed=1.5), "seed"),
    (cnn, dict(input_shape=(8,), num_classes=2), "input_shape"),
    (cnn, dict(input_shape=(8, 8, 1, 1), num_classes=2), "input_shape"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, filters=(3, 0)), "filters"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, kernel_size=0), "kernel_size"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, kernel_size=(3, 3, 3)), "kernel_size"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, convs_per_block=0), "convs_per_block"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, dense_units=(-4,)), "dense_units"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, pool="min"), "pool"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, pool_size=0), "pool_size"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, keep_prob=2.0), "keep_prob"),
    (cnn, dict(input_shape=(8, 8), num_classes=2, dense_units=(), keep_prob=0.5), "keep_prob"),
    (
        cnn,
        dict(input_shape=(8, 8), num_classes=2, dense_units=(4, 4), keep_prob=(0.5,)),
        "keep_prob",
    ),
    (cnn, dict(input_shape=(8, 8), num_classes=2, activation=3), "activation"),
]


def test_bad_arguments_raise_value_error_naming_the_parameter():
    # One test for all cases: the per-test Keras clean-up fixture is not free.
    for builder, kwargs, parameter in _BAD_ARGUMENTS:
        with pytest.raises(ValueError, match=f"`{parameter}`") as info:
            builder(**kwargs)
        message = str(info.value)
        assert "expected" in message and "received" in message, (builder.__name__, kwargs)
        assert repr(kwargs.get(parameter, "")) in message or parameter in (
            "filters",
            "keep_prob",
        ), message


# The Keras contract -------------------------------------------------------------


def _data(shape, num_classes, n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape)).astype("float32")
    if num_classes == 1:
        return x, rng.integers(0, 2, (n, 1)).astype("float32")
    return x, keras.utils.to_categorical(rng.integers(0, num_classes, n), num_classes)


def _small_models():
    reg = L2(0.7, m=64)
    return [
        (two_layer_net(4, 8, 1, regularizer=reg, keep_prob=0.8, seed=0), (4,), 1),
        (deep_net(4, (8, 6), 3, keep_prob=(0.9, 1.0), regularizer=reg, seed=0), (4,), 3),
        (cnn((8, 8), 3, filters=(2, 3), keep_prob=0.8, regularizer=reg, seed=0), (8, 8), 3),
    ]


@pytest.mark.xfail(
    keras.backend.backend() == "torch",
    reason="Keras's jit_compile on PyTorch is torch.compile, whose symbolic shapes fail inside "
    "Keras's Functional call (TypeError: cannot determine truth value of Relational: 1 < s69); "
    "our layers alone compile (tests/test_layers.py)",
    raises=RuntimeError,
    strict=True,
)
def test_models_fit_with_jit_compile():
    # deep_net shares two_layer_net's code path; XLA compiles are the slow part.
    for model, shape, num_classes in _small_models()[::2]:
        x, y = _data(shape, num_classes)
        loss = "binary_crossentropy" if num_classes == 1 else "categorical_crossentropy"
        check_jit_fit(model, x, y, loss=loss, epochs=2)


def test_models_work_in_mixed_precision():
    with dtype_policy("mixed_float16"):
        models = _small_models()
        for model, shape, num_classes in models:
            assert model.get_layer("output").compute_dtype == "float32"
            hidden = next(layer for layer in model.layers if layer.name in ("hidden_1", "conv_1_1"))
            assert hidden.compute_dtype == "float16"
            x, y = _data(shape, num_classes)
            assert keras.backend.standardize_dtype(model(x, training=True).dtype) == "float32"
        model, shape, num_classes = models[-1]  # fit the cnn (conv, pool, dropout)
        x, y = _data(shape, num_classes)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        history = model.fit(x, y, epochs=1, verbose=0)
        assert np.isfinite(history.history["loss"][0])
    with dtype_policy("float64"):  # a non-mixed policy is followed everywhere
        assert deep_net(4, (3,)).get_layer("output").compute_dtype == "float64"


def test_models_save_and_load_without_custom_objects(tmp_path):
    for model, shape, num_classes in _small_models():
        x, _ = _data(shape, num_classes)
        loaded = check_save_load(model, x, tmp_path)
        assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
        assert isinstance(loaded.get_layer("output").kernel_regularizer, L2)
        # Same architecture (JSON turns tuples into lists, so compare as JSON).
        assert json.dumps(loaded.get_config()) == json.dumps(model.get_config())


def test_model_is_usable_as_a_layer_in_a_bigger_model():
    inner = deep_net(4, (8,), num_classes=3, seed=0, name="classifier")
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(1, name="head")(inner(inputs))
    outer = keras.Model(inputs, outputs)
    x, _ = _data((4,), 3)
    head = outer.get_layer("head")
    expected = predict(inner, x) @ head.kernel.numpy() + head.bias.numpy()
    np.testing.assert_allclose(predict(outer, x), expected, rtol=1e-5, atol=1e-6)
    assert len(outer.trainable_weights) == len(inner.trainable_weights) + 2
    assert outer.get_layer("classifier").get_layer("hidden_1").units == 8
    outer.compile(optimizer="sgd", loss="mse")
    outer.fit(x, np.zeros((len(x), 1)), epochs=1, verbose=0)


# Batch normalization --------------------------------------------------------------


def test_deep_net_batch_norm_uses_ngs_order_and_drops_the_bias():
    model = deep_net(3, (5, 4), 1, activation="tanh", keep_prob=(1.0, 0.5), batch_norm=True, seed=0)
    names = [layer.name for layer in model.layers[1:]]
    assert names == [
        "hidden_1",
        "batch_norm_1",
        "activation_1",
        "hidden_2",
        "batch_norm_2",
        "activation_2",
        "dropout_2",
        "output",
    ]
    for k in (1, 2):
        hidden = model.get_layer(f"hidden_{k}")
        assert hidden.bias is None and _activation_name(hidden) == "linear"
        assert isinstance(model.get_layer(f"batch_norm_{k}"), keras.layers.BatchNormalization)
    assert model.get_layer("activation_1").get_config()["activation"] == "tanh"
    # Parameters: kernels without biases, γ and β per unit (+ 2 non-trainable moving stats).
    assert model.count_params() == 3 * 5 + 4 * 5 + 5 * 4 + 4 * 4 + (4 + 1)
    assert len(model.trainable_weights) == 2 * 3 + 2


def test_deep_net_batch_norm_inference_is_ngs_formula():
    model = deep_net(3, (4,), 1, activation="sigmoid", batch_norm=True, seed=0)
    bn = model.get_layer("batch_norm_1")
    rng = np.random.default_rng(0)
    gamma, beta, mean, var = (rng.uniform(0.5, 2.0, 4) for _ in range(4))
    bn.set_weights([gamma, beta, mean, var])
    x = rng.normal(size=(6, 3)).astype("float32")
    z = x @ keras.ops.convert_to_numpy(model.get_layer("hidden_1").kernel)
    a = 1 / (1 + np.exp(-(gamma * (z - mean) / np.sqrt(var + bn.epsilon) + beta)))
    output = model.get_layer("output")
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (output.kernel, output.bias))
    expected = 1 / (1 + np.exp(-(a @ kernel + bias)))
    np.testing.assert_allclose(predict(model, x), expected, rtol=1e-5, atol=1e-6)


def test_deep_net_batch_norm_fits_and_saves(tmp_path):
    x = np.random.default_rng(0).normal(size=(32, 2)).astype("float32")
    model = deep_net(2, (8, 8), 1, batch_norm=True, seed=0)
    check_jit_fit(model, x, (x[:, :1] > 0).astype("float32"), loss="binary_crossentropy")
    moving = keras.ops.convert_to_numpy(model.get_layer("batch_norm_1").moving_mean)
    assert np.any(moving != 0)  # training updated the running statistics
    loaded = check_save_load(model, x, tmp_path)
    reloaded = keras.ops.convert_to_numpy(loaded.get_layer("batch_norm_1").moving_mean)
    np.testing.assert_array_equal(reloaded, moving)


def test_deep_net_batch_norm_must_be_a_bool():
    with pytest.raises(ValueError, match="Invalid value for `batch_norm`: expected True or False"):
        deep_net(2, (4,), 1, batch_norm="yes")
