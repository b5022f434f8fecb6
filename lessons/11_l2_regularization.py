"""Lesson 11 — L2 regularization (weight decay).

A big network on 211 noisy points memorises the noise: training accuracy far above
dev accuracy. Adding the course's L2 penalty `(λ/2m) Σ ||W[l]||²` keeps the weights
small, the tanh units near their linear region, the decision boundary smooth, and
narrows the train/dev gap. One gradient step with L2 is exactly "weight decay".

Claim: one SGD step with L2 equals weight decay `(1 − αλ/m) W − α dW_data` (to 1e-6);
the best λ lifts dev accuracy ≥ 2 points above no regularization; ||W|| falls and the
share of tanh units in their linear region grows monotonically with λ.

Run it:
    python lessons/11_l2_regularization.py            # full mode, figures in out/11_l2_regularization/
    python lessons/11_l2_regularization.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # L2 regularization
#
# When a network has high variance (lesson 10: train error ≪ dev error), the two
# cures are more data and **regularization**. The most common one adds the squared
# Frobenius norm of every weight matrix to the cost (Ng, course 2, week 1):
#
# `J = (1/m) Σ L(ŷ, y) + (λ / 2m) Σ_l ||W[l]||²_F`
#
# Biases are not penalized (there are few of them). Back-propagation gains one term,
# `dW[l] += (λ/m) W[l]`, so a gradient-descent step becomes
#
# `W ← W − α (dW_data + (λ/m) W) = (1 − αλ/m) W − α dW_data`
#
# — every step first shrinks the weights by the factor `(1 − αλ/m)`: L2 is also
# called **weight decay**. In Keras the penalty is a kernel regularizer with the
# coefficient `λ/(2m)`; `dlcourse.L2(lambd, m)` takes the course's λ and m and does
# that conversion for you.
#
# We reproduce Ng's regularization assignment in spirit: 211 noisy training points
# in 2-D (his "football" data ships as a file we do not have, so our points come from
# `dlcourse.datasets.noisy_two_class`), a network big enough to overfit, and a
# sweep over λ.

# %%
import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

import dlcourse
from dlcourse import plotting
from dlcourse.lesson import start

lesson = start("11_l2_regularization", title="L2 regularization (weight decay)")

M_TRAIN = 211  # Ng's assignment has 211 training points
M_DEV = 1000  # a large dev set, so dev accuracy is measured to about ±1 point
LABEL_NOISE = 0.08  # fraction of flipped labels: what a big net can memorise
HIDDEN_UNITS = (20, 20)  # tanh hidden layers
LAMBDAS = (0.0, 0.1, 0.3, 0.7, 1.5)  # the λ sweep (Ng's choice is 0.7)
MODEL_SEEDS = lesson.pick(full=3, quick=2)  # networks per λ, averaged: one run is noisy
STEPS = lesson.pick(full=1500, quick=800)  # full-batch Adam steps
LEARNING_RATE = lesson.pick(full=0.01, quick=0.02)

# %% [markdown]
# ## 1. The data and the Keras model
#
# The true boundary is a smooth curve; 8% of the labels are flipped, so a perfect
# training score can only come from memorising noise. The dev set comes from the
# same distribution.

# %%
x, y = dlcourse.datasets.noisy_two_class(n=M_TRAIN + M_DEV, flip=LABEL_NOISE, seed=lesson.seed)
x_train, y_train = x[:M_TRAIN], y[:M_TRAIN]
x_dev, y_dev = x[M_TRAIN:], y[M_TRAIN:]
print(f"train: {x_train.shape}, dev: {x_dev.shape}, share of class 1: {y_train.mean():.2f}")


def build(lambd, seed):
    """The lesson's network: 2 → 20 tanh → 20 tanh → 1 sigmoid, L2 on every kernel."""
    regularizer = dlcourse.L2(lambd, m=M_TRAIN) if lambd > 0 else None
    return dlcourse.deep_net(
        (2,), HIDDEN_UNITS, num_classes=1, activation="tanh", initializer="xavier",
        regularizer=regularizer, seed=seed,
    )


print(dlcourse.L2(0.7, m=M_TRAIN))  # the Keras coefficient is λ/(2m)

# %% [markdown]
# ## 2. Training many networks at once
#
# We want 5 values of λ × a few random initializations. Calling `model.fit` on
# each would take about a minute on a laptop CPU (every Keras model pays its own
# start-up cost, and each step of a tiny model is mostly overhead), so we train them
# all at once: the same network written in NumPy with a leading
# "model" axis `K` — `W[l]` has shape `(K, n[l−1], n[l])`. Every network starts from
# the initial weights of its `dlcourse.deep_net` twin (same seed ⇒ the same start
# for every λ, so only λ differs). The backward pass is Ng's
# `backward_propagation_with_regularization`: the data gradient plus `(λ/m) W`.
# Before training we check it against Keras: `tf.GradientTape` on the Keras model
# (its `binary_crossentropy` plus the regularization losses `model.losses`, which is
# what `fit` minimizes) must give the same gradient.
#
# We train with Adam (full batch) because plain gradient descent needs tens of
# thousands of steps here. Note that with Adam the L2 gradient is rescaled per
# weight, so it is *not* the same as weight decay — the identity of section 3 is
# about (stochastic) gradient descent; AdamW exists to restore it.

# %%
NAMES = [f"hidden_{i}" for i in range(1, len(HIDDEN_UNITS) + 1)] + ["output"]


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1 / (1 + e^-z), without overflow


def stack_weights(models):
    """Kernels (K, n[l-1], n[l]) and biases (K, 1, n[l]) of K same-shaped Keras nets."""
    kernels = [np.stack([mdl.get_layer(n).kernel.numpy() for mdl in models]) for n in NAMES]
    biases = [np.stack([mdl.get_layer(n).bias.numpy()[None] for mdl in models]) for n in NAMES]
    return kernels, biases


def forward(kernels, biases, x):
    """Pre-activations z[l] and activations a[l] of all K nets: a[0] = x (m, 2)."""
    zs, acts = [], [x]
    for l, (w, b) in enumerate(zip(kernels, biases)):
        z = acts[-1] @ w + b  # (K, m, n[l])
        zs.append(z)
        acts.append(np.tanh(z) if l < len(kernels) - 1 else sigmoid(z))
    return zs, acts


def backward(kernels, acts, y, lambd):
    """Gradients of J = mean cross-entropy + (λ/2m) Σ||W||², for each net k with its own λ[k]."""
    m = len(y)
    dz = (acts[-1] - y[:, None]) / m  # (K, m, 1): sigmoid + cross-entropy
    dkernels, dbiases = [None] * len(kernels), [None] * len(kernels)
    for l in reversed(range(len(kernels))):
        a_prev = acts[l]  # (K, m, n[l-1]), or x (m, 2) for the first layer
        dkernels[l] = np.swapaxes(a_prev, -1, -2) @ dz + (lambd / m)[:, None, None] * kernels[l]
        dbiases[l] = dz.sum(axis=-2, keepdims=True)
        if l > 0:
            dz = (dz @ np.swapaxes(kernels[l], -1, -2)) * (1.0 - acts[l] ** 2)  # tanh' = 1 - a²
    return dkernels, dbiases


def train_adam(kernels, biases, x, y, lambd, steps, learning_rate, beta1=0.9, beta2=0.999):
    """Full-batch Adam on all K nets at once (updates the arrays in place)."""
    params = kernels + biases
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        _, acts = forward(kernels, biases, x)
        dkernels, dbiases = backward(kernels, acts, y, lambd)
        step = learning_rate * np.sqrt(1 - beta2**t) / (1 - beta1**t)
        for p, g, v, s in zip(params, dkernels + dbiases, first, second):
            v *= beta1
            v += (1 - beta1) * g
            s *= beta2
            s += (1 - beta2) * g * g
            p -= step * v / (np.sqrt(s) + 1e-7)


def keras_gradients(model, x, y):
    """Keras's gradients of the full cost and of the data term alone, via tf.GradientTape."""
    bce = keras.losses.BinaryCrossentropy()
    with tf.GradientTape(persistent=True) as tape:
        data_loss = bce(y[:, None], model(x))
        total_loss = data_loss + tf.add_n(model.losses)  # fit() adds model.losses the same way
    variables = model.trainable_variables  # kernel, bias of each layer, in order
    return ([g.numpy() for g in tape.gradient(total_loss, variables)],
            [g.numpy() for g in tape.gradient(data_loss, variables)])


# Before trusting backward(), compare it with Keras on one network at its initial weights.
CHECK_LAMBDA = 0.7
model = build(CHECK_LAMBDA, seed=100 * lesson.seed)
kernels, biases = stack_weights([model])  # K = 1
_, acts = forward(kernels, biases, x_train)
dkernels, dbiases = backward(kernels, acts, y_train, np.array([CHECK_LAMBDA], dtype="float32"))
ours = np.concatenate([g[0].ravel() for pair in zip(dkernels, dbiases) for g in pair])
theirs = np.concatenate([g.ravel() for g in keras_gradients(model, x_train, y_train)[0]])
gradient_difference = (np.linalg.norm(ours - theirs)
                       / (np.linalg.norm(ours) + np.linalg.norm(theirs)))
lesson.claim(
    f"NumPy backward pass (with +(λ/m)W) equals Keras's gradient at initialization, "
    f"λ={CHECK_LAMBDA} (||a−b|| / (||a||+||b||), float32)",
    gradient_difference, target="< 1e-6", holds=gradient_difference < 1e-6,
)

# %%
# Now the sweep: every λ × every initialization, trained together.
seeds = [100 * lesson.seed + s for s in range(MODEL_SEEDS)]
starts = stack_weights([build(0.0, seed) for seed in seeds])
lambd = np.repeat(np.array(LAMBDAS, dtype="float32"), MODEL_SEEDS)  # (K,): λ of net k
kernels = [np.tile(w, (len(LAMBDAS), 1, 1)) for w in starts[0]]  # K = λs × seeds
biases = [np.tile(b, (len(LAMBDAS), 1, 1)) for b in starts[1]]
with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: one BLAS thread is fastest
    train_adam(kernels, biases, x_train, y_train, lambd, STEPS, LEARNING_RATE)


def accuracy(x, y):
    """Accuracy of each of the K nets, (K,)."""
    return ((forward(kernels, biases, x)[1][-1][..., 0] > 0.5) == y).mean(axis=-1)


def per_lambda(values):
    """(K,) → (len(LAMBDAS), MODEL_SEEDS)."""
    return np.asarray(values).reshape(len(LAMBDAS), MODEL_SEEDS)


train_acc, dev_acc = per_lambda(accuracy(x_train, y_train)), per_lambda(accuracy(x_dev, y_dev))

# %% [markdown]
# ## 3. One gradient step with L2 is weight decay — checked with Keras
#
# The gradients agreed. Now take the trained λ = 0.7 network, load its weights into
# the Keras model `deep_net(..., regularizer=dlcourse.L2(0.7, m=211))`, and get from
# `tf.GradientTape` the gradient of the full cost and of the data term alone,
# `dW_data`. One step of `keras.optimizers.SGD(α)` with the full gradient must land
# exactly on `(1 − αλ/m) W − α dW_data` for every kernel — and the biases, which
# L2 leaves alone, on `b − α db`.

# %%
ALPHA = 0.1
k = LAMBDAS.index(CHECK_LAMBDA) * MODEL_SEEDS  # the first net trained with λ = 0.7
for name, w, b in zip(NAMES, kernels, biases):
    model.get_layer(name).set_weights([w[k], b[k, 0]])
variables = model.trainable_variables
grad_total, grad_data = keras_gradients(model, x_train, y_train)

before = [v.numpy().copy() for v in variables]
keras.optimizers.SGD(learning_rate=ALPHA).apply_gradients(zip(grad_total, variables))
after = [v.numpy() for v in variables]
decay = 1 - ALPHA * CHECK_LAMBDA / M_TRAIN
errors = [
    np.max(np.abs(new - ((decay if old.ndim == 2 else 1.0) * old - ALPHA * g)))
    for old, new, g in zip(before, after, grad_data)  # kernels decay, biases do not
]
print(f"decay factor 1 − αλ/m = {decay:.6f}; max |error| per variable: "
      + ", ".join(f"{e:.1e}" for e in errors))
lesson.claim(
    f"one SGD step with L2 equals W ← (1 − αλ/m) W − α dW_data (α={ALPHA}, λ={CHECK_LAMBDA}, "
    "max |difference|)",
    max(errors), target="< 1e-6", holds=max(errors) < 1e-6,
)

# %% [markdown]
# It holds to float32 round-off. One step's decay is tiny here (the factor is
# `1 − 0.1·0.7/211 ≈ 0.99967`), but it acts on every step, and it pulls hardest on the
# largest weights.
#
# ## 4. The λ sweep: decision boundaries

# %%
fig, axes = plt.subplots(1, len(LAMBDAS), figsize=(3.1 * len(LAMBDAS), 3.4), sharey=True)
for i, (ax, lam) in enumerate(zip(axes, LAMBDAS)):
    j = i * MODEL_SEEDS  # the first initialization for this λ

    def predict(grid, j=j):
        return forward([w[j:j + 1] for w in kernels], [b[j:j + 1] for b in biases], grid)[1][-1][0]

    plotting.plot_decision_boundary(ax, predict, x_train, y_train, resolution=120, margin=0.1)
    ax.set_title(f"λ = {lam:g}\ntrain {train_acc[i, 0]:.0%} · dev {dev_acc[i, 0]:.0%}")
    if i:
        ax.set_ylabel("")
axes[0].legend(loc="lower left", fontsize=8, frameon=True)
fig.suptitle(f"{HIDDEN_UNITS} tanh net on {M_TRAIN} noisy points: larger λ, smoother boundary",
             fontweight="bold")
lesson.savefig(fig, "boundaries")

# %% [markdown]
# Without regularization the boundary grows islands and bays around single
# (mislabelled) training points: that is the high variance. As λ grows, the boundary
# relaxes towards the smooth true curve; too large a λ starts to flatten it (bias).
#
# ## 5. The train/dev gap against λ

# %%
mean_train, mean_dev = train_acc.mean(axis=1), dev_acc.mean(axis=1)
gap = mean_train - mean_dev
best = int(np.argmax(mean_dev))
for lam, tr, dv in zip(LAMBDAS, mean_train, mean_dev):
    print(f"λ = {lam:<4g} train {tr:6.1%}  dev {dv:6.1%}  gap {tr - dv:+6.1%}")
print("Ng's assignment (his data, 211 train / 200 test points):"
      "  none 94.8% / 91.5%,  L2 λ = 0.7 93.8% / 93%")
print(f"ours (mean of {MODEL_SEEDS} inits):  none {mean_train[0]:.1%} / {mean_dev[0]:.1%},  "
      f"L2 λ = 0.7 {mean_train[LAMBDAS.index(0.7)]:.1%} / {mean_dev[LAMBDAS.index(0.7)]:.1%}"
      "  — different data, so only the direction carries over")

improvement = mean_dev[best] - mean_dev[0]
lesson.claim(
    f"dev accuracy with the best λ ({LAMBDAS[best]:g}) minus without regularization "
    f"(mean of {MODEL_SEEDS} inits, points)",
    100 * improvement, target=">= 2", holds=100 * improvement >= 2,
)

fig, (ax_acc, ax_gap) = plt.subplots(1, 2, figsize=(10, 3.9))
for role, accs, means in (("train", train_acc, mean_train), ("dev", dev_acc, mean_dev)):
    ax_acc.plot(LAMBDAS, accs, color=plotting.color(role), lw=0.8, alpha=0.35)
    ax_acc.plot(LAMBDAS, means, "o-", color=plotting.color(role), label=f"{role} (mean of inits)")
ax_acc.plot([0, 0.7], [0.948, 0.938], "s", mfc="none", color=plotting.color("train"), ms=8,
            label="Ng's train (his data)")
ax_acc.plot([0, 0.7], [0.915, 0.93], "D", mfc="none", color=plotting.color("dev"), ms=8,
            label="Ng's test (his data)")
ax_acc.axhline(1 - LABEL_NOISE, color=plotting.color("reference"), ls="--", lw=1,
               label=f"1 − label noise ({1 - LABEL_NOISE:.0%})")
ax_acc.set_ylabel("accuracy")
ax_acc.set_title("Accuracy against λ")
ax_acc.legend(fontsize=8)
ax_gap.bar(np.arange(len(LAMBDAS)), 100 * gap, color=plotting.color("bad"), alpha=0.8,
           label="train − dev (mean of inits)")
ax_gap.set_xticks(np.arange(len(LAMBDAS)), [f"{lam:g}" for lam in LAMBDAS])
ax_gap.set_ylabel("train − dev accuracy (points)")
ax_gap.set_title("The gap (variance) shrinks as λ grows")
ax_gap.legend()
for ax in (ax_acc, ax_gap):
    ax.set_xlabel("λ")
ax_acc.set_xscale("symlog", linthresh=0.1)
ax_acc.set_xlim(-0.03, 2.2)
ax_acc.set_xticks(LAMBDAS, [f"{lam:g}" for lam in LAMBDAS])
lesson.savefig(fig, "gap")

# %% [markdown]
# Training accuracy falls steadily with λ: the net is no longer allowed to memorise
# the flipped labels. Dev accuracy rises first, peaks, then falls again once λ is
# so large that the net underfits — the best λ is found on the dev set, exactly as
# Ng tunes it. The dashed line is the best any classifier can do on labels with 8%
# noise. Once the gap is gone it can even turn negative: with only 211 training
# points, training accuracy itself is uncertain by about ±2 points. Ng's numbers
# (hollow markers) come from his data, so compare the direction, not the values.
#
# ## 6. Why it works: small weights keep tanh nearly linear

# %%
weight_norm = per_lambda(np.sqrt(sum((w**2).sum(axis=(1, 2)) for w in kernels))).mean(axis=1)
zs = forward(kernels, biases, x_train)[0][:-1]  # the tanh layers' pre-activations
linear_share = per_lambda(np.mean([(np.abs(z) < 1).mean(axis=(1, 2)) for z in zs], axis=0))
linear_share = linear_share.mean(axis=1)
for lam, norm, share in zip(LAMBDAS, weight_norm, linear_share):
    print(f"λ = {lam:<4g} ||W|| = {norm:6.2f}   share of |z| < 1: {share:.3f}")

lesson.claim(
    "||W|| = sqrt(Σ_l ||W[l]||²) decreases monotonically along the λ sweep",
    weight_norm.round(3).tolist(), target="strictly decreasing",
    holds=bool(np.all(np.diff(weight_norm) < 0)),
)
lesson.claim(
    "share of tanh pre-activations with |z| < 1 (the linear region; all hidden units, all "
    "training points) grows monotonically with λ",
    linear_share.round(3).tolist(), target="strictly increasing",
    holds=bool(np.all(np.diff(linear_share) > 0)),
)

fig, (ax_norm, ax_share, ax_z) = plt.subplots(1, 3, figsize=(14, 3.9))
ax_norm.plot(LAMBDAS, weight_norm, "o-", color=plotting.color("blue"),
             label="||W|| (mean of inits)")
ax_norm.set_yscale("log")
ax_norm.set_ylabel("||W||  (Frobenius, all kernels; log scale)")
ax_norm.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
ax_norm.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
ax_norm.set_yticks([2, 5, 10, 20, 50])
ax_norm.set_title("Larger λ, smaller weights")
ax_share.plot(LAMBDAS, linear_share, "o-", color=plotting.color("green"),
              label="share of |z| < 1 (mean of inits)")
ax_share.set_ylim(0, 1.02)
ax_share.set_ylabel("share of hidden pre-activations")
ax_share.set_title("…so the tanh units stay near-linear")
for ax in (ax_norm, ax_share):
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlim(-0.03, 2.2)
    ax.set_xticks(LAMBDAS, [f"{lam:g}" for lam in LAMBDAS])
    ax.set_xlabel("λ")
    ax.legend()
bins = np.logspace(-3, 2, 41)
ax_z.axvspan(1e-3, 1, color=plotting.color("green"), alpha=0.1, label="|z| < 1: tanh(z) ≈ z")
for i, col in ((0, plotting.color("bad")), (best, plotting.color("good"))):
    values = np.concatenate([np.abs(z[i * MODEL_SEEDS]).ravel() for z in zs])
    ax_z.hist(np.clip(values, 1e-3, 99), bins=bins, histtype="step", lw=1.8, color=col,
              weights=np.full(values.size, 1 / values.size), label=f"λ = {LAMBDAS[i]:g}")
ax_z.set_xscale("log")
ax_z.set_xlabel("|z| of the tanh units on the training set  (log scale)")
ax_z.set_ylabel("share of pre-activations per bin")
ax_z.set_title("Where the hidden units operate")
ax_z.legend(fontsize=8)
lesson.savefig(fig, "why_it_works")

# %% [markdown]
# With large weights, `z = W a + b` lands far out on tanh's flat tails, where each unit
# acts like a sharp step — and many sharp steps can carve any boundary, noise included
# (right panel, λ = 0: most `|z|` are far above 1). L2 shrinks W, `z` stays in
# `|z| < 1` where `tanh(z) ≈ z`, and a network of near-linear units can only draw a
# smooth, nearly linear boundary (Ng's intuition). The biases are not penalized,
# yet the shares still move the same way.
#
# ## What to remember
#
# - L2 adds `(λ/2m) Σ ||W[l]||²_F` to the cost and `(λ/m) W[l]` to each `dW[l]`; with
#   gradient descent that is weight decay, `W ← (1 − αλ/m) W − α dW_data`.
#   In Keras: `kernel_regularizer=dlcourse.L2(lambd, m)` = `keras.regularizers.L2(λ/(2m))`.
# - Larger λ → smaller weights → units near their linear region → a simpler function:
#   a smaller train/dev gap. Too large a λ underfits.
# - λ is a hyper-parameter: pick it on the dev set, never on the test set.
# - With Adam, L2 is not weight decay any more (use AdamW if you want true decay).

# %%
lesson.finish()
