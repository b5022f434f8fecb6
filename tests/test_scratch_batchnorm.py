"""dlcourse.scratch.batchnorm: Ng's formulas against keras.layers.BatchNormalization."""

import keras
import numpy as np
import pytest

from dlcourse import scratch


def _keras_layer(n, gamma, beta, momentum=0.9, epsilon=1e-3):
    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon, dtype="float64")
    layer.build((None, n))
    layer.set_weights([gamma.ravel(), beta.ravel(), np.zeros(n), np.ones(n)])
    return layer


def test_training_forward_inference_and_running_stats_match_keras():
    rng = np.random.default_rng(0)
    n, m, momentum = 5, 16, 0.9
    gamma, beta = rng.uniform(0.5, 2, (n, 1)), rng.normal(size=(n, 1))
    layer = _keras_layer(n, gamma, beta, momentum)
    running_mean, running_var = np.zeros((n, 1)), np.ones((n, 1))  # Keras's starting values
    for _ in range(20):
        z = rng.normal(3.0, 2.0, size=(n, m))  # (n, m): examples as columns
        z_tilde, mu, var = scratch.batchnorm_forward(z, gamma, beta)
        keras_out = keras.ops.convert_to_numpy(layer(z.T, training=True)).T
        np.testing.assert_allclose(z_tilde, keras_out, atol=1e-12)
        running_mean = scratch.ewa_update(running_mean, mu, momentum)
        running_var = scratch.ewa_update(running_var, var, momentum)
    moving = [
        keras.ops.convert_to_numpy(v)[:, None] for v in (layer.moving_mean, layer.moving_variance)
    ]
    np.testing.assert_allclose(running_mean, moving[0], atol=1e-12)
    np.testing.assert_allclose(running_var, moving[1], atol=1e-12)
    z = rng.normal(3.0, 2.0, size=(n, 3))
    ours = scratch.batchnorm_inference(z, gamma, beta, running_mean, running_var)
    np.testing.assert_allclose(
        ours, keras.ops.convert_to_numpy(layer(z.T, training=False)).T, atol=1e-12
    )


def test_forward_normalizes_each_unit_and_beta_replaces_the_bias():
    rng = np.random.default_rng(1)
    z = rng.normal(5.0, 3.0, size=(3, 50))
    z_tilde, mu, var = scratch.batchnorm_forward(z, np.ones((3, 1)), np.zeros((3, 1)), epsilon=0)
    np.testing.assert_allclose(z_tilde.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(z_tilde.var(axis=1), 1, atol=1e-12)
    np.testing.assert_allclose(mu.ravel(), z.mean(axis=1))
    np.testing.assert_allclose(var.ravel(), z.var(axis=1))
    shifted, _, _ = scratch.batchnorm_forward(z + 7.0, np.ones((3, 1)), np.zeros((3, 1)), epsilon=0)
    np.testing.assert_allclose(shifted, z_tilde, atol=1e-12)  # a bias b added to z cancels


def test_bad_shapes_and_momentum_raise():
    z = np.zeros((3, 4))
    with pytest.raises(ValueError, match="`gamma`"):
        scratch.batchnorm_forward(z, np.ones((2, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="`z`"):
        scratch.batchnorm_forward(np.zeros(3), np.ones((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="`momentum`"):
        scratch.ewa_update(0.0, 1.0, momentum=1.5)
