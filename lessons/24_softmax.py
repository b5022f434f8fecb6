"""Softmax

Softmax turns a column of logits into probabilities (`t = e^z`, `a = t / Σ t`) and
pairs with the cross-entropy loss `−Σ y log ŷ`, whose gradient is simply `dZ = Ŷ − Y`.
Builds both from scratch, checks them against Keras, shows that two-class softmax is
logistic regression, trains a softmax classifier whose decision regions are linear,
and shows why the maximum is subtracted before the exponential.

Claim: scratch softmax, cross-entropy and dZ = Ŷ − Y equal Keras's (< 1e-12; 1e-6 on PyTorch, which computes them in float32); 2-class softmax = σ(z₁ − z₂); the naive softmax overflows past z ≈ 710 (float64) and 89 (float32), the shifted one does not.
"""

# %% [markdown]
# Logistic regression gives one probability, `P(y = 1 | x)`. With `C` classes (cats, dogs,
# chicks, "other" in Ng's example) the output layer has `C` units, one logit `z_k` each,
# and **softmax** turns those logits into `C` probabilities that sum to 1 (Ng, course 2,
# week 3; Udacity, lesson 1):
#
# `t = e^z`, `a = t / Σ_k t_k`.
#
# The loss is the **cross-entropy** `L(ŷ, y) = −Σ_k y_k log ŷ_k` with a one-hot label `y`:
# only the log-probability of the true class counts. Backpropagation through both
# together is as simple as for logistic regression: `dZ = Ŷ − Y`.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np

import dlcourse
from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)

CLASSES = 4  # classes in the 2-D classifier (Ng's slide has 3 or 4)
M = lesson.pick(full=400, quick=200)  # training examples of that classifier
EPOCHS = lesson.pick(full=30, quick=10)  # epochs of mini-batch Adam for the classifier
BATCH_SIZE = 20
CHECK_M = 8  # examples in the from-scratch vs Keras checks
UDACITY_LOGITS = np.array([3.0, 1.0, 0.2])  # Udacity's example scores
UDACITY_STEPS = 1_000_000  # add 1e-6 this many times

# %% [markdown]
# ## 1. From scratch, checked against Keras
#
# `dlcourse.scratch.softmax` keeps Ng's layout, examples as **columns**: `Z` is
# `(C, m)`. Keras puts examples in rows, so we compare with the transposes:
# `keras.ops.softmax` and `keras.losses.CategoricalCrossentropy` (both in float64).

# %%
rng = lesson.rng
z = rng.normal(0.0, 3.0, size=(CLASSES, CHECK_M))  # logits (C, m)
y = np.eye(CLASSES)[:, rng.integers(0, CLASSES, CHECK_M)]  # one-hot labels (C, m)
y_hat = scratch.softmax(z)  # (C, m)

with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    keras_y_hat = keras.ops.convert_to_numpy(keras.ops.softmax(keras.ops.convert_to_tensor(z.T)))
    keras_loss = keras.losses.CategoricalCrossentropy(dtype="float64")(y.T, y_hat.T)
softmax_error = np.max(np.abs(y_hat - keras_y_hat.T))
loss_error = abs(scratch.cross_entropy(y_hat, y) - float(keras.ops.convert_to_numpy(keras_loss)))
print(f"columns sum to 1: {np.allclose(y_hat.sum(axis=0), 1.0)}")
print(f"max |softmax − keras.ops.softmax| = {softmax_error:.1e}")
print(f"|cross-entropy − keras CategoricalCrossentropy| = {loss_error:.1e}")

# %% [markdown]
# Now the gradient. Keras computes `∂J/∂Z` by automatic differentiation; to read it
# without any backend-specific code we let Keras take **one SGD step with α = 1**: a
# model whose only weights are the logits themselves (a bias-free `Dense` layer fed the
# identity matrix, so example `i`'s logits are row `i` of its kernel). After the step the
# kernel has moved by exactly `−∂J/∂Z`. Ng's formula says that is `(Ŷ − Y) / m`.


# %%
def keras_logit_gradient(logits, labels):
    """∂J/∂Z of Keras's mean cross-entropy, read from one SGD step (α = 1); rows = examples."""
    m, classes = logits.shape
    model = keras.Sequential(
        [
            keras.Input((m,), dtype="float64"),
            keras.layers.Dense(classes, use_bias=False, dtype="float64"),
        ]
    )
    model.layers[0].set_weights([logits])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1.0),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64"),
    )
    model.train_on_batch(np.eye(m), labels)
    return logits - model.layers[0].get_weights()[0]


dz = scratch.softmax_backward(y_hat, y) / CHECK_M  # (C, m): the cost's gradient
with backend.float64():
    gradient_error = np.max(np.abs(dz - keras_logit_gradient(z.T, y.T).T))
print(f"max |(Ŷ − Y)/m − Keras's ∂J/∂Z| = {gradient_error:.1e}")
# float64 agrees to round-off on TensorFlow and JAX. On PyTorch Keras computes a float64
# `mean` and `matmul` (the loss's average, the `Dense` layer) in float32, so there "equal"
# can only mean to float32 round-off.
EXACT = 1e-12 if keras.backend.backend() != "torch" else 1e-6
lesson.claim(
    "scratch softmax, cross-entropy and dZ = Ŷ − Y vs Keras (max abs difference)",
    [softmax_error, loss_error, gradient_error],
    target=f"all < {EXACT:g}",
    holds=max(softmax_error, loss_error, gradient_error) < EXACT,
)

# %% [markdown]
# ## 2. Two classes: softmax is logistic regression
#
# With `C = 2`, `a₁ = e^z₁ / (e^z₁ + e^z₂) = 1 / (1 + e^−(z₁ − z₂)) = σ(z₁ − z₂)`: softmax
# with two outputs is logistic regression on the *difference* of the logits. Only the
# difference matters, which is also why adding a constant to every logit changes nothing.

# %%
pair = rng.normal(0.0, 5.0, size=(2, 1000))  # 1,000 random pairs of logits
sigmoid_error = np.max(np.abs(scratch.softmax(pair)[0] - scratch.sigmoid(pair[0] - pair[1])))
lesson.claim(
    "2-class softmax vs σ(z₁ − z₂) on 1,000 random logit pairs (max abs difference)",
    sigmoid_error,
    target="< 1e-12",
    holds=sigmoid_error < 1e-12,
)

# %% [markdown]
# ## 3. A softmax classifier draws straight boundaries
#
# With no hidden layer, the logits are linear in `x` (`z = W x + b`), and the predicted
# class is the largest logit. Between two classes the boundary is where their logits are
# equal, `(w_j − w_k)·x + (b_j − b_k) = 0`: a straight line. `dlcourse.deep_net` with
# `hidden_units=()` and `num_classes=4` is exactly this model (a softmax output layer);
# we train it with `fit` on four Gaussian clusters.

# %%
centres = np.array([[-2.0, -1.5], [2.0, -1.5], [0.0, 2.0], [3.5, 2.5]])
labels = rng.integers(0, CLASSES, M)
x_train = (centres[labels] + rng.normal(0.0, 0.9, size=(M, 2))).astype("float32")
y_train = keras.utils.to_categorical(labels, CLASSES)

model = dlcourse.deep_net((2,), hidden_units=(), num_classes=CLASSES, seed=lesson.seed)
model.compile(
    optimizer=keras.optimizers.Adam(0.05),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
    steps_per_execution=backend.steps_per_execution(M // BATCH_SIZE),  # one call an epoch
)
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
accuracy = model.evaluate(x_train, y_train, batch_size=M, verbose=0)[1]
print(
    f"softmax regression, {EPOCHS} epochs of Adam, batch {BATCH_SIZE}: training accuracy {accuracy:.3f}"
)

# %%
colors = [plotting.color(c) for c in ("blue", "orange", "green", "purple")]
lo, hi = x_train.min(axis=0) - 0.8, x_train.max(axis=0) + 0.8
g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
grid = np.c_[g1.ravel(), g2.ravel()].astype("float32")
regions = model.predict(grid, batch_size=len(grid), verbose=0).argmax(axis=1).reshape(g1.shape)

fig, ax = plt.subplots(figsize=(6.6, 5.4))
cmap = plt.matplotlib.colors.ListedColormap(colors)
ax.contourf(g1, g2, regions, levels=np.arange(CLASSES + 1) - 0.5, cmap=cmap, alpha=0.18)
ax.contour(g1, g2, regions, levels=np.arange(CLASSES) + 0.5, colors="black", linewidths=0.8)
for k, col in enumerate(colors):
    ax.scatter(
        *x_train[labels == k].T, s=14, color=col, edgecolor="white", lw=0.3, label=f"class {k}"
    )
ax.set_xlabel("$x_1$")
ax.set_ylabel("$x_2$")
ax.set_title(
    f"Softmax regression, {CLASSES} classes: straight boundaries (accuracy {accuracy:.0%})"
)
fig.legend(loc="outside right center", title="training examples")
lesson.savefig(fig, "decision_regions")

# %% [markdown]
# Each shaded region is where one class has the largest logit, and every boundary between
# two regions is a straight segment: a softmax layer on its own is a *linear* classifier,
# the multi-class version of logistic regression (Ng's slide with three and four
# classes). Clusters that overlap stay mixed near the lines; curved boundaries need hidden
# layers.
#
# ## 4. Scaling the logits: confident or unsure
#
# Udacity's quiz: take the scores `[3.0, 1.0, 0.2]`, multiply them by 10, divide them by 10.
# Softmax depends on the *differences* between logits, so scaling them up makes the
# largest one dominate, and scaling them down makes them all alike.

# %%
scales = {"÷ 10": 0.1, "× 1": 1.0, "× 10": 10.0}
probabilities = {name: scratch.softmax(UDACITY_LOGITS * s) for name, s in scales.items()}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
for ax, (name, p) in zip(axes, probabilities.items()):
    ax.bar(np.arange(3), p, color=colors[:3])
    for k, value in enumerate(p):
        ax.text(k, value + 0.02, f"{value:.3g}", ha="center", fontsize=9)
    ax.set_xticks(np.arange(3), [f"z = {v:g}·{scales[name]:g}" for v in UDACITY_LOGITS])
    ax.set_title(f"logits {name}")
    ax.set_xlabel("class (its logit)")
axes[0].set_ylabel("softmax probability")
axes[0].set_ylim(0, 1.1)
fig.suptitle("Softmax of Udacity's scores [3.0, 1.0, 0.2], scaled", fontweight="bold")
lesson.savefig(fig, "logit_scaling")
largest, flattest = probabilities["× 10"].max(), np.ptp(probabilities["÷ 10"])
lesson.claim(
    "logits × 10: largest probability; logits ÷ 10: largest − smallest probability",
    [largest, flattest],
    target="> 0.99 (nearly certain) and < 0.1 (nearly uniform)",
    holds=largest > 0.99 and flattest < 0.1,
)

# %% [markdown]
# Times 10, the first class takes essentially all the probability (the others get
# about `e^−20 ≈ 2·10⁻⁹`): the classifier is certain. Divided by 10, the three
# probabilities are close to uniform (`1/3` each). During training a classifier grows its
# logits to become more confident, which is one reason large weights mean over-confident
# predictions.
#
# ## 5. Numerical stability: subtract the maximum
#
# `e^z` overflows when `z` is large: the largest float64 is about `1.8·10³⁰⁸ = e^709.8`,
# the largest float32 about `3.4·10³⁸ = e^88.7`. A naive softmax of logits near 1,000
# divides infinity by infinity. Subtracting `max(z)` first changes nothing mathematically
# and makes the largest exponent `e⁰ = 1`. We find the first integer logit `z` at which
# `softmax([z, 0])` computed naively is no longer finite.


# %%
def first_overflow(dtype):
    """The smallest integer z for which the naive softmax of [z, 0] is not finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        for z_big in range(1, 2000):
            logits = np.array([z_big, 0.0], dtype=dtype)
            if not np.all(np.isfinite(scratch.softmax(logits, shift=False))):
                return z_big
    return None


overflow = {dtype: first_overflow(dtype) for dtype in ("float64", "float32")}
big = np.array([1000.0, 999.0, 998.0])
with np.errstate(over="ignore", invalid="ignore"):
    naive = scratch.softmax(big, shift=False)
shifted = scratch.softmax(big)
print(
    f"naive softmax overflows from z = {overflow['float64']} (float64), {overflow['float32']} (float32)"
)
print(f"softmax([1000, 999, 998]): naive {naive}, shifted {shifted.round(4)}")
lesson.claim(
    "first integer logit where the naive softmax overflows: float64, float32",
    [overflow["float64"], overflow["float32"]],
    target="710 and 89; the shifted softmax of [1000, 999, 998] is finite",
    holds=overflow == {"float64": 710, "float32": 89}
    and np.all(np.isnan(naive))
    and np.allclose(shifted, scratch.softmax(np.array([2.0, 1.0, 0.0]))),
)

# %% [markdown]
# Keras does the same: `keras.ops.softmax` subtracts the maximum, and
# `CategoricalCrossentropy(from_logits=True)` never forms `e^z` on its own.
#
# Udacity's second example shows what floating point does to sums of numbers of very
# different sizes: start from one billion, add `10⁻⁶` a million times, subtract one
# billion. In exact arithmetic that is 1. (`np.cumsum` adds the terms one at a time, in
# order, as a loop would.)

# %%
terms = np.full(UDACITY_STEPS, 1e-6)
drift = float(np.cumsum(np.r_[1e9, terms])[-1] - 1e9)
small = float(np.cumsum(np.r_[1.0, terms])[-1] - 1.0)
print(f"1e9 + a million × 1e-6 − 1e9 = {drift!r}; starting from 1 instead: {small!r}")
lesson.claim(
    "1e9 + 1e-6 added a million times − 1e9 (float64), vs the same from 1",
    [drift, small],
    target="|1e9 version − 1| > 0.01, |1 version − 1| < 1e-6",
    holds=abs(drift - 1) > 0.01 and abs(small - 1) < 1e-6,
)

# %% [markdown]
# Near 10⁹ the gap between neighbouring float64 numbers is about `1.2·10⁻⁷`, so each
# `10⁻⁶` is rounded to a multiple of it and the error piles up a million times: the
# result is about 0.95, not 1. Near 1 the same sum is right to about 10⁻¹⁰. Hence
# Udacity's advice: keep the numbers a network computes with near zero mean and similar
# sizes (normalized inputs, small initial weights, shifted logits).
#
# ## What to remember
#
# - Softmax: `a = e^z / Σ e^z`, a column of probabilities; with the cross-entropy loss
#   `−Σ y log ŷ` the gradient is `dZ = Ŷ − Y` (our NumPy equals Keras to ~1e-16).
# - Two classes: softmax is logistic regression on `z₁ − z₂`. Without hidden layers
#   the decision boundaries are straight lines.
# - Larger logits → more confident probabilities; smaller → closer to uniform.
# - Subtract `max(z)` before `e^z`: the naive form overflows past `z ≈ 710` (float64),
#   `≈ 89` (float32). Keras does this for you — pass `from_logits=True` where you can.

# %%
lesson.finish()
