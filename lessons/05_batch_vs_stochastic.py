"""Batch, stochastic and mini-batch gradient descent

Trains the same logistic-regression model on 10,000 examples with batch gradient
descent (all examples per update), stochastic gradient descent (one example per
update) and mini-batch gradient descent (10 or 100 per update), counts the updates
per epoch (ceil(m / batch_size), checked against Keras's own counter), shows that
SGD's loss curve is noisy, and that mini-batches reach a target loss in far fewer
passes over the data than full batches.

Claim: N=10000, batch 10 → 1000 updates an epoch; SGD is noisier than BGD; mini-batch needs fewer passes.
"""

# %% [markdown]
# Gradient descent updates the parameters with the gradient of the cost
# `J = (1/m) Σ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾)`. The three flavours differ only in **how many examples
# each update looks at**:
#
# - **batch gradient descent (BGD)** uses all `m` examples: one update per pass over
#   the data (an *epoch*), an exact gradient, a smooth descent — but slow when `m` is large;
# - **stochastic gradient descent (SGD)** uses one example: `m` updates per epoch, each
#   cheap but noisy (Hung-yi Lee: "see one example, update once");
# - **mini-batch gradient descent** uses `batch_size` examples (Ng: 64 to 512 is typical):
#   `ceil(m / batch_size)` updates per epoch, still vectorized, much less noisy than SGD.
#
# With `m = 10,000` and `batch_size = 10` that is 1,000 updates per epoch. The claim of this
# lesson is that many cheap, slightly noisy steps beat one exact step: mini-batches reach a
# given loss in far fewer passes over the data.

# %%
import time

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import PolynomialFeatures

import dlcourse
from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)

M = 10_000  # training examples (the syllabus's count: 10,000 / 10 -> 1,000 updates)
BATCH_EPOCHS = lesson.pick(full=300, quick=200)  # passes for batch gradient descent
MINIBATCH_EPOCHS = lesson.pick(full=4, quick=3)  # passes for mini-batch gradient descent
SGD_EPOCHS = lesson.pick(full=3, quick=1)  # passes for SGD (batch size 1, the slow one)
BATCH_LEARNING_RATES = lesson.pick(full=[4.0, 8.0, 16.0, 32.0], quick=[8.0, 16.0, 32.0])
# name -> (batch size, learning rate). Noisier gradients need smaller steps.
RUNS = {
    "SGD (batch 1)": (1, 0.1),
    "mini-batch 10": (10, 1.0),
    "mini-batch 100": (100, 10.0),
}
TARGET_GAP = 0.01  # target: training loss within 0.01 of the best possible
NOISE_UPDATES = lesson.pick(full=300, quick=200)  # updates compared in the noise experiment
BOWL_RATES = {"too small": 0.05, "about right": 0.3, "large": 0.9, "too large": 1.05}  # on J = w²
BOWL_STEPS = 8  # gradient steps drawn on the 1-D bowl
GIF_EVERY = lesson.pick(full=1, quick=BOWL_STEPS)  # animation: a frame every GIF_EVERY steps
PATH_UPDATES = 50  # updates drawn on the 2-D contours
CONTOUR_GRID = lesson.pick(full=61, quick=31)  # cost evaluations per axis for the contours

# %% [markdown]
# ## The data and the model
#
# 10,000 points of the two-moons data, and logistic regression on their cubic features
# (`x1, x2, x1², x1·x2, x2², …`, standardized): a convex problem, so scikit-learn's solver
# gives the best possible training loss `J*` and we can measure every run's distance to it.
# Cubic features are strongly correlated, which makes the cost's bowl elongated: realistic,
# and hard on plain gradient descent.

# %%
x_raw, y = dlcourse.datasets.moons(M, noise=0.3, seed=lesson.seed)
x = PolynomialFeatures(degree=3, include_bias=False).fit_transform(x_raw.astype("float64"))
x = (x - x.mean(axis=0)) / x.std(axis=0)  # (m, 9)
y = y.astype("float64")  # (m,)


def cost(w, b):
    """Cross-entropy J(w, b) on the whole training set (log(1 + e^z) − y·z, stable)."""
    z = x @ w + b
    return float(np.mean(np.logaddexp(0.0, z) - y * z))


best = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(x, y)
best_cost = cost(best.coef_[0], best.intercept_)
print(f"best possible training loss J* = {best_cost:.5f} (accuracy {best.score(x, y):.3f})")

# %% [markdown]
# ## One loop for all three
#
# Ng's recipe: shuffle the examples every epoch, cut them into mini-batches of
# `batch_size` (the last one may be smaller), and update once per mini-batch.
# `batch_size = m` is batch gradient descent, `batch_size = 1` is SGD. The update itself
# is `dlcourse.scratch.SGD` (`W ← W − α dW`, our from-scratch rule, see lesson 06).
# We time only the updates, not the loss we record for the plots.


# %%
def gradient_descent(batch_size, learning_rate, epochs, *, record_every=1, max_updates=None):
    """Mini-batch gradient descent on the logistic-regression cost; returns its history."""
    w, b = np.zeros(x.shape[1]), np.zeros(1)
    optimizer = scratch.SGD(learning_rate)
    rng = np.random.default_rng(lesson.seed)
    history = {"epoch": [0.0], "seconds": [0.0], "loss": [cost(w, b)], "updates_per_epoch": []}
    updates, seconds = 0, 0.0
    batches_per_epoch = -(-M // batch_size)  # ceil(m / batch_size), for the x axis only
    for _ in range(epochs):
        order = rng.permutation(M)
        x_shuffled, y_shuffled = x[order], y[order]
        updates_this_epoch = 0
        tic = time.perf_counter()
        for begin in range(0, M, batch_size):
            x_batch = x_shuffled[begin : begin + batch_size]  # (batch, 9)
            y_batch = y_shuffled[begin : begin + batch_size]
            dz = (scratch.sigmoid(x_batch @ w + b) - y_batch) / len(y_batch)  # (batch,)
            optimizer.update([w, b], [x_batch.T @ dz, dz.sum(keepdims=True)])
            updates += 1
            updates_this_epoch += 1
            if updates % record_every == 0:
                seconds += time.perf_counter() - tic
                history["epoch"].append(updates / batches_per_epoch)
                history["seconds"].append(seconds)
                history["loss"].append(cost(w, b))
                tic = time.perf_counter()
            if updates == max_updates:
                return {k: np.array(v) for k, v in history.items()}
        seconds += time.perf_counter() - tic
        history["updates_per_epoch"].append(updates_this_epoch)
    return {k: np.array(v) for k, v in history.items()}


def passes_to_target(history):
    """Epochs (passes over the data) until the loss first gets within TARGET_GAP of J*."""
    reached = np.flatnonzero(history["loss"] <= best_cost + TARGET_GAP)
    return float(history["epoch"][reached[0]]) if reached.size else float("inf")


# %% [markdown]
# ## The learning rate on a 1-D bowl
#
# Before comparing batch sizes, the one knob they all share: the learning rate α. On
# the simplest cost, `J(w) = w²` (gradient `2w`), one step is `w ← w − α·2w = (1 − 2α) w`
# (Hung-yi Lee's slide): too small an α creeps, a good one gets close in a few steps, a
# large one jumps across the bowl and back, and above `α = 1` every jump lands higher
# than the last — it diverges.


# %%
def bowl_path(rate, steps=BOWL_STEPS, start_w=-4.0):
    """w after 0, 1, …, steps gradient steps on J(w) = w²: each multiplies w by (1 − 2α)."""
    return start_w * (1 - 2 * rate) ** np.arange(steps + 1)  # w − α·dJ/dw, dJ/dw = 2w


bowl_paths = {name: bowl_path(rate) for name, rate in BOWL_RATES.items()}
bowl_colors = dict(zip(BOWL_RATES, (plotting.color(c) for c in ("sky", "green", "orange", "red"))))


def draw_bowl(axes):
    """Draw the four bowls; return a function that shows the paths after `steps` steps."""
    reach = 1.1 * max(np.abs(path).max() for path in bowl_paths.values())  # same axes in all panels
    w_grid = np.linspace(-reach, reach, 201)
    artists = []
    for ax, (name, path) in zip(axes, bowl_paths.items()):
        ax.plot(w_grid, w_grid**2, color=plotting.color("grey"), lw=1.5)
        (line,) = ax.plot([], [], "o-", color=bowl_colors[name], lw=1, ms=5)
        (last,) = ax.plot([], [], "o", ms=10, mfc="none", mew=2, color=plotting.color("black"))
        ax.set_ylim(-0.02 * reach**2, reach**2)
        ax.set_xlabel("w")
        artists.append((ax, name, path, line, last))
    axes[0].set_ylabel("J(w) = w²")

    def show(steps):
        for ax, name, path, line, last in artists:
            shown = path[: steps + 1]
            line.set_data(shown, shown**2)
            last.set_data(shown[-1:], shown[-1:] ** 2)
            ax.set_title(
                f"α = {BOWL_RATES[name]:g}: {name}\n|w| after {steps} steps: {abs(shown[-1]):.2g}"
            )

    return show


fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), sharey=True)
draw_bowl(axes)(BOWL_STEPS)
fig.suptitle(
    f"{BOWL_STEPS} gradient steps on J(w) = w² from w = −4 (dots: w after each step)",
    fontweight="bold",
)
lesson.savefig(fig, "learning_rate_on_a_bowl")

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), sharey=True, dpi=70)
show_steps = draw_bowl(axes)
show_steps(BOWL_STEPS)
fig.canvas.draw()  # lay the panels out once, for the longest titles ...
fig.set_layout_engine("none")  # ... and keep that layout for every frame (much faster)
frames = range(0, BOWL_STEPS + 1, GIF_EVERY)
plotting.save_animation(fig, show_steps, frames, lesson.out / "learning_rate_on_a_bowl.gif", dpi=70)

# %% [markdown]
# Left to right: with α = 0.05 each step removes only 10% of `w`, and after eight steps
# `w` is still far from 0. With α = 0.3 each step removes 60%: close to the minimum in a
# few steps. With α = 0.9 the factor is −0.8: `w` jumps to the other wall and back,
# converging slowly in a zig-zag. With α = 1.05 the factor is −1.1: every step lands
# higher on the other wall and the loss grows without bound. (The GIF beside the
# figures, `learning_rate_on_a_bowl.gif`, plays the steps one by one.) Real costs are
# not this round, but the same four behaviours are what you look for in a loss curve —
# and why the batch GD runs below try several learning rates.
#
# ## Training: loss against epochs and against seconds
#
# Batch gradient descent gets the benefit of the doubt: we try several learning rates
# and keep the one that reaches the target first (too large a rate oscillates or diverges).
# The mini-batch runs use one learning rate each, smaller for smaller batches because
# their gradients are noisier.

# %%
batch_runs = {rate: gradient_descent(M, rate, BATCH_EPOCHS) for rate in BATCH_LEARNING_RATES}
batch_passes = {rate: passes_to_target(h) for rate, h in batch_runs.items()}
best_rate = min(batch_passes, key=batch_passes.get)
for rate, passes in batch_passes.items():
    print(
        f"batch GD, learning rate {rate:>5}: {passes:g} passes to the target"
        + ("  <- best" if rate == best_rate else "")
    )

histories = {f"batch GD (α = {best_rate:g})": batch_runs[best_rate]}
for name, (batch_size, rate) in RUNS.items():
    epochs = SGD_EPOCHS if batch_size == 1 else MINIBATCH_EPOCHS
    record_every = max(1, M // batch_size // 25)  # 25 points per epoch on the curves
    histories[f"{name} (α = {rate:g})"] = gradient_descent(
        batch_size, rate, epochs, record_every=record_every
    )

passes = {name: passes_to_target(h) for name, h in histories.items()}
for name, h in histories.items():
    print(
        f"{name:>28}: {passes[name]:6.2f} passes to J* + {TARGET_GAP}, "
        f"final loss − J* = {h['loss'][-1] - best_cost:.1e}, "
        f"{h['seconds'][-1]:.2f} s of updates"
    )

# %%
fig, (ax_epochs, ax_seconds) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
floor = 3e-4  # loss − J* below this is drawn at the floor
# BGD, SGD (wide and pale: mini-batch 10 runs on top of it per epoch), mini-batch 10, 100
styles = [
    dict(color=plotting.color("blue"), lw=1.3),
    dict(color=plotting.color("purple"), lw=4, alpha=0.5),
    dict(color=plotting.color("black"), lw=1.0, ls="--"),
    dict(color=plotting.color("orange"), lw=1.1),
]
for (name, h), style in zip(histories.items(), styles):
    gap = np.maximum(h["loss"] - best_cost, floor)
    ax_epochs.loglog(h["epoch"][1:], gap[1:], label=name, **style)
    ax_seconds.loglog(h["seconds"][1:], gap[1:], label=name, **style)
for ax in (ax_epochs, ax_seconds):
    ax.axhline(TARGET_GAP, color=plotting.color("reference"), ls="--", lw=1, label="target")
    ax.set_ylim(floor, 1.0)
ax_epochs.set_xlabel("epochs = passes over the 10,000 examples (log scale)")
ax_epochs.set_ylabel("training loss − J*  (log scale)")
ax_epochs.set_title("Loss against passes over the data")
ax_seconds.set_xlabel("seconds spent in updates (log scale; this machine, not asserted)")
ax_seconds.set_title("Loss against wall-clock time")
fig.legend(*ax_epochs.get_legend_handles_labels(), loc="outside lower center", ncols=5)
lesson.savefig(fig, "loss_vs_epochs_and_seconds")

mini_name = next(name for name in histories if name.startswith("mini-batch 10 "))
batch_name = next(iter(histories))
lesson.claim(
    f"passes to reach J* + {TARGET_GAP}: mini-batch 10 vs batch GD at its best learning rate",
    [passes[mini_name], passes[batch_name]],
    target="mini-batch < batch GD",
    holds=passes[mini_name] < passes[batch_name],
)

# %% [markdown]
# Left: measured in passes over the data, batch gradient descent needs on the order of a
# hundred epochs to get within 0.01 of the optimum, even at its best learning rate (which
# is close to the edge of stability: note its bump). The mini-batch runs get there within
# an epoch or two, because one epoch gives them hundreds or thousands of slightly noisy
# steps instead of one exact step. Near the end their curves flatten into a noisy floor:
# a constant learning rate keeps them bouncing around the minimum (learning-rate decay
# would settle them).
#
# SGD with α = 0.1 (the wide pale curve) and mini-batch 10 with α = 1 (the black dashes
# running inside it) nearly coincide per epoch: ten small
# steps on ten examples move the weights about as far as one ten-times larger step on
# their average (that is why we scaled α with the batch size). The mini-batch does it with
# ten times fewer updates.
#
# Right: the same runs against seconds. Per example, batch gradient descent is the
# cheapest (one big vectorized product) while SGD pays Python's per-update overhead
# 10,000 times per epoch. Mini-batches of ~100 combine both advantages: vectorized *and*
# many updates per epoch, which is why they are the default. (Timings depend on the
# machine and its load; only the pass counts are claimed.)

# %% [markdown]
# ## Updates per epoch
#
# Now the bookkeeping behind those curves: how many updates did each run make in one
# epoch? Our loop counted them. Keras counts too: a one-unit sigmoid `Dense` layer is the
# same logistic regression, and after one epoch of `fit` its optimizer's `iterations`
# counter holds the number of updates it applied.

# %%
counts = {M: int(batch_runs[best_rate]["updates_per_epoch"][0])}
for name, (batch_size, rate) in RUNS.items():
    counts[batch_size] = int(histories[f"{name} (α = {rate:g})"]["updates_per_epoch"][0])
counts[64] = int(gradient_descent(64, 1.0, epochs=1, record_every=M)["updates_per_epoch"][0])
for batch_size in sorted(counts):
    print(
        f"batch_size {batch_size:>6}: ceil(m / batch_size) = {-(-M // batch_size):>6}, "
        f"our loop made {counts[batch_size]:>6} updates"
    )

model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=1.0),
    loss="binary_crossentropy",
    steps_per_execution=backend.steps_per_execution(100),
)  # 100 updates per call into TensorFlow: same count, faster
keras_history = model.fit(
    x.astype("float32"), y.astype("float32"), batch_size=10, epochs=1, verbose=0
)
keras_updates = int(model.optimizer.iterations)
print(
    f"Keras fit(batch_size=10), one epoch: optimizer.iterations = {keras_updates}, "
    f"loss − J* = {keras_history.history['loss'][-1] - best_cost:.3f}"
)

lesson.claim(
    "updates in one epoch, m = 10,000, batch_size = 10 (our loop and Keras's iterations)",
    [counts[10], keras_updates],
    target="== ceil(10000 / 10) = 1000 for both",
    holds=counts[10] == keras_updates == -(-M // 10) == 1000,
)

# %% [markdown]
# `ceil`, not `m / batch_size`: with `batch_size = 64` the 157th mini-batch holds the 16
# examples left over. SGD makes 10,000 updates per epoch, batch gradient descent one.
#
# ## How noisy is SGD?
#
# Same learning rate, same start, same number of updates; the only difference is the
# gradient: exact (batch) or from one example (SGD). We record the full training loss
# after every update.

# %%
noise_rate = RUNS["SGD (batch 1)"][1]
noise_runs = {
    "batch GD": gradient_descent(M, noise_rate, epochs=NOISE_UPDATES, max_updates=NOISE_UPDATES),
    "mini-batch 10": gradient_descent(10, noise_rate, epochs=1, max_updates=NOISE_UPDATES),
    "SGD": gradient_descent(1, noise_rate, epochs=1, max_updates=NOISE_UPDATES),
}
burn_in = 50  # skip the first, steep updates: we want the wiggle, not the descent
variance = {name: float(np.var(np.diff(h["loss"][burn_in:]))) for name, h in noise_runs.items()}
raised = {}  # share of the updates that increased the training loss
for name, h in noise_runs.items():
    raised[name] = float(np.mean(np.diff(h["loss"]) > 0))
    print(
        f"{name:>14}: var(ΔJ) after update {burn_in} = {variance[name]:.2e}; "
        f"{raised[name]:.0%} of the updates increased the training loss"
    )

fig, (ax, ax_diff) = plt.subplots(1, 2, figsize=(12, 4.4))
batch_loss = np.asarray(noise_runs["batch GD"]["loss"])
styles = {  # batch GD wide and pale below, mini-batch 10 dashed on top: they nearly coincide
    "batch GD": dict(color=plotting.color("blue"), lw=5, alpha=0.35),
    "mini-batch 10": dict(color=plotting.color("green"), lw=1.4, ls="--"),
    "SGD": dict(color=plotting.color("red"), lw=1.2),
}
for name, h in noise_runs.items():
    loss = np.asarray(h["loss"])
    label = f"{name}: {raised[name]:.0%} of updates raise the loss"
    ax.plot(np.arange(len(loss)), loss, label=label, **styles[name])
    if name != "batch GD":
        ax_diff.plot(np.arange(len(loss)), loss - batch_loss, label=name, **styles[name])
for axis in (ax, ax_diff):
    axis.axvline(burn_in, color=plotting.color("reference"), ls=":", lw=1)
ax.text(burn_in + 3, 0.03, "variance measured →", transform=ax.get_xaxis_transform())
ax_diff.axhline(0, color=plotting.color("blue"), lw=5, alpha=0.35, label="batch GD (zero)")
ax.set_xlabel("update")
ax.set_ylabel("training loss (all 10,000 examples)")
ax.set_title(f"Loss after every update, same learning rate α = {noise_rate:g}")
ax.legend(loc="upper right")
ax_diff.set_xlabel("update")
ax_diff.set_ylabel("loss − batch GD's loss after the same update")
ax_diff.set_title("The same runs as differences from batch GD")
differences = [np.asarray(h["loss"]) - batch_loss for h in noise_runs.values()]
ax_diff.set_ylim(top=1.3 * np.max(differences))  # headroom: the legend covers no data
ax_diff.legend(loc="upper right", ncol=3)
lesson.savefig(fig, "noise_per_update")

noise_ratio = variance["SGD"] / variance["batch GD"]
lesson.claim(
    f"step-to-step variance of the loss curve, SGD / batch GD "
    f"(same α, updates {burn_in}-{NOISE_UPDATES})",
    noise_ratio,
    target="> 10 (SGD noisier)",
    holds=noise_ratio > 10,
)

# %% [markdown]
# Batch gradient descent never increases the loss at this learning rate: its curve (wide
# and pale) is smooth. SGD's gradient comes from one example, so about a third of its
# updates make the *total* loss worse and the curve zig-zags; a mini-batch of 10 averages
# ten gradients and already wiggles much less (the noise's variance falls like
# `1/batch_size`): on the left its dashed curve lies on batch GD's. The legend gives each
# run's measured share of loss-raising updates. Right, the same runs minus batch GD's
# loss: after the first steep updates mini-batch 10 stays within a hair of zero, while
# SGD wanders far from it.
#
# ## The three paths on the contours of a cost
#
# Ng draws the three methods as paths on the contour lines of the cost. To draw them we
# need a cost of two parameters: logistic regression on the two raw (standardized)
# moon coordinates, without a bias, `J(w₁, w₂)` on all 10,000 examples. Same start, same
# learning rate α = 1, the same number of updates, with batch sizes m, 10 and 1.

# %%
x_plane = (x_raw - x_raw.mean(axis=0)) / x_raw.std(axis=0)  # (m, 2)
w_best = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-10).fit(x_plane, y).coef_[0]


def plane_cost(w):
    """J at each row of w (k, 2): the mean cross-entropy over all examples."""
    z = x_plane @ w.T  # (m, k)
    return np.mean(np.logaddexp(0.0, z) - y[:, None] * z, axis=0)


def plane_path(batch_size, updates=PATH_UPDATES, learning_rate=1.0):
    """(w₁, w₂) after each mini-batch update, from the same start for every batch size."""
    rng = np.random.default_rng(lesson.seed)
    w, order, path = np.array([-3.0, 3.0]), rng.permutation(M), []
    for update in range(updates):
        path.append(w.copy())
        begin = (update * batch_size) % M
        if begin + batch_size > M:
            order, begin = rng.permutation(M), 0
        batch = order[begin : begin + batch_size]
        dz = (scratch.sigmoid(x_plane[batch] @ w) - y[batch]) / batch_size
        w = w - learning_rate * x_plane[batch].T @ dz
    return np.array(path + [w])


plane_paths = {
    "batch GD (all 10,000)": plane_path(M),
    "mini-batch 10": plane_path(10),
    "SGD (batch 1)": plane_path(1),
}
w1, w2 = np.meshgrid(
    np.linspace(w_best[0] - 4.5, w_best[0] + 4.5, CONTOUR_GRID),
    np.linspace(w_best[1] - 4, w_best[1] + 6, CONTOUR_GRID),
)
surface = plane_cost(np.c_[w1.ravel(), w2.ravel()]).reshape(w1.shape)
best_plane = float(plane_cost(w_best[None])[0])

fig, ax = plt.subplots(figsize=(7.2, 5.6))
levels = best_plane + np.geomspace(0.01, surface.max() - best_plane, 12)
contours = ax.contour(w1, w2, surface, levels=levels, colors=plotting.color("grey"), linewidths=0.7)
ax.clabel(contours, contours.levels[::3], fmt="J = %.2f", fontsize=7)
for (name, path), col in zip(plane_paths.items(), ("blue", "green", "purple")):
    distance = np.linalg.norm(path[-1] - w_best)
    ax.plot(
        path[:, 0],
        path[:, 1],
        "o-",
        ms=2.5,
        lw=1,
        color=plotting.color(col),
        label=f"{name}: ends {distance:.2f} from the minimum",
    )
ax.plot(*path[0], "s", ms=8, color=plotting.color("black"), label="start")
ax.plot(*w_best, "*", ms=16, color=plotting.color("black"), label="minimum of J")
ax.set_xlabel("w₁ (weight of x₁)")
ax.set_ylabel("w₂ (weight of x₂)")
ax.set_title(f"{PATH_UPDATES} updates each, α = 1, on the contours of J(w₁, w₂)")
ax.set_aspect("equal")
fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2, fontsize=8)
lesson.savefig(fig, "paths_on_contours")

# %% [markdown]
# Batch gradient descent walks straight down the slope, at right angles to the contour
# lines, and slows down near the minimum (the gradient shrinks). Mini-batches of 10
# follow nearly the same route with small wiggles: ten examples already give a fair
# estimate of the direction. SGD's direction comes from one example at a time: its path
# wanders, overshoots, and with a constant α never settles — it keeps circling the
# minimum (Ng: "it won't ever converge"), which is what the noisy loss curves above show
# from another angle.
#
# ## What to remember
#
# - Updates per epoch = `ceil(m / batch_size)`: 1 for batch GD, `m` for SGD, 1,000 for
#   `m = 10,000` and `batch_size = 10` — Keras's `optimizer.iterations` counts the same.
# - Batch GD: exact gradient, smooth curve, one update per pass — slow on large data sets.
#   SGD: one example per update, very noisy, no vectorization. Mini-batch: the
#   compromise that is used in practice (Ng: 64–512, a power of 2).
# - Noisy steps need smaller learning rates, and with a constant rate the loss keeps
#   fluctuating near the minimum (hence learning-rate decay).

# %%
lesson.finish()
