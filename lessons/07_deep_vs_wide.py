"""Deep versus wide: what depth buys

The k-times composed tent ("sawtooth") map has 2^k linear pieces. A deep ReLU net
computes it exactly with 2 units per layer and k layers (6k + 1 parameters), built here
by hand from Keras Dense layers; a net with one hidden layer and the same number of
parameters has at most 2k + 1 pieces, and trained on the sawtooth it misses most of it.
Training the deep architecture from random weights is also tried: expressiveness is
not the same as learnability.

Claim: at equal parameter count the deep ReLU net's error is < ½ of the wide one's on a sawtooth.
"""

# %% [markdown]
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
from dlcourse import backend, plotting
from dlcourse.lesson import start

lesson = start(__file__)

K = 4  # compositions of the tent map we fit: 2^4 = 16 linear pieces (few enough to see)
K_COUNTED = 6  # compositions whose pieces section 1 counts
STEPS = lesson.pick(full=2000, quick=500)  # full-batch Adam steps for the trained nets
LEARNING_RATE = 0.01
x_train = np.linspace(0.0, 1.0, 513).reshape(-1, 1).astype("float32")  # 32 points per piece
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
pieces = {
    k: count_pieces(dlcourse.datasets.tent_map(x_test, k), spacing) for k in range(1, K_COUNTED + 1)
}
print("linear pieces of tent^k:", pieces)
lesson.claim(
    f"linear pieces of the tent map composed k = 1..{K_COUNTED} times (counted on a grid)",
    list(pieces.values()),
    target="== 2^k",
    holds=all(pieces[k] == 2**k for k in pieces),
)

fig, axes = plt.subplots(1, 4, figsize=(12, 2.8), sharey=True)
for ax, k in zip(axes, (1, 2, K, K_COUNTED)):
    ax.plot(x_test, dlcourse.datasets.tent_map(x_test, k), color=plotting.color("blue"), lw=1.2)
    ax.set_title(f"k = {k}: {pieces[k]} pieces" + (" (fitted below)" if k == K else ""))
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
print(
    f"hand-built deep net: {K} layers of 2 units, {budget} parameters, "
    f"max |error| = {built_error:.1e}"
)
lesson.claim(
    f"hand-built deep ReLU net ({K} layers × 2 units, {budget} parameters) equals tent^{K}",
    built_error,
    target="max error < 1e-6",
    holds=built_error < 1e-6,
)

# %% [markdown]
# Its only error is float32 round-off: sixteen pieces from eight hidden units (and 64
# pieces from twelve, at `k = 6`).
#
# ## 3. One hidden layer with the same budget
#
# A one-hidden-layer net with `h` units has `3h + 1` parameters, so the same budget buys
# `h = 2k = 8` units: at most 9 linear pieces for a target with 16. We *train* it —
# Adam, full-batch, mean-squared error — and, to be fair to depth as well, we also train
# the deep architecture of section 2 from random weights. Both start with He-normal
# kernels and biases spread over [−1, 1] (so that their kinks start inside the data).
#
# Training may simply be unlucky, so we also look for the **best** fit a one-hidden-layer
# net of this size can make. Its output is `c + Σᵢ vᵢ·relu(x − tᵢ)`: once the kinks
# `tᵢ` are fixed, the best `c, vᵢ` are a linear least-squares problem, solved exactly; we
# search the kink positions on a fine grid, moving one kink at a time to where the
# error is smallest, until no move helps. The result is loaded into an ordinary Keras net.


# %%
def train(hidden_units, seed):
    """A ReLU net with the given hidden layers, trained on the sawtooth; returns the model."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((1,))
    h = inputs
    for units in hidden_units:
        h = keras.layers.Dense(
            units,
            activation="relu",
            kernel_initializer="he_normal",
            bias_initializer=keras.initializers.RandomUniform(-1.0, 1.0),
        )(h)
    model = keras.Model(inputs, keras.layers.Dense(1)(h))
    # STEPS copies of the training grid, batches of one grid, no shuffling: one epoch of
    # fit = STEPS full-batch steps, run 250 at a time inside TensorFlow (much faster than
    # STEPS epochs of 1 step, each with Keras's per-epoch overhead).
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="mse",
        steps_per_execution=backend.steps_per_execution(min(250, STEPS)),
    )
    model.fit(
        np.tile(x_train, (STEPS, 1)),
        np.tile(y_train, (STEPS, 1)),
        batch_size=len(x_train),
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    return model


def best_wide_net(units):
    """One hidden layer of `units` ReLUs: kinks searched on a grid, output weights exact."""
    candidates = np.linspace(0.0, 1.0, 129)[:-1]  # kink positions tried (0: a linear unit)
    x, y = x_train[:, 0].astype("float64"), y_train[:, 0].astype("float64")

    def squared_errors(knot_sets):  # (n_sets, units) kinks -> (n_sets,) sum of squared errors
        ramps = np.maximum(x[None, :, None] - knot_sets[:, None, :], 0.0)  # (n_sets, n, units)
        features = np.concatenate([np.ones((len(knot_sets), len(x), 1)), ramps], axis=2)
        gram = features.transpose(0, 2, 1) @ features + 1e-10 * np.eye(units + 1)
        coef = np.linalg.solve(gram, features.transpose(0, 2, 1) @ y[None, :, None])
        return np.sum(((features @ coef)[..., 0] - y) ** 2, axis=1), coef

    knots = np.quantile(candidates, (np.arange(units) + 0.5) / units)  # evenly spread to start
    error = squared_errors(knots[None])[0][0]
    improved = True
    while improved:
        improved = False
        for i in range(units):
            trial = np.repeat(knots[None], len(candidates), axis=0)
            trial[:, i] = candidates
            errors_i = squared_errors(trial)[0]
            if errors_i.min() < error - 1e-12:
                knots, error, improved = trial[errors_i.argmin()], errors_i.min(), True
    coef = squared_errors(knots[None])[1][0, :, 0]
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(units, activation="relu"), keras.layers.Dense(1)]
    )
    model.layers[0].set_weights([np.ones((1, units)), -knots])  # unit i: relu(x − t_i)
    model.layers[1].set_weights([coef[1:, None], coef[:1]])
    return model


wide_units = (budget - 1) // 3
wide = train((wide_units,), seed=lesson.seed)
deep_trained = train((2,) * K, seed=lesson.seed)
wide_best = best_wide_net(wide_units)
print(
    f"parameters: hand-built {budget}, trained deep {deep_trained.count_params()}, "
    f"wide {wide.count_params()}, best wide {wide_best.count_params()}"
)


def rms_error(model):
    return float(np.sqrt(np.mean((predict(model) - y_test) ** 2)))


MODELS = {  # name -> (model, hidden units, colour)
    f"deep, hand-built ({K}×2 units)": (deep_built, 2 * K, "good"),
    f"deep, trained ({K}×2 units)": (deep_trained, 2 * K, "purple"),
    f"wide, trained ({wide_units} units)": (wide, wide_units, "bad"),
    f"wide, best fit found ({wide_units} units)": (wide_best, wide_units, "orange"),
}
errors = {name: rms_error(model) for name, (model, _, _) in MODELS.items()}
flat_error = float(np.std(y_test))  # the error of the best constant
plotting.show_table(
    ["network", "hidden units", "parameters", "RMS error on [0, 1]"],
    [
        [name.split(" (")[0], units, model.count_params(), f"{errors[name]:.2g}"]
        for name, (model, units, _) in MODELS.items()
    ]
    + [["a constant (the mean)", 0, 1, f"{flat_error:.2g}"]],
)

deep_error = errors[f"deep, hand-built ({K}×2 units)"]
wide_error = errors[f"wide, trained ({wide_units} units)"]
best_wide_error = errors[f"wide, best fit found ({wide_units} units)"]
lesson.claim(
    f"RMS error, deep net vs one-hidden-layer net (trained), both {budget} parameters",
    [deep_error, wide_error],
    target="deep < ½ · wide",
    holds=deep_error < 0.5 * wide_error,
)
lesson.claim(
    f"RMS error, deep net vs the best one-hidden-layer fit we found, both {budget} parameters",
    [deep_error, best_wide_error],
    target="deep < ½ · wide",
    holds=deep_error < 0.5 * best_wide_error,
)

# %%
fig, axes = plt.subplots(1, 4, figsize=(14, 3.5), sharey=True)
for ax, (name, (model, _, col)) in zip(axes, MODELS.items()):
    ax.plot(
        x_test,
        y_test,
        color=plotting.color("reference"),
        lw=3.5,
        alpha=0.5,
        label=f"target tent$^{K}$ ({2**K} pieces)",
    )
    ax.plot(x_test, predict(model), color=plotting.color(col), lw=1.4, label="network")
    ax.set_title(f"{name}\nRMS error {errors[name]:.2g}", fontsize=10)
    ax.set_xlabel("x")
    ax.set_ylim(-0.15, 1.15)
axes[0].set_ylabel("output")
fig.legend(
    handles=[axes[0].lines[0], plt.Line2D([], [], color=plotting.color("black"), lw=1.4)],
    labels=[axes[0].lines[0].get_label(), "the network's output (colour per panel)"],
    loc="outside lower center",
    ncols=2,
)
fig.suptitle(
    f"Same budget, {budget} parameters each: deep vs wide on tent$^{K}$", fontweight="bold"
)
lesson.savefig(fig, "fits")

# %% [markdown]
# The hand-built deep net is exact (its error is float32 round-off). A wide net with 8
# units can bend at most 8 times, and the target has 15 corners: even the best fit we
# found spends its kinks on copying a few teeth exactly and draws a flat line through
# the rest; the trained wide net, left to Adam, does not even get that far: it settles on
# (nearly) the flat line through the middle, the error of a constant. To match the deep
# net exactly a wide net needs 15 units, twice the budget; the gap doubles with every
# extra fold, and for `k = 20` the wide net needs over a million units against 40 for the
# deep one.
#
# The trained deep net is the sobering part: gradient descent from random weights
# rarely finds the folding solution, even though the architecture contains it (we tried
# many seeds and restarts while writing this lesson; at `k = 6` none found it). Depth
# makes a function *representable* with few parameters; it does not make it *learnable*
# — deep nets learn well when coarse, shallow-looking approximations already point the
# way (Malach & Shalev-Shwartz, 2019), which a high-frequency sawtooth does not offer.
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
