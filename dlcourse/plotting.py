"""Plotting helpers shared by the lessons: one palette, one style, small `ax` helpers.

Every helper takes an ``ax`` and returns it (as scikit-learn's gallery does), so a
lesson composes figures from them without re-writing boilerplate.
"""

from __future__ import annotations

import os
import sys

import matplotlib


def _inside_ipython_kernel() -> bool:
    """True only inside a running Jupyter kernel (not merely when ipykernel was imported)."""
    if "IPython" not in sys.modules:
        return False
    shell = sys.modules["IPython"].get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


# Headless by default: scripts, tests and CI have no display. Under a Jupyter
# kernel we leave the inline backend alone so figures show in the notebook.
if not _inside_ipython_kernel() and not os.environ.get("DISPLAY"):
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

#: The package's one palette (colour-blind friendly, after Okabe & Ito 2008).
#: Lessons use the *names*, so the same idea has the same colour everywhere.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "red": "#D55E00",
    "purple": "#CC79A7",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#999999",
}

#: Colours by role, so e.g. "train" and "dev" curves look alike in every lesson.
ROLE_COLORS = {
    "train": PALETTE["blue"],
    "dev": PALETTE["orange"],
    "test": PALETTE["green"],
    "reference": PALETTE["grey"],
    "bad": PALETTE["red"],
    "good": PALETTE["green"],
}

#: Cycle order for series without a role (sweeps, optimizers, layers ...).
CYCLE = [
    PALETTE[name]
    for name in ("blue", "orange", "green", "red", "purple", "sky", "black", "yellow")
]

#: Two-class colours for decision-boundary plots (class 0, class 1).
CLASS_COLORS = (PALETTE["red"], PALETTE["blue"])

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "savefig.bbox": "tight",
    "figure.constrained_layout.use": True,
    "axes.prop_cycle": matplotlib.cycler(color=CYCLE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "image.cmap": "viridis",
}


def apply_style() -> None:
    """Apply the package's matplotlib style (palette, grid, tight layout)."""
    plt.rcParams.update(STYLE)


def color(name: str) -> str:
    """Return the palette colour for a role ("train", "dev", ...) or a colour name."""
    if name in ROLE_COLORS:
        return ROLE_COLORS[name]
    if name in PALETTE:
        return PALETTE[name]
    allowed = sorted(set(ROLE_COLORS) | set(PALETTE))
    raise ValueError(f"Invalid value for `name`: expected one of {allowed}, received name={name!r}")


def plot_decision_boundary(ax, predict, x, y, *, title=None, resolution=200, margin=0.5):
    """Shade the regions a binary classifier assigns to each class and scatter the data.

    Args:
        ax: a matplotlib Axes.
        predict: callable mapping an ``(n, 2)`` float32 array to probabilities or
            labels of shape ``(n,)`` or ``(n, 1)`` (class 1 where the value is > 0.5)
            or to class scores ``(n, k)`` (argmax is taken).
        x: ``(m, 2)`` points; y: ``(m,)`` integer labels.
        title: axes title.
        resolution: grid points per axis.
        margin: extra space around the data, in data units.

    Returns:
        The Axes.
    """
    x = np.asarray(x)
    y = np.asarray(y).reshape(-1)
    x0_min, x0_max = x[:, 0].min() - margin, x[:, 0].max() + margin
    x1_min, x1_max = x[:, 1].min() - margin, x[:, 1].max() + margin
    xx, yy = np.meshgrid(
        np.linspace(x0_min, x0_max, resolution), np.linspace(x1_min, x1_max, resolution)
    )
    grid = np.c_[xx.ravel(), yy.ravel()].astype("float32")
    scores = np.asarray(predict(grid))
    if scores.ndim == 2 and scores.shape[1] > 1:
        labels = scores.argmax(axis=1)
    else:
        labels = (scores.reshape(-1) > 0.5).astype(int)
    cmap = matplotlib.colors.ListedColormap(CLASS_COLORS)
    ax.contourf(xx, yy, labels.reshape(xx.shape), levels=[-0.5, 0.5, 1.5], cmap=cmap, alpha=0.18)
    ax.contour(xx, yy, labels.reshape(xx.shape), levels=[0.5], colors=PALETTE["black"], linewidths=0.8)
    for cls, col in enumerate(CLASS_COLORS):
        pts = x[y == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=12, color=col, edgecolor="white", linewidth=0.3,
                   label=f"class {cls}")
    ax.set_xlim(x0_min, x0_max)
    ax.set_ylim(x1_min, x1_max)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_history(ax, history, *, metric="loss", title=None, log=False, label_prefix=""):
    """Plot training and validation curves of a Keras ``History`` (or its ``.history`` dict).

    Args:
        ax: a matplotlib Axes.
        history: ``keras.callbacks.History`` or dict of lists.
        metric: key to plot; ``"val_" + metric`` is drawn as the dev curve when present.
        title: axes title (defaults to the metric name).
        log: use a log scale on the y axis.
        label_prefix: text put before "train"/"dev" in the legend.

    Returns:
        The Axes.
    """
    values = getattr(history, "history", history)
    if metric not in values:
        raise ValueError(
            f"Invalid value for `metric`: expected one of {sorted(values)}, received metric={metric!r}"
        )
    epochs = np.arange(1, len(values[metric]) + 1)
    ax.plot(epochs, values[metric], color=color("train"), label=f"{label_prefix}train")
    if f"val_{metric}" in values:
        ax.plot(epochs, values[f"val_{metric}"], color=color("dev"), label=f"{label_prefix}dev")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if log:
        ax.set_yscale("log")
    ax.set_title(title or metric)
    ax.legend()
    return ax
