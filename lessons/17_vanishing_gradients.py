"""Vanishing and exploding gradients

Shows why very deep networks were hard to train: in a deep linear net the signal
grows or shrinks like a power of the weight scale, and in a deep sigmoid net the
first layers receive gradients thousands of times smaller than the last ones,
while ReLU with He initialization keeps them within one order of magnitude.

Claim: a deep linear net grows exactly like 1.5^L and shrinks like 0.5^L; the sigmoid net's first/last-layer gradient ratio is < 1e-3; ReLU + He keeps it within [0.1, 10].
"""

# %% [markdown]
# Take a deep network with `L` layers and, to see the mechanism clearly, make it
# *linear* (no activation, no bias) with every weight matrix equal to `c·I`. Then the
# output is `ŷ = c^L · x`: with `c = 1.5` the activations (and the gradients, which go
# through the same matrices backwards) **explode** like `1.5^L`; with `c = 0.5` they
# **vanish** like `0.5^L`. Real networks are not linear, but the same multiplication
# of many per-layer factors happens in both passes (Ng, course 2, week 1).
#
# Sigmoid makes it worse: its derivative is at most ¼, so every layer multiplies the
# back-propagated gradient by a factor well below one, and the first layers of a deep
# sigmoid net barely learn. ReLU's derivative is 1 where it is active, and He
# initialization (`Var(w) = 2/n[l−1]`) is chosen so that the signal keeps its size
# through depth.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting
from dlcourse.lesson import start

lesson = start(__file__)

MAX_DEPTH = lesson.pick(full=50, quick=30)  # layers of the deep linear net
WIDTH = 64  # units per hidden layer (digits have 64 input pixels)
DEPTH = 10  # hidden layers of the sigmoid / ReLU nets
TRAIN_EPOCHS = lesson.pick(full=15, quick=3)

# %% [markdown]
# ## 1. A deep linear network: exact powers
#
# We build the linear net from ordinary Keras `Dense` layers (float64, no bias) whose
# kernels are set to `c·I`, feed a random input, and compare the size of the
# activation after each layer with `c^l`.


# %%
def linear_chain(scale, depth, width=8):
    """A `depth`-layer linear Keras net whose kernels are all `scale * I` (float64)."""
    inputs = keras.Input((width,), dtype="float64")
    x = inputs
    for _ in range(depth):
        layer = keras.layers.Dense(width, use_bias=False, dtype="float64")
        x = layer(x)
        layer.set_weights([scale * np.eye(width)])
    return keras.Model(inputs, x)


def norm(tensor):
    """The Euclidean (Frobenius) norm, in NumPy float64 on every backend."""
    return float(np.linalg.norm(keras.ops.convert_to_numpy(tensor)))


def activation_growth(scale, depth):
    """||a[l]|| / ||x|| for l = 1..depth, and d(sum a[L])/dx's norm growth."""
    model = linear_chain(scale, depth)
    x = keras.ops.convert_to_tensor(lesson.rng.normal(size=(1, 8)), "float64")
    ratios, a = [], x
    for layer in model.layers[1:]:
        a = layer(a)
        ratios.append(norm(a) / norm(x))
    _, grad = backend.value_and_grad(lambda x: keras.ops.sum(model(x)), x)
    grad_growth = norm(grad) / np.sqrt(8)
    return np.array(ratios), grad_growth


depths = np.arange(1, MAX_DEPTH + 1)
# float64 is exact to round-off (~1e-16) on TensorFlow and JAX; on PyTorch Keras computes a
# float64 matmul in float32, so there "exactly" can only mean to float32 round-off.
EXACT = 1e-9 if keras.backend.backend() != "torch" else 1e-6
growth = {}
for scale in (1.5, 0.5):
    with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this call
        ratios, grad_growth = activation_growth(scale, MAX_DEPTH)
    growth[scale] = ratios
    relative_error = np.max(np.abs(ratios - scale**depths) / scale**depths)
    lesson.claim(
        f"||a[l]||/||x|| equals {scale}^l for l = 1..{MAX_DEPTH} (max relative error)",
        relative_error,
        target=f"< {EXACT:g}",
        holds=relative_error < EXACT,
    )
    grad_error = abs(grad_growth - scale**MAX_DEPTH) / scale**MAX_DEPTH
    lesson.claim(
        f"the gradient wrt the input also scales as {scale}^L (relative error)",
        grad_error,
        target=f"< {EXACT:g}",
        holds=grad_error < EXACT,
    )

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for scale, col in ((1.5, plotting.color("bad")), (0.5, plotting.color("train"))):
    ax.semilogy(depths, growth[scale], "o", ms=4, color=col, label=f"measured, W = {scale}·I")
    ax.semilogy(
        depths, scale**depths, "-", color=plotting.color("reference"), lw=1, label=f"{scale}$^l$"
    )
ax.set_xlabel("layer l")
ax.set_ylabel("activation size ||a[l]|| / ||x||  (log scale)")
ax.set_title("Deep linear net: activations explode or vanish exponentially")
ax.legend()
lesson.savefig(fig, "linear_powers")

# %% [markdown]
# The dots sit exactly on the lines: after 30 layers the activations have grown by
# `1.5^30 ≈ 1.9·10^5` or shrunk by `0.5^30 ≈ 9·10^-10`. A weight scale only slightly
# away from 1 is enough, because it is raised to the power of the depth.
#
# ## 2. A 10-layer sigmoid net versus ReLU with He initialization
#
# Now real networks on the digits: ten hidden layers of 64 units, built with
# `dlcourse.deep_net`. We compute the gradient of the cross-entropy cost with respect
# to every layer's kernel at initialization and compare their sizes.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
mean, std = data.x_train.mean(axis=0), data.x_train.std(axis=0) + 1e-8
x_train = (data.x_train - mean) / std  # normalized with the training statistics
x_dev = (data.x_dev - mean) / std

CONFIGS = {
    "sigmoid + Xavier": dict(activation="sigmoid", initializer="xavier"),
    "ReLU + He": dict(activation="relu", initializer="he"),
}


def build(config):
    return dlcourse.deep_net(
        (64,), hidden_units=(WIDTH,) * DEPTH, num_classes=10, seed=lesson.seed, **CONFIGS[config]
    )


def kernel_gradient_norms(model, x, y):
    """Frobenius norm of dJ/dW[l] for each hidden layer l = 1..DEPTH."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    kernels = [model.get_layer(f"hidden_{l}").kernel for l in range(1, DEPTH + 1)]
    _, grads = backend.variable_value_and_grad(lambda: loss_fn(y, model(x, training=True)), kernels)
    return np.array([norm(g) for g in grads])


norms = {config: kernel_gradient_norms(build(config), x_train, data.y_train) for config in CONFIGS}
ratios = {config: norms[config][0] / norms[config][-1] for config in CONFIGS}
for config, ratio in ratios.items():
    print(f"{config:>16}: first-layer / last-layer gradient norm = {ratio:.3g}")

lesson.claim(
    "sigmoid net (Xavier): ||dW[1]|| / ||dW[10]|| at initialization",
    ratios["sigmoid + Xavier"],
    target="< 1e-3",
    holds=ratios["sigmoid + Xavier"] < 1e-3,
)
relu_ratio = ratios["ReLU + He"]
lesson.claim(
    "ReLU net (He): ||dW[1]|| / ||dW[10]|| at initialization",
    relu_ratio,
    target="in [0.1, 10]",
    holds=0.1 <= relu_ratio <= 10,
)

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
layers = np.arange(1, DEPTH + 1)
for config, col in zip(CONFIGS, (plotting.color("bad"), plotting.color("good"))):
    ax.semilogy(layers, norms[config], "o-", color=col, label=config)
ax.set_xticks(layers)
ax.set_xlabel("hidden layer l (1 = closest to the input)")
ax.set_ylabel("||dJ/dW[l]||  (log scale)")
ax.set_title("Gradient size per layer at initialization (10 hidden layers)")
ax.legend()
lesson.savefig(fig, "gradient_norms")

# %% [markdown]
# Read the sigmoid curve from right to left, the way back-propagation goes: every
# layer multiplies the gradient by `σ'(z) ≤ ¼` times the weights, so it falls by
# orders of magnitude before it reaches the first layer. The ReLU + He curve stays
# flat: those layers all learn at the same pace.
#
# ## 3. What it does to training
#
# Same two networks, same optimizer and budget, trained with `fit`. A small callback
# takes a snapshot of every layer's gradient norm `||dJ/dW[l]||` on the whole training
# set before training and after some of the epochs: does training itself fix the
# imbalance, or does it persist?

# %%
SNAPSHOTS = [epoch for epoch in (1, 3, 8, TRAIN_EPOCHS) if epoch <= TRAIN_EPOCHS]


class GradientSnapshots(keras.callbacks.Callback):
    """Records ||dJ/dW[l]|| for every hidden layer before training and after `epochs`."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs, self.norms = set(epochs), {}

    def on_train_begin(self, logs=None):
        self.norms[0] = kernel_gradient_norms(self.model, x_train, data.y_train)

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 in self.epochs:
            self.norms[epoch + 1] = kernel_gradient_norms(self.model, x_train, data.y_train)


histories, snapshots = {}, {}
for config in CONFIGS:
    model = build(config)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    recorder = GradientSnapshots(SNAPSHOTS)
    histories[config] = model.fit(
        x_train,
        data.y_train,
        validation_data=(x_dev, data.y_dev),
        epochs=TRAIN_EPOCHS,
        batch_size=32,
        verbose=0,
        callbacks=[recorder],
    ).history
    snapshots[config] = recorder.norms
    print(
        f"{config:>16}: dev accuracy after {TRAIN_EPOCHS} epochs = "
        f"{histories[config]['val_accuracy'][-1]:.3f}; first/last-layer gradient ratio by epoch: "
        + ", ".join(f"{e}: {n[0] / n[-1]:.2g}" for e, n in recorder.norms.items())
    )

trained_ratio = max(n[0] / n[-1] for n in snapshots["sigmoid + Xavier"].values())
lesson.claim(
    f"sigmoid net: largest ||dW[1]|| / ||dW[10]|| over the snapshots while training (epochs "
    f"{', '.join(map(str, snapshots['sigmoid + Xavier']))})",
    trained_ratio,
    target="< 1e-3",
    holds=trained_ratio < 1e-3,
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2), sharey=True)
shades = plt.get_cmap("viridis_r")(np.linspace(0.15, 0.95, len(SNAPSHOTS) + 1))  # light → dark
for ax, config in zip(axes, CONFIGS):
    for (epoch, norm), shade in zip(snapshots[config].items(), shades):
        ax.semilogy(
            layers,
            norm,
            "o-",
            ms=3.5,
            color=shade,
            label="initialization" if epoch == 0 else f"after epoch {epoch}",
        )
    ax.set_xticks(layers)
    ax.set_xlabel("hidden layer l (1 = closest to the input)")
    ax.set_title(f"{config}: during training")
axes[0].set_ylabel("||dJ/dW[l]||  on the training set (log scale)")
axes[1].legend(loc="center left", bbox_to_anchor=(1.01, 0.5), title="snapshot")
fig.suptitle(
    "Gradient size per layer while fit() trains (SGD, learning rate 0.1, batches of 32)",
    fontweight="bold",
)
lesson.savefig(fig, "gradient_norms_training")

# %% [markdown]
# Training does not cure vanishing gradients. In the sigmoid net (left) every snapshot
# keeps the same steep slope (the ones taken during training lie almost on top of each
# other): the first layer's gradient stays orders of magnitude below the last one's for
# the whole run, so the first layers stay close to their random start. In the ReLU + He
# net (right) the curves stay roughly flat while their level moves with the cost, so
# every layer keeps learning at a comparable pace.

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
for config, col in zip(CONFIGS, (plotting.color("bad"), plotting.color("good"))):
    epochs = np.arange(1, TRAIN_EPOCHS + 1)
    ax.plot(epochs, histories[config]["val_accuracy"], "o-", color=col, label=config)
ax.axhline(0.1, color=plotting.color("reference"), ls="--", lw=1, label="chance (10 classes)")
ax.set_ylim(0, 1)
ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
ax.set_xlabel("epoch")
ax.set_ylabel("dev accuracy")
ax.set_title("10 hidden layers, SGD (learning rate 0.1), digits")
ax.legend(loc="center right")
lesson.savefig(fig, "training")

# %% [markdown]
# The sigmoid net's first layers hardly move, so it learns slowly (here: not at all
# within the budget); the ReLU + He net trains.
#
# ## What to remember
#
# - In a deep net, the forward signal and the backward gradient are products of one
#   factor per layer: factors above 1 explode, below 1 vanish — exponentially in depth.
# - Sigmoid's derivative is at most ¼, so deep sigmoid nets starve their first layers
#   of gradient; ReLU with He initialization (`Var(w) = 2/n[l−1]`) keeps every layer's
#   gradient of the same size.
# - Careful initialization (lesson 18) is a partial fix; ReLU-like activations, batch
#   normalization and residual connections are the others.

# %%
lesson.finish()
