"""Tests for `dlcourse.Sweep`: every member trains exactly as its own `model.fit` would.

The oracle is Keras itself: each stacked member's weights, losses and metrics are
compared with `build(**config)` compiled and fitted alone on the same batches.
"""

import os
import subprocess
import sys

import keras
import matplotlib.pyplot as plt
import numpy as np
import pytest

import dlcourse
from dlcourse import plotting
from dlcourse.sweep import Sweep, SweepTable

M = 48  # training examples


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(M, 2)).astype("float32")
    y = (x[:, 0] * x[:, 1] > 0).astype("float32")
    x_dev = rng.normal(size=(20, 2)).astype("float32")
    y_dev = (x_dev[:, 0] * x_dev[:, 1] > 0).astype("float32")
    return x, y, x_dev, y_dev


def tanh_net(lambd=0.0, seed=0, units=(6, 5), keep_prob=1.0):
    return dlcourse.deep_net(
        (2,),
        units,
        1,
        activation="tanh",
        keep_prob=keep_prob,
        regularizer=dlcourse.L2(lambd, m=M),
        seed=seed,
    )


def standalone(config, build, optimizer, x, y, **fit_kwargs):
    """The oracle: `build(**config)` compiled and fitted alone with Keras."""
    model = build(**config)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, verbose=0, **fit_kwargs)
    return model, history


def assert_same_weights(model_a, model_b, tol=1e-5):
    for a, b in zip(model_a.get_weights(), model_b.get_weights()):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


# --------------------------------------------------------------------------- the grid


def test_sweep_grid_is_the_cartesian_product_in_order():
    sweep = Sweep(tanh_net, {"lambd": [0.0, 0.5], "seed": [0, 1, 2]}, seed=0)
    assert sweep.configs == [{"lambd": l, "seed": s} for l in (0.0, 0.5) for s in (0, 1, 2)]
    assert len(sweep.models) == len(sweep) == 6
    assert all(isinstance(model, keras.Model) for model in sweep.models)
    # member i is build(**configs[i]): same initial weights
    assert_same_weights(sweep.models[4], tanh_net(lambd=0.5, seed=1), tol=0)
    assert not np.allclose(sweep.models[0].get_weights()[0], sweep.models[1].get_weights()[0])


def test_sweep_grid_may_be_a_list_of_dicts(data):
    x, y, _, _ = data
    grid = [{"seed": 0}, {"lambd": 0.7, "seed": 1}, {"units": (4,), "seed": 2}]
    sweep = Sweep(tanh_net, grid, seed=0)
    assert sweep.configs == grid
    sweep.compile(optimizer="sgd", loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=2, verbose=0)
    # two architectures: two stacked groups
    assert sorted(g["members"] for g in sweep.groups) == [[0, 1], [2]]
    assert {g["engine"] for g in sweep.groups} == {"stacked"}
    table = sweep.results()
    assert table.columns[:3] == ["seed", "lambd", "units"]
    assert table[0]["lambd"] is None and table[2]["units"] == (4,)


# ----------------------------------------------------------- same result as training alone


@pytest.mark.parametrize(
    "optimizer, batch_size, epochs, oracle, members",
    [
        ("sgd", M, 60, "one long epoch", (2,)),
        ("adam", M, 200, "one long epoch", (1, 2)),
        ("sgd", 8, 10, "one long epoch", (2,)),
        ("adam", M, 4, "epochs", (2,)),
        ("adam", 10, 4, "epochs", (2,)),
    ],
    ids=[
        "sgd-full-batch",
        "adam-full-batch",
        "sgd-mini-batch",
        "adam-full-batch-history",
        "adam-mini-batch-partial-history",
    ],
)
def test_sweep_members_equal_standalone_fit(data, optimizer, batch_size, epochs, oracle, members):
    """Weights (and, epoch by epoch, every history entry) equal the member's own `fit`.

    "one long epoch" is the cheap oracle: the epochs' batches, in order, as one
    `fit` epoch (the same gradient steps, without Keras's per-epoch cost).
    """
    x, y, x_dev, y_dev = data

    def make_optimizer():
        if optimizer == "sgd":
            return keras.optimizers.SGD(0.3, momentum=0.5)
        return keras.optimizers.Adam(0.03)

    grid = {"lambd": [0.0, 2.0], "seed": [3, 4]}
    sweep = Sweep(tanh_net, grid, seed=0)
    sweep.compile(optimizer=make_optimizer(), loss="binary_crossentropy", metrics=["accuracy"])
    histories = sweep.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        shuffle=False,
        validation_data=(x_dev, y_dev),
        verbose=0,
    )
    assert sweep.groups[0]["engine"] == "stacked" and len(sweep.groups) == 1
    for i in members:  # λ = 0 and λ = 2: without and with a penalty
        config = sweep.configs[i]
        if oracle == "one long epoch":
            alone, _ = standalone(
                config,
                tanh_net,
                make_optimizer(),
                np.tile(x, (epochs, 1)),
                np.tile(y, epochs),
                batch_size=batch_size,
                epochs=1,
                shuffle=False,
            )
            assert_same_weights(sweep.models[i], alone)
            continue
        alone, history = standalone(
            config,
            tanh_net,
            make_optimizer(),
            x,
            y,
            batch_size=batch_size,
            epochs=epochs,
            shuffle=False,
            validation_data=(x_dev, y_dev),
        )
        assert_same_weights(sweep.models[i], alone)
        assert list(histories[i].history) == list(history.history)
        for key in history.history:
            np.testing.assert_allclose(
                histories[i].history[key], history.history[key], rtol=1e-5, atol=1e-6, err_msg=key
            )


def test_sweep_shuffled_batches_equal_standalone_fit_on_the_same_order(data):
    """With shuffle=True every epoch follows `default_rng([seed, epoch]).permutation(m)`."""
    x, y, _, _ = data
    batch_size, epochs = 12, 4  # 48 = 4 batches of 12: epochs concatenate cleanly
    sweep = Sweep(tanh_net, {"lambd": [0.5], "seed": [0, 1]}, seed=123)
    sweep.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=0)
    orders = [np.random.default_rng([123, e]).permutation(M) for e in range(epochs)]
    x_all = np.concatenate([x[o] for o in orders])
    y_all = np.concatenate([y[o] for o in orders])
    alone = tanh_net(lambd=0.5, seed=1)
    alone.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    alone.fit(x_all, y_all, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(sweep.models[1], alone)
    # a second fit continues the epoch count: new orders, and Adam's state carries on
    sweep.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
    order = np.random.default_rng([123, epochs]).permutation(M)
    alone.fit(x[order], y[order], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(sweep.models[1], alone)
    # the member's own optimizer holds its slice of the state: its own fit continues exactly
    member = sweep.models[1]
    assert int(member.optimizer.iterations.numpy()) == int(alone.optimizer.iterations.numpy()) == 20
    member.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    alone.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    assert_same_weights(member, alone)


def test_sweep_member_loss_includes_its_own_penalty(data):
    x, y, _, _ = data
    lambdas = [0.0, 0.7, 3.0]
    sweep = Sweep(tanh_net, {"lambd": lambdas, "seed": [0]}, seed=0)
    sweep.compile(optimizer=keras.optimizers.SGD(0.0), loss="binary_crossentropy")
    before = sweep.evaluate(x, y)
    histories = sweep.fit(x, y, batch_size=M, epochs=1, verbose=0)  # lr 0: weights stay
    for lambd, model, result, history in zip(lambdas, sweep.models, before, histories):
        kernels = [w for w in model.trainable_weights if "kernel" in w.path]
        penalty = lambd / (2 * M) * sum(float(np.sum(np.square(k.numpy()))) for k in kernels)
        data_loss = keras.ops.convert_to_numpy(
            keras.losses.binary_crossentropy(y[:, None], model.predict(x, verbose=0))
        )
        expected = float(np.mean(data_loss)) + penalty
        assert result["loss"] == pytest.approx(expected, rel=1e-5)
        assert history.history["loss"][0] == pytest.approx(expected, rel=1e-5)
        assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert before[2]["loss"] > before[1]["loss"] > before[0]["loss"]


def test_sweep_any_regularizer_is_called_on_the_member_slice(data):
    """A regularizer the sweep cannot vectorize is evaluated per member.

    A smooth one (a quartic penalty): Keras's OrthogonalRegularizer takes |·| of
    products near 0, whose kink turns float32 round-off (a batched matmul on PyTorch,
    4e-9 after one step) into 1e-4 after 30 Adam steps.
    """
    x, y, _, _ = data

    class Quartic(keras.regularizers.Regularizer):
        def __init__(self, factor):
            self.factor = factor

        def __call__(self, weight):
            return self.factor * keras.ops.sum(keras.ops.square(keras.ops.square(weight)))

    def build(factor, seed):
        regularizer = Quartic(factor) if factor else None
        return dlcourse.deep_net(
            (2,), (6,), 1, activation="tanh", regularizer=regularizer, seed=seed
        )

    sweep = Sweep(build, {"factor": [0.0, 0.5], "seed": [0]}, seed=0)
    sweep.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=30, verbose=0)
    alone, _ = standalone(
        {"factor": 0.5, "seed": 0},
        build,
        keras.optimizers.Adam(0.05),
        x,
        y,
        batch_size=M,
        epochs=30,
    )
    assert_same_weights(sweep.models[1], alone)


# ---------------------------------------------------------------------------- dropout


def test_sweep_dropout_masks_have_each_members_distribution():
    """Share dropped ≈ 1 − keep_prob, kept units scaled by 1/keep_prob, per member."""
    n = 4000

    def build(keep_prob, seed):
        inputs = keras.Input((1,))
        h = keras.layers.Dense(n, use_bias=False, kernel_initializer="ones", name="hidden_1")(
            inputs
        )
        if keep_prob < 1:
            h = dlcourse.InvertedDropout(keep_prob, name="dropout_1")(h)
        return keras.Model(inputs, h)

    keeps = [1.0, 0.8, 0.5]
    sweep = Sweep(build, {"keep_prob": keeps, "seed": [0]}, seed=7)
    sweep.compile(optimizer="sgd", loss="mse")
    x = np.full((2, 1), 3.0, "float32")
    sweep.evaluate(x, np.zeros((2, n), "float32"))
    x = keras.ops.convert_to_tensor(x)  # the engine takes backend tensors
    assert len(sweep.groups) == 1 and sweep.groups[0]["engine"] == "stacked"
    (engine,) = {id(e): e for e in sweep._engines.values()}.values()
    flat = engine.variable.value
    first = keras.ops.convert_to_numpy(engine.forward(flat, x, training=True))  # (3, 2, n)
    second = keras.ops.convert_to_numpy(engine.forward(flat, x, training=True))
    inference = keras.ops.convert_to_numpy(engine.forward(flat, x, training=False))
    np.testing.assert_array_equal(inference, np.full((3, 2, n), 3.0))
    for member, keep in enumerate(keeps):
        out = first[member]
        assert set(np.unique(out)) <= {0.0, np.float32(3.0 / keep)}
        dropped = np.mean(out == 0)
        sigma = np.sqrt(keep * (1 - keep) / out.size)
        assert abs(dropped - (1 - keep)) <= 4 * sigma + 1e-9
        if keep < 1:
            assert not np.array_equal(first[member], second[member])  # a new mask every step
    # the same distribution as the member's own layer
    layer = sweep.models[2].get_layer("dropout_1")
    own = keras.ops.convert_to_numpy(layer(np.full((2, n), 3.0, "float32"), training=True))
    assert abs(np.mean(own == 0) - np.mean(first[2] == 0)) < 0.05


def test_sweep_groups_keep_probs_and_keras_dropout_together(data):
    x, y, _, _ = data

    def build(keep_prob, seed):
        if keep_prob == "keras":
            inputs = keras.Input((2,))
            h = keras.layers.Dense(6, activation="tanh", name="hidden_1")(inputs)
            h = keras.layers.Dropout(0.3)(h)
            h = keras.layers.Dense(5, activation="tanh", name="hidden_2")(h)
            return keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
        return tanh_net(seed=seed, keep_prob=keep_prob)

    sweep = Sweep(build, {"keep_prob": [1.0, 0.8, (0.9, 0.5), "keras"], "seed": [0]}, seed=0)
    sweep.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    histories = sweep.fit(x, y, batch_size=16, epochs=3, verbose=0)
    assert [g["members"] for g in sweep.groups] == [[0, 1, 2, 3]]
    assert all(len(h.history["loss"]) == 3 for h in histories)


# ------------------------------------------------------------------------------- groups


def test_sweep_groups_learning_rates_and_batch_sizes(data):
    x, y, _, _ = data
    grid = [
        {"learning_rate": 0.01, "batch_size": 16, "seed": 0},
        {"learning_rate": 0.2, "batch_size": 16, "seed": 0},
        {"learning_rate": 0.2, "seed": 1},  # fit's batch_size
        {"learning_rate": 0.2, "batch_size": 16, "seed": 1},
    ]
    sweep = Sweep(tanh_net, grid, seed=0)  # tanh_net takes neither: the sweep reads them
    sweep.compile(optimizer=keras.optimizers.SGD(0.05), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=5, shuffle=False, verbose=0)
    # SGD's step is proportional to its rate: one group per batch size
    assert sorted((g["batch_size"], g["members"], g["learning_rate"]) for g in sweep.groups) == [
        (16, [0, 1, 3], [0.01, 0.2, 0.2]),
        (M, [2], 0.2),
    ]
    assert sweep.models[1].optimizer.learning_rate.numpy() == pytest.approx(0.2)
    alone, _ = standalone(
        {"seed": 1},
        tanh_net,
        keras.optimizers.SGD(0.2),
        x,
        y,
        batch_size=16,
        epochs=5,
        shuffle=False,
    )
    assert_same_weights(sweep.models[3], alone)


@pytest.mark.parametrize(
    "optimizer",
    [
        keras.optimizers.SGD(0.1),
        keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True),
        keras.optimizers.RMSprop(0.01, momentum=0.5),
        keras.optimizers.Adam(0.01),
        keras.optimizers.AdamW(0.01, weight_decay=0.05),
    ],
    ids=["sgd", "nesterov", "rmsprop-momentum", "adam", "adamw"],
)
def test_sweep_members_with_different_learning_rates_share_a_group(data, optimizer):
    """One group at rate 1, each step scaled by the member's rate: the same as alone."""
    x, y, _, _ = data
    rates = [float(np.float32(optimizer.learning_rate) * k) for k in (0.25, 1.0, 2.0)]
    sweep = Sweep(tanh_net, {"learning_rate": rates, "lambd": [0.5]}, seed=0)
    sweep.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    histories = sweep.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0)
    assert all(model.history is h for model, h in zip(sweep.models, histories))  # as after fit
    assert [(g["members"], g["learning_rate"]) for g in sweep.groups] == [([0, 1, 2], rates)]
    for member, rate in enumerate(rates):
        config = optimizer.get_config() | {"learning_rate": rate}
        alone, history = standalone(
            {"lambd": 0.5},
            tanh_net,
            type(optimizer).from_config(config),
            x,
            y,
            batch_size=16,
            epochs=4,
            shuffle=False,
        )
        assert_same_weights(sweep.models[member], alone)
        np.testing.assert_allclose(
            histories[member].history["loss"], history.history["loss"], rtol=1e-5
        )
        # the member's own optimizer continues where the group stopped (momentum too)
        own = sweep.models[member].optimizer.variables
        for mine, theirs in zip(own, alone.optimizer.variables):
            np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6)


def test_sweep_keeps_one_group_per_learning_rate_when_the_step_is_not_proportional(data):
    x, y, _, _ = data
    sweep = Sweep(tanh_net, {"learning_rate": [0.05, 0.2]}, seed=0)
    sweep.compile(optimizer=keras.optimizers.Ftrl(0.1), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=2, verbose=0)
    assert sorted((g["learning_rate"], g["members"]) for g in sweep.groups) == [
        (0.05, [0]),
        (0.2, [1]),
    ]


@pytest.mark.parametrize("name", ["Adam", "Adagrad", "Ftrl", "RMSprop"])
def test_sweep_stacks_an_optimizer_only_when_each_slot_names_its_weight(data, name):
    # The engine copies a member's slots back by the weight's path in the slot's name;
    # Keras 3.7's Ftrl names its `accumulator` by the kind alone: such an optimizer trains
    # each member with its own fit, and the group says why.
    from dlcourse.sweep import plan

    x, y, _, _ = data
    cls = getattr(keras.optimizers, name)
    unnamed = plan._slots_not_named_by_weight(type(cls()))
    sweep = Sweep(tanh_net, {"seed": [0, 1]}, seed=0)
    sweep.compile(optimizer=cls(0.05), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=2, verbose=0)
    engines = {g["engine"] for g in sweep.groups}
    if unnamed:
        assert engines == {"fit"}
        assert all("without their weight" in g["reason"] for g in sweep.groups)
    else:
        assert engines == {"stacked"}


def test_sweep_passes_reserved_keys_to_build_when_it_names_them():
    seen = []

    def build(learning_rate, seed):
        seen.append(learning_rate)
        return tanh_net(seed=seed)

    Sweep(build, {"learning_rate": [0.1, 0.2], "seed": [0]})
    assert seen == [0.1, 0.2]


def test_sweep_groups_different_architectures(data):
    x, y, _, _ = data

    def build(units, seed):  # another depth and another activation: another group
        activation = "relu" if len(units) > 1 else "tanh"
        return dlcourse.deep_net((2,), units, 1, activation=activation, seed=seed)

    sweep = Sweep(build, {"units": [(4,), (4, 3)], "seed": [0, 1]}, seed=0)
    sweep.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=15, verbose=0)
    assert sorted(g["members"] for g in sweep.groups) == [[0, 1], [2, 3]]
    alone, _ = standalone(
        sweep.configs[3], build, keras.optimizers.Adam(0.02), x, y, batch_size=M, epochs=15
    )
    assert_same_weights(sweep.models[3], alone)


def test_sweep_trains_unstackable_models_through_their_own_fit():
    digits = dlcourse.datasets.load_digits(images=True)
    x, y = digits.x_train[:64], digits.y_train[:64]

    def build(kind, seed):
        if kind == "cnn":
            return dlcourse.cnn((8, 8, 1), 10, filters=(2,), dense_units=(8,), seed=seed)
        return dlcourse.deep_net((8, 8, 1), (8,), 10, activation="relu", seed=seed)

    sweep = Sweep(build, {"kind": ["cnn", "dense"], "seed": [0]}, seed=0)
    sweep.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    histories = sweep.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
    engines = {tuple(g["members"]): g for g in sweep.groups}
    assert engines[(0,)]["engine"] == "fit" and "Conv2D" in engines[(0,)]["reason"]
    assert engines[(1,)]["engine"] == "stacked"
    for i in (0, 1):
        alone = build(**sweep.configs[i])
        alone.compile(
            optimizer=keras.optimizers.Adam(0.01),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        history = alone.fit(x, y, batch_size=32, epochs=3, shuffle=False, verbose=0)
        assert_same_weights(sweep.models[i], alone)
        np.testing.assert_allclose(histories[i].history["loss"], history.history["loss"], rtol=1e-4)


def test_sweep_falls_back_for_an_optimizer_that_couples_members(data):
    x, y, _, _ = data
    sweep = Sweep(tanh_net, {"seed": [0, 1]}, seed=0)
    sweep.compile(
        optimizer=keras.optimizers.SGD(0.1, global_clipnorm=0.1), loss="binary_crossentropy"
    )
    sweep.fit(x, y, batch_size=M, epochs=2, verbose=0)
    assert {g["engine"] for g in sweep.groups} == {"fit"}
    assert "global_clipnorm" in sweep.groups[0]["reason"]


# ---------------------------------------------------------------- evaluate, results, models


@pytest.fixture(scope="module")
def trained(data):
    """One trained sweep, shared by the tests that only read it."""
    x, y, x_dev, y_dev = data
    sweep = Sweep(tanh_net, {"lambd": [0.0, 0.7, 2.0], "seed": [0, 1]}, seed=0)
    sweep.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss="binary_crossentropy",
        metrics=["accuracy", "mse"],
    )
    sweep.fit(x, y, batch_size=16, epochs=7, validation_data=(x_dev, y_dev), verbose=0)
    return sweep


def test_sweep_evaluate_equals_each_models_evaluate(data, trained):
    _, _, x_dev, y_dev = data
    results = trained.evaluate(x_dev, y_dev)
    assert len(results) == 6
    for i in (0, 5):  # without and with a penalty
        model, result = trained.models[i], results[i]
        expected = model.evaluate(x_dev, y_dev, verbose=0, return_dict=True)
        assert list(result) == list(expected)
        for key in expected:
            assert result[key] == pytest.approx(expected[key], rel=1e-5, abs=1e-6), key


def test_sweep_evaluate_twice_on_sets_of_different_sizes(data, trained):
    x, y, x_dev, y_dev = data
    assert len(x) != len(x_dev)
    first, second = trained.evaluate(x, y), trained.evaluate(x_dev, y_dev)  # retraces
    expected = trained.models[0].evaluate(x_dev, y_dev, verbose=0, return_dict=True)
    assert second[0]["loss"] == pytest.approx(expected["loss"], rel=1e-5, abs=1e-6)
    assert first[0]["loss"] != second[0]["loss"]


def test_sweep_results_table_prints_configs_and_final_metrics(trained):
    histories = trained.histories
    table = trained.results()
    assert isinstance(table, SweepTable) and len(table) == 6
    assert table.columns == [
        "lambd",
        "seed",
        "accuracy",
        "loss",
        "mse",
        "val_accuracy",
        "val_loss",
        "val_mse",
    ]
    assert table[3]["val_loss"] == histories[3].history["val_loss"][-1]
    assert table.column("lambd") == [0.0, 0.0, 0.7, 0.7, 2.0, 2.0]
    lines = str(table).splitlines()
    assert len(lines) == 8 and lines[0].split() == table.columns
    assert f"{histories[2].history['loss'][-1]:.4g}" in lines[4]
    assert trained.results(metrics=["loss"], epoch=0).columns == ["lambd", "seed", "loss"]
    assert trained.results(metrics=["loss"], epoch=0)[5]["loss"] == histories[5].history["loss"][0]
    assert table.to_markdown().startswith("| lambd | seed |")
    with pytest.raises(ValueError, match="metrics"):
        trained.results(metrics=["auc"])


def test_sweep_histories_have_one_entry_per_epoch(trained):
    assert len(trained.histories) == 6
    for history, model in zip(trained.histories, trained.models):
        assert isinstance(history, keras.callbacks.History)
        # history.model, not model.history: Keras 3.7's evaluate() (run on these models by
        # earlier tests) replaces model.history; newer Keras leaves it
        assert history.epoch == list(range(7)) and history.model is model
        assert all(len(values) == 7 for values in history.history.values())


def test_sweep_models_save_and_load_without_custom_objects(data, trained, tmp_path):
    x = data[0]
    path = tmp_path / "member.keras"
    trained.models[3].save(path)
    loaded = keras.models.load_model(path)  # dlcourse.L2 inside: no custom_objects
    np.testing.assert_allclose(
        loaded.predict(x, verbose=0), trained.models[3].predict(x, verbose=0)
    )
    assert loaded.get_layer("hidden_1").kernel_regularizer.lambd == 0.7
    assert int(loaded.optimizer.iterations.numpy()) == 7 * 3  # its own optimizer state came along


def test_sweep_verbose_shows_one_progress_bar(data, capsys):
    x, y, _, _ = data
    sweep = Sweep(tanh_net, {"seed": [0, 1]}, seed=0)
    sweep.compile(optimizer="adam", loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=40, verbose=1)
    out = capsys.readouterr().out
    assert "80/80" in out and "member-epoch" in out
    sweep.fit(x, y, batch_size=M, epochs=5, verbose=0)
    assert capsys.readouterr().out == ""


def test_sweep_plotting_helpers(trained):
    fig, (left, right) = plt.subplots(1, 2)
    assert plotting.plot_sweep(left, trained, "lambd", metric="val_accuracy") is left
    (mean_line,) = [line for line in left.get_lines() if line.get_marker() == "o"]
    final = [h.history["val_accuracy"][-1] for h in trained.histories]
    np.testing.assert_allclose(
        mean_line.get_ydata(), [np.mean(final[i : i + 2]) for i in (0, 2, 4)]
    )
    assert plotting.plot_sweep(left, trained, "seed", metric="loss", spread="std") is left
    assert plotting.plot_sweep_curves(right, trained, "loss", by="lambd") is right
    assert len(right.get_lines()) == 6 and len(right.get_legend().get_texts()) == 3
    with pytest.raises(ValueError, match="metric"):
        plotting.plot_sweep(left, trained, "lambd", metric="auc")
    plt.close(fig)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "grid, match",
    [
        ({}, "grid"),
        ([], "grid"),
        ({"lambd": []}, "grid\\['lambd'\\]"),
        ({"lambd": 0.5}, "grid\\['lambd'\\]"),
        ({"lamda": [0.5]}, "`lamda`"),
        ([{"seed": 0}, {"sede": 1}], "`sede`"),
        ({"learning_rate": [-1.0]}, "learning_rate"),
        ({"batch_size": [0]}, "batch_size"),
    ],
)
def test_sweep_rejects_bad_grids(grid, match):
    with pytest.raises(ValueError, match=match):
        Sweep(tanh_net, grid)


def test_sweep_rejects_a_missing_build_argument():
    def build(lambd, seed):
        return tanh_net(lambd, seed)

    with pytest.raises(ValueError, match="requires `seed`"):
        Sweep(build, {"lambd": [0.1]})


def test_sweep_rejects_bad_data_and_settings_before_training(data):
    x, y, _, _ = data
    sweep = Sweep(tanh_net, {"seed": [0]}, seed=0)
    with pytest.raises(RuntimeError, match="compile"):
        sweep.fit(x, y)
    sweep.compile(optimizer="sgd", loss="binary_crossentropy")
    initial = sweep.models[0].get_weights()
    cases = [
        (dict(x=x, y=y[:-1]), "same number of examples"),
        (dict(x=x, y=np.zeros((M, 3), "float32")), "outputs shape"),
        (dict(x=x[:, :1], y=y), "takes inputs of shape"),
        (dict(x=x, y=y, epochs=0), "epochs"),
        (dict(x=x, y=y, epochs=1.5), "epochs"),
        (dict(x=x, y=y, batch_size=0), "batch_size"),
        (dict(x=x, y=y, validation_data=(x, y[:3])), "validation"),
        (dict(x=x, y=y, verbose=3), "verbose"),
    ]
    for kwargs, match in cases:
        with pytest.raises(ValueError, match=match):
            sweep.fit(**kwargs)
    for before, after in zip(initial, sweep.models[0].get_weights()):
        np.testing.assert_array_equal(before, after)  # nothing trained


def test_sweep_rejects_labels_outside_the_classes():
    def build(seed):
        return dlcourse.deep_net((4,), (3,), 3, seed=seed)

    sweep = Sweep(build, {"seed": [0]})
    sweep.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="labels|integers"):
        sweep.fit(np.zeros((5, 4)), np.array([0, 1, 2, 3, 1]), epochs=1, verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("where", ["x", "y", "validation x"])
def test_sweep_rejects_non_finite_data_before_training(data, where, bad):
    x, y, x_dev, y_dev = (a.copy() for a in data)
    target = {"x": x, "y": y, "validation x": x_dev}[where]
    target.flat[3] = bad
    sweep = Sweep(tanh_net, {"seed": [0]}, seed=0)
    sweep.compile(optimizer="sgd", loss="binary_crossentropy")
    initial = sweep.models[0].get_weights()
    with pytest.raises(ValueError, match=f"Invalid {where}: expected finite numbers"):
        sweep.fit(x, y, validation_data=(x_dev, y_dev), epochs=1, verbose=0)
    for before, after in zip(initial, sweep.models[0].get_weights()):
        np.testing.assert_array_equal(before, after)


# ------------------------------------------------------------------------ the engine


def test_sweep_plan_says_why_and_how_in_words(data):
    x, y, _, _ = data
    sweep = Sweep(tanh_net, {"learning_rate": [0.01, 0.1], "seed": [0]}, seed=0)
    sweep.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=1, verbose=0)
    (group,) = sweep.groups
    assert group["engine"] == "stacked" and "one architecture" in group["reason"]
    assert "each member's step × its own rate" in group["rate_rule"]


def test_sweep_new_epochs_or_verbose_do_not_recompile(data, capsys):
    """The compiled loop's key is the data's shape: `epochs` and `verbose` are not in it."""
    x, y, x_dev, y_dev = data
    sweep = Sweep(tanh_net, {"seed": [0, 1]}, seed=0)
    sweep.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    sweep.fit(x, y, batch_size=16, epochs=3, validation_data=(x_dev, y_dev), verbose=0)
    (engine,) = set(sweep._engines.values())
    compiled, traces = dict(engine._compiled), engine.traces
    for epochs, verbose in ((7, 1), (250, 0), (2, "auto")):
        sweep.fit(
            x, y, batch_size=16, epochs=epochs, validation_data=(x_dev, y_dev), verbose=verbose
        )
        assert len(sweep.histories[0].history["loss"]) == epochs
    assert engine._compiled == compiled  # the same compiled functions
    if keras.backend.backend() != "torch":  # PyTorch runs the loop eagerly: nothing traced
        assert engine.traces == traces
    assert "member-epoch" in capsys.readouterr().out


def test_sweep_copies_every_optimizer_slot_or_names_the_one_it_cannot(data):
    x, y, _, _ = data
    sweep = Sweep(tanh_net, {"seed": [0, 1]}, seed=0)
    sweep.compile(optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy")
    sweep.fit(x, y, batch_size=M, epochs=3, verbose=0)
    (engine,) = set(sweep._engines.values())
    alone, _ = standalone(
        {"seed": 1}, tanh_net, keras.optimizers.Adam(0.05), x, y, batch_size=M, epochs=3
    )
    own = sweep.models[1].optimizer.variables
    assert len(own) == len(alone.optimizer.variables) > 2  # step count, lr, 2 moments per weight
    for mine, theirs in zip(own, alone.optimizer.variables):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-4, atol=1e-6)
    # a member optimizer slot the group's optimizer does not have: an error naming it
    member = sweep.models[0].optimizer
    extra = member.add_variable_from_reference(sweep.models[0].trainable_variables[0], "mystery")
    member._variables.append(extra)
    with pytest.raises(ValueError, match="_mystery"):
        engine.push()


SPREAD_SCRIPT = """
import jax, keras, numpy as np, dlcourse
assert keras.backend.backend() == "jax" and len(jax.devices()) == 2, jax.devices()
rng = np.random.default_rng(0)
x = rng.normal(size=(48, 2)).astype("float32")
y = (x[:, 0] * x[:, 1] > 0).astype("float32")
def build(lambd, seed):
    return dlcourse.deep_net((2,), (6, 5), 1, activation="tanh",
                             regularizer=dlcourse.L2(lambd, m=48), seed=seed)
sweep = dlcourse.Sweep(build, {"lambd": [0.0, 2.0], "seed": [3, 4]}, seed=0)
sweep.compile(optimizer=keras.optimizers.Adam(0.03), loss="binary_crossentropy")
sweep.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
(engine,) = set(sweep._engines.values())
print("devices", len(engine.state()[0].sharding.device_set))
for i, config in enumerate(sweep.configs):
    alone = build(**config)  # one device: the model's own fit
    alone.compile(optimizer=keras.optimizers.Adam(0.03), loss="binary_crossentropy")
    alone.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
    for a, b in zip(sweep.models[i].get_weights(), alone.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
print("same weights")
"""


def test_sweep_spreads_members_over_devices_on_jax():
    """On JAX with two (virtual CPU) devices the members are split over both: same weights."""
    pytest.importorskip("jax")
    env = dict(
        os.environ,
        KERAS_BACKEND="jax",
        XLA_FLAGS="--xla_force_host_platform_device_count=2",
        JAX_PLATFORMS="cpu",
    )
    done = subprocess.run(
        [sys.executable, "-c", SPREAD_SCRIPT], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "devices 2" in done.stdout and "same weights" in done.stdout
