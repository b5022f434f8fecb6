"""Backpropagation by hand

Writes the forward and backward passes of a small sigmoid network in NumPy (float64),
each line of the backward pass one use of the chain rule (lesson 03a), and shows that
its gradients equal the framework's automatic differentiation (TensorFlow, JAX or
PyTorch, whichever Keras runs on). Then it counts the multiply-adds of both passes from
the matrix shapes (backward ≈ 2 × forward) and shows measured times beside the counts.

Claim: NumPy backprop equals the framework's autodiff (relative error < 1e-6); backward ≈ 2 × forward multiply-adds.
"""

# %% [markdown]
# Backpropagation is the chain rule of lesson 03a, applied in the right order so that
# nothing is computed twice (Hung-yi Lee's lecture):
#
# - **forward pass**: compute every layer's `z` and activation `a`, from the input up,
#   and keep them;
# - **backward pass**: start from `∂J/∂a` at the output and walk down, each layer turning
#   the gradient with respect to its output into the gradients with respect to its
#   weights and to its input.
#
# A hidden activation feeds every unit of the next layer, so its gradient is a sum over
# all those paths: the matrix product `W[l]ᵀ dZ[l]`.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from keras import ops
from threadpoolctl import threadpool_limits

from dlcourse import backend, datasets, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)
FRAMEWORK = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}[backend.name()]

LAYERS = [2, 5, 4, 1]  # the small net we differentiate by hand: n[0], n[1], n[2], n[3]
M_SMALL = 64  # examples for the gradient comparison
WIDE_LAYERS = [64, 256, 256, 256, 10]  # the net we count and time (digits: 64 pixels, 10 classes)
BATCH = lesson.pick(full=512, quick=256)  # digits per timed pass
TIMING_REPEATS = lesson.pick(full=10, quick=5)

# %% [markdown]
# ## 1. Forward pass, then backward pass, for a small network
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
params = {
    k: v + 0.1 * lesson.rng.standard_normal(v.shape) for k, v in params.items()
}  # non-zero biases
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
# The same network in `keras.ops`, same float64 numbers; the framework Keras runs on
# records the forward pass and differentiates it automatically
# (`dlcourse.backend.value_and_grad`). We also call the general
# version of our code, `dlcourse.scratch.backward` (any depth, any activation), which
# the next lessons use.


# %%
def cost_of(weights):
    """J of the 3-layer sigmoid net, in keras.ops (`@`: float64 on every backend)."""
    a, y = ops.convert_to_tensor(X, "float64"), ops.convert_to_tensor(Y, "float64")
    for l in (1, 2, 3):
        a = ops.sigmoid(weights[f"W{l}"] @ a + weights[f"b{l}"])
    losses = y * ops.log(a) + (1 - y) * ops.log(1 - a)
    return -ops.sum(losses) / m  # sum / m: Keras's mean computes in float32 on JAX


with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    weights = {k: ops.convert_to_tensor(v, "float64") for k, v in params.items()}
    cost_autodiff, autodiff_grads = backend.value_and_grad(cost_of, weights)
    by_autodiff = {"d" + k: backend.to_numpy(g) for k, g in autodiff_grads.items()}
    cost_autodiff = backend.to_numpy(cost_autodiff)

a_last, caches = scratch.forward(params, X, activation="sigmoid")
by_package = scratch.backward(a_last, Y, caches, activation="sigmoid")


def max_relative_error(grads, reference):
    """max over parameters of max|g − ref| / max|ref| (the error relative to each array's scale)."""
    return max(
        float(np.max(np.abs(grads[k] - reference[k])) / np.max(np.abs(reference[k])))
        for k in reference
    )


error_hand = max_relative_error(by_hand, by_autodiff)
error_package = max_relative_error(by_package, by_autodiff)
print(f"cost: by hand {J:.15f}, {FRAMEWORK} {float(backend.to_numpy(cost_autodiff)):.15f}")
lesson.claim(
    f"NumPy backprop by hand vs {FRAMEWORK}'s autodiff (float64): max relative error",
    error_hand,
    target="< 1e-6",
    holds=error_hand < 1e-6,
)
lesson.claim(
    f"dlcourse.scratch.backward vs {FRAMEWORK}'s autodiff (float64): max relative error",
    error_package,
    target="< 1e-6",
    holds=error_package < 1e-6,
)

# %%
FLOOR = 1e-19  # exact agreement (a difference of 0) is drawn here: log axes have no 0
fig, ax = plt.subplots(figsize=(9.5, 4.4))
offset = 0
for key, col in zip(by_autodiff, plotting.CYCLE):
    index = offset + np.arange(by_autodiff[key].size)
    for grads, marker, filled in ((by_hand, "o", True), (by_package, "s", False)):
        difference = np.abs(grads[key] - by_autodiff[key]).ravel()
        ax.semilogy(
            index,
            np.maximum(difference, FLOOR),
            marker,
            ms=6 if filled else 8,
            color=col,
            mfc=col if filled else "none",
            mew=1.2,
            ls="none",
        )
    ax.semilogy(index, np.abs(by_autodiff[key]).ravel(), "_", ms=9, color=col, mew=1.5)
    ax.text(
        index.mean(),
        0.3 if key.startswith("db") else 3,
        key,
        ha="center",
        color=col,
        fontweight="bold",
    )
    offset += by_autodiff[key].size
ax.axhline(1e-6, color=plotting.color("bad"), ls="--", lw=1)
ax.axhspan(FLOOR / 3, FLOOR * 3, color=plotting.color("good"), alpha=0.15)
handles = [
    plt.Line2D(
        [], [], marker="o", ls="none", color=plotting.color("black"), label="|by hand − autodiff|"
    ),
    plt.Line2D(
        [],
        [],
        marker="s",
        ls="none",
        mfc="none",
        ms=8,
        color=plotting.color("black"),
        label="|scratch.backward − autodiff|",
    ),
    plt.Line2D(
        [],
        [],
        marker="_",
        ls="none",
        ms=9,
        mew=1.5,
        color=plotting.color("black"),
        label="|gradient| itself (for scale)",
    ),
    plt.Line2D([], [], ls="--", color=plotting.color("bad"), label="1e-6 (the claim's tolerance)"),
    plt.Rectangle(
        (0, 0),
        1,
        1,
        color=plotting.color("good"),
        alpha=0.3,
        label=f"exactly equal (drawn at {FLOOR:g})",
    ),
]
ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
ax.set_ylim(FLOOR / 10, 30)
ax.set_xlabel(f"gradient component ({offset} in all: dW1, db1, … dW3, db3 flattened)")
ax.set_ylabel("absolute value (log scale)")
ax.set_title(
    f"NumPy backprop vs {FRAMEWORK}'s autodiff, every component\n"
    f"(max relative error {error_hand:.1e}: float64 rounding)"
)
lesson.savefig(fig, "backprop_vs_tape")

# %% [markdown]
# Each dash is the size of one gradient component (between about 1e-5 and 0.1); each
# dot below it is how far our value is from the framework's. The dots sit more than ten
# orders of magnitude lower, around 1e-18 — float64 rounding, the last bit or two of the
# mantissa — and many are exactly equal (the green strip at the bottom): far below the
# 1e-6 line the claim asks for. The general `scratch.backward` (squares) agrees just as
# well.
#
# ## 2. What does a backward pass cost?
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
print(
    f"multiply-adds: forward {forward_count:.3g}, backward {backward_count:.3g} "
    f"(ratio {count_ratio:.2f})"
)
print(
    f"measured (fastest of {TIMING_REPEATS}): forward {forward_ms:.1f} ms, backward "
    f"{backward_ms:.1f} ms (ratio {backward_ms / forward_ms:.2f})"
)
print(
    f"values kept from the forward pass for the backward pass: {cached:,} "
    f"(the weights: {sum(v.size for v in params_wide.values()):,})"
)

# %%
per_layer_forward = [
    WIDE_LAYERS[l] * WIDE_LAYERS[l - 1] * m_wide for l in range(1, len(WIDE_LAYERS))
]
per_layer_backward = [
    (2 if l > 1 else 1) * count for l, count in enumerate(per_layer_forward, start=1)
]

fig, axes = plt.subplots(1, 2, figsize=(11.5, 4.3))
ax = axes[0]
for _name, counts, x_pos in (
    ("forward", per_layer_forward, 0),
    ("backward", per_layer_backward, 1),
):
    bottom = 0
    for l, count in enumerate(counts, start=1):
        label = f"layer {l} ({WIDE_LAYERS[l]}×{WIDE_LAYERS[l - 1]})" if x_pos == 0 else None
        ax.bar(
            x_pos,
            count / 1e6,
            bottom=bottom / 1e6,
            color=plotting.CYCLE[l - 1],
            width=0.6,
            edgecolor="white",
            label=label,
        )
        bottom += count
ax.set_xticks([0, 1], ["forward", "backward"])
ax.set_ylabel("multiply-adds (millions)")
ax.set_title(f"Counted from the shapes: backward = {count_ratio:.2f} × forward")
ax.legend(loc="upper left")

ax = axes[1]
ax.bar(  # one neutral colour: on the left the colours are the layers
    [0, 1],
    [forward_ms, backward_ms],
    width=0.6,
    color=plotting.color("grey"),
    label=f"fastest of {TIMING_REPEATS} runs",
)
time_top = 1.6 * backward_ms  # a disturbed run can take 10× longer: keep the bars readable
off_scale = []  # runs slower than time_top, drawn at the top edge and counted in the legend
for x_pos, name, times in ((0, "forward", forward_times), (1, "backward", backward_times)):
    times_ms = 1e3 * np.array(times)
    slow = times_ms > time_top
    ax.plot(
        np.full(np.sum(~slow), x_pos),
        times_ms[~slow],
        "_",
        ms=18,
        color=plotting.color("black"),
        label="single runs" if x_pos == 0 else None,
    )
    ax.plot(
        np.full(np.sum(slow), x_pos),
        np.full(np.sum(slow), time_top),
        "^",
        ms=7,
        color=plotting.color("black"),
    )
    if slow.any():
        off_scale.append(f"{name} {slow.sum()} (up to {times_ms.max():.0f} ms)")
if off_scale:
    ax.plot(
        [],
        [],
        "^",
        ms=7,
        color=plotting.color("black"),
        label="runs off the scale: " + ", ".join(off_scale),
    )
ax.set_ylim(0, time_top * 1.04)
ax.set_xticks([0, 1], ["forward", "backward"])
ax.set_ylabel("wall time (ms)")
ax.set_title(
    f"Measured in NumPy: backward = {backward_ms / forward_ms:.2f} × forward\n"
    "(shown, not asserted: a shared machine is noisy)"
)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08))  # below the axes
fig.suptitle(f"One pass over {m_wide} digits through a {'→'.join(map(str, WIDE_LAYERS))} ReLU net")
lesson.savefig(fig, "forward_vs_backward_cost")

# %% [markdown]
# Left: the counted work, one colour per layer. The first layer costs the same in both
# passes (no gradient for the input); every other layer costs twice as much going
# backward. Right: the measured times, in grey because they are totals, not layers (the
# bar is the fastest, least disturbed run; the ticks are all runs; a run disturbed by
# another program, slower than 1.6 × the fastest backward pass, is a triangle at the top
# edge, counted in the legend with its time, so it does not squash the bars).
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
