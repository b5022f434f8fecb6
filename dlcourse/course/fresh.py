"""A shared kernel that starts every notebook as a fresh process would.

The lessons and exercises run one after another on one Jupyter kernel
(`dlcourse.course.kernel`), so that TensorFlow starts once. `%reset -f` clears the
names a notebook defined, but not what it changed elsewhere: a module attribute
(`dlcourse.plotting.STYLE = ...`), Keras's float type or mixed-precision policy,
matplotlib's rcParams, NumPy's print and error settings or its global random state,
Python's `random`, the environment, the working directory. `snapshot()` records all of
that once, right after the kernel imported everything (every `dlcourse` module, Keras,
matplotlib); `restore()` puts it back before each notebook. Modules a notebook imports
for the first time start fresh anyway.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import random
import sys
import warnings

__all__ = ["restore", "snapshot"]

_STATE = {}


def _dlcourse_modules():
    import dlcourse

    for info in pkgutil.walk_packages(dlcourse.__path__, prefix="dlcourse."):
        if info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except ImportError:  # an extra that is not installed (the site needs `docs`)
            continue
    return {name: module for name, module in sys.modules.items() if name.startswith("dlcourse")}


def snapshot() -> None:
    """Record the process-wide state a notebook can change (call once, before the first)."""
    import keras
    import matplotlib
    import numpy as np

    _STATE.update(
        modules={name: dict(vars(module)) for name, module in _dlcourse_modules().items()},
        environ=dict(os.environ),
        cwd=os.getcwd(),
        numpy=(np.get_printoptions(), np.geterr(), np.random.get_state()),  # noqa: NPY002 (a notebook may change it)
        random=random.getstate(),
        keras=(keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format()),
        policy=keras.mixed_precision.global_policy().name,
        rc=dict(matplotlib.rcParams),
        warnings=list(warnings.filters),
    )


def restore() -> None:
    """Put back what `snapshot` recorded (the first call takes the snapshot instead)."""
    if not _STATE:
        snapshot()
        return
    import keras
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np

    for name, saved in _STATE["modules"].items():
        module = sys.modules.get(name)
        if module is None:
            continue
        current = vars(module)
        for key in [key for key in current if key not in saved]:
            del current[key]
        for key, value in saved.items():
            if current.get(key, _STATE) is not value:
                current[key] = value
    os.environ.clear()
    os.environ.update(_STATE["environ"])
    os.chdir(_STATE["cwd"])
    printing, errors, generator = _STATE["numpy"]
    np.set_printoptions(**printing)
    np.seterr(**errors)
    np.random.set_state(generator)  # noqa: NPY002
    random.setstate(_STATE["random"])
    floatx, epsilon, data_format = _STATE["keras"]
    keras.config.set_floatx(floatx)
    keras.config.set_epsilon(epsilon)
    keras.config.set_image_data_format(data_format)
    keras.mixed_precision.set_global_policy(_STATE["policy"])
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rcParams that matplotlib deprecates warn on set
        matplotlib.rcParams.update(_STATE["rc"])
    warnings.filters[:] = _STATE["warnings"]
