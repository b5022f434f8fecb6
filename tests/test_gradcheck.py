"""Gradient checking: Ng's numbers, NumPy functions, and Keras models in float64."""

import dataclasses

import keras
import numpy as np
import pytest

from dlcourse import gradcheck
from dlcourse.gradcheck import (
    GradientCheckResult,
    _check_model_gradients_loop,
    check_model_gradients,
    gradient_check,
    numerical_gradient,
    verdict_for,
)
from dlcourse.models import cnn, deep_net, two_layer_net
from dlcourse.regularizers import L2
from keras_checks import dtype_policy


def _cube(theta):
    return theta[0] ** 3


def _logistic_cost_and_gradient(n=30, d=4, seed=0):
    """A NumPy logistic-regression cost J(θ) with L2 and its exact gradient."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(n, d)), rng.integers(0, 2, n)
    lambd = 0.5

    def J(theta):
        w, b = theta[:-1], theta[-1]
        a = 1 / (1 + np.exp(-(x @ w + b)))
        data = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
        return data + lambd / (2 * n) * np.sum(w**2)

    def dJ(theta):
        w, b = theta[:-1], theta[-1]
        a = 1 / (1 + np.exp(-(x @ w + b)))
        dz = (a - y) / n
        return np.concatenate([x.T @ dz + lambd / n * w, [dz.sum()]])

    return J, dJ, rng.normal(size=d + 1)


# NumPy functions ---------------------------------------------------------------


def test_cube_two_sided_vs_one_sided_matches_ngs_numbers():
    two = numerical_gradient(_cube, [1.0], epsilon=0.01)
    one = numerical_gradient(_cube, [1.0], epsilon=0.01, two_sided=False)
    np.testing.assert_allclose(two, [3.0001], rtol=1e-12)  # error ε² = 1e-4
    np.testing.assert_allclose(one, [3.0301], rtol=1e-12)  # error 3ε ≈ 3e-2
    result = gradient_check(_cube, [1.0], [3.0], epsilon=0.01)
    np.testing.assert_allclose(result.approx[0] - 3.0, 1e-4, rtol=1e-6)
    one_sided = gradient_check(_cube, [1.0], [3.0], epsilon=0.01, one_sided=True)
    np.testing.assert_allclose(one_sided.approx[0] - 3.0, 0.0301, rtol=1e-9)
    assert one_sided.difference > 100 * result.difference
    assert result.two_sided and not one_sided.two_sided


def test_correct_gradient_is_great_and_wrong_one_is_a_bug():
    J, dJ, theta = _logistic_cost_and_gradient()
    good = gradient_check(J, theta, dJ(theta))
    assert good.difference < 1e-7 and good.verdict == "great"
    bad_gradient = dJ(theta)
    bad_gradient[2] *= 2  # a planted backprop bug
    bad = gradient_check(J, theta, bad_gradient)
    assert bad.difference > 1e-3 and bad.verdict == "very likely a bug"
    assert bad.worst(1)[0] == 2
    assert "θ[2]" in str(bad) and "very likely a bug" in str(bad)


def test_difference_formulas_and_zero_conventions():
    result = gradient_check(lambda t: 0.0, [1.0, 2.0], [0.0, 0.0])
    assert result.difference == 0.0
    np.testing.assert_array_equal(result.per_component, [0.0, 0.0])
    approx, analytic = np.array([1.0, 0.0, -2.0]), np.array([1.5, 0.0, -2.0])
    result = gradient_check(lambda t: t @ approx, np.zeros(3), analytic, epsilon=1e-3)
    expected = np.linalg.norm(approx - analytic) / (
        np.linalg.norm(approx) + np.linalg.norm(analytic)
    )
    np.testing.assert_allclose(result.difference, expected, rtol=1e-9)
    np.testing.assert_allclose(result.per_component, [0.5 / 2.5, 0.0, 0.0], atol=1e-9)


def test_verdict_bands():
    assert [verdict_for(d) for d in (0.0, 1e-7, 2e-7, 1e-5, 2e-5, 1e-3, 2e-3, np.nan)] == [
        "great",
        "great",
        "look closer",
        "look closer",
        "worrying",
        "worrying",
        "very likely a bug",
        "very likely a bug",
    ]
    assert [band[1] for band in gradcheck.VERDICT_BANDS][-1] == "very likely a bug"


def test_result_is_frozen_and_read_only():
    result = gradient_check(_cube, [1.0], [3.0], epsilon=0.01)
    assert isinstance(result, GradientCheckResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.difference = 0.0
    with pytest.raises(ValueError):
        result.approx[0] = 0.0
    assert result.epsilon == 0.01
    assert "two-sided" in str(result) and "worrying" in str(result)


def test_numpy_check_validation():
    J, dJ, theta = _logistic_cost_and_gradient()
    cases = [
        (lambda: gradient_check(J, theta.reshape(1, -1), dJ(theta)), "theta"),
        (lambda: gradient_check(J, 1.0, [3.0]), "theta"),
        (lambda: gradient_check(J, [], []), "theta"),
        (lambda: gradient_check(J, theta, dJ(theta)[:-1]), "dtheta"),
        (lambda: gradient_check(J, theta, dJ(theta), epsilon=0), "epsilon"),
        (lambda: gradient_check(J, theta, dJ(theta), epsilon=-1e-7), "epsilon"),
        (lambda: gradient_check(J, theta, dJ(theta), epsilon=float("nan")), "epsilon"),
        (lambda: numerical_gradient(J, theta, epsilon="1e-7"), "epsilon"),
        (lambda: numerical_gradient("J", theta), "J"),
        (lambda: numerical_gradient(lambda t: t, theta), "J"),
    ]
    for call, parameter in cases:
        with pytest.raises(ValueError, match=f"`{parameter}`"):
            call()


# Keras models ------------------------------------------------------------------


def _binary_data(n_in=5, m=32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n_in)), rng.integers(0, 2, (m, 1)).astype("float64")


def _regularized_net(regularizer=None, seed=0):
    # 5 → 8 → 6 → 1: 48 + 54 + 7 = 109 parameters.
    reg = L2(5.0, m=32) if regularizer is None else regularizer
    return deep_net(5, (8, 6), 1, activation="tanh", regularizer=reg, seed=seed)


def test_model_check_is_great_at_init_and_after_training():
    x, y = _binary_data()
    model = _regularized_net()
    at_init = check_model_gradients(model, x, y, "binary_crossentropy")
    assert at_init.difference < 1e-7 and at_init.verdict == "great"
    assert at_init.approx.size == model.count_params()
    assert at_init.names[0] == "hidden_1/kernel[0, 0]"
    assert at_init.names[-1] == "output/bias[0]"
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    model.fit(x.astype("float32"), y, epochs=5, verbose=0)
    trained = check_model_gradients(model, x, y, "binary_crossentropy")
    assert trained.difference < 1e-7
    assert not np.allclose(trained.analytic, at_init.analytic)  # uses the live weights


def test_model_check_includes_the_regularization_term():
    x, y = _binary_data()
    regularized = _regularized_net()
    plain = _regularized_net(regularizer=keras.regularizers.L2(0.0))  # same weights
    for a, b in zip(regularized.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)
    data_only = check_model_gradients(plain, x, y, "binary_crossentropy").analytic
    # Planted bug: backprop that forgets the (λ/m) W term.
    result = check_model_gradients(
        regularized, x, y, "binary_crossentropy", gradients=data_only
    )
    assert result.difference > 1e-3 and result.verdict == "very likely a bug"


def test_model_check_finds_a_doubled_weight_gradient():
    x, y = _binary_data()
    model = _regularized_net()
    gradient = check_model_gradients(model, x, y, "binary_crossentropy").analytic
    sizes = [int(np.prod(w.shape)) for w in model.trainable_weights]
    per_weight = np.split(gradient, np.cumsum(sizes)[:-1])
    per_weight = [g.reshape(w.shape) for g, w in zip(per_weight, model.trainable_weights)]
    per_weight[2] = 2 * per_weight[2]  # dW2 doubled, as in Ng's assignment
    result = check_model_gradients(model, x, y, "binary_crossentropy", gradients=per_weight)
    assert result.difference > 1e-3
    assert all(result.names[p].startswith("hidden_2/kernel") for p in result.worst(5))
    assert "hidden_2/kernel[" in str(result) and "very likely a bug" in str(result)


def test_batched_check_equals_the_python_loop():
    x, y = _binary_data()
    model = _regularized_net()
    for kwargs in (dict(), dict(one_sided=True), dict(max_params=40, seed=3)):
        batched = check_model_gradients(model, x, y, "binary_crossentropy", chunk_size=16, **kwargs)
        loop = _check_model_gradients_loop(model, x, y, "binary_crossentropy", **kwargs)
        assert abs(batched.difference - loop.difference) < 1e-10
        np.testing.assert_allclose(batched.approx, loop.approx, rtol=0, atol=1e-8)
        np.testing.assert_array_equal(batched.analytic, loop.analytic)
        np.testing.assert_array_equal(batched.indices, loop.indices)


def test_model_check_subsamples_reproducibly():
    x, y = _binary_data()
    model = _regularized_net()
    a = check_model_gradients(model, x, y, "binary_crossentropy", max_params=25, seed=1)
    b = check_model_gradients(model, x, y, "binary_crossentropy", max_params=25, seed=1)
    full = check_model_gradients(model, x, y, "binary_crossentropy")
    assert a.approx.size == 25 and len(a.names) == 25
    np.testing.assert_array_equal(a.indices, b.indices)
    assert np.all(np.diff(a.indices) > 0)
    np.testing.assert_allclose(a.approx, full.approx[a.indices], rtol=0, atol=1e-9)
    assert [full.names[i] for i in a.indices] == list(a.names)


def test_model_check_turns_dropout_off_and_runs_in_float64():
    # Built in mixed precision, with dropout: the check uses a float64 rebuild
    # in inference mode, so both are irrelevant to its result.
    x, y = _binary_data()
    with dtype_policy("mixed_float16"):
        model = deep_net(5, (8, 6), 1, keep_probs=0.5, regularizer=L2(1.0, m=32), seed=0)
    result = check_model_gradients(model, x, y, "binary_crossentropy")
    assert result.difference < 1e-7
    assert model.get_layer("dropout_1").compute_dtype == "float16"  # model untouched


def test_model_check_on_cnn_softmax_and_loss_objects():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(12, 6, 6)), rng.integers(0, 3, 12)
    model = cnn((6, 6), 3, filters=(2, 3), dense_units=(5,), activation="tanh",
                regularizer=L2(0.5, m=12), seed=0)
    sparse = check_model_gradients(model, x, labels, "sparse_categorical_crossentropy")
    assert sparse.difference < 1e-7
    onehot = keras.utils.to_categorical(labels, 3)
    loss = keras.losses.CategoricalCrossentropy()  # float32 by default: rebuilt in float64
    dense = check_model_gradients(model, x, onehot, loss)
    assert dense.difference < 1e-7
    np.testing.assert_allclose(dense.analytic, sparse.analytic, rtol=1e-9, atol=1e-12)


def test_model_check_on_sequential_and_nested_models():
    x, y = _binary_data()
    sequential = keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.BatchNormalization(),  # moving statistics: non-trainable
            keras.layers.Dense(1),
        ]
    )
    sequential.compile(optimizer="sgd", loss="mse")
    sequential.fit(x, y, epochs=1, verbose=0)  # moves the moving statistics
    before = [w.copy() for w in sequential.get_weights()]
    assert check_model_gradients(sequential, x, y, "mse").difference < 1e-7
    for a, b in zip(before, sequential.get_weights()):  # the check is stateless
        np.testing.assert_array_equal(a, b)
    inner = two_layer_net(5, 4, 3, regularizer=L2(1.0, m=32), seed=0)
    inputs = keras.Input((5,))
    outer = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(inner(inputs)))
    result = check_model_gradients(outer, x, y, keras.losses.binary_crossentropy)
    assert result.difference < 1e-7
    assert result.approx.size == outer.count_params()


def test_model_check_validation():
    x, y = _binary_data()
    model = _regularized_net()
    cases = [
        (dict(model="model"), "model"),
        (dict(epsilon=0.0), "epsilon"),
        (dict(max_params=0), "max_params"),
        (dict(seed=-1), "seed"),
        (dict(chunk_size=0), "chunk_size"),
        (dict(loss="no_such_loss"), "loss"),
        (dict(loss=3), "loss"),
        (dict(gradients=np.zeros(5)), "gradients"),
        (dict(gradients=[np.zeros((5, 8))]), "gradients"),
    ]
    for overrides, parameter in cases:
        kwargs = {**dict(model=model, x=x, y=y, loss="binary_crossentropy"), **overrides}
        with pytest.raises(ValueError, match=f"`{parameter}`"):
            check_model_gradients(**kwargs)
