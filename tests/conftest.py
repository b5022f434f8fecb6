"""Shared fixtures: headless plots, a clean Keras session and float32 policy per test."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib

matplotlib.use("Agg")

import keras  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _clean_keras_state():
    keras.utils.set_random_seed(0)
    yield
    keras.mixed_precision.set_global_policy("float32")
    # free_memory=True would run a full garbage collection after every test (~0.25 s each)
    keras.backend.clear_session(free_memory=False)
    import matplotlib.pyplot as plt

    plt.close("all")
