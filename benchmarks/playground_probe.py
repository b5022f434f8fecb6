"""Time `dlcourse.Playground` as Play drives it, on the Keras backend of this process.

Used by section 8 of ``benchmarks/bench.py``, once per backend (``KERAS_BACKEND`` set in
a subprocess each); prints one JSON document on stdout's last line.

Usage: ``KERAS_BACKEND=jax python benchmarks/playground_probe.py [--reps 9]``
"""

import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

SETTINGS = dict(
    dataset="circles",
    hidden_units=(8, 8),
    activation="relu",
    initializer="he",
    optimizer="adam",
    learning_rate=0.03,
    seed=0,
)


def bench_playground(reps, seconds=4.0):
    """A 2-8-8-1 net (batch 10, `steps_per_frame` steps a frame), the widget's frame as Play
    runs it. Without ipywidgets (the `playground` extra) the frame is replayed with its
    parts: `pg.step`, then the views redrawn into a JPEG."""
    from dlcourse.playground import Playground
    from dlcourse.playground.views import Views

    began = time.perf_counter()
    pg = Playground(**SETTINGS)  # data, model, the evaluation compiled
    setup = time.perf_counter() - began
    began = time.perf_counter()
    try:
        from dlcourse.playground.ui import PlaygroundWidget

        ui = PlaygroundWidget(pg)  # what displaying `pg` does: the controls, a first drawing,
        pg.warm_up()  # then (in a kernel, just after) compiling the training loop
        frame, redraw = ui.frame, ui.redraw
    except ImportError:
        views = Views(pg, text=False)
        views.update().jpeg()
        pg.warm_up()
        redraw = lambda: views.update().jpeg()  # noqa: E731
        frame = lambda: (pg.step(pg.settings["steps_per_frame"]), redraw())  # noqa: E731
    shown = time.perf_counter() - began
    began = time.perf_counter()
    frame()  # Play -> the first frame
    first = time.perf_counter() - began
    began = time.perf_counter()
    pg.set(activation="tanh")  # a new network: built and compiled again, then a frame
    pg.warm_up()
    frame()
    changed = time.perf_counter() - began
    began = time.perf_counter()
    pg.set(activation="relu")  # back to the first network: kept built, reset, no compile
    pg.warm_up()
    frame()
    back = time.perf_counter() - began
    rates, parts = [], {"train": [], "record": [], "draw": []}
    n = pg.settings["steps_per_frame"]
    data = (pg._features["train"], pg._labels["train"])
    for _ in range(max(1, reps // 3)):
        frames, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            frame()
            frames += 1
        rates.append(frames / (time.perf_counter() - began))
    for _ in range(reps):
        t0 = time.perf_counter()
        pg._trainer.train(n, 10, 0, *data)
        t1 = time.perf_counter()
        pg._record()
        t2 = time.perf_counter()
        redraw()
        t3 = time.perf_counter()
        for name, took in zip(parts, (t1 - t0, t2 - t1, t3 - t2)):
            parts[name].append(took)
    pg._trainer.train(0, 10, 0, *data, compile_for=1000)  # compile the 1000-step shape first
    steps = []
    for _ in range(max(3, reps // 3)):
        began = time.perf_counter()
        pg._trainer.train(1000, 10, 0, *data)
        steps.append(1000 / (time.perf_counter() - began))
    return dict(
        backend=keras.backend.backend(),
        setup=setup,
        shown=shown,
        first_frame=first,
        changed=changed,
        back=back,
        fps=float(np.median(rates)),
        steps_per_frame=n,
        steps_per_s=float(np.median(steps)),
        parts={name: float(np.median(t)) for name, t in parts.items()},
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args(argv)
    print(json.dumps(bench_playground(args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
