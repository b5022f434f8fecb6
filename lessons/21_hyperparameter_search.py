"""Hyperparameter search

How to tune many hyper-parameters (Ng, course 2, week 3): try random values, not a grid,
because some hyper-parameters matter much more than others; sample each on the right
scale (log for the learning rate, λ and 1 − β); zoom in coarse to fine; and, with enough
compute, train many models in parallel ("caviar") instead of babysitting one ("panda").

Claim: at the same budget of 25 trials a 5×5 grid tries 5 distinct values of the
important hyper-parameter and random search 25, and random's best dev accuracy is within
1 point of the grid's or better; log-scale sampling puts 25% ± 3% of the samples in each
decade where linear sampling puts ≥ 85% in the top one.
"""

# %% [markdown]
# A network has many hyper-parameters: the learning rate α, Adam's β₁, β₂ and ε, λ, the
# number of units, the mini-batch size… Ng's advice for searching them:
#
# - **Random, not a grid.** You do not know in advance which hyper-parameter matters. On
#   a 5×5 grid over (α, ε) you train 25 models but try only 5 values of α — the one that
#   matters — because ε barely changes anything. 25 random points try 25 values of each.
# - **The right scale.** α between 0.0001 and 1 should be sampled as `α = 10^r` with `r`
#   uniform in [−4, 0]; uniform α puts 90% of the samples in [0.1, 1]. The same for an
#   averaging coefficient β in [0.9, 0.999]: sample `1 − β = 10^r`, `r` in [−3, −1].
# - **Coarse to fine**: find the good region, then sample more densely inside it.
# - **Pandas vs caviar**: babysit one model when compute is scarce, or train many in
#   parallel when you can — here with `dlcourse.Sweep`.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import plotting
from dlcourse.lesson import start
from dlcourse.sweep import Sweep

lesson = start(__file__)

TRIALS = 25  # the budget of each search
SIDE = 5  # the grid is SIDE × SIDE = TRIALS
ALPHA_RANGE = (1e-4, 1.0)  # Adam's learning rate, sampled on a log scale
SCALE_RANGE = (0.5, 2.0)  # He initializer's scale: Var(w) = 2·scale/n_in
HIDDEN_UNITS = 16
EPOCHS = lesson.pick(full=100, quick=40)  # full-batch Adam steps per trial
FINE_TRIALS = 10  # the second, finer round
PANDA = lesson.pick(full=2, quick=1)  # models trained one by one with model.fit, section 4
SAMPLES = 10_000  # for the sampling-scale histograms
rng = lesson.rng

# %% [markdown]
# ## 1. Sampling on the right scale
#
# Draw 10,000 learning rates in [0.0001, 1] both ways and count how many land in each
# decade; then the same for β in [0.9, 0.999].

# %%
log_alpha = 10.0 ** rng.uniform(-4, 0, SAMPLES)  # α = 10^r, r ~ U[−4, 0]
linear_alpha = rng.uniform(1e-4, 1, SAMPLES)  # α ~ U[0.0001, 1]
edges = 10.0 ** np.arange(-4, 1)  # the decades 1e-4…1e-3, …, 0.1…1
share_log = np.histogram(log_alpha, edges)[0] / SAMPLES
share_linear = np.histogram(linear_alpha, edges)[0] / SAMPLES
log_beta = 1 - 10.0 ** rng.uniform(-3, -1, SAMPLES)  # 1 − β = 10^r, r ~ U[−3, −1]
linear_beta = rng.uniform(0.9, 0.999, SAMPLES)
for name, beta in (("log scale on 1 − β", log_beta), ("uniform β", linear_beta)):
    print(f"{name:<20} share of β in [0.99, 0.999]: {(beta > 0.99).mean():.1%}")
lesson.claim(
    "α = 10^r, r ~ U[−4, 0]: share of samples in each decade (1e-4…1)",
    share_log.round(3).tolist(),
    target="each 25% ± 3%",
    holds=bool(np.all(np.abs(share_log - 0.25) <= 0.03)),
)
lesson.claim(
    "α ~ U[0.0001, 1]: share of samples in [0.1, 1]",
    share_linear[-1],
    target=">= 0.85",
    holds=share_linear[-1] >= 0.85,
)

fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 3.8))
positions = np.arange(4)
for offset, shares, name, col in (
    (-0.2, share_log, "α = 10^r, r ~ U[−4, 0]", "blue"),
    (0.2, share_linear, "α ~ U[0.0001, 1]", "orange"),
):
    ax_a.bar(positions + offset, 100 * shares, width=0.4, color=plotting.color(col), label=name)
ax_a.set_xticks(positions, [f"[{lo:g}, {hi:g})" for lo, hi in zip(edges[:-1], edges[1:])])
ax_a.set(
    xlabel="decade of α",
    ylabel="share of samples (%)",
    ylim=(0, 100),
    title="Learning rates: log sampling covers every decade",
)
ax_a.legend(loc="upper left")
bins = 1 - np.logspace(-1, -3, 21)  # equal widths in log(1 − β)
for beta, name, col in (
    (log_beta, "1 − β = 10^r, r ~ U[−3, −1]", "blue"),
    (linear_beta, "β ~ U[0.9, 0.999]", "orange"),
):
    ax_b.hist(
        1 - beta,
        bins=np.sort(1 - bins),
        histtype="step",
        lw=1.8,
        color=plotting.color(col),
        label=name,
    )
ax_b.set(
    xscale="log",
    xlabel="1 − β  (log scale; β = 0.9 at the right, 0.999 at the left)",
    ylabel="samples per bin",
    title="Averaging coefficients: sample 1 − β on a log scale",
)
ax_b.legend(loc="upper left")
lesson.savefig(fig, "sampling_scales")

# %% [markdown]
# Left: the log scale gives each decade of α a quarter of the samples; uniform sampling
# spends about 90% of them between 0.1 and 1 and almost never tries α ≈ 0.001. Right: β
# from 0.9 to 0.999 means averaging over about 10 to 1000 steps (`1/(1 − β)`), so the
# interesting change happens near 1 — sampling 1 − β on a log scale gives the range
# [0.99, 0.999] half of the samples, uniform β only about 9%.
#
# ## 2. Grid vs random search at the same budget
#
# The model: `dlcourse.deep_net` on the 8×8 digits, one ReLU layer of 16 units, He
# initialization with a scale (`Var(w) = 2·scale/n_in`), trained with full-batch Adam.
# The two hyper-parameters searched: Adam's learning rate α, which matters a lot over
# four decades, and the He scale, which matters much less for this small net trained
# with Adam — the role Ng gives to Adam's ε. The grid puts 5 values of each on its scale
# (α on a log scale); random search draws 25 points, α as `10^r`. Both searches go into
# one `dlcourse.Sweep`: `learning_rate` is a grid key the Sweep reads itself, and members
# with different learning rates still train together, so the 50 models are one
# computation.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
x_train, y_train, x_dev, y_dev = data.x_train, data.y_train, data.x_dev, data.y_dev


def build(scale):
    return dlcourse.deep_net(
        (64,),
        (HIDDEN_UNITS,),
        num_classes=10,
        activation="relu",
        initializer=dlcourse.He(scale=scale),
        seed=lesson.seed,
    )


def search(configs, epochs=EPOCHS):
    """Train every configuration with one Sweep; return (dev accuracies, seconds)."""
    started = time.perf_counter()
    sweep = Sweep(build, configs, seed=lesson.seed)
    sweep.compile(
        optimizer=keras.optimizers.Adam(),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    sweep.fit(x_train, y_train, batch_size=len(x_train), epochs=epochs, verbose=0)
    dev = np.array([result["accuracy"] for result in sweep.evaluate(x_dev, y_dev)])
    return dev, time.perf_counter() - started


log_low, log_high = np.log10(ALPHA_RANGE)
grid = [
    {"learning_rate": float(alpha), "scale": float(scale)}
    for alpha in np.logspace(log_low, log_high, SIDE)
    for scale in np.linspace(*SCALE_RANGE, SIDE)
]
random = [
    {
        "learning_rate": float(10 ** rng.uniform(log_low, log_high)),
        "scale": float(rng.uniform(*SCALE_RANGE)),
    }
    for _ in range(TRIALS)
]
dev, seconds = search(grid + random)
print(f"one Sweep: {len(dev)} models × {EPOCHS} epochs in {seconds:.1f} s")
dev_grid, dev_random = dev[:TRIALS], dev[TRIALS:]
distinct = {
    name: len({c["learning_rate"] for c in configs})
    for name, configs in (("grid", grid), ("random", random))
}
lesson.claim(
    "distinct values of α (the hyper-parameter that matters) tried: grid, random",
    [distinct["grid"], distinct["random"]],
    target=f"[{SIDE}, {TRIALS}]",
    holds=distinct["grid"] == SIDE and distinct["random"] == TRIALS,
)
difference = 100 * (dev_random.max() - dev_grid.max())
print(f"best dev accuracy: grid {dev_grid.max():.1%}, random {dev_random.max():.1%}")
lesson.claim(
    "best dev accuracy of random search minus the grid's (points, same budget)",
    difference,
    target=">= -1",
    holds=difference >= -1,
)

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
for ax, configs, acc, name in (
    (axes[0], grid, dev_grid, "grid"),
    (axes[1], random, dev_random, "random"),
):
    points = ax.scatter(
        [c["learning_rate"] for c in configs],
        [c["scale"] for c in configs],
        c=100 * acc,
        cmap="viridis",
        vmin=100 * dev.min(),
        vmax=100 * dev.max(),
        s=60,
        edgecolor="k",
        linewidth=0.4,
    )
    ax.set(
        xscale="log",
        xlabel="learning rate α (log scale)",
        ylabel="He init scale",
        title=f"{name}: {TRIALS} trials, {distinct[name]} values of α; best {acc.max():.1%}",
    )
fig.colorbar(
    points, ax=axes[:2], location="bottom", shrink=0.5, aspect=40, label="dev accuracy (%)"
)
for configs, acc, name, col in (
    (grid, dev_grid, "grid", "orange"),
    (random, dev_random, "random", "blue"),
):
    axes[2].scatter(
        [c["learning_rate"] for c in configs],
        100 * acc,
        color=plotting.color(col),
        s=18,
        label=f"{name} trials",
    )
axes[2].set(
    xscale="log",
    xlabel="learning rate α (log scale)",
    ylabel="dev accuracy (%)",
    title=f"Dev accuracy against α: the grid sees {SIDE} columns",
)
axes[2].legend(loc="lower center")
lesson.savefig(fig, "grid_vs_random")

# %% [markdown]
# Left and middle: the colour is the dev accuracy. It changes a lot along α and much
# less along the initialization scale, so the grid's 25 models are mostly 5 experiments
# repeated 5 times; random search tries 25 different values of α and traces the whole
# curve (right): too small a rate has not got far in the budget of steps, too large a
# one jumps about. How much better random's best point is depends on where the optimum
# falls between the grid's columns; the grid can only be lucky in 5 places.
#
# ## 3. Coarse to fine
#
# Zoom into the region around the best random trial — half a decade of α either side —
# and spend 10 more trials there.

# %%
best = random[int(np.argmax(dev_random))]
centre = np.log10(best["learning_rate"])
fine = [
    {
        "learning_rate": float(10 ** rng.uniform(centre - 0.5, centre + 0.5)),
        "scale": float(rng.uniform(*SCALE_RANGE)),
    }
    for _ in range(FINE_TRIALS)
]
dev_fine, _ = search(fine)
print(
    f"coarse best α = {best['learning_rate']:.3g}: dev {dev_random.max():.1%}; "
    f"fine round (α in [{10 ** (centre - 0.5):.3g}, {10 ** (centre + 0.5):.3g}]): "
    f"best dev {dev_fine.max():.1%}, median {np.median(dev_fine):.1%} "
    f"(coarse median {np.median(dev_random):.1%})"
)

# %%
low, high = 10 ** (centre - 0.5), 10 ** (centre + 0.5)
fig, (ax_plane, ax_acc) = plt.subplots(1, 2, figsize=(13, 4.6))
for configs, acc, marker, name in (
    (random, dev_random, "o", f"coarse: {TRIALS} random trials"),
    (fine, dev_fine, "^", f"fine: {FINE_TRIALS} trials inside the box"),
):
    alphas = [c["learning_rate"] for c in configs]
    points = ax_plane.scatter(
        alphas,
        [c["scale"] for c in configs],
        c=100 * acc,
        cmap="viridis",
        vmin=100 * min(dev_random.min(), dev_fine.min()),
        vmax=100 * max(dev_random.max(), dev_fine.max()),
        marker=marker,
        s=60,
        edgecolor="k",
        linewidth=0.4,
    )
    shade = plotting.color("black" if marker == "o" else "blue")
    ax_acc.scatter(alphas, 100 * acc, marker=marker, s=30, color=shade, label=name)
for ax in (ax_plane, ax_acc):
    ax.axvspan(low, high, color=plotting.color("orange"), alpha=0.15, lw=0, zorder=0)
ax_plane.add_patch(
    plt.Rectangle(
        (low, SCALE_RANGE[0]),
        high - low,
        np.ptp(SCALE_RANGE),
        fill=False,
        lw=2,
        ec=plotting.color("orange"),
        label=f"zoom box: α in [{low:.2g}, {high:.2g}]",
    )
)
ax_plane.plot(
    best["learning_rate"], best["scale"], "+", ms=20, mew=2.5, color=plotting.color("red")
)
ax_plane.set(
    xscale="log",
    ylim=(SCALE_RANGE[0] - 0.15, SCALE_RANGE[1] + 0.15),
    xlabel="learning rate α (log scale)",
    ylabel="He init scale",
    title="Coarse round, the box around its best trial (+), the fine round",
)
fig.colorbar(points, ax=ax_plane, label="dev accuracy (%)")
handles = [*ax_acc.get_legend_handles_labels()[0], *ax_plane.get_legend_handles_labels()[0]]
fig.legend(loc="outside lower center", ncols=3, handles=handles)
ax_acc.set(
    xscale="log",
    xlabel="learning rate α (log scale)",
    ylabel="dev accuracy (%)",
    title=f"Median dev accuracy: coarse {np.median(dev_random):.1%}, fine {np.median(dev_fine):.1%}",
)
lesson.savefig(fig, "coarse_to_fine")

# %% [markdown]
# Left: the coarse trials (circles) spread over four decades of α; the orange box spans
# half a decade either side of the best one (the red cross) and every He scale, because
# the scale matters little; the fine trials (triangles) all fall inside it. There the
# colour is the dev accuracy, on one scale for both rounds. Right: the same trials' dev
# accuracy against α, black circles for the coarse round and blue triangles for the fine
# one, the box's span shaded orange: the fine trials sit on the top of the coarse curve.
#
# The fine round's trials all sit in the good region, so its median is above the coarse
# round's; its best need not beat the coarse best: near the optimum, dev accuracy is flat
# and noisy at the scale of a few hundred dev images (one image is 0.3 points).
#
# ## 4. Pandas vs caviar
#
# Babysitting ("panda") means training one model at a time and watching it; with enough
# compute you train many at once ("caviar"). Here `PANDA` of the random configurations,
# each trained alone by its own `model.fit` for the same epochs, against section 2's
# Sweep, per model.

# %%
started = time.perf_counter()
for config in random[:PANDA]:
    model = build(config["scale"])
    model.compile(
        optimizer=keras.optimizers.Adam(config["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=len(x_train), epochs=EPOCHS, verbose=0)
panda = (time.perf_counter() - started) / PANDA
caviar = seconds / len(dev)
print(
    f"per model, {EPOCHS} epochs: its own model.fit {panda:.2f} s; "
    f"in section 2's Sweep of {len(dev)} {caviar:.3f} s (×{panda / caviar:.0f})"
)

# %% [markdown]
# Each `model.fit` pays Keras's set-up and per-epoch overhead for one small model; the
# Sweep pays its set-up once for all 50 and runs many epochs per call (times on a shared
# machine vary, so no claim is made on them).
#
# ## What to remember
#
# - Some hyper-parameters matter far more than others (α first, then β, the mini-batch
#   size, the number of units; Adam's β₁, β₂, ε rarely): random search tries many
#   more values of the important ones than a grid with the same budget.
# - Sample on the scale where the effect is even: `α = 10^r`, `λ = 10^r`, `1 − β = 10^r`.
# - Go coarse to fine, and re-tune now and then: the best values drift as data change.
# - With the compute, train many models in parallel: `Sweep(build, list_of_configs)`,
#   learning rates included.

# %%
lesson.finish()
