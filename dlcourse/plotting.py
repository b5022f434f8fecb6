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
    PALETTE[name] for name in ("blue", "orange", "green", "red", "purple", "sky", "black", "yellow")
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
    ax.contour(
        xx, yy, labels.reshape(xx.shape), levels=[0.5], colors=PALETTE["black"], linewidths=0.8
    )
    for cls, col in enumerate(CLASS_COLORS):
        pts = x[y == cls]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=12,
            color=col,
            edgecolor="white",
            linewidth=0.3,
            label=f"class {cls}",
        )
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
            f"Invalid value for `metric`: expected one of {sorted(values)}, "
            f"received metric={metric!r}"
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


def _sweep_final_values(sweep, metric, epoch):
    histories = getattr(sweep, "histories", None)
    if not histories:
        raise ValueError(
            "Invalid value for `sweep`: expected a trained Sweep (call `sweep.fit` first)"
        )
    available = sorted(histories[0].history)
    if metric not in available:
        raise ValueError(
            f"Invalid value for `metric`: expected one of {available}, received metric={metric!r}"
        )
    return [history.history[metric][epoch] for history in histories]


def _is_number(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def plot_sweep(
    ax,
    sweep,
    param,
    metric="val_loss",
    *,
    epoch=-1,
    spread="range",
    log=False,
    color_name="blue",
    label=None,
    title=None,
):
    """Plot a metric of a trained `dlcourse.Sweep` against one hyper-parameter.

    The members that share a value of `param` are averaged (over the other
    hyper-parameters, e.g. the seeds); the band shows their spread, and each
    member is a faint dot. Numeric values go on a numeric axis (`log=True` for
    a log scale); other values (strings, tuples) are categories in grid order.

    Args:
        ax: a matplotlib Axes.
        sweep: a trained `dlcourse.Sweep` (anything with `configs` and `histories`).
        param: the configuration key on the x axis (members without it are skipped).
        metric: a history key, e.g. `"val_accuracy"`.
        epoch: which epoch's value (default `-1`, the last).
        spread: `"range"` (min to max, default) or `"std"` (mean ± one standard deviation).
        log: log-scale x axis (numeric values only).
        color_name: a palette or role name for the line.
        label: legend label (default: the metric name).
        title: axes title (default: "<metric> vs <param>").

    Returns:
        The Axes.
    """
    if spread not in ("range", "std"):
        raise ValueError(
            f"Invalid value for `spread`: expected 'range' or 'std', received spread={spread!r}"
        )
    values = _sweep_final_values(sweep, metric, epoch)
    groups = {}
    for config, value in zip(sweep.configs, values):
        if param not in config:
            continue
        key = config[param]
        key = tuple(key) if isinstance(key, list) else key
        groups.setdefault(key, []).append(value)
    if not groups:
        raise ValueError(f"Invalid value for `param`: no configuration has the key {param!r}")
    keys = list(groups)
    numeric = all(_is_number(k) for k in keys)
    if numeric:
        keys = sorted(keys)
        positions = np.array(keys, dtype=float)
    else:
        positions = np.arange(len(keys), dtype=float)
    data = [np.asarray(groups[k], dtype=float) for k in keys]
    mean = np.array([d.mean() for d in data])
    if spread == "range":
        low, high = np.array([d.min() for d in data]), np.array([d.max() for d in data])
    else:
        std = np.array([d.std() for d in data])
        low, high = mean - std, mean + std
    line_color = color(color_name)
    band = "min–max" if spread == "range" else "± 1 std"
    members = max(len(d) for d in data)
    ax.fill_between(
        positions,
        low,
        high,
        color=line_color,
        alpha=0.2,
        linewidth=0,
        label=f"{band} over {members} members",
    )
    for position, d in zip(positions, data):
        ax.scatter(np.full(len(d), position), d, s=10, color=line_color, alpha=0.5, linewidth=0)
    ax.plot(positions, mean, marker="o", color=line_color, label=label or f"mean {metric}")
    if numeric and log:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(positions)
        ax.set_xticklabels([str(k) for k in keys])
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.set_title(title or f"{metric} vs {param}")
    ax.legend()
    return ax


def plot_sweep_curves(ax, sweep, metric="loss", *, by=None, log=False, title=None):
    """Plot one learning curve per member of a trained `dlcourse.Sweep`.

    Args:
        ax: a matplotlib Axes.
        sweep: a trained `dlcourse.Sweep`.
        metric: the history key to draw, e.g. `"loss"` or `"val_accuracy"`.
        by: optional configuration key: members with the same value share a
            colour and one legend entry (e.g. `by="lambd"`, seeds alike).
            Without it every member gets its own colour and label.
        log: log-scale y axis.
        title: axes title (default: the metric, and `by`).

    Returns:
        The Axes.
    """
    _sweep_final_values(sweep, metric, -1)
    colours, labelled = {}, set()
    for config, history in zip(sweep.configs, sweep.histories):
        values = history.history[metric]
        if by is None:
            key = ", ".join(f"{k}={v}" for k, v in config.items())
        else:
            key = config.get(by)
            key = tuple(key) if isinstance(key, list) else key
        if key not in colours:
            colours[key] = CYCLE[len(colours) % len(CYCLE)]
        label = None
        if key not in labelled:
            label = key if by is None else f"{by}={key}"
            labelled.add(key)
        ax.plot(
            np.arange(1, len(values) + 1),
            values,
            color=colours[key],
            alpha=0.8,
            linewidth=1.2,
            label=label,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    if log:
        ax.set_yscale("log")
    ax.set_title(title or (metric if by is None else f"{metric}, by {by}"))
    ax.legend()
    return ax


def show_table(columns, rows) -> None:
    """Show a small table as Markdown: rendered under a notebook kernel, printed otherwise.

    For a handful of numbers a table says more than a chart (no bars of two values).

    Args:
        columns: header cells.
        rows: one sequence of cells per row (formatted with `str`).

    It returns nothing, so a notebook cell that ends with it shows the table once.
    """
    lines = ["| " + " | ".join(map(str, columns)) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    text = "\n".join(lines)
    if _inside_ipython_kernel():
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def save_animation(fig, draw_frame, frames, path, *, fps=2, dpi=80):
    """Animate `fig` frame by frame, save it as a GIF and close it; under a kernel, show it.

    The lessons' one way to save an animation: matplotlib's `FuncAnimation` with its
    Pillow writer (no ffmpeg needed), the parent folder created, the figure closed so it
    is not drawn a second time, and, in a notebook, the saved GIF displayed inline (as
    `lesson.savefig` shows its PNGs). A lesson keeps it beside its figures:
    `save_animation(fig, draw, range(8), lesson.out / "name.gif")`. GIFs are extras:
    `claims.json` lists the PNG figures.

    Args:
        fig: the matplotlib figure to animate.
        draw_frame: function of one frame value that updates the figure's artists.
        frames: the frame values, an iterable (`range(8)`) or a count (`8`).
        path: where to write the GIF (a `.gif` file name).
        fps: frames per second.
        dpi: resolution of each frame (dots per inch of the figure's size).

    Returns:
        The GIF's path, as a `Path`.

    Raises:
        ValueError: if `path` does not end in `.gif`, `draw_frame` is not callable,
            `frames` is empty, or `fps`/`dpi` is not a number > 0.

    Example:

    >>> import pathlib, tempfile
    >>> fig, ax = plt.subplots()
    >>> (line,) = ax.plot([], [])
    >>> gif = save_animation(fig, lambda k: line.set_data(range(k + 1), range(k + 1)), 3,
    ...                      pathlib.Path(tempfile.mkdtemp()) / "line.gif")
    >>> gif.suffix, gif.exists(), plt.fignum_exists(fig.number)
    ('.gif', True, False)
    """
    from pathlib import Path

    from matplotlib.animation import FuncAnimation, PillowWriter

    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"Invalid value for `path`: expected a .gif file, received path={path!r}")
    if not callable(draw_frame):
        raise ValueError(
            "Invalid value for `draw_frame`: expected a function of the frame value, "
            f"received {type(draw_frame).__name__}"
        )
    frames = list(range(frames)) if isinstance(frames, int) else list(frames)
    if not frames:
        raise ValueError("Invalid value for `frames`: expected at least one frame, received none")
    for name, value in (("fps", fps), ("dpi", dpi)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(
                f"Invalid value for `{name}`: expected a number > 0, received {name}={value!r}"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    movie = FuncAnimation(fig, draw_frame, frames=frames, blit=False, repeat=False)
    movie.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
    plt.close(fig)
    if _inside_ipython_kernel():
        from IPython.display import Image, display

        display(Image(filename=str(path)))
    return path
