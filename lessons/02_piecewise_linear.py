"""Piecewise-linear curves: sums of hard sigmoids

Follows Hung-yi Lee's picture of what a one-hidden-layer network computes: any
continuous curve is approximated by a piecewise-linear one, which is a constant plus a
sum of "hard sigmoids"; each hard sigmoid is a smooth sigmoid `c·sigmoid(b + w x)` in
the limit of a steep slope, and exactly the difference of two ReLUs. More pieces give
a closer fit (the error falls like the square of the piece width).

Claim: two ReLUs reproduce a hard sigmoid exactly (error < 1e-6); 32 pieces fit with < ¼ the error of 4.
"""

# %% [markdown]
# Pick a few points on a continuous curve and join them with straight segments: the
# result is a **piecewise-linear** curve, and with enough points it is as close to the
# original as you like. Hung-yi Lee's observation is that every such curve is
#
# `f(x) = constant + Σ_i hard_sigmoid_i(x)`,
#
# where a **hard sigmoid** is flat, then rises linearly, then is flat again. The
# i-th one rises on the i-th segment by exactly as much as the curve does there, so
# adding them up, left to right, traces the curve.
#
# Two facts connect this to neural networks:
#
# - a hard sigmoid is approximated by a smooth sigmoid `c·sigmoid(b + w x)`: `w` sets
#   the slope, `b` the position, `c` the height; the larger `w`, the sharper the corner;
# - a hard sigmoid is **exactly** the difference of two ReLUs:
#   `h·(relu(x − x₀) − relu(x − x₁)) / (x₁ − x₀)`.
#
# So a single hidden layer of ReLUs (two per piece) followed by a linear output unit
# can represent any piecewise-linear curve — and hence approximate any continuous one.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import backend, datasets, plotting
from dlcourse.lesson import start

lesson = start(__file__)

CURVE = "smooth"  # sin(2x) + 0.5 cos(5x) + 0.3x on [-2, 2]
GRID_POINTS = lesson.pick(full=4001, quick=1001)  # where the fit error is measured
PIECES_SHOWN = 8  # pieces in the "pieces and their sum" figure
PIECE_COUNTS = lesson.pick(full=[1, 2, 4, 8, 16, 32, 64, 128], quick=[1, 2, 4, 8, 16, 32, 64])
SMALL, LARGE = 4, 32  # the claim compares these two

x_grid, y_true = (a.astype("float64").ravel() for a in datasets.curve(CURVE, GRID_POINTS))


def relu(x):
    return np.maximum(x, 0.0)


def hard_sigmoid(x, start, end, height):
    """0 left of `start`, rises linearly to `height` at `end`, then stays there."""
    return height * np.clip((x - start) / (end - start), 0.0, 1.0)


def hard_sigmoid_from_relus(x, start, end, height):
    """The same hard sigmoid as the difference of two ReLUs."""
    slope = height / (end - start)
    return slope * relu(x - start) - slope * relu(x - end)


# %% [markdown]
# ## 1. One hard sigmoid: a sigmoid in the limit, two ReLUs exactly
#
# Take a hard sigmoid that rises by `h = 1.5` between `x₀ = −0.5` and `x₁ = 0.5`. On the
# left we draw `c·sigmoid(w (x − 0))` with `c = h` for growing slopes `w`; `w = 4/(x₁ − x₀)`
# has the same slope as the hard sigmoid in the middle. On the right we build it from two
# ReLUs and measure the largest difference on a fine grid.

# %%
x0, x1, height = -0.5, 0.5, 1.5
target = hard_sigmoid(x_grid, x0, x1, height)
from_relus = hard_sigmoid_from_relus(x_grid, x0, x1, height)
relu_error = float(np.max(np.abs(from_relus - target)))
lesson.claim(
    "two ReLUs reproduce one hard sigmoid (max |difference| on the grid)",
    relu_error,
    target="< 1e-6",
    holds=relu_error < 1e-6,
)

slopes = [1, 4 / (x1 - x0), 16, 100]
fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.2))
ax = axes[0]
ax.plot(
    x_grid, target, color=plotting.color("black"), lw=2.5, label="hard sigmoid (ramp from −½ to ½)"
)
ax.plot(
    x_grid,
    np.where(x_grid < 0, 0.0, height),
    ":",
    color=plotting.color("grey"),
    lw=2,
    label="step: the limit w → ∞",
)
gaps = {}
for w, col in zip(slopes, (plotting.color(c) for c in ("sky", "green", "orange", "red"))):
    smooth = height / (1 + np.exp(-w * (x_grid - (x0 + x1) / 2)))
    gaps[w] = np.max(np.abs(smooth - target))
    ax.plot(
        x_grid,
        smooth,
        color=col,
        lw=1.4,
        label=f"w = {w:g}: max |diff. from hard sigmoid| {gaps[w]:.2f}",
    )
ax.set_xlabel("x")
ax.set_ylabel("output")
ax.set_ylim(-0.1, 2.6)
ax.set_title(
    f"{height:g}·sigmoid(w x) tends to a step as w grows;\n"
    f"w = {min(gaps, key=gaps.get):g} is closest to the hard sigmoid"
)
ax.legend(loc="upper left", fontsize=8)

ax = axes[1]
slope = height / (x1 - x0)
ax.plot(
    x_grid,
    slope * relu(x_grid - x0),
    "--",
    color=plotting.color("blue"),
    label=f"{slope:g}·relu(x + {-x0:g})",
)
ax.plot(
    x_grid,
    -slope * relu(x_grid - x1),
    "--",
    color=plotting.color("orange"),
    label=f"−{slope:g}·relu(x − {x1:g})",
)
ax.plot(x_grid, from_relus, color=plotting.color("black"), lw=2.5, label="their sum")
ax.set_ylim(-2.5, 3.0)
ax.set_xlabel("x")
ax.set_ylabel("output")
ax.set_title(f"Two ReLUs make one hard sigmoid (max error {relu_error:.2g})")
ax.legend(loc="upper left")
lesson.savefig(fig, "hard_sigmoid")

# %% [markdown]
# Left: `w` controls the slope. At `w = 4` the sigmoid has the hard sigmoid's slope in
# the middle but rounded corners, and it is the closest of the four (see the largest
# differences in the legend). As `w` grows further the ramp narrows and the curve tends
# to a **step** (dotted), not to this hard sigmoid: the limit of a sigmoid is a hard
# sigmoid whose ramp has zero width. A ramp of width `x₁ − x₀` is matched by the slope
# `w ≈ 4/(x₁ − x₀)` and stays a smooth approximation. With `b` you move it along
# `x` and with `c` you set its height, so sums of sigmoids can imitate sums of hard
# sigmoids: that is a sigmoid network. Right: the ReLU version is not an approximation
# at all. The rising ReLU starts the ramp and the falling one cancels it from `x₁` on;
# the difference is zero up to floating-point rounding.
#
# ## 2. A curve as a constant plus a sum of hard sigmoids
#
# Now the curve from `datasets.curve("smooth")`. We cut `[−2, 2]` into `K` equal pieces
# with knots `x₀ < x₁ < … < x_K`. The constant is the curve's value at `x₀`; piece `i`
# is a hard sigmoid rising from `x_{i−1}` to `x_i` by `f(x_i) − f(x_{i−1})`. Every
# piece is built from two ReLUs, so the sum is what a 2K-ReLU hidden layer with a
# linear output computes. We also load exactly these weights into a Keras network
# (`Dense(2K, "relu")` → `Dense(1)`, float64) to check that the network computes the
# same curve.


# %%
def piecewise_linear(k):
    """Knots, constant and pieces (one row per hard sigmoid) of the K-piece interpolant."""
    x_knots, y_knots = (a.astype("float64").ravel() for a in datasets.curve(CURVE, k + 1))
    rises = np.diff(y_knots)  # (K,)
    pieces = np.stack(
        [hard_sigmoid_from_relus(x_grid, x_knots[i], x_knots[i + 1], rises[i]) for i in range(k)]
    )  # (K, grid)
    return x_knots, y_knots, pieces


def relu_network(x_knots, y_knots):
    """A Keras net whose 2K ReLUs (two per piece) and linear output draw the interpolant."""
    k = len(x_knots) - 1
    slopes = np.diff(y_knots) / np.diff(x_knots)  # (K,)
    model = keras.Sequential(
        [
            keras.Input((1,), dtype="float64"),
            keras.layers.Dense(2 * k, activation="relu", dtype="float64"),
            keras.layers.Dense(1, dtype="float64"),
        ]
    )
    hidden, output = model.layers
    # hidden units 2i and 2i+1 compute relu(x − x_i) and relu(x − x_{i+1})
    corners = np.stack([x_knots[:-1], x_knots[1:]], axis=1).reshape(
        2 * k
    )  # x_0, x_1, x_1, x_2, ...
    hidden.set_weights([np.ones((1, 2 * k)), -corners])
    # piece i = slope_i·relu(x − x_i) − slope_i·relu(x − x_{i+1}); the output bias is the constant
    output.set_weights([np.stack([slopes, -slopes], axis=1).reshape(2 * k, 1), y_knots[:1]])
    return model


x_knots, y_knots, pieces = piecewise_linear(PIECES_SHOWN)
constant = y_knots[0]
fit_shown = constant + pieces.sum(axis=0)
with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    network = relu_network(x_knots, y_knots)
    network_fit = keras.ops.convert_to_numpy(network(x_grid[:, None])).ravel()
network_error = float(np.max(np.abs(network_fit - fit_shown)))
# float64 is exact to round-off on TensorFlow and JAX; on PyTorch Keras computes a float64
# matmul in float32, so there "equal" can only mean to float32 round-off.
EXACT = 1e-6 if keras.backend.backend() != "torch" else 1e-5
lesson.claim(
    f"a Keras ReLU layer ({2 * PIECES_SHOWN} units) with these weights equals constant + Σ pieces "
    "(max |difference|)",
    network_error,
    target=f"< {EXACT:g}",
    holds=network_error < EXACT,
)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
ax = axes[0]
ax.axhline(
    constant, color=plotting.color("black"), lw=2.5, ls=":", label=f"constant = {constant:.2f}"
)
rising = np.diff(y_knots) > 0
for i, piece in enumerate(pieces):
    kind = "rises" if rising[i] else "falls"
    ax.plot(
        x_grid,
        piece,
        color=plotting.color("blue" if rising[i] else "red"),
        lw=1.6,
        label=f"a hard sigmoid that {kind} ({np.sum(rising == rising[i])} of {PIECES_SHOWN})"
        if i == np.flatnonzero(rising == rising[i])[0]
        else None,
    )
for knot in x_knots:
    ax.axvline(knot, color=plotting.color("reference"), lw=0.6, ls="--")
ax.set_xlabel("x")
ax.set_ylabel("output")
ax.set_title(f"The {PIECES_SHOWN} pieces: each changes only on its own segment")
ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.16), ncol=2, fontsize=8)

ax = axes[1]
ax.plot(x_grid, y_true, color=plotting.color("reference"), lw=4, alpha=0.6, label="true curve")
ax.plot(
    x_grid,
    fit_shown,
    color=plotting.color("green"),
    lw=1.6,
    label=f"constant + Σ {PIECES_SHOWN} hard sigmoids",
)
ax.plot(
    x_grid,
    network_fit,
    "--",
    color=plotting.color("orange"),
    lw=1.4,
    label=f"Keras net, {2 * PIECES_SHOWN} ReLUs",
)
ax.plot(x_knots, y_knots, "o", color=plotting.color("black"), ms=4, label="knots")
ax.set_xlabel("x")
ax.set_ylabel("f(x)")
ax.set_title("Their sum is the piecewise-linear curve through the knots")
ax.legend(loc="lower right")
lesson.savefig(fig, "pieces_and_sum")

# %% [markdown]
# Left: each hard sigmoid is flat except on its own segment (between two dashed knot
# lines), where it goes up (blue) or down (red) by the curve's change on that segment; a
# falling one is a hard sigmoid with a negative height.
# Right: the constant plus all of them is the polyline through the knots (green), and the
# Keras network loaded with the same ReLU weights draws exactly the same polyline
# (orange dashes). Eight pieces already follow the curve's shape, but the corners are
# visible.
#
# ## 3. More pieces, smaller error
#
# We repeat the construction for `K = 1, 2, 4, …` pieces and measure the root-mean-square
# error against the true curve on a fine grid.


# %%
def fit_error(k):
    _, y_k, pieces_k = piecewise_linear(k)
    fit = y_k[0] + pieces_k.sum(axis=0)
    return float(np.sqrt(np.mean((fit - y_true) ** 2)))


errors = np.array([fit_error(k) for k in PIECE_COUNTS])
for k, error in zip(PIECE_COUNTS, errors):
    print(f"{k:>4} pieces ({2 * k:>3} ReLUs): RMS error {error:.2e}")
ratio = fit_error(LARGE) / fit_error(SMALL)
lesson.claim(
    f"fit error with {LARGE} pieces / fit error with {SMALL} pieces",
    ratio,
    target="< 0.25",
    holds=ratio < 0.25,
)

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.4))
counts = np.array(PIECE_COUNTS)
ax.loglog(counts, errors, "o-", color=plotting.color("blue"), label="constant + Σ hard sigmoids")
steep = counts >= 8
reference = errors[-1] * (counts[steep] / counts[-1]) ** -2.0
ax.loglog(
    counts[steep],
    reference,
    "--",
    color=plotting.color("reference"),
    lw=1,
    label="∝ 1/K² (error ∝ width² of a piece)",
)
for k, col in ((SMALL, plotting.color("bad")), (LARGE, plotting.color("good"))):
    ax.loglog(
        [k],
        [fit_error(k)],
        "o",
        ms=10,
        mfc="none",
        mew=2,
        color=col,
        label=f"K = {k}: {fit_error(k):.1e}",
    )
ax.set_xlabel("number of pieces K (hidden ReLUs = 2K)  (log scale)")
ax.set_ylabel("RMS error against the true curve  (log scale)")
ax.set_title(
    f"Fit error vs number of pieces\n({LARGE} pieces: {ratio:.3f}× the error of {SMALL} pieces)"
)
ax.legend()
lesson.savefig(fig, "error_vs_pieces")

# %% [markdown]
# With one or two pieces the polyline cannot follow the wiggles at all. Once the pieces
# are narrower than the curve's bends, the error falls like `1/K²`: halving the piece
# width quarters the error (linear interpolation's error is about `width²·|f''|/8`).
# Going from 4 to 32 pieces cuts it by far more than the 4× the claim asks for.
#
# A network does not get the knots handed to it: training has to place them (the
# biases) and set the heights (the output weights) by gradient descent, and it may do
# worse than this construction. What the construction shows is what the network *can*
# represent.
#
# ## What to remember
#
# - A continuous curve ≈ a constant + a sum of hard sigmoids (a piecewise-linear curve);
#   more pieces, closer fit.
# - A hard sigmoid is two ReLUs, exactly; a sigmoid `c·sigmoid(b + w x)` is its smooth
#   version (`w` slope, `b` position, `c` height).
# - So one hidden layer of ReLUs (or sigmoids) followed by a linear unit can approximate
#   any continuous function — given enough units. Lesson 7 shows that depth buys many
#   more pieces per unit than width.

# %%
lesson.finish()
