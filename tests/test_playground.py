"""`dlcourse.Playground`, driven as a learner drives it: through `set`/`step` and the widgets.

Every control is moved across its range and the test checks what changes in the model,
the history or the exported code; a headless-Chromium test serves the notebook with
Voilà and reads the page over the DevTools protocol: every control of the settings table
with its label, the buttons, and a decision boundary that Play changes.
"""

import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import keras
import numpy as np
import pytest

from dlcourse.layers import InvertedDropout
from dlcourse.playground import core
from dlcourse.playground import settings as pg_settings
from dlcourse.playground.core import Playground

ROOT = Path(__file__).resolve().parents[1]


def small(**settings):
    """A quick playground: few points, a small net, a learning rate that moves."""
    base = dict(
        dataset="xor", n_points=80, hidden_units=(4,), activation="tanh", learning_rate=0.3, seed=0
    )
    return Playground(**{**base, **settings})


def kernels(model):
    return [layer.kernel.numpy() for layer in model.layers if hasattr(layer, "kernel")]


def binary_cross_entropy(y, p):
    p = np.clip(p.astype("float64"), 1e-7, 1 - 1e-7)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


# ------------------------------------------------------------------------- contract


def test_playground_contract_model_history_and_step():
    pg = Playground(
        dataset="xor",
        hidden_units=(8,),
        activation="relu",
        initializer="he",
        learning_rate=0.1,
        seed=0,
    )
    assert [layer.name for layer in pg.model.layers[1:]] == ["hidden_1", "output"]
    assert pg.model.get_layer("hidden_1").activation is keras.activations.relu
    assert set(pg.history) >= {"loss", "val_loss", "accuracy", "val_accuracy", "step", "epoch"}
    assert pg.history["step"] == [0]  # the initial point
    record = pg.step(150)
    assert record["step"] == pg.steps == 150
    assert pg.history["step"] == [0, 150]
    assert pg.epoch == pytest.approx(150 / pg.batches_per_epoch)
    assert pg.history["loss"][-1] < pg.history["loss"][0]
    assert pg.history["accuracy"][-1] > 0.9
    assert set(pg.gradient_norms) == {"hidden_1", "output"}
    assert all(len(norms) == 2 for norms in pg.gradient_norms.values())
    assert pg.diagnosis().verdict in {
        "high bias",
        "high variance",
        "high bias and high variance",
        "low bias and low variance",
    }
    pg.step(0)  # records without training
    assert pg.history["step"] == [0, 150, 150]


def test_same_settings_give_the_same_run_and_reset_replays_it():
    first = small(hidden_units=(6, 6), keep_prob=0.7, batch_size=7)
    second = small(hidden_units=(6, 6), keep_prob=0.7, batch_size=7)
    first.step(40)
    second.step(40)
    assert first.history == second.history  # weights, batches and dropout masks alike
    before = dict(first.history)
    first.reset()
    assert first.steps == 0 and first.history["step"] == [0]
    first.step(40)
    assert first.history == before


def test_going_back_to_a_network_reuses_it_from_its_initial_state():
    pg = small(hidden_units=(6,), keep_prob=0.7, optimizer="adam", batch_size=7)
    model = pg.model
    pg.step(30)
    trained = dict(pg.history)
    pg.set(activation="relu")
    assert pg.model is not model
    pg.set(activation="tanh")  # back: the same Keras model, compiled, reset
    assert pg.model is model and pg.steps == 0
    pg.step(30)
    assert pg.history == trained  # weights, optimizer state and dropout masks as new
    for seed in range(1, core.KEEP_NETWORKS + 3):  # only the latest networks stay built
        pg.set(seed=seed)
    assert len(pg._trainers) == core.KEEP_NETWORKS


def test_zeros_initialization_keeps_hidden_units_identical():
    pg = small(initializer="zeros", hidden_units=(5, 5), activation="relu")
    pg.step(60)
    for kernel in kernels(pg.model)[:-1]:
        assert np.max(np.abs(kernel - kernel[:, :1])) < 1e-6  # every unit the same
    assert max(pg.history["accuracy"]) <= 0.6  # symmetric units cannot solve xor
    pg.set(initializer="he")
    pg.step(60)
    hidden = kernels(pg.model)[0]
    assert np.max(np.abs(hidden - hidden[:, :1])) > 1e-2


def test_keep_prob_below_one_puts_inverted_dropout_in_the_model():
    pg = small(hidden_units=(6, 6))
    assert not [layer for layer in pg.model.layers if isinstance(layer, InvertedDropout)]
    pg.set(keep_prob=(0.5, 1.0))
    dropouts = [layer for layer in pg.model.layers if isinstance(layer, InvertedDropout)]
    assert [layer.name for layer in dropouts] == ["dropout_1"]
    assert dropouts[0].keep_prob == 0.5
    pg.set(keep_prob=0.8)
    assert [layer.name for layer in pg.model.layers[1:]] == [
        "hidden_1",
        "dropout_1",
        "hidden_2",
        "dropout_2",
        "output",
    ]
    pg.set(hidden_units=(6, 6, 6))  # a float keep_prob covers the new layer too
    assert "dropout_3" in [layer.name for layer in pg.model.layers]


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_lambda_adds_the_course_penalty_to_the_loss(kind):
    pg = small(regularizer=kind, lambd=1.0, hidden_units=(6,))
    pg.step(20)
    m = len(pg.x_train)
    weights = kernels(pg.model)
    if kind == "l2":
        penalty = 1.0 / (2 * m) * sum(np.sum(w.astype("float64") ** 2) for w in weights)
    else:
        penalty = 1.0 / m * sum(np.sum(np.abs(w.astype("float64"))) for w in weights)
    features = pg._features["train"]
    data_loss = binary_cross_entropy(pg.y_train, pg.model.predict(features, verbose=0)[:, 0])
    assert penalty > 1e-3
    assert pg.history["loss"][-1] == pytest.approx(data_loss + penalty, rel=1e-4)
    assert type(pg.model.get_layer("hidden_1").kernel_regularizer).__name__ == kind.upper()
    pg.set(lambd=0.0)  # resets; with λ = 0 the cost is the cross-entropy alone
    data_loss = binary_cross_entropy(pg.y_train, pg.model.predict(features, verbose=0)[:, 0])
    assert pg.history["loss"][-1] == pytest.approx(data_loss, rel=1e-4)


def test_learning_rate_changes_live_and_other_settings_reset():
    pg = small()
    pg.step(10)
    pg.set(learning_rate=0.01, steps_per_frame=3)
    assert pg.steps == 10  # no reset, as in TensorFlow Playground
    assert float(pg.optimizer.learning_rate) == pytest.approx(0.01)
    pg.set(batch_size=5)
    assert pg.steps == 0 and pg.history["step"] == [0]
    assert float(pg.optimizer.learning_rate) == pytest.approx(0.01)  # kept over the reset
    pg.step(10)
    pg.reset()
    assert float(pg.optimizer.learning_rate) == pytest.approx(0.01)


def test_every_data_set_trains_and_three_classes_use_a_softmax():
    pg = small(n_points=60)
    for dataset in pg_settings.DATASETS:
        pg.set(dataset=dataset)
        assert pg.settings["dataset"] == dataset and pg.steps == 0
        assert pg.noise == pg_settings.DATASETS[dataset]
        classes = 3 if dataset == "three_blobs" else 2
        assert pg.classes == classes
        assert pg.model.output_shape == (None, 1 if classes == 2 else 3)
        pg.step(5)
        assert np.isfinite(pg.history["loss"]).all()
    assert pg.model.get_layer("output").activation is keras.activations.softmax
    assert pg.bayes_error == 0.0
    pg.set(dataset="noisy_two_class", noise=0.2)
    assert pg.bayes_error == 0.2  # its flip rate


def test_data_controls_across_their_range():
    pg = small()
    for n_points in pg_settings.LIMITS["n_points"]:
        pg.set(n_points=n_points)
        assert len(pg.x_train) + len(pg.x_dev) == n_points
    for share in pg_settings.LIMITS["train_share"]:
        pg.set(n_points=200, train_share=share)
        assert len(pg.x_train) == pytest.approx(200 * share, abs=2)
    spreads = []
    for noise in pg_settings.LIMITS["noise"]:
        pg.set(noise=noise)
        spreads.append(np.std(np.abs(pg.x_train) - 1.0))  # xor clusters sit at (±1, ±1)
    assert spreads[0] < 1e-6 < spreads[1]
    pg.set(seed=1)
    moved = pg.x_train.copy()
    pg.set(seed=0)
    assert not np.array_equal(moved, pg.x_train)


def test_features_change_the_inputs():
    pg = small(
        dataset="circles",
        hidden_units=(),
        features=("x1^2", "x2^2"),
        optimizer="adam",
        learning_rate=0.1,
    )
    assert pg.model.input_shape == (None, 2)
    np.testing.assert_allclose(pg._features["train"], pg.x_train**2, rtol=1e-6)
    pg.step(150)
    assert pg.history["accuracy"][-1] > 0.95  # circles are linear in x1², x2²
    pg.set(features=pg_settings.FEATURES)
    assert pg.model.input_shape == (None, len(pg_settings.FEATURES))
    x1, x2 = pg.x_train[:, 0], pg.x_train[:, 1]
    expected = np.stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)], axis=1)
    np.testing.assert_allclose(pg._features["train"], expected, rtol=1e-6)


@pytest.mark.parametrize(
    "optimizer, cls, momentum",
    [
        ("sgd", "SGD", 0.0),
        ("momentum", "SGD", 0.9),
        ("rmsprop", "RMSprop", None),
        ("adam", "Adam", None),
    ],
)
def test_optimizers(optimizer, cls, momentum):
    pg = small(optimizer=optimizer, learning_rate=0.01)
    assert type(pg.optimizer).__name__ == cls
    if momentum is not None:
        assert pg.optimizer.get_config()["momentum"] == momentum
    pg.step(5)
    assert pg.steps == 5


def test_one_optimizer_table_builds_the_optimizer_and_its_exported_code():
    for name, optimizer in pg_settings.OPTIMIZERS.items():
        pg = small(optimizer=name, learning_rate=0.01)
        config = pg.optimizer.get_config()
        assert type(pg.optimizer).__name__ == optimizer.keras_class
        assert all(config[key] == value for key, value in optimizer.options)
        assert f"optimizer={optimizer.code(0.01)}," in pg.code()
        built = eval(optimizer.code(0.01), {"keras": keras})  # the exported call, run
        assert built.get_config() | {"name": None} == config | {"name": None}
        assert pg_settings.CHOICES["optimizer"][name] == optimizer.label


def test_warm_up_compiles_the_loop_play_runs_and_trains_nothing():
    pg = small(batch_size=16, steps_per_frame=20)
    trainer = pg._trainer
    assert not trainer.is_compiled(20, 16)
    before = kernels(pg.model)
    pg.warm_up()
    assert trainer.is_compiled(20, 16) and pg.steps == 0
    for a, b in zip(before, kernels(pg.model)):
        np.testing.assert_array_equal(a, b)
    pg.step(20)  # the shapes it compiled for: no new entry
    assert trainer._compiled == {(16, 32)} and pg.steps == 20


def test_training_leaves_no_logging_filter_or_thread_setting_behind():
    import logging

    logger = logging.getLogger("tensorflow")
    before = list(logger.filters)
    threads = None
    if keras.backend.backend() == "torch":
        import torch

        torch.set_num_threads(2)
        threads = torch.get_num_threads
    pg = small()
    pg.step(3)
    assert logger.filters == before  # nothing left installed by import or by training
    if threads is not None:
        assert threads() == 2  # one thread only while the playground's functions ran


def test_network_controls_activation_initializer_and_depth():
    pg = small()
    stds = {}
    for activation, initializer in zip(pg_settings.ACTIVATIONS, pg_settings.INITIALIZERS):
        pg.set(activation=activation, initializer=initializer, hidden_units=(16,))
        expected = getattr(keras.activations, activation)
        assert pg.model.get_layer("hidden_1").activation is expected
        stds[initializer] = float(np.std(kernels(pg.model)[0]))
    assert stds["zeros"] == 0 and stds["large_random"] > 5 > stds["he"] > stds["xavier"] > 0
    pg.set(hidden_units=(3,) * pg_settings.LIMITS["hidden_layers"][1])
    assert [layer.name for layer in pg.model.layers[1:]][-2:] == ["hidden_6", "output"]
    pg.set(hidden_units=())
    assert [layer.name for layer in pg.model.layers[1:]] == ["output"]


BAD_SETTINGS = [
    ("dataset", "mnist"),
    ("dataset", "custom"),
    ("noise", -0.1),
    ("noise", 0.9),
    ("n_points", 10),
    ("n_points", 5000),
    ("n_points", 100.0),
    ("train_share", 0.0),
    ("train_share", 1.0),
    ("features", ()),
    ("features", ("x3",)),
    ("features", "x1"),
    ("hidden_units", (0,)),
    ("hidden_units", (4,) * 7),
    ("hidden_units", (17,)),
    ("activation", "softplus"),
    ("initializer", "glorot_uniform"),
    ("regularizer", "l3"),
    ("lambd", -1.0),
    ("lambd", 11.0),
    ("keep_prob", 0.0),
    ("keep_prob", 1.5),
    ("keep_prob", (0.5, 0.5)),
    ("optimizer", "adagrad"),
    ("learning_rate", 0.0),
    ("learning_rate", 100.0),
    ("batch_size", 0),
    ("batch_size", True),
    ("seed", -1),
    ("steps_per_frame", 0),
    ("bogus", 1),
]


def test_bad_settings_raise_a_value_error_naming_the_setting():
    pg = small()
    before = pg.settings
    model = pg.model
    for name, value in BAD_SETTINGS:
        with pytest.raises(ValueError, match=f"`{name}`"):
            pg.set(**{name: value})
        assert pg.settings == before and pg.model is model  # nothing changed
        with pytest.raises(ValueError, match=f"`{name}`"):  # checked before building anything
            Playground(**{"hidden_units": (4,), name: value})


def test_bad_data_and_steps_raise_value_errors():
    with pytest.raises(ValueError, match="`x`"):
        Playground(x=np.zeros((10, 3)), y=np.zeros(10))
    with pytest.raises(ValueError, match="`y`"):
        Playground(x=np.zeros((10, 2)), y=np.zeros(9))
    with pytest.raises(ValueError, match="`y`"):
        Playground(x=np.zeros((10, 2)), y=np.full(10, 0.5))
    with pytest.raises(ValueError, match="`y`"):
        Playground(x=np.zeros((10, 2)))
    pg = small()
    with pytest.raises(ValueError, match="`n`"):
        pg.step(-1)
    with pytest.raises(ValueError, match="`path`"):
        pg.save("model.h5")


# ------------------------------------------------------------------- data and export


def run_code(code):
    namespace = {"__name__": "exported"}
    exec(compile(code, "playground_code.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize(
    "settings",
    [
        dict(
            dataset="three_blobs",
            hidden_units=(5, 3),
            features=("x1", "x2", "x1*x2"),
            regularizer="l1",
            lambd=0.3,
            keep_prob=(0.8, 1.0),
            optimizer="momentum",
            initializer="he",
            activation="relu",
            batch_size=16,
            seed=4,
        ),
        dict(
            dataset="noisy_two_class",
            noise=0.1,
            hidden_units=(4,),
            regularizer="l2",
            lambd=0.7,
            optimizer="adam",
            learning_rate=0.003,
            train_share=0.7,
            features=("x1", "sin(x2)"),
        ),
    ],
)
def test_exported_code_builds_the_same_network_with_the_same_initial_weights(settings):
    pg = small(**settings)
    pg.step(7)
    namespace = run_code(pg.code(epochs=0))  # build only: fit(epochs=0) trains nothing
    model = namespace["model"]
    pg.reset()
    assert [type(layer).__name__ for layer in model.layers] == [
        type(layer).__name__ for layer in pg.model.layers
    ]
    assert [layer.name for layer in model.layers[1:]] == [
        layer.name for layer in pg.model.layers[1:]
    ]
    for ours, theirs in zip(pg.model.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(namespace["x_train"], pg._features["train"])
    np.testing.assert_array_equal(namespace["y_dev"], pg.y_dev)
    ours, theirs = pg.optimizer.get_config(), model.optimizer.get_config()
    assert type(pg.optimizer) is type(model.optimizer)
    assert ours["learning_rate"] == pytest.approx(theirs["learning_rate"])
    assert ours.get("momentum") == theirs.get("momentum")
    assert repr(model.get_layer("hidden_1").kernel_regularizer) == repr(pg.regularizer())


def test_exported_code_trains_for_the_epochs_played():
    pg = small(batch_size=20)
    pg.step(2 * pg.batches_per_epoch)
    code = pg.code()
    assert "EPOCHS = 2" in code and "model.fit(" in code and "model.compile(" in code
    namespace = run_code(code)
    assert len(namespace["history"].history["val_loss"]) == 2


def test_your_own_data_points_and_labels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)  # 3 classes
    pg = Playground(x=x, y=y, hidden_units=(4,), seed=0)
    assert pg.settings["dataset"] == "custom" and pg.classes == 3
    assert len(pg.x_train) + len(pg.x_dev) == 60
    namespace = run_code(pg.code(epochs=0))
    np.testing.assert_array_equal(namespace["x"], x.astype("float32"))
    pg.set(dataset="moons")
    pg.set(dataset="custom")
    assert pg.classes == 3
    with pytest.raises(ValueError, match="`dataset`"):
        small().set(dataset="custom")  # no arrays given


def test_save_writes_a_keras_file_that_loads(tmp_path):
    pg = small(keep_prob=0.8, regularizer="l2", lambd=0.1)
    pg.step(10)
    path = pg.save(tmp_path / "pg.keras")
    loaded = keras.models.load_model(path)
    features = pg._features["dev"]
    np.testing.assert_allclose(
        loaded.predict(features, verbose=0), pg.model.predict(features, verbose=0), rtol=1e-6
    )


def test_figure_shows_every_view_with_titles_labels_and_legends(tmp_path):
    pg = small(hidden_units=(4, 4))
    pg.step(20)
    figure = pg.figure()
    axes = [ax for ax in figure.axes if ax.axison]
    assert len(axes) == 4
    for ax in axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_legend() is not None
    boundary = axes[0]
    assert "train" in [t.get_text() for t in boundary.get_legend().get_texts()]
    text = "\n".join(t.get_text() for ax in figure.axes for t in ax.texts)
    assert "epoch" in text and pg.diagnosis().verdict in text
    # the suptitle is one of the figure's texts (Figure.get_suptitle needs matplotlib 3.8)
    assert any(t.get_text().startswith("Playground") for t in figure.texts)
    figure.savefig(tmp_path / "figure.png")
    assert (tmp_path / "figure.png").stat().st_size > 10_000


def test_import_dlcourse_does_not_load_the_playground_or_ipywidgets(fresh_import):
    loaded = fresh_import["after_import"]
    assert not [m for m in loaded if m.startswith(("ipywidgets", "dlcourse.playground"))]
    assert fresh_import["after_playground"] == []  # the widgets load with the UI, not before


# --------------------------------------------------------------------------- widgets


def test_widget_controls_drive_the_playground_as_a_user_would(tmp_path):
    pytest.importorskip("ipywidgets")
    pg = small(hidden_units=(4,))
    root = pg.widget
    ui = pg._widget
    c = ui.controls
    assert root is pg.widget and "application/vnd.jupyter.widget-view+json" in (
        pg._repr_mimebundle_()
    )
    frames = ui.frames

    def moved():  # every handler redraws the views
        nonlocal frames
        fired, frames = ui.frames > frames, ui.frames
        return fired

    # a control for every row of the settings table, labelled as the table says
    for row in pg_settings.CONTROLS:
        if row.kind not in ("features", "layers"):
            assert c[row.name].description == row.label, row.name
    for name, labels in pg_settings.CHOICES.items():
        assert all(labels.get(value, value) == label for label, value in c[name].options)
    # the widgets' ranges are the settings' ranges (nothing out of range can be entered)
    for name in ("noise", "n_points", "train_share", "batch_size", "seed", "steps_per_frame"):
        low, high = pg_settings.LIMITS[name]
        assert low <= c[name].min and c[name].max <= high, name
    assert [value for _, value in c["activation"].options] == list(pg_settings.ACTIVATIONS)
    assert [value for _, value in c["initializer"].options] == list(pg_settings.INITIALIZERS)
    assert [value for _, value in c["optimizer"].options] == list(pg_settings.OPTIMIZERS)

    c["dataset"].value = "moons"
    assert pg.settings["dataset"] == "moons" and moved()
    c["noise"].value = 0.3
    assert pg.settings["noise"] == 0.3 and moved()
    c["n_points"].value = 100
    assert len(pg.x_train) + len(pg.x_dev) == 100 and moved()
    c["train_share"].value = 0.7
    assert pg.settings["train_share"] == 0.7 and moved()
    c["features"][pg_settings.FEATURES.index("sin(x1)")].value = True
    assert pg.settings["features"] == ("x1", "x2", "sin(x1)") and pg.model.input_shape[-1] == 3
    pg.set(features=("x2",))
    c["features"][1].value = False  # unticking the last box puts it back: one input at least
    assert c["features"][1].value and pg.settings["features"] == ("x2",)
    c["features"][0].value = True
    c["hidden_layers"].value = 3
    assert pg.settings["hidden_units"] == (4, 4, 4)
    assert [row.layout.display for row in ui.layer_rows[:4]] == [None, None, None, "none"]
    c["hidden_units"][1].value = 7
    assert pg.settings["hidden_units"] == (4, 7, 4)
    assert pg.model.get_layer("hidden_2").units == 7
    c["keep_prob"][2].value = 0.6
    assert pg.settings["keep_prob"] == (1.0, 1.0, 0.6)
    assert pg.model.get_layer("dropout_3").keep_prob == pytest.approx(0.6)
    c["hidden_layers"].value = 2  # the layers that stay keep their settings
    assert pg.settings["hidden_units"] == (4, 7) and "dropout_3" not in [
        layer.name for layer in pg.model.layers
    ]
    c["activation"].value = "relu"
    c["initializer"].value = "he"
    assert pg.model.get_layer("hidden_1").activation is keras.activations.relu
    assert c["lambd"].disabled
    c["regularizer"].value = "l2"
    assert not c["lambd"].disabled
    c["lambd"].value = 0.3
    assert repr(pg.regularizer()).startswith("L2(lambd=0.3")
    c["optimizer"].value = "adam"
    assert type(pg.optimizer).__name__ == "Adam"
    c["batch_size"].value = 32
    c["seed"].value = 3
    assert (pg.settings["batch_size"], pg.settings["seed"]) == (32, 3)
    c["steps_per_frame"].value = 4
    ui.step_button.click()
    assert pg.steps == 4 and moved()
    c["learning_rate"].value = 0.001  # live: no reset
    assert pg.steps == 4 and float(pg.optimizer.learning_rate) == pytest.approx(0.001)
    ui.reset_button.click()
    assert pg.steps == 0

    ui.code_button.click()
    assert ui.code.value == pg.code() and ui.code.layout.display is None
    ui.save_path.value = str(tmp_path / "mine.keras")
    ui.save_button.click()
    assert (tmp_path / "mine.keras").exists() and "saved" in ui.message.value
    ui.save_path.value = str(tmp_path / "mine.h5")
    ui.save_button.click()
    assert "path" in ui.message.value

    pg.set(hidden_units=(2, 2, 2, 2), learning_rate=0.05)  # code moves the widgets too
    assert c["hidden_layers"].value == 4 and c["learning_rate"].value == 0.05
    assert [s.value for s in c["hidden_units"][:4]] == [2, 2, 2, 2]
    assert pg.settings["learning_rate"] == 0.05  # the slider's new choices did not move it
    pg.set(batch_size=300, keep_prob=(1.0, 0.5, 1.0, 1.0))  # past the slider's end: it widens
    assert c["batch_size"].value == 300 and pg.settings["batch_size"] == 300
    assert [s.value for s in c["keep_prob"][:4]] == [1.0, 0.5, 1.0, 1.0]
    assert pg.settings["keep_prob"] == (1.0, 0.5, 1.0, 1.0)
    assert ui.image.value[:2] == b"\xff\xd8"  # a JPEG: quick to encode and to send
    assert "Diagnosis" in ui.status.value and "Epoch" in ui.status.value
    from dlcourse.playground.views import status, status_text

    ui.redraw()  # code moved the controls; the views follow at the next frame
    fields = status(pg)  # one rendering of the numbers, in the widget and in the figure
    for name in ("epoch", "loss", "val_loss", "accuracy", "val_accuracy", "verdict"):
        assert fields[name] in ui.status.value and fields[name] in status_text(pg), name


def test_play_trains_frame_after_frame_until_paused():
    pytest.importorskip("ipywidgets")
    pg = small(steps_per_frame=3)
    ui = pg._widget if pg._widget else (pg.widget, pg._widget)[1]

    async def play_a_little():
        ui.play.value = True
        assert ui.play.description.endswith("Pause")
        deadline = time.monotonic() + 60
        while pg.steps < 6 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        ui.play.value = False
        await asyncio.wait_for(ui._task, timeout=60)

    asyncio.run(play_a_little())
    assert pg.steps >= 6 and pg.steps % 3 == 0
    steps = pg.steps
    assert ui.play.description.endswith("Play")
    ui.play.value = True  # no event loop here: Play cannot run, and says so by popping up
    assert not ui.play.value and pg.steps == steps


# ---------------------------------------------------------------------- in a browser


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Headless Chromium driven over the DevTools protocol (tornado's websocket client).

    `--screenshot` fires as soon as the page has loaded, before Voilà's kernel has run the
    notebook and the widgets have drawn; here we wait for what we need to see.
    """

    def __init__(self, chromium, profile, *, width=1450, height=1000):
        import re

        self.process = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--disable-dev-shm-usage",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        for line in self.process.stderr:  # "DevTools listening on ws://127.0.0.1:PORT/..."
            found = re.search(r"ws://127\.0\.0\.1:(\d+)/", line)
            if found or time.monotonic() > deadline:
                break
        if not found:
            raise RuntimeError("chromium did not open its DevTools port")
        self.port = int(found.group(1))
        self._id = 0

    async def connect(self):
        import json

        from tornado.websocket import websocket_connect

        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = await websocket_connect(
            pages[0]["webSocketDebuggerUrl"], max_message_size=64 * 2**20
        )

    async def send(self, method, **params):
        import json

        self._id += 1
        await self.ws.write_message(
            json.dumps({"id": self._id, "method": method, "params": params})
        )
        while True:
            message = await asyncio.wait_for(self.ws.read_message(), timeout=60)
            if message is None:
                raise RuntimeError("chromium closed the DevTools connection")
            reply = json.loads(message)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(reply["error"])
                return reply["result"]

    async def evaluate(self, expression):
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.evaluate(expression):
                return True
            await asyncio.sleep(0.5)
        return False

    async def screenshot(self, png):
        import base64

        result = await self.send("Page.captureScreenshot", format="png")
        Path(png).write_bytes(base64.b64decode(result["data"]))

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


IMAGE_DRAWN = (
    "Array.from(document.querySelectorAll('img.widget-image'))"
    ".some(img => img.complete && img.naturalWidth > 200)"
)
STATUS = (
    "Array.from(document.querySelectorAll('.widget-html-content'))"
    ".map(e => e.innerText).join(' | ')"
)
LABELS = "Array.from(document.querySelectorAll('label')).map(e => e.innerText.trim())"
BUTTONS = "Array.from(document.querySelectorAll('button')).map(b => b.innerText.trim())"
CLICK = (
    "Array.from(document.querySelectorAll('button'))"
    ".find(b => b.innerText.trim().endsWith('{}')).click()"
)
# The pixels of a box of the playground's image (fractions of its width and height, from
# the top left), every 7th pixel: [r, g, b, r, g, b, ...].
PIXELS = """(() => {{
  const img = Array.from(document.querySelectorAll('img.widget-image'))
    .find(i => i.complete && i.naturalWidth > 200);
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const [x0, y0] = [Math.round({left} * canvas.width), Math.round({top} * canvas.height)];
  const [x1, y1] = [Math.round({right} * canvas.width), Math.round({bottom} * canvas.height)];
  const data = context.getImageData(x0, y0, x1 - x0, y1 - y0).data;
  const out = [];
  for (let i = 0; i < data.length; i += 4 * 7) out.push(data[i], data[i + 1], data[i + 2]);
  return out;
}})()"""


def notebook_playground_settings(notebook):
    """The keyword arguments of the notebook's `dlcourse.Playground(...)` call."""
    import ast
    import json

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "dlcourse.Playground":
            return {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    raise AssertionError(f"no dlcourse.Playground(...) call in {notebook}")


def boundary_box(notebook_settings):
    """Where the decision boundary's axes sit in the widget's image, as fractions (left,
    top, right, bottom), a little inside the frame: laid out here as the page lays it out."""
    from dlcourse.playground.views import Views

    views = Views(Playground(**notebook_settings), text=False)
    views.update().jpeg()
    box = views.ax_boundary.get_position()
    inset_x, inset_y = 0.04 * box.width, 0.04 * box.height
    return dict(
        left=box.x0 + inset_x,
        right=box.x1 - inset_x,
        top=1 - box.y1 + inset_y,
        bottom=1 - box.y0 - inset_y,
    )


def browser_and_voila():
    """The chromium and voila executables; skips the test without either."""
    from dlcourse.course.chromium import find_chromium

    chromium = find_chromium()
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if chromium is None or voila is None:
        pytest.skip("needs chromium and voila (the `playground` extra)")
    return chromium, voila


def serve_and_look(notebook, png, *, box, epochs=0, timeout=120, size=(1450, 1000)):
    """Serve `notebook` with Voilà on localhost, open it in headless Chromium, wait for the
    playground's image, read what a learner sees (the controls' labels, the buttons, the
    status, the pixels of `box`), optionally press Play until `epochs` are trained, press
    Pause and read the status and the pixels again; save a screenshot. Skips without
    chromium or voila; always stops both."""
    import re

    chromium, voila = browser_and_voila()
    port = _free_port()
    work = Path(tempfile.mkdtemp(prefix="dlcourse-voila-"))
    server = subprocess.Popen(
        [voila, str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=work,
    )
    browser = None
    try:
        deadline = time.monotonic() + 60
        while True:  # up when it answers (404 on a static folder is an answer)
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/", timeout=2)
                break
            except OSError as error:
                if getattr(error, "code", None):
                    break
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("voila did not start within 60 s")
                time.sleep(0.5)
        browser = Browser(chromium, work / "profile", width=size[0], height=size[1])

        async def pixels():
            values = await browser.evaluate(PIXELS.format(**box))
            return np.asarray(values, dtype=float).reshape(-1, 3)

        async def epoch():
            found = re.search(r"Epoch (\d+(?:\.\d+)?)", await browser.evaluate(STATUS) or "")
            return float(found.group(1)) if found else None

        async def look():
            await browser.connect()
            await browser.send("Page.enable")
            await browser.send("Page.navigate", url=f"http://127.0.0.1:{port}/")
            seen = {"drawn": await browser.wait_for(IMAGE_DRAWN, timeout)}
            if seen["drawn"]:
                seen["labels"] = await browser.evaluate(LABELS)
                seen["buttons"] = await browser.evaluate(BUTTONS)
                seen["before"] = (await browser.evaluate(STATUS), await pixels())
            if seen["drawn"] and epochs:
                await browser.evaluate(CLICK.format("Play"))
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline and ((await epoch()) or 0.0) < epochs:
                    await asyncio.sleep(0.5)
                await browser.evaluate(CLICK.format("Pause"))
                await asyncio.sleep(2)  # the last frame reaches the page
                seen["after"] = (await browser.evaluate(STATUS), await pixels())
            await browser.screenshot(png)
            browser.ws.close()
            return seen

        seen = asyncio.run(look())
        assert seen["drawn"], "the playground's image did not appear within the time limit"
        return seen
    finally:
        if browser is not None:
            browser.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(work, ignore_errors=True)


def _tinted(pixels, margin=40):
    """The share of pixels clearly blue (b - r > margin) and clearly orange (r - b > margin)."""
    tint = pixels[:, 2] - pixels[:, 0]
    return float(np.mean(tint > margin)), float(np.mean(tint < -margin))


def test_voila_page_shows_the_controls_and_a_boundary_that_play_changes(tmp_path):
    pytest.importorskip("PIL.Image")
    browser_and_voila()  # skip before laying out a playground when the page cannot be seen
    notebook = ROOT / "notebooks" / "playground.ipynb"
    settings = notebook_playground_settings(notebook)
    png = tmp_path / "page.png"
    seen = serve_and_look(notebook, png, box=boundary_box(settings), epochs=20)

    # every control of the settings table, labelled as in the table, and the buttons
    labels, texts = set(seen["labels"]), seen["before"][0]  # texts: the HTML widgets'
    for row in pg_settings.CONTROLS:
        assert row.label in (texts if row.kind in ("features", "layers") else labels), row.label
        assert row.section in texts
    assert set(pg_settings.FEATURES) <= labels
    assert {"Play", "Step", "Reset", "Show code", "Save .keras"} <= set(seen["buttons"])

    # before Play: the untrained net's pale boundary under the points; after: confident
    # regions of both classes, and most of the boundary's pixels changed
    (status_before, before), (status_after, after) = seen["before"], seen["after"]
    assert "Epoch 0.0" in status_before and "Diagnosis" in status_before
    assert "Epoch 0.0" not in status_after  # Play trained in the page's kernel
    blue_before, orange_before = _tinted(before)
    blue_after, orange_after = _tinted(after)
    assert blue_after > 0.1 and orange_after > 0.1, (blue_after, orange_after)
    assert blue_after + orange_after > blue_before + orange_before + 0.2
    changed = np.abs(after - before).max(axis=1) > 20
    assert changed.mean() > 0.3, changed.mean()
