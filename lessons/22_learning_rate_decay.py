"""Learning-rate decay

With mini-batches and a constant learning rate α, gradient descent reaches the
neighbourhood of the minimum and then keeps wandering around it; shrinking α over the
epochs lets it settle. Ng's schedules (`α₀ / (1 + decay_rate · epoch_num)`,
exponential, `k/√epoch_num`, a staircase, decay at fixed intervals) as Keras
learning-rate schedules from `dlcourse.schedules`, each equal to the Keras built-in that
counts optimizer steps instead of epochs; then three runs of logistic regression on noisy
mini-batches: constant α, decay every epoch, decay every `time_interval` epochs.

Claim: α decayed every 10 epochs ends ≥ 2× closer to the minimum than the constant α₀; decaying every epoch from decay_rate = 10 stalls ≥ 10× higher in loss; each schedule equals its Keras built-in (k/√epoch_num: its formula).
"""

# %% [markdown]
# Mini-batch gradient descent follows a noisy gradient (lesson 05). Far from the minimum
# the noise hardly matters, but near it the steps are dominated by it: with a constant α
# the parameters keep circling the minimum at a distance that grows with α. Ng's cure in
# course 2, week 2: **learning-rate decay**, large steps at first and smaller ones later.
# His forms, with `epoch_num = 0, 1, 2, …` counting passes over the data:
#
# - `α = α₀ / (1 + decay_rate · epoch_num)`
# - exponential: `α = 0.95^epoch_num · α₀`
# - `α = k / √epoch_num · α₀` (epochs counted from 1)
# - a discrete staircase: halve α every few epochs
# - and, because decaying every epoch with a large `decay_rate` drives α to nearly zero
#   before the parameters have got anywhere, the **fixed-interval** version
#   `α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)`.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

import dlcourse
from dlcourse import backend, plotting, schedules
from dlcourse.lesson import start

lesson = start(__file__)

M = 200  # training examples
BATCH_SIZE = 10  # a small, noisy mini-batch
STEPS_PER_EPOCH = -(-M // BATCH_SIZE)  # ceil(m / batch_size) = 20 updates per epoch
# 40 epochs in quick mode too: after 30 the decayed run is still contracting from where the
# constant one left it at epoch 10, and the claim would depend on the shuffle (a 2% chance)
EPOCHS = 40
LEARNING_RATE = 1.0  # α₀
DECAY_RATE = 10.0  # a large decay_rate
TIME_INTERVAL = 10  # epochs between decays in the fixed-interval schedule
LAST = EPOCHS // 4  # "the end": the mean over the last quarter of the epochs
START = np.array([-3.0, 3.0])  # initial weights (w₁, w₂), far from the minimum

# %% [markdown]
# ## 1. Epochs in Ng's formulas, steps in Keras
#
# A Keras learning-rate schedule is called with the optimizer's *step* (one per
# mini-batch), not the epoch. With `steps_per_epoch = ceil(m / batch_size)` updates per
# epoch, `epoch_num = ⌊step / steps_per_epoch⌋`, and Ng's fixed-interval schedule is
# Keras's `InverseTimeDecay(α₀, decay_steps = steps_per_epoch · time_interval,
# decay_rate, staircase=True)`. `dlcourse.schedules` takes the course's arguments
# (`decay_rate`, `time_interval`, `steps_per_epoch`) and does that conversion; we check
# each against the Keras built-in at every step of the training.

# %%
spe, alpha0 = STEPS_PER_EPOCH, LEARNING_RATE
built_ins = keras.optimizers.schedules
SCHEDULES = {  # name -> (dlcourse schedule, the Keras built-in it equals, or None)
    "1 / (1 + 1·epoch_num)": (
        schedules.InverseTimeDecay(alpha0, 1.0, steps_per_epoch=spe),
        built_ins.InverseTimeDecay(alpha0, spe, 1.0, staircase=True),
    ),
    f"1 / (1 + {DECAY_RATE:g}·epoch_num)": (
        schedules.InverseTimeDecay(alpha0, DECAY_RATE, steps_per_epoch=spe),
        built_ins.InverseTimeDecay(alpha0, spe, DECAY_RATE, staircase=True),
    ),
    f"1 / (1 + {DECAY_RATE:g}·⌊epoch_num / {TIME_INTERVAL}⌋)": (
        schedules.InverseTimeDecay(
            alpha0, DECAY_RATE, steps_per_epoch=spe, time_interval=TIME_INTERVAL
        ),
        built_ins.InverseTimeDecay(alpha0, spe * TIME_INTERVAL, DECAY_RATE, staircase=True),
    ),
    "0.95^epoch_num": (
        schedules.ExponentialDecay(alpha0, 0.95, steps_per_epoch=spe),
        built_ins.ExponentialDecay(alpha0, spe, 0.95, staircase=True),
    ),
    f"staircase: ½ every {TIME_INTERVAL} epochs": (
        schedules.ExponentialDecay(alpha0, 0.5, steps_per_epoch=spe, time_interval=TIME_INTERVAL),
        built_ins.ExponentialDecay(alpha0, spe * TIME_INTERVAL, 0.5, staircase=True),
    ),
    "1 / √(epoch_num + 1)": (schedules.InverseSqrtDecay(alpha0, 1.0, steps_per_epoch=spe), None),
}
steps = np.arange(EPOCHS * spe)


def alphas(schedule):
    return keras.ops.convert_to_numpy(schedule(keras.ops.convert_to_tensor(steps)))


curves = {name: alphas(ours) for name, (ours, _) in SCHEDULES.items()}
keras_gap = max(
    float(np.max(np.abs(curves[name] - alphas(theirs))))
    for name, (_, theirs) in SCHEDULES.items()
    if theirs is not None
)
epoch_num = steps // spe
sqrt_gap = float(np.max(np.abs(curves["1 / √(epoch_num + 1)"] - alpha0 / np.sqrt(epoch_num + 1))))
lesson.claim(
    f"dlcourse schedules vs Keras built-ins, every step of {EPOCHS} epochs (max |Δα|); "
    "k/√epoch vs its formula",
    [keras_gap, sqrt_gap],
    target="== 0 and < 1e-7",
    holds=keras_gap == 0 and sqrt_gap < 1e-7,
)

# %%
fig, ax = plt.subplots(figsize=(7.6, 4.4))
ax.axhline(alpha0, color=plotting.color("blue"), lw=1.5, ls="--", label="1 (constant α₀)")
line_colors = [plotting.color(c) for c in ("purple", "red", "green", "orange", "black", "sky")]
for (name, curve), col in zip(curves.items(), line_colors):
    ax.semilogy(steps / spe, curve, color=col, lw=1.8, label=name)
ax.set_xlabel(f"epoch (= optimizer step / {spe} steps per epoch)")
ax.set_ylabel("learning rate α  (log scale)")
ax.set_title(f"Ng's decay schedules from α₀ = {alpha0:g}, as Keras sees them step by step")
fig.legend(loc="outside right center", title="α / α₀ =")
lesson.savefig(fig, "alpha_against_epochs")

# %% [markdown]
# Every schedule starts at α₀ and changes only at epoch boundaries (the steps inside an
# epoch share one α). The blue, red and green schedules are the three we train with below.
# Decaying every epoch with `decay_rate = 10` (red) divides α by 11
# after one epoch and by 391 in epoch 39; the fixed-interval version (green) makes the
# same drops only every 10 epochs. Our schedules equal Keras's built-ins to the last bit.
#
# ## 2. Three runs on noisy mini-batches
#
# Logistic regression without a bias on the two standardized coordinates of 200 noisy
# two-moons points: a cost `J(w₁, w₂)` of two weights, so we can draw the paths on its
# contours; scikit-learn finds its exact minimum `w*`. Three Keras runs with `fit` and
# SGD, mini-batches of 10, from the same start: constant α₀, Ng's decay every epoch, and
# the same `decay_rate` every `time_interval` epochs.

# %%
x_raw, y = dlcourse.datasets.moons(M, noise=0.3, seed=lesson.seed)
x_train = ((x_raw - x_raw.mean(axis=0)) / x_raw.std(axis=0)).astype("float32")  # (m, 2)
y = y.astype("float32")
w_best = LogisticRegression(C=np.inf, fit_intercept=False, tol=1e-10).fit(x_train, y).coef_[0]


def cost(w):
    """J at each row of w (k, 2), in float64 on all training examples."""
    z = x_train.astype("float64") @ np.atleast_2d(w).T  # (m, k)
    return np.mean(np.logaddexp(0.0, z) - y[:, None] * z, axis=0)


best_cost = float(cost(w_best)[0])
RUNS = {
    "constant α₀": LEARNING_RATE,
    f"decay every epoch (decay_rate {DECAY_RATE:g})": SCHEDULES[
        f"1 / (1 + {DECAY_RATE:g}·epoch_num)"
    ][0],
    f"decay every {TIME_INTERVAL} epochs": SCHEDULES[
        f"1 / (1 + {DECAY_RATE:g}·⌊epoch_num / {TIME_INTERVAL}⌋)"
    ][0],
}


# The mini-batches, drawn once with NumPy: a new shuffle of the m examples every epoch, the
# same for the three runs and on every backend (`fit`'s own shuffling is backend-specific).
rng = lesson.rng
order = np.concatenate([rng.permutation(M) for _ in range(EPOCHS)])  # (EPOCHS · m,)


def train(learning_rate):
    """One run of `fit`; returns the weights after each epoch and the α used in each epoch."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, "sigmoid", use_bias=False)])
    model.layers[0].set_weights([START[:, None]])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss="binary_crossentropy",
        steps_per_execution=backend.steps_per_execution(STEPS_PER_EPOCH),  # a call an epoch
    )
    path, used = [START], []
    record = keras.callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: used.append(float(model.optimizer.learning_rate)),
        on_epoch_end=lambda epoch, logs: path.append(model.layers[0].get_weights()[0][:, 0]),
    )
    data = dlcourse.datasets.to_dataset(x_train[order], y[order], BATCH_SIZE, shuffle=False)
    model.fit(
        data,
        epochs=EPOCHS,
        steps_per_epoch=STEPS_PER_EPOCH,
        shuffle=False,
        verbose=0,
        callbacks=[record],
    )
    return np.array(path, dtype="float64"), np.array(used)


runs = {name: train(rate) for name, rate in RUNS.items()}
gaps = {name: cost(path) - best_cost for name, (path, _) in runs.items()}
distances = {name: np.linalg.norm(path - w_best, axis=1) for name, (path, _) in runs.items()}
for name in runs:
    print(
        f"{name:>32}: in the last {LAST} epochs, loss − J* = {gaps[name][-LAST:].mean():.1e}, "
        f"distance to w* = {distances[name][-LAST:].mean():.3f}; final α = {runs[name][1][-1]:.4f}"
    )

epochs = np.arange(EPOCHS)
ng_alpha = LEARNING_RATE / (1 + DECAY_RATE * (epochs // TIME_INTERVAL))
fit_gap = float(np.max(np.abs(runs[list(RUNS)[2]][1] - ng_alpha)))
lesson.claim(
    "α that fit used in each epoch vs α₀ / (1 + decay_rate·⌊epoch_num / time_interval⌋)",
    fit_gap,
    target="< 1e-7",
    holds=fit_gap < 1e-7,
)

# %%
constant, per_epoch, interval = RUNS
run_colors = dict(zip(RUNS, (plotting.color(c) for c in ("blue", "red", "green"))))
run_styles = {  # the constant run wide and pale below, the fixed-interval one dashed on top
    constant: dict(lw=4, alpha=0.45, ms=4),
    per_epoch: dict(lw=1.5, ms=3),
    interval: dict(lw=1.2, ls="--", ms=3),
}
zoom = 1.3 * np.abs(runs[constant][0][EPOCHS // 2 :] - w_best).max()  # the constant run's wander
spans = [
    (*np.sort([START[0], w_best[0]]) + [-0.8, 0.8], *np.sort([START[1], w_best[1]]) + [-0.8, 0.8]),
    (w_best[0] - zoom, w_best[0] + zoom, w_best[1] - zoom, w_best[1] + zoom),
]
fig, axes = plt.subplots(1, 2, figsize=(11.5, 5.0))
for ax, (x0, x1, y0, y1), first in zip(axes, spans, (0, EPOCHS // 2)):
    g1, g2 = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
    surface = cost(np.c_[g1.ravel(), g2.ravel()]).reshape(g1.shape) - best_cost
    levels = np.geomspace(max(surface.min(), 1e-7) * 2, surface.max(), 8)
    contour = ax.contour(
        g1, g2, surface, levels=levels, colors=plotting.color("grey"), linewidths=0.7
    )
    ax.clabel(contour, contour.levels[::2], fmt="%.0e", fontsize=7)
    ax.plot(*w_best, "+", ms=14, mew=2, color="black", label="minimum w*")
    for name, (path, _) in runs.items():
        ax.plot(*path[first:].T, marker="o", color=run_colors[name], label=name, **run_styles[name])
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="w₁ (weight of x₁)", ylabel="w₂ (weight of x₂)")
    ax.set_aspect("equal")
axes[0].plot(*START, "s", ms=8, color="black", label="start")
axes[0].set_title(f"All {EPOCHS} epochs (a dot after each epoch)")
axes[1].set_title(f"Zoom on w*, epochs {EPOCHS // 2}–{EPOCHS} (red: stalled outside)")
fig.suptitle("Paths on the contours of J − J* (contour labels: J − J*)", fontweight="bold")
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=5)
lesson.savefig(fig, "paths_on_contours")

# %% [markdown]
# Left: all three runs leave the start together (α = α₀ in epoch 0). The run that decays
# every epoch (red) slows down after a few epochs and **stalls** short of the minimum: its
# α is already α₀/11 in epoch 1 and α₀/391 in the last epoch, too small to cover the rest of the
# way. The constant α (blue) and the fixed-interval decay (green) reach the minimum.
# Right, zoomed on the second half of training: the constant α keeps hopping around `w*`
# from mini-batch to mini-batch, while the fixed-interval decay, with α₀/11 from epoch 10,
# α₀/21 from epoch 20 and α₀/31 from epoch 30, sits much closer to it.

# %%
fig, ax = plt.subplots(figsize=(7.4, 4.4))
floor = 1e-9
for name, gap in gaps.items():
    ax.semilogy(
        np.arange(EPOCHS + 1),
        np.maximum(gap, floor),
        marker="o",
        color=run_colors[name],
        label=name,
        **run_styles[name],
    )
ax.axvspan(
    EPOCHS - LAST,
    EPOCHS,
    color=plotting.color("grey"),
    alpha=0.15,
    label="'the end' (claims: mean)",
)
ax.set_xlabel("epoch")
ax.set_ylabel("training loss − J*  (log scale)")
ax.set_title(f"Noisy mini-batches of {BATCH_SIZE}: constant α vs decay")
fig.legend(loc="outside lower center", ncols=2)
lesson.savefig(fig, "loss_curves")

end = {name: float(distances[name][-LAST:].mean()) for name in RUNS}
end_gap = {name: float(gaps[name][-LAST:].mean()) for name in RUNS}
lesson.claim(
    f"distance to w* at the end (mean of the last {LAST} epochs): constant α₀, decay every {TIME_INTERVAL}",
    [end[constant], end[interval]],
    target="decayed ≤ ½ × constant",
    holds=end[interval] <= 0.5 * end[constant],
)
lesson.claim(
    f"loss − J* at the end: decay every epoch (decay_rate {DECAY_RATE:g}), decay every {TIME_INTERVAL}, constant",
    [end_gap[per_epoch], end_gap[interval], end_gap[constant]],
    target="every-epoch > 10 × fixed-interval and > constant (stalled)",
    holds=end_gap[per_epoch] > 10 * end_gap[interval] and end_gap[per_epoch] > end_gap[constant],
)

# %% [markdown]
# The loss curves tell the same story in numbers. The constant α (wide pale blue) gets
# close within a few epochs and then fluctuates at a noisy floor. Decaying every
# `time_interval` epochs (green dashes) runs exactly on top of it until epoch 10 (same α,
# same mini-batches) and then keeps descending: the steps shrink, and so does the
# wandering. Decaying every epoch from `decay_rate = 10` (red)
# flattens out early, far above the others: α went to almost zero before the weights got
# to the minimum. That is why Ng's assignment decays at fixed intervals, and why
# `decay_rate` and `time_interval` are hyper-parameters to tune (lesson 21) — though Ng
# ranks learning-rate decay low on the list, after α itself.
#
# ## 3. Saddle points and plateaus
#
# Ng closes week 2 with the problem of local optima: in many dimensions a point where
# the gradient is zero is far more often a **saddle** (the cost curves up along some
# directions and down along others) than a local minimum, and what really slows learning
# is a **plateau**, a long region where the gradient is close to zero. Two surfaces of two
# weights, with plain gradient descent on each (NumPy, the gradients by hand):
# the saddle `J = w1² − w2²`, and a plateau `J = ½ w2² + ½ (1 − tanh(w1 − 4))` that
# is flat until `w1` nears 4, where it falls off a step.

# %%
SADDLE_ALPHA, PLATEAU_ALPHA = 0.1, 0.5


def descend(grad, w, alpha, steps):
    path = [np.array(w, dtype=float)]
    for _ in range(steps):
        path.append(path[-1] - alpha * grad(path[-1]))
    return np.array(path)  # (steps + 1, 2)


def saddle(w1, w2):
    return w1**2 - w2**2


def plateau(w1, w2):
    return 0.5 * w2**2 + 0.5 * (1 - np.tanh(w1 - 4))


saddle_path = descend(lambda w: np.array([2 * w[0], -2 * w[1]]), [1.5, 1e-3], SADDLE_ALPHA, 40)
plateau_path = descend(
    lambda w: np.array([-0.5 / np.cosh(w[0] - 4) ** 2, w[1]]), [1.0, 0.5], PLATEAU_ALPHA, 300
)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
for ax, surface, path, extent, name in (
    (axes[0], saddle, saddle_path, (-2, 2, -2, 2), f"saddle J = w1² − w2², α = {SADDLE_ALPHA}"),
    (
        axes[1],
        plateau,
        plateau_path,
        (0, 7, -1.2, 1.2),
        f"plateau ½w2² + ½(1 − tanh(w1 − 4)), α = {PLATEAU_ALPHA}",
    ),
):
    w1, w2 = np.meshgrid(np.linspace(*extent[:2], 200), np.linspace(*extent[2:], 200))
    filled = ax.contourf(w1, w2, surface(w1, w2), levels=20, cmap="viridis")
    fig.colorbar(filled, ax=ax, label="cost J")
    ax.plot(*path.T, "o-", ms=3, lw=0.8, color=plotting.color("red"), label="gradient descent")
    ax.plot(*path[0], "s", ms=8, color=plotting.color("orange"), label="start")
    ax.set(xlabel="$w_1$", ylabel="$w_2$", title=name, xlim=extent[:2], ylim=extent[2:])
axes[0].plot(0, 0, "X", ms=12, color="white", mec="k", label="saddle point (gradient 0)")
for path, name, col in ((saddle_path, "saddle", "blue"), (plateau_path, "plateau", "green")):
    step = np.linalg.norm(np.diff(path, axis=0), axis=1)
    axes[2].semilogy(np.arange(1, len(path)), step, color=plotting.color(col), label=name)
axes[2].set(
    xlabel="gradient-descent step",
    ylabel="step length |Δw| (log scale)",
    title="Slow where the gradient is near zero",
)
axes[2].legend(loc="lower right")
handles = axes[0].get_legend_handles_labels()[0]
fig.legend(handles=handles, loc="outside lower center", ncols=3)
lesson.savefig(fig, "saddle_and_plateau")
saddle_steps = np.linalg.norm(np.diff(saddle_path, axis=0), axis=1)
plateau_steps = np.linalg.norm(np.diff(plateau_path, axis=0), axis=1)
crossed = int(np.argmax(plateau_path[:, 0] > 4))
print(
    f"saddle: step length {saddle_steps[0]:.3f} → {saddle_steps.min():.4f} "
    f"(step {saddle_steps.argmin() + 1}) → {saddle_steps[-1]:.3f}; plateau: "
    f"{np.sum(plateau_steps < 0.01)} steps shorter than 0.01, w1 passes 4 at step {crossed}"
)

# %% [markdown]
# Left: the saddle point at the origin (the white cross): the cost rises along `w1` and
# falls along `w2`. Gradient descent starts almost on the `w1` axis, slides down towards
# the saddle, and its steps shrink as the gradient vanishes (the dots bunch up near the
# origin); the tiny `w2` part grows by `1 + 2α` per step until it escapes downhill along
# `w2`. Middle: on the plateau the dots are so close they form a line: the path creeps
# along `w1` for hundreds of steps before the cost falls away near `w1 = 4`, and slows
# again on the low flat ground beyond. Right: the step length of both runs (the numbers
# are printed above): the saddle run slows by over an order of magnitude and then speeds
# up; the plateau run takes steps shorter than 0.01 for most of its 300 and is fastest
# where it crosses the drop. Momentum
# and Adam (lesson 06) help here: they keep moving where the gradient is small.
#
# ## What to remember
#
# - A constant α on noisy mini-batches leaves the parameters wandering around the minimum;
#   a decaying α lets them settle closer (here ≥ 2× closer).
# - Ng's forms: `α₀ / (1 + decay_rate · epoch_num)`, `0.95^epoch_num · α₀`,
#   `k/√epoch_num · α₀`, a staircase; decaying too fast (every epoch, large `decay_rate`)
#   stalls, decaying every `time_interval` epochs does not.
# - Keras schedules count optimizer steps: `epoch_num = ⌊step / steps_per_epoch⌋`, so Ng's
#   fixed-interval decay is `InverseTimeDecay(α₀, steps_per_epoch · time_interval,
#   decay_rate, staircase=True)`; `dlcourse.schedules` takes the course's arguments.

# %%
lesson.finish()
