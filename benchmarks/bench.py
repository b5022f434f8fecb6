"""``make bench``: how fast dlcourse is against Keras built-ins, the machine and PyTorch.

Writes ``BENCHMARKS.md``. The machines we run on are shared and noisy, so every
comparison is made side by side in one run: repetitions of A and B are interleaved
(A, B, A, B, ...), and we report the median of the per-pair ratios with its spread
(25th–75th percentile). Absolute numbers are given only next to the machine
description. Nothing here is a test: targets are reported, not asserted.

Usage: ``python benchmarks/bench.py [--out BENCHMARKS.md] [--skip lessons torch ...]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
from dlcourse import gradcheck  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("components", "throughput", "gradcheck", "lessons", "torch")


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
            regularizer = dlcourse.L2(0.7, m=1000) if side == "ours" else keras.regularizers.L2(0.7 / 2000)
        elif component == "L1":
            regularizer = dlcourse.L1(0.7, m=1000) if side == "ours" else keras.regularizers.L1(0.7 / 1000)
        x = keras.layers.Dense(256, activation="relu", kernel_regularizer=regularizer)(x)
        if component == "dropout":
            x = (dlcourse.InvertedDropout(0.8) if side == "ours" else keras.layers.Dropout(0.2))(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    # One call into TensorFlow per epoch and a cached dataset: what is timed is the
    # training step itself, where the two components differ, not Keras's bookkeeping.
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy",
                  jit_compile=jit, steps_per_execution=COMPONENT_STEPS)
    return model


COMPONENT_STEPS = 32  # training steps per timed call (one epoch of 32 batches of 256)


def bench_components(reps):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256 * COMPONENT_STEPS, 784)).astype("float32")
    y = rng.integers(0, 10, size=len(x))
    data = dlcourse.datasets.to_dataset(x, y, batch_size=256, shuffle=False)
    rows = []
    for component, builtin in (("dropout", "keras.layers.Dropout"), ("L2", "keras.regularizers.L2"),
                               ("L1", "keras.regularizers.L1")):
        for jit in (False, True):
            models = {side: component_model(component, side, jit) for side in ("ours", "keras")}
            fits = {side: (lambda m=m: m.fit(data, epochs=1, verbose=0, shuffle=False))
                    for side, m in models.items()}
            times = interleaved(fits, reps)
            ours = {"dropout": "InvertedDropout", "L2": "L2", "L1": "L1"}[component]
            rows.append((f"`{ours}` vs `{builtin}`", "on" if jit else "off",
                         ratio(times["ours"], times["keras"]),
                         float(times["ours"].min() / times["keras"].min()),
                         float(np.median(times["keras"])) / COMPONENT_STEPS))
    # initializers: only the build time matters
    for ours, builtin in ((dlcourse.He(), "he_normal"), (dlcourse.Xavier(), "glorot_normal")):
        def build(init):
            layer = keras.layers.Dense(500, kernel_initializer=init)
            layer.build((None, 784))
        times = interleaved({"ours": lambda: build(ours), "keras": lambda: build(builtin)}, reps * 5)
        rows.append((f"`{type(ours).__name__}()` vs `{builtin}` (Dense 784→500 build)", "–",
                     ratio(times["ours"], times["keras"]),
                     float(times["ours"].min() / times["keras"].min()),
                     float(np.median(times["keras"]))))
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
                model.compile(optimizer=keras.optimizers.SGD(0.01),
                              loss="sparse_categorical_crossentropy", **settings)
                if feed == "arrays":
                    fits[label] = lambda m=model: m.fit(x, y, batch_size=batch, epochs=1, verbose=0,
                                                        shuffle=False)
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
    clone = gradcheck._float64_clone(model)
    clone.set_weights(model.get_weights())
    loss_fn = gradcheck._float64_loss(loss)
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
    model = dlcourse.deep_net((20,), hidden_units=(40, 20), num_classes=3, activation="tanh",
                              regularizer=dlcourse.L2(0.1, m=64), seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 20))
    y = rng.integers(0, 3, size=64)
    loss = keras.losses.SparseCategoricalCrossentropy()
    # A first call rebuilds the model in float64 and traces; both are cached per
    # model and are not part of the per-check cost measured below.
    gradcheck.check_model_gradients(model, x[:4], y[:4], loss)
    gradcheck._check_model_gradients_loop(model, x[:4], y[:4], loss, max_params=2)
    timings, results = {}, {}
    for name, run, reps in (  # median of a few runs; the eager loop takes ~100× longer
        ("batched", lambda: gradcheck.check_model_gradients(model, x, y, loss).difference, 5),
        ("compiled loop", lambda: gradcheck._check_model_gradients_loop(model, x, y, loss).difference, 3),
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
    codes = {"python": "pass", "tensorflow": "import tensorflow", "keras": "import keras",
             "dlcourse": "import keras, dlcourse"}
    times = {name: [] for name in codes}
    for _ in range(reps):
        for name, code in codes.items():
            times[name].append(_python_seconds(code))
    return {name: float(np.median(t)) for name, t in times.items()}


def bench_lessons():
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("quick", "full"):
            command = [sys.executable, str(ROOT / "benchmarks" / "lesson_probe.py"),
                       "--lessons", str(ROOT / "lessons"), "--out", f"{tmp}/{mode}"]
            began = time.perf_counter()
            done = subprocess.run(command + (["--quick"] if mode == "quick" else []),
                                  capture_output=True, text=True, cwd=ROOT)
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
        "jit_compile=True, steps_per_execution=32, `to_dataset`":
            (dict(jit_compile=True, steps_per_execution=32), True),
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
            torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 128), torch.nn.ReLU(),
            torch.nn.Linear(128, 10))
        optimizer = torch.optim.Adam(tmodel.parameters(), lr=1e-3)
        criterion = torch.nn.CrossEntropyLoss()

        def torch_epochs():  # the usual eager loop; reshuffled every epoch like Keras
            for _ in range(TORCH_EPOCHS):
                order = torch.randperm(len(xt))
                xs, ys = xt[order], yt[order]
                for start in range(0, len(xs), batch):
                    optimizer.zero_grad()
                    loss = criterion(tmodel(xs[start:start + batch]), ys[start:start + batch])
                    loss.backward()
                    optimizer.step()

        functions = {"torch": torch_epochs}
        for label, (settings, as_dataset) in keras_fit_setups().items():
            model = dlcourse.deep_net((64,), hidden_units=(128, 128), num_classes=10,
                                      activation="relu", initializer="he")
            model.compile(optimizer=keras.optimizers.Adam(1e-3),
                          loss="sparse_categorical_crossentropy", **settings)
            if as_dataset:
                data = dlcourse.datasets.to_dataset(x, y, batch_size=batch, seed=0)
                functions[label] = lambda m=model, d=data: m.fit(
                    d, epochs=TORCH_EPOCHS, shuffle=False, verbose=0)
            else:
                functions[label] = lambda m=model: m.fit(
                    x, y, batch_size=batch, epochs=TORCH_EPOCHS, verbose=0)
        times = interleaved(functions, reps)
        torch_rate = TORCH_EPOCHS * len(x) / float(np.median(times["torch"]))
        for label in keras_fit_setups():
            keras_rate = TORCH_EPOCHS * len(x) / float(np.median(times[label]))
            rows.append((batch, label, keras_rate, torch_rate, ratio(times["torch"], times[label])))
    return torch.__version__, rows


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
    return (f"{cpu}, {os.cpu_count()} logical cores; Python {platform.python_version()}, "
            f"TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {np.__version__}; "
            f"run on {date.today().isoformat()}")


def write_report(path, results, seconds, skipped=()):
    lines = ["# Benchmarks", "",
             "Regenerated by `make bench` (`benchmarks/bench.py`); do not edit by hand.", "",
             f"Machine: {machine_description()}.", "",
             "Ratios are medians of interleaved repetitions taken in one run, with the 25th–75th "
             "percentile spread in brackets. Targets are reported, not asserted (no timed tests).", ""]

    if "components" in results:
        lines += ["## 1. Component overhead (training step, ours / Keras built-in; target ≤ 1.03)", "",
                  f"Same 784-256-256-10 model with our component or the built-in, {COMPONENT_STEPS} SGD steps "
                  "of batch 256 per timed call (`steps_per_execution` = one call into TensorFlow, cached "
                  f"dataset), {results['components_reps']} interleaved calls each. Run-to-run noise on this shared "
                  "machine is ±10–20 %, larger than the 3 % target, so the ratio of the fastest runs is "
                  "given too.", "",
                  "| component | XLA | time ratio, median [IQR] | ratio of fastest runs | built-in time per step | target |",
                  "|---|---|---|---|---|---|"]
        for label, jit, stats, best, per_step in results["components"]:
            unit = f"{per_step * 1e3:.2f} ms"
            lines.append(f"| {label} | {jit} | {fmt_ratio(stats)} | {best:.3f} | {unit} | {overhead_mark(stats)} |")
        lines.append("")

    if "throughput" in results:
        peak, rows = results["throughput"]
        lines += ["## 2. Training throughput vs the roofline", "",
                  f"Compute roof: float32 `tf.matmul` (2048×2048) = **{peak / 1e9:.1f} GFLOP/s** in this run. "
                  "Training FLOPs per example = 6 × multiply-adds of the forward pass.", "",
                  "| model | batch | settings | examples/s | achieved GFLOP/s | fraction of roof |",
                  "|---|---|---|---|---|---|"]
        for name, batch, label, rate, achieved, fraction in rows:
            lines.append(f"| {name} | {batch} | {label} | {rate:,.0f} | {achieved / 1e9:.1f} | {fraction:.2f} |")
        mlp512 = max(f for n, b, _, _, _, f in rows if n.startswith("deep_net") and b == 512)
        lines += ["", f"Target: fraction ≥ 0.5 for the MLP at batch 512 — best measured {mlp512:.2f} "
                  f"{mark(mlp512 >= 0.5)}. The CNN is tiny (3 and 5 filters on 8×8 images: about 5 k "
                  "multiply-adds an example), so per-step overhead, not arithmetic, bounds it.", ""]

    if "gradcheck" in results:
        g = results["gradcheck"]
        batched_s, batched_d = g["seconds"]["batched"], g["differences"]["batched"]
        lines += ["## 3. Gradient checking: batched vs one parameter at a time", "",
                  f"`check_model_gradients` on a 20-40-20-3 tanh net with L2 ({g['params']:,} parameters, "
                  "64 examples, float64, two-sided, ε = 1e-6) against two one-parameter-at-a-time loops: "
                  "the *eager loop* is what a learner writes from Ng's assignment (write θ ± ε e_i into the "
                  "weights, call the model); the *compiled loop* calls an already traced cost function "
                  "(`dlcourse.gradcheck._check_model_gradients_loop`, the tests' oracle). Set-up that is "
                  "cached per model (float64 rebuild, tracing) is excluded for all three.", "",
                  "| method | time | speed-up of batched (target ≥ 20× over the eager loop) | difference "
                  "| \|difference − batched\| (≤ 1e-10) |",
                  "|---|---|---|---|---|"]
        for name in ("batched", "eager loop", "compiled loop"):
            took, difference = g["seconds"][name], g["differences"][name]
            gap = abs(difference - batched_d)
            speedup = "–" if name == "batched" else f"{took / batched_s:.1f}×"
            if name == "eager loop":
                speedup += f" {mark(took / batched_s >= 20)}"
            lines.append(f"| {name} | {took:.2f} s | {speedup} | {difference:.3e} | {gap:.1e} {mark(gap <= 1e-10)} |")
        lines.append("")

    if "imports" in results:
        imp = results["imports"]
        extra = imp["dlcourse"] - imp["keras"]
        lines += ["## 4. Lessons and start-up", "",
                  f"`import tensorflow` {imp['tensorflow']:.2f} s, `import keras` {imp['keras']:.2f} s, "
                  f"`import keras, dlcourse` {imp['dlcourse']:.2f} s (bare interpreter {imp['python']:.2f} s): "
                  f"dlcourse adds **{extra:.2f} s** over Keras (target ≤ 0.5 s) {mark(extra <= 0.5)}.", ""]

    if "lessons" in results:
        les = results["lessons"]
        imp = results.get("imports", {"tensorflow": 0.0, "dlcourse": 0.0})
        start = imp["dlcourse"]
        quick = {r["lesson"]: r for r in les["quick"]["lessons"]}
        full = {r["lesson"]: r for r in les["full"]["lessons"]}
        lines += ["Per lesson: time inside one process (as `make lessons` runs them) plus, for a lesson run "
                  f"on its own, the {start:.1f} s of interpreter and TensorFlow start-up "
                  f"(TensorFlow's import alone is {imp['tensorflow']:.1f} s). Peak memory is the process's "
                  "resident high-water mark while the lesson ran (TensorFlow included).", "",
                  "| lesson | quick (alone) | full (alone) | TF start-up share of full | peak memory, full | claims |",
                  "|---|---|---|---|---|---|"]
        for name in full:
            q, f = quick.get(name, {}), full[name]
            f_alone = f["wall_seconds"] + start
            q_alone = q.get("wall_seconds", float("nan")) + start
            peak = f"{f['peak_mib']:.0f} MiB" if f.get("peak_mib") else "n/a"
            ok = f["holds"] and q.get("holds", False)
            lines.append(f"| {name} | {q_alone:.1f} s {mark(q_alone <= 10)} | {f_alone:.1f} s {mark(f_alone <= 60)} "
                         f"| {imp['tensorflow'] / f_alone:.0%} | {peak} {mark((f.get('peak_mib') or 0) <= 2048)} "
                         f"| {mark(ok)} |")
        total = les["full"]["process_seconds"]
        lines += ["", f"All lessons in full mode in one process (what `make lessons` runs, set-up done): "
                  f"**{total:.0f} s** (target ≤ 300 s) {mark(total <= 300)}; quick mode "
                  f"{les['quick']['process_seconds']:.0f} s.", ""]

    if results.get("torch"):
        version, rows = results["torch"]
        lines += ["## 6. The peer a learner would pick instead: PyTorch eager", "",
                  f"64-128-128-10 ReLU MLP on the digits (7,188 examples an epoch, reshuffled every epoch), "
                  f"Adam, {TORCH_EPOCHS} epochs per timed call: PyTorch {version} eager training loop vs "
                  "`dlcourse.deep_net` + `model.fit` with different settings, interleaved in one process. "
                  "Ratio = Keras examples/s ÷ PyTorch examples/s (target ≥ 0.75). The README recommends "
                  "the third setting, `steps_per_execution=32` with `to_dataset`.", "",
                  "| batch | Keras settings | Keras examples/s | PyTorch examples/s | ratio | target |",
                  "|---|---|---|---|---|---|"]
        for batch, label, keras_rate, torch_rate, stats in rows:
            lines.append(f"| {batch} | {label} | {keras_rate:,.0f} | {torch_rate:,.0f} | {fmt_ratio(stats)} "
                         f"| {mark(stats[0] >= 0.75)} |")
        lines.append("")

    if skipped:
        lines += [f"_Sections skipped in this run: {', '.join(skipped)} "
                  "(run `make bench` for all of them)._", ""]
    lines += [f"_This run took {seconds:.0f} s._", ""]
    Path(path).write_text("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--reps", type=int, default=9, help="interleaved repetitions per comparison")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    results = {}
    results["components_reps"] = 3 * args.reps
    steps = [("components", lambda: bench_components(3 * args.reps)),
             ("throughput", lambda: bench_throughput(max(3, args.reps // 2))),
             ("gradcheck", bench_gradcheck),
             ("torch", lambda: bench_torch(args.reps)),
             ("lessons", bench_lessons)]
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
