"""Tests for dlcourse.scratch: the NumPy perceptron and MLP against independent references.

The oracle for the MLP's backward pass is `tf.GradientTape` on the same network built
from Keras `Dense` layers in float64; for the cost it is Keras's own L2 regularizer.
(The NumPy optimizers are tested in `test_scratch_optimizers.py`.)
"""

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlcourse import datasets, initializers, scratch


def keras_twin(parameters, activation):
    """A float64 Keras model with the same weights as the NumPy MLP (kernels are Wᵀ)."""
    num_layers = len(parameters) // 2
    n_in = parameters["W1"].shape[1]
    inputs = keras.Input((n_in,), dtype="float64")
    x = inputs
    for l in range(1, num_layers + 1):
        w, b = parameters[f"W{l}"], parameters[f"b{l}"]
        layer = keras.layers.Dense(
            w.shape[0], activation=activation if l < num_layers else "sigmoid", dtype="float64"
        )
        x = layer(x)
        layer.set_weights([w.T, b.ravel()])
    return keras.Model(inputs, x)


def tape_gradients(parameters, x, y, activation, lambd=0.0):
    """dJ/dW[l], dJ/db[l] from tf.GradientTape, in the NumPy shapes."""
    model = keras_twin(parameters, activation)
    m = x.shape[1]
    x_rows, y_rows = tf.constant(x.T), tf.constant(y.T)
    with tf.GradientTape() as tape:
        a = model(x_rows)
        cross_entropy = (
            -tf.reduce_sum(y_rows * tf.math.log(a) + (1 - y_rows) * tf.math.log(1 - a)) / m
        )
        kernels = [layer.kernel for layer in model.layers[1:]]
        loss = cross_entropy + lambd / (2 * m) * tf.add_n([tf.reduce_sum(k**2) for k in kernels])
    weights = [v for layer in model.layers[1:] for v in (layer.kernel, layer.bias)]
    grads = tape.gradient(loss, weights)
    out = {}
    for l in range(1, len(weights) // 2 + 1):
        out[f"dW{l}"] = grads[2 * l - 2].numpy().T
        out[f"db{l}"] = grads[2 * l - 1].numpy().reshape(-1, 1)
    return float(loss), out


@pytest.mark.parametrize("activation", scratch.ACTIVATIONS)
def test_backward_matches_gradient_tape_float64(activation):
    rng = np.random.default_rng(1)
    parameters = scratch.init_parameters([3, 5, 4, 2], seed=2)
    # non-zero biases
    parameters = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in parameters.items()}
    x = rng.standard_normal((3, 7))
    y = (rng.random((2, 7)) < 0.5).astype("float64")

    a_last, caches = scratch.forward(parameters, x, activation=activation)
    for lambd in (0.0, 0.7):
        grads = scratch.backward(a_last, y, caches, activation=activation, lambd=lambd)
        loss, expected = tape_gradients(parameters, x, y, activation, lambd)

        assert scratch.cost(a_last, y, parameters, lambd=lambd) == pytest.approx(loss, rel=1e-12)
        assert list(grads) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
        for key, value in expected.items():
            assert grads[key].shape == value.shape
            np.testing.assert_allclose(grads[key], value, rtol=1e-9, atol=1e-12)


def test_forward_matches_keras_layers():
    parameters = scratch.init_parameters([2, 6, 1], seed=0)
    x = np.random.default_rng(0).standard_normal((2, 10))
    a_last, caches = scratch.forward(parameters, x, activation="tanh")
    expected = keras_twin(parameters, "tanh")(x.T).numpy().T
    np.testing.assert_allclose(a_last, expected, rtol=1e-12)
    assert [c[2].shape for c in caches] == [(6, 10), (1, 10)]  # Z[l] is (n[l], m)


def test_l2_cost_matches_keras_regularizer():
    parameters = scratch.init_parameters([4, 5, 3, 1], seed=3)
    x = np.random.default_rng(3).standard_normal((4, 11))
    y = np.ones((1, 11))
    a_last, _ = scratch.forward(parameters, x)
    lambd, m = 0.7, 11
    penalty = scratch.cost(a_last, y, parameters, lambd=lambd) - scratch.cost(a_last, y)
    keras_l2 = keras.regularizers.L2(lambd / (2 * m))  # the course's λ/(2m) as Keras's coefficient
    expected = sum(float(keras_l2(parameters[f"W{l}"])) for l in (1, 2, 3))
    assert penalty == pytest.approx(expected, rel=1e-6)


def test_backward_with_dropout_matches_gradient_of_the_masked_net():
    # With the mask fixed (same rng state), the dropped-out net is just a function of θ.
    parameters = scratch.init_parameters([3, 8, 1], seed=0)
    x = np.random.default_rng(0).standard_normal((3, 6))
    y = np.array([[0, 1, 1, 0, 1, 0]], dtype="float64")
    keep_prob = 0.7

    def J(theta):
        a, _ = scratch.forward(
            scratch.vector_to_parameters(theta, parameters),
            x,
            keep_prob=keep_prob,
            rng=np.random.default_rng(5),
        )
        return scratch.cost(a, y)

    a_last, caches = scratch.forward(
        parameters, x, keep_prob=keep_prob, rng=np.random.default_rng(5)
    )
    grads = scratch.gradients_to_vector(
        scratch.backward(a_last, y, caches, keep_prob=keep_prob), parameters
    )
    theta = scratch.parameters_to_vector(parameters)
    eye = np.eye(len(theta)) * 1e-6
    numeric = np.array([(J(theta + e) - J(theta - e)) / 2e-6 for e in eye])
    np.testing.assert_allclose(grads, numeric, atol=1e-8)


def test_sigmoid_derivative_is_y_times_one_minus_y():
    z = np.linspace(-8, 8, 101)
    y = scratch.sigmoid(z)
    numeric = (scratch.sigmoid(z + 1e-6) - scratch.sigmoid(z - 1e-6)) / 2e-6
    np.testing.assert_allclose(y * (1 - y), numeric, atol=1e-9)
    assert np.all(np.isfinite(scratch.sigmoid(np.array([-1000.0, 1000.0]))))


def test_vector_round_trip_and_slices():
    parameters = scratch.init_parameters([4, 5, 3, 1], seed=0)
    theta = scratch.parameters_to_vector(parameters)
    assert theta.shape == (4 * 5 + 5 + 5 * 3 + 3 + 3 + 1,)  # Ng's 47-parameter check net
    back = scratch.vector_to_parameters(theta, parameters)
    for key in parameters:
        np.testing.assert_array_equal(back[key], parameters[key])
    slices = scratch.parameter_slices(parameters)
    assert list(slices) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    np.testing.assert_array_equal(theta[slices["W2"]], parameters["W2"].ravel())
    with pytest.raises(ValueError, match="theta"):
        scratch.vector_to_parameters(theta[:-1], parameters)


@pytest.mark.parametrize("name", initializers.COURSE_NAMES)
def test_init_parameters_follows_the_shared_initializer_table(name):
    # Same names, same variance rule as the Keras initializers (one table).
    parameters = scratch.init_parameters([400, 300, 1], initializer=name.upper(), seed=0)
    w1 = parameters["W1"]  # (300, 400): 120,000 draws
    keras_kernel = np.asarray(initializers.get(name)((400, 300)))
    expected = np.sqrt(initializers.variance(name, (400, 300)))
    np.testing.assert_allclose(w1.std(), expected, rtol=0.01)
    np.testing.assert_allclose(keras_kernel.std(), expected, rtol=0.01)
    assert not np.any(parameters["b1"])


def test_init_parameters_keeps_ngs_scales():
    parameters = scratch.init_parameters([50, 40, 1], initializer="xavier", seed=3)
    draw = np.random.default_rng(3).standard_normal((40, 50))
    np.testing.assert_array_equal(parameters["W1"], draw * np.sqrt(1 / 50))
    big = scratch.init_parameters([50, 40, 1], initializer="large_random", seed=3)
    np.testing.assert_array_equal(big["W1"], draw * 10.0)


def test_scratch_package_layout():
    assert scratch.forward is scratch.mlp.forward
    assert scratch.perceptron_fit is scratch.perceptron.perceptron_fit
    assert scratch.Adam is scratch.optimizers.Adam
    assert set(scratch.__all__) <= set(dir(scratch))


def test_update_parameters_is_one_gradient_step():
    parameters = {"W1": np.ones((2, 2)), "b1": np.zeros((2, 1))}
    grads = {"dW1": np.full((2, 2), 2.0), "db1": np.ones((2, 1))}
    new = scratch.update_parameters(parameters, grads, learning_rate=0.1)
    np.testing.assert_allclose(new["W1"], 0.8)
    np.testing.assert_allclose(new["b1"], -0.1)


def test_perceptron_converges_on_separable_data():
    x, y = datasets.linearly_separable(200, seed=0)
    result = scratch.perceptron_fit(x, y, epochs=100, seed=0)
    assert result.converged
    assert result.mistakes[-1] == 0 and result.accuracy[-1] == 1.0
    np.testing.assert_array_equal(scratch.perceptron_predict(result.w, result.b, x), y)


def test_perceptron_never_solves_xor():
    x, y = datasets.xor(200, seed=0)
    result = scratch.perceptron_fit(x, y, epochs=30, seed=0)
    assert not result.converged
    assert len(result.mistakes) == 30 and min(result.mistakes) > 0
    assert max(result.accuracy) <= 0.75


def test_perceptron_rule_by_hand():
    # one wrong prediction: y = 0, ŷ = step(0) = 1  →  w ← w − x, b ← b − 1
    result = scratch.perceptron_fit(np.array([[2.0, -1.0]]), np.array([0]), epochs=2)
    np.testing.assert_array_equal(result.w, [-2.0, 1.0])
    assert result.b == -1.0 and result.mistakes == [1, 0]


def test_multiply_adds_counts_backward_as_about_twice_forward():
    forward, backward = scratch.multiply_adds([4, 5, 3, 1], m=10)
    assert forward == (5 * 4 + 3 * 5 + 1 * 3) * 10
    assert backward == 2 * forward - 5 * 4 * 10  # no dA[0]: the input needs no gradient
    forward, backward = scratch.multiply_adds([2, 256, 256, 256, 1], m=64)
    assert 1.9 < backward / forward <= 2.0


BAD_CALLS = {
    "layer_dims": lambda: scratch.init_parameters([3]),
    "initializer": lambda: scratch.init_parameters([3, 2], initializer="glorot"),
    "name": lambda: initializers.variance("small", (3, 2)),
    "activation": lambda: scratch.forward(ONE_UNIT, np.ones((1, 1)), activation="elu"),
    "rng": lambda: scratch.forward(ONE_UNIT, np.ones((1, 1)), keep_prob=0.5),
    "keep_prob": lambda: scratch.forward(ONE_UNIT, np.ones((1, 1)), keep_prob=0.0),
    "lambd": lambda: scratch.cost(np.full((1, 2), 0.5), np.ones((1, 2)), lambd=-1),
    "y": lambda: scratch.perceptron_fit(np.ones((2, 2)), np.array([0, 2])),
    "epochs": lambda: scratch.perceptron_fit(np.ones((2, 2)), np.array([0, 1]), epochs=0),
    "m": lambda: scratch.multiply_adds([2, 3], m=0),
}
ONE_UNIT = {"W1": np.ones((1, 1)), "b1": np.ones((1, 1))}


def test_bad_arguments_raise_value_error_naming_them():
    for name, call in BAD_CALLS.items():
        with pytest.raises(ValueError, match=f"`{name}`"):
            call()
