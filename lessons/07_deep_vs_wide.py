"""Lesson 07 — Deep versus wide: what depth buys at a fixed parameter budget.

The k-times composed tent ("sawtooth") map has 2^k linear pieces. A deep ReLU net
computes it exactly with 2 units per layer and k layers (6k + 1 parameters), built here
by hand from Keras Dense layers; a net with one hidden layer and the same number of
parameters has at most 2k + 1 pieces, and trained on the sawtooth it misses most of it.
Training the deep architecture from random weights is also tried: expressiveness is
not the same as learnability.

Claim: at equal parameter count the deep ReLU net's error is < ½ of the wide one's on a sawtooth.

Run it:
    python lessons/07_deep_vs_wide.py            # full mode, figures in out/07_deep_vs_wide/
    python lessons/07_deep_vs_wide.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Deep versus wide
#
# A network with one hidden layer of ReLU units computes a piecewise-linear function with
# at most one "kink" per hidden unit (Hung-yi Lee's view, lesson 2): to draw a curve with
# `P` linear pieces it needs about `P` units. A *deep* network can do better, because
# each layer folds the output of the previous one, and folds multiply.
#
# The cleanest example is the tent map `t(x) = 1 − |2x − 1|` on [0, 1]: one fold, two
# pieces. Composed `k` times, `t(t(…t(x)))` is a sawtooth with `2^k` linear pieces
# (`dlcourse.datasets.tent_map(x, k)`). Since `t(x) = 2·relu(x) − 4·relu(x − ½)` on
# [0, 1], each application costs two ReLU units, so a deep net with `k` layers of 2
# units — O(k) units — computes the sawtooth exactly, while one hidden layer needs
# O(2^k) units (Telgarsky, 2016; Montúfar et al., 2014).

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import plotting
from dlcourse.lesson import start

lesson = start("07_deep_vs_wide", title="Deep versus wide: what depth buys")

K = 6  # compositions of the tent map: 2^6 = 64 linear pieces
STEPS = lesson.pick(full=2000, quick=500)  # full-batch Adam steps for the trained nets
LEARNING_RATE = 0.01
x_train = np.linspace(0.0, 1.0, 513).reshape(-1, 1).astype("float32")  # 8 points per piece
x_test = np.linspace(0.0, 1.0, 2049).reshape(-1, 1)  # a finer grid for the errors (float64)
y_train = dlcourse.datasets.tent_map(x_train, K).astype("float32")
y_test = dlcourse.datasets.tent_map(x_test, K)

# %% [markdown]
# ## 1. The sawtooth doubles its pieces with every composition
#
# We count linear pieces on a fine grid: a piece ends wherever the slope changes.

# %%
def count_pieces(values, spacing):
    """Linear pieces of a function sampled on a uniform grid (slope changes + 1)."""
    slopes = np.diff(values.ravel()) / spacing
    return int(np.sum(np.abs(np.diff(slopes)) > 1e-6 * np.abs(slopes).max()) + 1)


spacing = float(x_test[1, 0] - x_test[0, 0])
pieces = {k: count_pieces(dlcourse.datasets.tent_map(x_test, k), spacing) for k in range(1, K + 1)}
print("linear pieces of tent^k:", pieces)
lesson.claim(
    f"linear pieces of the tent map composed k = 1..{K} times (counted on a grid)",
    list(pieces.values()),
    target="== 2^k",
    holds=all(pieces[k] == 2**k for k in pieces),
)

fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), sharey=True)
for ax, k in zip(axes, (1, 2, 3, K)):
    ax.plot(x_test, dlcourse.datasets.tent_map(x_test, k), color=plotting.color("blue"), lw=1.2)
    ax.set_title(f"k = {k}: {pieces[k]} pieces")
    ax.set_xlabel("x")
axes[0].set_ylabel("tent$^k$(x)")
fig.suptitle("Composing the tent map doubles the number of linear pieces", fontweight="bold")
lesson.savefig(fig, "sawtooth_pieces")

# %% [markdown]
# ## 2. A deep ReLU net that computes it exactly, built by hand
#
# Layer 1 computes `(relu(x), relu(x − ½))`; the tent value is `t = 2·h₁ − 4·h₂`. Every
# next layer needs `(relu(t), relu(t − ½))`, which is an ordinary `Dense(2, "relu")` with
# kernel `[[2, 2], [−4, −4]]` and bias `(0, −½)` applied to the previous pair; the output
# layer computes the last `2·h₁ − 4·h₂`. Parameters: 4 + 6(k − 1) + 3 = 6k + 1.

# %%
def deep_tent_net(k):
    """k Dense(2, relu) layers + Dense(1) whose weights compute tent^k exactly on [0, 1]."""
    inputs = keras.Input((1,))
    h = keras.layers.Dense(2, activation="relu", name="fold_1")(inputs)
    for layer in range(2, k + 1):
        h = keras.layers.Dense(2, activation="relu", name=f"fold_{layer}")(h)
    model = keras.Model(inputs, keras.layers.Dense(1, name="output")(h))
    model.get_layer("fold_1").set_weights([np.array([[1.0, 1.0]]), np.array([0.0, -0.5])])
    fold = [np.array([[2.0, 2.0], [-4.0, -4.0]]), np.array([0.0, -0.5])]
    for layer in range(2, k + 1):
        model.get_layer(f"fold_{layer}").set_weights(fold)
    model.get_layer("output").set_weights([np.array([[2.0], [-4.0]]), np.array([0.0])])
    return model


deep_built = deep_tent_net(K)
budget = deep_built.count_params()
def predict(model):
    """The model's outputs on the fine test grid (a direct call: no predict() machinery)."""
    return keras.ops.convert_to_numpy(model(x_test.astype("float32"))).astype("float64")


built_error = float(np.max(np.abs(predict(deep_built) - y_test)))
print(f"hand-built deep net: {K} layers of 2 units, {budget} parameters, "
      f"max |error| = {built_error:.1e}")
lesson.claim(
    f"hand-built deep ReLU net ({K} layers × 2 units, {budget} parameters) equals tent^{K}",
    built_error,
    target="max error < 1e-6",
    holds=built_error < 1e-6,
)

# %% [markdown]
# Its only error is float32 round-off. Sixty-four pieces from twelve hidden units.
#
# ## 3. One hidden layer with the same budget
#
# A one-hidden-layer net with `h` units has `3h + 1` parameters, so the same budget buys
# `h = 2k = 12` units: at most 13 linear pieces for a target with 64. We *train* it —
# Adam, full-batch, mean-squared error — and, to be fair to depth as well, we also train
# the deep architecture of section 2 from random weights. Both start with He-normal
# kernels and biases spread over [−1, 1] (so that their kinks start inside the data).

# %%
def train(hidden_units, seed):
    """A ReLU net with the given hidden layers, trained on the sawtooth; returns the model."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((1,))
    h = inputs
    for units in hidden_units:
        h = keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal",
                               bias_initializer=keras.initializers.RandomUniform(-1.0, 1.0))(h)
    model = keras.Model(inputs, keras.layers.Dense(1)(h))
    # STEPS copies of the training grid, batches of one grid, no shuffling: one epoch of
    # fit = STEPS full-batch steps, run 250 at a time inside TensorFlow (much faster than
    # STEPS epochs of 1 step, each with Keras's per-epoch overhead).
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse",
                  steps_per_execution=min(250, STEPS))
    model.fit(np.tile(x_train, (STEPS, 1)), np.tile(y_train, (STEPS, 1)),
              batch_size=len(x_train), epochs=1, shuffle=False, verbose=0)
    return model


wide_units = (budget - 1) // 3
wide = train((wide_units,), seed=lesson.seed)
deep_trained = train((2,) * K, seed=lesson.seed)
print(f"parameters: hand-built {budget}, trained deep {deep_trained.count_params()}, "
      f"wide {wide.count_params()}")


def rms_error(model):
    return float(np.sqrt(np.mean((predict(model) - y_test) ** 2)))


errors = {
    f"deep, hand-built\n({K}×2 units)": rms_error(deep_built),
    f"deep, trained\n({K}×2 units)": rms_error(deep_trained),
    f"wide, trained\n({wide_units} units)": rms_error(wide),
}
kernel, bias = wide.layers[1].get_weights()
kinks = -bias / np.where(kernel[0] == 0, np.inf, kernel[0])
wide_pieces = int(np.sum((kinks > 0) & (kinks < 1))) + 1
flat_error = float(np.std(y_test))  # the error of the best constant, 0.5
for name, error in errors.items():
    print(f"{name.replace(chr(10), ' '):>40}: RMS error {error:.4f}")
print(f"wide net: {wide_pieces} linear pieces on [0, 1] (at most {wide_units + 1}); "
      f"a constant 0.5 has RMS error {flat_error:.4f}")

deep_error = errors[f"deep, hand-built\n({K}×2 units)"]
wide_error = errors[f"wide, trained\n({wide_units} units)"]
lesson.claim(
    f"RMS error, deep net vs one-hidden-layer net, both {budget} parameters",
    [deep_error, wide_error],
    target="deep < ½ · wide",
    holds=deep_error < 0.5 * wide_error,
)

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), sharey=True)
for ax, (name, model), col in zip(
    axes, ((f"deep, hand-built ({K}×2 units)", deep_built),
           (f"deep, trained ({K}×2 units)", deep_trained),
           (f"wide, trained ({wide_units} units)", wide)),
    (plotting.color("good"), plotting.color("purple"), plotting.color("bad")),
):
    ax.plot(x_test, y_test, color=plotting.color("reference"), lw=3, alpha=0.5,
            label=f"tent$^{K}$ (target)")
    ax.plot(x_test, predict(model), color=col, lw=1.3, label="network")
    ax.set_title(f"{name}, {budget} parameters")
    ax.set_xlabel("x")
    ax.legend(loc="lower right", fontsize=8)
axes[0].set_ylabel("output")
lesson.savefig(fig, "fits")

fig, ax = plt.subplots(figsize=(6.4, 3.8))
names = list(errors)
bars = ax.bar(names, [max(e, 1e-8) for e in errors.values()],
              color=[plotting.color("good"), plotting.color("purple"), plotting.color("bad")])
ax.axhline(flat_error, color=plotting.color("reference"), ls="--", lw=1,
           label="best constant (0.5)")
ax.bar_label(bars, labels=[f"{e:.1e}" for e in errors.values()], fontsize=8)
ax.set_yscale("log")
ax.set_ylim(1e-8, 3)
ax.set_ylabel("RMS error on [0, 1] (log scale)")
ax.set_title(f"Same budget, {budget} parameters: errors on tent$^{K}$")
ax.legend(loc="upper left")
lesson.savefig(fig, "errors")

# %% [markdown]
# The hand-built deep net is exact. The wide net, whatever training does, can bend at
# most 12 times: 12 kinks can reproduce at most 6 of the 32 teeth, so even its best
# possible weights leave most of the sawtooth flat; trained, it settles on (nearly) the
# flat line through the middle, 0.5. To match the deep net it would need 63 units —
# five times the budget — and for `k = 20` over a million, against 120 for the deep net.
#
# The trained deep net is the sobering part: gradient descent from random weights does
# *not* find the folding solution, even though the architecture contains it (we tried
# many seeds and restarts while writing this lesson; none found it). Depth makes a
# function *representable* with few parameters; it does not make it *learnable* — deep
# nets learn well when coarse, shallow-looking approximations already point the way
# (Malach & Shalev-Shwartz, 2019), which a high-frequency sawtooth does not offer.
# Real data (images, speech) is compositional in a friendlier way, and there depth pays
# off in training too.
#
# ## What to remember
#
# - A one-hidden-layer ReLU net with `h` units is piecewise linear with at most `h + 1`
#   pieces; each extra layer can fold the previous output, so pieces multiply with depth.
# - The k-fold sawtooth has 2^k pieces: O(k) units deep, O(2^k) units wide. At an equal
#   parameter budget the deep net's error is zero and the wide net's is large.
# - Expressiveness is not learnability: training still has to find the weights.
#
# References: Montúfar, Pascanu, Cho & Bengio, 2014, "On the Number of Linear Regions of
# Deep Neural Networks"; Telgarsky, 2016, "Benefits of depth in neural networks";
# Malach & Shalev-Shwartz, 2019, "Is Deeper Better only when Shallow is Good?".

# %%
lesson.finish()
