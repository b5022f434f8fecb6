"""L1 regularization and sparse weights

L1 adds `(λ/m) Σ |w|` to the cost. In Hung-yi Lee's update view it subtracts the same
constant from every weight at every step, so small weights reach zero and stay there
(sparse W), while L2 only shrinks each weight by a percentage. We measure both on a
small network for the 8×8 digits, at the same dev accuracy.

Claim: at a dev accuracy within 3 points of L2's, L1 leaves ≥ 5× as many weights with
|w| < 1e-3; one Keras SGD step with L1 subtracts exactly (αλ/m)·sgn(w).
"""

# %% [markdown]
# L2 (lesson 11) penalizes `(λ/2m) Σ w²`; **L1** penalizes `(λ/m) Σ |w|`. The difference
# shows in the gradient step; Hung-yi Lee writes both updates per example (without `m`):
#
# - L2: `w ← (1 − ηλ) w − η ∂L/∂w` — shrink by a **percentage**: a weight of 0.001 loses
#   only 0.001·ηλ, so it gets small but never exactly zero;
# - L1: `w ← w − η ∂L/∂w − ηλ sgn(w)` — subtract a **constant**: small weights lose as
#   much as big ones, so every weight the data does not defend is pushed to zero.
#
# The result is a **sparse** network: many weights are (near) zero, which says which
# inputs matter and compresses the model. `dlcourse.L1(lambd, m)` is
# `keras.regularizers.L1(λ/m)`.

# %%
import time

import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import dlcourse
from dlcourse import backend, plotting
from dlcourse.lesson import start
from dlcourse.sweep import Sweep

lesson = start(__file__)

HIDDEN_UNITS = 16  # 64 pixels → 16 tanh units → 10 classes
LAMBDA = 1.0  # the same λ for L1 and L2: only the penalty differs
LEARNING_RATE = 0.5  # α of full-batch gradient descent
MODEL_SEEDS = lesson.pick(full=2, quick=1)  # initializations per penalty (results barely vary)
STEPS = lesson.pick(full=1000, quick=500)  # full-batch gradient-descent steps
SMALL = 1e-3  # "near zero": |w| < 1e-3
SIMILAR = 3.0  # "similar dev accuracy": within 3 points

# %% [markdown]
# ## 1. The data and the Keras model
#
# scikit-learn's 8×8 digits, split 60/20/20 (we use train and dev); the network is
# `dlcourse.deep_net` with one tanh hidden layer and an L1 (or L2) penalty on both kernels.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
x_train, y_train, x_dev, y_dev = data.x_train, data.y_train, data.x_dev, data.y_dev
M = len(x_train)
PENALTIES = {"none": None, "L2": dlcourse.L2(LAMBDA, m=M), "L1": dlcourse.L1(LAMBDA, m=M)}
print(f"train {x_train.shape}, dev {x_dev.shape}; {PENALTIES['L1']}")


def build(penalty, seed):
    """64 → 16 tanh → 10 softmax, with the penalty named `penalty` on both kernels."""
    return dlcourse.deep_net(
        (64,),
        (HIDDEN_UNITS,),
        num_classes=10,
        activation="tanh",
        initializer="xavier",
        regularizer=PENALTIES[penalty],
        seed=seed,
    )


# %% [markdown]
# ## 2. Lee's update view, measured on Keras
#
# Take one `keras.optimizers.SGD(α)` step on a model with `dlcourse.L1(λ, m)`, and on the
# same model with `dlcourse.L2(λ, m)`. `dlcourse.backend.loss_gradients` also gives the data-only gradient
# `dW_data`, which isolates what the penalty did: `Δw_penalty = w_after − (w − α dW_data)`.
# The course says: L1 → `−(αλ/m) sgn(w)` (a constant), L2 → `−(αλ/m) w` (a percentage).


# %%
def penalty_steps(penalty, seed):
    """Weights before one Keras SGD step and the part of the step due to the penalty."""
    model = build(penalty, seed)
    kernels = [model.get_layer(n).kernel for n in ("hidden_1", "output")]
    variables = model.trainable_variables
    # what fit() minimizes (data term + model.losses), and the data term alone
    grad_total, grad_data = backend.loss_gradients(
        model, x_train, y_train, "sparse_categorical_crossentropy"
    )
    paths = [v.path for v in variables]
    grad_data = [grad_data[paths.index(k.path)] for k in kernels]
    before = [keras.ops.convert_to_numpy(k).copy() for k in kernels]
    step = [keras.ops.convert_to_tensor(g) for g in grad_total]  # NumPy -> backend tensors
    keras.optimizers.SGD(LEARNING_RATE).apply_gradients(zip(step, variables))
    penalty = [
        keras.ops.convert_to_numpy(k) - (w - LEARNING_RATE * g)
        for k, w, g in zip(kernels, before, grad_data)
    ]
    return (
        np.concatenate([np.ravel(a) for a in before]),
        np.concatenate([np.ravel(p) for p in penalty]),
    )


SHRINK = LEARNING_RATE * LAMBDA / M  # αλ/m
w_l1, step_l1 = penalty_steps("L1", seed=100 * lesson.seed)
w_l2, step_l2 = penalty_steps("L2", seed=100 * lesson.seed)
l1_error = np.max(np.abs(step_l1 + SHRINK * np.sign(w_l1)))
l2_error = np.max(np.abs(step_l2 + SHRINK * w_l2))
lesson.claim(
    "one Keras SGD step with dlcourse.L1 subtracts the constant (αλ/m)·sgn(w) from "
    "every weight (max |difference|)",
    max(l1_error, l2_error),
    target="< 1e-6",
    holds=max(l1_error, l2_error) < 1e-6,
)

# %%
fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(
    w_l2,
    step_l2 / SHRINK,
    ".",
    ms=3,
    color=plotting.color("blue"),
    label="L2: −(αλ/m)·w  (a percentage)",
)
ax.plot(
    w_l1,
    step_l1 / SHRINK,
    ".",
    ms=3,
    color=plotting.color("red"),
    label="L1: −(αλ/m)·sgn(w)  (a constant)",
)
ax.set(
    xlabel="weight w before the step",
    ylabel="penalty part of the step  (units of αλ/m)",
    title="Measured on Keras: what the penalty does in one SGD step",
)
ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
lesson.savefig(fig, "update_view")

# %% [markdown]
# Every point is one weight of the Keras model. L2's correction is proportional to the
# weight (a line through the origin); L1's is the same size for every weight, only its
# sign follows `w` — exactly Lee's formulas, to float32 round-off. So with the penalty
# alone, L2 decays a weight geometrically (`(1 − ηλ)^t`, never zero) while L1 walks it
# linearly to zero in `|w|/ηλ` steps.
#
# ## 3. The geometric view: the diamond and the circle
#
# A penalty can be read as a budget: minimize the data loss subject to `|w₁| + |w₂| ≤ t`
# (L1: a diamond) or `w₁² + w₂² ≤ t²` (L2: a circle); the best point is where the lowest
# loss contour touches the region. A diamond's corners lie on the axes, and a contour
# usually touches it first at a corner, where one weight is exactly 0; a circle has no
# corners. Here for a 2-weight quadratic loss, solved by scanning each region's boundary.

# %%
w_best, BUDGET = np.array([1.0, 0.45]), 0.6  # the unregularized optimum w*, the budget t
hessian = np.array([[1.0, 0.35], [0.35, 0.6]])  # the loss's curvature: tilted ellipses


def quadratic_loss(w):  # ½ (w − w*)ᵀ H (w − w*), for w of shape (..., 2)
    return 0.5 * np.einsum("...i,ij,...j->...", w - w_best, hessian, w - w_best)


angle = np.linspace(0, 2 * np.pi, 8001)
unit = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
regions = {
    "L1: |w₁| + |w₂| ≤ t": BUDGET * unit / np.abs(unit).sum(-1, keepdims=True),
    "L2: w₁² + w₂² ≤ t²": BUDGET * unit,
}
fig, ax = plt.subplots(figsize=(6.2, 6.4))
grid = np.stack(np.meshgrid(np.linspace(-0.8, 2.0, 281), np.linspace(-0.8, 1.6, 241)), -1)
ax.contour(
    grid[..., 0],
    grid[..., 1],
    quadratic_loss(grid),
    levels=[0.02, 0.06, 0.1],
    colors=plotting.color("grey"),
    linewidths=0.7,
)
ax.plot(*w_best, "k*", ms=12, label="w*: the lowest loss, no penalty (grey: its contours)")
for (name, boundary), col in zip(regions.items(), (plotting.color("red"), plotting.color("blue"))):
    solution = boundary[np.argmin(quadratic_loss(boundary))]
    ax.fill(*boundary.T, color=col, alpha=0.12)
    ax.plot(*boundary.T, color=col, lw=1.5)
    ax.contour(
        grid[..., 0],
        grid[..., 1],
        quadratic_loss(grid),
        [quadratic_loss(solution)],
        colors=col,
        linestyles="--",
        linewidths=1,
    )
    ax.plot(
        *solution,
        "o",
        color=col,
        ms=8,
        label=f"{name}: best w = ({solution[0]:.2f}, "
        f"{solution[1]:.2f}); dashed: its lowest contour",
    )
ax.axhline(0, color="k", lw=0.6)
ax.axvline(0, color="k", lw=0.6)
ax.set(
    aspect="equal",
    xlabel="weight w₁",
    ylabel="weight w₂",
    title=f"Loss contours and the budget t = {BUDGET}: L1 lands on an axis",
)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8)
lesson.savefig(fig, "diamond_vs_circle")

# %% [markdown]
# Each dashed contour is the lowest loss its region can reach. It touches the diamond at
# its corner on the w₁ axis — the L1 answer has `w₂ = 0` exactly — and the circle where
# both weights are non-zero: L2 only shrinks them.
#
# ## 4. Exact zeros need one more idea: stop at zero
#
# Plain gradient descent with L1 does not *land* on zero: a weight of `0.0002` with
# `αλ/m = 0.0005` jumps to `−0.0003`, then back to `+0.0002`, … — it oscillates around 0
# with an amplitude of about `αλ/m`. The fix (the *proximal* step, **soft-thresholding**)
# is Lee's "subtract a constant" taken literally, but stopping at zero:
# `w ← sgn(w) · max(|w| − αλ/m, 0)` after the data step `w ← w − α dW_data`. In Keras that
# is a weight *constraint*, which the optimizer applies to the variable after every step.
#
# We train the same net four ways with full-batch gradient descent: no penalty, L2 and L1
# as Keras applies it (SGD + `dlcourse.L1`: the subgradient step) in one `Sweep` (penalty
# × seed); L1 with the proximal step — the unpenalized net with the constraint on its
# kernels — by `model.fit`, its steps as one epoch of a repeated full batch.


# %%
class SoftThreshold(keras.constraints.Constraint):
    """The proximal step of L1, a Keras constraint: `w ← sgn(w) · max(|w| − αλ/m, 0)`."""

    def __call__(self, w):
        return keras.ops.sign(w) * keras.ops.maximum(keras.ops.abs(w) - SHRINK, 0.0)


soft_threshold = SoftThreshold()


started = time.perf_counter()
seeds = [100 * lesson.seed + s for s in range(MODEL_SEEDS)]
sweep = Sweep(build, {"penalty": list(PENALTIES), "seed": seeds}, seed=lesson.seed)
sweep.compile(
    optimizer=keras.optimizers.SGD(LEARNING_RATE),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
sweep.fit(x_train, y_train, batch_size=M, epochs=STEPS, verbose=0)
n = len(seeds)  # grid order: penalty, then seed
models = {
    "L1 (Keras: subgradient)" if p == "L1" else p: sweep.models[i * n : (i + 1) * n]
    for i, p in enumerate(PENALTIES)
}
sweep_seconds = time.perf_counter() - started
models["L1 (proximal)"] = []
for seed in seeds:
    model = build("none", seed)
    for name in ("hidden_1", "output"):
        model.get_layer(name).kernel.constraint = soft_threshold  # after every optimizer step
    model.compile(
        optimizer=keras.optimizers.SGD(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=backend.steps_per_execution(50),
    )
    full_batches = tf.data.Dataset.from_tensors((x_train, y_train)).repeat(STEPS)
    model.fit(full_batches, epochs=1, verbose=0, shuffle=False)
    models["L1 (proximal)"].append(model)
print(
    f"Sweep: {len(sweep)} models × {STEPS} full-batch steps in {sweep_seconds:.1f} s; "
    f"{n} proximal net(s) by model.fit in {time.perf_counter() - started - sweep_seconds:.1f} s"
)

dev = [result["accuracy"] for result in sweep.evaluate(x_dev, y_dev)]  # grid order
dev_acc = {name: np.mean(dev[i * n : (i + 1) * n]) for i, name in enumerate(list(models)[:3])}
dev_acc["L1 (proximal)"] = np.mean(
    [
        mdl.evaluate(x_dev, y_dev, verbose=0, return_dict=True)["accuracy"]
        for mdl in models["L1 (proximal)"]
    ]
)
weights = {
    name: np.concatenate(
        [
            keras.ops.convert_to_numpy(mdl.get_layer(layer).kernel).ravel()
            for mdl in nets
            for layer in ("hidden_1", "output")
        ]
    )  # kernels only
    for name, nets in models.items()
}
small = {name: (np.abs(w) < SMALL).mean() for name, w in weights.items()}
exact = {name: (w == 0).mean() for name, w in weights.items()}
for name in models:
    print(
        f"{name:<24} dev {dev_acc[name]:.1%}  |w| < 1e-3: {small[name]:6.1%}  "
        f"exactly 0: {exact[name]:6.1%}"
    )

# %% [markdown]
# ## 5. The claim: many more (near-)zero weights at the same accuracy
#
# "Similar dev accuracy": within 3 points of the L2 net's (mean of the initializations).
# Then we compare the shares of `|w| < 10⁻³` (counting one weight if L2 had none).

# %%
for name in ("L1 (Keras: subgradient)", "L1 (proximal)"):
    gap = 100 * abs(dev_acc[name] - dev_acc["L2"])
    lesson.claim(
        f"{name} vs L2: |dev accuracy difference| (points)",
        gap,
        target=f"<= {SIMILAR:g}",
        holds=gap <= SIMILAR,
    )
    ratio = small[name] / max(small["L2"], 1 / weights["L2"].size)
    lesson.claim(
        f"{name}: share of |w| < 1e-3 over L2's share", ratio, target=">= 5", holds=ratio >= 5
    )

# %%
fig, ax = plt.subplots(figsize=(11, 4.4))
edges = np.logspace(-9, 1, 51)
centres = np.sqrt(edges[:-1] * edges[1:])  # geometric bin centres on the log axis
styles = (  # counts as points (a log bar has no honest bottom); the two L1 runs coincide
    dict(color=plotting.color("grey"), marker="o", ms=3, lw=1.2),  # above 1e-3: wide and pale
    dict(color=plotting.color("blue"), marker="o", ms=3, lw=1.2),  # below, dashed on top
    dict(color=plotting.color("orange"), marker="o", ms=8, lw=6, alpha=0.4),
    dict(color=plotting.color("green"), marker="o", ms=4.5, lw=1.4, ls="--"),
)
for (name, w), style in zip(weights.items(), styles):
    counts, _ = np.histogram(np.clip(np.abs(w), 1.5e-9, None), bins=edges)
    ax.plot(
        centres,
        np.where(counts > 0, counts, np.nan),  # empty bins left out
        label=f"{name}: dev {dev_acc[name]:.1%}, exactly 0: {exact[name]:.0%}",
        **style,
    )
ax.annotate(
    f"L1 (proximal): {np.sum(weights['L1 (proximal)'] == 0)} weights exactly 0",
    (centres[0], np.sum(weights["L1 (proximal)"] == 0)),
    xytext=(12, -4),
    textcoords="offset points",
    va="center",
    fontsize=8,
)
ax.axvline(SMALL, color=plotting.color("black"), ls="--", lw=1, label="|w| = 1e-3")
ax.axvline(SHRINK, color=plotting.color("black"), ls=":", lw=1, label="αλ/m (L1's step)")
ax.set(
    xscale="log",
    yscale="log",
    xlabel="|w|  (log scale, bins of ×1.6; exact zeros in the first bin, labelled 0)",
    ylabel="number of weights per bin  (log scale)",
    title=f"Weight magnitudes after {STEPS} steps (λ = {LAMBDA:g}, all kernels, {n} init(s))",
)
ax.set_xticks([centres[0], 1e-7, 1e-5, 1e-3, 1e-1, 10], ["0", "1e-7", "1e-5", "1e-3", "0.1", "10"])
ax.minorticks_off()
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
lesson.savefig(fig, "weight_histograms")

# %% [markdown]
# All four nets reach about the same dev accuracy. L2 (blue) shifts the distribution
# left a little but keeps one bump around 0.1: even a weight the data never needs (a
# blank border pixel's) only shrinks by `(1 − αλ/m)` per step. L1 splits the weights in
# two groups: those the data needs stay large — there the two L1 runs coincide, the
# proximal one (dashed green) on top of Keras's (wide, pale orange) — and the rest
# collapse: with Keras's subgradient step they pile up just below `αλ/m` (dotted),
# hopping across zero every step; with the proximal step they are exactly 0 (the green
# point at 0, far left).
#
# ## 6. Which pixels does each hidden unit look at?

# %%
tiles = np.ones((2 * 9 - 1, HIDDEN_UNITS * 9 - 1, 4))  # RGBA, white gaps between units
for row, name in enumerate(("L2", "L1 (proximal)")):
    first = keras.ops.convert_to_numpy(
        models[name][0].get_layer("hidden_1").kernel
    )  # (64, 16), the first seed
    colours = plt.get_cmap("RdBu_r")(0.5 + 0.5 * first / np.abs(first).max())  # (64, 16, 4)
    colours[first == 0] = matplotlib.colors.to_rgba(plotting.color("grey"))  # exact zeros
    for unit in range(HIDDEN_UNITS):
        tiles[row * 9 : row * 9 + 8, unit * 9 : unit * 9 + 8] = colours[:, unit].reshape(8, 8, 4)
fig, ax = plt.subplots(figsize=(14, 2.3))
ax.imshow(tiles)
ax.set_xticks(np.arange(HIDDEN_UNITS) * 9 + 3.5, [f"{u + 1}" for u in range(HIDDEN_UNITS)])
ax.set_yticks([3.5, 12.5], ["L2", "L1\nproximal"])
ax.grid(False)
ax.set(
    xlabel="hidden unit",
    title="First-layer weights, one 8×8 map per hidden unit "
    "(red > 0, blue < 0, grey = exactly 0; same scale within a row)",
)
lesson.savefig(fig, "first_layer_weights")

# %% [markdown]
# Each small image is one hidden unit's 64 input weights. Under L2 every unit uses every
# pixel a little; under L1 (grey = exactly zero) each unit keeps the strokes it needs and
# drops the rest, including the blank border pixels. Both rows started from the same
# initial weights, so the survivors look alike: L1 removed weights, it invented nothing.
#
# ## What to remember
#
# - L1 penalty `(λ/m) Σ |w|`, gradient `(λ/m) sgn(w)`: each step subtracts a constant
#   (Lee: `w ← w − η ∂L/∂w − ηλ sgn(w)`), so unneeded weights reach zero — sparse W.
#   L2 subtracts a percentage (`w ← (1 − ηλ) w − η ∂L/∂w`): small, never exactly zero.
# - Geometrically the L1 budget is a diamond with corners on the axes, where the best
#   point often lies (weights exactly 0); the L2 circle has no corners.
# - Plain (sub)gradient descent leaves L1 weights hovering within about `αλ/m` of 0; the
#   proximal step `sgn(w)·max(|w| − αλ/m, 0)` (a Keras constraint) lands them on 0.
# - In Keras: `kernel_regularizer=dlcourse.L1(lambd, m)` = `keras.regularizers.L1(λ/m)`.
# - Sparsity is a side effect you can use (feature selection, compression); for plain
#   accuracy L2 is the usual default.

# %%
lesson.finish()
