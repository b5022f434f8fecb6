"""Normalizing inputs

Fits a linear regression to two features on very different scales (x1 in [1, 1000],
x2 in [0, 1]) with full-batch gradient descent, once on the raw features and once on
normalized ones, each over a grid of learning rates trained together with
`dlcourse.Sweep`. The raw cost has long, thin contours (a Hessian with eigenvalues
millions apart), so gradient descent needs a tiny learning rate and millions of steps;
normalized, the contours are round and a handful of steps suffice. The test set is
normalized with the *training* mean and standard deviation, as
`keras.layers.Normalization` does.

Claim: gradient descent on normalized inputs reaches the target cost in ≥ 5× fewer steps; test data uses training μ, σ.
"""

# %% [markdown]
# Ng's recipe (course 2, week 1), per feature, on the **training** set:
#
# `μ = (1/m) Σ x⁽ⁱ⁾`,  `σ² = (1/m) Σ (x⁽ⁱ⁾ − μ)²`,  then `x ← (x − μ) / σ`,
#
# and the *same* `μ` and `σ` are used for the dev and test sets. Why bother? If `x1`
# ranges over `[1, 1000]` and `x2` over `[0, 1]`, the cost `J(w1, w2, b)` is extremely
# steep along `w1` and almost flat along `w2`: its contours are long, thin ellipses.
# Gradient descent must take a learning rate small enough for the steep direction, and
# then crawls along the flat one. With normalized features the contours are round and
# every direction converges at the same speed.
#
# LeCun et al. (*Efficient BackProp*, 1998) make this exact for a quadratic cost: with
# `λ_max`, `λ_min` the largest and smallest eigenvalues of the Hessian, gradient descent
# diverges for `η > 2/λ_max`, and the number of steps grows with `λ_max / λ_min`.
# A non-zero input mean alone creates one very large eigenvalue.
#
# We use linear regression, whose cost *is* a quadratic, so its Hessian says in advance
# what gradient descent will do, and we check it against gradient descent itself.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start
from dlcourse.sweep import Sweep

lesson = start(__file__)

M_TRAIN, M_TEST = 200, 100
TRUE_W, TRUE_B, NOISE = np.array([0.002, 2.0]), 1.0, 0.1  # both features matter
TARGET = 1e-3  # reach J* + TARGET · (J(0) − J*): the same for both problems
GRID = 10.0 ** np.arange(-8.0, 1.01, 0.2)  # learning rates, 5 per decade
GRID_STEPS = lesson.pick(full=500, quick=200)  # full-batch GD steps (epochs) at every rate
PATH_STEPS = lesson.pick(full=20_000, quick=5_000)  # steps drawn on the raw contours

# %% [markdown]
# ## 1. Data on two very different scales

# %%
rng = lesson.rng


def make_data(m):
    x = np.c_[rng.uniform(1, 1000, m), rng.uniform(0, 1, m)]  # (m, 2)
    return x, x @ TRUE_W + TRUE_B + rng.normal(0, NOISE, m)


x_train, y_train = make_data(M_TRAIN)
x_test, y_test = make_data(M_TEST)

mu = x_train.mean(axis=0)  # training statistics only
sigma = np.sqrt(((x_train - mu) ** 2).mean(axis=0))
x_train_norm, x_test_norm = (x_train - mu) / sigma, (x_test - mu) / sigma
print(f"μ = {mu.round(3)}, σ = {sigma.round(3)}")
print(f"normalized train mean {x_train_norm.mean(axis=0)}, std {x_train_norm.std(axis=0)}")
print(f"normalized test  mean {x_test_norm.mean(axis=0)}, std {x_test_norm.std(axis=0)}")

# %%
stages = {"raw": (x_train, x_test), "centred: x − μ": (x_train - mu, x_test - mu)}
stages["scaled: (x − μ) / σ"] = (x_train_norm, x_test_norm)
fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.4))
for ax, (label, (train, test)) in zip(axes, stages.items()):
    ax.axhline(0, color=plotting.color("grey"), lw=0.8)
    ax.axvline(0, color=plotting.color("grey"), lw=0.8)
    ax.scatter(*train.T, s=8, color=plotting.color("train"), label="training set")
    ax.scatter(*test.T, s=14, facecolor="none", edgecolor=plotting.color("test"), label="test set")
    ax.set_aspect("equal", adjustable="datalim")  # one unit is as long on both axes
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=f"{label} (equal axes)")
axes[0].set_title(
    f"raw (equal axes): x1 spans {np.ptp(x_train[:, 0]):.0f}, x2 {np.ptp(x_train[:, 1]):.2f}"
)
handles = axes[0].get_legend_handles_labels()[0]
fig.legend(handles=handles, loc="outside lower center", ncols=2)
fig.suptitle("Normalizing the inputs with the training set's μ and σ (grey lines: x1 = 0, x2 = 0)")
lesson.savefig(fig, "normalization_steps")

# %% [markdown]
# Ng's three pictures, each on equal axes (one unit as long across as up). Raw (left):
# `x1` spreads over about a thousand, `x2` over one, so the cloud is a flat line running
# from the origin (where the grey lines cross) to `x1 = 1000`, its middle near 500.
# Centred (middle): subtracting `μ` slides it onto the origin, still a line. Scaled (right): dividing by `σ` gives both features the same
# spread, and the cloud is a square around the origin. The test points (green rings),
# normalized with the *training* `μ` and `σ`, land in the same square.
#
# The normalized *training* features have mean 0 and standard deviation 1 exactly; the
# test features, normalized with the training `μ, σ`, only approximately — which is
# right: the network must see test data exactly as it saw training data. Keras's
# `Normalization` layer does the same thing: `adapt` it on the training set only.

# %%
normalizer = keras.layers.Normalization(axis=-1)
normalizer.adapt(x_train.astype("float32"))
keras_test = keras.ops.convert_to_numpy(normalizer(x_test.astype("float32")))
mean_error = np.max(np.abs(np.asarray(normalizer.mean).ravel() - mu) / mu)
var_error = np.max(np.abs(np.asarray(normalizer.variance).ravel() - sigma**2) / sigma**2)
test_error = np.max(np.abs(keras_test - x_test_norm))
print(
    f"Keras Normalization vs ours: mean rel. error {mean_error:.1e}, "
    f"variance rel. error {var_error:.1e}, normalized test max difference {test_error:.1e}"
)
lesson.claim(
    "Normalization adapted on train (float32) vs our train μ, σ applied to test: max difference",
    max(mean_error, var_error, test_error),
    target="< 1e-5",
    holds=max(mean_error, var_error, test_error) < 1e-5,
)
train_mean = np.abs(x_train_norm.mean(axis=0)).max()
test_mean = np.abs(x_test_norm.mean(axis=0)).max()
lesson.claim(
    "max |mean| of normalized features: [train, test] (train exactly 0, test not)",
    [train_mean, test_mean],
    target="train < 1e-12, test > 1e-6",
    holds=train_mean < 1e-12 and test_mean > 1e-6,
)

# %% [markdown]
# ## 2. The cost and its Hessian
#
# Linear regression `ŷ = w1·x1 + w2·x2 + b` with Keras's mean squared error,
# `J = (1/m) Σ (ŷ − y)²`. With `θ = (w1, w2, b)` and `A = [x, 1]` (an `(m, 3)` matrix),
# the gradient is `(2/m) Aᵀ(Aθ − y)` and the Hessian is the constant matrix
# `H = (2/m) AᵀA`. We check the NumPy gradient (used in section 4 to draw the paths)
# against the framework's automatic differentiation once
# (`dlcourse.backend.value_and_grad`: TensorFlow, JAX or PyTorch).


# %%
def design(x):
    return np.c_[x, np.ones(len(x))]  # (m, 3): features and a column of ones for b


def cost(theta, a):
    """J for one θ (3,) or many (k, 3) at once."""
    return np.mean((np.atleast_2d(theta) @ a.T - y_train) ** 2, axis=-1)


def gradient(theta, a):
    return 2 * a.T @ (a @ theta - y_train) / len(y_train)


a_raw, a_norm = design(x_train), design(x_train_norm)
theta_check = rng.normal(size=3)


def cost_autodiff(theta):
    """The same J in keras.ops (`@` and a sum: float64 on every backend)."""
    a_tensor = keras.ops.convert_to_tensor(a_raw, "float64")  # (m, 3)
    y_tensor = keras.ops.convert_to_tensor(y_train, "float64")  # (m,)
    prediction = (a_tensor @ keras.ops.expand_dims(theta, 1))[:, 0]  # (m,)
    return keras.ops.sum((prediction - y_tensor) ** 2) / len(y_train)


with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    _, grad_autodiff = backend.value_and_grad(
        cost_autodiff, keras.ops.convert_to_tensor(theta_check, "float64")
    )
    grad_autodiff = keras.ops.convert_to_numpy(grad_autodiff)
grad_error = np.max(np.abs(gradient(theta_check, a_raw) - grad_autodiff) / np.abs(grad_autodiff))
lesson.claim(
    "NumPy gradient vs the framework's autodiff (float64, max relative error)",
    grad_error,
    target="< 1e-10",
    holds=grad_error < 1e-10,
)

# %% [markdown]
# Both problems fit the same family of functions (an affine function of `x`), so they
# share the same optimal cost `J*` (least squares); both start from `θ = 0`, where
# `J(0) = mean(y²)`; so the target `J* + 10⁻³·(J(0) − J*)` is the same for both. Only
# the geometry differs. The eigenvalues of `H` tell it — and show LeCun's point that the
# *mean* matters, not only the scale:


# %%
def problem(a):
    """What the Hessian says about gradient descent on this quadratic."""
    lam = np.linalg.eigvalsh(2 * a.T @ a / len(a))  # ascending
    theta_star = np.linalg.lstsq(a, y_train, rcond=None)[0]
    return dict(
        a=a, lam=lam, lecun=2 / lam[-1], theta_star=theta_star, j_star=cost(theta_star, a)[0]
    )


variants = {"raw": x_train, "centred only": x_train - mu, "scaled only": x_train / sigma}
variants["normalized"] = x_train_norm
eigenvalues = {label: problem(design(x))["lam"] for label, x in variants.items()}
plotting.show_table(
    ["features", "λ_max", "λ_min", "λ_max / λ_min"],
    [[k, f"{v[-1]:.4g}", f"{v[0]:.3g}", f"{v[-1] / v[0]:.3g}"] for k, v in eigenvalues.items()],
)
raw, norm = problem(a_raw), problem(a_norm)
j0 = float(np.mean(y_train**2))
target = raw["j_star"] + TARGET * (j0 - raw["j_star"])
print(f"J(0) = {j0:.4f}, J* = {raw['j_star']:.5f} (normalized: {norm['j_star']:.5f})")

# %% [markdown]
# Raw features: `λ_max/λ_min` is in the millions. Centering alone or scaling alone
# leaves it large; both together bring it close to 1.
#
# ## 3. A grid of learning rates, trained together with the Sweep
#
# For each problem, a `dlcourse.Sweep` over the grid key `learning_rate` (46 rates, five
# per decade, from 10⁻⁸ to 10): one linear model per rate (a `Dense(1)` layer starting
# at `θ = 0`), all trained together by full-batch gradient descent
# (`keras.optimizers.SGD`, `batch_size = m`: one step per epoch) for `GRID_STEPS` steps.
# Each member's history holds `J(θ_t)` before every step. A rate is *stable* when the
# cost never goes up again (gradient descent on a quadratic only ever goes down, unless
# it diverges); LeCun's bound predicts the edge: `η < 2/λ_max`. Each problem's *best*
# rate is the stable one that reaches the target in the fewest steps or, when none does
# within the budget, the one that gets closest.


# %%
def build(learning_rate):
    """Linear regression ŷ = w·x + b as a Keras model, from θ = 0 (the rate is the Sweep's)."""
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, kernel_initializer="zeros")])


grid_step = 10.0**0.2
for p, x in ((raw, x_train), (norm, x_train_norm)):
    sweep = Sweep(build, {"learning_rate": list(GRID)}, seed=lesson.seed)
    sweep.compile(optimizer=keras.optimizers.SGD(), loss="mse")
    sweep.fit(
        x.astype("float32"),
        y_train.astype("float32"),
        batch_size=M_TRAIN,
        epochs=GRID_STEPS,
        shuffle=False,
        verbose=0,
    )
    p["costs"] = np.array([h.history["loss"] for h in sweep.histories])  # (rates, steps)
    with np.errstate(invalid="ignore"):  # diverged runs end in inf or nan
        p["stable"] = np.isfinite(p["costs"]).all(axis=1) & np.all(
            p["costs"] <= np.fmin.accumulate(p["costs"], axis=1) * (1 + 1e-5), axis=1
        )
        reached = p["costs"] <= target
    p["eta_grid"] = GRID[np.flatnonzero(~p["stable"])[0] - 1]  # the last before the first unstable
    p["steps"] = np.where(reached.any(axis=1), reached.argmax(axis=1), np.inf)  # steps done
    p["gap"] = np.where(p["stable"], p["costs"][:, -1] - p["j_star"], np.inf)  # after the budget
    p["best"] = np.lexsort((p["gap"], p["steps"]))[0]  # fewest steps, then the lowest cost
    p["eta"], p["best_steps"] = GRID[p["best"]], p["steps"][p["best"]]

ratios = [p["eta_grid"] / p["lecun"] for p in (raw, norm)]
for label, p in (("raw", raw), ("normalized", norm)):
    print(
        f"{label:>10}: largest stable rate {p['eta_grid']:.3g} (LeCun 2/λ_max = {p['lecun']:.3g}); "
        f"best η = {p['eta']:.3g}: {p['best_steps']:g} steps to the target"
    )
lesson.claim(
    "largest stable grid learning rate / LeCun's 2/λ_max, [raw, normalized]",
    ratios,
    target=f"in (1/{grid_step:.3f}, 1] (one grid step)",
    holds=all(1 / grid_step < r <= 1.0 for r in ratios),
)
raw_steps = raw["best_steps"] if np.isfinite(raw["best_steps"]) else GRID_STEPS  # a lower bound
speedup = raw_steps / max(norm["best_steps"], 1)
lesson.claim(
    f"steps to the target cost: raw / normalized, each at its best stable rate (raw not "
    f"reached within {GRID_STEPS} steps counts as {GRID_STEPS}: a lower bound)",
    speedup,
    target=">= 5",
    holds=bool(speedup >= 5 and np.isfinite(norm["best_steps"])),
)
slow_steps = np.log(1 / TARGET) / (raw["eta"] * raw["lam"][0])  # the flat direction's time
print(f"raw: the flat direction shrinks by 1 − ηλ_min per step: ≈ {slow_steps:.2g} steps to 10⁻³")

# %%
fig, (ax_strip, ax) = plt.subplots(  # diverged rates have no cost: a strip of their own
    2, 1, figsize=(9.5, 5.0), sharex=True, height_ratios=(1, 5)
)
problems = (("raw", raw, plotting.color("bad")), ("normalized", norm, plotting.color("good")))
FLOOR = 1e-9  # float32 resolves J ≈ 0.01 to about 1e-9: smaller gaps are drawn here
ax.axhspan(
    FLOOR / 2, FLOOR * 2, color=plotting.color("grey"), alpha=0.2, label="≤ 1e-9: float32's limit"
)
for row, (label, p, col) in enumerate(problems):
    ax.loglog(
        GRID,
        np.maximum(np.where(p["stable"], p["gap"], np.nan), FLOOR),
        "o-",
        ms=3,
        color=col,
        label=f"{label}: J − J* after {GRID_STEPS} steps",
    )
    diverged = GRID[~p["stable"]]
    strip_label = f"{label}: diverged (cost went up)"
    ax_strip.plot(diverged, np.full(diverged.size, row), "x", ms=4, color=col, label=strip_label)
    ax.axvline(
        p["lecun"], color=col, ls="--", lw=1, label=f"{label}: LeCun 2/λ_max = {p['lecun']:.2g}"
    )
    ax_strip.axvline(p["lecun"], color=col, ls="--", lw=1)
ax.axhline(target - raw["j_star"], color=plotting.color("reference"), ls=":", label="target")
ax_strip.set_yticks([0, 1], [label for label, _, _ in problems])
ax_strip.set_ylim(-0.6, 1.6)
ax_strip.invert_yaxis()
ax_strip.set_title(f"{len(GRID)} learning rates × 2 problems, one Sweep each: the edge is 2/λ_max")
ax_strip.set_ylabel("diverged", rotation=0, ha="right", va="center")
ax.set_xlabel("learning rate η (log scale)")
ax.set_ylabel(f"J − J* after {GRID_STEPS} steps (log scale)")
handles = [*ax.get_legend_handles_labels()[0], *ax_strip.get_legend_handles_labels()[0]]
fig.legend(handles=handles, loc="outside right center")
lesson.savefig(fig, "learning_rates")

# %% [markdown]
# Left of each dashed line gradient descent converges, and larger rates get further in
# the same number of steps; right of it, it diverges: the curve stops, and the crosses in
# the strip above mark the rates whose cost went up (the grid search did not use the
# eigenvalues, yet it finds LeCun's edge). Raw features force `η` below about `3·10⁻⁶`,
# and even the best of those rates is still far above the target after all its steps;
# normalized ones allow `η ≈ 1` and are below the target for a wide range of rates, down
# to the grey band where float32 (the Sweep trains in float32) cannot resolve the cost any
# better. (At the smallest rates the raw cost is *lower*: its one steep direction is
# fitted even at `η = 10⁻⁸`, the flat rest is not.)

# %%
fig, ax = plt.subplots(figsize=(7.0, 4.4))
for label, p, col in problems:
    gap = p["costs"][p["best"]] - p["j_star"]  # the best member's history, J(θ_t) − J*
    steps = np.arange(1, len(gap))
    ax.loglog(steps, gap[1:], color=col, label=f"{label}: η = {p['eta']:.2g}")
    if np.isfinite(p["best_steps"]):
        ax.plot(p["best_steps"], gap[int(p["best_steps"])], "o", color=col)
ax.axhline(target - raw["j_star"], color=plotting.color("reference"), ls="--", lw=1, label="target")
ax.set_xlabel("gradient-descent step (log scale)")
ax.set_ylabel("J(θ) − J*  (log scale)")
ax.set_title(f"Each problem at its best rate: {norm['best_steps']:g} steps vs not in {GRID_STEPS}")
ax.legend(loc="lower left", fontsize=8)
lesson.savefig(fig, "cost_vs_step")

# %% [markdown]
# Normalized inputs reach the target in a few steps (the dot; the title gives the count);
# raw inputs never get there in the budget. On the raw problem the cost drops fast at first — the steep
# direction is fitted in a step — and then stalls on a long plateau: the flat direction
# converges at rate `1 − ηλ_min` per step, millions of steps at this `η` (printed above).
#
# ## 4. The paths on the cost contours
#
# To see *why*, we draw the path of gradient descent at each problem's best rate on the
# contours of the cost: `dlcourse.scratch.SGD` (`θ ← θ − η ∇J`, lesson 06's from-scratch
# rule) with the NumPy gradient, `PATH_STEPS` steps on the raw problem.


# %%
def gd_path(p, steps):
    """θ after 0, 1, …, steps of gradient descent from θ = 0 at the problem's best rate."""
    theta, optimizer, path = np.zeros(3), scratch.SGD(p["eta"]), [np.zeros(3)]
    for _ in range(steps):
        optimizer.update([theta], [gradient(theta, p["a"])])
        path.append(theta.copy())
    return np.array(path)


raw["run"], norm["run"] = gd_path(raw, PATH_STEPS), gd_path(norm, int(norm["best_steps"]) + 3)


def slice_gap(p, w1, w2):
    """J(w1, w2, b = 0) minus its lowest value over that plane (b = 0 is where GD starts)."""
    hessian = p["a"][:, :2].T @ p["a"][:, :2] / M_TRAIN
    lowest = np.linalg.solve(hessian, p["a"][:, :2].T @ y_train / M_TRAIN)
    d = np.stack([w1 - lowest[0], w2 - lowest[1]], axis=-1)
    return np.einsum("...i,ij,...j->...", d, hessian, d), lowest


def draw_contours(ax, p, w1_range, w2_range, levels=10):
    w1, w2 = np.meshgrid(np.linspace(*w1_range, 300), np.linspace(*w2_range, 300))
    gap, lowest = slice_gap(p, w1, w2)
    ax.contour(
        w1,
        w2,
        gap,
        levels=np.geomspace(gap.min() + target - raw["j_star"], gap.max(), levels),
        colors=plotting.color("grey"),  # one colour: the levels differ from panel to panel
        linewidths=0.9,
    )
    ax.set_xlim(w1_range)
    ax.set_ylim(w2_range)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_box_aspect(1)  # square panels: the stretch below is the ratio of the spans
    return lowest


SHOWN = 100  # steps drawn one by one in the zoom
fig, (ax_raw, ax_zoom, ax_norm) = plt.subplots(1, 3, figsize=(15.0, 6.0))
raw_path, norm_path = raw["run"][:, :2], norm["run"][:, :2]


def padded(low, high, margin):
    return low - margin * (high - low), high + margin * (high - low)


lowest = slice_gap(raw, 0.0, 0.0)[1]
w1_low, w1_high = min(raw_path[:, 0].min(), lowest[0]), max(raw_path[:, 0].max(), lowest[0])
draw_contours(ax_raw, raw, padded(w1_low, w1_high, 0.3), padded(0.0, lowest[1], 0.2))
path_label = "gradient-descent path (steps and η in each title)"
ax_raw.plot(
    raw_path[:, 0], raw_path[:, 1], "-", lw=1, color=plotting.color("bad"), label=path_label
)
ax_raw.plot(*lowest, "*", ms=14, color=plotting.color("good"), label="lowest point (b = 0)")
ax_raw.annotate(
    f"after {len(raw_path) - 1:,} steps: $w_2$ = {raw_path[-1, 1]:.2f}",
    xy=raw_path[-1],
    xytext=(0.45, 0.2),
    textcoords="axes fraction",
    arrowprops=dict(arrowstyle="->", lw=0.8),
)
stretch = np.ptp(ax_raw.get_ylim()) / np.ptp(ax_raw.get_xlim())
slice_lam = np.linalg.eigvalsh(raw["a"][:, :2].T @ raw["a"][:, :2])
elongation = np.sqrt(slice_lam[-1] / slice_lam[0])  # length / width of every ellipse
print(
    f"raw: the ellipses are {elongation:,.0f}× longer than wide; b after {len(raw_path) - 1:,} "
    f"steps = {raw['run'][-1, 2]:.3f} (optimum {raw['theta_star'][2]:.3f})"
)
ax_raw.set_title(
    f"Raw features: all {len(raw_path) - 1:,} steps, η = {raw['eta']:.2g}\n"
    f"ellipses {elongation:,.0f}× longer than wide; $w_1$ stretched {stretch:,.0f}×"
)

zoom = raw_path[: SHOWN + 1]
zoom_w1, zoom_w2 = (padded(zoom[:, i].min(), zoom[:, i].max(), 0.05 * (i + 1)) for i in (0, 1))
draw_contours(ax_zoom, raw, zoom_w1, zoom_w2)
ax_zoom.plot(zoom[:, 0], zoom[:, 1], "o-", ms=2.5, lw=0.8, color=plotting.color("bad"))
power = int(np.floor(np.log10(np.abs(zoom[:, 1]).max())))  # w2 in units of 10^power
ax_zoom.yaxis.set_major_formatter(lambda value, _: f"{value / 10.0**power:g}")
ax_zoom.set_ylabel(f"$w_2$  (× $10^{{{power}}}$)")
ax_zoom.set_title(
    f"Raw features: zoom on the first {SHOWN} steps\n(bottom sliver of the left panel)"
)

w_star = norm["theta_star"][:2]
half = 1.4 * np.max(np.abs(w_star))  # the same span on both axes: true shapes
lowest = draw_contours(
    ax_norm, norm, (w_star[0] - half, w_star[0] + half), (w_star[1] - half, w_star[1] + half)
)
ax_norm.plot(norm_path[:, 0], norm_path[:, 1], "o-", ms=3, color=plotting.color("bad"))
ax_norm.plot(*lowest, "*", ms=14, color=plotting.color("good"))
ax_norm.set_aspect("equal")
ax_norm.set_title(
    f"Normalized features: {len(norm_path) - 1} steps, η = {norm['eta']:.2g}\n"
    "round contours (equal axes)"
)
contour_key = plt.Line2D(
    [], [], color=plotting.color("grey"), lw=0.9, label="cost contours: 10 log-spaced levels"
)
handles, _ = ax_raw.get_legend_handles_labels()
fig.legend(handles=[contour_key, *handles], loc="outside lower center", ncols=3)
fig.suptitle("Cost contours of J(w1, w2, b = 0) and the gradient-descent path", fontweight="bold")
lesson.savefig(fig, "contours")

# %% [markdown]
# Each panel is a slice of the three-parameter cost at `b = 0`, where gradient descent
# starts; the grey lines are ten log-spaced levels of the cost, chosen per panel (so only
# their shape matters, not their colour), and one legend below serves all three panels. On the raw features (left)
# the `w1` axis is stretched a few hundred times, or the ellipses would not show at
# all: on equal axes they are over a thousand times longer than wide (the title gives
# both numbers) and look like vertical lines. Gradient descent bounces across the
# narrow valley (`w1`) and creeps along it (`w2`): after all those steps it has covered
# only a sliver of the way to the lowest point (the arrow gives `w2`). `b` barely moves
# either (printed above), so this slice is where the path really is. The zoom (middle)
# shows the zig-zag: with `η` just under `2/λ_max` every step overshoots the valley
# floor and lands on the other side, the swing shrinking by `|1 − ηλ_max|` per step,
# while `w2` grows by a tiny, almost constant amount per step. On normalized features (right, equal axes)
# the contours are circles and each step covers most of the way left to the optimum; there the
# slice does not depend on `b`, because centred features decouple `b` from the weights.

# ## What to remember
#
# - Normalize every input feature with the training set's `μ` and `σ`:
#   `x ← (x − μ)/σ`, and apply the *same* `μ, σ` to dev and test data
#   (`keras.layers.Normalization().adapt(x_train)` does exactly this).
# - Features on different scales, or with a non-zero mean, make the cost's Hessian
#   ill-conditioned: gradient descent must use `η < 2/λ_max` and then needs about
#   `λ_max/λ_min` steps. Normalized features make the contours round.
# - A grid of learning rates is one `Sweep` with the `learning_rate` key: every rate
#   trained together, each member's history its own.
# - It never hurts: normalize whenever the features' ranges differ.

# %%
lesson.finish()
