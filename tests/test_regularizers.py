"""L2 / L1 against NumPy, Keras built-ins, and the weight-decay identity."""

import keras
import numpy as np
import pytest

from dlcourse import backend
from dlcourse.regularizers import L1, L2
from keras_checks import (
    check_config_roundtrip,
    check_jit_fit,
    check_save_load,
    dtype_policy,
)


@pytest.fixture
def weights():
    return np.random.default_rng(0).normal(size=(20, 7)).astype("float32")


CASES = [(0.7, 211), (0.1, 1), (3.0, 64), (0.0, 5)]


def test_l2_matches_numpy_and_keras(weights):
    for lambd, m in CASES:
        penalty = float(L2(lambd, m)(weights))
        reference = lambd / (2 * m) * np.sum(weights.astype("float64") ** 2)
        np.testing.assert_allclose(penalty, reference, rtol=1e-6)
        keras_penalty = keras.regularizers.L2(lambd / (2 * m))(weights)
        assert penalty == float(keras_penalty)  # the same float, not just close


def test_l1_matches_numpy_and_keras(weights):
    for lambd, m in CASES:
        penalty = float(L1(lambd, m)(weights))
        reference = lambd / m * np.sum(np.abs(weights.astype("float64")))
        np.testing.assert_allclose(penalty, reference, rtol=1e-6)
        assert penalty == float(keras.regularizers.L1(lambd / m)(weights))


def test_l2_on_variable_matches_keras_in_layer():
    layer = keras.layers.Dense(3, kernel_regularizer=L2(0.7, 211))
    twin = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.L2(0.7 / 422))
    x = np.ones((2, 4), "float32")
    layer(x), twin(x)
    twin.set_weights(layer.get_weights())
    assert float(layer.losses[0]) == float(twin.losses[0])


def test_keras_coefficient_and_repr():
    reg = L2(lambd=0.7, m=211)
    assert reg.keras_coefficient == 0.7 / 422
    assert repr(reg) == "L2(lambd=0.7, m=211) == keras L2(l2=0.001659)"
    assert isinstance(reg.as_keras(), keras.regularizers.L2)
    assert reg.as_keras().l2 == pytest.approx(0.7 / 422)
    with pytest.raises(AttributeError):
        reg.keras_coefficient = 1.0
    l1 = L1(lambd=0.7, m=211)
    assert l1.keras_coefficient == 0.7 / 211
    assert repr(l1) == "L1(lambd=0.7, m=211) == keras L1(l1=0.003318)"


def test_l2_sgd_step_is_weight_decay():
    """One SGD step on data loss + L2 equals W ← (1 − αλ/m) W − α dW_data."""
    lambd, m, alpha = 0.7, 50, 0.1
    rng = np.random.default_rng(1)
    x = rng.normal(size=(m, 4)).astype("float32")
    y = rng.normal(size=(m, 2)).astype("float32")
    layer = keras.layers.Dense(2, kernel_regularizer=L2(lambd, m))
    layer.build((None, 4))
    w0 = backend.to_numpy(layer.kernel).copy()

    def data_loss():
        return keras.losses.MeanSquaredError()(y, layer(x))

    def cost():
        return data_loss() + keras.ops.sum(keras.ops.stack(layer.losses))

    variables = layer.trainable_variables
    dw_data = backend.to_numpy(backend.variable_value_and_grad(data_loss, variables)[1][0])
    grads = backend.variable_value_and_grad(cost, variables)[1]
    keras.optimizers.SGD(learning_rate=alpha).apply_gradients(zip(grads, variables))

    expected = (1 - alpha * lambd / m) * w0 - alpha * dw_data
    np.testing.assert_allclose(backend.to_numpy(layer.kernel), expected, rtol=0, atol=1e-6)
    # The regularizer gradient alone is (λ / m) W.
    np.testing.assert_allclose(backend.to_numpy(grads[0]) - dw_data, lambd / m * w0, atol=1e-6)


BAD_ARGUMENTS = [
    ({"lambd": -1}, "lambd"),
    ({"lambd": float("nan")}, "lambd"),
    ({"lambd": float("inf")}, "lambd"),
    ({"lambd": "0.1"}, "lambd"),
    ({"lambd": True}, "lambd"),
    ({"lambd": None}, "lambd"),
    ({"lambd": 0.1, "m": 0}, "m"),
    ({"lambd": 0.1, "m": 2.5}, "m"),
    ({"lambd": 0.1, "m": True}, "m"),
]


@pytest.mark.parametrize("cls", [L2, L1])
def test_regularizer_invalid_arguments_name_the_parameter(cls):
    for kwargs, name in BAD_ARGUMENTS:
        pattern = rf"Invalid value for `{name}`: expected .* received {name}="
        with pytest.raises(ValueError, match=pattern):
            cls(**kwargs)


def test_l2_error_message_is_keras_style():
    with pytest.raises(ValueError) as info:
        L2(lambd=-1)
    assert str(info.value) == (
        "Invalid value for `lambd`: expected a finite float >= 0, received lambd=-1"
    )


def test_l2_accepts_numpy_scalars_and_stores_python_numbers():
    reg = L2(np.float32(0.5), np.int64(10))
    assert type(reg.lambd) is float and type(reg.m) is int
    assert reg.get_config() == {"lambd": 0.5, "m": 10}


def test_regularizer_config_roundtrip():
    for reg in [L2(0.7, 211), L1(0.3, 20)]:
        restored = check_config_roundtrip(reg)
        assert restored.get_config() == {"lambd": reg.lambd, "m": reg.m}


def _model(reg_l2, reg_l1):
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh", kernel_regularizer=reg_l2),
            keras.layers.Dense(1, kernel_regularizer=reg_l1),
        ]
    )


def test_regularizer_model_fit_jit_save_load(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    model = _model(L2(0.7, 64), L1(0.1, 64))
    check_jit_fit(model, x, y)
    loaded = check_save_load(model, x, tmp_path)
    assert isinstance(loaded.layers[0].kernel_regularizer, L2)
    assert isinstance(loaded.layers[1].kernel_regularizer, L1)
    assert loaded.layers[0].kernel_regularizer.get_config() == {"lambd": 0.7, "m": 64}


def test_regularizer_penalty_follows_weight_dtype():
    for reg in [L2(0.7, 211), L1(0.7, 211)]:
        for dtype in ["float16", "float32", "float64"]:
            with backend.float64():  # float64 is float64 on JAX only in its 64-bit mode
                penalty = keras.ops.convert_to_numpy(reg(np.full((3, 3), 0.5, dtype)))
            assert penalty.dtype == np.dtype(dtype)


def test_regularizer_mixed_precision_fit():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")
    with dtype_policy("mixed_float16"):
        model = _model(L2(0.7, 64), L1(0.1, 64))
        assert model.layers[0].compute_dtype == "float16"
        check_jit_fit(model, x, y)
        assert all(np.isfinite(float(loss)) for loss in model.losses)
