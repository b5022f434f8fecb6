"""The from-scratch NumPy update rules (`dlcourse.scratch.optimizers`) vs `keras.optimizers`."""

import keras
import numpy as np
import pytest

from dlcourse import backend
from dlcourse.scratch import optimizers

# An ill-conditioned quadratic J(w) = ½ wᵀ A w with a rotated, elongated bowl.
A = np.array([[10.0, 4.0], [4.0, 2.5]])
W0 = np.array([1.5, -2.0])


def quadratic_grad(w):
    return A @ w


def numpy_trajectory(optimizer, steps, w0=W0):
    w = [np.array(w0, dtype="float64")]
    path = [w[0].copy()]
    for _ in range(steps):
        optimizer.update(w, [quadratic_grad(w[0])])
        path.append(w[0].copy())
    return np.array(path)


@pytest.fixture
def float64_keras():
    """Float64 Keras variables *and* learning rate, so the comparison sees round-off only
    (in JAX's 64-bit mode: `backend.float64()`)."""
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    with backend.float64():
        yield
    keras.config.set_floatx(previous)


def keras_trajectory(optimizer, steps, w0=W0):
    with backend.float64():  # float64 weights are float64 on JAX too
        w = keras.Variable(np.array(w0, dtype="float64"), dtype="float64")
        path = [w.numpy().copy()]
        for _ in range(steps):
            grad = quadratic_grad(w.numpy())
            optimizer.apply_gradients([(keras.ops.convert_to_tensor(grad, "float64"), w)])
            path.append(w.numpy().copy())
    return np.array(path)


# name -> (make the optimizer, max |ours − keras| in float64, in Keras's default float32)
CASES = {
    "sgd": (lambda: optimizers.SGD(learning_rate=0.05), 1e-14, 1e-7),
    "momentum": (lambda: optimizers.Momentum(learning_rate=0.1, beta=0.9), 1e-14, 1e-6),
    # ε = 0: the rules are identical; with ε > 0 only its placement differs (see docstrings)
    "rmsprop_eps0": (lambda: optimizers.RMSProp(0.01, beta2=0.9, epsilon=0.0), 1e-14, 1e-7),
    "rmsprop": (lambda: optimizers.RMSProp(0.01, beta2=0.9, epsilon=1e-8), 1e-7, 1e-7),
    "adam_eps0": (lambda: optimizers.Adam(learning_rate=0.02, epsilon=0.0), 1e-14, 1e-6),
    "adam": (lambda: optimizers.Adam(learning_rate=0.02, epsilon=1e-8), 1e-7, 1e-6),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rule_matches_keras_step_by_step_float64(name, float64_keras):
    make, atol, _ = CASES[name]
    ours = numpy_trajectory(make(), 60)
    theirs = keras_trajectory(make().as_keras(), 60)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=atol)
    # it actually moved towards the minimum at 0
    assert np.linalg.norm(ours[-1]) < 0.9 * np.linalg.norm(W0)


@pytest.mark.parametrize("name", list(CASES))
def test_rule_matches_keras_with_default_float32_learning_rate(name):
    make, _, atol = CASES[name]
    np.testing.assert_allclose(
        numpy_trajectory(make(), 60), keras_trajectory(make().as_keras(), 60), rtol=0, atol=atol
    )


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="Keras's float32 cast of Python-float coefficients is TensorFlow's",
)
def test_python_float_betas_would_drift_in_keras(float64_keras):
    # Why as_keras() passes np.float64 coefficients: Keras casts a Python float via float32.
    ours = numpy_trajectory(optimizers.Adam(0.02, epsilon=0.0), 60)
    plain = keras_trajectory(keras.optimizers.Adam(0.02, beta_1=0.9, beta_2=0.999, epsilon=0.0), 60)
    assert 1e-7 < np.abs(ours - plain).max() < 1e-4


def test_iterations_count_updates():
    opt = optimizers.Adam(0.1)
    numpy_trajectory(opt, 7)
    assert opt.iterations == 7


def test_sgd_single_step_matches_formula():
    w = [np.array([1.0, -2.0])]
    optimizers.SGD(0.1).update(w, [np.array([0.5, 1.0])])
    np.testing.assert_allclose(w[0], [0.95, -2.1])


def test_momentum_formula_and_keras_conversion():
    opt = optimizers.Momentum(learning_rate=0.2, beta=0.8)
    w = [np.array([1.0])]
    opt.update(w, [np.array([1.0])])  # v = 0.2 · 1, w = 1 − 0.2·0.2
    opt.update(w, [np.array([1.0])])  # v = 0.8·0.2 + 0.2 = 0.36, w −= 0.2·0.36
    np.testing.assert_allclose(w[0], [1.0 - 0.04 - 0.072])
    keras_opt = opt.as_keras()
    assert isinstance(keras_opt, keras.optimizers.SGD)
    np.testing.assert_allclose(float(keras_opt.learning_rate), 0.2 * (1 - 0.8), rtol=1e-6)
    assert keras_opt.momentum == pytest.approx(0.8)


def test_adam_first_step_is_sign_times_learning_rate():
    # With bias correction the first Adam step is α·dW/|dW| (ε aside), whatever the scale.
    opt = optimizers.Adam(learning_rate=0.01, epsilon=0.0)
    w = [np.array([0.0, 0.0, 0.0])]
    opt.update(w, [np.array([1e-4, -3.0, 250.0])])
    np.testing.assert_allclose(w[0], [-0.01, 0.01, -0.01], rtol=1e-12)


def test_adam_epsilon_placement_differs_from_keras_early(float64_keras):
    # Keras adds ε to the uncorrected √S: it acts like Ng's ε / √(1 − β2^t), larger at t = 1.
    grad = np.array([1e-6])
    ours = optimizers.Adam(learning_rate=1.0, epsilon=1e-6)
    w = [np.array([0.0])]
    ours.update(w, [grad])
    keras_w = keras.Variable(np.array([0.0]), dtype="float64")
    ours.as_keras().apply_gradients([(keras.ops.convert_to_tensor(grad, "float64"), keras_w)])
    expected_ng = -1e-6 / (1e-6 + 1e-6)  # ε as written by Ng
    effective_eps = 1e-6 / np.sqrt(1 - 0.999)  # ε as Keras applies it at t = 1
    expected_keras = -1e-6 / (1e-6 + effective_eps)
    np.testing.assert_allclose(w[0], [expected_ng], rtol=1e-9)
    np.testing.assert_allclose(keras_w.numpy(), [expected_keras], rtol=1e-6)


def test_dict_parameters_like_ng_and_several_arrays():
    params = {"W1": np.ones((3, 2)), "b1": np.zeros((3, 1))}
    grads = {"W1": np.full((3, 2), 2.0), "b1": np.ones((3, 1))}
    out = optimizers.Adam(0.1).update(params, grads)
    assert out is params
    np.testing.assert_allclose(params["W1"], 0.9, rtol=1e-6)
    np.testing.assert_allclose(params["b1"], -0.1, rtol=1e-6)


@pytest.mark.parametrize(
    "cls", [optimizers.SGD, optimizers.Momentum, optimizers.RMSProp, optimizers.Adam]
)
def test_learning_rate_grid_equals_separate_runs(cls):
    rates = np.array([0.003, 0.01, 0.03])
    batched = [np.tile(W0, (3, 1))]  # (runs, 2)
    grid = cls(rates[:, None])
    for _ in range(20):
        grid.update(batched, [batched[0] @ A.T])
    for i, rate in enumerate(rates):
        single = numpy_trajectory(cls(float(rate)), 20)[-1]
        np.testing.assert_allclose(batched[0][i], single, rtol=1e-12)
    with pytest.raises(ValueError, match="as_keras"):
        grid.as_keras()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: optimizers.SGD(0.0), "learning_rate"),
        (lambda: optimizers.SGD(-1), "learning_rate"),
        (lambda: optimizers.SGD(np.array([0.1, -0.1])), "learning_rate"),
        (lambda: optimizers.Momentum(0.1, beta=1.0), "beta"),
        (lambda: optimizers.RMSProp(0.1, beta2=-0.1), "beta2"),
        (lambda: optimizers.RMSProp(0.1, epsilon=-1e-8), "epsilon"),
        (lambda: optimizers.Adam(0.1, beta1=1.5), "beta1"),
    ],
)
def test_invalid_arguments_name_the_parameter(make, match):
    with pytest.raises(ValueError, match=f"Invalid value for `{match}`"):
        make()


def test_repr_shows_hyper_parameters():
    assert repr(optimizers.Momentum(0.1, beta=0.9)) == (
        "Momentum(learning_rate=0.1, iterations=0, beta=0.9)"
    )


def test_as_keras_optimizer_saves_with_a_model(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizers.Adam(0.01).as_keras(), loss="mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.optimizer.beta_1 == pytest.approx(0.9)
