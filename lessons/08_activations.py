"""Activation functions: sigmoid, tanh, ReLU, leaky ReLU and maxout

Measures the derivatives of sigmoid, tanh and ReLU with automatic differentiation (sigmoid's
peaks at exactly 1/4), measures how sparse ReLU activations are in a real network at
He initialization (about half the units output exactly zero), draws the leaky ReLU
(`keras.ops.leaky_relu`, α = 0.01 and 0.2) beside ReLU with its slopes and counts the
units that pass no gradient back (about half for ReLU, none for a leaky one), and trains a maxout
unit, which learns its own piecewise-linear activation: ReLU is maxout over (z, 0),
and two pieces fit |x| exactly.

Claim: max sigmoid' = 0.25; ReLU sparsity at He init in [0.3, 0.7]; a maxout unit fits |x| exactly.
"""

# %% [markdown]
# A hidden unit computes `a = g(z)` with `z = w·x + b`. Without a non-linear `g` a deep
# network collapses into one linear map, so the choice of `g` matters — and it matters
# for training too, because back-propagation multiplies the gradient by `g'(z)` at every
# layer.
#
# - **sigmoid** `σ(z) = 1 / (1 + e^−z)`, with `σ'(z) = σ(z)(1 − σ(z))`: at most ¼, and
#   nearly 0 once `|z|` is large (the unit *saturates*). Ten layers of factors ≤ ¼ are
#   why deep sigmoid nets learn slowly (lesson 17).
# - **tanh**: a rescaled sigmoid, centred on 0, derivative at most 1.
# - **ReLU** `max(0, z)`: cheap to compute, derivative exactly 1 where active (no
#   shrinking) and 0 elsewhere — so many units output exactly zero: a *sparse* code.
# - **leaky ReLU** `max(αz, z)` with a small α: ReLU with a slope α instead of 0 for
#   `z < 0`, so a unit that is off still passes some gradient back (section 2's figure).
# - **maxout** (Goodfellow et al., 2013): `max(z₁, …, z_k)` over `k` affine pieces whose
#   weights are learned — the network learns its own piecewise-linear activation, and
#   ReLU is the special case `max(z, 0)`.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting
from dlcourse.lesson import start

lesson = start(__file__)

GRID = np.linspace(-6.0, 6.0, 1201)  # z values, step 0.01 (z = 0 is on the grid)
HIDDEN_UNITS = (128, 128, 128)  # ReLU net for the sparsity measurement
MAXOUT_STEPS = lesson.pick(full=1000, quick=500)  # full-batch gradient-descent steps

# %% [markdown]
# ## 1. The functions and their derivatives, measured with automatic differentiation
#
# We let the framework Keras runs on (TensorFlow, JAX or PyTorch, through
# `dlcourse.backend.value_and_grad`) differentiate each activation on a grid of 1,201
# points rather than typing the derivative formulas in, and check sigmoid's against
# `σ(1 − σ)`. The gradient of `Σ g(z_i)` is the elementwise `g'(z_i)`: each term
# depends on its own `z_i` only.

# %%
ACTIVATIONS = {"sigmoid": keras.ops.sigmoid, "tanh": keras.ops.tanh, "ReLU": keras.ops.relu}
values, derivatives = {}, {}
with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    z = keras.ops.convert_to_tensor(GRID, "float64")
    for name, g in ACTIVATIONS.items():
        values[name] = keras.ops.convert_to_numpy(g(z))
        _, slope = backend.value_and_grad(lambda z, g=g: keras.ops.sum(g(z)), z)
        derivatives[name] = keras.ops.convert_to_numpy(slope)  # elementwise g'(z)

sig = values["sigmoid"]
formula_error = np.max(np.abs(derivatives["sigmoid"] - sig * (1 - sig)))
print(f"max |autodiff − σ(1 − σ)| on the grid = {formula_error:.1e}")
for name in ACTIVATIONS:
    peak = derivatives[name].argmax()
    print(f"{name:>8}: max g'(z) = {derivatives[name][peak]:.6f} at z = {GRID[peak]:+.2f}")

max_sigmoid_slope = float(derivatives["sigmoid"].max())
lesson.claim(
    "max of sigmoid'(z) on the grid (autodiff), distance from 1/4",
    abs(max_sigmoid_slope - 0.25),
    target="<= 1e-6",
    holds=abs(max_sigmoid_slope - 0.25) <= 1e-6,
)

# %%
fig, (ax_value, ax_slope) = plt.subplots(1, 2, figsize=(10, 3.8))
colors = {
    "sigmoid": plotting.color("blue"),
    "tanh": plotting.color("orange"),
    "ReLU": plotting.color("green"),
}
for name in ACTIVATIONS:
    ax_value.plot(GRID, values[name], color=colors[name], label=name)
    ax_slope.plot(GRID, derivatives[name], color=colors[name], label=f"{name}'")
ax_slope.axhline(0.25, color=plotting.color("reference"), ls="--", lw=1, label="¼ (sigmoid's peak)")
ax_value.set_ylim(-1.2, 3.0)
ax_value.set_xlabel("z")
ax_value.set_ylabel("g(z)")
ax_value.set_title("Activation functions")
ax_slope.set_xlabel("z")
ax_slope.set_ylabel("g'(z)  (automatic differentiation)")
ax_slope.set_title("Their derivatives")
for ax in (ax_value, ax_slope):
    ax.legend(loc="upper left")
lesson.savefig(fig, "activations_and_derivatives")

# %% [markdown]
# Sigmoid's slope peaks at z = 0 at exactly ¼ and is below 0.01 once |z| > 4.6: each
# sigmoid layer divides the back-propagated gradient by at least 4. tanh's slope reaches
# 1 but saturates the same way. ReLU's slope is a step: 1 for z > 0 (the gradient passes
# unchanged, however deep the net) and 0 for z < 0. (At z = 0 exactly, TensorFlow, JAX and PyTorch all use 0.)
#
# ## 2. ReLU is sparse: about half the units are off
#
# A ReLU unit outputs exactly 0 whenever `z < 0`. At He initialization the weights are
# symmetric around 0, so for a given input `z` is as likely negative as positive and about
# half the units are off. We measure it on a real network: `dlcourse.deep_net` with three
# ReLU layers of 128 units, He initialization, fed the 8×8 digits.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
x_train = data.x_train
relu_net = dlcourse.deep_net(
    (64,), HIDDEN_UNITS, num_classes=10, activation="relu", initializer="he", seed=lesson.seed
)
hidden_names = [f"hidden_{l}" for l in range(1, len(HIDDEN_UNITS) + 1)]
probe = keras.Model(relu_net.input, [relu_net.get_layer(n).output for n in hidden_names])
activations = [np.asarray(a) for a in probe.predict(x_train, verbose=0)]  # each (m, 128)
sparsity = [float(np.mean(a == 0.0)) for a in activations]
for name, fraction in zip(hidden_names, sparsity):
    print(f"{name}: {fraction:.1%} of the activations are exactly 0")

sigmoid_net = dlcourse.deep_net(
    (64,),
    HIDDEN_UNITS[:1],
    num_classes=10,
    activation="sigmoid",
    initializer="xavier",
    seed=lesson.seed,
)
sigmoid_hidden = keras.Model(sigmoid_net.input, sigmoid_net.get_layer("hidden_1").output)
sigmoid_zero = float(np.mean(np.asarray(sigmoid_hidden.predict(x_train, verbose=0)) == 0.0))
print(f"sigmoid net, hidden_1: {sigmoid_zero:.1%} exactly 0 (a sigmoid is never exactly off)")

lesson.claim(
    "fraction of exactly-zero ReLU activations in hidden_1 at He init (digits, 128 units)",
    sparsity[0],
    target="in [0.3, 0.7]",
    holds=0.3 <= sparsity[0] <= 0.7,
)

# %%
fig, (ax_hist, ax_units) = plt.subplots(1, 2, figsize=(10, 3.8))
first = activations[0].ravel()
# Counts span decades (the spike at 0 holds about half of all values): a log axis, with
# points rather than bars, as a log bar has no honest bottom.
counts, edges = np.histogram(first[first > 0], bins=40)
centres = 0.5 * (edges[:-1] + edges[1:])
ax_hist.plot(
    centres[counts > 0],
    counts[counts > 0],
    "o-",
    ms=3.5,
    color=plotting.color("green"),
    label=f"a > 0, in {len(counts)} bins of width {edges[1] - edges[0]:.2f}",
)
if np.any(counts == 0):  # an empty bin cannot sit on a log axis: a labelled floor
    ax_hist.plot(
        centres[counts == 0],
        np.full(np.sum(counts == 0), 0.5),
        "o",
        ms=3.5,
        mfc="none",
        color=plotting.color("green"),
        label="empty bin (drawn at 0.5)",
    )
ax_hist.plot(
    0,
    np.sum(first == 0),
    "s",
    ms=8,
    color=plotting.color("bad"),
    label=f"a = 0 exactly ({sparsity[0]:.0%} of all values)",
)
ax_hist.set_yscale("log")
ax_hist.set_xlabel("activation a = ReLU(z) in hidden_1")
ax_hist.set_ylabel("number of activations (log scale)")
ax_hist.set_title("hidden_1 activations at He initialization")
ax_hist.legend()

per_unit = np.mean(activations[0] == 0.0, axis=0)  # fraction of examples each unit is off for
ax_units.hist(per_unit, bins=20, range=(0, 1), color=plotting.color("blue"))
ax_units.axvline(
    sparsity[0], color=plotting.color("bad"), ls="--", lw=1.2, label=f"overall {sparsity[0]:.0%}"
)
ax_units.set_xlabel("fraction of digits for which the unit outputs 0")
ax_units.set_ylabel("number of hidden_1 units")
ax_units.set_title("Each unit is off for part of the inputs")
ax_units.legend()
lesson.savefig(fig, "relu_sparsity")

# %% [markdown]
# Left: the count at exactly zero (red square) stands far above every bin of positive
# values (green points; the count axis is logarithmic, so each step is a factor of ten).
# Right: the units differ — some are off for almost every digit, some on for almost
# every digit, many in between — so each input switches on its own subset of units: a
# sparse, input-dependent code (and, for a given input, the active units form a plain
# linear map). A sigmoid layer has no exact zeros at all. The digits' pixels are all ≥ 0, which
# is why the fraction is not exactly one half.
#
# ## Leaky ReLU: a small slope instead of zero
#
# A unit that outputs 0 also passes no gradient back, and a unit whose `z` is negative
# for every input never learns again (a "dead" ReLU). Ng's remedy is the **leaky ReLU**
# `max(αz, z)` with a small `α` such as 0.01: for `z < 0` the slope is `α`, not 0.
# Keras has it as `keras.ops.leaky_relu(z, negative_slope=α)` (default α = 0.2) and
# `keras.layers.LeakyReLU`. We draw it for α = 0.01 and 0.2, with the slopes measured by
# finite differences on the grid, and apply it to the same `hidden_1` pre-activations.

# %%
LEAKY_SLOPES = (0.01, 0.2)
leaky = {
    alpha: keras.ops.convert_to_numpy(keras.ops.leaky_relu(GRID, negative_slope=alpha))
    for alpha in LEAKY_SLOPES
}
relu_values = np.maximum(GRID, 0.0)
fig, (ax_value, ax_slope) = plt.subplots(1, 2, figsize=(10, 3.8))
curves = [("ReLU", relu_values, dict(color=plotting.color("green"), lw=5, alpha=0.35))]
for alpha, col in zip(LEAKY_SLOPES, ("blue", "purple")):
    curves.append((f"leaky ReLU, α = {alpha:g}", leaky[alpha], dict(color=plotting.color(col))))
curves[1][2].update(ls="--")  # α = 0.01 lies on ReLU: dashed on top of the wide pale line
for name, value, style in curves:
    ax_value.plot(GRID, value, label=name, **style)
    slope = np.gradient(value, GRID)  # central differences: measured, not typed in
    ax_slope.plot(GRID, slope, label=f"{name}: slope {slope[0]:g} for z < 0", **style)
ax_value.set(xlabel="z", ylabel="g(z)", ylim=(-1.5, 6.3), title="ReLU and leaky ReLU")
ax_slope.set(
    xlabel="z",
    ylabel="g'(z)  (finite differences)",
    ylim=(-0.1, 1.6),  # headroom: the legend covers no data
    title="Their slopes: α instead of 0 for z < 0",
)
ax_value.legend(loc="upper left")
ax_slope.legend(loc="upper left")
lesson.savefig(fig, "leaky_relu")

hidden_kernel, hidden_bias = relu_net.get_layer("hidden_1").get_weights()
z_hidden = x_train @ hidden_kernel + hidden_bias  # (m, 128) pre-activations of hidden_1
plotting.show_table(
    ["activation in hidden_1", "share of (example, unit) pairs passing no gradient back"],
    [["ReLU", f"{np.mean(np.where(z_hidden > 0, 1.0, 0.0) == 0):.0%}"]]
    + [
        [f"leaky ReLU, α = {alpha:g}", f"{np.mean(np.where(z_hidden > 0, 1.0, alpha) == 0):.0%}"]
        for alpha in LEAKY_SLOPES
    ],
)

# %% [markdown]
# Left: with α = 0.01 (dashed) the leaky ReLU is hard to tell from ReLU (wide, pale
# green); α = 0.2 bends visibly. Right: the slopes — 1 for `z > 0` in all three, and for
# `z < 0` exactly 0 for ReLU, α for the leaky ones (the dashed 0.01 sits just above the
# pale 0). In the table, the same He-initialized `hidden_1` as above: with ReLU more
# than half of its (example, unit) pairs pass no gradient back; with a leaky ReLU none
# do — each passes at least α of it. Ng notes that leaky ReLU often works a little
# better than ReLU but is used less in practice; try it when many units die.
#
# ## 3. Maxout: a learned piecewise-linear activation
#
# A maxout unit takes `k` affine functions of its input and outputs the largest. With
# `dlcourse.layers.Maxout(units=1, pieces=2)` on a scalar input `x` the unit is
# `max(w₁x + b₁, w₂x + b₂)`:
#
# - weights `(1, 0)`, biases `(0, 0)`: `max(x, 0)` — ReLU;
# - weights `(1, −1)`, biases `(0, 0)`: `max(x, −x) = |x|`.
#
# First we set those weights by hand; then we *train* a randomly initialized unit on
# samples of `|x|` and see whether it finds them.

# %%
x = np.linspace(-2.0, 2.0, 401).reshape(-1, 1).astype("float32")
hand_unit = keras.Sequential([keras.Input((1,)), dlcourse.layers.Maxout(1, pieces=2)])
hand_unit.layers[-1].set_weights([np.array([[1.0, 0.0]]), np.zeros(2)])
relu_error = float(np.max(np.abs(keras.ops.convert_to_numpy(hand_unit(x)) - np.maximum(x, 0.0))))
hand_unit.layers[-1].set_weights([np.array([[1.0, -1.0]]), np.zeros(2)])
abs_error = float(np.max(np.abs(keras.ops.convert_to_numpy(hand_unit(x)) - np.abs(x))))
print(f"maxout with weights (1, 0): max |output − ReLU(x)| = {relu_error:g}")
print(f"maxout with weights (1, −1): max |output − |x|| = {abs_error:g}")
lesson.claim(
    "ReLU is maxout over (z, 0): max |maxout(x) − relu(x)| with weights (1, 0)",
    relu_error,
    target="== 0",
    holds=relu_error == 0.0,
)


# %%
def fit_maxout(target, pieces, steps, optimizer):
    """Train one Maxout unit on (x, target(x)) with full-batch steps of `optimizer` (MSE)."""
    unit = keras.Sequential(
        [
            keras.Input((1,)),
            dlcourse.layers.Maxout(1, pieces=pieces, bias_initializer="random_normal"),
        ]
    )
    # `steps` copies of the grid, batches of one grid, no shuffling: one epoch of fit is
    # `steps` full-batch steps, run 250 at a time inside the framework (1 on PyTorch).
    unit.compile(
        optimizer=optimizer,
        loss="mse",
        steps_per_execution=backend.steps_per_execution(min(250, steps)),
    )
    unit.fit(
        np.tile(x, (steps, 1)),
        np.tile(target(x), (steps, 1)),
        batch_size=len(x),
        shuffle=False,
        epochs=1,
        verbose=0,
    )
    return unit


abs_unit = fit_maxout(np.abs, pieces=2, steps=MAXOUT_STEPS, optimizer=keras.optimizers.SGD(0.3))
kernel, bias = abs_unit.layers[-1].get_weights()
trained_error = float(np.max(np.abs(keras.ops.convert_to_numpy(abs_unit(x)) - np.abs(x))))
print(
    f"trained 2-piece maxout on |x|: pieces {kernel.ravel().round(4)}·x + {bias.round(4)}; "
    f"max error {trained_error:.1e}"
)
lesson.claim(
    "a trained 2-piece maxout unit fits |x| on [-2, 2] (max error)",
    trained_error,
    target="< 1e-4",
    holds=trained_error < 1e-4,
)

convex = lambda v: 0.5 * v**2  # noqa: E731  a smooth convex target for a 3-piece unit
convex_unit = fit_maxout(
    convex, pieces=3, steps=MAXOUT_STEPS, optimizer=keras.optimizers.Adam(0.05)
)
convex_error = float(np.max(np.abs(keras.ops.convert_to_numpy(convex_unit(x)) - convex(x))))
print(f"trained 3-piece maxout on x²/2: max error {convex_error:.3f}")

# %%
fig, (ax_abs, ax_convex) = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, unit, target, title in (
    (ax_abs, abs_unit, np.abs, f"2 pieces learn |x| exactly (max error {trained_error:.0e})"),
    (
        ax_convex,
        convex_unit,
        convex,
        f"3 pieces approximate a convex curve x²/2 (max error {convex_error:.2f})",
    ),
):
    kernel, bias = unit.layers[-1].get_weights()
    for k in range(kernel.shape[1]):
        ax.plot(
            x,
            kernel[0, k] * x + bias[k],
            color=plotting.CYCLE[k + 2],
            lw=1,
            ls="--",
            label=f"piece {k + 1}: {kernel[0, k]:+.2f}x {bias[k]:+.2f}",
        )
    ax.plot(x, target(x), color=plotting.color("reference"), lw=5, alpha=0.5, label="target")
    ax.plot(
        x,
        keras.ops.convert_to_numpy(unit(x)),
        color=plotting.color("black"),
        lw=1.5,
        label="maxout = max of pieces",
    )
    ax.set_ylim(-0.8, 2.4)
    ax.set_xlabel("x")
    ax.set_ylabel("output")
    ax.set_title(title)
    ax.legend(loc="upper center", fontsize=8)
lesson.savefig(fig, "maxout_fit")

# %% [markdown]
# Left: from random weights, gradient descent moved the two pieces to slopes ±1 through
# the origin: the unit *is* |x| up to float32 round-off. Right: with three pieces (Adam,
# from random weights) the unit learns the symmetric convex approximation of the
# parabola — a flat piece in the middle and slopes of about ±4/3 on the sides — off by
# at most the error in the title; more pieces give a closer fit, as long as each piece
# stays the maximum somewhere (a piece that is never the largest gets no gradient and
# stays unused). A maxout unit can only make *convex* shapes (a max of lines), but a layer of them
# followed by another layer can approximate any continuous function (Goodfellow et al.).
# The price: `k` times as many weights as a ReLU layer of the same width.
#
# ## What to remember
#
# - sigmoid'(z) = σ(1 − σ) ≤ ¼ (exactly ¼ at z = 0), and ≈ 0 when the unit saturates;
#   tanh' ≤ 1 with the same saturation. Stacked, these factors make gradients vanish.
# - ReLU = max(0, z): cheap, derivative 1 where active, and sparse — about half the
#   units are exactly 0 at He initialization, each input using its own subset.
# - Maxout = max over learned affine pieces: ReLU is maxout over (z, 0), two pieces give
#   |x| exactly, and more pieces learn any convex piecewise-linear activation.

# %%
lesson.finish()
