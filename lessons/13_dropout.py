"""Lesson 13 — Dropout.

Inverted dropout (Ng): in training keep each hidden unit with probability `keep_prob`
and divide the survivors by `keep_prob`, so the expected activation is unchanged and
nothing needs to happen at test time. We check that from scratch and with
`dlcourse.InvertedDropout` against `keras.layers.Dropout`, show what goes wrong with the
older non-inverted version, and watch dropout shrink the train/dev gap of a network
that overfits 211 noisy points — at the price of a training cost that no longer
decreases step by step.

Claim: inverted dropout keeps the mean activation (within 1%), does nothing at test time
and matches keras Dropout; non-inverted dropout is off by 1/keep_prob; dropout narrows
the train/dev gap; with dropout the training cost rises on ≥ 10× as many steps.

Run it:
    python lessons/13_dropout.py            # full mode, figures in out/13_dropout/
    python lessons/13_dropout.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Dropout
#
# Dropout (Srivastava et al., 2014) is a regularizer that works on the units instead
# of the weights: on every training step, each hidden unit is switched off with
# probability `1 − keep_prob`, so the network cannot rely on any single unit and
# spreads its weights out — an effect similar to L2 (Ng). Ng's **inverted dropout**,
# for one layer's activations `a`:
#
# ```
# d = np.random.rand(*a.shape) < keep_prob   # keep each unit with probability keep_prob
# a = a * d / keep_prob                      # ... and scale the survivors up
# ```
#
# The division keeps the expected value of `a` unchanged (Udacity: with keep 0.5,
# double the kept activations), so at test time we simply do nothing. The older,
# *non-inverted* dropout skips the division in training; then at test time the
# activations are `1/keep_prob` times larger than what the next layer saw in
# training, unless you scale the weights by `keep_prob` (Lee: "multiply the weights
# by (1 − p)%").

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

import dlcourse
from dlcourse import plotting
from dlcourse.lesson import start

lesson = start("13_dropout", title="Dropout")

KEEP_PROB = 0.8  # for the statistics of sections 1-2
DRAWS = 400  # dropout masks drawn to measure expectations
M_TRAIN, M_DEV = 211, 1000  # Ng's 211 training points; a large dev set
HIDDEN_UNITS = (32, 32)  # ReLU hidden layers (He initialization)
CONFIGS = {  # per-layer keep_probs: (hidden_1, hidden_2)
    "no dropout": (1.0, 1.0),
    "keep_probs (0.86, 0.86), Ng's": (0.86, 0.86),
    "keep_probs (0.9, 0.5), per layer": (0.9, 0.5),
}
MODEL_SEEDS = lesson.pick(full=3, quick=2)  # networks per configuration, averaged
STEPS = lesson.pick(full=1200, quick=600)  # full-batch Adam steps
LEARNING_RATE = lesson.pick(full=0.01, quick=0.02)
GD_STEPS, GD_LEARNING_RATE = lesson.pick(full=400, quick=200), 0.2  # the cost-curve run

# %% [markdown]
# ## 1. The expected activation, from scratch and with the layer
#
# We take a real layer's activations — the first ReLU layer of our network at
# initialization, on the training points — and apply dropout to them `DRAWS` times:
# with NumPy (inverted and non-inverted), with `dlcourse.InvertedDropout(keep_prob)`
# and with `keras.layers.Dropout(rate=1 − keep_prob)`.

# %%
x, y = dlcourse.datasets.noisy_two_class(n=M_TRAIN + M_DEV, flip=0.08, seed=lesson.seed)
x_train, y_train, x_dev, y_dev = x[:M_TRAIN], y[:M_TRAIN], x[M_TRAIN:], y[M_TRAIN:]


def build(keep_probs, seed):
    """2 → 32 ReLU → 32 ReLU → 1 sigmoid, with inverted dropout after each hidden layer."""
    return dlcourse.deep_net((2,), HIDDEN_UNITS, num_classes=1, activation="relu",
                             initializer="he", keep_probs=keep_probs, seed=seed)


first_layer = build(1.0, seed=100 * lesson.seed).get_layer("hidden_1")
a = first_layer(x_train).numpy()  # (211, 32) ReLU activations
test_mean = a.mean()
rng = lesson.rng


def inverted_dropout(a, keep_prob, rng):
    d = rng.random(a.shape) < keep_prob  # 1 = keep
    return a * d / keep_prob


def non_inverted_dropout(a, keep_prob, rng):
    return a * (rng.random(a.shape) < keep_prob)  # no division


stacked = np.broadcast_to(a, (DRAWS, *a.shape)).astype("float32")  # DRAWS copies
outputs = {
    "NumPy, inverted": inverted_dropout(stacked, KEEP_PROB, rng),
    "InvertedDropout layer": dlcourse.InvertedDropout(KEEP_PROB, seed=lesson.seed)(
        stacked, training=True).numpy(),
    "keras Dropout(rate=1−keep_prob)": keras.layers.Dropout(1 - KEEP_PROB, seed=lesson.seed)(
        stacked, training=True).numpy(),
    "NumPy, non-inverted": non_inverted_dropout(stacked, KEEP_PROB, rng),
}
draw_means = {name: out.mean(axis=(1, 2)) for name, out in outputs.items()}  # (DRAWS,)
for name, means in draw_means.items():
    print(f"{name:<32} mean over {DRAWS} draws / mean without dropout = "
          f"{means.mean() / test_mean:.4f}")

for name in ("NumPy, inverted", "InvertedDropout layer"):
    error = abs(draw_means[name].mean() / test_mean - 1)
    lesson.claim(f"{name} (keep_prob={KEEP_PROB}): relative error of the expected activation",
                 error, target="< 0.01", holds=error < 0.01)

bias = test_mean / draw_means["NumPy, non-inverted"].mean()
lesson.claim(
    "non-inverted dropout, no test-time scaling: test-time mean / training mean "
    f"(expected 1/keep_prob = {1 / KEEP_PROB:.3g})",
    bias, target=f"within 1% of {1 / KEEP_PROB:.3g}", holds=abs(bias * KEEP_PROB - 1) < 0.01,
)

# %% [markdown]
# Same distribution as Keras's own layer? Both should drop a share `1 − keep_prob`
# of the units and multiply the rest by exactly `1/keep_prob` (the random draws
# themselves differ). We count only units that were active (`a > 0`).

# %%
active = stacked > 0
dropped = {name: float((outputs[name][active] == 0).mean())
           for name in ("InvertedDropout layer", "keras Dropout(rate=1−keep_prob)")}
ours_dropped, keras_dropped = dropped.values()
print(f"share dropped: ours {ours_dropped:.4f}, keras {keras_dropped:.4f}, "
      f"expected {1 - KEEP_PROB:.4f}")
lesson.claim(
    "share of units dropped: InvertedDropout vs keras Dropout (both within 0.005 of 1−keep_prob)",
    [ours_dropped, keras_dropped], target=f"|difference| < 0.005, each ≈ {1 - KEEP_PROB:.2f}",
    holds=abs(ours_dropped - keras_dropped) < 0.005
    and max(abs(d - (1 - KEEP_PROB)) for d in dropped.values()) < 0.005,
)
kept_error = max(
    np.max(np.abs(outputs[name][active & (outputs[name] != 0)]
                  / stacked[active & (outputs[name] != 0)] - 1 / KEEP_PROB))
    for name in dropped
)
lesson.claim("kept units are a / keep_prob in both layers (max |ratio − 1/keep_prob|)",
             kept_error, target="< 1e-5", holds=kept_error < 1e-5)

# %% [markdown]
# ## 2. Test time: nothing happens
#
# A model from `dlcourse.deep_net(..., keep_probs=...)` has `InvertedDropout` layers
# `dropout_1`, `dropout_2` after its hidden layers. `predict` (and any call with
# `training=False`) must give exactly the outputs of the same network without dropout.

# %%
with_dropout = build(CONFIGS["keep_probs (0.9, 0.5), per layer"], seed=100 * lesson.seed)
without = build(1.0, seed=100 * lesson.seed)  # same layer names and seed ⇒ same weights
print([layer.name for layer in with_dropout.layers[1:]])
test_difference = max(
    float(np.max(np.abs(with_dropout.predict(x_dev, verbose=0)
                        - without.predict(x_dev, verbose=0)))),
    float(np.max(np.abs(dlcourse.InvertedDropout(KEEP_PROB)(a, training=False).numpy() - a))),
)
lesson.claim("at test time dropout does nothing: max |output with − without dropout layers|",
             test_difference, target="== 0", holds=test_difference == 0)

# %% [markdown]
# ## 3. Dropout from scratch, checked against the Keras model
#
# As in lessons 11 and 12 we will train several networks at once in NumPy. To check
# our dropout backward pass (`dA ← dA · D / keep_prob`, Ng), we run the Keras model in
# training mode under `tf.GradientTape`, read the masks its `InvertedDropout` layers
# drew (a unit is dropped where the layer output is 0), and feed the *same* masks to
# our NumPy forward and backward passes: the gradients must agree.

# %%
NAMES = ("hidden_1", "hidden_2", "output")


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def forward(kernels, biases, x, keep=None, rng=None, masks=None):
    """All K nets at once; keep: (K, 2) keep_probs; masks: given keep-masks (else drawn)."""
    zs, acts, used = [], [x], []
    for l, (w, b) in enumerate(zip(kernels, biases)):
        z = acts[-1] @ w + b  # (K, m, n[l])
        zs.append(z)
        if l == len(kernels) - 1:
            acts.append(sigmoid(z))
            break
        h = np.maximum(z, 0)  # ReLU
        if keep is not None:
            keep_prob = keep[:, l, None, None]
            d = masks[l] if masks is not None else rng.random(h.shape, dtype=h.dtype) < keep_prob
            h = h * d / keep_prob  # inverted dropout
            used.append(d)
        acts.append(h)
    return zs, acts, used


def backward(kernels, zs, acts, masks, keep, y):
    """Gradients of the mean cross-entropy, through the same dropout masks."""
    dz = (acts[-1] - y[:, None]) / len(y)  # (K, m, 1)
    dkernels, dbiases = [None] * len(kernels), [None] * len(kernels)
    for l in reversed(range(len(kernels))):
        dkernels[l] = np.swapaxes(acts[l], -1, -2) @ dz
        dbiases[l] = dz.sum(axis=-2, keepdims=True)
        if l > 0:
            da = dz @ np.swapaxes(kernels[l], -1, -2)
            if keep is not None:
                da = da * masks[l - 1] / keep[:, l - 1, None, None]  # dropped: no gradient
            dz = da * (zs[l - 1] > 0)  # ReLU'
    return dkernels, dbiases


def weights_of(models):
    kernels = [np.stack([mdl.get_layer(n).kernel.numpy() for mdl in models]) for n in NAMES]
    biases = [np.stack([mdl.get_layer(n).bias.numpy()[None] for mdl in models]) for n in NAMES]
    return kernels, biases


keep_check = np.array([CONFIGS["keep_probs (0.9, 0.5), per layer"]], dtype="float32")  # (1, 2)
probe = keras.Model(with_dropout.input, [with_dropout.get_layer("dropout_1").output,
                                          with_dropout.get_layer("dropout_2").output,
                                          with_dropout.output])
with tf.GradientTape() as tape:
    d1, d2, out = probe(x_train, training=True)
    loss = keras.losses.BinaryCrossentropy()(y_train[:, None], out)
theirs = [g.numpy() for g in tape.gradient(loss, with_dropout.trainable_variables)]
masks = [d1.numpy()[None] != 0, d2.numpy()[None] != 0]  # (1, m, 32): the layer's draws
kernels, biases = weights_of([with_dropout])
zs, acts, _ = forward(kernels, biases, x_train, keep_check, masks=masks)
dkernels, dbiases = backward(kernels, zs, acts, masks, keep_check, y_train)
ours = np.concatenate([g[0].ravel() for pair in zip(dkernels, dbiases) for g in pair])
theirs = np.concatenate([g.ravel() for g in theirs])
difference = np.linalg.norm(ours - theirs) / (np.linalg.norm(ours) + np.linalg.norm(theirs))
lesson.claim("NumPy dropout backward pass equals Keras's gradient with the same masks "
             "(||a−b|| / (||a||+||b||), float32)", difference, target="< 1e-6",
             holds=difference < 1e-6)

per_layer = [float(1 - d[0][z[0] > 0].mean()) for d, z in zip(masks, zs)]  # among active units
print(f"share of active units dropped per layer: {per_layer[0]:.3f}, {per_layer[1]:.3f} "
      f"(keep_probs {CONFIGS['keep_probs (0.9, 0.5), per layer']})")

# %% [markdown]
# ## 4. Dropout against overfitting
#
# Same setting as lesson 11: 211 noisy training points and a network big enough to
# memorise them. Every configuration starts from the same initial weights (taken from
# `build(1.0, seed)`), trained with full-batch Adam, `MODEL_SEEDS` initializations each.

# %%
def train(kernels, biases, x, y, keep, steps, learning_rate, rng, optimizer="adam"):
    """Train all K nets in place; return the cost each step computed, (steps, K)."""
    params = kernels + biases
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    costs = []
    for t in range(1, steps + 1):
        zs, acts, masks = forward(kernels, biases, x, keep, rng)
        p = np.clip(acts[-1][..., 0], 1e-7, 1 - 1e-7)
        costs.append(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p), axis=-1))
        grads = sum(backward(kernels, zs, acts, masks, keep, y), [])
        if optimizer == "gd":
            for param, g in zip(params, grads):
                param -= learning_rate * g
            continue
        step = learning_rate * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)  # Adam
        for param, g, v, s in zip(params, grads, first, second):
            v *= 0.9
            v += 0.1 * g
            s *= 0.999
            s += 0.001 * g * g
            param -= step * v / (np.sqrt(s) + 1e-7)
    return np.array(costs)


seeds = [100 * lesson.seed + s for s in range(MODEL_SEEDS)]
start_kernels, start_biases = weights_of([build(1.0, seed) for seed in seeds])
keep = np.repeat(np.array(list(CONFIGS.values()), dtype="float32"), MODEL_SEEDS, axis=0)  # (K, 2)
kernels = [np.tile(w, (len(CONFIGS), 1, 1)) for w in start_kernels]
biases = [np.tile(b, (len(CONFIGS), 1, 1)) for b in start_biases]
with threadpool_limits(limits=1, user_api="blas"):  # tiny matrices: one BLAS thread is fastest
    train(kernels, biases, x_train, y_train, keep, STEPS, LEARNING_RATE, lesson.rng)


def accuracy(x, y):
    """Test-time accuracy (no dropout) per configuration, mean over initializations."""
    correct = (forward(kernels, biases, x)[1][-1][..., 0] > 0.5) == y
    return correct.mean(axis=-1).reshape(len(CONFIGS), MODEL_SEEDS).mean(axis=1)


train_acc, dev_acc = accuracy(x_train, y_train), accuracy(x_dev, y_dev)
gaps = train_acc - dev_acc
for name, tr, dv, gp in zip(CONFIGS, train_acc, dev_acc, gaps):
    print(f"{name:<34} train {tr:6.1%}  dev {dv:6.1%}  gap {100 * gp:+5.1f} points")
print("Ng's assignment (his data): no dropout 94.8% / 91.5%, keep_prob 0.86 92.9% / 95% "
      "(train / test)")
print("Srivastava et al. 2014, MNIST test error: 1.60% (standard 2x800 net) → 1.25% "
      "(dropout, ReLU) → 1.06% (+ max-norm); they find dropout gives little with only "
      "100–500 examples.")
for i, name in enumerate(CONFIGS):
    if i:
        lesson.claim(f"train − dev gap: {name} < no dropout (points, mean of {MODEL_SEEDS} inits)",
                     [round(100 * gaps[i], 2), round(100 * gaps[0], 2)],
                     target="first < second", holds=gaps[i] < gaps[0])

# %%
fig, axes = plt.subplots(1, len(CONFIGS), figsize=(4.2 * len(CONFIGS), 4), sharey=True)
for i, (ax, name) in enumerate(zip(axes, CONFIGS)):
    j = i * MODEL_SEEDS

    def predict(grid, j=j):
        one = [w[j:j + 1] for w in kernels], [b[j:j + 1] for b in biases]
        return forward(*one, grid)[1][-1][0]

    plotting.plot_decision_boundary(ax, predict, x_train, y_train, resolution=120, margin=0.1)
    ax.set_title(f"{name}\ntrain {train_acc[i]:.0%} · dev {dev_acc[i]:.0%} "
                 f"(mean of {MODEL_SEEDS})")
    if i:
        ax.set_ylabel("")
axes[0].legend(loc="lower left", fontsize=8, frameon=True)
fig.suptitle("Decision boundaries (first initialization) with and without dropout",
             fontweight="bold")
lesson.savefig(fig, "boundaries")

# %% [markdown]
# Without dropout the boundary wraps islands around single mislabelled points. With
# dropout, no unit can count on its neighbours being there, so the net cannot build
# such fragile, specialised features: the boundary is smoother, training accuracy
# drops towards the noise level and the gap closes. Ng's numbers above come from his
# data (only the direction carries over); Srivastava et al.'s remark is a fair warning
# that with a few hundred examples the gains are modest.
#
# ## 5. The cost is no longer monotone
#
# With dropout, each step optimizes a *different* random thinned network, so the cost
# that training reports jumps around — Ng's advice is to check that `J` decreases with
# dropout turned off first. We run plain full-batch gradient descent (learning rate
# 0.2) from the same start, with and without dropout, and count the steps on which the
# reported cost went *up*.

# %%
run_keep = np.array([CONFIGS["no dropout"], CONFIGS["keep_probs (0.86, 0.86), Ng's"]],
                    dtype="float32")
gd_kernels = [np.repeat(w[:1], 2, axis=0) for w in start_kernels]
gd_biases = [np.repeat(b[:1], 2, axis=0) for b in start_biases]
with threadpool_limits(limits=1, user_api="blas"):
    costs = train(gd_kernels, gd_biases, x_train, y_train, run_keep, GD_STEPS,
                  GD_LEARNING_RATE, lesson.rng, optimizer="gd")  # (steps, 2)
rises = (np.diff(costs, axis=0) > 0).sum(axis=0)
print(f"steps where the cost rose: no dropout {rises[0]}, keep 0.86: {rises[1]} of {GD_STEPS - 1}")
lesson.claim(
    "full-batch GD: steps on which the training cost rose (no dropout, keep_prob 0.86)",
    rises.tolist(), target="with dropout ≥ 10 × max(1, without)",
    holds=rises[1] >= 10 * max(1, rises[0]),
)

# %%
fig, (ax_cost, ax_mean) = plt.subplots(1, 2, figsize=(12, 4.2))
steps = np.arange(1, GD_STEPS + 1)
ax_cost.plot(steps, costs[:, 1], color=plotting.color("orange"), lw=1,
             label=f"keep_prob 0.86: rose on {rises[1]} steps")
ax_cost.plot(steps, costs[:, 0], color=plotting.color("blue"),
             label=f"no dropout: rose on {rises[0]} steps")
ax_cost.set_xlabel("gradient-descent step (full batch)")
ax_cost.set_ylabel("training cost J (cross-entropy)")
ax_cost.set_title("The cost each training step sees")
ax_cost.legend()

colors = (plotting.color("blue"), plotting.color("green"), plotting.color("purple"),
          plotting.color("red"))
bins = np.linspace(0.7, 1.1, 81)
for (name, means), col in zip(draw_means.items(), colors):
    ax_mean.hist(means / test_mean, bins=bins, histtype="step", lw=1.6, color=col, label=name)
ax_mean.axvline(1.0, color=plotting.color("black"), ls="--", lw=1, label="test time (no dropout)")
ax_mean.axvline(KEEP_PROB, color=plotting.color("red"), ls=":", lw=1, label="keep_prob")
ax_mean.set_xlabel("mean activation of one draw / mean without dropout")
ax_mean.set_ylabel(f"number of draws (of {DRAWS})")
ax_mean.set_title(f"Mean activation under dropout (keep_prob = {KEEP_PROB})")
ax_mean.legend(fontsize=8, loc="upper left")
lesson.savefig(fig, "cost_and_means")

# %% [markdown]
# Left: without dropout, gradient descent with a sensible learning rate lowers the cost
# at every step; with dropout the curve is jagged, because every step measures a
# different thinned network. It still trends down — dropout did not break training,
# it only made `J` a noisy quantity. Right: one histogram per way of dropping units.
# The three inverted versions sit on the test-time value 1 (the divisions by
# `keep_prob` pay for the missing units); NumPy and both Keras layers are the same
# distribution. Non-inverted dropout sits at `keep_prob`: a network trained that way
# sees activations `1/keep_prob` times larger at test time unless they are scaled back.
#
# ## What to remember
#
# - Inverted dropout: `d = rand < keep_prob; a = a * d / keep_prob` in training, nothing
#   at test time; the expected activation is unchanged. `keep_prob = 1` means no dropout.
# - In Keras: `dlcourse.InvertedDropout(keep_prob)` = `keras.layers.Dropout(rate=1 − keep_prob)`;
#   `deep_net(..., keep_probs=(0.9, 0.5))` sets it per layer (lower keep_prob where a layer
#   has more weights and overfits more).
# - Dropout is a regularizer: use it when you see high variance (it narrowed our gap);
#   it is not free — `J` is no longer a clean, decreasing curve, so debug with it off.

# %%
lesson.finish()
