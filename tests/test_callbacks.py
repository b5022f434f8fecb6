"""PrecheltStopping against a NumPy reference of Prechelt's formulas, and inside `fit`."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from dlcourse.callbacks import PrecheltStopping, generalization_loss, training_progress
from keras_checks import check_config_roundtrip

# A hand-made run: the dev error falls to a minimum at epoch 7 (0-based), wobbles,
# then rises; the training error keeps falling and flattens out.
VAL = np.array(
    [
        1.00,
        0.80,
        0.65,
        0.56,
        0.50,
        0.47,
        0.455,
        0.45,
        0.452,
        0.451,
        0.456,
        0.46,
        0.457,
        0.463,
        0.47,
        0.48,
        0.49,
        0.50,
        0.515,
        0.53,
        0.55,
        0.57,
        0.59,
        0.61,
        0.63,
    ]
)
TRAIN = np.array(
    [
        1.00,
        0.75,
        0.58,
        0.47,
        0.40,
        0.35,
        0.31,
        0.28,
        0.26,
        0.245,
        0.235,
        0.228,
        0.222,
        0.217,
        0.213,
        0.2095,
        0.2065,
        0.204,
        0.202,
        0.2003,
        0.1989,
        0.1977,
        0.1967,
        0.1959,
        0.1952,
    ]
)
LOGS = {"loss": TRAIN.tolist(), "val_loss": VAL.tolist()}


# ---------------------------------------------------------------- NumPy reference


def reference_gl(val):
    """GL(t) = 100 (E_va(t) / E_opt(t) - 1), E_opt(t) = min_{t' <= t} E_va(t')."""
    return 100.0 * (val / np.minimum.accumulate(val) - 1.0)


def reference_progress(train, k):
    """P_k(t) at every strip end t = k, 2k, ... (1-based), NaN elsewhere."""
    progress = np.full(len(train), np.nan)
    for t in range(k, len(train) + 1, k):
        window = train[t - k : t]
        progress[t - 1] = 1000.0 * (window.sum() / (k * window.min()) - 1.0)
    return progress


def reference_stop(val, train, criterion, alpha=None, k=5, s=None):
    """0-based epoch after which the criterion stops, or None."""
    gl = reference_gl(val)
    if criterion == "GL":
        hits = np.flatnonzero(gl > alpha)
        return int(hits[0]) if hits.size else None
    if criterion == "PQ":
        pq = gl / reference_progress(train, k)
        hits = np.flatnonzero(np.nan_to_num(pq, nan=-1.0) > alpha)
        return int(hits[0]) if hits.size else None
    ends = np.arange(2 * k, len(val) + 1, k)  # strip ends t with a previous strip end t - k
    run = 0
    for t in ends:
        run = run + 1 if val[t - 1] > val[t - 1 - k] else 0
        if run >= s:
            return int(t - 1)
    return None


# ---------------------------------------------------------------- the formulas


def test_formulas_match_numpy_reference():
    stop = PrecheltStopping("GL", alpha=1e9)  # never stops: record the whole run
    assert stop.replay(LOGS) is None
    np.testing.assert_allclose(stop.history["gl"], reference_gl(VAL), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(stop.history["progress"], reference_progress(TRAIN, 5), rtol=1e-12)
    expected_pq = reference_gl(VAL) / reference_progress(TRAIN, 5)
    np.testing.assert_allclose(stop.history["pq"], expected_pq, rtol=1e-12)
    assert stop.best_epoch == int(np.argmin(VAL)) == 7
    assert stop.best == VAL.min()


def test_scalar_helpers():
    assert generalization_loss(1.05, 1.0) == pytest.approx(5.0)
    assert generalization_loss(0.0, 0.0) == 0.0
    assert generalization_loss(0.1, 0.0) == math.inf
    assert training_progress([1.2, 1.1, 1.0]) == pytest.approx(100.0)
    assert training_progress([0.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match="errors >= 0"):
        generalization_loss(-1.0, 0.5)


@pytest.mark.parametrize(
    "criterion, alpha, s",
    [
        ("GL", 1.0, 3),
        ("GL", 2.0, 3),
        ("GL", 5.0, 3),
        ("GL", 20.0, 3),
        ("GL", 50.0, 3),
        ("PQ", 0.05, 3),
        ("PQ", 0.5, 3),
        ("PQ", 3.0, 3),
        ("UP", 1.0, 1),
        ("UP", 1.0, 2),
        ("UP", 1.0, 3),
    ],
)
def test_stop_epoch_matches_reference(criterion, alpha, s):
    stop = PrecheltStopping(criterion, alpha=alpha, s=s)
    assert stop.replay(LOGS) == reference_stop(VAL, TRAIN, criterion, alpha=alpha, s=s)


def test_stop_epochs_by_hand():
    # GL1: first epoch with E_va > 1.01 * 0.45 = 0.4545 is epoch 10 (0.456).
    assert PrecheltStopping("GL", alpha=1.0).replay(LOGS) == 10
    # GL5: > 0.4725 first at epoch 15 (0.48).
    assert PrecheltStopping("GL", alpha=5.0).replay(LOGS) == 15
    # UP1: strip ends t = 10, 15, 20 (epochs 9, 14, 19): 0.451 < 0.47, 0.47 > 0.451.
    assert PrecheltStopping("UP", s=1).replay(LOGS) == 14
    assert PrecheltStopping("UP", s=2).replay(LOGS) == 19
    # GL never fires on a monotonically falling dev error.
    falling = {"loss": TRAIN.tolist(), "val_loss": (1.0 / np.arange(1, 26)).tolist()}
    for criterion in ("GL", "PQ", "UP"):
        assert PrecheltStopping(criterion, alpha=0.1, s=1).replay(falling) is None


def test_gl_thresholds_are_ordered():
    epochs = [PrecheltStopping("GL", alpha=a).replay(LOGS) for a in (1, 2, 5)]
    assert epochs == sorted(epochs)


def test_pq_needs_training_error():
    with pytest.raises(ValueError, match="train_monitor"):
        PrecheltStopping("PQ", alpha=0.5).replay({"val_loss": VAL.tolist()})
    # GL and UP do not need it.
    assert PrecheltStopping("GL", alpha=1.0).replay({"val_loss": VAL.tolist()}) == 10


def test_missing_monitor_warns_and_skips():
    stop = PrecheltStopping("GL", alpha=1.0)
    with pytest.warns(UserWarning, match="val_loss"):
        assert stop.replay({"loss": TRAIN.tolist()}) is None
    assert stop.history["epoch"] == []


# ---------------------------------------------------------------- arguments and config


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"criterion": "gl2"}, "criterion"),
        ({"criterion": None}, "criterion"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": -1.0}, "alpha"),
        ({"alpha": math.nan}, "alpha"),
        ({"alpha": True}, "alpha"),
        ({"strip": 0}, "strip"),
        ({"strip": 2.5}, "strip"),
        ({"s": 0}, "s"),
        ({"monitor": ""}, "monitor"),
        ({"train_monitor": 3}, "train_monitor"),
        ({"restore_best_weights": 1}, "restore_best_weights"),
        ({"verbose": 2}, "verbose"),
    ],
)
def test_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=f"Invalid value for `{name}`"):
        PrecheltStopping(**kwargs)


def test_config_roundtrip_and_name():
    stop = PrecheltStopping(
        "PQ",
        alpha=0.75,
        strip=4,
        s=2,
        monitor="val_mse",
        train_monitor="mse",
        restore_best_weights=False,
        verbose=1,
    )
    restored = check_config_roundtrip(stop)
    assert restored.get_config() == stop.get_config()
    assert stop.name == "PQ0.75"
    assert PrecheltStopping("UP", s=3).name == "UP3"
    assert PrecheltStopping("GL", alpha=2).name == "GL2"
    assert "GL2" in repr(PrecheltStopping("GL", alpha=2))


# ---------------------------------------------------------------- inside model.fit


class ScriptedDevError(keras.callbacks.Callback):
    """Overwrite `val_loss` with a scripted sequence and keep each epoch's weights."""

    def __init__(self, values):
        super().__init__()
        self.values = values
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]
        self.weights.append(self.model.get_weights())


def _tiny_fit(callbacks, epochs=None):
    """Linear regression on 12 noisy points in 10-D from zero weights: the clean dev
    loss falls, bottoms out (epoch ~29) and rises as GD fits the noise."""
    epochs = len(VAL) if epochs is None else epochs
    rng = np.random.default_rng(0)
    w = rng.normal(size=(10, 1)).astype("float32")
    x = rng.normal(size=(12, 10)).astype("float32")
    y = x @ w + rng.normal(0.0, 1.0, size=(12, 1)).astype("float32")
    x_dev = rng.normal(size=(200, 10)).astype("float32")
    # repeat() + steps_per_epoch: one iterator for the whole run (fast epochs)
    train = tf.data.Dataset.from_tensors((x, y)).repeat()
    dev = tf.data.Dataset.from_tensors((x_dev, x_dev @ w)).repeat()
    model = keras.Sequential(
        [keras.Input((10,)), keras.layers.Dense(1, kernel_initializer="zeros")]
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    history = model.fit(
        train,
        validation_data=dev,
        steps_per_epoch=1,
        validation_steps=1,
        epochs=epochs,
        callbacks=callbacks,
        shuffle=False,
        verbose=0,
    )
    model.dev = dev
    return model, history


@pytest.mark.parametrize("criterion, alpha, s", [("GL", 2.0, 3), ("UP", 1.0, 2)])
def test_fit_stops_and_restores_best_weights(criterion, alpha, s):
    script = ScriptedDevError(VAL.tolist())
    stop = PrecheltStopping(criterion, alpha=alpha, s=s)
    model, history = _tiny_fit([script, stop])
    expected = reference_stop(VAL, TRAIN, criterion, alpha=alpha, s=s)
    assert stop.stopped_epoch == expected
    assert len(history.history["loss"]) == expected + 1
    assert stop.best_epoch == 7
    for restored, best in zip(model.get_weights(), script.weights[7]):
        np.testing.assert_array_equal(restored, best)


def test_fit_without_restore_keeps_last_weights():
    script = ScriptedDevError(VAL.tolist())
    stop = PrecheltStopping("GL", alpha=2.0, restore_best_weights=False)
    model, _ = _tiny_fit([script, stop])
    for final, last in zip(model.get_weights(), script.weights[-1]):
        np.testing.assert_array_equal(final, last)
    assert stop.best_weights is None


@pytest.mark.parametrize(
    "kwargs",
    [dict(criterion="GL", alpha=2.0), dict(criterion="PQ", alpha=0.5), dict(criterion="UP", s=2)],
)
def test_fit_matches_replay_on_real_losses(kwargs):
    """On a real, deterministic overfitting run: stop inside fit == replay of the full run,
    and the restored model has the lowest dev loss seen."""
    _, full = _tiny_fit([], epochs=60)
    stop = PrecheltStopping(**kwargs)
    model, history = _tiny_fit([stop], epochs=60)
    assert stop.stopped_epoch is not None
    assert PrecheltStopping(**kwargs).replay(full) == stop.stopped_epoch
    seen = stop.stopped_epoch + 1
    np.testing.assert_allclose(history.history["val_loss"], full.history["val_loss"][:seen])
    assert stop.best_epoch == int(np.argmin(history.history["val_loss"]))
    restored = model.evaluate(model.dev, steps=1, verbose=0)
    np.testing.assert_allclose(restored, min(history.history["val_loss"]), rtol=1e-5)
