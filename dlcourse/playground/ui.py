"""The playground's ipywidgets app: controls on the left, the live views on the right.

The controls are made in a loop from the settings table (`settings.CONTROLS`), so a
control has the setting's label, range and choices and cannot hold a value the
playground would refuse. Each control observes its own value and calls `Playground.set`
only when the value differs from the playground's; `sync` writes the playground's
settings back (code and widgets always agree), and those writes change nothing. What
follows from a value (λ greyed out without a regularizer, the rows of the hidden layers,
the Play button's face) is bound with `widgets.dlink`.
"""

from __future__ import annotations

import asyncio
import html
from string import Template

import ipywidgets as widgets

from dlcourse.playground.settings import (
    CHOICES,
    CONTROLS,
    CUSTOM,
    FEATURES,
    LIMITS,
    VALUES,
    fit_keep_prob,
)
from dlcourse.playground.views import Views, status

__all__ = ["PlaygroundWidget"]

_STYLE = {"description_width": "110px"}
_WIDTH = "320px"
_MAX_LAYERS = LIMITS["hidden_layers"][1]

#: Every piece of HTML the app shows; values are escaped by `_html`.
_HTML = {
    "section": Template("<b>$title</b>"),
    "note": Template("$text"),
    "status": Template(
        "<div style='font-size:14px;line-height:1.5'><b>Epoch $epoch</b> (step $step) · "
        "cost J: train $loss, dev $val_loss · accuracy: train $accuracy, dev $val_accuracy"
        "<br><b>Diagnosis</b> (Ng, Bayes error $bayes_error): <b>$verdict</b> — avoidable "
        "bias $avoidable_bias, variance $variance. Next: $advice.</div>"
    ),
    "saved": Template("saved <code>$path</code>"),
    "error": Template("<span style='color:#D55E00'>$error</span>"),
}


def _html(name, **values):
    return _HTML[name].substitute({key: html.escape(str(v)) for key, v in values.items()})


def _options(name, values):
    labels = CHOICES.get(name, {})
    return [(labels.get(value, value), value) for value in values]


def _with(values, value):
    """The slider's choices, plus `value` if code set one that is not among them."""
    return tuple(sorted(set(values) | {value}))


def _make_widget(control, pg):
    """The widget for one row of `CONTROLS` (`"features"`/`"layers"` are made apart)."""
    name, kind = control.name, control.kind
    common = dict(description=control.label, style=_STYLE, layout=widgets.Layout(width=_WIDTH))
    if kind == "choice":
        values = pg.datasets if name == "dataset" else tuple(CHOICES[name])
        return widgets.Dropdown(options=_options(name, values), **common)
    if kind == "values":
        return widgets.SelectionSlider(options=VALUES[name], **common)
    low, high = LIMITS[name]
    high = control.high or high
    if kind == "number":
        common["layout"] = widgets.Layout(width="220px")
        return widgets.BoundedIntText(min=low, max=high, **common)
    if kind == "int":
        return widgets.IntSlider(min=low, max=high, step=control.step, **common)
    extra = {"readout_format": control.readout_format} if control.readout_format else {}
    return widgets.FloatSlider(min=low, max=high, step=control.step, **common, **extra)


class PlaygroundWidget:
    """The UI for one `Playground`: build it with `PlaygroundWidget(pg)`, show `root`.

    Attributes:
        controls: Setting name → its widget (`features`, `hidden_units` and `keep_prob`
            are lists: a tick box per input, a slider per hidden layer).
        play, step_button, reset_button: Play/Pause (a toggle), one step, reset.
        image, status: The rendered views (JPEG) and the text beside them.
        root: The whole app.
    """

    def __init__(self, pg):
        self.pg = pg
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
        w, c = widgets, {}
        self.controls = c
        sections = {}
        for control in CONTROLS:
            rows = sections.setdefault(control.section, [])
            if control.kind == "features":
                c["features"] = [
                    w.Checkbox(description=name, indent=False, layout=w.Layout(width="78px"))
                    for name in FEATURES
                ]
                grid = w.GridBox(
                    c["features"], layout=w.Layout(grid_template_columns="repeat(4, 80px)")
                )
                rows += [w.HTML(_html("note", text=control.label)), grid]
            elif control.kind == "layers":
                rows += [w.HTML(_html("note", text=control.label)), *self._layer_rows()]
            else:
                c[control.name] = _make_widget(control, self.pg)
                rows.append(c[control.name])
        self._bind()
        self.play = w.ToggleButton(
            tooltip="train continuously", layout=w.Layout(width="100px"), description="Play"
        )
        for trait, faces in (
            ("description", ("Play", "Pause")),
            ("icon", ("play", "pause")),
            ("button_style", ("success", "warning")),
        ):
            w.dlink((self.play, "value"), (self.play, trait), lambda on, f=faces: f[on])
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
        self.play.observe(self._on_play, names="value")
        self.step_button.on_click(lambda _: self.frame())
        self.reset_button.on_click(self._on_reset)
        self.code_button.on_click(self._on_code)
        self.save_button.on_click(self._on_save)
        sections["Export"] = [
            w.HBox([self.code_button]),
            w.HBox([self.save_path, self.save_button]),
            self.message,
        ]
        boxes = [
            w.VBox(
                [w.HTML(_html("section", title=title)), *rows],
                layout=w.Layout(border="1px solid #ddd", padding="4px", margin="0 0 6px 0"),
            )
            for title, rows in sections.items()
        ]
        buttons = w.HBox([self.play, self.step_button, self.reset_button])
        controls = w.VBox([buttons, *boxes], layout=w.Layout(width="430px"))
        views = w.VBox([self.image, self.status], layout=w.Layout(width="1010px"))
        self.root = w.VBox([w.HBox([controls, views]), self.code])

    def _layer_rows(self):
        """A row per possible hidden layer: its units and its keep_prob."""
        w, c = widgets, self.controls
        low, high = LIMITS["units"]
        c["hidden_units"] = [
            w.IntSlider(
                min=low,
                max=high,
                description=f"layer {k}",
                style={"description_width": "52px"},
                layout=w.Layout(width="190px"),
            )
            for k in range(1, _MAX_LAYERS + 1)
        ]
        low, high = LIMITS["keep_prob"]
        c["keep_prob"] = [
            w.FloatSlider(
                min=low,
                max=high,
                step=0.05,
                description="keep_prob",
                style={"description_width": "70px"},
                layout=w.Layout(width="215px"),
            )
            for _ in range(_MAX_LAYERS)
        ]
        self.layer_rows = [w.HBox(pair) for pair in zip(c["hidden_units"], c["keep_prob"])]
        return self.layer_rows

    def _bind(self):
        """Each control → `Playground.set` (when it differs); what follows → `dlink`."""
        c = self.controls
        self._handlers = {}
        for name, control in c.items():
            if isinstance(control, list):
                for k, widget in enumerate(control):
                    widget.observe(self._per_item(name, k), names="value")
            elif name == "hidden_layers":
                control.observe(self._on_hidden_layers, names="value")
            else:
                self._handlers[name] = self._setting(name)
                control.observe(self._handlers[name], names="value")
        widgets.dlink((c["regularizer"], "value"), (c["lambd"], "disabled"), lambda r: r == "none")
        for name in ("noise", "n_points"):
            widgets.dlink((c["dataset"], "value"), (c[name], "disabled"), lambda d: d == CUSTOM)
        for k, row in enumerate(self.layer_rows):
            shown = lambda n, k=k: None if k < n else "none"  # noqa: E731
            widgets.dlink((c["hidden_layers"], "value"), (row.layout, "display"), shown)

    # ------------------------------------------------------------------- syncing

    def _shown(self, name):
        """What the control for `name` shows of the playground's settings."""
        return self.pg.noise if name == "noise" else self.pg.settings[name]

    def sync(self):
        """Write the playground's settings into the controls (`Playground.set` calls this).

        Every handler compares its control with the playground, so these writes set nothing.
        """
        pg, c = self.pg, self.controls
        s = pg.settings
        for name, control in c.items():
            if isinstance(control, list) or name == "hidden_layers":
                continue
            value = self._shown(name)
            if name == "noise" and value is None:
                continue  # your own data: no noise to show
            if name in VALUES and value not in control.options:
                self._set_options(name, _with(VALUES[name], value), value)
            if hasattr(control, "max") and value > control.max:  # code may go past the slider
                control.max = value
            control.value = value
        for box, name in zip(c["features"], FEATURES):
            box.value = name in s["features"]
        n_layers = len(s["hidden_units"])
        c["hidden_layers"].value = n_layers
        keep = fit_keep_prob(s["keep_prob"], n_layers)
        for k in range(n_layers):
            c["hidden_units"][k].value = s["hidden_units"][k]
            c["keep_prob"][k].value = keep[k]

    def _set_options(self, name, options, value):
        """New choices for a selection slider: ipywidgets selects the first choice when
        the options change, so its handler is detached while they do."""
        control, handler = self.controls[name], self._handlers[name]
        control.unobserve(handler, names="value")
        try:
            control.options = options
            control.value = value
        finally:
            control.observe(handler, names="value")

    # ------------------------------------------------------------------ handlers

    def _apply(self, **settings):
        steps = self.pg.steps
        self.pg.set(**settings)  # calls sync()
        if self.pg.steps == 0 and steps:
            self.play.value = False  # a reset pauses, as in TensorFlow Playground
        self.redraw()
        self._warm_up_soon()

    def _setting(self, name):
        def handler(change):
            if change["new"] != self._shown(name):
                self._apply(**{name: change["new"]})

        return handler

    def _per_item(self, name, k):
        """The handler of the k-th tick box (features) or hidden layer's slider."""

        def handler(change):
            s, new = self.pg.settings, change["new"]
            if name == "features":
                feature = FEATURES[k]
                if new == (feature in s["features"]):
                    return
                toggled = set(s["features"]) ^ {feature}
                chosen = tuple(f for f in FEATURES if f in toggled)
                if not chosen:  # at least one input: put the box back
                    change["owner"].value = True
                    return
                self._apply(features=chosen)
                return
            n_layers = len(s["hidden_units"])
            if k >= n_layers:
                return  # a hidden row
            if name == "hidden_units":
                units = list(s["hidden_units"])
                if units[k] != new:
                    units[k] = new
                    self._apply(hidden_units=tuple(units))
                return
            keep = list(fit_keep_prob(s["keep_prob"], n_layers))
            if keep[k] != new:
                keep[k] = new
                self._apply(keep_prob=keep[0] if len(set(keep)) == 1 else tuple(keep))

        return handler

    def _on_hidden_layers(self, change):
        # keep the settings of the layers that stay; new layers start as the last one
        n_layers, s = change["new"], self.pg.settings
        current = s["hidden_units"]
        if n_layers == len(current):
            return
        last = current[-1] if current else 4
        units = (tuple(current) + (last,) * n_layers)[:n_layers]
        old_keep = fit_keep_prob(s["keep_prob"], len(current))
        keep = (tuple(old_keep) + (1.0,) * n_layers)[:n_layers]
        keep_prob = keep[0] if keep and len(set(keep)) == 1 else keep if keep else 1.0
        self._apply(hidden_units=units, keep_prob=keep_prob)

    def warm_up(self):
        """Compile the new network's training loop (`Playground.warm_up`)."""
        self.pg.warm_up()

    def _warm_up_soon(self):
        """In a kernel, warm up just after the handler returns (the new drawing is shown
        first); without an event loop (plain Python) the first step compiles instead."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        loop.call_soon(self.pg.warm_up)

    def _on_play(self, change):
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
            self.message.value = _html("error", error=error)
        else:
            self.message.value = _html("saved", path=path)

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
        self.status.value = _html("status", **status(pg))
        self.frames += 1
