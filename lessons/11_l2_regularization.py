"""L2 regularization (weight decay)

A big network on 211 noisy points memorises the noise: training accuracy far above
dev accuracy. Adding the course's L2 penalty `(λ/2m) Σ ||W[l]||²` keeps the weights
small, the tanh units near their linear region, the decision boundary smooth, and
narrows the train/dev gap. One gradient step with L2 is exactly "weight decay".

Claim: one SGD step with L2 equals weight decay `(1 − αλ/m) W − α dW_data` (to 1e-6);
the best λ lifts dev accuracy ≥ 2 points above no regularization; ||W|| falls along the
λ sweep, and the share of tanh units in their linear region grows up to Ng's λ = 0.7 and
is near 1 beyond.
"""

# %% [markdown]
# When a network has high variance (lesson 10: train error ≪ dev error), the cures are
# more data and **regularization**. The most common one adds the squared Frobenius norm
# of every weight matrix (not the biases) to the cost (Ng, course 2, week 1):
# `J = (1/m) Σ L(ŷ, y) + (λ / 2m) Σ_l ||W[l]||²_F`. Back-propagation gains one term,
# `dW[l] += (λ/m) W[l]`, so a gradient-descent step is
# `W ← W − α (dW_data + (λ/m) W) = (1 − αλ/m) W − α dW_data`: every step first shrinks
# the weights by the factor `(1 − αλ/m)` — **weight decay**. In Keras the penalty is a
# kernel regularizer with the coefficient `λ/(2m)`; `dlcourse.L2(lambd, m)` takes the
# course's λ and m and converts. We reproduce Ng's regularization assignment in spirit:
# 211 noisy 2-D training points (his "football" data file we do not have; ours come from
# `dlcourse.datasets.noisy_two_class`), a network big enough to overfit, a sweep over λ.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start
from dlcourse.sweep import Sweep

lesson = start(__file__)

M_TRAIN = 211  # Ng's assignment has 211 training points
M_DEV = 1000  # a large dev set, so dev accuracy is measured to about ±1 point
LABEL_NOISE = 0.08  # fraction of flipped labels: what a big net can memorise
HIDDEN_UNITS = (20, 20)  # tanh hidden layers
LAMBDAS = (0.0, 0.1, 0.3, 0.7, 1.5)  # the λ sweep (Ng's choice is 0.7)
MODEL_SEEDS = lesson.pick(full=3, quick=2)  # networks per λ, averaged: one run is noisy
EPOCHS = lesson.pick(full=1500, quick=400)  # full-batch Adam steps (batch_size = m)
LEARNING_RATE = lesson.pick(full=0.01, quick=0.04)

# %% [markdown]
# ## 1. The data and the Keras model
#
# The true boundary is a smooth curve; 8% of the labels are flipped, so a perfect
# training score can only come from memorising noise. The model is `dlcourse.deep_net`
# with `dlcourse.L2(lambd, m)` as the kernel regularizer of every layer.

# %%
x, y = dlcourse.datasets.noisy_two_class(n=M_TRAIN + M_DEV, flip=LABEL_NOISE, seed=lesson.seed)
x_train, y_train, x_dev, y_dev = x[:M_TRAIN], y[:M_TRAIN], x[M_TRAIN:], y[M_TRAIN:]
true_rule = (x[:, 1] > 0.4 * np.sin(2.5 * x[:, 0])) == y  # where the true boundary is right
print(
    f"train {x_train.shape}, dev {x_dev.shape}; the true boundary scores "
    f"{true_rule[:M_TRAIN].mean():.1%} on train, {true_rule[M_TRAIN:].mean():.1%} on dev"
)
print(dlcourse.L2(0.7, m=M_TRAIN))  # the Keras coefficient is λ/(2m)


def build(lambd, seed):
    """The lesson's network: 2 → 20 tanh → 20 tanh → 1 sigmoid, L2 on every kernel."""
    return dlcourse.deep_net(
        (2,),
        HIDDEN_UNITS,
        num_classes=1,
        activation="tanh",
        initializer="xavier",
        regularizer=dlcourse.L2(lambd, m=M_TRAIN),
        seed=seed,
    )


# %% [markdown]
# ## 2. L2 is weight decay
#
# First the gradient. Ng's `backward_propagation_with_regularization` is backprop plus
# `dW[l] += (λ/m) W[l]`; `dlcourse.scratch.backward(..., lambd=)` is that function in NumPy (examples as
# columns, `W[l]` is `(n[l], n[l−1])`, the transpose of a Keras kernel). We feed it the
# Keras model's initial weights and compare with the framework's automatic
# differentiation of what `fit` minimizes, the `binary_crossentropy` plus the penalties
# in `model.losses`: `dlcourse.backend.loss_gradients(model, x, y, loss)` returns that
# gradient and the one of the data term alone, on TensorFlow, JAX or PyTorch.


# %%
CHECK_LAMBDA = 0.7
model = build(CHECK_LAMBDA, seed=100 * lesson.seed)
parameters = {}  # Keras kernel (n[l-1], n[l]) → Ng's W[l] (n[l], n[l-1]); float64
for l, layer in enumerate(model.layers[1:], start=1):
    parameters[f"W{l}"] = keras.ops.convert_to_numpy(layer.kernel).T.astype("float64")
    parameters[f"b{l}"] = keras.ops.convert_to_numpy(layer.bias)[:, None].astype("float64")
a_last, caches = scratch.forward(parameters, x_train.T, activation="tanh")
grads = scratch.backward(a_last, y_train, caches, activation="tanh", lambd=CHECK_LAMBDA)
ours = np.concatenate(
    [np.r_[grads[f"dW{l}"].T.ravel(), grads[f"db{l}"].ravel()] for l in range(1, len(model.layers))]
)  # Keras's variable order
theirs = np.concatenate(
    [
        g.ravel()
        for g in backend.loss_gradients(model, x_train, y_train[:, None], "binary_crossentropy")[0]
    ]
)
difference = np.linalg.norm(ours - theirs) / (np.linalg.norm(ours) + np.linalg.norm(theirs))
lesson.claim(
    f"dlcourse.scratch.backward(..., lambd) (with +(λ/m)W) equals Keras's gradient "
    f"at initialization, λ={CHECK_LAMBDA} (||a−b|| / (||a||+||b||), Keras in float32)",
    difference,
    target="< 1e-6",
    holds=difference < 1e-6,
)

# %% [markdown]
# Then the step. From the same λ = 0.7 network (its initial weights: the identity holds
# for any weights), `backend.loss_gradients` gives the gradient
# of the full cost and of the data term alone, `dW_data`. One `keras.optimizers.SGD(α)`
# step with the full gradient must land exactly on `(1 − αλ/m) W − α dW_data` for every
# kernel — and the biases, which L2 leaves alone, on `b − α db`. One step's decay is tiny
# (`1 − 0.1·0.7/211 ≈ 0.99967`), but it acts on every step, hardest on the largest weights.

# %%
ALPHA = 0.1
variables = model.trainable_variables
grad_total, grad_data = backend.loss_gradients(
    model, x_train, y_train[:, None], "binary_crossentropy"
)
before = [keras.ops.convert_to_numpy(v).copy() for v in variables]
step = [keras.ops.convert_to_tensor(g) for g in grad_total]  # NumPy -> backend tensors
keras.optimizers.SGD(learning_rate=ALPHA).apply_gradients(zip(step, variables))
decay = 1 - ALPHA * CHECK_LAMBDA / M_TRAIN
errors = [
    np.max(
        np.abs(
            keras.ops.convert_to_numpy(v) - ((decay if old.ndim == 2 else 1.0) * old - ALPHA * g)
        )
    )
    for v, old, g in zip(variables, before, grad_data)
]  # kernels decay, biases do not
lesson.claim(
    f"one SGD step with L2 equals W ← (1 − αλ/m) W − α dW_data (α={ALPHA}, "
    f"λ={CHECK_LAMBDA}, max |difference|)",
    max(errors),
    target="< 1e-6",
    holds=max(errors) < 1e-6,
)

# %% [markdown]
# ## 3. The λ sweep
#
# 5 values of λ × a few initializations, each trained with full-batch Adam for many
# epochs. `Sweep(build, grid)` calls `build(**config)` for every configuration (λ × seed:
# a seed gives the same initial weights for every λ, so only λ differs) and trains all
# the models together, each exactly as its own `model.fit` would; `sweep.models` are
# ordinary trained Keras models. (One `fit` per model pays Keras's ≈ 60 ms per epoch:
# over a minute per model.) With Adam the L2 gradient is rescaled per weight, so it is
# *not* weight decay — section 2's identity is about gradient descent (AdamW restores it).

# %%
seeds = [100 * lesson.seed + s for s in range(MODEL_SEEDS)]
sweep = Sweep(build, {"lambd": list(LAMBDAS), "seed": seeds}, seed=lesson.seed)
sweep.compile(
    optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy", metrics=["accuracy"]
)
started = time.perf_counter()
sweep.fit(
    x_train, y_train, batch_size=M_TRAIN, epochs=EPOCHS, validation_data=(x_dev, y_dev), verbose=0
)
print(
    f"Sweep: {len(sweep)} models × {EPOCHS} epochs (full batch) in "
    f"{time.perf_counter() - started:.1f} s"
)
results = sweep.results(["accuracy", "val_accuracy"])  # the last epoch's metrics
print(results)


def per_lambda(values):
    """One value per member (grid order) → (len(LAMBDAS), MODEL_SEEDS)."""
    return np.reshape(values, (len(LAMBDAS), MODEL_SEEDS))


train_acc, dev_acc = (per_lambda(results.column(name)) for name in ("accuracy", "val_accuracy"))

# %% [markdown]
# First the decision boundaries, one network per λ (the first initialization).

# %%
fig, axes = plt.subplots(1, len(LAMBDAS), figsize=(3.1 * len(LAMBDAS), 3.4), sharey=True)
for i, (ax, lam) in enumerate(zip(axes, LAMBDAS)):
    net = sweep.models[i * MODEL_SEEDS]  # the first initialization for this λ
    plotting.plot_decision_boundary(
        ax,
        lambda grid, net=net: keras.ops.convert_to_numpy(net(grid)),
        x_train,
        y_train,
        resolution=120,
        margin=0.1,
        title=f"λ = {lam:g}\ntrain {train_acc[i, 0]:.0%} · dev {dev_acc[i, 0]:.0%}",
    )
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper")
fig.suptitle(f"{HIDDEN_UNITS} tanh net, {M_TRAIN} noisy points: larger λ, smoother boundary")
lesson.savefig(fig, "boundaries")

# %% [markdown]
# Without regularization the boundary grows islands and bays around single mislabelled
# training points: high variance. As λ grows, the boundary relaxes towards the smooth
# true curve; too large a λ starts to flatten it (bias). Then train and dev accuracy
# against λ, averaged over the initializations:

# %%
mean_train, mean_dev = train_acc.mean(axis=1), dev_acc.mean(axis=1)
best = int(np.argmax(mean_dev))
for lam, tr, dv in zip(LAMBDAS, mean_train, mean_dev):
    print(f"λ = {lam:<4g} train {tr:6.1%}  dev {dv:6.1%}  train − dev {100 * (tr - dv):+5.1f}")
print("Ng's assignment (his data, 211 train / 200 test): none 94.8% / 91.5%, λ = 0.7 93.8% / 93%")
improvement = 100 * (mean_dev[best] - mean_dev[0])
lesson.claim(
    f"dev accuracy with the best λ ({LAMBDAS[best]:g}) minus without regularization "
    f"(mean of {MODEL_SEEDS} inits, points)",
    improvement,
    target=">= 2",
    holds=improvement >= 2,
)


def lambda_axis(ax):  # λ = 0 and a log-like spread on one axis: symlog, saying so
    ax.set_xscale("symlog", linthresh=0.1, linscale=0.6)
    ax.set_xlim(-0.02, 2.2)
    ax.set_xticks(LAMBDAS, [f"{lam:g}" for lam in LAMBDAS])
    ax.set_xlabel("λ  (symlog axis: linear from 0 to 0.1, logarithmic above)")


fig, ax = plt.subplots(figsize=(7.5, 4.4))
for role, metric in (("train", "accuracy"), ("dev", "val_accuracy")):
    plotting.plot_sweep(
        ax,
        sweep,
        "lambd",
        metric=metric,
        color_name=role,
        label=f"{role} (mean of {MODEL_SEEDS} inits)",
    )
    part = slice(None, M_TRAIN) if role == "train" else slice(M_TRAIN, None)
    ax.axhline(
        true_rule[part].mean(),
        color=plotting.color(role),
        ls=":",
        lw=1.2,
        label=f"the true boundary's {role} accuracy",
    )
ax.fill_between(
    LAMBDAS,
    mean_train,
    mean_dev,
    where=mean_train >= mean_dev,
    interpolate=True,
    facecolor="none",  # hatched grey: unlike the blue and orange min–max bands
    edgecolor=plotting.color("grey"),
    hatch="///",
    lw=0,
    label="gap: train > dev (variance)",
)
lambda_axis(ax)
ax.set_ylabel("accuracy (final epoch)")
ax.set_title("L2 closes the train/dev gap; the best λ is picked on dev")
handles, labels = ax.get_legend_handles_labels()
band_roles = iter(("train", "dev"))  # plot_sweep's two "min–max" bands, in plotting order
labels = [
    f"{next(band_roles)}: {label.replace('members', 'inits')}" if "min–max" in label else label
    for label in labels
]
ax.legend(
    handles,
    labels,
    fontsize=8,
    loc="upper left",
    bbox_to_anchor=(1.01, 1.0),
)
lesson.savefig(fig, "gap")

# %% [markdown]
# Training accuracy (blue) falls steadily with λ: the net may no longer memorise the
# flipped labels. Dev accuracy (orange) rises, peaks, then falls once λ is so large that
# the net underfits — the best λ is picked on the dev set, as Ng tunes it. The hatched
# grey band, the gap (variance), closes as λ grows. Beyond, train drops below dev: an underfit
# boundary scores both, and the 211 training points may hold more flipped labels than
# the dev set (dotted: what the true boundary scores on each). Ng's numbers (printed)
# come from his data: compare the direction, not the values.
#
# Why does it work? Small weights keep tanh nearly linear: we measure `||W||` and the
# share of hidden pre-activations in tanh's linear region for every trained network.


# %%
def pre_activations(net, x):
    """The tanh layers' z[l] = a[l−1] W[l] + b[l] on x, from the trained Keras weights."""
    zs, a = [], x
    for layer in net.layers[1:-1]:  # hidden_1, hidden_2
        zs.append(
            a @ keras.ops.convert_to_numpy(layer.kernel) + keras.ops.convert_to_numpy(layer.bias)
        )  # (m, n[l])
        a = np.tanh(zs[-1])
    return zs


norms = [
    np.sqrt(sum(np.sum(keras.ops.convert_to_numpy(layer.kernel) ** 2) for layer in net.layers[1:]))
    for net in sweep.models
]  # ||W|| of each trained model, all kernels
weight_norm = per_lambda(norms).mean(axis=1)
zs = [pre_activations(net, x_train) for net in sweep.models]
linear_share = per_lambda([np.mean([(np.abs(z) < 1).mean() for z in net_z]) for net_z in zs]).mean(
    axis=1
)  # all hidden units and points
lesson.claim(
    "||W|| = sqrt(Σ_l ||W[l]||²) decreases monotonically along the λ sweep",
    weight_norm.round(3).tolist(),
    target="strictly decreasing",
    holds=bool(np.all(np.diff(weight_norm) < 0)),
)
# Beyond Ng's λ the share is near 1 (every unit near-linear): there the runs differ by
# ±0.01 (seeds, backends), so the claim asks for growth up to λ = 0.7 and a share near 1 after.
upto = LAMBDAS.index(0.7) + 1
lesson.claim(
    "share of tanh pre-activations with |z| < 1 (the linear region; all hidden units, "
    "all training points) grows with λ up to Ng's λ = 0.7, and is ≥ 90% at λ = 1.5",
    linear_share.round(3).tolist(),
    target="strictly increasing over λ = 0…0.7; ≥ 0.9 at 1.5",
    holds=bool(np.all(np.diff(linear_share[:upto]) > 0) and linear_share[-1] >= 0.9),
)

fig, (ax_share, ax_z) = plt.subplots(1, 2, figsize=(11, 4))
ax_share.plot(LAMBDAS, linear_share, "o-", color=plotting.color("green"))
for lam, share, norm in zip(LAMBDAS, linear_share, weight_norm):
    ax_share.annotate(
        f"||W|| = {norm:.1f}",
        (lam, share),
        textcoords="offset points",
        xytext=(0, -16),
        ha="center",
        fontsize=8,
    )
lambda_axis(ax_share)
ax_share.set_ylim(0, 1.05)
ax_share.set_ylabel("share of hidden pre-activations with |z| < 1")
ax_share.set_title(
    "Larger λ: smaller ||W||, tanh units near-linear\n(mean of inits; "
    "||W|| = Frobenius norm of all kernels)"
)
ax_z.axvspan(1e-3, 1, color=plotting.color("green"), alpha=0.1, label="|z| < 1: tanh(z) ≈ z")
for i, col in ((0, plotting.color("bad")), (best, plotting.color("good"))):
    values = np.concatenate([np.abs(z).ravel() for z in zs[i * MODEL_SEEDS]])
    ax_z.hist(
        np.clip(values, 1e-3, 99),
        bins=np.logspace(-3, 2, 41),
        histtype="step",
        lw=1.8,
        color=col,
        weights=np.full(values.size, 1 / values.size),
        label=f"λ = {LAMBDAS[i]:g}",
    )
ax_z.set_xscale("log")
ax_z.set_xlabel("|z| of the tanh units on the training set  (log scale)")
ax_z.set_ylabel("share of pre-activations per bin")
ax_z.set_title("Where the hidden units operate (first init)")
ax_z.legend(fontsize=8)
lesson.savefig(fig, "why_it_works")

# %% [markdown]
# Left: each step up in λ shrinks the weights (the labels) and moves more hidden units
# into their linear region. With large weights, `z = W a + b` lands far out on tanh's
# flat tails, where each unit acts like a sharp step — and many sharp steps can carve
# any boundary, noise included (right, λ = 0: most `|z|` are far above 1). L2 shrinks
# W, `z` stays in `|z| < 1` where `tanh(z) ≈ z`, and a network of near-linear units
# can only draw a smooth, nearly linear boundary (Ng's intuition).
#
# ## What to remember
#
# - L2 adds `(λ/2m) Σ ||W[l]||²_F` to the cost and `(λ/m) W[l]` to each `dW[l]`; with
#   gradient descent that is weight decay, `W ← (1 − αλ/m) W − α dW_data`. In Keras:
#   `kernel_regularizer=dlcourse.L2(lambd, m)` = `keras.regularizers.L2(λ/(2m))`.
# - Larger λ → smaller weights → units near their linear region → a simpler function:
#   a smaller train/dev gap. Too large a λ underfits.
# - λ is a hyper-parameter: pick it on the dev set, never on the test set
#   (`Sweep(build, {"lambd": [...], "seed": [...]})` trains the whole sweep at once).
# - With Adam, L2 is not weight decay any more (use AdamW if you want true decay).

# %%
lesson.finish()
