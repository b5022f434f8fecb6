"""Lesson 12 — L1 regularization and sparse weights.

L1 adds `(λ/m) Σ |w|` to the cost. In Hung-yi Lee's update view it subtracts the same
constant from every weight at every step, so small weights reach zero and stay there
(sparse W), while L2 only shrinks each weight by a percentage. We measure both on a
small network for the 8×8 digits, at the same dev accuracy.

Claim: at a dev accuracy within 3 points of L2's, L1 leaves ≥ 5× as many weights with
|w| < 1e-3; one Keras SGD step with L1 subtracts exactly (αλ/m)·sgn(w).

Run it:
    python lessons/12_l1_sparsity.py            # full mode, figures in out/12_l1_sparsity/
    python lessons/12_l1_sparsity.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # L1 regularization and sparsity
#
# L2 (lesson 11) penalizes `(λ/2m) Σ w²`; **L1** penalizes `(λ/m) Σ |w|`. The
# difference shows in the gradient step. Hung-yi Lee writes the two updates side by
# side (per example, so without `m`):
#
# - L2: `w ← (1 − ηλ) w − η ∂L/∂w` — shrink by a **percentage**: a weight of 0.001
#   loses only 0.001·ηλ, so it gets small but never exactly zero;
# - L1: `w ← w − η ∂L/∂w − ηλ sgn(w)` — subtract a **constant**: small weights lose as
#   much as big ones, so every weight the data does not defend is pushed all the
#   way to zero.
#
# The result is a **sparse** network: many weights are (near) zero, which says which
# inputs matter and compresses the model. In Keras, `dlcourse.L1(lambd, m)` is
# `keras.regularizers.L1(λ/m)`.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

import dlcourse
from dlcourse import plotting
from dlcourse.lesson import start

lesson = start("12_l1_sparsity", title="L1 regularization and sparse weights")

HIDDEN_UNITS = 16  # 64 pixels → 16 tanh units → 10 classes
LAMBDA = 1.0  # the same λ for L1 and L2: only the penalty differs
LEARNING_RATE = 0.5  # α of full-batch gradient descent
MODEL_SEEDS = lesson.pick(full=2, quick=1)  # initializations per penalty (results barely vary)
STEPS = lesson.pick(full=1000, quick=500)
SMALL = 1e-3  # "near zero": |w| < 1e-3
SIMILAR = 3.0  # "similar dev accuracy": within 3 points

# %% [markdown]
# ## 1. The data and the Keras model
#
# scikit-learn's 8×8 digits, split 60/20/20; we use the train and dev parts. The
# network is `dlcourse.deep_net` with one tanh hidden layer and an L1 (or L2)
# penalty on both kernels.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
x_train, y_train, x_dev, y_dev = data.x_train, data.y_train, data.x_dev, data.y_dev
M = len(x_train)
print(f"train {x_train.shape}, dev {x_dev.shape}; {dlcourse.L1(LAMBDA, m=M)}")


def build(regularizer, seed):
    return dlcourse.deep_net((64,), (HIDDEN_UNITS,), num_classes=10, activation="tanh",
                             initializer="xavier", regularizer=regularizer, seed=seed)


# %% [markdown]
# ## 2. Lee's update view, measured on Keras
#
# Take one gradient-descent step with `keras.optimizers.SGD(α)` on a model with
# `dlcourse.L1(λ, m)` and on the same model with `dlcourse.L2(λ, m)`. With
# `tf.GradientTape` we also get the data-only gradient `dW_data`, so we can isolate
# what the penalty did to each weight: `Δw_penalty = w_after − (w − α dW_data)`.
# The course says: L1 → `−(αλ/m) sgn(w)` (a constant), L2 → `−(αλ/m) w` (a percentage).

# %%
def penalty_steps(regularizer, seed):
    """Weights before one Keras SGD step and the part of the step due to the penalty."""
    model = build(regularizer, seed)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    kernels = [model.get_layer(n).kernel for n in ("hidden_1", "output")]
    with tf.GradientTape(persistent=True) as tape:
        data_loss = loss_fn(y_train, model(x_train))
        total_loss = data_loss + tf.add_n(model.losses)  # what fit() minimizes
    grad_data = tape.gradient(data_loss, kernels)
    before = [k.numpy().copy() for k in kernels]
    variables = model.trainable_variables
    keras.optimizers.SGD(LEARNING_RATE).apply_gradients(
        zip(tape.gradient(total_loss, variables), variables))
    weights = np.concatenate([w.ravel() for w in before])
    penalty = np.concatenate([
        (k.numpy() - (w - LEARNING_RATE * g.numpy())).ravel()
        for k, w, g in zip(kernels, before, grad_data)
    ])
    return weights, penalty


SHRINK = LEARNING_RATE * LAMBDA / M  # αλ/m
w_l1, step_l1 = penalty_steps(dlcourse.L1(LAMBDA, m=M), seed=100 * lesson.seed)
w_l2, step_l2 = penalty_steps(dlcourse.L2(LAMBDA, m=M), seed=100 * lesson.seed)
l1_error = np.max(np.abs(step_l1 + SHRINK * np.sign(w_l1)))
l2_error = np.max(np.abs(step_l2 + SHRINK * w_l2))
print(f"αλ/m = {SHRINK:.3e}; L1 step vs −(αλ/m)sgn(w): {l1_error:.1e}; "
      f"L2 step vs −(αλ/m)w: {l2_error:.1e}")
lesson.claim(
    "one Keras SGD step with dlcourse.L1 subtracts the constant (αλ/m)·sgn(w) from every "
    "weight (max |difference|)",
    max(l1_error, l2_error), target="< 1e-6", holds=max(l1_error, l2_error) < 1e-6,
)

# %%
fig, (ax_step, ax_path) = plt.subplots(1, 2, figsize=(11, 4))
ax_step.plot(w_l2, step_l2 / SHRINK, ".", ms=3, color=plotting.color("blue"),
             label="L2: −(αλ/m)·w  (a percentage)")
ax_step.plot(w_l1, step_l1 / SHRINK, ".", ms=3, color=plotting.color("red"),
             label="L1: −(αλ/m)·sgn(w)  (a constant)")
ax_step.set_xlabel("weight w before the step")
ax_step.set_ylabel("penalty part of the step  (units of αλ/m)")
ax_step.set_title("Measured on Keras: what the penalty does in one SGD step")
ax_step.legend()

# The penalty alone (no data gradient), from w = 1, step after step:
steps = np.arange(0, 4001)
eta_lambda = 1e-3  # ηλ in Lee's per-example notation
ax_path.semilogy(steps, (1 - eta_lambda) ** steps, color=plotting.color("blue"),
                 label="L2: w ← (1 − ηλ) w   (never reaches 0)")
l1_path = np.maximum(1 - eta_lambda * steps, 0)
ax_path.semilogy(steps[l1_path > 0], l1_path[l1_path > 0], color=plotting.color("red"),
                 label="L1: w ← w − ηλ sgn(w)   (reaches 0 at step 1/ηλ)")
ax_path.axvline(1 / eta_lambda, color=plotting.color("red"), ls=":", lw=1)
ax_path.set_ylim(1e-3, 1.5)
ax_path.set_xlabel("step")
ax_path.set_ylabel("|w|  (log scale)")
ax_path.set_title("The penalty alone, from w = 1 (ηλ = 0.001)")
ax_path.legend(loc="lower left")
lesson.savefig(fig, "update_view")

# %% [markdown]
# Left: every point is one weight of the Keras model. L2's correction is proportional
# to the weight (a line through the origin); L1's is the same size for every weight,
# only its sign follows `w` — exactly Lee's formulas, to float32 round-off.
# Right: with the penalty alone, L2 decays geometrically (a straight line on the log
# axis, never zero), L1 walks linearly to zero in `1/ηλ` steps.
#
# ## 3. Exact zeros need one more idea: stop at zero
#
# Plain gradient descent with L1 does not *land* on zero: a weight of `0.0002` with
# `αλ/m = 0.0005` jumps to `−0.0003`, then back to `+0.0002`, … — it oscillates around
# 0 with an amplitude of about `αλ/m`. The fix (the *proximal* step, or
# **soft-thresholding**) is Lee's "subtract a constant" taken literally — subtract
# `αλ/m` from `|w|`, but stop at zero:
#
# `w ← sgn(w) · max(|w| − αλ/m, 0)` after the data step `w ← w − α dW_data`.
#
# We train, with full-batch gradient descent, the same net four ways: no penalty,
# L2, L1 as Keras applies it (SGD + `dlcourse.L1`: the subgradient step) and L1 with
# the proximal step. As in lesson 11, we train them all at once, as NumPy arrays with a
# leading model axis, starting from the `deep_net` initial weights; first we check the
# NumPy data gradient against Keras.

# %%
NAMES = ("hidden_1", "output")
PENALTIES = ("none", "L2", "L1 (Keras: subgradient)", "L1 (proximal)")


def forward(kernels, biases, x):
    """Hidden activations (K, m, 16) and class probabilities (K, m, 10) of all K nets."""
    hidden = np.tanh(x @ kernels[0] + biases[0])
    scores = hidden @ kernels[1] + biases[1]
    scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return hidden, scores / scores.sum(axis=-1, keepdims=True)  # softmax


def data_gradients(kernels, biases, x, y):
    """Gradients of the mean cross-entropy (no penalty) for all K nets."""
    hidden, probs = forward(kernels, biases, x)
    dscores = (probs - np.eye(10, dtype=probs.dtype)[y]) / len(x)  # softmax + cross-entropy
    dhidden = dscores @ np.swapaxes(kernels[1], -1, -2) * (1 - hidden**2)  # tanh' = 1 − a²
    dkernels = [x.T @ dhidden, np.swapaxes(hidden, -1, -2) @ dscores]
    dbiases = [dhidden.sum(axis=-2, keepdims=True), dscores.sum(axis=-2, keepdims=True)]
    return dkernels, dbiases


def gradient_descent(kernels, biases, x, y, penalty, steps):
    """Full-batch GD; net k applies penalty[k] ∈ PENALTIES with the same λ."""
    shrink = LEARNING_RATE * LAMBDA / len(x)  # αλ/m
    l2 = np.array([p == "L2" for p in penalty])[:, None, None]
    subgradient = np.array([p.startswith("L1 (Keras") for p in penalty])[:, None, None]
    proximal = np.array([p == "L1 (proximal)" for p in penalty])[:, None, None]
    for _ in range(steps):
        dkernels, dbiases = data_gradients(kernels, biases, x, y)
        for w, g in zip(kernels, dkernels):
            sign = np.sign(w)  # sgn(w) before the step
            w *= np.where(l2, 1 - shrink, 1.0)  # L2: shrink by a percentage
            w -= LEARNING_RATE * g + np.where(subgradient, shrink * sign, 0.0)  # L1: a constant
            w[...] = np.where(proximal, np.sign(w) * np.maximum(np.abs(w) - shrink, 0), w)
        for b, g in zip(biases, dbiases):
            b -= LEARNING_RATE * g  # biases are never penalized


seeds = [100 * lesson.seed + s for s in range(MODEL_SEEDS)]
starts = [build(None, seed) for seed in seeds]
penalty = [p for p in PENALTIES for _ in seeds]  # K = penalties × seeds
repeat = (len(PENALTIES), 1, 1)  # the same start for every penalty
kernels = [np.tile(np.stack([s.get_layer(n).kernel.numpy() for s in starts]), repeat)
           for n in NAMES]  # (K, n[l-1], n[l])
biases = [np.tile(np.stack([s.get_layer(n).bias.numpy()[None] for s in starts]), repeat)
          for n in NAMES]  # (K, 1, n[l])

# %%
# Check the NumPy data gradient against Keras's (tf.GradientTape) at the initial weights.
with tf.GradientTape() as tape:
    loss = keras.losses.SparseCategoricalCrossentropy()(y_train, starts[0](x_train))
theirs = tape.gradient(loss, [starts[0].get_layer(n).kernel for n in NAMES])
ours = data_gradients(kernels, biases, x_train, y_train)[0]
difference = max(
    np.linalg.norm(o[0] - t.numpy()) / (np.linalg.norm(o[0]) + np.linalg.norm(t.numpy()))
    for o, t in zip(ours, theirs)
)
lesson.claim("NumPy data gradient equals Keras's (tf.GradientTape) at initialization "
             "(||a−b|| / (||a||+||b||), float32)", difference, target="< 1e-6",
             holds=difference < 1e-6)

with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: one BLAS thread is fastest
    gradient_descent(kernels, biases, x_train, y_train, penalty, STEPS)


def by_penalty(values):
    """(K, ...) → {penalty: values of its MODEL_SEEDS nets}."""
    values, n = np.asarray(values), len(seeds)
    return {p: values[i * n:(i + 1) * n] for i, p in enumerate(PENALTIES)}


train_acc = by_penalty((forward(kernels, biases, x_train)[1].argmax(-1) == y_train).mean(-1))
dev_acc = by_penalty((forward(kernels, biases, x_dev)[1].argmax(-1) == y_dev).mean(-1))
weights = by_penalty(np.concatenate([w.reshape(len(penalty), -1) for w in kernels], axis=1))
small = {p: (np.abs(w) < SMALL).mean() for p, w in weights.items()}
exact = {p: (w == 0).mean() for p, w in weights.items()}
for p in PENALTIES:
    print(f"{p:<24} train {train_acc[p].mean():.1%}  dev {dev_acc[p].mean():.1%}  "
          f"|w| < 1e-3: {small[p]:6.1%}  exactly 0: {exact[p]:6.1%}")

# %% [markdown]
# ## 4. The claim: many more (near-)zero weights at the same accuracy
#
# "Similar dev accuracy" means: within 3 points of the L2 net's dev accuracy (mean of
# the initializations). Then we compare the share of weights with `|w| < 10⁻³`.
# (If L2 had none, we would count one weight, so the ratio stays finite.)

# %%
n_weights = weights["L2"].size
for name in ("L1 (Keras: subgradient)", "L1 (proximal)"):
    gap = 100 * abs(dev_acc[name].mean() - dev_acc["L2"].mean())
    lesson.claim(f"{name} vs L2: |dev accuracy difference| (points)", gap,
                 target=f"<= {SIMILAR:g}", holds=gap <= SIMILAR)
    ratio = small[name] / max(small["L2"], 1 / n_weights)
    lesson.claim(f"{name}: share of |w| < 1e-3 over L2's share", ratio,
                 target=">= 5", holds=ratio >= 5)

# %%
fig, ax = plt.subplots(figsize=(11, 4.4))
bins = np.logspace(-9, 1, 51)
colors = dict(zip(PENALTIES, (plotting.color("grey"), plotting.color("blue"),
                              plotting.color("orange"), plotting.color("red"))))
for p in PENALTIES:
    w = np.abs(weights[p].ravel())
    ax.hist(np.clip(w, 1.5e-9, None), bins=bins, histtype="step", lw=1.8, color=colors[p],
            label=f"{p}: dev {dev_acc[p].mean():.1%}, exactly 0: {exact[p]:.0%}")
ax.axvline(SMALL, color=plotting.color("black"), ls="--", lw=1, label="|w| = 1e-3")
ax.axvline(SHRINK, color=plotting.color("orange"), ls=":", lw=1, label="αλ/m (L1's step)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.annotate("exactly 0", (1.3e-9, exact["L1 (proximal)"] * weights["L1 (proximal)"].size),
            xytext=(4e-9, 250), arrowprops=dict(arrowstyle="->", lw=0.8), fontsize=9)
ax.set_xlabel("|w|  (log scale; exact zeros drawn in the leftmost bin)")
ax.set_ylabel("number of weights  (log scale)")
ax.set_title(f"Weight magnitudes after {STEPS} steps (λ = {LAMBDA:g}, all kernels, "
             f"{len(seeds)} init{'s' if len(seeds) > 1 else ''})")
ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
lesson.savefig(fig, "weight_histograms")

# %% [markdown]
# All four nets reach about the same dev accuracy. L2 (blue) shifts the whole
# distribution left a little but keeps it one bump around 0.1: even a weight the data
# never needs (a blank border pixel's) only shrinks by the factor `(1 − αλ/m)` per
# step, and is still far from zero. L1 splits the weights in two groups: the ones the
# data needs stay large, the rest collapse. With the Keras-style subgradient step
# they pile up just below `αλ/m` (the dotted line), hopping across zero every step;
# with the proximal step they are exactly 0 (leftmost bin).
#
# ## 5. Which pixels does each hidden unit look at?

# %%
fig, axes = plt.subplots(2, HIDDEN_UNITS, figsize=(1.0 * HIDDEN_UNITS, 2.6))
for row, name in zip(axes, ("L2", "L1 (proximal)")):
    first = kernels[0][PENALTIES.index(name) * len(seeds)]  # (64, 16): net of the first seed
    scale = np.abs(first).max()
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad=plotting.color("grey"))
    for unit, ax in enumerate(row):
        image = np.ma.masked_equal(first[:, unit].reshape(8, 8), 0.0)  # exact zeros drawn grey
        ax.imshow(image, cmap=cmap, vmin=-scale, vmax=scale)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
    row[0].set_ylabel(name.replace(" (proximal)", "\nproximal"), fontsize=9)
fig.suptitle("First-layer weights, one 8×8 map per hidden unit "
             "(red > 0, blue < 0, grey = exactly 0)", fontweight="bold")
lesson.savefig(fig, "first_layer_weights")

# %% [markdown]
# Each small image is one hidden unit's 64 input weights. Under L2 every unit uses
# every pixel a little; under L1 (grey = exactly zero) each unit keeps the strokes
# it needs and drops the rest — including the blank border pixels, which never carry
# information. The two rows started from the same initial weights, so the surviving
# weights look alike: L1 removed weights rather than inventing new features.
#
# ## What to remember
#
# - L1 penalty `(λ/m) Σ |w|`, gradient `(λ/m) sgn(w)`: each step subtracts a constant
#   (Lee: `w ← w − η ∂L/∂w − ηλ sgn(w)`), so unneeded weights reach zero — sparse W.
#   L2 subtracts a percentage (`w ← (1 − ηλ) w − η ∂L/∂w`): small, never exactly zero.
# - Plain (sub)gradient descent makes L1 weights hover around 0 at a distance of about
#   `αλ/m`; the proximal step `sgn(w)·max(|w| − αλ/m, 0)` lands them exactly on 0.
# - In Keras: `kernel_regularizer=dlcourse.L1(lambd, m)` = `keras.regularizers.L1(λ/m)`.
# - Sparsity is a side effect you can use (feature selection, compression); for plain
#   accuracy L2 is the usual default.

# %%
lesson.finish()
