"""The playground's views as one matplotlib figure, redrawn in place for every frame.

The figure is built once (a plain `matplotlib.figure.Figure`, no pyplot state) and each
frame only replaces data: the boundary image, the curves and the text. `png()` renders it
for the widget.
"""

from __future__ import annotations

import io
import textwrap

import matplotlib
import numpy as np
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from dlcourse.plotting import CLASS_COLORS, CYCLE, PALETTE, ROLE_COLORS, STYLE

__all__ = ["Views", "status", "status_text"]

#: Class colours: the package's two-class pair, then the palette.
COLORS = (*CLASS_COLORS, PALETTE["green"], PALETTE["purple"], PALETTE["orange"], PALETTE["sky"])


def _rgb(name):
    value = name.lstrip("#")
    return np.array([int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def boundary_image(probabilities):
    """RGB image of class probabilities `(h, w, k)`: each class's colour, pale where unsure."""
    k = probabilities.shape[-1]
    colors = np.stack([_rgb(c) for c in COLORS[:k]])  # (k, 3)
    mixed = probabilities @ colors
    confidence = (probabilities.max(axis=-1, keepdims=True) - 1 / k) / (1 - 1 / k)
    strength = 0.15 + 0.5 * confidence
    return np.clip(1.0 - strength + strength * mixed, 0.0, 1.0)


class Views:
    """One figure with the boundary (train ● and dev ▲ points), cost, accuracy, gradient
    norms and a text panel (epoch, numbers, Ng's diagnosis); `update()` redraws it."""

    def __init__(self, playground, *, text=True, figsize=(12.5, 5.6), dpi=80):
        self.pg = playground
        self.with_text = text
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        self.canvas = FigureCanvasAgg(self.figure)
        self._background = None  # the static parts, drawn once while limits and titles hold
        self._background_key = None
        self.full_draws = 0
        with matplotlib.rc_context(STYLE):
            self._build()
        self.dynamic = [
            self.image,
            *self.points,
            *self.lines.values(),
            *self.gradient_lines.values(),
        ]
        for artist in self.dynamic:
            artist.set_animated(True)  # drawn over the background by `png()`

    def _build(self):
        pg, fig = self.pg, self.figure
        grid = fig.add_gridspec(2, 3, width_ratios=(1.25, 1, 1))
        self.ax_boundary = fig.add_subplot(grid[:, 0])
        self.ax_loss = fig.add_subplot(grid[0, 1])
        self.ax_accuracy = fig.add_subplot(grid[0, 2])
        self.ax_gradients = fig.add_subplot(grid[1, 1] if self.with_text else grid[1, 1:])

        ax = self.ax_boundary
        self.image = ax.imshow(
            boundary_image(pg.class_probabilities()),
            origin="lower",
            extent=pg.extent,
            aspect="auto",
            interpolation="nearest",  # the quickest to redraw
        )
        self.points = []
        for part, marker, edge in (("train", "o", "white"), ("dev", "^", "black")):
            x, y = getattr(pg, f"x_{part}"), getattr(pg, f"y_{part}")
            colors = [COLORS[label] for label in y]
            self.points.append(
                ax.scatter(
                    x[:, 0],
                    x[:, 1],
                    c=colors,
                    marker=marker,
                    s=16,
                    edgecolors=edge,
                    linewidths=0.5,
                    zorder=3,
                )
            )
        ax.set_xlim(pg.extent[:2])
        ax.set_ylim(pg.extent[2:])
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        ax.grid(False)
        handles = [Patch(color=COLORS[c], label=f"class {c}") for c in range(pg.classes)]
        handles += [
            Line2D([], [], marker="o", ls="", color="grey", mec="white", label="train"),
            Line2D([], [], marker="^", ls="", color="grey", mec="black", label="dev"),
        ]
        ax.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=len(handles),
            frameon=False,
            handletextpad=0.3,
            columnspacing=0.9,
        )

        self.lines = {}
        for ax, metric, label in (
            (self.ax_loss, "loss", "cost J"),
            (self.ax_accuracy, "accuracy", "accuracy"),
        ):
            for role, key in (("train", metric), ("dev", f"val_{metric}")):
                (self.lines[key],) = ax.plot([], [], color=ROLE_COLORS[role], label=role)
            ax.set_xlabel("epoch")
            ax.set_ylabel(label)
            ax.legend(loc="best")
        self.ax_loss.set_title("Cost (cross-entropy + penalty)")
        self.ax_accuracy.set_title("Accuracy")

        ax = self.ax_gradients
        self.gradient_lines = {}
        for i, layer in enumerate(pg.gradient_norms):
            (self.gradient_lines[layer],) = ax.plot(
                [], [], color=CYCLE[i % len(CYCLE)], label=layer
            )
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(ticker.NullFormatter())
        ax.set_xlabel("epoch")
        ax.set_ylabel("‖∂J/∂W[l]‖ (Frobenius)")
        ax.set_title("Gradient norm per layer")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)

        self.text = None
        if self.with_text:
            ax = fig.add_subplot(grid[1, 2])
            ax.axis("off")
            self.text = ax.text(
                0.0,
                1.0,
                "",
                va="top",
                ha="left",
                family="monospace",
                fontsize=9,
                transform=ax.transAxes,
            )
        self.title = fig.suptitle("", fontsize=12, fontweight="bold")

    def update(self):
        """Put the playground's current state into the figure; return `self`."""
        pg = self.pg
        self.image.set_data(boundary_image(pg.class_probabilities()))
        history = pg.history
        epochs = np.asarray(history["epoch"])
        for key, line in self.lines.items():
            line.set_data(epochs, history[key])
        for layer, line in self.gradient_lines.items():
            norms = np.asarray(pg.gradient_norms[layer], dtype="float64")
            line.set_data(epochs, np.where(norms > 0, norms, np.nan))
        # Limits move in steps (1, 2, 5 × 10^k), so most frames only redraw the data.
        right = _nice_ceiling(max(epochs[-1], 10.0))
        costs = np.asarray(history["loss"] + history["val_loss"])
        top = _nice_ceiling(
            max(float(np.nanmax(costs)) if np.isfinite(costs).any() else 1.0, 1e-3) * 1.05
        )
        norms = np.asarray([v for n in pg.gradient_norms.values() for v in n], dtype="float64")
        norms = norms[np.isfinite(norms) & (norms > 0)]
        high = np.ceil(np.log10(norms.max())) if norms.size else 0.0
        low = min(high - 3, np.floor(np.log10(norms.min())) if norms.size else -3.0)
        for ax in (self.ax_loss, self.ax_accuracy, self.ax_gradients):
            ax.set_xlim(0, right)
        self.ax_loss.set_ylim(0, top)
        self.ax_accuracy.set_ylim(-0.02, 1.02)
        self.ax_gradients.set_ylim(10**low, 10**high)
        self.ax_boundary.set_title(
            f"{pg.settings['dataset']}: {len(pg.x_train)} train, {len(pg.x_dev)} dev points",
            pad=22,
        )
        self.title.set_text(_describe(pg))
        if self.text is not None:
            self.text.set_text(status_text(pg))
        return self

    def png(self):
        """The figure as PNG bytes."""
        return self.encode("png")

    def jpeg(self):
        """The figure as JPEG bytes (quicker to encode and to send: what Play shows)."""
        return self.encode("jpeg")

    def encode(self, kind):
        """The figure as `kind` ("png" or "jpeg") bytes; only the data are redrawn while the
        limits and titles hold."""
        from PIL import Image

        key = (
            self.title.get_text(),
            self.text.get_text() if self.text else None,
            *(ax.get_xlim() + ax.get_ylim() for ax in self.figure.axes),
        )
        if self._background is None or key != self._background_key:
            self.canvas.draw()  # everything but the data
            if self._background is None:  # lay out once, then keep the positions fixed
                self.figure.set_layout_engine("none")
            self._background = self.canvas.copy_from_bbox(self.figure.bbox)
            self._background_key = key
            self.full_draws += 1
        else:
            self.canvas.restore_region(self._background)
        for artist in self.dynamic:
            self.figure.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer(
            "RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        ).convert("RGB")
        buffer = io.BytesIO()
        if kind == "jpeg":
            image.save(buffer, format="jpeg", quality=88)
        else:
            image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _nice_ceiling(value):
    """The smallest of 1, 2, 5 × 10^k that is >= `value` (> 0)."""
    power = 10.0 ** np.floor(np.log10(value))
    for step in (1.0, 2.0, 5.0, 10.0):
        if step * power >= value * (1 - 1e-9):
            return float(step * power)
    return float(10 * power)


def _describe(pg):
    s = pg.settings
    sizes = "-".join(str(n) for n in (len(s["features"]), *s["hidden_units"], pg.num_outputs))
    parts = [
        f"{sizes} {s['activation']} net",
        f"{s['initializer']} init",
        s["optimizer"],
        f"α = {s['learning_rate']:g}",
        f"batch {s['batch_size']}",
    ]
    if s["regularizer"] != "none":
        parts.append(f"{s['regularizer'].upper()} λ = {s['lambd']:g}")
    keep = s["keep_prob"]
    if keep != 1.0 and keep != (1.0,) * len(s["hidden_units"]):
        parts.append(f"keep_prob {keep if isinstance(keep, float) else list(keep)}")
    return "Playground · " + ", ".join(parts)


def status(pg):
    """The status a learner reads, formatted once: the epoch count, the costs and
    accuracies, and Ng's diagnosis, as strings by name. The figure's text panel
    (`status_text`) and the widget's line of HTML lay these out."""
    h, d = pg.history, pg.diagnosis()
    return {
        "epoch": f"{pg.epoch:.1f}",
        "step": f"{pg.steps}",
        "loss": f"{h['loss'][-1]:.3f}",
        "val_loss": f"{h['val_loss'][-1]:.3f}",
        "accuracy": f"{h['accuracy'][-1]:.1%}",
        "val_accuracy": f"{h['val_accuracy'][-1]:.1%}",
        "bayes_error": f"{d.bayes_error:.0%}",
        "verdict": d.verdict,
        "avoidable_bias": f"{d.avoidable_bias:+.1%}",
        "variance": f"{d.variance:+.1%}",
        "next": d.advice[0],
        "advice": "; ".join(d.advice),
    }


def status_text(pg):
    """`status(pg)` as the figure's monospaced text panel."""
    f = status(pg)
    lines = [
        f"epoch {f['epoch']}   (step {f['step']})",
        "",
        "            train    dev",
        f"cost J    {f['loss']:>7}  {f['val_loss']:>7}",
        f"accuracy  {f['accuracy']:>7}  {f['val_accuracy']:>7}",
        "",
        f"Ng's diagnosis (Bayes error {f['bayes_error']}):",
        f"  {f['verdict']}",
        f"  avoidable bias {f['avoidable_bias']}",
        f"  variance       {f['variance']}",
        *textwrap.wrap(f"next: {f['next']}", 42, subsequent_indent="  "),
    ]
    return "\n".join(lines)
