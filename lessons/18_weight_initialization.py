"""Weight initialization

Reproduces Ng's initialization assignment (zeros, large random, He on `make_circles`)
with `dlcourse.deep_net(..., initializer=...)`, shows why zeros fail (symmetry: every
unit of a layer stays identical) and then compares Xavier (`Var(w) = 1/n`) with He
(`Var(w) = 2/n`) on a 30-layer ReLU network: with He the activations keep their size
through depth and the net trains; with Xavier they shrink by about 1/√2 per layer
and training stalls.

Claim: zeros keep every unit identical at chance accuracy; a 30-layer ReLU net trains with He, stalls with Xavier.
"""

# %% [markdown]
# Where gradient descent starts decides whether it gets anywhere (Ng, course 2, week 1):
#
# - **Zeros** fail: every hidden unit of a layer computes the same function, receives
#   the same gradient and so stays the same forever — the layer behaves like one unit
#   (*symmetry*). Biases may start at zero; weights may not.
# - **Large random** weights (Ng's assignment: standard normal × 10) break symmetry but
#   saturate the output: the first predictions are confidently wrong, the initial cost
#   is huge and training is slow.
# - **Xavier** (`Var(w) = 1/n[l−1]`, good for tanh) and **He** (`Var(w) = 2/n[l−1]`, for
#   ReLU) scale the weights so the signal keeps its size from layer to layer. ReLU zeroes
#   half of its inputs, so it needs the factor 2: He et al. (2015) show
#   `Var[y_l] = ½·n_l·Var[w_l]·Var[y_{l−1}]`; with `1/n` the signal shrinks by `1/√2`
#   per layer.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import dlcourse
from dlcourse import backend, plotting
from dlcourse.lesson import start

lesson = start(__file__)

ITERATIONS = lesson.pick(full=15_000, quick=1_000)  # Ng: 15,000 full-batch GD steps
LOG_EVERY = lesson.pick(full=500, quick=250)  # iterations between cost measurements
LEARNING_RATE = 0.01  # Ng's
DEPTH, WIDTH = 30, 64  # the deep ReLU net of section 3
DEEP_EPOCHS = lesson.pick(full=20, quick=5)
DEEP_LEARNING_RATE, DEEP_BATCH = 0.03, 16  # plain SGD, gradient norm clipped to 1

# %% [markdown]
# ## 1. Ng's experiment: zeros, large random, He
#
# The assignment's data are `sklearn.datasets.make_circles(300, noise=0.05)` after
# `np.random.seed(1)` (train) and 100 points after `np.random.seed(2)` (test);
# `dlcourse.datasets.circles(..., factor=0.8, seed=1)` gives exactly those points. The
# network is `[2, 10, 5, 1]`: two ReLU layers and a sigmoid output, trained with
# full-batch gradient descent at learning rate 0.01. We build it three times with
# `dlcourse.deep_net(..., initializer=...)`, compile it once and train it from each of
# the three starting points.

# %%
x_train, y_train = dlcourse.datasets.circles(300, noise=0.05, factor=0.8, seed=1)
x_test, y_test = dlcourse.datasets.circles(100, noise=0.05, factor=0.8, seed=2)
y_train, y_test = y_train.astype("float32"), y_test.astype("float32")
chance = max(y_train.mean(), 1 - y_train.mean())  # majority-class accuracy: 0.5 here

INITS = {"zeros": "zeros", "large random (N(0,1) × 10)": "large_random", "He": "he"}
PUBLISHED = {"zeros": (0.50, 0.50), "large random (N(0,1) × 10)": (0.83, 0.86), "He": (0.993, 0.96)}


def circles_net(initializer, activation="relu"):
    return dlcourse.deep_net(
        (2,),
        (10, 5),
        1,
        activation=activation,
        initializer=initializer,
        seed=lesson.seed,
        name=f"circles_{activation}",
    )


def gradient_descent(model, initial_weights, iterations):
    """Full-batch GD from `initial_weights`.

    Returns the cost at iteration 0 and then the mean cost of every block of
    LOG_EVERY iterations (what Keras logs as an epoch's "loss").
    """
    model.set_weights(initial_weights)  # plain SGD keeps no state: a fresh start
    full_batch = tf.data.Dataset.from_tensors((x_train, y_train)).repeat()
    cost_0 = float(keras.losses.BinaryCrossentropy()(y_train[:, None], model(x_train)))
    history = model.fit(
        full_batch,
        steps_per_epoch=LOG_EVERY,
        epochs=iterations // LOG_EVERY,
        shuffle=False,
        verbose=0,
    )
    return np.array([cost_0] + history.history["loss"])


def accuracy(model, x, y):
    return float(np.mean((keras.ops.convert_to_numpy(model(x))[:, 0] > 0.5) == y))


model = circles_net("he")
model.compile(
    optimizer=keras.optimizers.SGD(LEARNING_RATE),
    loss="binary_crossentropy",
    steps_per_execution=backend.steps_per_execution(LOG_EVERY),
)
costs, results, trained = {}, {}, {}
for label, initializer in INITS.items():
    costs[label] = gradient_descent(model, circles_net(initializer).get_weights(), ITERATIONS)
    trained[label] = model.get_weights()
    results[label] = (accuracy(model, x_train, y_train), accuracy(model, x_test, y_test))

print(
    f"{'initialization':>28} | cost at 0 | train / test, {ITERATIONS:,} iterations "
    f"| Ng's assignment, 15,000 iterations"
)
for label in INITS:
    (train_acc, test_acc), (pub_train, pub_test) = results[label], PUBLISHED[label]
    print(
        f"{label:>28} | {costs[label][0]:9.3f} | {train_acc:14.1%} / {test_acc:6.1%}"
        f"{'':8} | {pub_train:17.1%} / {pub_test:6.1%}"
    )

# %% [markdown]
# With the full budget the table lands close to the published numbers; the quick mode
# runs fewer iterations, so large random and He have not finished learning yet.


# %%
def max_unit_difference(weights):
    """Largest difference between any two units of the same hidden layer (weights and bias)."""
    kernels, biases = weights[0:-2:2], weights[1:-2:2]  # hidden layers only (output has 1 unit)
    return max(
        float(np.max(np.ptp(np.vstack([k, b[None]]), axis=1))) for k, b in zip(kernels, biases)
    )


zeros_accuracy = results["zeros"]
lesson.claim(
    "zeros init, ReLU net: max difference between units of a layer after training",
    max_unit_difference(trained["zeros"]),
    target="< 1e-6",
    holds=max_unit_difference(trained["zeros"]) < 1e-6,
)
lesson.claim(
    f"zeros init: [train, test] accuracy (chance = majority class = {chance:.0%})",
    list(zeros_accuracy),
    target="within 2 points of chance",
    holds=all(abs(acc - chance) <= 0.02 for acc in zeros_accuracy),
)
cost_ratio = costs["large random (N(0,1) × 10)"][0] / costs["He"][0]
lesson.claim(
    "initial cost: large random / He",
    cost_ratio,
    target=">= 5",
    holds=cost_ratio >= 5,
)

# %% [markdown]
# With ReLU, zeros are doubly stuck: every hidden activation is `relu(0) = 0`, so no
# weight gets a gradient at all and the net predicts the same for every point. Zeros are
# just the simplest *symmetric* start. Start instead from a constant (every weight 0.5):
# now the weights do move — but all units of a layer receive exactly the same update, so
# they stay copies of each other and the layer acts like a single unit.

# %%
constant_start = circles_net(keras.initializers.Constant(0.5)).get_weights()
constant_costs = gradient_descent(model, constant_start, ITERATIONS)
moved = max(float(np.max(np.abs(w1 - w0))) for w0, w1 in zip(constant_start, model.get_weights()))
constant_difference = max_unit_difference(model.get_weights())
print(
    f"constant start (0.5): the weights moved by up to {moved:.3f}; max difference between "
    f"units {constant_difference:.1e}; train accuracy {accuracy(model, x_train, y_train):.1%}"
)
lesson.claim(
    "constant init (0.5), ReLU net: [largest weight change, max difference between units]",
    [moved, constant_difference],
    target="change > 1e-2, difference < 1e-6",
    holds=moved > 1e-2 and constant_difference < 1e-6,
)

# %%
heatmaps = {"zeros": trained["zeros"], "constant 0.5": model.get_weights(), "He": trained["He"]}
fig, axes = plt.subplots(2, 3, figsize=(12.0, 6.2), height_ratios=(10, 5))
for column, (label, weights) in enumerate(heatmaps.items()):
    rows = [np.c_[weights[i].T, weights[i + 1]] for i in (0, 2)]  # (units, inputs + bias)
    limit = max(max(float(np.max(np.abs(r))) for r in rows), 1e-3)
    for row, (ax, table) in enumerate(zip(axes[:, column], rows)):
        image = ax.imshow(table, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
        inputs = ["x1", "x2"] if row == 0 else [f"a{j + 1}" for j in range(10)]
        ax.set_xticks(range(table.shape[1]), [*inputs, "b"], fontsize=8)
        ax.set_yticks(range(table.shape[0]), [f"{j + 1}" for j in range(table.shape[0])])
        ax.grid(False)
        ax.set(
            xlabel="weight from input x1, x2 or bias b"
            if row == 0
            else "weight from layer-1 unit a1…a10 or bias b",
            ylabel=f"hidden unit of layer {row + 1}",
            title=f"{label}: layer {row + 1} after training" if row == 0 else None,
        )
    zero = " (all exactly 0)" if limit == 1e-3 else ""
    fig.colorbar(image, ax=axes[:, column], location="bottom", shrink=0.8, label="weight" + zero)
fig.suptitle(f"Hidden-layer weights after {ITERATIONS:,} GD iterations: one row per unit")
lesson.savefig(fig, "identical_units")

# %% [markdown]
# Each row is one hidden unit: its weights from the layer below and its bias. From zeros
# (left) every weight is still exactly 0, so the panel is plain white; from the constant
# 0.5 (middle) the weights have moved, but every row is a copy of the one above it: the
# ten units of layer 1 are one unit ten times, and so are the five of layer 2. From He
# (right) every row is different: each unit has learned its own feature. Red is a
# positive weight, blue a negative one; each column of panels has its own colour scale.

# %%
fig, ax = plt.subplots(figsize=(6.6, 4.2))
iterations = np.r_[0, (np.arange(1, len(costs["He"])) - 0.5) * LOG_EVERY]  # block midpoints
for (label, cost), col in zip(
    costs.items(), (plotting.color("reference"), plotting.color("bad"), plotting.color("good"))
):
    ax.semilogy(iterations, cost, "o-", ms=3, color=col, label=label)
ax.set_xlabel("full-batch gradient-descent iteration")
ax.set_ylabel("training cost (mean over each block, log scale)")
ax.set_title(f"Ng's [2, 10, 5, 1] ReLU net on make_circles, learning rate {LEARNING_RATE}")
ax.legend()
lesson.savefig(fig, "ng_costs")

fig, axes = plt.subplots(1, 3, figsize=(12.0, 4.0))
for ax, label in zip(axes, INITS):
    model.set_weights(trained[label])
    plotting.plot_decision_boundary(
        ax,
        lambda grid: keras.ops.convert_to_numpy(model(grid)),
        x_train,
        y_train,
        title=f"{label}\ntrain {results[label][0]:.0%} / test {results[label][1]:.0%}",
        margin=0.3,
    )
axes[0].legend(loc="lower right")
lesson.savefig(fig, "ng_boundaries")

# %% [markdown]
# Zeros: the cost stays at `log 2 ≈ 0.69` and the boundary is "everything is one
# class". Large random: the first cost is enormous (the sigmoid is saturated, and wrong
# half of the time) and it falls slowly. He: a modest start and a circle that fits.
#
# ## 2. Why the variance matters: a 30-layer ReLU network
#
# Now a deep net: 30 hidden ReLU layers of 64 units on the digits (64 pixels in,
# 10 classes out). First, no training at all — feed the dev images forward and look at
# the activations of every layer for Xavier (`1/n`) and He (`2/n`).

# %%
digits = dlcourse.datasets.load_digits(seed=lesson.seed)
deep = {
    name: dlcourse.deep_net(
        (64,), (WIDTH,) * DEPTH, 10, activation="relu", initializer=init, seed=lesson.seed
    )
    for name, init in (("Xavier (1/n)", "xavier"), ("He (2/n)", "he"))
}


def hidden_activations(model, x):
    """The output of every hidden layer, shape (DEPTH, m, WIDTH)."""
    layers = [model.get_layer(f"hidden_{l}").output for l in range(1, DEPTH + 1)]
    return np.stack([backend.to_numpy(a) for a in keras.Model(model.input, layers)(x)])


activations = {name: hidden_activations(model, digits.x_dev) for name, model in deep.items()}
stds = {name: a.reshape(DEPTH, -1).std(axis=1) for name, a in activations.items()}
factors = {name: (s[-1] / s[0]) ** (1 / (DEPTH - 1)) for name, s in stds.items()}  # per layer
for name, factor in factors.items():
    print(
        f"{name:>12}: activation std layer 1 = {stds[name][0]:.3g}, layer {DEPTH} = "
        f"{stds[name][-1]:.3g}; average factor per layer {factor:.3f}"
    )
lesson.claim(
    "He: activation std, average factor per layer (layers 1 → 30)",
    factors["He (2/n)"],
    target="in [0.9, 1.1] (roughly constant)",
    holds=0.9 <= factors["He (2/n)"] <= 1.1,
)
lesson.claim(
    "Xavier 1/n: activation std, average factor per layer (1/√2 = 0.707)",
    factors["Xavier (1/n)"],
    target="in [0.65, 0.76]",
    holds=0.65 <= factors["Xavier (1/n)"] <= 0.76,
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.0), sharey=True)
shown = (1, 5, 10, 20, 30)
bins = np.linspace(-7, 1.5, 60)  # log10 of the activation value
for ax, (name, a) in zip(axes, activations.items()):
    for layer, col in zip(shown, plotting.CYCLE):
        values = a[layer - 1].ravel()
        positive = values[values > 0]  # ReLU: about half are exactly 0
        ax.hist(
            np.log10(positive),
            bins=bins,
            histtype="step",
            lw=1.6,
            color=col,
            density=True,
            label=f"layer {layer}",
        )
    ax.set_xlabel("activation value (log10; the zeros of ReLU left out)")
    ax.set_title(f"{name}: activations per layer at initialization")
axes[0].set_ylabel("density")
axes[1].legend()
lesson.savefig(fig, "activation_histograms")

fig, ax = plt.subplots(figsize=(6.6, 4.2))
layers = np.arange(1, DEPTH + 1)
for (name, s), col in zip(stds.items(), (plotting.color("bad"), plotting.color("good"))):
    ax.semilogy(layers, s, "o", ms=4, color=col, label=f"{name}, measured")
ax.semilogy(
    layers,
    stds["He (2/n)"][0] * np.ones(DEPTH),
    "-",
    lw=1,
    color=plotting.color("reference"),
    label="constant (He et al.)",
)
ax.semilogy(
    layers,
    stds["Xavier (1/n)"][0] * 2.0 ** (-(layers - 1) / 2),
    "--",
    lw=1,
    color=plotting.color("reference"),
    label="shrinks by 1/√2 per layer",
)
ax.set_xlabel("hidden layer l")
ax.set_ylabel("std of the activations (log scale)")
ax.set_title(f"{DEPTH} ReLU layers of {WIDTH} units at initialization")
ax.legend()
lesson.savefig(fig, "activation_std")

# %% [markdown]
# In the histograms (Glorot & Bengio's way of looking at a network), He's layers lie on
# top of each other; Xavier's slide to the left, a factor `√2` per layer, until the 30th
# layer's activations are about `2^-14.5 ≈ 4·10⁻⁵` times the first's (measured: see the
# printed factor). The std plot shows
# the same as two straight lines on a log scale: exactly what `Var[y_l] =
# ½·n·Var[w]·Var[y_{l−1}]` predicts.
#
# ## 3. Training the two deep nets
#
# Same network, same data, same optimizer (plain SGD, learning rate 0.03, batches of 16,
# the gradient's global norm clipped to 1 so that no single step explodes) and the same budget;
# only the initial weights differ. As before, one compiled model trains from both
# starting points.

# %%
batches = (
    tf.data.Dataset.from_tensor_slices((digits.x_train, digits.y_train))
    .shuffle(len(digits.x_train), seed=lesson.seed)
    .repeat()
    .batch(DEEP_BATCH)
)
steps = len(digits.x_train) // DEEP_BATCH
trainer = deep["He (2/n)"]
trainer.compile(
    optimizer=keras.optimizers.SGD(DEEP_LEARNING_RATE, global_clipnorm=1.0),
    loss="sparse_categorical_crossentropy",
    steps_per_execution=backend.steps_per_execution(steps),
)
initial = {name: model.get_weights() for name, model in deep.items()}
curves, dev_accuracy = {}, {}
for name in deep:
    trainer.set_weights(initial[name])
    curves[name] = trainer.fit(
        batches, steps_per_epoch=steps, epochs=DEEP_EPOCHS, shuffle=False, verbose=0
    ).history
    scores = backend.to_numpy(trainer(digits.x_dev))  # (m, 10)
    dev_accuracy[name] = float(np.mean(np.argmax(scores, axis=1) == digits.y_dev))
    print(f"{name:>12}: dev accuracy after {DEEP_EPOCHS} epochs {dev_accuracy[name]:.1%}")

gap = 100 * (dev_accuracy["He (2/n)"] - dev_accuracy["Xavier (1/n)"])
lesson.claim(
    f"{DEPTH}-layer ReLU net, dev accuracy after {DEEP_EPOCHS} epochs: He minus Xavier (points)",
    gap,
    target=">= 20 points",
    holds=gap >= 20,
)

# %%
fig, ax_loss = plt.subplots(figsize=(7.6, 4.2))
epochs = np.arange(1, DEEP_EPOCHS + 1)
colors = (plotting.color("bad"), plotting.color("good"))
for (name, history), col in zip(curves.items(), colors):
    ax_loss.plot(
        epochs,
        history["loss"],
        "o-",
        ms=4,
        color=col,
        label=f"{name}: dev accuracy {dev_accuracy[name]:.0%} after {DEEP_EPOCHS} epochs",
    )
ax_loss.axhline(
    np.log(10),
    color=plotting.color("reference"),
    ls="--",
    lw=1,
    label="log 10 (a uniform guess over 10 classes)",
)
ax_loss.set_ylim(0, None)  # from zero: how far the He net gets below the plateau
ax_loss.set_xlabel("epoch")
ax_loss.xaxis.get_major_locator().set_params(integer=True)
ax_loss.set_ylabel("training cost (cross-entropy, mean over the epoch)")
ax_loss.set_title(f"{DEPTH} ReLU layers of {WIDTH} units, same SGD budget: training cost")
ax_loss.legend(loc="lower left")
lesson.savefig(fig, "deep_training")

# %% [markdown]
# The Xavier net sits at `log 10` — a uniform guess over ten classes — for the whole
# budget, and its dev accuracy (in the legend) stays at chance: its last layers see a
# signal 10⁻⁴ times too small and pass back gradients just as small. The He net leaves
# that plateau within the first epochs and keeps falling. This is He et al.'s
# observation: their 30-layer ReLU network stalls with Xavier's scaling and converges
# with theirs. (At about 20 layers both eventually train, He earlier.)
#
# ## What to remember
#
# - Never initialize weights to zero: the units of a layer stay identical (symmetry).
#   Zero biases are fine.
# - Too large is bad too: saturated outputs, a huge initial cost, slow training.
# - Scale the variance to the layer's fan-in: `Var(w) = 2/n[l−1]` (He) for ReLU,
#   `1/n[l−1]` (Xavier) for tanh. `dlcourse.He`, `dlcourse.Xavier`, or
#   `initializer="he"` in the builders; the scale is itself a hyper-parameter.
# - The right scale keeps the activations' spread constant through depth; a wrong one
#   changes it geometrically, and deep nets then barely train.

# %%
lesson.finish()
