"""Lesson 03 — Backpropagation by hand: the chain rule, a forward pass, a backward pass.

Works through the chain rule (a chain `z = h(g(x))` and two paths `z = k(g(s), h(s))`),
checks `sigmoid'(x) = y(1 − y)`, then writes the forward and backward passes of a small
sigmoid network in NumPy (float64) and shows that its gradients equal TensorFlow's
`tf.GradientTape`. Finally it counts the multiply-adds of both passes from the matrix
shapes (backward ≈ 2 × forward) and shows measured times beside the counts.

Claim: NumPy backprop equals tf.GradientTape (relative error < 1e-6); backward ≈ 2 × forward multiply-adds.

Run it:
    python lessons/03_backprop_by_hand.py            # full mode, figures in out/03_backprop_by_hand/
    python lessons/03_backprop_by_hand.py --quick    # the small budget the tests use
"""

# %% [markdown]
# # Backpropagation by hand
#
# Training needs `∂J/∂w` for every weight `w`. Backpropagation is the chain rule,
# applied in the right order so that nothing is computed twice (Hung-yi Lee's lecture):
#
# - **forward pass**: compute every layer's `z` and activation `a`, from the input up,
#   and keep them;
# - **backward pass**: start from `∂J/∂a` at the output and walk down, each layer turning
#   the gradient with respect to its output into the gradients with respect to its
#   weights and to its input.
#
# The chain rule comes in two cases:
#
# - **a chain** `x → y = g(x) → z = h(y)`: `dz/dx = dz/dy · dy/dx`;
# - **two paths** `s → x = g(s)`, `s → y = h(s)`, `z = k(x, y)`:
#   `dz/ds = ∂z/∂x · dx/ds + ∂z/∂y · dy/ds` (sum over every path from `s` to `z`).
#
# In a network, a hidden activation feeds every unit of the next layer, so its gradient
# is a sum over all those paths — which is what the matrix product `W[l]ᵀ dZ[l]` computes.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from threadpoolctl import threadpool_limits

from dlcourse import datasets, plotting, scratch
from dlcourse.lesson import start

lesson = start("03_backprop_by_hand", title="Backpropagation by hand")

LAYERS = [2, 5, 4, 1]  # the small net we differentiate by hand: n[0], n[1], n[2], n[3]
M_SMALL = 64  # examples for the gradient comparison
WIDE_LAYERS = [64, 256, 256, 256, 10]  # the net we count and time (digits: 64 pixels, 10 classes)
BATCH = lesson.pick(full=512, quick=256)  # digits per timed pass
TIMING_REPEATS = lesson.pick(full=10, quick=5)

# %% [markdown]
# ## 1. The chain rule, both cases, against `tf.GradientTape`
#
# Case 1: `y = x²`, `z = sin(y)`, so `dz/dx = cos(x²) · 2x`.
# Case 2: `x = s²`, `y = sin(s)`, `z = x·y²`, so
# `dz/ds = y² · 2s + 2xy · cos(s)`.
# We evaluate both formulas on a grid and compare with automatic differentiation.

# %%
grid = tf.constant(np.linspace(-2.0, 2.0, 41))  # float64

with tf.GradientTape(persistent=True) as tape:
    tape.watch(grid)
    z_chain = tf.sin(grid**2)  # case 1, variable x
    x_path, y_path = grid**2, tf.sin(grid)  # case 2, variable s
    z_paths = x_path * y_path**2
by_tape_chain = tape.gradient(z_chain, grid).numpy()
by_tape_paths = tape.gradient(z_paths, grid).numpy()

s = grid.numpy()
by_hand_chain = np.cos(s**2) * 2 * s  # dz/dy · dy/dx
x_s, y_s = s**2, np.sin(s)
by_hand_paths = y_s**2 * 2 * s + 2 * x_s * y_s * np.cos(s)  # ∂z/∂x·dx/ds + ∂z/∂y·dy/ds

chain_error = max(np.max(np.abs(by_hand_chain - by_tape_chain)),
                  np.max(np.abs(by_hand_paths - by_tape_paths)))
lesson.claim(
    "chain rule by hand (both cases) vs tf.GradientTape: max |difference|",
    chain_error,
    target="< 1e-12",
    holds=chain_error < 1e-12,
)

# %% [markdown]
# ## 2. The sigmoid's derivative is `y (1 − y)`
#
# With `y = σ(x) = 1/(1 + e^{−x})`, `σ'(x) = e^{−x}/(1 + e^{−x})² = y (1 − y)`. The
# backward pass uses this form because `y` was already computed in the forward pass:
# no exponential is needed again. We check it against a two-sided finite difference.

# %%
x_sig = np.linspace(-8.0, 8.0, 321)
y_sig = scratch.sigmoid(x_sig)
from_output = y_sig * (1 - y_sig)
step = 1e-5
numerical = (scratch.sigmoid(x_sig + step) - scratch.sigmoid(x_sig - step)) / (2 * step)
sigmoid_error = float(np.max(np.abs(from_output - numerical)))
lesson.claim(
    "sigmoid'(x) = y(1 − y) vs a two-sided finite difference on [-8, 8]: max |difference|",
    sigmoid_error,
    target="< 1e-9",
    holds=sigmoid_error < 1e-9,
)

fig, ax = plt.subplots(figsize=(6.4, 4.0))
ax.plot(x_sig, y_sig, color=plotting.color("blue"), label="y = σ(x)")
ax.plot(x_sig, from_output, color=plotting.color("orange"), lw=2.5, label="y (1 − y)")
ax.plot(x_sig[::16], numerical[::16], "o", ms=5, mfc="none", color=plotting.color("black"),
        label="finite difference of σ")
ax.set_xlabel("x")
ax.set_ylabel("value")
ax.set_title(f"σ'(x) = y(1 − y), max ¼ at x = 0 (max error {sigmoid_error:.1e})")
ax.legend(loc="center left")
lesson.savefig(fig, "sigmoid_derivative")

# %% [markdown]
# The circles (finite differences) sit on the orange curve `y(1 − y)`. Its peak is ¼:
# every sigmoid layer multiplies the back-propagated gradient by at most ¼ (lesson 17
# shows what that does to deep nets).
#
# ## 3. Forward pass, then backward pass, for a small network
#
# The network is `2 → 5 → 4 → 1` with sigmoid units everywhere, on 64 points of the
# moons data set, with the cross-entropy cost `J = −(1/m) Σ [y log a + (1 − y) log(1 − a)]`.
# Examples are columns (Ng's convention): `X` is `(2, m)`, `W[l]` is `(n[l], n[l−1])`.
# Each line of the backward pass is one use of the chain rule.

# %%
moons_x, moons_y = datasets.moons(M_SMALL, seed=lesson.seed)
X = moons_x.T.astype("float64")  # (2, m)
Y = moons_y.reshape(1, -1).astype("float64")  # (1, m)
params = scratch.init_parameters(LAYERS, initializer="xavier", seed=lesson.seed)
params = {k: v + 0.1 * lesson.rng.standard_normal(v.shape) for k, v in params.items()}  # non-zero biases
W1, b1, W2, b2, W3, b3 = (params[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
m = X.shape[1]

# forward pass: keep every z and a
Z1 = W1 @ X + b1  # (5, m)
A1 = scratch.sigmoid(Z1)
Z2 = W2 @ A1 + b2  # (4, m)
A2 = scratch.sigmoid(Z2)
Z3 = W3 @ A2 + b3  # (1, m)
A3 = scratch.sigmoid(Z3)  # ŷ
J = -np.mean(Y * np.log(A3) + (1 - Y) * np.log(1 - A3))

# backward pass: from the cost down to the first layer
dZ3 = A3 - Y  # dJ/dZ3 (·m): cross-entropy and sigmoid together, (1, m)
dW3 = dZ3 @ A2.T / m  # Z3 = W3 A2 + b3  →  dJ/dW3, (1, 4)
db3 = dZ3.sum(axis=1, keepdims=True) / m  # (1, 1)
dA2 = W3.T @ dZ3  # every unit of A2 feeds Z3: sum over the paths, (4, m)
dZ2 = dA2 * A2 * (1 - A2)  # σ'(Z2) = A2 (1 − A2), (4, m)
dW2 = dZ2 @ A1.T / m  # (4, 5)
db2 = dZ2.sum(axis=1, keepdims=True) / m
dA1 = W2.T @ dZ2  # (5, m)
dZ1 = dA1 * A1 * (1 - A1)
dW1 = dZ1 @ X.T / m  # (5, 2)
db1 = dZ1.sum(axis=1, keepdims=True) / m
by_hand = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}

# %% [markdown]
# The same network in TensorFlow ops, same float64 numbers; `tf.GradientTape` records
# the forward pass and differentiates it automatically. We also call the general
# version of our code, `dlcourse.scratch.backward` (any depth, any activation), which
# the next lessons use.

# %%
variables = {k: tf.Variable(v) for k, v in params.items()}
with tf.GradientTape() as tape:
    a = tf.constant(X)
    for l in (1, 2, 3):
        a = tf.sigmoid(variables[f"W{l}"] @ a + variables[f"b{l}"])
    cost_tf = -tf.reduce_mean(Y * tf.math.log(a) + (1 - Y) * tf.math.log(1 - a))
tape_grads = tape.gradient(cost_tf, variables)
by_tape = {"d" + k: g.numpy() for k, g in tape_grads.items()}

a_last, caches = scratch.forward(params, X, activation="sigmoid")
by_package = scratch.backward(a_last, Y, caches, activation="sigmoid")


def max_relative_error(grads, reference):
    """max over parameters of max|g − ref| / max|ref| (the error relative to each array's scale)."""
    return max(float(np.max(np.abs(grads[k] - reference[k])) / np.max(np.abs(reference[k])))
               for k in reference)


error_hand = max_relative_error(by_hand, by_tape)
error_package = max_relative_error(by_package, by_tape)
print(f"cost: by hand {J:.15f}, TensorFlow {float(cost_tf):.15f}")
lesson.claim(
    "NumPy backprop by hand vs tf.GradientTape (float64): max relative error",
    error_hand,
    target="< 1e-6",
    holds=error_hand < 1e-6,
)
lesson.claim(
    "dlcourse.scratch.backward vs tf.GradientTape (float64): max relative error",
    error_package,
    target="< 1e-6",
    holds=error_package < 1e-6,
)

# %%
fig, ax = plt.subplots(figsize=(5.6, 5.0))
limit = 0
for key, col in zip(by_tape, plotting.CYCLE):
    ax.plot(by_tape[key].ravel(), by_hand[key].ravel(), "o", ms=6, mfc="none", mew=1.5,
            color=col, label=f"{key} {by_tape[key].shape}")
    limit = max(limit, np.max(np.abs(by_tape[key])))
ax.plot([-limit, limit], [-limit, limit], color=plotting.color("reference"), lw=1, label="y = x")
ax.set_xlabel("gradient from tf.GradientTape")
ax.set_ylabel("gradient from our NumPy backward pass")
ax.set_title(f"Every gradient component agrees\n(max relative error {error_hand:.1e})")
ax.legend(loc="upper left", ncol=2)
lesson.savefig(fig, "backprop_vs_tape")

# %% [markdown]
# All 44 gradient components lie on the diagonal: the relative error is at the level
# of float64 rounding (about 1e-16), far below the 1e-6 we ask for.
#
# ## 4. What does a backward pass cost?
#
# Count the multiply-adds of the matrix products, layer by layer, for a wider net
# `64 → 256 → 256 → 256 → 10` on a batch of digits:
#
# - forward: `Z[l] = W[l] A[l−1]` costs `n[l]·n[l−1]·m`;
# - backward: `dW[l] = dZ[l] A[l−1]ᵀ` costs the same, and `dA[l−1] = W[l]ᵀ dZ[l]` the
#   same again — except in the first layer, where nobody needs `dX`.
#
# So the backward pass does about twice the forward pass's work. It also needs memory:
# every `Z[l]` and `A[l]` of the forward pass is kept until the backward pass uses it.
# Element-wise work (activations and their derivatives) grows only like `n·m` and is
# left out of the count. We time both passes too (with one BLAS thread, so that the
# time follows the work rather than the thread scheduling) — but only to look at: wall
# time on a shared machine is noisy, so the claim is on the count.

# %%
digits = datasets.load_digits(seed=lesson.seed)
X_wide = digits.x_train[:BATCH].T.astype("float64")  # (64, m)
Y_wide = np.eye(10)[digits.y_train[:BATCH]].T  # one sigmoid output per class, (10, m)
m_wide = X_wide.shape[1]
params_wide = scratch.init_parameters(WIDE_LAYERS, seed=lesson.seed)

forward_count, backward_count = scratch.multiply_adds(WIDE_LAYERS, m_wide)
count_ratio = backward_count / forward_count
lesson.claim(
    f"backward / forward multiply-adds for {WIDE_LAYERS}, m = {m_wide} (from the matrix shapes)",
    count_ratio,
    target="in [1.5, 2.5]",
    holds=1.5 <= count_ratio <= 2.5,
)

forward_times, backward_times = [], []
with threadpool_limits(limits=1):  # one BLAS thread: time follows work, not thread scheduling
    for _ in range(TIMING_REPEATS):
        began = time.perf_counter()
        a_last, caches = scratch.forward(params_wide, X_wide, activation="relu")
        forward_times.append(time.perf_counter() - began)
        began = time.perf_counter()
        scratch.backward(a_last, Y_wide, caches, activation="relu")
        backward_times.append(time.perf_counter() - began)
forward_ms, backward_ms = 1e3 * min(forward_times), 1e3 * min(backward_times)  # least disturbed run
cached = sum(z.size + a.size for _, _, z, a, _ in caches)
print(f"multiply-adds: forward {forward_count:.3g}, backward {backward_count:.3g} "
      f"(ratio {count_ratio:.2f})")
print(f"measured (fastest of {TIMING_REPEATS}): forward {forward_ms:.1f} ms, backward "
      f"{backward_ms:.1f} ms (ratio {backward_ms / forward_ms:.2f})")
print(f"values kept from the forward pass for the backward pass: {cached:,} "
      f"(the weights: {sum(v.size for v in params_wide.values()):,})")

# %%
per_layer_forward = [WIDE_LAYERS[l] * WIDE_LAYERS[l - 1] * m_wide for l in range(1, len(WIDE_LAYERS))]
per_layer_backward = [(2 if l > 1 else 1) * count for l, count in enumerate(per_layer_forward, start=1)]

fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.3))
ax = axes[0]
for name, counts, x_pos in (("forward", per_layer_forward, 0), ("backward", per_layer_backward, 1)):
    bottom = 0
    for l, count in enumerate(counts, start=1):
        label = f"layer {l} ({WIDE_LAYERS[l]}×{WIDE_LAYERS[l - 1]})" if x_pos == 0 else None
        ax.bar(x_pos, count / 1e6, bottom=bottom / 1e6, color=plotting.CYCLE[l - 1], width=0.6,
               edgecolor="white", label=label)
        bottom += count
ax.set_xticks([0, 1], ["forward", "backward"])
ax.set_ylabel("multiply-adds (millions)")
ax.set_title(f"Counted from the shapes: backward = {count_ratio:.2f} × forward")
ax.legend(loc="upper left")

ax = axes[1]
ax.bar([0, 1], [forward_ms, backward_ms], width=0.6,
       color=[plotting.color("train"), plotting.color("dev")])
for x_pos, times in ((0, forward_times), (1, backward_times)):
    ax.plot(np.full(len(times), x_pos), 1e3 * np.array(times), "_", ms=18,
            color=plotting.color("black"), label="single runs" if x_pos == 0 else None)
ax.set_xticks([0, 1], ["forward", "backward"])
ax.set_ylabel(f"wall time (ms): bar = fastest of {TIMING_REPEATS} runs")
ax.set_title(f"Measured in NumPy: backward = {backward_ms / forward_ms:.2f} × forward\n"
             "(shown, not asserted: a shared machine is noisy)")
ax.legend(loc="upper center")
fig.suptitle(f"One pass over {m_wide} digits through a {'→'.join(map(str, WIDE_LAYERS))} ReLU net")
lesson.savefig(fig, "forward_vs_backward_cost")

# %% [markdown]
# Left: the counted work. The first layer costs the same in both passes (no gradient
# for the input); every other layer costs twice as much going backward. Right: the
# measured times (the bar is the fastest, least disturbed run; the ticks are all runs).
# The backward pass takes clearly longer, but the measured ratio is rarely exactly the
# count's: the BLAS library multiplies transposed matrices at different speeds, the
# element-wise work and memory traffic are not counted, and other programs share the
# machine. That is why the claim is on the count.
#
# ## What to remember
#
# - Backpropagation = the chain rule, applied from the cost down, reusing the forward
#   pass's `z` and `a` (so `σ'(z) = a(1 − a)` costs nothing extra).
# - Where a value feeds several others, its gradient is the sum over the paths:
#   `dA[l−1] = W[l]ᵀ dZ[l]`.
# - A hand-written backward pass must match automatic differentiation to float64
#   rounding; lesson 4 shows how to check one when there is no framework to compare with.
# - A backward pass costs about twice a forward pass, and it needs the forward pass's
#   activations in memory: training costs about 3× inference per example.

# %%
lesson.finish()
