"""Reusable checks for custom Keras objects (public Keras API only).

Import from any test file (pytest puts `tests/` on `sys.path`)::

    from keras_checks import check_config_roundtrip, check_save_load
"""

import contextlib

import keras
import numpy as np


def check_config_roundtrip(obj):
    """Rebuild `obj` from its config, directly and via Keras (de)serialization.

    The Keras path uses no `custom_objects`, so it also checks that the class
    is registered. Returns the object rebuilt by Keras.
    """
    config = obj.get_config()
    rebuilt = type(obj).from_config(config)
    assert type(rebuilt) is type(obj)
    assert rebuilt.get_config() == config
    serialized = keras.saving.serialize_keras_object(obj)
    restored = keras.saving.deserialize_keras_object(serialized)
    assert type(restored) is type(obj)
    assert restored.get_config() == config
    return restored


def predict(model, x):
    """Inference-mode outputs as NumPy (an eager call: no tracing, fast)."""
    return keras.ops.convert_to_numpy(model(x, training=False))


def check_save_load(model, x, tmp_path, atol=0.0):
    """Save `model` to `tmp_path / "m.keras"`, reload it without `custom_objects`
    and check that both give the same inference outputs on `x` (exactly, by
    default). Returns the loaded model."""
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(predict(loaded, x), predict(model, x), rtol=0, atol=atol)
    return loaded


def check_jit_fit(model, x, y, loss="mse", epochs=2, batch_size=32):
    """Compile with `jit_compile=True`, fit, and check the losses are finite.

    Returns the `History` object.
    """
    model.compile(optimizer="sgd", loss=loss, jit_compile=True)
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0)
    assert np.all(np.isfinite(history.history["loss"])), history.history
    return history


@contextlib.contextmanager
def dtype_policy(name):
    """Temporarily set the global dtype policy (e.g. `"mixed_float16"`)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
