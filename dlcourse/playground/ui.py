"""The playground's ipywidgets app: controls on the left, the live views on the right.

Every control calls `Playground.set` (or `step`/`reset`), and `sync` writes the
playground's settings back into the controls, so code and widgets always agree. The
ranges come from `dlcourse.playground.settings`, so a control cannot hold a value the
playground would refuse.
"""

from __future__ import annotations

import asyncio
import html

import ipywidgets as widgets

from dlcourse.playground.settings import (
    ACTIVATIONS,
    CUSTOM,
    DATASETS,
    FEATURES,
    INITIALIZERS,
    LAMBDAS,
    LEARNING_RATES,
    LIMITS,
    OPTIMIZERS,
    fit_keep_prob,
)
from dlcourse.playground.views import Views

__all__ = ["PlaygroundWidget"]

_LABELS = {
    "none": "none",
    "l1": "L1",
    "l2": "L2",
    "sgd": "SGD",
    "momentum": "momentum (0.9)",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "large_random": "large random (×10)",
    "xavier": "Xavier (1/n)",
    "he": "He (2/n)",
    "zeros": "zeros",
    "noisy_two_class": "noisy two-class",
    "three_blobs": "three blobs (3 classes)",
    CUSTOM: "your data (x, y)",
}
_STYLE = {"description_width": "110px"}
_WIDE = widgets.Layout(width="320px")
_MAX_LAYERS = LIMITS["hidden_layers"][1]


def _options(names):
    return [(_LABELS.get(name, name), name) for name in names]


def _with(values, value):
    """The slider's choices, plus `value` if code set one that is not among them."""
    return tuple(sorted(set(values) | {value}))


class PlaygroundWidget:
    """The UI for one `Playground`: build it with `PlaygroundWidget(pg)`, show `root`.

    Attributes:
        controls: Setting name → its widget (`hidden_units` and `keep_prob` are lists
            of per-layer sliders).
        play, step_button, reset_button: Play/Pause (a toggle), one step, reset.
        image, status: The rendered views (JPEG) and the text beside them.
        root: The whole app.
    """

    def __init__(self, pg):
        self.pg = pg
        self._syncing = False
        self._task = None
        self._views = None
        self._views_for = None
        self.frames = 0
        self._build()
        self.sync()
        self.redraw()
        self._warm_up_soon()

    # ------------------------------------------------------------------ building

    def _build(self):
        w = widgets
        c = self.controls = {}
        lim = LIMITS
        c["dataset"] = w.Dropdown(description="data set", style=_STYLE, layout=_WIDE)
        c["noise"] = w.FloatSlider(
            min=lim["noise"][0],
            max=lim["noise"][1],
            step=0.01,
            description="noise",
            style=_STYLE,
            layout=_WIDE,
        )
        c["n_points"] = w.IntSlider(
            min=lim["n_points"][0],
            max=lim["n_points"][1],
            step=10,
            description="points",
            style=_STYLE,
            layout=_WIDE,
        )
        c["train_share"] = w.FloatSlider(
            min=lim["train_share"][0],
            max=lim["train_share"][1],
            step=0.05,
            readout_format=".0%",
            description="train share",
            style=_STYLE,
            layout=_WIDE,
        )
        c["features"] = [
            w.Checkbox(description=name, indent=False, layout=w.Layout(width="78px"))
            for name in FEATURES
        ]
        c["hidden_layers"] = w.IntSlider(
            min=0, max=_MAX_LAYERS, description="hidden layers", style=_STYLE, layout=_WIDE
        )
        c["hidden_units"] = [
            w.IntSlider(
                min=lim["units"][0],
                max=lim["units"][1],
                description=f"layer {k}",
                style={"description_width": "52px"},
                layout=w.Layout(width="190px"),
            )
            for k in range(1, _MAX_LAYERS + 1)
        ]
        c["keep_prob"] = [
            w.FloatSlider(
                min=lim["keep_prob"][0],
                max=lim["keep_prob"][1],
                step=0.05,
                description="keep_prob",
                style={"description_width": "70px"},
                layout=w.Layout(width="215px"),
            )
            for _ in range(_MAX_LAYERS)
        ]
        c["activation"] = w.Dropdown(
            options=_options(ACTIVATIONS), description="activation", style=_STYLE, layout=_WIDE
        )
        c["initializer"] = w.Dropdown(
            options=_options(INITIALIZERS), description="initializer", style=_STYLE, layout=_WIDE
        )
        c["regularizer"] = w.Dropdown(
            options=_options(("none", "l1", "l2")),
            description="regularizer",
            style=_STYLE,
            layout=_WIDE,
        )
        c["lambd"] = w.SelectionSlider(
            options=LAMBDAS, description="λ (lambd)", style=_STYLE, layout=_WIDE
        )
        c["optimizer"] = w.Dropdown(
            options=_options(OPTIMIZERS), description="optimizer", style=_STYLE, layout=_WIDE
        )
        c["learning_rate"] = w.SelectionSlider(
            options=LEARNING_RATES, description="learning rate α", style=_STYLE, layout=_WIDE
        )
        c["batch_size"] = w.IntSlider(
            min=lim["batch_size"][0], max=128, description="batch size", style=_STYLE, layout=_WIDE
        )
        c["seed"] = w.BoundedIntText(
            min=lim["seed"][0],
            max=lim["seed"][1],
            description="seed",
            style=_STYLE,
            layout=w.Layout(width="220px"),
        )
        c["steps_per_frame"] = w.IntSlider(
            min=lim["steps_per_frame"][0],
            max=200,
            description="steps / frame",
            style=_STYLE,
            layout=_WIDE,
        )

        self.play = w.ToggleButton(
            description="Play",
            icon="play",
            tooltip="train continuously",
            button_style="success",
            layout=w.Layout(width="100px"),
        )
        self.step_button = w.Button(
            description="Step", tooltip="train one frame's steps", layout=w.Layout(width="80px")
        )
        self.reset_button = w.Button(
            description="Reset",
            tooltip="back to the initial weights",
            layout=w.Layout(width="80px"),
        )
        self.code_button = w.Button(description="Show code", layout=w.Layout(width="110px"))
        self.save_button = w.Button(description="Save .keras", layout=w.Layout(width="110px"))
        self.save_path = w.Text(value="playground.keras", layout=w.Layout(width="200px"))
        self.code = w.Textarea(layout=w.Layout(width="100%", height="360px", display="none"))
        self.message = w.HTML()
        self.image = w.Image(format="jpeg", layout=w.Layout(width="1000px"))
        self.status = w.HTML()

        for name, control in c.items():
            if isinstance(control, list):
                for widget in control:
                    widget.observe(self._on_network_list, names="value")
            else:
                control.observe(self._handler(name), names="value")
        c["hidden_layers"].unobserve_all()
        c["hidden_layers"].observe(self._on_network_list, names="value")
        for box in c["features"]:
            box.unobserve_all()
            box.observe(self._on_features, names="value")
        self.play.observe(self._on_play, names="value")
        self.step_button.on_click(lambda _: self.frame())
        self.reset_button.on_click(self._on_reset)
        self.code_button.on_click(self._on_code)
        self.save_button.on_click(self._on_save)

        def section(title, *children):
            return w.VBox(
                [w.HTML(f"<b>{title}</b>"), *children],
                layout=w.Layout(border="1px solid #ddd", padding="4px", margin="0 0 6px 0"),
            )

        self.layer_rows = [
            w.HBox([units, keep]) for units, keep in zip(c["hidden_units"], c["keep_prob"])
        ]
        controls = w.VBox(
            [
                w.HBox([self.play, self.step_button, self.reset_button]),
                section(
                    "Data",
                    c["dataset"],
                    c["noise"],
                    c["n_points"],
                    c["train_share"],
                    w.HTML("input features"),
                    w.GridBox(
                        c["features"], layout=w.Layout(grid_template_columns="repeat(4, 80px)")
                    ),
                ),
                section(
                    "Network",
                    c["hidden_layers"],
                    w.HTML("units and keep_prob per hidden layer"),
                    *self.layer_rows,
                    c["activation"],
                    c["initializer"],
                    c["regularizer"],
                    c["lambd"],
                ),
                section(
                    "Training",
                    c["optimizer"],
                    c["learning_rate"],
                    c["batch_size"],
                    c["seed"],
                    c["steps_per_frame"],
                ),
                section(
                    "Export",
                    w.HBox([self.code_button]),
                    w.HBox([self.save_path, self.save_button]),
                    self.message,
                ),
            ],
            layout=w.Layout(width="430px"),
        )
        views = w.VBox([self.image, self.status], layout=w.Layout(width="1010px"))
        self.root = w.VBox([w.HBox([controls, views]), self.code])

    # ------------------------------------------------------------------- syncing

    def sync(self):
        """Write the playground's settings into the controls (without firing handlers)."""
        pg, c = self.pg, self.controls
        s = pg.settings
        self._syncing = True
        try:
            names = (*DATASETS, CUSTOM) if pg._custom is not None else tuple(DATASETS)
            c["dataset"].options = _options(names)
            c["dataset"].value = s["dataset"]
            custom = s["dataset"] == CUSTOM
            for name in ("noise", "n_points"):
                c[name].disabled = custom
            if not custom:
                c["noise"].value = pg.noise
                c["n_points"].value = s["n_points"]
            c["train_share"].value = s["train_share"]
            for box, name in zip(c["features"], FEATURES):
                box.value = name in s["features"]
            n_layers = len(s["hidden_units"])
            c["hidden_layers"].value = n_layers
            keep = fit_keep_prob(s["keep_prob"], n_layers)
            for k, row in enumerate(self.layer_rows):
                row.layout.display = None if k < n_layers else "none"
                if k < n_layers:
                    c["hidden_units"][k].value = s["hidden_units"][k]
                    c["keep_prob"][k].value = keep[k]
            for name in (
                "activation",
                "initializer",
                "regularizer",
                "optimizer",
                "batch_size",
                "seed",
                "steps_per_frame",
            ):
                c[name].value = s[name]
            c["lambd"].options = _with(LAMBDAS, s["lambd"])
            c["lambd"].value = s["lambd"]
            c["lambd"].disabled = s["regularizer"] == "none"
            c["learning_rate"].options = _with(LEARNING_RATES, s["learning_rate"])
            c["learning_rate"].value = s["learning_rate"]
        finally:
            self._syncing = False

    # ------------------------------------------------------------------ handlers

    def _apply(self, **settings):
        if self._syncing:
            return
        steps = self.pg.steps
        self.pg.set(**settings)  # calls sync()
        if self.pg.steps == 0 and steps:
            self.play.value = False  # a reset pauses, as in TensorFlow Playground
        self.redraw()
        self._warm_up_soon()

    def warm_up(self):
        """Trace the new network's training loop (a second or two), so that Play starts at
        once; `step(0)` trains nothing."""
        pg = self.pg
        if not pg._trainer.traced:
            pg._trainer.train(0, 1, 0, pg._features["train"][:1], pg._labels["train"][:1])

    def _warm_up_soon(self):
        """In a kernel, warm up just after the handler returns (the new drawing is shown
        first); without an event loop (plain Python) the first step traces instead."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_soon(self.warm_up)

    def _handler(self, name):
        def handler(change):
            self._apply(**{name: change["new"]})

        return handler

    def _on_features(self, change):
        if self._syncing:
            return
        chosen = tuple(name for box, name in zip(self.controls["features"], FEATURES) if box.value)
        if not chosen:  # at least one input: put the box back
            change["owner"].value = True
            return
        self._apply(features=chosen)

    def _on_network_list(self, change):
        if self._syncing:
            return
        c = self.controls
        n_layers = c["hidden_layers"].value
        units = tuple(slider.value for slider in c["hidden_units"][:n_layers])
        keep = tuple(slider.value for slider in c["keep_prob"][:n_layers])
        keep_prob = keep[0] if keep and len(set(keep)) == 1 else keep if keep else 1.0
        if change["owner"] is c["hidden_layers"]:
            # keep the settings of the layers that stay; new layers start as the last one
            current = self.pg.settings["hidden_units"]
            last = current[-1] if current else 4
            units = (tuple(current) + (last,) * n_layers)[:n_layers]
            old_keep = fit_keep_prob(self.pg.settings["keep_prob"], len(current))
            keep = (tuple(old_keep) + (1.0,) * n_layers)[:n_layers]
            keep_prob = keep[0] if keep and len(set(keep)) == 1 else keep if keep else 1.0
        self._apply(hidden_units=units, keep_prob=keep_prob)

    def _on_play(self, change):
        self.play.description = "Pause" if change["new"] else "Play"
        self.play.icon = "pause" if change["new"] else "play"
        self.play.button_style = "warning" if change["new"] else "success"
        if change["new"] and (self._task is None or self._task.done()):
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop (plain Python): Play needs a kernel
                self.play.value = False
                return
            self._task = loop.create_task(self._play_loop())

    async def _play_loop(self):
        while self.play.value:
            self.frame()
            await asyncio.sleep(0.001)  # let the kernel handle clicks and slider moves

    def _on_reset(self, _):
        self.play.value = False
        self.pg.reset()
        self.redraw()

    def _on_code(self, _):
        self.code.value = self.pg.code()
        self.code.layout.display = None

    def _on_save(self, _):
        try:
            path = self.pg.save(self.save_path.value)
        except (ValueError, OSError) as error:
            self.message.value = f"<span style='color:#D55E00'>{html.escape(str(error))}</span>"
        else:
            self.message.value = f"saved <code>{html.escape(str(path))}</code>"

    # ------------------------------------------------------------------- drawing

    def frame(self):
        """One frame: train `steps_per_frame` steps, then redraw (what Play repeats)."""
        self.pg.step(self.pg.settings["steps_per_frame"])
        self.redraw()

    def redraw(self):
        """Render the views into the image and the text beside it."""
        pg = self.pg
        key = (tuple(pg.gradient_norms), pg.classes, id(pg.x_train))  # what the layout shows
        if self._views is None or self._views_for != key:
            self._views = Views(pg, text=False)
            self._views_for = key
        self.image.value = self._views.update().jpeg()
        self.status.value = status_html(pg)
        self.frames += 1


def status_html(pg):
    """The epoch count, the numbers and Ng's diagnosis, as a line of HTML."""
    h, d = pg.history, pg.diagnosis()
    advice = html.escape("; ".join(d.advice))
    return (
        f"<div style='font-size:14px;line-height:1.5'>"
        f"<b>Epoch {pg.epoch:.1f}</b> (step {pg.steps}) · cost J: train "
        f"{h['loss'][-1]:.3f}, dev {h['val_loss'][-1]:.3f} · accuracy: train "
        f"{h['accuracy'][-1]:.1%}, dev {h['val_accuracy'][-1]:.1%}<br>"
        f"<b>Diagnosis</b> (Ng, Bayes error {d.bayes_error:.0%}): <b>{d.verdict}</b> — "
        f"avoidable bias {d.avoidable_bias:+.1%}, variance {d.variance:+.1%}. "
        f"Next: {advice}.</div>"
    )
