"""The Keras model checker: Ng's check on `tf.GradientTape` backprop, in float64, batched.

The oracle for the batched perturbations is `oracles.loop_check_model_gradients`, a
plain loop over parameters built from public API (`modelcheck.cost_function`).
"""

import keras
import numpy as np
import pytest
from oracles import loop_check_model_gradients

from dlcourse import backend
from dlcourse.gradcheck import gradient_check
from dlcourse.modelcheck import check_model_gradients, cost_function, float64_clone
from dlcourse.models import cnn, deep_net, two_layer_net
from dlcourse.regularizers import L2
from keras_checks import dtype_policy


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
    result = check_model_gradients(regularized, x, y, "binary_crossentropy", gradients=data_only)
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
    for kwargs in (dict(), dict(two_sided=False), dict(max_params=40, seed=3)):
        batched = check_model_gradients(model, x, y, "binary_crossentropy", chunk_size=16, **kwargs)
        loop = loop_check_model_gradients(
            model,
            x,
            y,
            "binary_crossentropy",
            batched.indices,
            two_sided=kwargs.get("two_sided", True),
        )
        assert batched.two_sided == loop.two_sided
        assert abs(batched.difference - loop.difference) < 1e-10
        np.testing.assert_allclose(batched.approx, loop.approx, rtol=0, atol=1e-8)
        np.testing.assert_array_equal(batched.analytic, loop.analytic)
    expected = np.sort(np.random.default_rng(3).choice(model.count_params(), 40, replace=False))
    np.testing.assert_array_equal(batched.indices, expected)  # the documented subsample


def test_float64_clone_copies_architecture_and_weights():
    with dtype_policy("mixed_float16"):
        model = deep_net(5, (8, 6), 1, keep_prob=0.5, regularizer=L2(1.0, m=32), seed=0)
    with backend.float64():  # JAX holds float64 in float32 outside its 64-bit mode
        clone = float64_clone(model)
    assert clone is not model and clone.name == model.name
    assert {v.dtype for v in clone.trainable_variables} == {"float64"}
    assert clone.get_layer("dropout_1").compute_dtype == "float64"
    for ours, theirs in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(ours.astype("float64"), theirs)
    with pytest.raises(ValueError, match="`model`"):
        float64_clone("model")


def test_cost_function_feeds_ngs_numpy_check():
    x, y = _binary_data()
    model = _regularized_net()
    J, gradient, theta = cost_function(model, x, y, "binary_crossentropy")
    np.testing.assert_array_equal(theta, np.concatenate([w.ravel() for w in model.get_weights()]))
    result = gradient_check(J, theta, gradient(theta), epsilon=1e-6)
    assert result.difference < 1e-7
    batched = check_model_gradients(model, x, y, "binary_crossentropy")
    np.testing.assert_allclose(result.approx, batched.approx, rtol=0, atol=1e-8)
    moved = theta + 0.1
    assert J(moved) != J(theta) and not np.allclose(gradient(moved), gradient(theta))
    np.testing.assert_array_equal(model.get_weights()[0].ravel(), theta[:40])  # model untouched
    with pytest.raises(ValueError, match="`x`"):
        cost_function(model, x[:, :3], y, "binary_crossentropy")


def test_one_sided_is_deprecated_for_two_sided():
    x, y = _binary_data()
    model = _regularized_net()
    with pytest.warns(DeprecationWarning, match="two_sided") as record:
        old = check_model_gradients(
            model, x, y, "binary_crossentropy", max_params=10, one_sided=True
        )
    assert record[0].filename == __file__
    new = check_model_gradients(model, x, y, "binary_crossentropy", max_params=10, two_sided=False)
    assert not old.two_sided and old.difference == new.difference


def test_x_and_y_are_checked_against_the_model_before_any_work():
    x, y = _binary_data()  # (32, 5) and (32, 1)
    model = _regularized_net()
    labels = np.zeros(32, dtype=int)
    cases = [
        (
            dict(x=x[:, :4]),
            r"`x`: expected an array of shape \(m, 5\).*"
            r"received x=<array of shape \(32, 4\)>",
        ),
        (dict(x=x[:, :, None]), r"`x`: .*received x=<array of shape \(32, 5, 1\)>"),
        (
            dict(y=y[:31]),
            r"`y`: expected one target per example of x: a first dimension of 32.*"
            r"received y=<array of shape \(31, 1\)>",
        ),
        (
            dict(y=np.zeros((32, 2))),
            r"`y`: expected targets shaped like the model's "
            r"output \(m, 1\).*"
            r"received y=<array of shape \(32, 2\)>",
        ),
    ]
    for overrides, message in cases:
        kwargs = {**dict(model=model, x=x, y=y, loss="binary_crossentropy"), **overrides}
        with pytest.raises(ValueError, match=message):
            check_model_gradients(**kwargs)
    # Shapes Keras's losses accept are left alone: sparse labels, (m,) or (m, 1).
    softmax = two_layer_net(5, 4, 3, seed=0)
    for sparse in (labels, labels[:, None]):
        check_model_gradients(softmax, x, sparse, "sparse_categorical_crossentropy", max_params=5)

    # A custom loss may take targets of any width: only their count is checked.
    def custom(t, p):
        return keras.ops.mean((t - p) ** 2, -1)

    check_model_gradients(model, x, np.zeros((32, 2)), custom, max_params=5)


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
        model = deep_net(5, (8, 6), 1, keep_prob=0.5, regularizer=L2(1.0, m=32), seed=0)
    result = check_model_gradients(model, x, y, "binary_crossentropy")
    assert result.difference < 1e-7
    assert model.get_layer("dropout_1").compute_dtype == "float16"  # model untouched


def test_model_check_on_cnn_softmax_and_loss_objects():
    rng = np.random.default_rng(0)
    x, labels = rng.normal(size=(12, 6, 6)), rng.integers(0, 3, 12)
    model = cnn(
        (6, 6),
        3,
        filters=(2, 3),
        dense_units=(5,),
        activation="tanh",
        regularizer=L2(0.5, m=12),
        seed=0,
    )
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
    if keras.backend.backend() == "tensorflow":
        assert check_model_gradients(sequential, x, y, "mse").difference < 1e-7
    else:  # BatchNormalization computes in `result_type(dtype, "float32")`, which Keras
        # makes float32 off TensorFlow: a float32 cost, and the check says so
        assert keras.backend.result_type("float64", "float32") == "float32"
        with pytest.warns(UserWarning, match="in float32 even for float64 models"):
            check_model_gradients(sequential, x, y, "mse")
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
        (dict(gradients=np.full(109, np.nan)), "gradients"),
        (dict(x=np.zeros((32, 4))), "x"),
        (dict(y=np.zeros((3, 1))), "y"),
    ]
    for overrides, parameter in cases:
        kwargs = {**dict(model=model, x=x, y=y, loss="binary_crossentropy"), **overrides}
        with pytest.raises(ValueError, match=f"`{parameter}`"):
            check_model_gradients(**kwargs)
