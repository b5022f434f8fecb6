"""Early stopping

Trains a big network on a small slice of the digits until it overfits: the training
loss keeps falling while the dev loss falls, bottoms out and rises. Keras's
`EarlyStopping(restore_best_weights=True)` gives back the weights from the bottom of
the dev curve, which are also smaller than the fully trained ones (early stopping acts
like a weight-size regularizer). Then Prechelt's criteria (GL, PQ, UP, with
`dlcourse.callbacks.PrecheltStopping`) decide *when* to stop.

Claim: the restored epoch is within the patience of the dev minimum; ||W|| at the stop <
||W|| at the end.
"""

# %% [markdown]
# Train a network long enough and it memorises its training set: the training cost keeps
# going down, but the dev cost (examples it never trains on) goes down, reaches a minimum
# and *rises*. Early stopping (Ng, course 2, week 1): watch the dev cost during training
# and keep the network from the epoch where it was lowest.
#
# Why does it regularize? Weights start small (random initialization), and they grow as
# gradient descent keeps fitting the training set. Stopping half-way gives a network
# with a mid-size `||W||` — much like L2 regularization, which penalises `||W||`
# directly, but without trying many values of `λ`.
#
# Its drawback is *orthogonalization*: we want one knob to optimise the cost `J` (gradient
# descent, Adam, …) and another to prevent overfitting (L2, dropout, more data). Early
# stopping turns both at once. Ng prefers L2 with a search over `λ` when affordable.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

import dlcourse
from dlcourse import plotting
from dlcourse.callbacks import PrecheltStopping
from dlcourse.lesson import start

lesson = start(__file__)

EPOCHS = lesson.pick(full=150, quick=50)  # the "full training" run
TRAIN_SIZE = 100  # a small slice of the digits: easy to overfit
HIDDEN_UNITS = 256  # a big hidden layer for 100 images
LEARNING_RATE = 0.01  # Adam, full-batch
PATIENCE = 10  # Keras EarlyStopping: epochs without improvement before stopping

# %% [markdown]
# ## 1. Train until it overfits
#
# 100 training images, the usual dev and test sets (359 and 360 images), a 64 → 256 ReLU
# → 10 softmax network, full-batch Adam. We record the losses and the weights every epoch.

# %%
data = dlcourse.datasets.load_digits(seed=lesson.seed)
x_train, y_train = data.x_train[:TRAIN_SIZE], data.y_train[:TRAIN_SIZE]

# Full batch every epoch; `repeat()` + `steps_per_epoch=1` lets Keras keep one
# iterator for the whole run instead of building a new one each epoch (faster).
train_set = tf.data.Dataset.from_tensors((x_train, y_train)).repeat()
dev_set = tf.data.Dataset.from_tensors((data.x_dev, data.y_dev)).repeat()


# He initialization, Var(w) = 2 / n_in and biases 0, drawn once with NumPy: the same network
# on every backend (Keras's seeded initializers draw with the backend's own generator, so the
# dev curve, and where it bottoms out, would depend on the backend).
rng = lesson.rng
shapes = [w.shape for w in dlcourse.two_layer_net(64, HIDDEN_UNITS, 10).get_weights()]
initial_weights = [
    rng.normal(0.0, np.sqrt(2 / shape[0]), shape).astype("float32")
    if len(shape) == 2
    else np.zeros(shape, "float32")
    for shape in shapes
]


def build():
    """The same network with the same initial weights every time, on every backend."""
    model = dlcourse.two_layer_net(64, HIDDEN_UNITS, 10)
    model.set_weights(initial_weights)
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="sparse_categorical_crossentropy"
    )
    return model


def fit(model, epochs, callbacks=()):
    return model.fit(
        train_set,
        validation_data=dev_set,
        validation_steps=1,
        steps_per_epoch=1,
        epochs=epochs,
        callbacks=list(callbacks),
        shuffle=False,
        verbose=0,
    )


def weight_norm(weights):
    """||W||: Frobenius norm of all kernels together (biases left out, as in L2)."""
    return float(np.sqrt(sum(np.sum(w.astype("float64") ** 2) for w in weights if w.ndim == 2)))


full_model, snapshots = build(), []  # a copy of the weights after every epoch
start_weights = full_model.get_weights()  # W₀, the initialization
recorder = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: snapshots.append(full_model.get_weights())
)
full = fit(full_model, EPOCHS, [recorder]).history
train_loss, dev_loss = np.array(full["loss"]), np.array(full["val_loss"])
norms = np.array([weight_norm(w) for w in snapshots])
true_best = int(np.argmin(dev_loss))  # the hindsight minimum (0-based epoch)
print(
    f"full run: dev loss is lowest at epoch {true_best + 1} ({dev_loss[true_best]:.3f}); "
    f"after {EPOCHS} epochs train {train_loss[-1]:.4f}, dev {dev_loss[-1]:.3f}"
)

# %% [markdown]
# ## 2. Keras `EarlyStopping(restore_best_weights=True)`
#
# A second run from the same initial weights, now with the Keras callback: it stops
# once the dev loss has not improved for `patience` epochs and then puts back the
# weights of the best epoch it saw.

# %%
early_stop = keras.callbacks.EarlyStopping(
    monitor="val_loss", patience=PATIENCE, restore_best_weights=True
)
stopped_model = build()
stopped = fit(stopped_model, EPOCHS, [early_stop]).history
restored_epoch = early_stop.best_epoch
ran = len(stopped["loss"])
retrace = np.max(np.abs(np.array(stopped["val_loss"]) - dev_loss[:ran]))
print(
    f"EarlyStopping ran {ran} epochs, restored epoch {restored_epoch + 1}; "
    f"it retraces the full run (max dev-loss difference {retrace:.1e})"
)
lesson.claim(
    f"restored epoch minus the full run's dev-loss minimum (patience {PATIENCE})",
    restored_epoch - true_best,
    target=f"within ±{PATIENCE}",
    holds=abs(restored_epoch - true_best) <= PATIENCE,
)
stop_norm = weight_norm(stopped_model.get_weights())
lesson.claim(
    "||W|| of the restored (early-stopped) network / ||W|| after full training",
    stop_norm / norms[-1],
    target="< 1",
    holds=stop_norm < norms[-1],
)

# %%
epochs = np.arange(1, EPOCHS + 1)
fig, (ax_all, ax) = plt.subplots(1, 2, figsize=(11.5, 4.4))
# Left, the whole run on a log axis (the training loss falls by decades); right, a linear
# zoom on the dev loss around its minimum, where early stopping acts.
for axis in (ax_all, ax):
    axis.plot(epochs, train_loss, color=plotting.color("train"), label="train loss")
    axis.plot(epochs, dev_loss, color=plotting.color("dev"), label="dev loss")
    axis.axvspan(
        true_best + 1 - PATIENCE,
        true_best + 1 + PATIENCE,
        color=plotting.color("reference"),
        alpha=0.15,
        label=f"true dev minimum ± patience ({PATIENCE})",
    )
    axis.axvline(
        ran,
        color=plotting.color("bad"),
        ls="--",
        lw=1.2,
        label=f"EarlyStopping stops (epoch {ran})",
    )
    axis.plot(
        restored_epoch + 1,
        dev_loss[restored_epoch],
        "*",
        ms=15,
        color=plotting.color("good"),
        markeredgecolor="white",
        zorder=3,
        label=f"restored weights (epoch {restored_epoch + 1})",
    )
ax_all.set(
    yscale="log",
    xlabel="epoch (one full-batch Adam step each)",
    ylabel="cross-entropy loss (log scale)",
    title="The whole run: train loss falls by decades",
)
window = slice(max(0, true_best - PATIENCE), min(EPOCHS, ran + PATIENCE))  # epochs zoomed on
ax.set(
    xlim=(window.start + 0.5, window.stop + 0.5),
    ylim=(0, 1.1 * dev_loss[window].max()),  # the whole dev curve in the window, from 0
    xlabel="epoch (one full-batch Adam step each)",
    ylabel="cross-entropy loss",
    title="Zoom on the dev minimum (linear axis)",
)
fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=5, fontsize=8)
fig.suptitle(
    f"Overfitting {TRAIN_SIZE} digits: early stopping keeps the dev minimum", fontweight="bold"
)
lesson.savefig(fig, "curves")

# %% [markdown]
# Left, on a log axis: the training loss (blue) falls by orders of magnitude — the
# network memorises its 100 images. Right, a linear zoom on the epochs around the dev
# minimum: the dev loss (orange) falls, bottoms out and climbs — the net grows
# over-confident on the dev images it gets wrong. `EarlyStopping` runs `patience` epochs
# past the minimum (dashed line), then hands back the weights from the minimum (star).

# %%
moved = np.array(
    [weight_norm([w - w0 for w, w0 in zip(snapshot, start_weights)]) for snapshot in snapshots]
)  # ||W − W₀|| per epoch
stop_moved = weight_norm([w - w0 for w, w0 in zip(stopped_model.get_weights(), start_weights)])
fig, ax = plt.subplots(figsize=(7.0, 4.2))
ax.plot(epochs, norms, color=plotting.color("train"), label="||W||, full training")
ax.plot(epochs, moved, color=plotting.color("purple"), label="||W − W₀||: how far it moved")
ax.plot(
    [restored_epoch + 1] * 2,
    [stop_norm, stop_moved],
    "*",
    ms=14,
    color=plotting.color("good"),
    label="early-stopped network",
)
ax.axhline(
    weight_norm(start_weights),
    color=plotting.color("reference"),
    ls=":",
    lw=1,
    label=f"||W₀|| at initialization ({weight_norm(start_weights):.1f})",
)
for value, final, name in ((stop_norm, norms[-1], "||W||"), (stop_moved, moved[-1], "||W − W₀||")):
    ax.annotate(
        f"{name}: {value:.1f} at the stop, {final:.1f} at the end ({value / final - 1:+.0%})",
        (restored_epoch + 1, value),
        xytext=(10, -14),
        textcoords="offset points",
        fontsize=8,
    )
ax.set(
    ylim=(0, 1.08 * norms.max()),
    xlabel="epoch",
    ylabel="Frobenius norm of all kernels, sqrt(Σ ||W[l]||²)",
    title=f"Early stopping keeps ||W|| {1 - stop_norm / norms[-1]:.0%} smaller: a small effect",
)
ax.legend(loc="lower right")
lesson.savefig(fig, "weight_norm")
print(
    f"||W − W₀||: {stop_moved:.1f} at the stop, {moved[-1]:.1f} after {EPOCHS} epochs "
    f"({stop_moved / moved[-1]:.0%}); ||W||: {stop_norm:.1f} vs {norms[-1]:.1f}"
)

# %% [markdown]
# From zero, honestly: the effect on `||W||` itself is small (the title gives it: a few
# percent), because most of `||W||` is the random initialization (dotted). What training
# adds is `||W − W₀||` (purple): it grows steadily, and at the early stop it is clearly
# below its final value (the numbers beside the stars). Stopping early keeps the
# weights near their small start — what L2 gets by adding `(λ/2m)·||W||²` to the cost
# (which pulls towards 0 rather than towards `W₀`).
#
# ## 3. When exactly to stop? Prechelt's criteria
#
# "No improvement for `patience` epochs" is one rule among many. Prechelt (1998)
# compared three families, with `E_opt(t)` the lowest dev loss so far and strips of
# `k = 5` epochs:
#
# - **GL_α** — *generalization loss* `GL(t) = 100·(E_va(t)/E_opt(t) − 1)`: stop as soon
#   as the dev loss is α % above its best.
# - **PQ_α** — *progress quotient* `GL(t) / P_k(t)`, with the training progress
#   `P_k(t) = 1000·(Σ_strip E_tr / (k·min_strip E_tr) − 1)`: tolerate a larger
#   generalization loss while the training loss still falls fast; checked at strip ends.
# - **UP_s** — stop when the dev loss rose in `s` successive strips.
#
# `dlcourse.callbacks.PrecheltStopping` implements all three as a Keras callback (it
# restores the best weights too). The early-stopped run retraced the full run exactly
# (same seed, same full batches), so we replay the full run's log through every
# criterion to see where it *would* stop — and run one of them inside `fit`.

# %%
CRITERIA = {
    "GL1": dict(criterion="GL", alpha=1.0),
    "GL2": dict(criterion="GL", alpha=2.0),
    "GL5": dict(criterion="GL", alpha=5.0),
    "PQ0.5": dict(criterion="PQ", alpha=0.5),
    "UP2": dict(criterion="UP", s=2),
}
gl_curve = 100 * (dev_loss / np.minimum.accumulate(dev_loss) - 1)  # GL(t), in NumPy
stops, best_epochs = {}, {}
for name, kwargs in CRITERIA.items():
    criterion = PrecheltStopping(**kwargs)
    stops[name] = criterion.replay(full)
    best_epochs[name] = criterion.best_epoch
    seen = len(criterion.history["gl"])
    assert np.allclose(criterion.history["gl"], gl_curve[:seen])  # the callback agrees
    when = "never" if stops[name] is None else f"after epoch {stops[name] + 1}"
    print(f"{name:>6}: stops {when}, restores epoch {best_epochs[name] + 1}")

# One of them for real, inside fit:
gl2 = PrecheltStopping("GL", alpha=2.0)
fit(build(), EPOCHS, [gl2])
print(
    f"PrecheltStopping GL2 inside fit stopped after epoch {gl2.stopped_epoch + 1} "
    f"(replay: {stops['GL2'] + 1}), restored epoch {gl2.best_epoch + 1}"
)

gl_epochs = [stops[name] for name in ("GL1", "GL2", "GL5")]
lesson.claim(
    "stop epochs of GL1, GL2, GL5 (0-based; all fire, in this order)",
    gl_epochs,
    target="GL1 <= GL2 <= GL5",
    holds=None not in gl_epochs and gl_epochs == sorted(gl_epochs),
)
excess = {name: 100 * (dev_loss[best_epochs[name]] / dev_loss[true_best] - 1) for name in CRITERIA}
worst = max(excess, key=excess.get)
lesson.claim(
    f"restored dev loss above the hindsight minimum, worst criterion ({worst}), in %",
    excess[worst],
    target="<= 5 %",
    holds=excess[worst] <= 5.0,
)

# %%
fig, (ax_gl, ax_bar) = plt.subplots(1, 2, figsize=(12.0, 4.4), width_ratios=(1.1, 1))
ax_gl.plot(epochs, np.maximum(gl_curve, 1e-2), color=plotting.color("dev"), label="GL(t)")
for alpha, col, marker, size in zip((1, 2, 5), plotting.CYCLE[2:], "osD", (15, 10, 6)):
    name = f"GL{alpha}"
    ax_gl.axhline(alpha, color=col, ls=":", lw=1.2, label=f"threshold α = {alpha} %")
    if stops[name] is not None:  # hollow, decreasing sizes: markers that coincide stay visible
        ax_gl.plot(
            stops[name] + 1,
            gl_curve[stops[name]],
            marker,
            ms=size,
            mfc="none",
            mew=2,
            color=col,
            label=f"{name} stops (epoch {stops[name] + 1})",
        )
ax_gl.set(
    yscale="log",
    ylim=(1e-2, None),
    xlim=(0, min(EPOCHS, 4 * (true_best + 1))),
    xlabel="epoch",
    ylabel="GL(t), %  (log scale; 0 drawn at 0.01)",
    title="Generalization loss GL(t) = 100·(E_va / E_opt − 1)",
)
ax_gl.legend(loc="lower right", fontsize=8, ncol=2)

described = {  # what each criterion waits for, in words
    "GL1": "GL1: dev loss 1 % above its best",
    "GL2": "GL2: … 2 % above",
    "GL5": "GL5: … 5 % above",
    "PQ0.5": "PQ0.5: GL / training progress > 0.5",
    "UP2": "UP2: dev loss rose in 2 strips in a row",
}
names = [described[n] for n in CRITERIA] + [f"Keras: no gain for {PATIENCE} epochs"]
stop_epochs = [stops[n] for n in CRITERIA] + [ran - 1]
restored = [best_epochs[n] for n in CRITERIA] + [restored_epoch]
rows = np.arange(len(names))
ax_bar.barh(
    rows,
    [EPOCHS if s is None else s + 1 for s in stop_epochs],
    color=[
        plotting.color("reference") if s is None else plotting.color("train") for s in stop_epochs
    ],
    label="epochs trained",
)
ax_bar.plot(
    np.array(restored) + 1,
    rows,
    "*",
    ms=15,
    color=plotting.color("good"),
    markeredgecolor="white",
    zorder=3,
    label="restored epoch",
)
ax_bar.axvline(
    true_best + 1,
    color=plotting.color("dev"),
    ls="--",
    lw=1.2,
    label=f"hindsight dev minimum (epoch {true_best + 1})",
)
for row, stop in zip(rows, stop_epochs):
    if stop is None:
        ax_bar.text(EPOCHS - 1, row, "did not stop ", ha="right", va="center", color="white")
ax_bar.set_yticks(rows, names, fontsize=8)
ax_bar.invert_yaxis()
ax_bar.set_xlabel("epoch (bars from 0)")
ax_bar.set_title("Where each criterion stops (strips of k = 5 epochs)")
ax_bar.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
lesson.savefig(fig, "criteria")

# %% [markdown]
# GL grows from 0 once the dev loss passes its minimum, so the GL thresholds fire in
# order: GL1 first, GL5 last. PQ waits while the training loss still falls quickly, and
# UP waits for two rising strips: both train longer. With restored weights every
# criterion hands back (nearly) the same network, because this dev curve has one clear
# minimum.
#
# Prechelt's summary over 1296 runs was that *slower* criteria buy a little better
# generalization for much more training time. Here is the same trade-off measured on
# the test set, fastest criterion against the slowest one that fired:

# %%
fired = {name: stop for name, stop in stops.items() if stop is not None}
fastest, slowest = min(fired, key=fired.get), max(fired, key=fired.get)


def test_loss(epoch):
    full_model.set_weights(snapshots[epoch])
    return full_model.evaluate(data.x_test, data.y_test, verbose=0)


time_ratio = (fired[slowest] + 1) / (fired[fastest] + 1)
gain = 100 * (1 - test_loss(best_epochs[slowest]) / test_loss(best_epochs[fastest]))
print(
    "Prechelt 1998 (12 problems, RPROP): slower criteria ~4% better generalization for ~4x "
    f"the training time;\nthis lesson ({slowest} vs {fastest}): {gain:+.1f}% test loss for "
    f"{time_ratio:.1f}x the training time"
)

# %% [markdown]
# On a dev curve with a single clean minimum the slower criterion pays extra epochs and
# gets the same restored network back; Prechelt's real curves had several local minima,
# where waiting longer sometimes finds a better one.
#
# ## What to remember
#
# - Watch the dev cost while training; keep the weights from its minimum
#   (`keras.callbacks.EarlyStopping(restore_best_weights=True)`, with a `patience`).
# - Weights move away from their small start as training goes on, so stopping early is
#   a cheap weight-size regularizer — one training run instead of a search over `λ`.
# - Its cost is orthogonalization: one knob now both optimises `J` and fights
#   overfitting. L2 plus a search over `λ` keeps the two separate.
# - *When* to stop is itself a choice: GL (a fixed % above the best), PQ (relative to
#   training progress), UP (successive rising strips). Slower criteria cost time and
#   only sometimes buy generalization.

# %%
lesson.finish()
