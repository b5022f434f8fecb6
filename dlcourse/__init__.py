"""dlcourse: a Keras 3 companion to deep-learning courses.

Course-exact components (``L2``, ``L1``, ``InvertedDropout``, ``Maxout``, ``Xavier``,
``He``), builders that return ordinary Keras models (``two_layer_net``, ``deep_net``,
``cnn``), gradient checking, offline datasets and the lesson plumbing. Importing the
package registers every component for Keras serialization, so models that use them
load with ``keras.models.load_model(path)`` and no ``custom_objects``.
"""

from dlcourse import (
    callbacks,
    datasets,
    diagnostics,
    gradcheck,
    initializers,
    layers,
    models,
    optimizers,
    regularizers,
    scratch,
)
from dlcourse.callbacks import PrecheltStopping
from dlcourse.diagnostics import diagnose
from dlcourse.gradcheck import check_model_gradients, gradient_check
from dlcourse.initializers import He, LargeRandom, Xavier
from dlcourse.layers import InvertedDropout, Maxout
from dlcourse.models import cnn, deep_net, two_layer_net
from dlcourse.regularizers import L1, L2

__version__ = "0.1.0"

__all__ = [
    "L1",
    "L2",
    "He",
    "InvertedDropout",
    "LargeRandom",
    "Maxout",
    "PrecheltStopping",
    "Xavier",
    "callbacks",
    "check_model_gradients",
    "cnn",
    "datasets",
    "deep_net",
    "diagnose",
    "diagnostics",
    "gradcheck",
    "gradient_check",
    "initializers",
    "layers",
    "models",
    "optimizers",
    "regularizers",
    "scratch",
    "two_layer_net",
]
