"""The first code cell of every notebook: on Colab, install dlcourse when it is missing.

A notebook downloaded from this repository (a lesson's or an exercise's) needs nothing
but an installed dlcourse. On Colab nothing is installed yet, so each notebook opens
with this cell. It does nothing outside Colab (`"google.colab"` not in `sys.modules`) or
when dlcourse is already importable; it never downgrades TensorFlow or Keras (dlcourse
asks only for minimum versions, which Colab's newer ones satisfy), and when the
installed Keras is older than dlcourse's minimum it says so and installs nothing, since
upgrading Keras on Colab needs the runtime restarted first.

Where it installs from is named once, here: `SOURCE` (what `pip install` is given). A
notebook run reads `DLCOURSE_SOURCE` from the environment first, so a learner sets it
in Colab with `%env DLCOURSE_SOURCE=git+https://github.com/<owner>/dlcourse` before
running the cell; `make notebooks DLCOURSE_SOURCE=...` bakes another default into the
generated notebooks.
"""

from __future__ import annotations

import os

__all__ = ["KERAS_MINIMUM", "SOURCE", "install_cell"]

#: What the cell gives `pip install` (the package's name on PyPI); `DLCOURSE_SOURCE` wins.
SOURCE = os.environ.get("DLCOURSE_SOURCE", "dlcourse")
#: dlcourse's lowest Keras (setup.cfg's `keras>=3.7`; tests/test_colab.py keeps them equal).
KERAS_MINIMUM = (3, 7)

_CELL = """\
# On Colab, install dlcourse if it is missing; anywhere else this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib.metadata, importlib.util, os, subprocess

    source = os.environ.get("DLCOURSE_SOURCE", {source!r})
    try:
        keras_version = importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        keras_version = None
    if keras_version and tuple(int(part) for part in keras_version.split(".")[:2]) < {minimum!r}:
        print(f"Keras {{keras_version}} is older than dlcourse's minimum, {version}: run "
              "`%pip install -U keras`, restart the session (Runtime menu), then run "
              "this cell again.")
    elif importlib.util.find_spec("dlcourse") is None:
        print(f"Installing dlcourse from {{source}} (set DLCOURSE_SOURCE to change it) ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source], check=True)"""


def install_cell(source=None) -> str:
    """The cell's code, installing from `source` (default `SOURCE`)."""
    version = ".".join(str(part) for part in KERAS_MINIMUM)
    return _CELL.format(source=source or SOURCE, minimum=KERAS_MINIMUM, version=version)
