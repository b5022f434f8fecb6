"""dlcourse.scratch.multiclass: softmax, cross-entropy and dZ = Ŷ − Y against Keras and NumPy."""

import keras
import numpy as np
import pytest

from dlcourse import scratch


@pytest.fixture
def logits_and_labels():
    rng = np.random.default_rng(0)
    z = rng.normal(0.0, 3.0, size=(4, 6))  # (C, m)
    y = np.eye(4)[:, rng.integers(0, 4, 6)]
    return z, y


def test_softmax_matches_keras_ops_softmax(logits_and_labels):
    z, _ = logits_and_labels
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.convert_to_tensor(z.T))).T
    np.testing.assert_allclose(scratch.softmax(z), expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(scratch.softmax(z).sum(axis=0), 1.0)


def test_softmax_shift_changes_nothing_but_overflow(logits_and_labels):
    z, _ = logits_and_labels
    np.testing.assert_allclose(scratch.softmax(z, shift=False), scratch.softmax(z), atol=1e-15)
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(scratch.softmax(np.array([1000.0, 0.0]), shift=False)).any()
    np.testing.assert_allclose(scratch.softmax(np.array([1000.0, 0.0])), [1.0, 0.0])


def test_cross_entropy_matches_keras(logits_and_labels):
    z, y = logits_and_labels
    y_hat = scratch.softmax(z)
    keras_loss = keras.losses.CategoricalCrossentropy(dtype="float64")(y.T, y_hat.T)
    assert scratch.cross_entropy(y_hat, y) == pytest.approx(
        float(keras.ops.convert_to_numpy(keras_loss)), abs=1e-12
    )
    assert scratch.cross_entropy(y_hat, y) == pytest.approx(
        -np.mean(np.log(y_hat[y.argmax(axis=0), np.arange(y.shape[1])]))
    )


def test_softmax_backward_matches_finite_differences(logits_and_labels):
    z, y = logits_and_labels
    m, eps = y.shape[1], 1e-6
    numeric = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        step = np.zeros_like(z)
        step[index] = eps
        plus = scratch.cross_entropy(scratch.softmax(z + step), y)
        minus = scratch.cross_entropy(scratch.softmax(z - step), y)
        numeric[index] = (plus - minus) / (2 * eps)
    analytic = scratch.softmax_backward(scratch.softmax(z), y) / m
    np.testing.assert_allclose(analytic, numeric, atol=1e-8)


def test_two_class_softmax_is_sigmoid_of_the_difference():
    z = np.random.default_rng(1).normal(0.0, 4.0, size=(2, 50))
    np.testing.assert_allclose(scratch.softmax(z)[0], scratch.sigmoid(z[0] - z[1]), atol=1e-15)


def test_shapes_must_match():
    with pytest.raises(ValueError, match="`y`"):
        scratch.cross_entropy(np.ones((3, 2)) / 3, np.ones((2, 2)))
    with pytest.raises(ValueError, match="`y`"):
        scratch.softmax_backward(np.ones((3, 2)) / 3, np.ones((3,)))
