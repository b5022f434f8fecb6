"""Gradient checking

Shows why the two-sided difference is the one to use (on θ³: error 1e-4 against 3e-2
for the one-sided one, error O(ε²) against O(ε)), then gradient-checks the NumPy
backprop from lesson 3 on the network of Ng's assignment: a correct backward pass
agrees to about 1e-8, the assignment's two planted bugs give a difference of 0.285 and
point at the guilty parameters, and dropout makes the check meaningless.

Claim: two-sided differences have error O(ε²); correct gradients check to < 1e-7, a planted bug to > 1e-3.
"""

# %% [markdown]
# A backward pass written by hand (lesson 3) can be wrong in ways that training does not
# reveal: the cost still goes down, only slower or to a worse place. **Gradient
# checking** compares it with a numerical estimate that needs nothing but the cost `J`:
#
# `dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε`  (two-sided, error O(ε²))
#
# rather than the one-sided `(J(θ + ε e_i) − J(θ)) / ε` (error O(ε)). Flatten every
# weight and bias into one vector `θ`, estimate every component, and compare with the
# backprop gradient `dθ` through
#
# `difference = ||dθ_approx − dθ||₂ / (||dθ_approx||₂ + ||dθ||₂)`.
#
# Ng's reading: about 1e-7 or less is great, 1e-5 look closer, 1e-3 or more is very
# likely a bug. It costs two evaluations of `J` per parameter, so use it to debug, never
# while training; include the regularization term in `J`; turn dropout off; and check
# both at initialization and after some training. `dlcourse.gradcheck` implements it
# (`numerical_gradient`, `gradient_check`); here we use it on our own NumPy backprop
# (`dlcourse.scratch`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import datasets, gradcheck, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)

EPSILONS = np.logspace(-10, -1, lesson.pick(full=37, quick=19))  # for the error-vs-ε plot
FIT_RANGE = (1e-4, 1e-1)  # ε range where truncation error dominates (slopes are fitted here)
LAMBD = 0.7  # L2 strength in our own network's cost
TRAIN_STEPS = lesson.pick(full=1000, quick=300)  # gradient-descent steps before the second check
KEEP_PROB = 0.8  # dropout, to show it breaks the check

# %% [markdown]
# ## 1. One parameter: `J(θ) = θ³` at `θ = 1`, `ε = 0.01`
#
# The true derivative is `3θ² = 3`.


# %%
def cube(theta):
    return theta[0] ** 3


theta_one = np.array([1.0])
two_sided = float(gradcheck.numerical_gradient(cube, theta_one, epsilon=0.01)[0])
one_sided = float(gradcheck.numerical_gradient(cube, theta_one, epsilon=0.01, two_sided=False)[0])
print(
    f"two-sided: {two_sided:.6f} (error {two_sided - 3:.1e});  "
    f"one-sided: {one_sided:.6f} (error {one_sided - 3:.1e})"
)
lesson.claim(
    f"two-sided estimate of d(θ³)/dθ at θ=1, ε=0.01 is {two_sided:.6f}: its error",
    two_sided - 3,
    target="1e-4 ± 1e-9 (course: 3.0001)",
    holds=abs(two_sided - 3.0001) < 1e-9,
)
lesson.claim(
    f"one-sided estimate of d(θ³)/dθ at θ=1, ε=0.01 is {one_sided:.6f}: its error",
    one_sided - 3,
    target="3.01e-2 ± 1e-9 (course: 3.0301)",
    holds=abs(one_sided - 3.0301) < 1e-9,
)

# %% [markdown]
# Expanding in `ε` explains the numbers: `((1+ε)³ − (1−ε)³)/2ε = 3 + ε²`, exactly
# `3.0001`, while `((1+ε)³ − 1)/ε = 3 + 3ε + ε²` = `3.0301`. The one-sided error keeps
# the first-order term; the two-sided one cancels it.
#
# ## 2. Error against ε: slopes 1 and 2, until rounding takes over


# %%
def estimate_error(epsilon, two_sided):
    estimate = gradcheck.numerical_gradient(cube, theta_one, epsilon=epsilon, two_sided=two_sided)
    return abs(estimate[0] - 3)


errors_two = np.array([estimate_error(e, two_sided=True) for e in EPSILONS])
errors_one = np.array([estimate_error(e, two_sided=False) for e in EPSILONS])
in_range = (EPSILONS >= FIT_RANGE[0]) & (EPSILONS <= FIT_RANGE[1])
slope_one = np.polyfit(np.log10(EPSILONS[in_range]), np.log10(errors_one[in_range]), 1)[0]
slope_two = np.polyfit(np.log10(EPSILONS[in_range]), np.log10(errors_two[in_range]), 1)[0]
lesson.claim(
    f"one-sided error vs ε: log-log slope for ε in [{FIT_RANGE[0]:g}, {FIT_RANGE[1]:g}]",
    slope_one,
    target="1 ± 0.1 (error O(ε))",
    holds=abs(slope_one - 1) < 0.1,
)
lesson.claim(
    f"two-sided error vs ε: log-log slope for ε in [{FIT_RANGE[0]:g}, {FIT_RANGE[1]:g}]",
    slope_two,
    target="2 ± 0.1 (error O(ε²))",
    holds=abs(slope_two - 2) < 0.1,
)

# %%
fig, ax = plt.subplots(figsize=(6.6, 4.6))
floor = 1e-17  # an error of exactly 0 cannot be drawn on a log scale
ax.loglog(
    EPSILONS,
    np.maximum(errors_one, floor),
    "o-",
    ms=3,
    color=plotting.color("bad"),
    label=f"one-sided (fitted slope {slope_one:.2f})",
)
ax.loglog(
    EPSILONS,
    np.maximum(errors_two, floor),
    "o-",
    ms=3,
    color=plotting.color("good"),
    label=f"two-sided (fitted slope {slope_two:.2f})",
)
ax.loglog(EPSILONS, 3 * EPSILONS, ":", color=plotting.color("reference"), label="3ε (slope 1)")
ax.loglog(EPSILONS, EPSILONS**2, "--", color=plotting.color("reference"), label="ε² (slope 2)")
ax.loglog(
    EPSILONS,
    2.2e-16 / EPSILONS,
    "-.",
    color=plotting.color("purple"),
    lw=1,
    label="rounding ≈ 2.2e-16 / ε (float64)",
)
ax.axvspan(*FIT_RANGE, color=plotting.color("sky"), alpha=0.12, label="slopes fitted here")
ax.plot(
    [0.01, 0.01],
    [1e-4, 3.01e-2],
    "s",
    ms=7,
    color=plotting.color("black"),
    label="ε = 0.01: errors 1e-4 and 3e-2",
)
ax.set_ylim(1e-14, 1)
ax.set_xlabel("ε  (log scale)")
ax.set_ylabel("|estimate − 3|  (log scale)")
ax.set_title("Finite-difference error for d(θ³)/dθ at θ = 1")
ax.legend(fontsize=8, loc="upper left")
lesson.savefig(fig, "error_vs_epsilon")

# %% [markdown]
# For large `ε` the errors follow their truncation terms: the one-sided line has slope 1
# (divide `ε` by 10, the error falls 10×), the two-sided one slope 2 (it falls 100×).
# For tiny `ε`, `J(θ + ε)` and `J(θ − ε)` agree in almost all their digits and float64
# rounding, about `1e-16/ε`, takes over: the error grows again. The best `ε` for the
# two-sided difference sits between `1e-6` and `1e-5`; Ng's `1e-7` is already on the
# rounding side, which is why a correct gradient check "only" reaches about 1e-7 with it.
#
# ## 3. A network: Ng's assignment, with and without its planted bugs
#
# Ng's assignment checks a 3-layer network `4 → 5 → 3 → 1` (ReLU, ReLU, sigmoid) on
# 3 examples, with the test case drawn from NumPy's legacy generator with seed 1. We
# rebuild that test case exactly, run our backward pass (`scratch.backward`), and plant
# the assignment's two bugs: `dW2` is doubled and `db1` uses `4/m` instead of `1/m`.

# %%
legacy = np.random.RandomState(1)  # the assignment's np.random.seed(1)
x_ng = legacy.randn(4, 3)
y_ng = np.array([[1, 1, 0]])
params_ng = {
    "W1": legacy.randn(5, 4),
    "b1": legacy.randn(5, 1),
    "W2": legacy.randn(3, 5),
    "b2": legacy.randn(3, 1),
    "W3": legacy.randn(1, 3),
    "b3": legacy.randn(1, 1),
}


def cost_function(parameters, x, y, *, lambd=0.0, keep_prob=1.0, rng=None):
    """J(θ) for a flat θ: the forward pass plus the cost (with its L2 term)."""

    def J(theta):
        params = scratch.vector_to_parameters(theta, parameters)
        a_last, _ = scratch.forward(params, x, keep_prob=keep_prob, rng=rng)
        return scratch.cost(a_last, y, params, lambd=lambd)

    return J


def backprop(parameters, x, y, *, lambd=0.0, keep_prob=1.0, rng=None):
    """The backprop gradient dθ as a flat vector, from one forward and one backward pass."""
    a_last, caches = scratch.forward(parameters, x, keep_prob=keep_prob, rng=rng)
    grads = scratch.backward(a_last, y, caches, keep_prob=keep_prob, lambd=lambd)
    return grads


def with_ng_bugs(grads):
    """The assignment's backward_propagation_n bugs: dW2 · 2 and db1 with 4/m instead of 1/m."""
    return {**grads, "dW2": 2 * grads["dW2"], "db1": 4 * grads["db1"]}


theta_ng = scratch.parameters_to_vector(params_ng)
J_ng = cost_function(params_ng, x_ng, y_ng)
grads_ng = backprop(params_ng, x_ng, y_ng)
checks = {}
checks["correct, ε = 1e-7"] = gradcheck.gradient_check(
    J_ng, theta_ng, scratch.gradients_to_vector(grads_ng, params_ng), epsilon=1e-7
)
checks["correct, ε = 1e-6"] = gradcheck.gradient_check(
    J_ng, theta_ng, scratch.gradients_to_vector(grads_ng, params_ng), epsilon=1e-6
)
checks["planted bugs, ε = 1e-7"] = gradcheck.gradient_check(
    J_ng, theta_ng, scratch.gradients_to_vector(with_ng_bugs(grads_ng), params_ng), epsilon=1e-7
)

PUBLISHED = {"correct, ε = 1e-7": 1.18855520355e-07, "planted bugs, ε = 1e-7": 0.2850931567761624}
for name, result in checks.items():
    published = f"   (Ng's assignment: {PUBLISHED[name]:.4g})" if name in PUBLISHED else ""
    print(f"{name:>24}: difference {result.difference:.4g} -> {result.verdict}{published}")
print(checks["planted bugs, ε = 1e-7"])

bug_difference = checks["planted bugs, ε = 1e-7"].difference
lesson.claim(
    "Ng's network with the planted backprop bugs: difference (published 0.285)",
    bug_difference,
    target="> 1e-3",
    holds=bug_difference > 1e-3,
)

# %% [markdown]
# Our numbers reproduce the assignment's: 0.285 with the bugs, about 1.2e-7 without.
# The printed report lists the worst components — all in `W2` and `b1`, exactly where
# the bugs are. Without the bugs, the difference at `ε = 1e-7` is rounding error (see
# the plot above); at `ε = 1e-6` it drops by an order of magnitude.
#
# ## 4. Our own network, with L2, at initialization and after training
#
# A `2 → 10 → 5 → 1` ReLU network on the moons data with `λ = 0.7` (the L2 term is part
# of `J`, so the check also covers the `(λ/m) W` in `dW`). We check it at He
# initialization, train it with plain gradient descent, and check again.

# %%
moons_x, moons_y = datasets.moons(60, seed=lesson.seed)
x_own, y_own = (
    moons_x.T.astype("float64"),
    moons_y.reshape(1, -1).astype("float64"),
)  # (2, m), (1, m)
params_own = scratch.init_parameters([2, 10, 5, 1], seed=lesson.seed)


def check_own(parameters):
    J = cost_function(parameters, x_own, y_own, lambd=LAMBD)
    grads = backprop(parameters, x_own, y_own, lambd=LAMBD)
    return gradcheck.gradient_check(
        J,
        scratch.parameters_to_vector(parameters),
        scratch.gradients_to_vector(grads, parameters),
        epsilon=1e-6,
    )


checks["own net + L2, at init"] = check_own(params_own)
costs = []
for _ in range(TRAIN_STEPS):
    a_last, caches = scratch.forward(params_own, x_own)
    costs.append(scratch.cost(a_last, y_own, params_own, lambd=LAMBD))
    params_own = scratch.update_parameters(
        params_own, scratch.backward(a_last, y_own, caches, lambd=LAMBD), learning_rate=0.3
    )
checks[f"own net + L2, after {TRAIN_STEPS} steps"] = check_own(params_own)
print(f"own network: cost {costs[0]:.3f} -> {costs[-1]:.3f} after {TRAIN_STEPS} steps")

correct = [name for name in checks if "bugs" not in name and "1e-7" not in name]
worst_correct = max(checks[name].difference for name in correct)
for name in correct:
    print(f"{name:>28}: difference {checks[name].difference:.3g}")
lesson.claim(
    "correct backprop (float64, ε=1e-6): largest difference over Ng's net and ours "
    "(at init and after training)",
    worst_correct,
    target="< 1e-7",
    holds=worst_correct < 1e-7,
)

# %% [markdown]
# ## 5. Dropout on: the check becomes meaningless
#
# With inverted dropout (`keep_prob = 0.8`) every evaluation of `J` draws a new mask, so
# `J(θ + ε e_i) − J(θ − ε e_i)` mostly measures the difference between two masks, not the
# effect of `ε`. Our backward pass below is **correct** for the mask of its own forward
# pass — and the check still fails. Check with `keep_prob = 1`, then turn dropout on.

# %%
rng = np.random.default_rng(lesson.seed)
J_dropout = cost_function(params_ng, x_ng, y_ng, keep_prob=KEEP_PROB, rng=rng)
grads_dropout = backprop(params_ng, x_ng, y_ng, keep_prob=KEEP_PROB, rng=rng)
checks[f"dropout on (keep_prob {KEEP_PROB})"] = gradcheck.gradient_check(
    J_dropout, theta_ng, scratch.gradients_to_vector(grads_dropout, params_ng), epsilon=1e-7
)
dropout_difference = checks[f"dropout on (keep_prob {KEEP_PROB})"].difference
print(f"dropout on, correct backprop: difference {dropout_difference:.3g}")
lesson.claim(
    f"correct backprop but dropout on (keep_prob={KEEP_PROB}): difference",
    dropout_difference,
    target="> 1e-3 (the check is meaningless)",
    holds=dropout_difference > 1e-3,
)

# %% [markdown]
# ## 6. Where the differences are: per parameter
#
# `gradient_check` also returns the per-component difference
# `|approx − dθ| / (|approx| + |dθ|)`. Plotted along `θ = (W1, b1, W2, b2, W3, b3)` it
# tells you where to look.

# %%
slices = scratch.parameter_slices(params_ng)
rows = ["correct, ε = 1e-6", "planted bugs, ε = 1e-7", f"dropout on (keep_prob {KEEP_PROB})"]
PARAMETER_COLORS = [
    plotting.color(c) for c in ("blue", "orange", "green", "purple", "sky", "black")
]
fig, axes = plt.subplots(len(rows), 1, figsize=(8.5, 7.5), sharex=True)
for ax, name in zip(axes, rows):
    per_component = np.maximum(checks[name].per_component, 1e-16)  # exact zeros at the floor
    for (key, part), col in zip(slices.items(), PARAMETER_COLORS):
        index = np.arange(part.start, part.stop)
        ax.semilogy(index, per_component[part], "o", ms=5, color=col, label=key)
    ax.axhline(1e-7, color=plotting.color("good"), ls="--", lw=1)
    ax.axhline(1e-3, color=plotting.color("bad"), ls="--", lw=1)
    ax.set_ylim(1e-16, 10)
    ax.set_ylabel("per-component\ndifference")
    result = checks[name]
    ax.set_title(f"Ng's network, {name}: difference {result.difference:.2g} ({result.verdict})")
axes[0].legend(ncol=6, loc="upper left", fontsize=8)
axes[-1].set_xlabel("component i of θ (W1, b1, W2, b2, W3, b3 flattened)")
axes[-1].set_xticks([part.start for part in slices.values()], list(slices))
fig.suptitle(
    "Per-parameter differences |approx − backprop| / (|approx| + |backprop|)\n"
    "(log scale; dashed: 1e-7 and 1e-3; exact agreement drawn at the bottom, 1e-16)"
)
lesson.savefig(fig, "per_parameter_differences")

# %% [markdown]
# Top: with a correct backward pass every component agrees to about 1e-6 or better, most
# far better (the dots at the bottom agree exactly: units whose ReLU is off for all
# three examples get a gradient of exactly zero from both methods).
# Middle: the planted bugs light up exactly the `W2` block (doubled: `|2g − g|/(|2g| + |g|) = 1/3`)
# and the `b1` block (times four: `3/5`); everything else is still right — the plot
# says where the bug is. Bottom: with dropout on, differences are large everywhere,
# although the backward pass is correct: the check cannot tell anything.

# %%
BANDS = [  # Ng's reading of the difference: (low, high, colour, words)
    (0.0, 1e-7, "good", "≤ 1e-7: great"),
    (1e-7, 1e-3, "yellow", "1e-7 … 1e-3 (≈ 1e-5): look closer"),
    (1e-3, 1.0, "bad", "≥ 1e-3: very likely a bug"),
]
names = list(checks)
values = np.array([checks[name].difference for name in names])
bottom = 10 ** np.floor(np.log10(min(values.min(), 1e-7)) - 0.5)  # the axis covers every check
fig, ax = plt.subplots(figsize=(9.5, 4.6))
for low, high, col, words in BANDS:
    ax.axhspan(max(low, bottom), high, color=plotting.color(col), alpha=0.15)
    ax.text(
        len(names) - 0.45,
        np.sqrt(max(low, bottom) * high),
        words,
        ha="right",
        va="center",
        fontsize=9,
        color=plotting.color("black" if col == "yellow" else col),
        fontweight="bold",
    )
ax.axhline(1.0, color=plotting.color("black"), lw=0.8)
ax.text(-0.4, 1.25, "1 = the largest possible difference", fontsize=8, va="bottom")
band_of = [next(col for low, high, col, _ in BANDS if low <= v <= high) for v in values]
ax.scatter(
    np.arange(len(names)),
    values,
    s=70,
    zorder=3,
    edgecolor=plotting.color("black"),
    color=[plotting.color(col) for col in band_of],
)
for x_pos, (name, value) in enumerate(zip(names, values)):
    published = f"\n(Ng: {PUBLISHED[name]:.3g})" if name in PUBLISHED else ""
    ax.annotate(
        f"{value:.2g}{published}",
        (x_pos, value),
        xytext=(8, 0),
        textcoords="offset points",
        va="center",
        fontsize=8,
    )
ax.set_yscale("log")
ax.set_ylim(bottom, 4.0)
ax.set_xlim(-0.5, len(names) - 0.4)
ax.set_xticks(np.arange(len(names)), [name.replace(", ", ",\n", 1) for name in names], fontsize=8)
ax.set_ylabel("difference ||approx − dθ|| / (||approx|| + ||dθ||)\n(log scale; at most 1)")
ax.set_title("Every gradient check in this lesson, read with Ng's bands")
lesson.savefig(fig, "all_checks")

# %% [markdown]
# One dot per check, on a log axis (the difference is at most 1 by construction; a
# dot's colour is the band it falls in). The correct backward passes land in the green
# band, the planted bugs and dropout in the red one, orders of magnitude apart: the
# check is a clear yes/no in practice, and the middle band is where you would look at
# the per-component plot before deciding. Note the correct check at `ε = 1e-7`, whose
# difference is mostly float64 rounding (section 2): with `ε = 1e-6` the same gradient
# checks two orders of magnitude better.

# %% [markdown]
# ## What to remember
#
# - Use the two-sided difference: its error is O(ε²) (3.0001 for θ³ at ε = 0.01) where
#   the one-sided one's is O(ε) (3.0301). Too small an ε lets float64 rounding in.
# - `difference = ||dθ_approx − dθ|| / (||dθ_approx|| + ||dθ||)`: ≤ 1e-7 great, ≥ 1e-3
#   a bug; the per-component differences point at the broken parameter.
# - Include the regularization term in `J`, turn dropout off while checking, check at
#   initialization and after some training — and never run it during training: it costs
#   two cost evaluations per parameter. For Keras models, `dlcourse.check_model_gradients`
#   does the same check on the framework's autodiff gradients (any Keras backend).

# %%
lesson.finish()
