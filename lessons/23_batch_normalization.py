"""Batch normalization

Ng's batch norm: per mini-batch and per unit, normalize a layer's `z` to mean 0 and
variance 1, then scale and shift it with learned `γ` and `β` (which replace the bias);
at test time use exponentially weighted averages of the mini-batch statistics. Builds
the formulas from scratch, checks them against `keras.layers.BatchNormalization`, and
trains a deep sigmoid net with and without it (`dlcourse.deep_net(..., batch_norm=True)`).

Claim: scratch batch norm = Keras in training and inference (< 1e-10; 1e-4 on JAX and PyTorch, where Keras computes it in float32); the running statistics reach the population's (< 10%); with batch norm the sigmoid net reaches the target loss in ≥ 3× fewer steps and at more learning rates.
"""

# %% [markdown]
# Normalizing the inputs speeds up learning (lesson 16). Batch normalization does the
# same for the *hidden* layers (Ioffe & Szegedy 2015; Ng, course 2, week 3). For one
# layer's pre-activations `z⁽ⁱ⁾` over a mini-batch of `m` examples, per unit:
#
# `μ = (1/m) Σ z⁽ⁱ⁾`, `σ² = (1/m) Σ (z⁽ⁱ⁾ − μ)²`, `z_norm = (z − μ) / √(σ² + ε)`,
# `z̃ = γ z_norm + β`,
#
# and the activation is computed from `z̃`. `γ` and `β` are learned like weights, so the
# layer can still choose any mean and spread; the bias `b` becomes redundant (subtracting
# μ removes it) and `β` takes its place. At test time a single example has no mini-batch,
# so μ and σ² come from **exponentially weighted averages** over the training
# mini-batches (lesson 06's EWA). Why it helps: each layer's inputs keep a stable
# distribution while the earlier layers learn (less "covariate shift"), and the batch
# statistics add a little noise, a slight regularization.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)

DEPTH, WIDTH = 4, 64  # hidden sigmoid layers and units per layer
BATCH_SIZE = 64
EPOCHS = lesson.pick(full=60, quick=40)  # the training budget of every run
LEARNING_RATES = lesson.pick(full=[0.1, 0.3, 1.0, 3.0, 10.0, 30.0], quick=[1.0, 3.0, 10.0])
TARGET = 0.5  # target training loss (chance level is ln 10 ≈ 2.30)
SHOWN_RATE = 1.0  # the learning rate whose activations we draw
EWA_BATCHES = 800  # mini-batches for the running statistics (NumPy: cheap)
KERAS_BATCHES = 100  # of them also fed to the Keras layer (each call is slow, eagerly)
MOMENTUM = 0.99  # Keras's default: the EWA's β

# %% [markdown]
# ## 1. The data and the two nets
#
# The digits (64 pixels, 10 classes), normalized with the training statistics. Both nets
# come from `dlcourse.deep_net` with four hidden sigmoid layers of 64 units and Xavier
# initialization (the vanishing-gradient setting of lesson 17); `batch_norm=True` builds
# each hidden layer in Ng's order: `Dense` without bias → `BatchNormalization` →
# sigmoid.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
mean, std = data.x_train.mean(axis=0), data.x_train.std(axis=0) + 1e-8
x_train = ((data.x_train - mean) / std).astype("float32")  # (m, 64)
y_train = data.y_train
STEPS_PER_EPOCH = -(-len(x_train) // BATCH_SIZE)


def build(batch_norm):
    model = dlcourse.deep_net(
        (64,),
        (WIDTH,) * DEPTH,
        10,
        activation="sigmoid",
        initializer="xavier",
        batch_norm=batch_norm,
        seed=lesson.seed,
    )
    # The output layer gives the logits z; the loss applies the softmax itself
    # (`from_logits=True`), so a confidently wrong prediction keeps its gradient. From
    # probabilities, Keras clips them to [1e-7, 1 − 1e-7] on JAX and PyTorch, and a net that
    # a large first step saturates stays stuck (TensorFlow's Keras takes the logits anyway).
    model.get_layer("output").activation = keras.activations.linear
    return model


print([layer.name for layer in build(True).layers[1:5]], "…")
sample = x_train[lesson.rng.choice(len(x_train), 256, replace=False)]  # (256, 64), for the pictures


def pre_activations(model):
    """What enters each sigmoid on `sample`: z (no batch norm) or z̃ (batch statistics)."""
    a, values = sample.astype("float64"), []
    for k in range(1, DEPTH + 1):
        dense = model.get_layer(f"hidden_{k}")
        z = a @ keras.ops.convert_to_numpy(dense.kernel)  # (256, WIDTH)
        if dense.use_bias:
            z = z + keras.ops.convert_to_numpy(dense.bias)
        else:
            bn = model.get_layer(f"batch_norm_{k}")
            gamma, beta = (keras.ops.convert_to_numpy(w)[:, None] for w in (bn.gamma, bn.beta))
            z = scratch.batchnorm_forward(z.T, gamma, beta, epsilon=bn.epsilon)[0].T
        values.append(z)
        a = scratch.sigmoid(z)
    return values


# %% [markdown]
# ## 2. Training with and without batch norm, at several learning rates
#
# Plain SGD, mini-batches of 64 (17 updates per epoch), the same budget of epochs for
# every run. We count the updates until the training loss (the mean over an epoch's
# mini-batches, as `fit` reports it) first falls below the target, and for one learning
# rate we record what enters each layer's sigmoid after every epoch.


# %%
nets = {batch_norm: build(batch_norm) for batch_norm in (False, True)}
initial_weights = {batch_norm: net.get_weights() for batch_norm, net in nets.items()}
for net in nets.values():  # compiled once: every run below reuses the traced training step
    net.compile(
        optimizer=keras.optimizers.SGD(1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        steps_per_execution=backend.steps_per_execution(STEPS_PER_EPOCH),
    )


def train(batch_norm, learning_rate, record=False):
    """Train from the initial weights at `learning_rate`; updates to TARGET and snapshots."""
    model = nets[batch_norm]
    model.set_weights(initial_weights[batch_norm])  # also resets the moving statistics
    model.optimizer.learning_rate = learning_rate
    snapshots = [pre_activations(model)] if record else []
    on_epoch_end = lambda epoch, logs: snapshots.append(pre_activations(model))  # noqa: E731
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)] if record else []
    data_set = dlcourse.datasets.to_dataset(x_train, y_train, BATCH_SIZE, seed=lesson.seed)
    history = model.fit(data_set, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=callbacks)
    loss = np.array(history.history["loss"])
    reached = np.flatnonzero(loss <= TARGET)  # nan (diverged) never counts
    return (reached[0] + 1) * STEPS_PER_EPOCH if reached.size else np.inf, snapshots


BUDGET = EPOCHS * STEPS_PER_EPOCH
steps_to_target, snapshots, trained_weights = {}, {}, {}
for batch_norm in (False, True):
    for rate in LEARNING_RATES:
        record = rate == SHOWN_RATE
        steps_to_target[batch_norm, rate], shots = train(batch_norm, rate, record)
        if record:
            snapshots[batch_norm] = shots
            trained_weights[batch_norm] = nets[batch_norm].get_weights()
    row = [steps_to_target[batch_norm, r] for r in LEARNING_RATES]
    print(
        f"batch_norm={batch_norm!s:>5}: updates to loss {TARGET} at α = {LEARNING_RATES}: {[float(s) for s in row]}"
    )

# %%
fig, axes = plt.subplots(2, DEPTH, figsize=(12, 5.6), sharex=True, sharey=True)
epochs = np.arange(EPOCHS + 1)
for row, batch_norm in enumerate((False, True)):
    for k, ax in enumerate(axes[row]):
        values = np.array([shot[k] for shot in snapshots[batch_norm]])  # (epochs+1, 256, WIDTH)
        flat = values.reshape(len(values), -1)
        low, median, high = np.percentile(flat, [10, 50, 90], axis=1)
        col = plotting.color("green" if batch_norm else "red")
        ax.fill_between(epochs, low, high, color=col, alpha=0.25)
        ax.plot(epochs, median, color=col, lw=1.8)
        ax.set_title(
            f"layer {k + 1}, {'with' if batch_norm else 'without'} batch norm", fontsize=10
        )
        if row == 1:
            ax.set_xlabel("epoch")
    axes[row, 0].set_ylabel("z̃ (batch norm)" if batch_norm else "z = W a + b")
fig.suptitle(
    f"What enters each sigmoid during training (α = {SHOWN_RATE:g}; 256 training examples × "
    f"{WIDTH} units)\nline: median; band: 10th to 90th percentile",
    fontweight="bold",
)
lesson.savefig(fig, "activation_distributions")

# %% [markdown]
# Top row, without batch norm: the inputs of the sigmoids drift while the net learns —
# medians move and the bands widen severalfold as the weights grow, so every layer has to
# keep adapting to the moving output of the layer before it (Ng's "covariate shift").
# Bottom row, with batch norm: each unit's `z̃` has mean `β` and spread `γ` over the
# batch, whatever the earlier layers do; the bands move only as fast as `γ` and `β`
# learn, so each layer sees inputs of a stable distribution.

# %%
fig, ax = plt.subplots(figsize=(6.8, 4.4))
ceiling = 1.6 * BUDGET  # runs that did not reach the target are drawn near here, ...
for batch_norm, col, marker in ((False, "red", "s"), (True, "green", "o")):
    steps = np.array([steps_to_target[batch_norm, r] for r in LEARNING_RATES], dtype=float)
    done = np.isfinite(steps)
    label = "with batch norm" if batch_norm else "without batch norm"
    ax.loglog(
        np.array(LEARNING_RATES)[done],
        steps[done],
        marker + "-",
        color=plotting.color(col),
        ms=7,
        label=label,
    )
    ax.plot(
        np.array(LEARNING_RATES)[~done],
        np.full((~done).sum(), ceiling * (1.2 if batch_norm else 1 / 1.2)),  # ... apart
        marker,
        mfc="none",
        mew=2,
        ms=9,
        color=plotting.color(col),
        label=f"{label}: not reached",
    )
ax.axhline(
    BUDGET, color=plotting.color("reference"), ls="--", lw=1, label=f"budget: {BUDGET} updates"
)
ax.set_ylim(STEPS_PER_EPOCH, 2.5 * BUDGET)
ax.set_xlabel("learning rate α (log scale)")
ax.set_ylabel(f"SGD updates to training loss {TARGET} (log scale)")
ax.set_title("Steps to the target loss against the learning rate")
fig.legend(loc="outside right center")
lesson.savefig(fig, "steps_to_target")

best = {bn: min(steps_to_target[bn, r] for r in LEARNING_RATES) for bn in (False, True)}
ratio = best[False] / best[True]
lesson.claim(
    f"updates to loss {TARGET} at each net's best α: without / with batch norm",
    [float(best[False]), float(best[True])],
    target="ratio ≥ 3",
    holds=ratio >= 3,
)
reached = {
    bn: [r for r in LEARNING_RATES if np.isfinite(steps_to_target[bn, r])] for bn in (False, True)
}
lesson.claim(
    f"learning rates (of {LEARNING_RATES}) that reach the target within {BUDGET} updates: without, with",
    [reached[False], reached[True]],
    target="with batch norm: more, and every rate that works without",
    holds=len(reached[True]) > len(reached[False]) and set(reached[False]) <= set(reached[True]),
)

# %% [markdown]
# Runs that never reached the target within the budget are the open markers above the
# dashed budget line, the plain net's squares a little below the batch-norm net's circles,
# so where both fail at the same α (α = 30 in full mode) both markers show.
#
# At its best learning rate the net without batch norm needs hundreds of updates to leave
# the plateau at chance level (the loss sits near `ln 10` while the small gradients of the
# deep sigmoids slowly grow); with batch norm a few dozen are enough. Batch norm also
# widens the range of learning rates that work: too small an α is too slow for the plain
# net within the budget, too large an α makes it diverge or saturate, while the
# normalized net trains over a range of learning rates several times wider. (With
# `DEPTH = 10`, lesson 17's depth, the plain net did not leave the plateau within this
# budget at any α from 0.1 to 10 when we tried it while writing this lesson.)
#
# ## 3. The formulas from scratch, checked against Keras
#
# `dlcourse.scratch.batchnorm` writes Ng's formulas with examples as columns. We feed the
# same mini-batches — the last hidden layer's `z` of the trained batch-norm net — to it
# and (the first 100) to a fresh `keras.layers.BatchNormalization(momentum=0.99)` with the
# trained `γ`, `β` (in float64): the outputs in training mode, the running averages
# (Keras's `moving_mean` and `moving_variance`, starting at 0 and 1), and the outputs in
# inference mode must agree. And since the weights are now fixed, the running averages should
# converge to the **population** statistics of `z` over the whole training set.

# %%
model = nets[True]
model.set_weights(trained_weights[True])  # the batch-norm net trained at SHOWN_RATE
z_model = keras.Model(model.inputs, model.get_layer(f"hidden_{DEPTH}").output)
z_all = (
    keras.ops.convert_to_numpy(z_model.predict(x_train, verbose=0)).astype("float64").T
)  # (n, m)
mu_population, var_population = z_all.mean(axis=1, keepdims=True), z_all.var(axis=1, keepdims=True)
trained = model.get_layer(f"batch_norm_{DEPTH}")
gamma, beta = (
    keras.ops.convert_to_numpy(w).astype("float64")[:, None] for w in (trained.gamma, trained.beta)
)
with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    layer = keras.layers.BatchNormalization(momentum=MOMENTUM, dtype="float64")
    layer.build((None, WIDTH))
    layer.set_weights([gamma[:, 0], beta[:, 0], np.zeros(WIDTH), np.ones(WIDTH)])

    running_mean, running_var = np.zeros((WIDTH, 1)), np.ones((WIDTH, 1))
    train_gap, errors, rng = 0.0, [], lesson.rng
    for t in range(1, EWA_BATCHES + 1):
        batch = z_all[:, rng.choice(z_all.shape[1], BATCH_SIZE, replace=False)]  # (n, 64)
        z_tilde, mu, var = scratch.batchnorm_forward(batch, gamma, beta, epsilon=layer.epsilon)
        running_mean = scratch.ewa_update(running_mean, mu, MOMENTUM)
        running_var = scratch.ewa_update(running_var, var, MOMENTUM)
        errors.append(
            [
                np.max(np.abs(running_mean - mu_population) / np.sqrt(var_population)),
                np.max(np.abs(running_var / var_population - 1)),
            ]
        )
        if t <= KERAS_BATCHES:
            keras_out = keras.ops.convert_to_numpy(layer(batch.T, training=True)).T
            train_gap = max(train_gap, float(np.max(np.abs(z_tilde - keras_out))))
        if t == KERAS_BATCHES:  # compare the running statistics and inference at this point
            moving = [
                keras.ops.convert_to_numpy(v)[:, None]
                for v in (layer.moving_mean, layer.moving_variance)
            ]
            stats_gap = max(
                float(np.max(np.abs(running_mean - moving[0]))),
                float(np.max(np.abs(running_var - moving[1]))),
            )
            test = z_all[:, :10]
            ours = scratch.batchnorm_inference(
                test, gamma, beta, running_mean, running_var, epsilon=layer.epsilon
            )
            theirs = keras.ops.convert_to_numpy(layer(test.T, training=False)).T
            inference_gap = float(np.max(np.abs(ours - theirs)))
# float64 agrees to round-off on TensorFlow. Off TensorFlow, Keras's BatchNormalization
# computes in `keras.backend.result_type(dtype, "float32")`, which Keras makes float32 on
# JAX and PyTorch even for float64 layers: there "agree" can only mean to float32 round-off
# (ε ≈ 1.2e-7 times values of z̃ up to about 10, over a few operations).
EXACT = 1e-10 if keras.backend.result_type("float64", "float32") == "float64" else 1e-4
lesson.claim(
    f"scratch vs Keras BatchNormalization over {KERAS_BATCHES} mini-batches: training outputs, "
    "running mean/variance, inference outputs (max abs difference)",
    [train_gap, stats_gap, inference_gap],
    target=f"all < {EXACT:g}",
    holds=max(train_gap, stats_gap, inference_gap) < EXACT,
)
errors = np.array(errors)
lesson.claim(
    f"after {EWA_BATCHES} mini-batches: max |running mean − μ| / σ and max |running var / σ² − 1| over the units",
    errors[-1].tolist(),
    target="both < 0.1",
    holds=np.all(errors[-1] < 0.1),
)

# %%
fig, ax = plt.subplots(figsize=(6.8, 4.2))
batches = np.arange(1, EWA_BATCHES + 1)
ax.semilogy(
    batches, errors[:, 0], color=plotting.color("blue"), label="mean: max |running − μ| / σ"
)
ax.semilogy(
    batches, errors[:, 1], color=plotting.color("orange"), label="variance: max |running / σ² − 1|"
)
ax.semilogy(
    batches,
    errors[0, 0] * MOMENTUM ** (batches - 1),
    color=plotting.color("reference"),
    ls="--",
    label=f"∝ {MOMENTUM}^t: the weight left on the start",
)
ax.axhline(0.1, color=plotting.color("black"), lw=0.8, ls=":", label="claim: 0.1")
ax.set_xlabel("training mini-batches t")
ax.set_ylabel("relative error, worst unit (log scale)")
ax.set_title(f"Running (EWA) statistics of layer {DEPTH} vs its population statistics")
fig.legend(loc="outside lower center", ncols=2)
lesson.savefig(fig, "running_statistics")

# %% [markdown]
# The running averages start at Keras's 0 and 1 and forget that start like `0.99^t` (the
# dashed line), then settle into a band around the population values whose width is set
# by the noise of 64-example batches averaged over roughly `1/(1 − β) = 100` of them. Our
# NumPy and Keras agree to rounding error in every step: `momentum` in Keras is exactly
# the EWA's β.
#
# ## What to remember
#
# - Batch norm, per mini-batch and unit: `z_norm = (z − μ)/√(σ² + ε)`, `z̃ = γ z_norm + β`,
#   applied to `z` before the activation; the layer needs no bias.
# - At test time: μ and σ² from exponentially weighted averages over training
#   mini-batches (`BatchNormalization(momentum=β)`).
# - `dlcourse.deep_net(..., batch_norm=True)` builds Ng's order. With it, the deep sigmoid
#   net here trained several times faster and over a wider range of learning rates.

# %%
lesson.finish()
