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


def _draws_random_numbers(model):
    return any(hasattr(layer, "seed_generator") for layer in model._flatten_layers())


def check_jit_fit(model, x, y, loss="mse", epochs=2, batch_size=32, rtol=1e-4):
    """Train `model` with `jit_compile=True` and a copy without XLA, and compare.

    Both start from the same weights and see the same batches. Without random layers they
    must train the same: per-epoch losses and final weights equal to `rtol` (to 1e-2 when
    the model computes in float16, mixed precision). With random
    layers (dropout) XLA draws its masks by another path, so the two trainings differ;
    then the XLA-compiled inference must equal the plain one on the trained weights.
    The losses must be finite either way.

    Returns the XLA run's `History` object.
    """
    if any(layer.compute_dtype == "float16" for layer in model._flatten_layers()):
        # float16 keeps ~3 significant digits (eps ≈ 1e-3) and XLA fuses the ops in another
        # order: the two runs agree to a few float16 ulps, not to float32's
        rtol = max(rtol, 1e-2)
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    runs = []
    for net, jit in ((twin, False), (model, True)):
        keras.utils.set_random_seed(0)
        net.compile(optimizer="sgd", loss=loss, jit_compile=jit)
        runs.append(net.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=False, verbose=0))
    plain, xla = (run.history["loss"] for run in runs)
    assert np.all(np.isfinite(xla)) and np.all(np.isfinite(plain)), (xla, plain)
    if not _draws_random_numbers(model):
        np.testing.assert_allclose(xla, plain, rtol=rtol, err_msg="XLA trained differently")
        for a, b in zip(model.get_weights(), twin.get_weights()):
            np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-2)
    else:
        twin.set_weights(model.get_weights())
        plain_output = twin.predict(x, verbose=0)
        scale = float(np.max(np.abs(plain_output)))  # outputs near 0: compare to their scale
        np.testing.assert_allclose(
            model.predict(x, verbose=0), plain_output, rtol=rtol, atol=rtol * scale
        )
    return runs[1]


@contextlib.contextmanager
def dtype_policy(name):
    """Temporarily set the global dtype policy (e.g. `"mixed_float16"`)."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)
