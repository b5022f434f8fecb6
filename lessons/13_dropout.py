"""Dropout

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
"""

# %% [markdown]
# Dropout (Srivastava et al., 2014) regularizes the units instead of the weights: on
# every training step each hidden unit is switched off with probability `1 − keep_prob`,
# so the network cannot rely on any single unit and spreads its weights out — an effect
# similar to L2 (Ng). Ng's **inverted dropout**, for one layer's activations `a`:
#
# ```
# d = np.random.rand(*a.shape) < keep_prob   # keep each unit with probability keep_prob
# a = a * d / keep_prob                      # ... and scale the survivors up
# ```
#
# The division keeps the expected value of `a` unchanged (Udacity: with keep 0.5, double
# the kept activations), so at test time we do nothing. The older, *non-inverted*
# dropout skips the division; then test-time activations are `1/keep_prob` times larger
# than in training, unless the weights are scaled by `keep_prob` (Lee: "multiply the
# weights by (1 − p)%").

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)

KEEP_PROB = 0.8  # for the statistics of sections 1-2
DRAWS = 400  # dropout masks drawn to measure expectations
M_TRAIN, M_DEV = 211, 1000  # Ng's 211 training points; a large dev set
HIDDEN_UNITS = (32, 32)  # ReLU hidden layers (He initialization)
CONFIGS = {
    "no dropout": (1.0, 1.0),
    "keep_prob (0.86, 0.86), Ng's": (0.86, 0.86),  # per
    "keep_prob (0.9, 0.5), per layer": (0.9, 0.5),
}  # layer: (hidden_1, hidden_2)
MODEL_SEEDS = lesson.pick(full=3, quick=2)  # networks per configuration, averaged
STEPS = lesson.pick(full=1200, quick=600)  # full-batch Adam steps
LEARNING_RATE = lesson.pick(full=0.01, quick=0.02)
GD_STEPS, GD_LEARNING_RATE = lesson.pick(full=400, quick=200), 0.2  # the cost-curve run

# %% [markdown]
# ## 1. The expected activation, from scratch and with the layer
#
# A real layer's activations (our network's first ReLU layer at initialization, on the
# training points), dropped `DRAWS` times: with NumPy (inverted and non-inverted), with
# `dlcourse.InvertedDropout(keep_prob)` and with `keras.layers.Dropout(rate=1 − keep_prob)`.

# %%
x, y = dlcourse.datasets.noisy_two_class(n=M_TRAIN + M_DEV, flip=0.08, seed=lesson.seed)
x_train, y_train, x_dev, y_dev = x[:M_TRAIN], y[:M_TRAIN], x[M_TRAIN:], y[M_TRAIN:]


def build(keep_prob, seed):
    """2 → 32 ReLU → 32 ReLU → 1 sigmoid, with inverted dropout after each hidden layer."""
    return dlcourse.deep_net(
        (2,),
        HIDDEN_UNITS,
        num_classes=1,
        activation="relu",
        initializer="he",
        keep_prob=keep_prob,
        seed=seed,
    )


a = keras.ops.convert_to_numpy(
    build(1.0, seed=100 * lesson.seed).get_layer("hidden_1")(x_train)
)  # (211, 32) ReLU
test_mean, rng = a.mean(), lesson.rng


def numpy_dropout(a, keep_prob, rng, inverted=True):
    d = rng.random(a.shape) < keep_prob  # 1 = keep
    return a * d / keep_prob if inverted else a * d  # non-inverted: no division


stacked = np.broadcast_to(a, (DRAWS, *a.shape)).astype("float32")  # DRAWS copies
outputs = {
    "NumPy, inverted": numpy_dropout(stacked, KEEP_PROB, rng),
    "InvertedDropout layer": keras.ops.convert_to_numpy(
        dlcourse.InvertedDropout(KEEP_PROB, seed=lesson.seed)(stacked, training=True)
    ),
    "keras Dropout(rate=1−keep_prob)": keras.ops.convert_to_numpy(
        keras.layers.Dropout(1 - KEEP_PROB, seed=lesson.seed)(stacked, training=True)
    ),
    "NumPy, non-inverted": numpy_dropout(stacked, KEEP_PROB, rng, inverted=False),
}
draw_means = {name: out.mean(axis=(1, 2)) for name, out in outputs.items()}  # (DRAWS,)
for name, means in draw_means.items():
    print(
        f"{name:<32} mean over {DRAWS} draws / mean without dropout = "
        f"{means.mean() / test_mean:.4f}"
    )
for name in ("NumPy, inverted", "InvertedDropout layer"):
    error = abs(draw_means[name].mean() / test_mean - 1)
    lesson.claim(
        f"{name} (keep_prob={KEEP_PROB}): relative error of the expected activation",
        error,
        target="< 0.01",
        holds=error < 0.01,
    )
bias = test_mean / draw_means["NumPy, non-inverted"].mean()
lesson.claim(
    "non-inverted dropout, no test-time scaling: test-time mean / training mean "
    f"(expected 1/keep_prob = {1 / KEEP_PROB:.3g})",
    bias,
    target=f"within 1% of {1 / KEEP_PROB:.3g}",
    holds=abs(bias * KEEP_PROB - 1) < 0.01,
)

# %% [markdown]
# Same distribution as Keras's own layer? Both should drop a share `1 − keep_prob` of
# the active units (`a > 0`) and multiply the rest by exactly `1/keep_prob`.

# %%
active = stacked > 0
dropped = {
    name: float((outputs[name][active] == 0).mean())
    for name in ("InvertedDropout layer", "keras Dropout(rate=1−keep_prob)")
}
ours_dropped, keras_dropped = dropped.values()  # the random draws themselves differ
lesson.claim(
    "share of units dropped: InvertedDropout vs keras Dropout (both within 0.005 of 1−keep_prob)",
    [ours_dropped, keras_dropped],
    target=f"|difference| < 0.005, each ≈ {1 - KEEP_PROB:.2f}",
    holds=abs(ours_dropped - keras_dropped) < 0.005
    and max(abs(d - (1 - KEEP_PROB)) for d in dropped.values()) < 0.005,
)
kept = {name: active & (outputs[name] != 0) for name in dropped}
kept_error = max(
    np.max(np.abs(outputs[n][kept[n]] / stacked[kept[n]] - 1 / KEEP_PROB)) for n in dropped
)
lesson.claim(
    "kept units are a / keep_prob in both layers (max |ratio − 1/keep_prob|)",
    kept_error,
    target="< 1e-5",
    holds=kept_error < 1e-5,
)

# %% [markdown]
# ## 2. Test time: nothing happens
#
# `dlcourse.deep_net(..., keep_prob=...)` puts `InvertedDropout` layers `dropout_1`,
# `dropout_2` after its hidden layers; `predict` (any call with `training=False`) must
# give exactly the outputs of the same network without them.

# %%
with_dropout = build(CONFIGS["keep_prob (0.9, 0.5), per layer"], seed=100 * lesson.seed)
without = build(1.0, seed=100 * lesson.seed)  # same layer names and seed ⇒ same weights
test_difference = max(
    float(
        np.max(np.abs(with_dropout.predict(x_dev, verbose=0) - without.predict(x_dev, verbose=0)))
    ),
    float(
        np.max(
            np.abs(
                keras.ops.convert_to_numpy(dlcourse.InvertedDropout(KEEP_PROB)(a, training=False))
                - a
            )
        )
    ),
)
lesson.claim(
    "at test time dropout does nothing: max |output with − without dropout layers|",
    test_difference,
    target="== 0",
    holds=test_difference == 0,
)

# %% [markdown]
# ## 3. The dropout backward pass, by hand, against Keras
#
# Backprop through inverted dropout is one line (Ng): `dA ← dA · D / keep_prob` — no
# gradient for dropped units (`dlcourse.scratch.backward`, NumPy, examples as columns).
# We run a Keras model in training mode under the framework's automatic differentiation
# (`dlcourse.backend.variable_value_and_grad`), read the masks its
# `InvertedDropout` layers drew (dropped where the output is 0) and replay them in
# `scratch.forward`, which draws `rng.random(shape) < keep_prob`, through a stand-in `rng`
# returning 0 where Keras kept a unit, 1 where it dropped one. The gradients must agree.


# %%
class KerasMasks:
    """Stands in for `scratch.forward`'s `rng`: replays Keras's masks, layer by layer."""

    def __init__(self, masks):
        self.masks = iter(masks)

    def random(self, shape):  # a mask (n[l], m): 0 < keep_prob where Keras kept the unit
        return np.where(next(self.masks), 0.0, 1.0)


check_model = build(KEEP_PROB, seed=100 * lesson.seed)
probe = keras.Model(
    check_model.input,
    [check_model.get_layer(name).output for name in ("dropout_1", "dropout_2", "output")],
)


def loss_and_masks():
    """The training-mode loss, and the two dropout layers' outputs (their masks)."""
    d1, d2, out = probe(x_train, training=True)
    return keras.losses.BinaryCrossentropy()(y_train[:, None], out), (d1, d2)


(loss, (d1, d2)), keras_grads = backend.variable_value_and_grad(
    loss_and_masks, check_model.trainable_variables, has_aux=True
)
keras_grads = [keras.ops.convert_to_numpy(g) for g in keras_grads]
parameters = {}  # Ng's layout: W[l] is the transposed Keras kernel, b[l] a column
for l, layer in enumerate(check_model.layers[1::2], start=1):  # hidden_1, hidden_2, output
    parameters[f"W{l}"], parameters[f"b{l}"] = (
        keras.ops.convert_to_numpy(layer.kernel).T,
        keras.ops.convert_to_numpy(layer.bias)[:, None],
    )
masks = [
    keras.ops.convert_to_numpy(d1).T != 0,
    keras.ops.convert_to_numpy(d2).T != 0,
]  # (32, m) each
a_last, caches = scratch.forward(parameters, x_train.T, keep_prob=KEEP_PROB, rng=KerasMasks(masks))
grads = scratch.backward(a_last, y_train, caches, keep_prob=KEEP_PROB)
ours = np.concatenate([np.ravel(grads[f"d{kind}{l}"].T) for l in (1, 2, 3) for kind in "Wb"])
theirs = np.concatenate([g.ravel() for g in keras_grads])  # kernel, bias per layer
difference = np.linalg.norm(ours - theirs) / (np.linalg.norm(ours) + np.linalg.norm(theirs))
lesson.claim(
    "scratch.backward through dropout equals Keras's gradient with the same masks "
    "(||a−b|| / (||a||+||b||), float32)",
    difference,
    target="< 1e-6",
    holds=difference < 1e-6,
)

# %% [markdown]
# ## 4. Dropout against overfitting
#
# Lesson 11's setting: 211 noisy points, a network big enough to memorise them. A
# `dlcourse.Sweep` trains every configuration × `MODEL_SEEDS` initializations (plain
# `deep_net` models with `InvertedDropout` layers) together, with full-batch Adam.

# %%
seeds = [100 * lesson.seed + s for s in range(MODEL_SEEDS)]
sweep = dlcourse.Sweep(
    build, {"keep_prob": list(CONFIGS.values()), "seed": seeds}, seed=lesson.seed
)
sweep.compile(
    optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="binary_crossentropy", metrics=["accuracy"]
)
clock = time.perf_counter()
sweep.fit(
    x_train, y_train, batch_size=M_TRAIN, epochs=STEPS, validation_data=(x_dev, y_dev), verbose=0
)
print(
    f"Sweep: {len(sweep)} networks × {STEPS} full-batch Adam steps in "
    f"{time.perf_counter() - clock:.1f} s ({sweep.groups[0]['engine']})"
)
train_acc, dev_acc = (  # means over each configuration's initializations (grid order)
    np.reshape(values, (len(CONFIGS), MODEL_SEEDS)).mean(axis=1)
    for values in (
        [r["accuracy"] for r in sweep.evaluate(x_train, y_train)],  # inference: no dropout
        [h.history["val_accuracy"][-1] for h in sweep.histories],
    )
)
gaps = train_acc - dev_acc
for name, tr, dv, gp in zip(CONFIGS, train_acc, dev_acc, gaps):
    print(f"{name:<34} train {tr:6.1%}  dev {dv:6.1%}  gap {100 * gp:+5.1f} points")
print(
    "Ng's assignment (his data): no dropout 94.8% / 91.5%, keep_prob 0.86 92.9% / 95% (train "
    "/ test).\nSrivastava et al. 2014, MNIST test error: 1.60% (standard 2x800 net) → 1.25% "
    "(dropout, ReLU) → 1.06% (+ max-norm); little gain with only 100–500 examples."
)
for i, name in list(enumerate(CONFIGS))[1:]:
    lesson.claim(
        f"train − dev gap: {name} < no dropout (points, mean of {MODEL_SEEDS} inits)",
        [round(100 * gaps[i], 2), round(100 * gaps[0], 2)],
        target="first < second",
        holds=gaps[i] < gaps[0],
    )
fig, axes = plt.subplots(1, len(CONFIGS), figsize=(4.2 * len(CONFIGS), 4.3), sharey=True)
for i, (ax, name) in enumerate(zip(axes, CONFIGS)):
    model = sweep.models[i * MODEL_SEEDS]  # the first initialization of this configuration
    plotting.plot_decision_boundary(
        ax,
        lambda grid, model=model: keras.ops.convert_to_numpy(model(grid)),
        x_train,
        y_train,
        resolution=120,
        margin=0.1,
    )
    ax.set_title(f"{name}\ntrain {train_acc[i]:.0%} · dev {dev_acc[i]:.0%} (mean of {MODEL_SEEDS})")
    ax.set_ylabel("" if i else ax.get_ylabel())
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
fig.suptitle("Decision boundaries (first initialization) with and without dropout")
lesson.savefig(fig, "boundaries")

# %% [markdown]
# Without dropout the boundary wraps islands around single mislabelled points. With
# dropout no unit can count on its neighbours being there, so the net cannot build such
# fragile, specialised features: the boundary is smoother, training accuracy drops
# towards the noise level and the gap closes. Ng's numbers come from his data (only the
# direction carries over); with a few hundred examples the gains are modest.
#
# ## 5. The cost is no longer monotone
#
# With dropout each step optimizes a *different* random thinned network, so the reported
# cost jumps around — Ng: check that `J` decreases with dropout off first. Full-batch
# gradient descent from the same start, with and without dropout: on how many steps did
# `history["loss"]` go *up*? (`val_loss` on the training set: the cost with dropout off.)

# %%
gd_sweep = dlcourse.Sweep(build, {"keep_prob": [1.0, 0.86], "seed": seeds[:1]}, seed=lesson.seed)
gd_sweep.compile(optimizer=keras.optimizers.SGD(GD_LEARNING_RATE), loss="binary_crossentropy")
gd_sweep.fit(
    x_train,
    y_train,
    batch_size=M_TRAIN,
    epochs=GD_STEPS,
    verbose=0,
    validation_data=(x_train, y_train),
)  # val_loss: the cost with dropout off
costs = np.array([h.history["loss"] for h in gd_sweep.histories]).T  # (steps, 2)
clean = np.array(gd_sweep.histories[1].history["val_loss"])  # keep_prob 0.86, dropout off
rises = (np.diff(costs, axis=0) > 0).sum(axis=0)
print(
    f"steps where the cost rose: no dropout {rises[0]}, keep 0.86: {rises[1]} of {GD_STEPS - 1} "
    f"(the same network measured without dropout: {(np.diff(clean) > 0).sum()})"
)
lesson.claim(
    "full-batch GD: steps on which the training cost rose (no dropout, keep_prob 0.86)",
    rises.tolist(),
    target="with dropout ≥ 10 × max(1, without)",
    holds=rises[1] >= 10 * max(1, rises[0]),
)
fig, (ax_cost, ax_mean) = plt.subplots(1, 2, figsize=(12, 4.4))
steps = np.arange(1, GD_STEPS + 1)
ax_cost.plot(
    steps,
    costs[:, 1],
    color=plotting.color("orange"),
    lw=1,
    label=f"keep_prob 0.86, cost the step saw: rose on {rises[1]} steps",
)
ax_cost.plot(
    steps,
    clean,
    color=plotting.color("green"),
    ls="--",
    label="keep_prob 0.86, same net with dropout off",
)
ax_cost.plot(
    steps, costs[:, 0], color=plotting.color("blue"), label=f"no dropout: rose on {rises[0]} steps"
)
ax_cost.set(
    xlabel="gradient-descent step (full batch)",
    ylabel="training cost J (cross-entropy)",
    title="The cost each training step sees",
)
ax_cost.legend()
for (name, means), col in zip(draw_means.items(), ("blue", "green", "purple", "red")):
    ax_mean.hist(
        means / test_mean,
        bins=np.linspace(0.7, 1.1, 81),
        histtype="step",
        lw=1.6,
        color=plotting.color(col),
        label=name,
    )
for value, style, label in ((1.0, "--", "test time (no dropout)"), (KEEP_PROB, ":", "keep_prob")):
    ax_mean.axvline(value, color=plotting.color("black"), ls=style, lw=1, label=label)
ax_mean.set(
    xlabel="mean activation of one draw / mean without dropout",
    ylabel=f"number of draws (of {DRAWS})",
    ylim=(0, 1.6 * ax_mean.get_ylim()[1]),
    title=f"Mean activation under dropout (keep_prob = {KEEP_PROB})",
)  # legend room
ax_mean.legend(fontsize=8, loc="upper center", ncol=2)
lesson.savefig(fig, "cost_and_means")

# %% [markdown]
# Left: without dropout, gradient descent lowers the cost at every step; with dropout
# the reported cost is jagged, because every step measures a different thinned network.
# With dropout off (dashed) the same network's cost is smooth and falls overall, though
# it too rises on some steps (each step follows a thinned net's gradient, printed above):
# dropout did not break training, it made `J` a noisy quantity.
# Right: the three inverted versions (NumPy and both Keras layers, one distribution)
# sit on the test-time value 1. Non-inverted dropout sits at `keep_prob`: a network
# trained that way sees activations `1/keep_prob` times larger at test time.
#
# ## What to remember
#
# - Inverted dropout: `d = rand < keep_prob; a = a * d / keep_prob` in training, nothing at
#   test time; the expected activation is unchanged. `keep_prob = 1` means no dropout.
# - In Keras: `dlcourse.InvertedDropout(keep_prob)` = `keras.layers.Dropout(rate=1 − keep_prob)`;
#   `deep_net(..., keep_prob=(0.9, 0.5))` sets it per layer (lower where a layer overfits more).
# - A regularizer for high variance (it narrowed our gap), not free: `J` is no longer a
#   clean, decreasing curve, so debug with dropout off.

# %%
lesson.finish()
