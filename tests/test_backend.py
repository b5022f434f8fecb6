"""The backend layer: gradients against NumPy formulas and finite differences, on any backend.

The suite runs on whichever backend `KERAS_BACKEND` selects (`make test-backends` runs
it on JAX and PyTorch too); nothing here is specific to one backend except the test that
TensorFlow stays unimported on the others.
"""

import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from keras import ops

import dlcourse
from dlcourse import backend


def _numeric_gradient(f, x, epsilon=1e-6):
    """Two-sided differences of a NumPy function, in float64 (the oracle)."""
    gradient = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = epsilon
        gradient[i] = (f(x + step) - f(x - step)) / (2 * epsilon)
    return gradient


def test_value_and_grad_matches_formula_and_differences():
    # float64 throughout (Keras's `ops.sin` computes float64 in float32 on JAX: a polynomial).
    x = np.random.default_rng(0).normal(size=(3, 4))
    with backend.float64():
        value, gradient = backend.value_and_grad(
            lambda t: ops.sum(t**3 - 2 * t**2), ops.convert_to_tensor(x, "float64")
        )
    np.testing.assert_allclose(backend.to_numpy(value), np.sum(x**3 - 2 * x**2), rtol=1e-12)
    expected = 3 * x**2 - 4 * x
    np.testing.assert_allclose(backend.to_numpy(gradient), expected, rtol=1e-12)
    numeric = _numeric_gradient(lambda a: np.sum(a**3 - 2 * a**2), x)
    np.testing.assert_allclose(backend.to_numpy(gradient), numeric, rtol=1e-6, atol=1e-8)


def test_value_and_grad_keeps_structure_and_aux():
    values = {"w": ops.ones((2, 3)), "b": ops.zeros((3,)), "unused": ops.ones((1,))}

    def cost(v):
        out = ops.sum(ops.square(ops.matmul(ops.ones((1, 2)), v["w"]) + v["b"]))
        return out, {"twice": 2 * out}

    (value, aux), gradients = backend.value_and_grad(cost, values, has_aux=True)
    assert float(value) == pytest.approx(12.0)
    assert float(aux["twice"]) == pytest.approx(24.0)
    assert set(gradients) == {"w", "b", "unused"}
    np.testing.assert_allclose(backend.to_numpy(gradients["w"]), np.full((2, 3), 4.0))
    np.testing.assert_allclose(backend.to_numpy(gradients["b"]), np.full((3,), 4.0))
    np.testing.assert_array_equal(backend.to_numpy(gradients["unused"]), [0.0])


def test_value_and_grad_inside_compiled_function():
    function = backend.compile_function(
        lambda x: backend.value_and_grad(lambda t: ops.sum(t**3), x)[1]
    )
    x = np.array([1.0, -2.0, 0.5], "float32")
    np.testing.assert_allclose(backend.to_numpy(function(x)), 3 * x**2, rtol=1e-6)


def test_variable_value_and_grad_leaves_variables_unchanged():
    model = dlcourse.two_layer_net(3, 4, 1, seed=0)
    x = np.random.default_rng(1).normal(size=(5, 3)).astype("float32")
    before = [backend.to_numpy(v) for v in model.trainable_variables]
    value, gradients = backend.variable_value_and_grad(
        lambda: ops.mean(model(x)), model.trainable_variables
    )
    assert len(gradients) == len(model.trainable_variables)
    for variable, old in zip(model.trainable_variables, before):
        np.testing.assert_array_equal(backend.to_numpy(variable), old)
    # The output bias enters the mean output through sigmoid: d/db = mean σ'(z).
    out = backend.to_numpy(model(x))
    np.testing.assert_allclose(
        backend.to_numpy(gradients[-1]), [np.mean(out * (1 - out))], rtol=1e-5
    )
    assert float(value) == pytest.approx(float(np.mean(out)), rel=1e-6)


def test_variable_value_and_grad_rejects_non_variables():
    with pytest.raises(ValueError, match=r"`variables\[0\]`: expected a keras.Variable"):
        backend.variable_value_and_grad(lambda: 0.0, [np.ones(2)])


def test_loss_gradients_differ_by_the_l2_term():
    m, lambd = 16, 0.7
    model = dlcourse.deep_net(
        3, (5,), 1, activation="tanh", regularizer=dlcourse.L2(lambd, m=m), seed=0
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(m, 3)).astype("float32")
    y = rng.integers(0, 2, (m, 1)).astype("float32")
    full, data = backend.loss_gradients(model, x, y, "binary_crossentropy")
    for variable, g_full, g_data in zip(model.trainable_variables, full, data):
        w = backend.to_numpy(variable)
        expected = lambd / m * w if w.ndim == 2 else np.zeros_like(w)  # biases: no penalty
        np.testing.assert_allclose(g_full - g_data, expected, atol=1e-6)


def test_loss_gradients_data_term_matches_differences():
    model = dlcourse.two_layer_net(2, 3, 1, seed=0)
    x = np.random.default_rng(2).normal(size=(6, 2))
    y = np.random.default_rng(3).integers(0, 2, (6, 1)).astype("float64")
    _, data = backend.loss_gradients(model, x.astype("float32"), y, "binary_crossentropy")
    w1, b1, w2, b2 = (backend.to_numpy(v).astype("float64") for v in model.trainable_variables)

    def cost(kernel):
        a = np.maximum(x @ kernel + b1, 0)
        p = np.clip(1 / (1 + np.exp(-(a @ w2 + b2))), 1e-7, 1 - 1e-7)
        return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

    np.testing.assert_allclose(data[0], _numeric_gradient(cost, w1), atol=1e-5)


def test_loss_gradients_rejects_bad_loss():
    model = dlcourse.two_layer_net(2, 3, 1, seed=0)
    with pytest.raises(ValueError, match="`loss`"):
        backend.loss_gradients(model, np.ones((2, 2)), np.ones((2, 1)), 3)


def test_compile_function_validates_jit_compile():
    with pytest.raises(ValueError, match="`jit_compile`: expected True or False"):
        backend.compile_function(lambda x: x, jit_compile="auto")


def test_steps_per_execution_is_one_on_torch_only():
    expected = 1 if keras.backend.backend() == "torch" else 32
    assert backend.steps_per_execution(32) == expected
    with pytest.raises(ValueError, match="`steps`"):
        backend.steps_per_execution(0)


def test_to_numpy_reads_variables_and_tensors():
    variable = keras.Variable(np.arange(3.0, dtype="float32"))
    np.testing.assert_array_equal(backend.to_numpy(variable), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(backend.to_numpy(variable * 2), [0.0, 2.0, 4.0])
    assert backend.to_numpy(3.0) == 3.0


@pytest.mark.skipif(keras.backend.backend() == "tensorflow", reason="TensorFlow is the backend")
def test_import_dlcourse_does_not_import_tensorflow():
    code = "import sys, keras, dlcourse; print('tensorflow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_float64_is_float64_inside_the_context_only_as_before():
    before = backend.float64_enabled()
    with backend.float64():
        assert backend.float64_enabled()
        x = ops.convert_to_tensor(np.array([1.0, 1e-12]), "float64")
        total = backend.to_numpy(ops.sum(x))
        assert total.dtype == np.float64 and total == 1.0 + 1e-12  # lost in float32
    assert backend.float64_enabled() == before  # JAX: the mode is back to what it was
    if keras.backend.backend() != "jax":
        assert before  # TensorFlow and PyTorch always compute float64 in float64


_JAX_X64 = """
import sys, warnings
import jax
before = jax.config.jax_enable_x64
import keras, numpy as np, dlcourse
from dlcourse import backend
after_import = jax.config.jax_enable_x64
rng = np.random.default_rng(0)
x, y = rng.normal(size=(32, 5)), rng.integers(0, 2, (32, 1)).astype("float64")
regularizer = dlcourse.L2(5.0, m=32)
model = dlcourse.deep_net(5, (8, 6), 1, activation="relu", regularizer=regularizer, seed=0)
result = dlcourse.check_model_gradients(model, x, y, "binary_crossentropy")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    dlcourse.modelcheck.float64_clone(model)  # outside backend.float64(): a warning
with backend.float64():
    inside = jax.config.jax_enable_x64
print(before, after_import, jax.config.jax_enable_x64, inside, result.difference,
      any("64-bit mode is off" in str(w.message) for w in caught))
"""


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="JAX is not installed")
def test_import_dlcourse_leaves_jax_64_bit_mode_alone_and_checks_opt_in():
    # In a fresh JAX process: `import dlcourse` leaves jax_enable_x64 off, the float64
    # gradient check switches it on for itself only and reaches Ng's 1e-7 band.
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("JAX_ENABLE_X64", None)
    out = subprocess.run(
        [sys.executable, "-c", _JAX_X64], capture_output=True, text=True, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr
    before, after_import, after_check, inside, difference, warned = (
        out.stdout.strip().splitlines()[-1].split()
    )
    assert (before, after_import, after_check, inside) == ("False", "False", "False", "True")
    assert float(difference) < 1e-7
    assert warned == "True"


def test_small_model_threads_sets_torch_only_and_validates():
    threads = backend.small_model_threads()
    if keras.backend.backend() != "torch":
        assert threads is None
    else:
        import torch

        expected = int(os.environ["OMP_NUM_THREADS"]) if os.environ.get("OMP_NUM_THREADS") else 1
        assert threads == torch.get_num_threads() == expected
    with pytest.raises(ValueError, match="`threads`"):
        backend.small_model_threads(0)
