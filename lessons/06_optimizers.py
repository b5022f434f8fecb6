"""Optimizers: momentum, RMSProp and Adam

The four update rules from scratch in NumPy (`dlcourse.scratch.optimizers`, Ng's formulas)
follow the same trajectories as `keras.optimizers`; their paths on an ill-conditioned
quadratic; the exponentially weighted average with and without bias correction; the steps
the Keras optimizers need to reach a target loss on the two-moons data, each at the best
learning rate of a grid; and Ng's assignment setup ([2, 5, 2, 1] net, learning rate
0.0007, mini-batches of 64) next to its published accuracies.

Claim: momentum and Adam reach the target loss in fewer steps than SGD at its best stable
learning rate.
"""

# %% [markdown]
# Plain gradient descent steps `W ← W − α dW`. In a long, narrow valley the gradient points
# mostly *across* it: a large `α` zig-zags (or diverges), a small one crawls. Three fixes,
# in Ng's notation (`dW` also means `db`):
#
# - **Momentum**: `v = β v + (1 − β) dW;  W ← W − α v` (β = 0.9), an exponentially weighted
#   average of the gradients: the zig-zags cancel, so a larger `α` stays stable.
# - **RMSProp**: `S = β₂ S + (1 − β₂) dW²;  W ← W − α dW / (√S + ε)`: small steps where steep.
# - **Adam** = momentum + RMSProp, *bias-corrected* because `v` and `S` start at 0:
#   `v̂ = v / (1 − β₁ᵗ)`, `Ŝ = S / (1 − β₂ᵗ)`, `W ← W − α v̂ / (√Ŝ + ε)` (β₁ = 0.9, β₂ = 0.999).

# %%
import logging
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting
from dlcourse.lesson import start
from dlcourse.scratch import optimizers

lesson = start(__file__)
logging.getLogger("tensorflow").setLevel(
    logging.ERROR
)  # one traced function per Sweep: no retracing warning

CURVATURES = np.array([0.5, 10.0])  # the quadratic's Hessian eigenvalues: condition number 20
W_START, QUADRATIC_STEPS = np.array([-9.0, 1.5]), 150
STEPS, TARGET_LOSS = 400, 0.2  # full-batch steps per run on the moons; cross-entropy to reach
# SGD's and momentum's α, a factor √2 apart: the best stable SGD rate sits just below where
# SGD diverges, which depends on the initial weights (each backend draws its own).
GRID = 2.0 ** lesson.pick(full=np.arange(-2, 5.1, 0.5), quick=np.arange(-1, 4.1, 0.5))
ADAPTIVE_SCALE = 0.01  # RMSProp and Adam use GRID * 0.01 (their steps are ~α per weight)
NG_EPOCHS, NG_SEEDS = lesson.pick(full=1000, quick=200), 3  # Ng: 10,000 epochs; inits each
OPTIMIZERS = {
    "SGD": optimizers.SGD,
    "momentum": optimizers.Momentum,  # Ng's defaults: β = 0.9;
    "RMSProp": optimizers.RMSProp,
    "Adam": optimizers.Adam,
}  # β₂ 0.9; 0.9, 0.999
NAMES = tuple(OPTIMIZERS)
COLORS = dict(zip(NAMES, map(plotting.color, ("red", "blue", "orange", "green"))))
make_optimizer = lambda name, learning_rate: OPTIMIZERS[name](learning_rate)
grid_for = lambda name: GRID * (ADAPTIVE_SCALE if name in ("RMSProp", "Adam") else 1.0)


# %% [markdown]
# ## 1. An ill-conditioned quadratic
#
# `J(w) = ½ (0.5 w₁² + 10 w₂²)`, twenty times steeper along `w₂` (Ng's picture); gradient
# `(0.5 w₁, 10 w₂)`. Are the `dlcourse.scratch.optimizers` right? Each runs next to its
# `keras.optimizers` class on float64 variables (`as_keras()` converts where Keras writes
# the rule differently: Keras's momentum `v = β v − lr·dW; W += v` is Ng's with
# `lr = α (1 − β)`; its RMSProp puts ε inside the root; its Adam adds ε before the bias
# correction).

# %%
quadratic_cost = lambda w: 0.5 * np.sum(CURVATURES * w**2, axis=-1)


def quadratic_path(optimizer, steps=QUADRATIC_STEPS):
    """Iterates of `optimizer` on the quadratic: array (steps + 1, ..., 2)."""
    w = [np.array(np.broadcast_to(W_START, np.shape(optimizer.learning_rate)[:1] + (2,)))]
    path = [w[0].copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            optimizer.update(w, [CURVATURES * w[0]])
            path.append(w[0].copy())
    return np.array(path)


def keras_quadratic_path(keras_optimizer, steps):
    with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
        w = keras.Variable(W_START, dtype="float64")
        path = [keras.ops.convert_to_numpy(w)]
        for _ in range(steps):
            gradient = keras.ops.convert_to_tensor(
                CURVATURES * keras.ops.convert_to_numpy(w), "float64"
            )
            keras_optimizer.apply_gradients([(gradient, w)])
            path.append(keras.ops.convert_to_numpy(w))
    return np.array(path)


CHECK_STEPS, agreement = 30, {}
for name, rate in zip(NAMES, (0.1, 0.1, 0.05, 0.05)):
    ours = quadratic_path(make_optimizer(name, rate), CHECK_STEPS)
    theirs = keras_quadratic_path(make_optimizer(name, rate).as_keras(), CHECK_STEPS)
    agreement[name] = float(np.max(np.abs(ours - theirs)))
worst = max(agreement.values())  # about 1e-8: the rounding of Keras's float32 learning rate
lesson.claim(
    f"from-scratch SGD/momentum/RMSProp/Adam vs keras.optimizers, {CHECK_STEPS} steps (max |Δw|)",
    worst,
    target="< 1e-6",
    holds=worst < 1e-6,
)

# %% [markdown]
# The paths: each optimizer at the rate that reaches J₀/1000 fastest *and stays* to step 150.

# %%
quadratic_grid, quadratic_best = 2.0 ** np.arange(-8, 3, 0.5), {}
for name in NAMES:
    paths = quadratic_path(make_optimizer(name, quadratic_grid[:, None]))  # (steps+1, runs, 2)
    with np.errstate(over="ignore", invalid="ignore"):  # too-large rates diverge: inf cost
        below = quadratic_cost(paths) <= 1e-3 * quadratic_cost(W_START)
    steps_needed = np.where(below[-1], below.argmax(axis=0), np.inf)  # must end below, too
    run = int(np.argmin(steps_needed))
    quadratic_best[name] = (quadratic_grid[run], steps_needed[run], paths[:, run])
w1, w2 = np.meshgrid(np.linspace(-10, 2, 200), np.linspace(-2.5, 2.5, 200))
contour_costs = quadratic_cost(np.stack([w1, w2], axis=-1))
fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), sharex=True, sharey=True)
for ax, name in zip(axes.ravel(), NAMES):
    rate, steps_needed, path = quadratic_best[name]
    shown = path[: int(min(steps_needed, 40)) + 1]
    ax.contour(w1, w2, contour_costs, levels=np.geomspace(0.01, 60, 12), colors="0.75")
    ax.plot(
        shown[:, 0],
        shown[:, 1],
        "o-",
        color=COLORS[name],
        ms=3,
        lw=1.2,
        label=f"α = {rate:.3g}: {steps_needed:.0f} steps to J₀/1000",
    )
    ax.plot(0, 0, "*", color=plotting.color("black"), ms=10)
    ax.set(
        title=name,
        xlim=(-10, 2),
        ylim=(-2.5, 2.5),
        xlabel="$w_1$ (flat direction)",
        ylabel="$w_2$ (steep direction)",
    )
    ax.legend(loc="upper right")
    ax.label_outer()
fig.suptitle("Paths on J(w) = ½(0.5 w₁² + 10 w₂²), each at its best α (first 40 steps)")
lesson.savefig(fig, "quadratic_paths")

# %% [markdown]
# Plain gradient descent is trapped: the steep `w₂` forbids `α > 2/10`, and then the flat
# `w₁` shrinks only by `(1 − 0.5 α)` a step. Momentum averages the zig-zag away. RMSProp
# removes it, but its steps are about `α` long whatever the distance, so a rate small
# enough to *settle* crosses the valley slowly. Adam adds momentum: fastest here.
#
# ## 2. The exponentially weighted average under momentum and Adam
#
# Momentum's `v` and Adam's `v`, `S` are *exponentially weighted averages* `v_t = β v_{t−1}
# + (1 − β) θ_t` over about the last `1/(1 − β)` values; Ng shows them on a year of daily
# temperatures (ours: synthetic). As `v_0 = 0` the first averages are too small; dividing
# by `1 − βᵗ` (*bias correction*, as in Adam) fixes the start and changes nothing later.

# %%
days = np.arange(1, 366)
temperature = (
    11
    - 7 * np.cos(2 * np.pi * (days - 20) / 365)
    + np.random.default_rng([lesson.seed, 6]).normal(0, 2.5, days.size)
)  # °C


def weighted_average(values, beta, corrected):
    v, out = 0.0, []
    for t, value in enumerate(values, start=1):
        v = beta * v + (1 - beta) * value
        out.append(v / (1 - beta**t) if corrected else v)
    return np.array(out)


fig, axd = plt.subplot_mosaic(  # one row per β: the three averages would weave through each other
    [["0.5", "start"], ["0.9", "start"], ["0.98", "start"]], figsize=(12, 6), width_ratios=(1.6, 1)
)
ax_start = axd["start"]
ax_start.plot(days[:60], temperature[:60], ".", ms=3, color="0.6", label="daily value θ_t")
ax_start.set(xlabel="day of the year", ylabel="temperature (°C)")
for beta, name in zip((0.5, 0.9, 0.98), ("orange", "blue", "green")):
    ax = axd[str(beta)]
    ax.plot(days, temperature, ".", ms=2.5, color="0.6", label="daily value θ_t")
    ax.plot(
        days,
        weighted_average(temperature, beta, True),
        color=plotting.color(name),
        label=f"β = {beta}: average over ≈ {1 / (1 - beta):.0f} days",
    )
    ax.set(xlim=(0, days[-1] + 1), ylim=(-2, 1.4 * temperature.max()), ylabel="temp. (°C)")
    ax.legend(loc="upper left", ncol=2)
    if beta != 0.98:
        ax.tick_params(labelbottom=False)
axd["0.98"].set_xlabel("day of the year")
axd["0.5"].set_title("Exponentially weighted averages, bias-corrected (one β per row)")
for corrected, style in ((False, ":"), (True, "-")):
    ax_start.plot(
        days[:60],
        weighted_average(temperature, 0.98, corrected)[:60],
        style,
        color=plotting.color("purple" if not corrected else "green"),
        label=f"β = 0.98, {'with' if corrected else 'without'} bias correction",
    )
ax_start.set(
    ylim=(-1, 1.5 * temperature[:60].max()), title="The first 60 days: v₀ = 0 drags the start down"
)
ax_start.legend(loc="upper left")
lesson.savefig(fig, "weighted_averages")

# %% [markdown]
# Left, one row per β: a larger β is smoother but follows the seasons later (β = 0.98,
# green, lags by weeks); β = 0.5 (orange) stays noisy; momentum's β = 0.9 (blue) averages
# about ten gradients. Right: uncorrected, β = 0.98 starts at `0.02 θ₁` and takes weeks
# to catch up; corrected, it follows from day 1.
#
# ## 3. A real network: steps to a target loss on the moons
#
# No formula gives a network's best rate: 300 two-moons points, a `[2, 8, 8, 1]` `deep_net`
# (ReLU, He), full-batch steps from the same initial weights; each optimizer's learning-rate
# grid is one `dlcourse.Sweep` (a `learning_rate` grid key). A run *reaches* the target at the
# step after which its cost stays at or below it to the end: touch-and-leave doesn't count.

# %%
data_x, data_y = dlcourse.datasets.moons(300, noise=0.2, seed=lesson.seed)


def train(name, grid, rate=1.0, hidden_units=(8, 8), **fit_kwargs):
    """A Sweep of `deep_net`s trained by the Keras twin of Ng's optimizer `name`."""
    build = lambda seed=lesson.seed: dlcourse.deep_net(
        (2,), hidden_units, 1, activation="relu", initializer="he", seed=seed
    )
    sweep = dlcourse.Sweep(build, grid, seed=lesson.seed)
    sweep.compile(
        optimizer=make_optimizer(name, rate).as_keras(),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    sweep.fit(data_x, data_y, verbose=0, **fit_kwargs)
    return sweep


results, clock = {}, time.perf_counter()
for name in NAMES:
    keras_rates = [
        float(make_optimizer(name, rate).as_keras().learning_rate) for rate in grid_for(name)
    ]  # momentum: Keras's lr = α (1 − β)
    sweep = train(name, {"learning_rate": keras_rates}, batch_size=len(data_x), epochs=STEPS)
    costs = np.array([h.history["loss"] for h in sweep.histories])  # (rates, STEPS)
    above = ~(costs <= TARGET_LOSS)  # NaN (diverged) counts as above
    steps = np.where(above[:, -1], np.inf, STEPS - above[:, ::-1].argmax(axis=1))  # for good
    best = int(np.argmin(steps))
    results[name] = dict(
        costs=costs,
        steps=steps,
        best=best,
        rate=grid_for(name)[best],
        diverged=~(costs[:, -1] < costs[:, 0]),
    )  # NaN or above the start
print(
    f"{len(NAMES)} sweeps, {sum(len(grid_for(n)) for n in NAMES)} networks × {STEPS} steps "
    f"in {time.perf_counter() - clock:.1f} s (one stacked group per optimizer)"
)
fig = plt.figure(figsize=(12, 4.8))
grid_spec = fig.add_gridspec(2, 2, height_ratios=(1, 4), width_ratios=(1.15, 1))
ax_fail, ax_curves = fig.add_subplot(grid_spec[0, 0]), fig.add_subplot(grid_spec[:, 1])
ax_grid = fig.add_subplot(grid_spec[1, 0], sharex=ax_fail)
for row, (name, r) in enumerate(results.items()):
    rates, ok, best_steps = grid_for(name), np.isfinite(r["steps"]), r["steps"][r["best"]]
    ax_grid.plot(rates[ok], r["steps"][ok], "o-", color=COLORS[name], ms=4, label=name)
    ax_grid.plot(r["rate"], best_steps, "*", color=COLORS[name], ms=14, mec="black")
    for failed, marker in ((~ok & r["diverged"], "x"), (~ok & ~r["diverged"], "o")):
        ax_fail.plot(
            rates[failed], np.full(failed.sum(), row), marker, color=COLORS[name], mfc="none", ms=6
        )
    ax_curves.semilogy(
        np.arange(STEPS),
        r["costs"][r["best"]],
        color=COLORS[name],
        lw=1.4,
        label=f"{name}, α = {r['rate']:.3g}: {best_steps:g} steps",
    )
    ax_curves.axvline(best_steps, color=COLORS[name], ls=":", lw=1)
ax_fail.set(
    yticks=range(len(NAMES)),
    yticklabels=NAMES,
    ylim=(len(NAMES) - 0.5, -0.5),
    xscale="log",
    title=f"Grid (★ best). Strip: × diverged, ○ not ≤ {TARGET_LOSS} for good in {STEPS} steps",
)
ax_fail.tick_params(labelbottom=False, labelsize=8)
ax_grid.set(
    xlabel="learning rate α (Ng's form; log scale)",
    ylabel=f"steps until cost ≤ {TARGET_LOSS} for good",
    ylim=(0, STEPS),
)
ax_curves.axhline(TARGET_LOSS, color=plotting.color("reference"), ls="--", lw=1, label="target")
ax_curves.set(
    xlabel="step (full batch)",
    ylabel="training cross-entropy (log scale)",
    xlim=(0, min(STEPS, 3 * max(r["steps"][r["best"]] for r in results.values()))),
    title="Each at its best α (dotted: at the target for good)",
)
ax_curves.legend(loc="upper right")
fig.legend(*ax_grid.get_legend_handles_labels(), loc="outside lower left", ncol=4)
lesson.savefig(fig, "moons_steps_to_target")

for name in ("momentum", "Adam"):
    steps = [results[n]["steps"][results[n]["best"]] for n in (name, "SGD")]
    lesson.claim(
        f"steps to cost {TARGET_LOSS}: {name} (best α {results[name]['rate']:.3g}) vs SGD "
        f"(best stable α {results['SGD']['rate']:.3g})",
        steps,
        target=f"{name} < SGD < {STEPS}",
        holds=steps[0] < steps[1] < STEPS,
    )

# %% [markdown]
# Left, each optimizer on its own α (the adaptive ones need ~100× smaller rates: their step
# is about `α` per weight). Gradient descent improves with α until, a factor of two or so
# further, it fails (top strip); momentum's averaging damps those oscillations and
# tolerates larger rates; Adam and RMSProp work over a wide range. Right: at their best
# rates momentum and Adam reach the target for good in a fraction of SGD's steps.
#
# ## 4. Ng's assignment setup
#
# The assignment trains a `[2, 5, 2, 1]` net on 300 moons points, mini-batches of 64, a
# *small* rate 0.0007, 10,000 epochs: with a poor α, Adam still gets somewhere. A 2-unit
# layer is fragile, so `NG_SEEDS` initializations per optimizer; our data, shuffles and
# `NG_EPOCHS` epochs differ: expect the same picture, not the same digits.

# %%
published = {"SGD": 0.797, "momentum": 0.797, "Adam": 0.94}
ng_models, accuracy = {}, {}
for name in published:
    sweep = train(
        name,
        {"seed": [100 * lesson.seed + s for s in range(NG_SEEDS)]},
        rate=0.0007,
        hidden_units=(5, 2),
        batch_size=64,
        epochs=NG_EPOCHS,
    )
    ng_models[name] = sweep.models[0]
    accuracy[name] = [r["accuracy"] for r in sweep.evaluate(data_x, data_y)]
    print(
        f"{name:>9}: train accuracy {np.mean(accuracy[name]):.1%} (mean of "
        f"{', '.join(f'{a:.0%}' for a in accuracy[name])}); Ng: {published[name]:.1%}"
    )

fig, axes = plt.subplots(1, 3, figsize=(12, 4.1), sharey=True)
for ax, name in zip(axes, published):
    plotting.plot_decision_boundary(
        ax,
        lambda points, model=ng_models[name]: keras.ops.convert_to_numpy(model(points)),
        data_x,
        data_y,
        title=f"{name}: {accuracy[name][0]:.1%} (mean of {NG_SEEDS}: "
        f"{np.mean(accuracy[name]):.0%}; published {published[name]:.1%})",
    )
    ax.title.set_fontsize(9)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2)
fig.suptitle(f"Ng's setup: [2, 5, 2, 1], α = 0.0007, mini-batch 64, {NG_EPOCHS} epochs")
lesson.savefig(fig, "ng_setup_boundaries")

# %% [markdown]
# At α = 0.0007 gradient descent and momentum take the same small steps (Ng's momentum
# only smooths them): still crude boundaries. Adam's steps are about α however small the
# gradients, and it fits the moons (a net whose 2-unit layer died stays near chance with
# any optimizer). "Adam is forgiving", not "always better": tuned (section 3), SGD gets there.
#
# ## What to remember
#
# - Momentum (an exponentially weighted average of the gradients, ≈ the last `1/(1 − β)`),
#   RMSProp (per-weight steps), Adam (both, bias-corrected by `1 − βᵗ`). Keras writes the
#   same algorithms with different knobs: momentum `lr = α(1 − β)`, ε inside RMSProp's root.
# - Compare optimizers at their *own* best rates: momentum and Adam then beat plain gradient
#   descent by several times; Adam is the least sensitive to α.

# %%
lesson.finish()
