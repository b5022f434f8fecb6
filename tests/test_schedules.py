"""dlcourse.schedules: Ng's per-epoch decay against NumPy and the Keras built-ins."""

import keras
import numpy as np
import pytest

import dlcourse
from dlcourse.schedules import ExponentialDecay, InverseSqrtDecay, InverseTimeDecay

STEPS = np.arange(0, 400)


def values(schedule, steps=STEPS):
    return np.array([float(keras.ops.convert_to_numpy(schedule(s))) for s in steps])


@pytest.mark.parametrize("steps_per_epoch, time_interval", [(1, 1), (7, 1), (7, 3), (32, 5)])
def test_inverse_time_decay_equals_ng_formula_and_keras(steps_per_epoch, time_interval):
    ours = InverseTimeDecay(
        0.3, decay_rate=2.0, steps_per_epoch=steps_per_epoch, time_interval=time_interval
    )
    epoch_num = STEPS // steps_per_epoch  # the step -> epoch conversion
    ng = 0.3 / (1 + 2.0 * (epoch_num // time_interval))
    built_in = keras.optimizers.schedules.InverseTimeDecay(
        0.3, decay_steps=steps_per_epoch * time_interval, decay_rate=2.0, staircase=True
    )
    np.testing.assert_allclose(values(ours), ng, rtol=1e-6)
    np.testing.assert_array_equal(values(ours), values(built_in))


@pytest.mark.parametrize("decay_rate, time_interval", [(0.95, 1), (0.5, 4)])
def test_exponential_decay_equals_ng_formula_and_keras(decay_rate, time_interval):
    ours = ExponentialDecay(
        0.1, decay_rate=decay_rate, steps_per_epoch=10, time_interval=time_interval
    )
    ng = decay_rate ** ((STEPS // 10) // time_interval) * 0.1
    built_in = keras.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10 * time_interval, decay_rate=decay_rate, staircase=True
    )
    np.testing.assert_allclose(values(ours), ng, rtol=1e-6)
    np.testing.assert_array_equal(values(ours), values(built_in))


def test_staircase_equals_piecewise_constant_decay():
    ours = ExponentialDecay(0.1, decay_rate=0.5, steps_per_epoch=10, time_interval=5)
    built_in = keras.optimizers.schedules.PiecewiseConstantDecay(
        [49, 99, 149], [0.1, 0.05, 0.025, 0.0125]
    )
    np.testing.assert_allclose(values(ours, range(200)), values(built_in, range(200)), rtol=1e-7)


def test_inverse_sqrt_decay_equals_ng_formula():
    ours = InverseSqrtDecay(0.1, k=2.0, steps_per_epoch=8)
    np.testing.assert_allclose(values(ours), 2.0 / np.sqrt(STEPS // 8 + 1) * 0.1, rtol=1e-6)


def test_in_fit_the_learning_rate_changes_once_per_epoch():
    m, batch_size, epochs = 50, 8, 4
    steps_per_epoch = -(-m // batch_size)  # ceil(m / batch_size) = 7
    schedule = InverseTimeDecay(0.1, decay_rate=1.0, steps_per_epoch=steps_per_epoch)
    seen = []
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(float(model.optimizer.learning_rate))
    )
    x = np.random.default_rng(0).normal(size=(m, 2)).astype("float32")
    model.fit(x, x[:, :1], batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[record])
    np.testing.assert_allclose(seen, 0.1 / (1 + np.arange(epochs)), rtol=1e-6)
    assert int(model.optimizer.iterations) == epochs * steps_per_epoch


@pytest.mark.parametrize(
    "schedule",
    [
        InverseTimeDecay(0.2, 1.5, steps_per_epoch=3, time_interval=2, name="it"),
        ExponentialDecay(0.2, 0.9, steps_per_epoch=3),
        InverseSqrtDecay(0.2, k=0.5, steps_per_epoch=3),
    ],
)
def test_config_round_trip_and_optimizer_serialization(schedule):
    clone = schedule.__class__.from_config(schedule.get_config())
    assert clone.get_config() == schedule.get_config()
    restored = keras.optimizers.schedules.deserialize(
        keras.optimizers.schedules.serialize(schedule)
    )
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    np.testing.assert_array_equal(values(restored, range(20)), values(schedule, range(20)))


def test_model_with_schedule_saves_and_loads_without_custom_objects(tmp_path):
    schedule = InverseTimeDecay(0.1, 1.0, steps_per_epoch=5, time_interval=2)
    model = dlcourse.deep_net((2,), (4,), 1, seed=0)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="mse")
    model.fit(np.zeros((10, 2)), np.zeros((10, 1)), batch_size=2, epochs=1, verbose=0)
    path = tmp_path / "decay.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    saved = loaded.optimizer.get_config()["learning_rate"]  # the schedule, serialized
    restored = keras.optimizers.schedules.deserialize(saved)
    assert isinstance(restored, InverseTimeDecay)
    assert restored.get_config() == schedule.get_config()
    assert float(loaded.optimizer.learning_rate) == pytest.approx(float(schedule(5)))


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: InverseTimeDecay(0.0, 1.0, steps_per_epoch=1), "learning_rate"),
        (lambda: InverseTimeDecay(0.1, -1.0, steps_per_epoch=1), "decay_rate"),
        (lambda: InverseTimeDecay(0.1, 1.0, steps_per_epoch=0), "steps_per_epoch"),
        (lambda: InverseTimeDecay(0.1, 1.0, steps_per_epoch=2, time_interval=1.5), "time_interval"),
        (lambda: ExponentialDecay(0.1, 1.5, steps_per_epoch=1), "decay_rate"),
        (lambda: InverseSqrtDecay(0.1, k=0.0, steps_per_epoch=1), "k"),
    ],
)
def test_bad_arguments_name_the_parameter(make, name):
    with pytest.raises(ValueError, match=f"Invalid value for `{name}`"):
        make()
