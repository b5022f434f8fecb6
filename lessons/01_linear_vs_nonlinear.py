"""Linear vs non-linear: perceptron, XOR, two-layer net

Trains Rosenblatt's perceptron (step activation, perceptron rule, written from scratch
in NumPy) on linearly separable data, where it stops making mistakes after a few
epochs, and on XOR, where no straight line can do better than three clusters out of
four (75%). A two-layer ReLU network (`dlcourse.two_layer_net`) bends the boundary
and solves XOR.

Claim: the perceptron stays at ≤ 75% on XOR; a two-layer ReLU net reaches ≥ 99%.
"""

# %% [markdown]
# A **perceptron** computes a weighted sum of its inputs and fires when the sum is
# positive: `ŷ = step(w·x + b)`, with `step(z) = 1` for `z ≥ 0` and `0` otherwise.
# Its decision boundary `w·x + b = 0` is a straight line (a hyperplane in more
# dimensions). The **perceptron rule** learns `w` and `b` one example at a time and
# changes them only when the prediction is wrong:
#
# `w ← w + η (y − ŷ) x`,   `b ← b + η (y − ŷ)`.
#
# If a line separates the two classes, this rule provably stops making mistakes after
# a finite number of updates (Novikoff 1962). If no line does, it never stops. The
# classic example is **XOR**: label 1 when exactly one coordinate is positive. Four
# clusters sit at the corners of a square with equal labels on the diagonals; any
# line gets at most three of the four clusters right — 75%.
#
# A network with one hidden layer of ReLUs combines several lines into a bent
# boundary, which is all XOR needs.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, datasets, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)

N_POINTS = lesson.pick(full=400, quick=200)  # points per data set
PERCEPTRON_EPOCHS = lesson.pick(
    full=50, quick=30
)  # passes over the data (stops early if converged)
HIDDEN_UNITS = 8  # ReLUs in the two-layer net
TRAIN_STEPS = lesson.pick(full=400, quick=200)  # Adam steps for the two-layer net
BATCH_SIZE = 50

# %% [markdown]
# ## 1. The perceptron on linearly separable data
#
# `datasets.linearly_separable` draws two Gaussian blobs with a gap of 0.1 around the
# line `x1 + x2 = 0`. We move them away from the origin so that the bias `b` has work
# to do, then run the perceptron rule (`dlcourse.scratch.perceptron_fit`, a dozen
# lines of NumPy) and count the mistakes it makes in each epoch.

# %%
x_sep, y_sep = datasets.linearly_separable(N_POINTS, margin=0.1, seed=lesson.seed)
x_sep = x_sep + np.array([1.5, 0.5], dtype="float32")  # the boundary no longer passes through 0
separable = scratch.perceptron_fit(x_sep, y_sep, epochs=PERCEPTRON_EPOCHS, seed=lesson.seed)
print(
    f"separable data: mistakes per epoch {separable.mistakes} -> "
    f"training accuracy {separable.accuracy[-1]:.3f}"
)

lesson.claim(
    "perceptron on linearly separable data: epochs until an epoch with zero mistakes",
    len(separable.mistakes),
    target=f"converges (an error-free epoch within {PERCEPTRON_EPOCHS} epochs)",
    holds=separable.converged,
)
lesson.claim(
    "perceptron on linearly separable data: training accuracy",
    separable.accuracy[-1],
    target="= 1.0",
    holds=separable.accuracy[-1] == 1.0,
)

# %% [markdown]
# ## 2. The same perceptron on XOR
#
# Same rule, same number of epochs, on the XOR clusters. We record the training
# accuracy after every epoch and report the **best** one: even the luckiest line the
# perceptron passes through stays at or below 75%.

# %%
x_xor, y_xor = datasets.xor(N_POINTS, seed=lesson.seed)
stuck = scratch.perceptron_fit(x_xor, y_xor, epochs=PERCEPTRON_EPOCHS, seed=lesson.seed)
best_xor = max(stuck.accuracy)
print(
    f"XOR: mistakes in the last epochs {stuck.mistakes[-5:]}; accuracy per epoch "
    f"between {min(stuck.accuracy):.2f} and {best_xor:.2f}"
)

lesson.claim(
    f"perceptron on XOR: best training accuracy over {PERCEPTRON_EPOCHS} epochs",
    best_xor,
    target="<= 0.75",
    holds=best_xor <= 0.75,
)

# %% [markdown]
# ## 3. A two-layer ReLU network on XOR
#
# `dlcourse.two_layer_net` builds input → 8 ReLUs → one sigmoid unit. We train it with
# Adam on the binary cross-entropy. To keep the run short, the data is repeated and
# fed through a single `fit` call (one "epoch" of `TRAIN_STEPS` mini-batches).

# %%
model = dlcourse.two_layer_net(2, hidden_units=HIDDEN_UNITS, num_classes=1, seed=lesson.seed)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=0.05),
    loss="binary_crossentropy",
    steps_per_execution=backend.steps_per_execution(50),
)
repeats = TRAIN_STEPS * BATCH_SIZE // N_POINTS
model.fit(
    np.tile(x_xor, (repeats, 1)),
    np.tile(y_xor, repeats),
    batch_size=BATCH_SIZE,
    epochs=1,
    shuffle=True,
    verbose=0,
)


def net_predict(x):
    """Probability of class 1 from the two-layer net (one call, no `predict` loop)."""
    return keras.ops.convert_to_numpy(model(x, training=False))


net_accuracy = float(np.mean((net_predict(x_xor).ravel() > 0.5) == y_xor))
print(f"two-layer net on XOR: training accuracy {net_accuracy:.3f}")
lesson.claim(
    f"two-layer net ({HIDDEN_UNITS} ReLUs) on XOR: training accuracy",
    net_accuracy,
    target=">= 0.99",
    holds=net_accuracy >= 0.99,
)

# %% [markdown]
# ## 4. Decision boundaries
#
# Shaded regions show what each model predicts everywhere in the plane; the dots are
# the training points.


# %%
def perceptron_predictor(result):
    return lambda x: scratch.perceptron_predict(result.w, result.b, x)


fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
plotting.plot_decision_boundary(
    axes[0],
    perceptron_predictor(separable),
    x_sep,
    y_sep,
    title=f"Perceptron, separable data: {separable.accuracy[-1]:.0%}",
)
plotting.plot_decision_boundary(
    axes[1],
    perceptron_predictor(stuck),
    x_xor,
    y_xor,
    title=f"Perceptron, XOR (last epoch): {stuck.accuracy[-1]:.0%}",
)
plotting.plot_decision_boundary(
    axes[2],
    net_predict,
    x_xor,
    y_xor,
    title=f"Two-layer ReLU net, XOR: {net_accuracy:.0%}",
)
axes[0].legend(loc="upper left")
fig.suptitle("A straight line separates the blobs but not XOR; 8 ReLUs bend the boundary")
lesson.savefig(fig, "decision_boundaries")

# %% [markdown]
# Left: the perceptron's line separates the blobs with every point on the right side.
# Middle: on XOR the line can only cut the square somewhere — it leaves at least one
# cluster (often two) on the wrong side, and the next epoch moves it somewhere else.
# Right: the two-layer net's boundary is made of straight pieces (one per active
# ReLU), bent so that both diagonals get their own regions.
#
# ## 5. Mistakes per epoch

# %%
fig, ax = plt.subplots(figsize=(6.4, 4.2))
ax.plot(
    np.arange(1, len(stuck.mistakes) + 1),
    stuck.mistakes,
    "o-",
    ms=3,
    color=plotting.color("bad"),
    label="XOR (not linearly separable)",
)
ax.plot(
    np.arange(1, len(separable.mistakes) + 1),
    separable.mistakes,
    "o-",
    ms=4,
    color=plotting.color("good"),
    label="linearly separable blobs",
)
ax.annotate(
    f"no mistakes in epoch {len(separable.mistakes)}: converged",
    xy=(len(separable.mistakes), 0),
    xytext=(len(separable.mistakes) + 3, 0.4),
    arrowprops=dict(arrowstyle="->", color=plotting.color("good")),
    color=plotting.color("good"),
)
ax.set_yscale("symlog", linthresh=1)
ax.set_ylim(-0.1, 2 * N_POINTS)
ax.set_xlim(0.5, PERCEPTRON_EPOCHS + 0.5)
ax.set_xlabel("epoch (one pass over the data)")
ax.set_ylabel(f"mistakes (= updates) per epoch, of {N_POINTS}\n(symmetric log scale)")
ax.set_title("Perceptron rule: converges on separable data, never on XOR")
ax.legend()
lesson.savefig(fig, "perceptron_mistakes")

# %% [markdown]
# On the separable blobs the number of updates drops to zero within a few epochs and
# training stops: every point is on the right side. On XOR the perceptron keeps
# making mistakes on close to half of the points in every epoch, for as long as we
# let it run.
#
# ## What to remember
#
# - A perceptron (or any linear model: logistic regression, a linear SVM) draws a
#   straight-line boundary. The perceptron rule finds one whenever one exists.
# - XOR has no such line: a linear model is stuck at 75% at best, however long it trains.
# - One hidden layer of non-linear units (here 8 ReLUs) combines several lines into a
#   bent boundary and solves XOR. Without the non-linearity, stacked layers would
#   still be one linear map — the activation function is what makes depth useful.

# %%
lesson.finish()
