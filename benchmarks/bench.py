"""``make bench``: how fast dlcourse is against Keras built-ins, the machine and PyTorch.

Writes ``BENCHMARKS.md``. The machines we run on are shared and noisy, so every
comparison is made side by side in one run: repetitions of A and B are interleaved
(A, B, A, B, ...), and we report the median of the per-pair ratios with its spread
(25th–75th percentile). Absolute numbers are given only next to the machine
description. Nothing here is a test: targets are reported, not asserted.

Usage: ``python benchmarks/bench.py [--out BENCHMARKS.md] [--skip lessons torch ...] [--only sweep ...]``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import dlcourse  # noqa: E402
from dlcourse import modelcheck  # noqa: E402
from dlcourse.gradcheck import gradient_check  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = (
    "components",
    "throughput",
    "gradcheck",
    "startup",
    "lessons",
    "torch",
    "sweep",
    "playground",
)


# --------------------------------------------------------------------------- timing


def interleaved(functions, reps):
    """Time each callable ``reps`` times, interleaved; one untimed warm-up call each."""
    for fn in functions.values():
        fn()
    times = {name: [] for name in functions}
    for _ in range(reps):
        for name, fn in functions.items():
            began = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - began)
    return {name: np.array(t) for name, t in times.items()}


def ratio(times_a, times_b):
    """Median and 25th/75th percentiles of the per-repetition ratios a/b."""
    r = np.asarray(times_a) / np.asarray(times_b)
    return float(np.median(r)), float(np.percentile(r, 25)), float(np.percentile(r, 75))


def fmt_ratio(stats):
    median, low, high = stats
    return f"{median:.3f} [{low:.3f}–{high:.3f}]"


def mark(ok):
    return "✅" if ok else "❌"


# ----------------------------------------------------------------------- 1. components


def component_model(component, side, jit):
    """784-256-256-10 MLP that uses `component` (ours or the Keras built-in)."""
    inputs = keras.Input((784,))
    x = inputs
    for _ in range(2):
        regularizer = None
        if component == "L2":
            regularizer = (
                dlcourse.L2(0.7, m=1000) if side == "ours" else keras.regularizers.L2(0.7 / 2000)
            )
        elif component == "L1":
            regularizer = (
                dlcourse.L1(0.7, m=1000) if side == "ours" else keras.regularizers.L1(0.7 / 1000)
            )
        x = keras.layers.Dense(256, activation="relu", kernel_regularizer=regularizer)(x)
        if component == "dropout":
            x = (dlcourse.InvertedDropout(0.8) if side == "ours" else keras.layers.Dropout(0.2))(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    # One call into TensorFlow per epoch and a cached dataset: what is timed is the
    # training step itself, where the two components differ, not Keras's bookkeeping.
    model.compile(
        optimizer=keras.optimizers.SGD(0.01),
        loss="sparse_categorical_crossentropy",
        jit_compile=jit,
        steps_per_execution=COMPONENT_STEPS,
    )
    return model


COMPONENT_STEPS = 32  # training steps per timed call (one epoch of 32 batches of 256)


def bench_components(reps):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256 * COMPONENT_STEPS, 784)).astype("float32")
    y = rng.integers(0, 10, size=len(x))
    data = dlcourse.datasets.to_dataset(x, y, batch_size=256, shuffle=False)
    rows = []
    for component, builtin in (
        ("dropout", "keras.layers.Dropout"),
        ("L2", "keras.regularizers.L2"),
        ("L1", "keras.regularizers.L1"),
    ):
        for jit in (False, True):
            models = {side: component_model(component, side, jit) for side in ("ours", "keras")}
            fits = {
                side: (lambda m=m: m.fit(data, epochs=1, verbose=0, shuffle=False))
                for side, m in models.items()
            }
            times = interleaved(fits, reps)
            ours = {"dropout": "InvertedDropout", "L2": "L2", "L1": "L1"}[component]
            rows.append(
                (
                    f"`{ours}` vs `{builtin}`",
                    "on" if jit else "off",
                    ratio(times["ours"], times["keras"]),
                    float(times["ours"].min() / times["keras"].min()),
                    float(np.median(times["keras"])) / COMPONENT_STEPS,
                )
            )
    # initializers: only the build time matters
    for ours, builtin in ((dlcourse.He(), "he_normal"), (dlcourse.Xavier(), "glorot_normal")):

        def build(init):
            layer = keras.layers.Dense(500, kernel_initializer=init)
            layer.build((None, 784))

        times = interleaved(
            {"ours": lambda: build(ours), "keras": lambda: build(builtin)}, reps * 5
        )
        rows.append(
            (
                f"`{type(ours).__name__}()` vs `{builtin}` (Dense 784→500 build)",
                "–",
                ratio(times["ours"], times["keras"]),
                float(times["ours"].min() / times["keras"].min()),
                float(np.median(times["keras"])),
            )
        )
    return rows


def overhead_mark(stats, limit=1.03):
    """✅ under the limit; ❔ when the median is over it but the spread still contains 1.0."""
    median, low, high = stats
    if median <= limit:
        return "✅"
    return "❔ within noise" if low <= 1.0 <= high else "❌"


# ---------------------------------------------------------------------- 2. throughput


def matmul_flops(n=2048, inner=8, reps=7):
    """float32 FLOP/s of a large matmul through TensorFlow (the roofline's compute roof)."""
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))

    @tf.function
    def run(a, b):
        c = a
        for _ in range(inner):
            c = tf.matmul(c, b) * 1e-3
        return tf.reduce_sum(c)

    run(a, b).numpy()
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        run(a, b).numpy()
        times.append(time.perf_counter() - began)
    return 2 * n**3 * inner / float(np.median(times))


def training_flops_per_example(model):
    """FLOPs of one training step per example: 3 × forward (backward ≈ 2 × forward), 2 FLOPs per multiply-add."""
    macs = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, h, w, _ = layer.output.shape
            macs += h * w * int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Dense):
            macs += int(np.prod(layer.kernel.shape))
    return 6 * macs


def bench_throughput(reps):
    peak = matmul_flops()
    rng = np.random.default_rng(0)
    x_mlp = rng.normal(size=(20480, 784)).astype("float32")
    y_mlp = rng.integers(0, 10, size=20480)
    digits = dlcourse.datasets.load_digits(images=True)
    repeat = 20480 // len(digits.x_train) + 1
    x_cnn = np.concatenate([digits.x_train] * repeat)[:20480]
    y_cnn = np.concatenate([digits.y_train] * repeat)[:20480]
    rows = []
    for name, build, x, y in (
        ("deep_net 784-500-500-10 (sigmoid)", lambda: dlcourse.deep_net((784,)), x_mlp, y_mlp),
        ("cnn (3, 5 filters) on 8×8 digits", lambda: dlcourse.cnn((8, 8, 1), 10), x_cnn, y_cnn),
    ):
        for batch in (100, 512):
            fits, flops = {}, None
            data = dlcourse.datasets.to_dataset(x, y, batch_size=batch, shuffle=False)
            for label, settings, feed in THROUGHPUT_SETUPS:
                model = build()
                flops = training_flops_per_example(model)
                model.compile(
                    optimizer=keras.optimizers.SGD(0.01),
                    loss="sparse_categorical_crossentropy",
                    **settings,
                )
                if feed == "arrays":
                    fits[label] = lambda m=model: m.fit(
                        x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False
                    )
                else:
                    fits[label] = lambda m=model: m.fit(data, epochs=1, verbose=0, shuffle=False)
            times = interleaved(fits, reps)
            for label, _, _ in THROUGHPUT_SETUPS:
                examples_per_s = len(x) / float(np.median(times[label]))
                achieved = examples_per_s * flops
                rows.append((name, batch, label, examples_per_s, achieved, achieved / peak))
    return peak, rows


THROUGHPUT_SETUPS = (  # (label, compile settings, how the data is fed)
    ("defaults, NumPy arrays", dict(jit_compile=False), "arrays"),
    ("jit_compile=True, NumPy arrays", dict(jit_compile=True), "arrays"),
    ("steps_per_execution=32, `to_dataset` (recommended)", dict(steps_per_execution=32), "dataset"),
)


# ----------------------------------------------------------------------- 3. gradcheck


def straightforward_gradient_check(model, x, y, loss, epsilon=1e-6):
    """The loop a learner writes from Ng's assignment, in Keras: one parameter at a time.

    For every component i of θ: write θ + ε e_i into the (float64) model's
    weights, run the model eagerly, read J; the same for θ − ε e_i. J is the
    cost `check_model_gradients` uses (mean loss + regularization, dropout off).
    Returns the relative difference against the tape gradient.
    """
    clone = modelcheck.float64_clone(model)  # same weights, float64 everywhere
    loss_fn = loss.__class__.from_config({**loss.get_config(), "dtype": "float64"})
    x = tf.constant(x, tf.float64)
    y = tf.constant(y, tf.float64)
    variables = clone.trainable_variables
    shapes = [tuple(v.shape) for v in variables]
    sizes = [int(np.prod(shape)) for shape in shapes]
    theta0 = np.concatenate([v.numpy().ravel() for v in variables])

    def cost():
        value = tf.reduce_mean(loss_fn(y, clone(x, training=False)))
        return value + tf.add_n(clone.losses) if clone.losses else value

    def J(theta):
        for variable, part, shape in zip(variables, np.split(theta, np.cumsum(sizes)[:-1]), shapes):
            variable.assign(part.reshape(shape))
        return float(cost())

    approx = np.empty(theta0.size)
    for i in range(theta0.size):
        plus, minus = theta0.copy(), theta0.copy()
        plus[i] += epsilon
        minus[i] -= epsilon
        approx[i] = (J(plus) - J(minus)) / (2 * epsilon)
    J(theta0)
    with tf.GradientTape() as tape:
        value = cost()
    analytic = np.concatenate([g.numpy().ravel() for g in tape.gradient(value, variables)])
    return np.linalg.norm(approx - analytic) / (np.linalg.norm(approx) + np.linalg.norm(analytic))


def bench_gradcheck():
    keras.utils.set_random_seed(0)
    model = dlcourse.deep_net(
        (20,),
        hidden_units=(40, 20),
        num_classes=3,
        activation="tanh",
        regularizer=dlcourse.L2(0.1, m=64),
        seed=0,
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 20))
    y = rng.integers(0, 3, size=64)
    loss = keras.losses.SparseCategoricalCrossentropy()
    # A first call rebuilds the model in float64 and traces; both are cached per
    # model and are not part of the per-check cost measured below.
    modelcheck.check_model_gradients(model, x[:4], y[:4], loss)
    # The compiled loop: Ng's NumPy check on the model's traced float64 cost J(θ).
    J, gradient, theta = modelcheck.cost_function(model, x, y, loss)
    J(theta)  # traced once, cached per model like the batched check's set-up
    timings, results = {}, {}
    for name, run, reps in (  # median of a few runs; the eager loop takes ~100× longer
        ("batched", lambda: modelcheck.check_model_gradients(model, x, y, loss).difference, 5),
        (
            "compiled loop",
            lambda: gradient_check(J, theta, gradient(theta), epsilon=1e-6).difference,
            3,
        ),
        ("eager loop", lambda: straightforward_gradient_check(model, x, y, loss), 1),
    ):
        times = []
        for _ in range(reps):
            began = time.perf_counter()
            results[name] = float(run())
            times.append(time.perf_counter() - began)
        timings[name] = float(np.median(times))
    return {
        "params": model.count_params(),
        "seconds": timings,
        "differences": results,
    }


# ------------------------------------------------------------------------- 4. lessons


def _python_seconds(code):
    """Wall time of one `python -c code` (the caller interleaves and takes medians)."""
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - began


def bench_imports(reps=5):
    codes = {
        "python": "pass",
        "tensorflow": "import tensorflow",
        "keras": "import keras",
        "dlcourse": "import keras, dlcourse",
    }
    times = {name: [] for name in codes}
    for _ in range(reps):
        for name, code in codes.items():
            times[name].append(_python_seconds(code))
    return {name: float(np.median(t)) for name, t in times.items()}


FIRST_LESSON = "01_linear_vs_nonlinear.py"


def _installed(backend):
    module = "tensorflow" if backend == "tensorflow" else backend
    return importlib.util.find_spec(module) is not None


def _seconds(command, env):
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - began


def bench_startup(reps=3):
    """Per backend: `import keras`, `import keras, dlcourse`, the first lesson (quick, alone).

    Each a fresh interpreter, the backends interleaved, medians of `reps`.
    """
    backends = [b for b in ("tensorflow", "jax", "torch") if _installed(b)]
    times = {b: {"keras": [], "dlcourse": [], "lesson": []} for b in backends}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(reps):
            for backend in backends:
                env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
                python = [sys.executable, "-c"]
                times[backend]["keras"].append(_seconds(python + ["import keras"], env))
                times[backend]["dlcourse"].append(
                    _seconds(python + ["import keras, dlcourse"], env)
                )
                lesson = [sys.executable, str(ROOT / "lessons" / FIRST_LESSON), "--quick"]
                times[backend]["lesson"].append(_seconds(lesson + ["--out", tmp], env))
    out = {b: {k: float(np.median(v)) for k, v in t.items()} for b, t in times.items()}
    out["load"] = os.getloadavg()[0]
    return out


def bench_lessons():
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("quick", "full"):
            command = [
                sys.executable,
                str(ROOT / "benchmarks" / "lesson_probe.py"),
                "--lessons",
                str(ROOT / "lessons"),
                "--out",
                f"{tmp}/{mode}",
            ]
            began = time.perf_counter()
            done = subprocess.run(
                command + (["--quick"] if mode == "quick" else []),
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            wall = time.perf_counter() - began
            if done.returncode != 0:
                raise RuntimeError(f"lesson probe failed:\n{done.stderr[-3000:]}")
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            results[mode]["process_seconds"] = wall
    return results


# --------------------------------------------------------------------------- 5. torch


TORCH_EPOCHS = 5  # epochs per timed call, so one `fit` call's set-up is shared as in real training


def keras_fit_setups():
    """The Keras settings compared against PyTorch: (compile settings, feed through `to_dataset`).

    The third is what the README recommends.
    """
    return {
        "defaults, NumPy arrays (jit auto → off on CPU)": (dict(), False),
        "steps_per_execution=32, NumPy arrays": (dict(steps_per_execution=32), False),
        "steps_per_execution=32, `to_dataset`": (dict(steps_per_execution=32), True),
        "jit_compile=True, steps_per_execution=32, `to_dataset`": (
            dict(jit_compile=True, steps_per_execution=32),
            True,
        ),
    }


def bench_torch(reps):
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    digits = dlcourse.datasets.load_digits(ratios=(1.0, 0.0, 0.0))
    x = np.concatenate([digits.x_train] * 4)
    y = np.concatenate([digits.y_train] * 4).astype("int64")
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    rows = []
    for batch in (32, 256):
        tmodel = torch.nn.Sequential(
            torch.nn.Linear(64, 128),
            torch.nn.ReLU(),
            torch.nn.Linear(128, 128),
            torch.nn.ReLU(),
            torch.nn.Linear(128, 10),
        )
        optimizer = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        criterion = torch.nn.CrossEntropyLoss()

        def torch_epochs():  # the usual eager loop; reshuffled every epoch like Keras
            for _ in range(TORCH_EPOCHS):
                order = torch.randperm(len(xt))
                xs, ys = xt[order], yt[order]
                for start in range(0, len(xs), batch):
                    optimizer.zero_grad()
                    loss = criterion(tmodel(xs[start : start + batch]), ys[start : start + batch])
                    loss.backward()
                    optimizer.step()

        functions = {"torch": torch_epochs}
        for label, (settings, as_dataset) in keras_fit_setups().items():
            model = dlcourse.deep_net(
                (64,), hidden_units=(128, 128), num_classes=10, activation="relu", initializer="he"
            )
            model.compile(
                optimizer=keras.optimizers.Adam(1e-3),
                loss="sparse_categorical_crossentropy",
                **settings,
            )
            if as_dataset:
                data = dlcourse.datasets.to_dataset(x, y, batch_size=batch, seed=0)
                functions[label] = lambda m=model, d=data: m.fit(
                    d, epochs=TORCH_EPOCHS, shuffle=False, verbose=0
                )
            else:
                functions[label] = lambda m=model: m.fit(
                    x, y, batch_size=batch, epochs=TORCH_EPOCHS, verbose=0
                )
        times = interleaved(functions, reps)
        torch_rate = TORCH_EPOCHS * len(x) / float(np.median(times["torch"]))
        for label in keras_fit_setups():
            keras_rate = TORCH_EPOCHS * len(x) / float(np.median(times[label]))
            rows.append((batch, label, keras_rate, torch_rate, ratio(times["torch"], times[label])))
    return torch.__version__, rows


# --------------------------------------------------------------------------- 7. sweep


SWEEP_WORKLOADS = {  # name -> settings; lesson 11's first
    "lesson 11: 5 λ × 3 seeds, 2-20-20-1 tanh, L2, 1,500 full-batch Adam steps": dict(
        data="two_class",
        hidden=(20, 20),
        activation="tanh",
        initializer="xavier",
        grid={"lambd": [0.0, 0.1, 0.3, 0.7, 1.5], "keep_prob": [1.0], "seed": [0, 1, 2]},
        epochs=1500,
        batch_size=None,
        learning_rate=0.01,
    ),
    "lesson 13: 3 keep_probs × 3 seeds, 2-32-32-1 ReLU He, dropout, 1,200 full-batch Adam steps": dict(
        data="two_class",
        hidden=(32, 32),
        activation="relu",
        initializer="he",
        grid={
            "lambd": [0.0],
            "keep_prob": [(1.0, 1.0), (0.86, 0.86), (0.9, 0.5)],
            "seed": [0, 1, 2],
        },
        epochs=1200,
        batch_size=None,
        learning_rate=0.01,
    ),
    "digits: 3 λ × 2 seeds, 64-64-10 ReLU softmax, L2, batch 64, 20 epochs": dict(
        data="digits",
        hidden=(64,),
        activation="relu",
        initializer="he",
        grid={"lambd": [0.0, 0.5, 2.0], "keep_prob": [1.0], "seed": [0, 1]},
        epochs=20,
        batch_size=64,
        learning_rate=0.001,
    ),
}


def sweep_data(kind):
    if kind == "two_class":  # lesson 11's data: Ng's 211 training points
        x, y = dlcourse.datasets.noisy_two_class(n=211 + 200, flip=0.08, seed=0)
        x, y = x.astype("float32"), y.astype("float32")
        return x[:211], y[:211], x[211:], y[211:]
    digits = dlcourse.datasets.load_digits(ratios=(0.8, 0.2, 0.0))
    return digits.x_train, digits.y_train, digits.x_dev, digits.y_dev


def sweep_builder(w, m):
    classes = 1 if w["data"] == "two_class" else 10

    def build(lambd, keep_prob, seed):
        return dlcourse.deep_net(
            (2,) if classes == 1 else (64,),
            w["hidden"],
            classes,
            activation=w["activation"],
            initializer=w["initializer"],
            regularizer=dlcourse.L2(lambd, m=m),
            keep_prob=keep_prob,
            seed=seed,
        )

    return build


def sweep_configs(grid):
    import itertools

    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def way_sweep(w, data, timings=None):
    """`dlcourse.Sweep`: build, compile and fit the whole grid (what is timed)."""
    x, y, x_dev, y_dev = data
    batch = w["batch_size"] or len(x)
    loss = "binary_crossentropy" if w["data"] == "two_class" else "sparse_categorical_crossentropy"
    began = time.perf_counter()
    sweep = dlcourse.Sweep(sweep_builder(w, len(x)), w["grid"], seed=0)
    built = time.perf_counter()
    sweep.compile(
        optimizer=keras.optimizers.Adam(w["learning_rate"]), loss=loss, metrics=["accuracy"]
    )
    sweep.fit(x, y, batch_size=batch, epochs=w["epochs"], validation_data=(x_dev, y_dev), verbose=0)
    fitted = time.perf_counter()
    if timings is not None:  # where the time goes: a second, already traced fit = the steps alone
        sweep.fit(
            x, y, batch_size=batch, epochs=w["epochs"], validation_data=(x_dev, y_dev), verbose=0
        )
        steps = time.perf_counter() - fitted
        timings.update(build=built - began, steps=steps, trace=(fitted - built) - steps)
    return sweep


def way_fit_loop(w, data):
    """The fastest loop of `fit` calls: one model at a time, the epochs as one long tf.data epoch."""
    x, y, x_dev, y_dev = data
    loss = "binary_crossentropy" if w["data"] == "two_class" else "sparse_categorical_crossentropy"
    build = sweep_builder(w, len(x))
    accuracies = []
    for config in sweep_configs(w["grid"]):
        model = build(**config)
        if w["batch_size"] is None:  # full batch: every epoch is the same batch
            steps = w["epochs"]
            model.compile(
                optimizer=keras.optimizers.Adam(w["learning_rate"]),
                loss=loss,
                metrics=["accuracy"],
                steps_per_execution=steps,
            )
            data_ = tf.data.Dataset.from_tensors((x, y)).repeat(steps)
            model.fit(data_, epochs=1, verbose=0)
        else:
            steps = -(-len(x) // w["batch_size"])
            model.compile(
                optimizer=keras.optimizers.Adam(w["learning_rate"]),
                loss=loss,
                metrics=["accuracy"],
                steps_per_execution=steps,
            )
            data_ = dlcourse.datasets.to_dataset(x, y, batch_size=w["batch_size"], seed=0)
            model.fit(data_, epochs=w["epochs"], validation_data=(x_dev, y_dev), verbose=0)
        accuracies.append(float(model.evaluate(x_dev, y_dev, verbose=0)[1]))
    return accuracies


def way_tuner(w, data, directory):
    """Keras Tuner's GridSearch over the same grid; each trial fits like `way_fit_loop`."""
    import keras_tuner

    x, y, x_dev, y_dev = data
    loss = "binary_crossentropy" if w["data"] == "two_class" else "sparse_categorical_crossentropy"
    build = sweep_builder(w, len(x))
    grid = w["grid"]

    class Grid(keras_tuner.HyperModel):
        def build(self, hp):
            config = {k: hp.Choice(k, [str(v) for v in values]) for k, values in grid.items()}
            config = {k: grid[k][[str(v) for v in grid[k]].index(config[k])] for k in grid}
            model = build(**config)
            steps = w["epochs"] if w["batch_size"] is None else -(-len(x) // w["batch_size"])
            model.compile(
                optimizer=keras.optimizers.Adam(w["learning_rate"]),
                loss=loss,
                metrics=["accuracy"],
                steps_per_execution=steps,
            )
            return model

        def fit(self, hp, model, *args, **kwargs):
            if w["batch_size"] is None:
                data_ = tf.data.Dataset.from_tensors((x, y)).repeat(w["epochs"])
                return model.fit(data_, epochs=1, validation_data=(x_dev, y_dev), verbose=0)
            data_ = dlcourse.datasets.to_dataset(x, y, batch_size=w["batch_size"], seed=0)
            return model.fit(data_, epochs=w["epochs"], validation_data=(x_dev, y_dev), verbose=0)

    class GridSearch(keras_tuner.GridSearch):
        def _configure_tensorboard_dir(self, callbacks, trial, execution=0):
            pass  # we pass no TensorBoard callback; skips keras-tuner's hard `import tensorboard`

    tuner = GridSearch(
        Grid(),
        objective="val_accuracy",
        max_trials=10_000,
        directory=directory,
        project_name=f"grid{time.perf_counter_ns()}",
        overwrite=True,
    )
    tuner.search(verbose=0)
    return len(tuner.oracle.trials)


def way_torch(w, data):
    """A PyTorch eager loop: one model at a time, same initial weights, same L2, Adam."""
    import torch

    x, y, _, _ = data
    xt = torch.from_numpy(x)
    binary = w["data"] == "two_class"
    yt = torch.from_numpy(y.astype("float32" if binary else "int64"))
    build = sweep_builder(w, len(x))
    for config in sweep_configs(w["grid"]):
        keras_model = build(**config)
        dense = [l for l in keras_model.layers if isinstance(l, keras.layers.Dense)]
        layers, keeps = [], list(np.broadcast_to(config["keep_prob"], (len(w["hidden"]),)))
        for i, layer in enumerate(dense):
            linear = torch.nn.Linear(*layer.kernel.shape)
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(layer.kernel.numpy().T))
                linear.bias.copy_(torch.from_numpy(layer.bias.numpy()))
            layers.append(linear)
            if i < len(dense) - 1:
                layers.append(torch.nn.Tanh() if w["activation"] == "tanh" else torch.nn.ReLU())
                if keeps[i] < 1:
                    layers.append(torch.nn.Dropout(1 - keeps[i]))
        net = torch.nn.Sequential(*layers)
        optimizer = torch.optim.Adam(net.parameters(), lr=w["learning_rate"])
        criterion = torch.nn.BCEWithLogitsLoss() if binary else torch.nn.CrossEntropyLoss()
        coefficient = config["lambd"] / (2 * len(x))
        batch = w["batch_size"] or len(x)
        for _ in range(w["epochs"]):
            order = torch.randperm(len(xt)) if batch < len(xt) else None
            for start in range(0, len(xt), batch):
                index = (
                    slice(start, start + batch) if order is None else order[start : start + batch]
                )
                optimizer.zero_grad()
                out = net(xt[index])
                loss = criterion(out[:, 0] if binary else out, yt[index])
                loss = loss + coefficient * sum(
                    (l.weight**2).sum() for l in net if isinstance(l, torch.nn.Linear)
                )
                loss.backward()
                optimizer.step()


def way_numpy(w, data, seed=0):
    """A compact NumPy engine, members stacked on a leading axis (what the lessons used)."""
    x, y, _, _ = data
    configs = sweep_configs(w["grid"])
    build = sweep_builder(w, len(x))
    models = [build(**config) for config in configs]
    params = [
        np.stack([l.get_weights()[k] for l in layers])
        for layers in zip(
            *[[l for l in m.layers if isinstance(l, keras.layers.Dense)] for m in models]
        )
        for k in (0, 1)
    ]  # W1, b1, W2, b2, ...
    n_hidden = len(w["hidden"])
    keeps = np.array(
        [np.broadcast_to(c["keep_prob"], (n_hidden,)) for c in configs], "float32"
    )  # (M, L)
    coefficients = np.array([c["lambd"] / len(x) for c in configs], "float32")[:, None, None]  # λ/m
    binary = w["data"] == "two_class"
    targets = y[:, None] if binary else np.eye(10, dtype="float32")[y.astype(int)]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(seed)
    batch, step = w["batch_size"] or len(x), 0
    for _ in range(w["epochs"]):
        order = rng.permutation(len(x)) if batch < len(x) else np.arange(len(x))
        for start in range(0, len(x), batch):
            index = order[start : start + batch]
            a, t = np.broadcast_to(x[index], (len(configs), *x[index].shape)), targets[index]
            cache = []
            for layer in range(n_hidden + 1):
                z = a @ params[2 * layer] + params[2 * layer + 1][:, None, :]
                if layer == n_hidden:
                    break
                h = np.tanh(z) if w["activation"] == "tanh" else np.maximum(z, 0)
                mask = (rng.random(h.shape, dtype="float32") < keeps[:, layer, None, None]) / keeps[
                    :, layer, None, None
                ]
                cache.append((a, z, h, mask))
                a = h * mask
            if binary:
                p = 1 / (1 + np.exp(-z))
            else:
                p = np.exp(z - z.max(-1, keepdims=True))
                p /= p.sum(-1, keepdims=True)
            dz = (p - t) / len(index)
            grads = [None] * len(params)
            for layer in range(n_hidden, -1, -1):
                a_in = cache[layer][0] if layer < n_hidden else a
                grads[2 * layer] = a_in.transpose(0, 2, 1) @ dz + coefficients * params[2 * layer]
                grads[2 * layer + 1] = dz.sum(1)
                if layer:
                    _, z_prev, h_prev, mask = cache[layer - 1]
                    da = (dz @ params[2 * layer].transpose(0, 2, 1)) * mask
                    dz = da * (1 - h_prev**2) if w["activation"] == "tanh" else da * (z_prev > 0)
            step += 1
            lr = w["learning_rate"] * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
            for p_, g, m_, v in zip(params, grads, moments, squares):
                m_ += 0.1 * (g - m_)
                v += 0.001 * (g * g - v)
                p_ -= lr * m_ / (np.sqrt(v) + 1e-7)


SWEEP_BACKENDS = ("tensorflow", "jax", "torch")
SWEEP_BACKEND_GOALS = {"tensorflow": 1.5, "jax": 1.0, "torch": 3.0}  # lesson 11's workload, s


def sweep_backend_worker(reps):
    """In a process of one backend: the first two workloads, `reps` times; JSON on stdout.

    Each time is what a learner pays (build, compile, fit); `parts` splits one more run
    into building, tracing (first fit minus a second, traced one) and the steps.
    """
    results = {}
    for name in list(SWEEP_WORKLOADS)[:2]:  # lesson 11 (L2) and lesson 13 (dropout)
        w = SWEEP_WORKLOADS[name]
        data = sweep_data(w["data"])
        times = []
        for _ in range(reps):
            keras.backend.clear_session()
            began = time.perf_counter()
            way_sweep(w, data)
            times.append(time.perf_counter() - began)
        parts = {}
        keras.backend.clear_session()
        sweep = way_sweep(w, data, parts)
        results[name] = dict(
            times=times, parts=parts, engines=sorted({g["engine"] for g in sweep.groups})
        )
    print("SWEEP-RESULTS " + json.dumps(results), flush=True)


def bench_sweep_backends(reps, backends=SWEEP_BACKENDS):
    """Each backend in its own process (`KERAS_BACKEND`), round-robin, `reps` rounds."""
    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); import bench; bench.sweep_backend_worker(1)"
    )
    runs = {backend: [] for backend in backends}
    for _ in range(reps):
        for backend in backends:
            env = dict(os.environ, KERAS_BACKEND=backend)
            done = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
            )
            lines = [line for line in done.stdout.splitlines() if line.startswith("SWEEP-RESULTS ")]
            if done.returncode != 0 or not lines:
                print(f"[bench] sweep on {backend} failed: {done.stderr[-2000:]}", flush=True)
                continue
            runs[backend].append(json.loads(lines[-1].split(" ", 1)[1]))
            print(f"[bench] sweep on {backend}: {runs[backend][-1]}", flush=True)
    results = {}
    for backend, backend_runs in runs.items():
        for run in backend_runs:
            for name, r in run.items():
                entry = results.setdefault(name, {}).setdefault(
                    backend, dict(times=[], parts=[], engines=r["engines"])
                )
                entry["times"] += r["times"]
                entry["parts"].append(r["parts"])
    return results


SWEEP_WAYS = ("sweep", "fit loop", "keras tuner", "torch", "numpy")


def bench_sweep(reps, ways=SWEEP_WAYS):
    """Each workload five ways, interleaved, `reps` times; plus where the Sweep's time goes."""
    results = []
    try:
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
    try:
        import keras_tuner

        tuner_version = keras_tuner.__version__
    except ImportError:
        tuner_version = None
    with tempfile.TemporaryDirectory() as tmp:
        for name, w in SWEEP_WORKLOADS.items():
            data = sweep_data(w["data"])
            parts, accuracy = {}, []
            functions = {
                "sweep": lambda: way_sweep(w, data),
                "fit loop": lambda: way_fit_loop(w, data),
                "numpy": lambda: way_numpy(w, data),
            }
            if tuner_version:
                functions["keras tuner"] = lambda: way_tuner(w, data, tmp)
            if torch_version:
                functions["torch"] = lambda: way_torch(w, data)
            functions = {k: v for k, v in functions.items() if k in ways}
            times = {k: [] for k in functions}
            for _ in range(
                reps
            ):  # interleaved; no warm-up: each way's first call is what a user pays
                for way, fn in list(functions.items()):
                    keras.backend.clear_session()
                    began = time.perf_counter()
                    try:
                        fn()
                    except Exception as error:  # report it, keep the other ways
                        print(f"[bench] sweep: {way} failed: {error!r}", flush=True)
                        functions.pop(way), times.pop(way)
                        continue
                    times[way].append(time.perf_counter() - began)
                    print(
                        f"[bench] sweep: {name.split(':')[0]}: {way} {times[way][-1]:.1f} s",
                        flush=True,
                    )
            if "sweep" in functions:
                keras.backend.clear_session()
                sweep = way_sweep(w, data, parts)  # untimed: build / tracing / steps
                accuracy = [h.history["val_accuracy"][-1] for h in sweep.histories]
            results.append(
                dict(
                    name=name,
                    members=len(sweep_configs(w["grid"])),
                    times=times,
                    parts=parts,
                    accuracy=accuracy,
                )
            )
            print(
                f"[bench] sweep: {name}: "
                + ", ".join(f"{k} {np.median(v):.1f} s" for k, v in times.items()),
                flush=True,
            )
    backends = bench_sweep_backends(reps)
    return dict(
        results=results, torch=torch_version, tuner=tuner_version, reps=reps, backends=backends
    )


def sweep_report(s):
    lines = [
        "## 7. Sweep: a grid of configurations trained together",
        "",
        "Each workload five ways in one process, interleaved, "
        f"{s['reps']} repetition(s) each; every time includes building the models and compiling "
        "(what a learner pays). *fit loop*: one `model.fit` per configuration, the fastest way "
        "we know (full batch: the epochs as one repeated `tf.data` epoch with `steps_per_execution`; "
        "mini-batches: `to_dataset` with `steps_per_execution` = one epoch). *Keras Tuner*: "
        f"`GridSearch` over the same grid ({'keras-tuner ' + s['tuner'] if s['tuner'] else 'not installed'}), "
        "each trial fitted like the fit loop (its default per-epoch `fit` would cost ≈ 60 ms × epochs "
        "more per trial). *PyTorch* "
        f"({s['torch'] or 'not installed'}): an eager loop, one model at a time, same initial weights "
        "and L2. *NumPy*: a compact stacked engine (members on a leading axis, hand-written "
        "backprop and Adam). The machine is shared: absolute times are noisy; compare within a row.",
        "",
        "| workload | members | Sweep | fit loop | Keras Tuner | PyTorch eager | NumPy | Sweep vs fit loop (target ≥ 5×) | Sweep vs PyTorch (target ≥ 3×) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in s["results"]:
        t = r["times"]

        def cell(way):
            if way not in t:
                return "not run"
            return f"{np.median(t[way]):.1f} s (min {np.min(t[way]):.1f})"

        def speedup(way, target):
            if way not in t:
                return "n/a"
            median = np.median(np.asarray(t[way]) / np.asarray(t["sweep"]))
            best = np.min(t[way]) / np.min(t["sweep"])
            return f"{median:.1f}× (fastest runs {best:.1f}×) {mark(median >= target)}"

        lines.append(
            f"| {r['name']} | {r['members']} | {cell('sweep')} | {cell('fit loop')} | "
            f"{cell('keras tuner')} | {cell('torch')} | {cell('numpy')} | "
            f"{speedup('fit loop', 5)} | {speedup('torch', 3)} |"
        )
    lines += [
        "",
        "Where the Sweep's time goes (medians): building the members with `build`, tracing "
        "the stacked loop (first `fit` minus a second, already-traced `fit`), and the training steps "
        "themselves (the second `fit`).",
        "",
        "| workload | build | tracing | steps | total | goal (lesson 11) ≤ 3 s |",
        "|---|---|---|---|---|---|",
    ]
    for r in s["results"]:
        p = r["parts"]
        if not p:
            continue
        total = float(np.median(r["times"]["sweep"]))
        goal = mark(total <= 3) if r["name"].startswith("lesson 11") else "–"
        lines.append(
            f"| {r['name'].split(':')[0]} | {p['build']:.1f} s | {p['trace']:.1f} s | {p['steps']:.1f} s "
            f"| {total:.1f} s | {goal} |"
        )
    lines.append("")
    if s.get("backends"):
        lines += sweep_backends_report(s["backends"])
    return lines


def sweep_backends_report(backends):
    """The Sweep on TensorFlow, JAX and PyTorch side by side (one process per backend)."""
    names = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
    lines = [
        "### The Sweep on each Keras backend",
        "",
        "Each backend in its own process (`KERAS_BACKEND`), the backends taken in turn; a "
        "time is one fresh `Sweep`: build, compile (tracing included) and `fit`. Median "
        "(fastest) over the runs; ratios are medians of the per-round ratios to TensorFlow. "
        "Lesson 11's goals: ≤ 1.5 s TensorFlow, ≤ 1 s JAX, ≤ 3 s PyTorch.",
        "",
        "| workload | backend | engine | time | vs TensorFlow | build | tracing | steps | goal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, per_backend in backends.items():
        reference = per_backend.get("tensorflow")
        for backend, r in per_backend.items():
            t = np.asarray(r["times"])
            if reference is not None and len(reference["times"]) == len(t):
                versus = f"{np.median(t / np.asarray(reference['times'])):.2f}×"
            else:
                versus = "n/a"
            parts = {k: np.median([p[k] for p in r["parts"]]) for k in ("build", "trace", "steps")}
            goal = "–"
            if name.startswith("lesson 11"):
                goal = mark(np.median(t) <= SWEEP_BACKEND_GOALS[backend])
            lines.append(
                f"| {name.split(':')[0]} | {names[backend]} | {', '.join(r['engines'])} "
                f"| {np.median(t):.2f} s ({np.min(t):.2f}) | {versus} | {parts['build']:.2f} s "
                f"| {parts['trace']:.2f} s | {parts['steps']:.2f} s | {goal} |"
            )
    lines.append("")
    return lines


# ---------------------------------------------------------------------- 8. playground


BACKENDS = ("tensorflow", "jax", "torch")


def bench_playground(reps):
    """`benchmarks/playground_probe.py` once per Keras backend, each in its own process
    (`KERAS_BACKEND` set), one after another; `{backend: its measures}` (or the error)."""
    results = {}
    for backend in BACKENDS:
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "playground_probe.py"), f"--reps={reps}"],
            env={**os.environ, "KERAS_BACKEND": backend},
            capture_output=True,
            text=True,
            timeout=900,
        )
        if done.returncode == 0:
            results[backend] = json.loads(done.stdout.strip().splitlines()[-1])
        else:
            results[backend] = {"error": (done.stderr.strip().splitlines() or ["?"])[-1]}
    return results


def playground_report(results):
    ran = {name: p for name, p in results.items() if "error" not in p}
    names = list(ran)
    first = next(iter(ran.values()), {"steps_per_frame": "?"})

    def row(label, value, goal=None, goal_text="–"):
        cells = [value(ran[name]) + (f" {mark(goal(ran[name]))}" if goal else "") for name in names]
        return f"| {label} | " + " | ".join(cells) + f" | {goal_text} |"

    def ms(part):
        return lambda p: f"{1e3 * p['parts'][part]:.0f} ms"

    lines = [
        "## 8. Playground: Play's responsiveness on each Keras backend",
        "",
        "`dlcourse.Playground` with a 2-8-8-1 ReLU net on `circles` (200 training points, batch 10, "
        f"Adam), {first['steps_per_frame']} training steps between frames, the widget's frame as Play "
        "runs it (steps, one evaluation of train/dev/gradients/boundary grid, the views redrawn into "
        "a JPEG). Each backend in its own process (`benchmarks/playground_probe.py`, "
        "`KERAS_BACKEND` set), one after another. Goals: first frame ≤ 2 s, ≥ 5 frames/s, "
        "≥ 100 training steps/s.",
        "",
        "| measure | " + " | ".join(names) + " | goal |",
        "|---|" + "---|" * len(names) + "---|",
        row(
            "Play → first frame",
            lambda p: f"{p['first_frame']:.2f} s",
            lambda p: p["first_frame"] <= 2,
            "≤ 2 s",
        ),
        row(
            "frames per second while playing",
            lambda p: f"{p['fps']:.1f}",
            lambda p: p["fps"] >= 5,
            "≥ 5",
        ),
        row(
            "training steps per second (the compiled loop alone)",
            lambda p: f"{p['steps_per_s']:,.0f}",
            lambda p: p["steps_per_s"] >= 100,
            "≥ 100",
        ),
        row(
            "training steps per second while playing",
            lambda p: f"{p['fps'] * p['steps_per_frame']:,.0f}",
        ),
        row("one frame: train", ms("train")),
        row("one frame: evaluate", ms("record")),
        row("one frame: draw", ms("draw")),
        row(
            "`Playground(...)` (data, model, compiling the evaluation)",
            lambda p: f"{p['setup']:.1f} s",
        ),
        row(
            "displaying it (controls, first drawing, compiling the loop)",
            lambda p: f"{p['shown']:.1f} s",
        ),
        row(
            "a setting that changes the network → its first frame (compiled again)",
            lambda p: f"{p['changed']:.1f} s",
        ),
        row(
            "going back to the earlier setting → its first frame (kept built)",
            lambda p: f"{p['back']:.2f} s",
        ),
        "",
    ]
    for name, p in results.items():
        if "error" in p:
            lines += [f"_{name}: the probe failed: {p['error']}_", ""]
    return lines


# -------------------------------------------------------------------------- report


def machine_description():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:  # above the number of cores, other work shared the CPU with this run
        load = f"; load average over the last 15 minutes of the run: {os.getloadavg()[2]:.1f}"
    except OSError:
        load = ""
    return (
        f"{cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {np.__version__}; "
        f"run on {date.today().isoformat()}{load}"
    )


def write_report(path, results, seconds, skipped=()):
    lines = [
        "# Benchmarks",
        "",
        "Regenerated by `make bench` (`benchmarks/bench.py`); do not edit by hand.",
        "",
        f"Machine: {machine_description()}.",
        "",
        "Ratios are medians of interleaved repetitions taken in one run, with the 25th–75th "
        "percentile spread in brackets. Targets are reported, not asserted (no timed tests).",
        "",
    ]

    if "components" in results:
        lines += [
            "## 1. Component overhead (training step, ours / Keras built-in; target ≤ 1.03)",
            "",
            f"Same 784-256-256-10 model with our component or the built-in, {COMPONENT_STEPS} SGD steps "
            "of batch 256 per timed call (`steps_per_execution` = one call into TensorFlow, cached "
            f"dataset), {results['components_reps']} interleaved calls each. Run-to-run noise on this shared "
            "machine is ±10–20 %, larger than the 3 % target, so the ratio of the fastest runs is "
            "given too.",
            "",
            "| component | XLA | time ratio, median [IQR] | ratio of fastest runs | built-in time per step | target |",
            "|---|---|---|---|---|---|",
        ]
        for label, jit, stats, best, per_step in results["components"]:
            unit = f"{per_step * 1e3:.2f} ms"
            lines.append(
                f"| {label} | {jit} | {fmt_ratio(stats)} | {best:.3f} | {unit} | {overhead_mark(stats)} |"
            )
        lines.append("")

    if "throughput" in results:
        peak, rows = results["throughput"]
        lines += [
            "## 2. Training throughput vs the roofline",
            "",
            f"Compute roof: float32 `tf.matmul` (2048×2048) = **{peak / 1e9:.1f} GFLOP/s** in this run. "
            "Training FLOPs per example = 6 × multiply-adds of the forward pass.",
            "",
            "| model | batch | settings | examples/s | achieved GFLOP/s | fraction of roof |",
            "|---|---|---|---|---|---|",
        ]
        for name, batch, label, rate, achieved, fraction in rows:
            lines.append(
                f"| {name} | {batch} | {label} | {rate:,.0f} | {achieved / 1e9:.1f} | {fraction:.2f} |"
            )
        mlp512 = max(f for n, b, _, _, _, f in rows if n.startswith("deep_net") and b == 512)
        lines += [
            "",
            f"Target: fraction ≥ 0.5 for the MLP at batch 512 — best measured {mlp512:.2f} "
            f"{mark(mlp512 >= 0.5)}. The CNN is tiny (3 and 5 filters on 8×8 images: about 5 k "
            "multiply-adds an example), so per-step overhead, not arithmetic, bounds it.",
            "",
        ]

    if "gradcheck" in results:
        g = results["gradcheck"]
        batched_s, batched_d = g["seconds"]["batched"], g["differences"]["batched"]
        lines += [
            "## 3. Gradient checking: batched vs one parameter at a time",
            "",
            f"`check_model_gradients` on a 20-40-20-3 tanh net with L2 ({g['params']:,} parameters, "
            "64 examples, float64, two-sided, ε = 1e-6) against two one-parameter-at-a-time loops: "
            "the *eager loop* is what a learner writes from Ng's assignment (write θ ± ε e_i into the "
            "weights, call the model); the *compiled loop* calls an already traced cost function "
            "(`modelcheck.cost_function` fed to Ng's `gradient_check`, like the tests' oracle). Set-up that is "
            "cached per model (float64 rebuild, tracing) is excluded for all three.",
            "",
            "| method | time | speed-up of batched (target ≥ 20× over the eager loop) | difference "
            r"| \|difference − batched\| (≤ 1e-10) |",
            "|---|---|---|---|---|",
        ]
        for name in ("batched", "eager loop", "compiled loop"):
            took, difference = g["seconds"][name], g["differences"][name]
            gap = abs(difference - batched_d)
            speedup = "–" if name == "batched" else f"{took / batched_s:.1f}×"
            if name == "eager loop":
                speedup += f" {mark(took / batched_s >= 20)}"
            lines.append(
                f"| {name} | {took:.2f} s | {speedup} | {difference:.3e} | {gap:.1e} {mark(gap <= 1e-10)} |"
            )
        lines.append("")

    if "imports" in results:
        imp = results["imports"]
        extra = imp["dlcourse"] - imp["keras"]
        lines += [
            "## 4. Lessons and start-up",
            "",
            f"`import tensorflow` {imp['tensorflow']:.2f} s, `import keras` {imp['keras']:.2f} s, "
            f"`import keras, dlcourse` {imp['dlcourse']:.2f} s (bare interpreter {imp['python']:.2f} s): "
            f"dlcourse adds **{extra:.2f} s** over Keras (target ≤ 0.5 s) {mark(extra <= 0.5)}.",
            "",
        ]

    if "startup" in results:
        up = results["startup"]
        if "imports" not in results:
            lines += ["## 4. Lessons and start-up", ""]
        lines += [
            "Start-up per backend (fresh interpreters, medians; load average "
            f"{up['load']:.1f} when measured): the imports, and lesson "
            f"{FIRST_LESSON[:2]} in quick mode run on its own (start-up included).",
            "",
            "| backend | `import keras` | `import keras, dlcourse` | dlcourse adds | "
            "first lesson, quick, alone |",
            "|---|---|---|---|---|",
        ]
        for backend in ("tensorflow", "jax", "torch"):
            if backend in up:
                t = up[backend]
                lines.append(
                    f"| {backend} | {t['keras']:.2f} s | {t['dlcourse']:.2f} s "
                    f"| {t['dlcourse'] - t['keras']:.2f} s | {t['lesson']:.1f} s "
                    f"{mark(t['lesson'] <= 10)} |"
                )
        lines.append("")

    if "lessons" in results:
        les = results["lessons"]
        imp = results.get("imports", {"tensorflow": 0.0, "dlcourse": 0.0})
        start = imp["dlcourse"]
        quick = {r["lesson"]: r for r in les["quick"]["lessons"]}
        full = {r["lesson"]: r for r in les["full"]["lessons"]}
        lines += [
            "Per lesson: time inside one process (as `make lessons` runs them) plus, for a lesson run "
            f"on its own, the {start:.1f} s of interpreter and TensorFlow start-up "
            f"(TensorFlow's import alone is {imp['tensorflow']:.1f} s). Peak memory is the process's "
            "resident high-water mark while the lesson ran (TensorFlow included).",
            "",
            "| lesson | quick (alone) | full (alone) | TF start-up share of full | peak memory, full | claims |",
            "|---|---|---|---|---|---|",
        ]
        for name in full:
            q, f = quick.get(name, {}), full[name]
            f_alone = f["wall_seconds"] + start
            q_alone = q.get("wall_seconds", float("nan")) + start
            peak = f"{f['peak_mib']:.0f} MiB" if f.get("peak_mib") else "n/a"
            ok = f["holds"] and q.get("holds", False)
            lines.append(
                f"| {name} | {q_alone:.1f} s {mark(q_alone <= 10)} | {f_alone:.1f} s {mark(f_alone <= 60)} "
                f"| {imp['tensorflow'] / f_alone:.0%} | {peak} {mark((f.get('peak_mib') or 0) <= 2048)} "
                f"| {mark(ok)} |"
            )
        total = les["full"]["process_seconds"]
        lines += [
            "",
            f"All lessons in full mode in one process (what `make lessons` runs, set-up done): "
            f"**{total:.0f} s** (target ≤ 300 s) {mark(total <= 300)}; quick mode "
            f"{les['quick']['process_seconds']:.0f} s.",
            "",
        ]

    if results.get("torch"):
        version, rows = results["torch"]
        lines += [
            "## 6. The peer a learner would pick instead: PyTorch eager",
            "",
            f"64-128-128-10 ReLU MLP on the digits (7,188 examples an epoch, reshuffled every epoch), "
            f"Adam, {TORCH_EPOCHS} epochs per timed call: PyTorch {version} eager training loop vs "
            "`dlcourse.deep_net` + `model.fit` with different settings, interleaved in one process. "
            "Ratio = Keras examples/s ÷ PyTorch examples/s (target ≥ 0.75). The README recommends "
            "the third setting, `steps_per_execution=32` with `to_dataset`.",
            "",
            "| batch | Keras settings | Keras examples/s | PyTorch examples/s | ratio | target |",
            "|---|---|---|---|---|---|",
        ]
        for batch, label, keras_rate, torch_rate, stats in rows:
            lines.append(
                f"| {batch} | {label} | {keras_rate:,.0f} | {torch_rate:,.0f} | {fmt_ratio(stats)} "
                f"| {mark(stats[0] >= 0.75)} |"
            )
        lines.append("")

    if results.get("sweep"):
        lines += sweep_report(results["sweep"])

    if results.get("playground"):
        lines += playground_report(results["playground"])

    lines += [f"_This run took {seconds:.0f} s._", ""]
    text = "\n".join(lines)
    if skipped and Path(path).exists():  # a partial run keeps the other sections' last figures
        text = keep_previous_sections(text, Path(path).read_text())
    Path(path).write_text(text)


KEPT = "_Not run this time: kept from the previous report"


def _sections(text):
    """`(head, {number: block})` of a report: the text before `## 1.`, and each `## N.` block."""
    parts = re.split(r"(?m)^(?=## \d+\. )", text)
    return parts[0], {int(re.match(r"## (\d+)\.", part).group(1)): part for part in parts[1:]}


def keep_previous_sections(new_text, old_text):
    """The new report, with each section it lacks taken from the old one (marked as kept).

    A run with `--only`/`--skip` measures some sections; the others keep their last
    figures, each under a line that says from which run (the old report's machine line).
    """
    head, new = _sections(new_text)
    _, old = _sections(old_text)
    run = re.search(r"run on (\d{4}-\d{2}-\d{2})", old_text)
    when = f"run of {run.group(1)}" if run else "an earlier run"
    tail = ""
    if new:  # the closing "This run took" line stays last
        last = max(new)
        body, _, tail = new[last].rpartition("_This run took")
        new[last], tail = body, "_This run took" + tail
    for number, block in old.items():
        if number not in new:
            block = re.sub(r"\n*_This run took[^\n]*_\n*$", "\n", block)
            if KEPT not in block:  # kept twice: the first note (and its date) stays
                title, _, rest = block.partition("\n")
                block = f"{title}\n\n{KEPT} ({when})._\n{rest}"
            new[number] = block
    return head + "".join(new[n] for n in sorted(new)) + tail


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument(
        "--reps", type=int, default=9, help="interleaved repetitions per comparison"
    )
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    parser.add_argument(
        "--only",
        nargs="*",
        default=None,
        choices=SECTIONS,
        help="run only these sections (e.g. `--only sweep`)",
    )
    parser.add_argument(
        "--sweep-ways",
        nargs="*",
        default=list(SWEEP_WAYS),
        choices=SWEEP_WAYS,
        help="the ways the sweep section times (Keras Tuner and PyTorch eager take the longest)",
    )
    parser.add_argument(
        "--sweep-reps",
        type=int,
        default=3,
        help="repetitions of each way in the sweep section (each takes minutes)",
    )
    args = parser.parse_args(argv)
    if args.only is not None:
        args.skip = [name for name in SECTIONS if name not in args.only]
    began = time.perf_counter()
    results = {}
    results["components_reps"] = 3 * args.reps
    steps = [
        ("components", lambda: bench_components(3 * args.reps)),
        ("throughput", lambda: bench_throughput(max(3, args.reps // 2))),
        ("gradcheck", bench_gradcheck),
        ("torch", lambda: bench_torch(args.reps)),
        ("startup", lambda: bench_startup(max(1, args.reps // 3))),
        ("lessons", bench_lessons),
        ("sweep", lambda: bench_sweep(args.sweep_reps, ways=tuple(args.sweep_ways))),
        ("playground", lambda: bench_playground(args.reps)),
    ]
    for name, run in steps:
        if name in args.skip:
            continue
        print(f"[bench] {name} ...", flush=True)
        t0 = time.perf_counter()
        results[name] = run()
        if name == "lessons":
            results["imports"] = bench_imports()
        print(f"[bench] {name} done in {time.perf_counter() - t0:.0f} s", flush=True)
    write_report(args.out, results, time.perf_counter() - began, skipped=args.skip)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
