"""Lesson 06 — Optimizers: momentum, RMSProp and Adam versus plain gradient descent.

Implements the four update rules from scratch in NumPy (`dlcourse.optimizers`, Ng's
formulas with bias correction), checks that they follow the same trajectories as
`keras.optimizers`, draws their paths on an ill-conditioned quadratic, and counts the
steps each needs to reach a target loss on the two-moons data, every optimizer at the
best learning rate of a grid. Also reruns Ng's assignment setup ([2, 5, 2, 1] net,
learning rate 0.0007, mini-batches of 64) and prints its published accuracies.

Claim: momentum and Adam reach the target loss in fewer steps than SGD at its best stable learning rate.

Run it:
    python lessons/06_optimizers.py            # full mode, figures in out/06_optimizers/
    python lessons/06_optimizers.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Optimizers: momentum, RMSProp and Adam
#
# Plain gradient descent takes the step `W ← W − α dW`. When the cost is a long, narrow
# valley, the gradient points mostly *across* the valley: a large `α` makes the iterates
# zig-zag from wall to wall (or diverge), a small one crawls along the floor. Three fixes,
# in Ng's notation (every `dW` also stands for `db`):
#
# - **Momentum**: step along an exponentially weighted average of the gradients,
#   `v = β v + (1 − β) dW;  W ← W − α v`. The zig-zags cancel in the average, the
#   consistent direction adds up, so a larger `α` stays stable. (β = 0.9.)
# - **RMSProp**: divide each parameter's step by the root mean square of its recent
#   gradients, `S = β₂ S + (1 − β₂) dW²;  W ← W − α dW / (√S + ε)`: steep directions get
#   small steps, flat ones large steps.
# - **Adam** = momentum + RMSProp, with *bias correction* because `v` and `S` start at 0:
#   `v̂ = v / (1 − β₁ᵗ)`, `Ŝ = S / (1 − β₂ᵗ)`, `W ← W − α v̂ / (√Ŝ + ε)`
#   (β₁ = 0.9, β₂ = 0.999, ε = 1e-8).
#
# The claim: at the best learning rate of a grid for each of them, momentum and Adam reach
# a target loss in fewer steps than plain gradient descent at *its* best stable rate.

# %%
import keras
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import dlcourse
from dlcourse import optimizers, plotting
from dlcourse.lesson import start

lesson = start("06_optimizers", title="Optimizers: momentum, RMSProp and Adam")

CURVATURES = np.array([0.5, 10.0])  # the quadratic's Hessian eigenvalues: condition number 20
W_START = np.array([-9.0, 1.5])
QUADRATIC_STEPS = 150
LAYERS = [2, 8, 8, 1]  # the network for the step-count claim (ReLU, ReLU, sigmoid)
STEPS = lesson.pick(full=600, quick=500)  # full-batch steps per run on the moons
TARGET_LOSS = 0.1  # training cross-entropy to reach
GRID = 2.0 ** np.arange(-4, 7)  # 1/16 ... 64: SGD and momentum learning rates
ADAPTIVE_SCALE = 0.01  # RMSProp and Adam use GRID * 0.01 (their steps are ~α per weight)
NG_EPOCHS = lesson.pick(full=10_000, quick=300)  # Ng's assignment: 10,000 epochs
NAMES = ("SGD", "momentum", "RMSProp", "Adam")
COLORS = dict(zip(NAMES, (plotting.color("red"), plotting.color("blue"),
                          plotting.color("orange"), plotting.color("green"))))


def make_optimizer(name, learning_rate):
    """Ng's defaults: β = 0.9 (momentum), β₂ = 0.9 (RMSProp), β₁ = 0.9, β₂ = 0.999 (Adam)."""
    return {"SGD": lambda: optimizers.SGD(learning_rate),
            "momentum": lambda: optimizers.Momentum(learning_rate, beta=0.9),
            "RMSProp": lambda: optimizers.RMSProp(learning_rate, beta2=0.9),
            "Adam": lambda: optimizers.Adam(learning_rate)}[name]()


def grid_for(name):
    return GRID * (ADAPTIVE_SCALE if name in ("RMSProp", "Adam") else 1.0)


# %% [markdown]
# ## 1. An ill-conditioned quadratic
#
# `J(w) = ½ (0.5 w₁² + 10 w₂²)`: an ellipse twenty times steeper along `w₂` than along
# `w₁` (Ng's picture: oscillations in the vertical direction, slow progress in the
# horizontal one). Its gradient is `(0.5 w₁, 10 w₂)`. The update rules are
# `dlcourse.optimizers` — about a dozen readable lines each, written with Ng's formulas.
#
# First, are they right? We run each one next to the matching `keras.optimizers` class
# (`as_keras()` converts the hyper-parameters where Keras writes the rule differently:
# Keras's momentum is `v = β v − lr·dW; W += v`, the same rule as Ng's with
# `lr = α (1 − β)`; Keras's RMSProp puts ε inside the square root; Keras's Adam adds ε
# before the bias correction) on float64 variables, and compare the trajectories.

# %%
def quadratic_cost(w):
    return 0.5 * np.sum(CURVATURES * w**2, axis=-1)


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
    w = keras.Variable(W_START, dtype="float64")
    path = [w.numpy()]
    for _ in range(steps):
        grad = tf.constant(CURVATURES * w.numpy())
        keras_optimizer.apply_gradients([(grad, w)])
        path.append(w.numpy())
    return np.array(path)


CHECK_STEPS = 30
agreement = {}
for name, rate in zip(NAMES, (0.1, 0.1, 0.05, 0.05)):
    ours = quadratic_path(make_optimizer(name, rate), CHECK_STEPS)
    theirs = keras_quadratic_path(make_optimizer(name, rate).as_keras(), CHECK_STEPS)
    agreement[name] = float(np.max(np.abs(ours - theirs)))
    print(f"{name:>9}: ours vs {type(make_optimizer(name, rate).as_keras()).__name__:<8} "
          f"max |Δw| over {CHECK_STEPS} steps = {agreement[name]:.1e}")

worst = max(agreement.values())
lesson.claim(
    f"from-scratch SGD/momentum/RMSProp/Adam vs keras.optimizers, {CHECK_STEPS} steps (max |Δw|)",
    worst,
    target="< 1e-6",
    holds=worst < 1e-6,
)

# %% [markdown]
# They agree to about 1e-8 — the rounding of Keras's float32 learning-rate variable.
# (One more Keras detail: it casts Python-float coefficients such as `β = 0.9` through
# float32, which shifts Adam's bias correction by ~1e-5; `as_keras()` passes them as
# float64 so the trajectories match.)
#
# Now the paths. Each optimizer gets the learning rate from a grid that brings the cost
# below 1/1000 of its start in the fewest steps *and keeps it there* until step 150 (a
# lucky jump that lands near the minimum and then leaves does not count).

# %%
quadratic_grid = 2.0 ** np.arange(-8, 3, 0.5)
quadratic_best = {}
for name in NAMES:
    paths = quadratic_path(make_optimizer(name, quadratic_grid[:, None]))  # (steps+1, runs, 2)
    with np.errstate(over="ignore", invalid="ignore"):  # too-large rates diverge: inf cost
        costs = quadratic_cost(paths)
    below = costs <= 1e-3 * quadratic_cost(W_START)
    steps_needed = np.where(below[-1], below.argmax(axis=0), np.inf)  # must end below, too
    run = int(np.argmin(steps_needed))
    quadratic_best[name] = (quadratic_grid[run], steps_needed[run], paths[:, run])
    print(f"{name:>9}: best α = {quadratic_grid[run]:.3g}, "
          f"{steps_needed[run]:.0f} steps to J < J₀/1000")

# %%
w1, w2 = np.meshgrid(np.linspace(-10, 2, 200), np.linspace(-2.5, 2.5, 200))
contour_costs = quadratic_cost(np.stack([w1, w2], axis=-1))
fig, axes = plt.subplots(2, 2, figsize=(10, 6.4), sharex=True, sharey=True)
for ax, name in zip(axes.ravel(), NAMES):
    rate, steps_needed, path = quadratic_best[name]
    shown = path[: int(min(steps_needed, 40)) + 1]
    ax.contour(w1, w2, contour_costs, levels=np.geomspace(0.01, 60, 12), colors="0.75",
               linewidths=0.8)
    ax.plot(shown[:, 0], shown[:, 1], "o-", color=COLORS[name], ms=3, lw=1.2,
            label=f"α = {rate:.3g}: {steps_needed:.0f} steps to J₀/1000")
    ax.plot(0, 0, "*", color=plotting.color("black"), ms=10)
    ax.set_title(name)
    ax.set_xlim(-10, 2)
    ax.set_ylim(-2.5, 2.5)
    ax.legend(loc="upper right")
for ax in axes[1]:
    ax.set_xlabel("$w_1$ (flat direction)")
for ax in axes[:, 0]:
    ax.set_ylabel("$w_2$ (steep direction)")
fig.suptitle("Paths on J(w) = ½(0.5 w₁² + 10 w₂²), each at its best learning rate "
             "(first 40 steps)", fontweight="bold")
lesson.savefig(fig, "quadratic_paths")

# %% [markdown]
# Plain gradient descent is trapped between two needs: the steep `w₂` direction forbids
# `α > 2/10` (beyond it the zig-zag grows), and with such a small `α` the flat `w₁`
# direction shrinks only by `(1 − 0.5 α)` per step. Momentum averages the zig-zag away
# and keeps its speed along the valley. RMSProp divides each coordinate's step by its
# typical gradient size: the zig-zag is gone (`w₂` goes straight to 0), but every step is
# now about `α` long whatever the distance, so a rate small enough to *settle* at the
# minimum crosses the long valley slowly. Adam adds momentum to that (and bias
# correction), and is the fastest here.
#
# ## 2. A real network: steps to a target loss on the moons
#
# Now a network, where no formula gives the best learning rate. 300 points of the
# two-moons data, a `[2, 8, 8, 1]` net (ReLU, ReLU, sigmoid; He initialization), full-batch
# steps so that the only difference between runs is the update rule. Forward and backward
# propagation are Ng's NumPy formulas; every array carries a leading *runs* axis, so one
# loop trains the whole learning-rate grid at once (`dlcourse.optimizers` accept an array
# of learning rates, one per run). All runs start from the same initial weights.

# %%
data_x, data_y = dlcourse.datasets.moons(300, noise=0.2, seed=lesson.seed)
x = data_x.T.astype("float64")  # (2, m): Ng's layout, one column per example
y = data_y.reshape(1, -1).astype("float64")  # (1, m)


def initialize(layer_dims, runs, seed):
    """He initialization, W[l] ~ N(0, 2 / n[l−1]), b[l] = 0; the same draw for every run."""
    rng = np.random.default_rng(seed)
    params = []
    for n_prev, n in zip(layer_dims[:-1], layer_dims[1:]):
        weights = rng.normal(size=(n, n_prev)) * np.sqrt(2.0 / n_prev)
        params += [np.tile(weights, (runs, 1, 1)), np.zeros((runs, n, 1))]
    return params  # [W1, b1, W2, b2, ...], W[l]: (runs, n[l], n[l-1]), b[l]: (runs, n[l], 1)


def cost_and_grads(params, x, y):
    """Cross-entropy cost per run and its gradients [dW1, db1, ...] by backpropagation."""
    n_layers = len(params) // 2
    activations = [x]  # a[0] = x
    for l in range(n_layers):
        z = params[2 * l] @ activations[-1] + params[2 * l + 1]  # (runs, n[l], m)
        activations.append(np.maximum(z, 0.0) if l < n_layers - 1 else 1 / (1 + np.exp(-z)))
    m = x.shape[-1]
    cost = np.mean(np.logaddexp(0.0, z) - y * z, axis=(1, 2))  # = −[y log a + (1−y) log(1−a)]
    grads = [None] * len(params)
    dz = (activations[-1] - y) / m  # sigmoid + cross-entropy: dJ/dz[L] = (a[L] − y) / m
    for l in reversed(range(n_layers)):
        grads[2 * l] = dz @ np.swapaxes(activations[l], -1, -2)  # dW[l] = dz[l] a[l−1]ᵀ
        grads[2 * l + 1] = dz.sum(axis=-1, keepdims=True)  # db[l]
        if l > 0:
            dz = (np.swapaxes(params[2 * l], -1, -2) @ dz) * (activations[l] > 0)  # ReLU'
    return cost, grads


# The NumPy backward pass against tf.GradientTape (float64), on run 0 at initialization.
params = initialize(LAYERS, runs=1, seed=lesson.seed)
cost, grads = cost_and_grads(params, x, y)
variables = [tf.Variable(p[0]) for p in params]
with tf.GradientTape() as tape:
    a = tf.constant(x)
    for l in range(len(LAYERS) - 1):
        z_tf = variables[2 * l] @ a + variables[2 * l + 1]
        a = tf.nn.relu(z_tf)
    tf_cost = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(tf.constant(y), z_tf))
tf_grads = tape.gradient(tf_cost, variables)
backprop_error = max(float(np.max(np.abs(g[0] - t.numpy())) / (np.max(np.abs(t.numpy())) + 1e-12))
                     for g, t in zip(grads, tf_grads))
print(f"cost {cost[0]:.6f} vs TensorFlow {float(tf_cost):.6f}; "
      f"max relative gradient error {backprop_error:.1e}")
lesson.claim(
    "NumPy backprop of the [2, 8, 8, 1] net equals tf.GradientTape (max relative error)",
    backprop_error,
    target="< 1e-9",
    holds=backprop_error < 1e-9,
)

# %%
def train_grid(name):
    """Full-batch training of one run per learning rate; returns costs (STEPS + 1, runs)."""
    rates = grid_for(name)
    params = initialize(LAYERS, runs=len(rates), seed=lesson.seed)
    optimizer = make_optimizer(name, rates[:, None, None])  # broadcasts over (runs, n, n)
    costs = np.empty((STEPS + 1, len(rates)))
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(STEPS):
            costs[step], grads = cost_and_grads(params, x, y)
            optimizer.update(params, grads)
        costs[STEPS] = cost_and_grads(params, x, y)[0]
    return costs


def steps_to_target(costs):
    """Per run: the first step with cost <= TARGET_LOSS, counted only for stable runs.

    A run is *stable* when its cost stays finite and it ends below the target too (median
    of the last 10% of steps): a rate that touches the target and then blows up is
    not a usable rate.
    """
    reached = costs <= TARGET_LOSS
    steps = np.where(reached.any(axis=0), reached.argmax(axis=0), np.inf)
    tail = costs[-max(1, len(costs) // 10):]
    stable = np.all(np.isfinite(costs), axis=0) & (np.median(tail, axis=0) <= TARGET_LOSS)
    return np.where(stable, steps, np.inf), stable


grid_costs = {name: train_grid(name) for name in NAMES}
results = {}
for name in NAMES:
    steps, stable = steps_to_target(grid_costs[name])
    best = int(np.argmin(steps))
    results[name] = {"steps": steps, "stable": stable, "best": best,
                     "rate": grid_for(name)[best], "best_steps": steps[best]}
    print(f"{name:>9} (α: steps, — = unstable or not reached): " + "  ".join(
        f"{rate:g}:{int(s) if ok else '—'}"
        for rate, s, ok in zip(grid_for(name), steps, stable)))
    print(f"{'':>9}  best α = {results[name]['rate']:g}: {results[name]['best_steps']:g} steps "
          f"to cost {TARGET_LOSS}")

# %%
fig, (ax_grid, ax_curves) = plt.subplots(1, 2, figsize=(11, 4.2))
for name in NAMES:
    r = results[name]
    relative = GRID  # plot against the grid index's rate (adaptive ones are ×0.01)
    finite = np.isfinite(r["steps"])
    ax_grid.loglog(relative[finite], r["steps"][finite], "o-", color=COLORS[name], ms=4,
                   label=f"{name} (α{' × 100' if name in ('RMSProp', 'Adam') else ''})")
    unstable = ~finite
    ax_grid.plot(relative[unstable], np.full(unstable.sum(), STEPS * 1.6), "x",
                 color=COLORS[name], ms=7)
    ax_grid.plot(relative[r["best"]], r["best_steps"], "*", color=COLORS[name], ms=14,
                 markeredgecolor="black")
    ax_curves.semilogy(grid_costs[name][:, r["best"]], color=COLORS[name],
                       label=f"{name}, α = {r['rate']:g}: {r['best_steps']:g} steps")
ax_grid.axhline(STEPS, color=plotting.color("reference"), ls=":", lw=1)
ax_grid.text(GRID[0], STEPS * 1.08, f"budget: {STEPS} steps;  × = unstable or never reached",
             fontsize=8, color="0.4")
ax_grid.set_ylim(top=STEPS * 2.2)
ax_grid.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}"))
ax_grid.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
ax_grid.set_xlabel("learning rate α  (RMSProp and Adam: α × 100; log scale)")
ax_grid.set_ylabel(f"steps to cost ≤ {TARGET_LOSS}  (log scale)")
ax_grid.set_title("The learning-rate grid (★ = best stable rate)")
ax_grid.legend(loc="lower left")
ax_curves.axhline(TARGET_LOSS, color=plotting.color("reference"), ls="--", lw=1, label="target")
ax_curves.set_xlabel("step (full batch)")
ax_curves.set_ylabel("training cross-entropy  (log scale)")
ax_curves.set_title("[2, 8, 8, 1] net on the moons, each at its best α")
ax_curves.legend()
lesson.savefig(fig, "moons_steps_to_target")

sgd_steps = results["SGD"]["best_steps"]
for name in ("momentum", "Adam"):
    lesson.claim(
        f"steps to cost {TARGET_LOSS}: {name} (best α {results[name]['rate']:g}) vs SGD "
        f"(best stable α {results['SGD']['rate']:g})",
        [results[name]["best_steps"], sgd_steps],
        target=f"{name} < SGD",
        holds=results[name]["best_steps"] < sgd_steps,
    )

# %% [markdown]
# Left, the grid: plain gradient descent improves with α until, a factor of two or four
# further, it stops converging (×). Momentum keeps improving to learning rates many times
# larger (in Ng's form its steady-state step is `α·dW`, the same as SGD's, but the averaging
# damps the oscillations that make SGD unstable). Adam and RMSProp need far smaller α
# because their step is about `α` per weight whatever the gradient's size — and they are
# much less sensitive to it: a wide range of rates works. Right: at their best rates,
# momentum and Adam reach the target in a fraction of plain gradient descent's steps.
# (The best rates sit near the edge of stability, hence the occasional spikes; a rate
# counts as stable if the run stays finite and ends below the target.)
#
# ## 3. Ng's assignment setup
#
# The course's optimization assignment trains a `[2, 5, 2, 1]` net on 300 moons points with
# mini-batches of 64 and a *small* learning rate, 0.0007, for 10,000 epochs. That rate is
# far below the best one for gradient descent, so the assignment shows the other virtue of
# Adam: with a poorly chosen α it still gets somewhere. (A net this narrow is also fragile —
# with a 2-unit layer, whether a run escapes its initial plateau depends on the draw, which
# is why section 2 used `[2, 8, 8, 1]`.) Our data and shuffles are drawn differently from
# the assignment's, so expect the same picture, not the same digits.

# %%
NG_LAYERS, NG_RATE, NG_BATCH = [2, 5, 2, 1], 0.0007, 64
ng_names = ("SGD", "momentum", "Adam")
ng_optimizers = [make_optimizer(name, NG_RATE) for name in ng_names]
ng_params = initialize(NG_LAYERS, runs=3, seed=lesson.seed)  # run i is trained by optimizer i
shuffle_rng = np.random.default_rng(lesson.seed)
for epoch in range(NG_EPOCHS):
    order = shuffle_rng.permutation(x.shape[1])
    for begin in range(0, x.shape[1], NG_BATCH):
        batch = order[begin:begin + NG_BATCH]
        _, grads = cost_and_grads(ng_params, x[:, batch], y[:, batch])
        for run, optimizer in enumerate(ng_optimizers):  # p[run] is a view: updated in place
            optimizer.update([p[run] for p in ng_params], [g[run] for g in grads])


def ng_predict(params, points):
    a = points.T.astype("float64")
    for l in range(len(params) // 2):
        z = params[2 * l] @ a + params[2 * l + 1]
        a = np.maximum(z, 0.0)
    return (1 / (1 + np.exp(-z)))[0, 0]  # (n,) probabilities


published = {"SGD": 0.797, "momentum": 0.797, "Adam": 0.94}
accuracy = {}
for run, name in enumerate(ng_names):
    run_params = [p[run:run + 1] for p in ng_params]
    accuracy[name] = float(np.mean((ng_predict(run_params, data_x) > 0.5) == data_y))
    print(f"{name:>9}: train accuracy {accuracy[name]:.1%} after {NG_EPOCHS} epochs "
          f"(Ng's assignment, 10,000 epochs: {published[name]:.1%})")

fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for run, (ax, name) in enumerate(zip(axes, ng_names)):
    run_params = [p[run:run + 1] for p in ng_params]
    plotting.plot_decision_boundary(
        ax, lambda pts, rp=run_params: ng_predict(rp, pts), data_x, data_y,
        title=f"{name}: {accuracy[name]:.1%} (published {published[name]:.1%})")
axes[0].legend(loc="lower left")
fig.suptitle(f"Ng's setup: [2, 5, 2, 1], α = {NG_RATE}, mini-batch {NG_BATCH}, "
             f"{NG_EPOCHS} epochs", fontweight="bold")
lesson.savefig(fig, "ng_setup_boundaries")

# %% [markdown]
# At α = 0.0007 plain gradient descent and momentum take the same small steps (in Ng's
# form momentum only smooths them), so their boundaries are alike and still crude; Adam's
# per-weight scaling makes its steps about α regardless of how small the gradients are,
# and it fits the moons. Read it as "Adam is forgiving", not "Adam is always better": in
# section 2, with tuned learning rates, plain gradient descent also gets there — only
# slower.
#
# ## What to remember
#
# - Momentum: `v = β v + (1 − β) dW`, `W −= α v` — averages the zig-zag away, tolerates
#   larger α. RMSProp: `S = β₂ S + (1 − β₂) dW²`, `W −= α dW / (√S + ε)` — per-weight step
#   sizes. Adam: both, with bias correction `v / (1 − β₁ᵗ)`, `S / (1 − β₂ᵗ)`.
# - Keras writes momentum as `v = β v − lr dW` (so `lr = α(1 − β)`), puts RMSProp's ε inside
#   the root and Adam's ε before the bias correction — same algorithms, different knobs.
# - Compare optimizers at their *own* best learning rates: then momentum and Adam need
#   several times fewer steps than plain gradient descent; Adam is also the least
#   sensitive to the choice of α.

# %%
lesson.finish()
