"""dlcourse: a Keras 3 companion to deep-learning courses.

Course-exact components (`L2`, `L1`, `InvertedDropout`, `Maxout`, `Xavier`, `He`;
Ng's learning-rate decay per epoch: `InverseTimeDecay`, `ExponentialDecay`,
`InverseSqrtDecay`),
builders that return ordinary Keras models (`two_layer_net`, `deep_net`, `cnn`),
gradient checking, offline datasets and from-scratch NumPy versions (`dlcourse.scratch`),
on every Keras backend (`dlcourse.backend`: gradients, compilation, NumPy for TensorFlow,
JAX and PyTorch).
Importing the package registers every component for Keras serialization, so models
that use them load with `keras.models.load_model(path)` and no `custom_objects`.

The lesson plumbing (`dlcourse.lesson`, `dlcourse.report`, `dlcourse.runner`, the
`dlcourse` command in `dlcourse.cli`) and the course tooling (`dlcourse.course`:
notebooks, the site, README table) are not loaded by `import dlcourse`.
"""

import importlib
import sys
from pathlib import Path

__version__ = "0.1.0"

# Public name -> the module that defines it.
_NAMES = {
    "PrecheltStopping": "callbacks",
    "diagnose": "diagnostics",
    "gradient_check": "gradcheck",
    "check_model_gradients": "modelcheck",
    "He": "initializers",
    "LargeRandom": "initializers",
    "Xavier": "initializers",
    "InvertedDropout": "layers",
    "Maxout": "layers",
    "cnn": "models",
    "deep_net": "models",
    "two_layer_net": "models",
    "L1": "regularizers",
    "L2": "regularizers",
    "ExponentialDecay": "schedules",
    "InverseSqrtDecay": "schedules",
    "InverseTimeDecay": "schedules",
    "Playground": "playground",
    "Sweep": "sweep",
}
# Submodules reachable as attributes (`dlcourse.datasets`); the ones before `plotting`
# are imported with the package.
_MODULES = (
    "backend",
    "callbacks",
    "datasets",
    "diagnostics",
    "gradcheck",
    "initializers",
    "layers",
    "modelcheck",
    "models",
    "regularizers",
    "schedules",
    "scratch",
    "plotting",
    "playground",
    "sweep",
)
_IMPORTED_WITH_PACKAGE = _MODULES[: _MODULES.index("plotting")]

__all__ = sorted([*_NAMES, *_MODULES])


def __getattr__(name):
    if name in _NAMES:
        value = getattr(importlib.import_module(f"dlcourse.{_NAMES[name]}"), name)
    elif name in _MODULES:
        value = importlib.import_module(f"dlcourse.{name}")
    else:
        raise AttributeError(f"module 'dlcourse' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _command_line_is_starting() -> bool:
    """True while `python -m dlcourse…` or the `dlcourse` command imports this package.

    Python imports a package before it runs the package's `__main__` (with `sys.argv[0]`
    set to `"-m"` meanwhile, as `python --help` documents) or the `dlcourse` entry
    point. The command line imports what each command needs, so that `--help` answers
    without TensorFlow; the names above still load on first use.
    """
    first = sys.argv[0] if sys.argv else ""
    return first == "-m" or Path(first).name == "dlcourse"


def _import_components() -> None:
    """Import every component module and public name (registers them for Keras)."""
    for module in _IMPORTED_WITH_PACKAGE:
        importlib.import_module(f"dlcourse.{module}")
    for name, module in _NAMES.items():
        if module in _IMPORTED_WITH_PACKAGE:  # `Playground` loads on first use
            __getattr__(name)


if not _command_line_is_starting():
    _import_components()
