"""Backpropagation by hand

Works through the chain rule (a chain `z = h(g(x))` and two paths `z = k(g(s), h(s))`),
checks `sigmoid'(x) = y(1 − y)`, then writes the forward and backward passes of a small
sigmoid network in NumPy (float64) and shows that its gradients equal the framework's
automatic differentiation (TensorFlow, JAX or PyTorch, whichever Keras runs on). Finally
it counts the multiply-adds of both passes from the matrix shapes (backward ≈ 2 × forward)
and shows measured times beside the counts.

Claim: NumPy backprop equals the framework's autodiff (relative error < 1e-6); backward ≈ 2 × forward multiply-adds.
"""

# %% [markdown]
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
# ## 1. The chain rule, both cases, against automatic differentiation
#
# Case 1: `y = x²`, `z = log(1 + y)`, so `dz/dx = 1/(1 + x²) · 2x`.
# Case 2: `x = s²`, `y = exp(−s)`, `z = x·y²`, so
# `dz/ds = y² · 2s + 2xy · (−exp(−s))`.
# We evaluate both formulas on a grid and compare with the framework's automatic
# differentiation: `dlcourse.backend.value_and_grad` asks the backend Keras runs on
# (`tf.GradientTape`, `jax.grad` or `torch.autograd`) for the gradient of a function
# written with `keras.ops`. (Keras computes `sin` and `tanh` of float64 inputs in
# float32 on JAX, so the examples use `log` and `exp`, float64 on every backend.)

# %%
grid = ops.convert_to_tensor(np.linspace(-2.0, 2.0, 41), "float64")


def z_chain(x):  # case 1; summed, so each grid point's gradient is its own dz/dx
    return ops.sum(ops.log(1 + x**2))


def z_paths(s):  # case 2
    x_path, y_path = s**2, ops.exp(-s)
    return ops.sum(x_path * y_path**2)


by_autodiff_chain = backend.to_numpy(backend.value_and_grad(z_chain, grid)[1])
by_autodiff_paths = backend.to_numpy(backend.value_and_grad(z_paths, grid)[1])

s = backend.to_numpy(grid)
by_hand_chain = 1 / (1 + s**2) * 2 * s  # dz/dy · dy/dx
x_s, y_s = s**2, np.exp(-s)
by_hand_paths = y_s**2 * 2 * s + 2 * x_s * y_s * (-np.exp(-s))  # ∂z/∂x·dx/ds + ∂z/∂y·dy/ds

chain_error = max(
    np.max(np.abs(by_hand_chain - by_autodiff_chain)),
    np.max(np.abs(by_hand_paths - by_autodiff_paths)),
)
lesson.claim(
    f"chain rule by hand (both cases) vs {FRAMEWORK}'s autodiff: max |difference|",
    chain_error,
    target="< 1e-12",
    holds=chain_error < 1e-12,
)

# %% [markdown]
# ## 2. Ng's computation graph: values forward, gradients backward
#
# Ng's example `J = 3(a + bc)` with `a = 5, b = 3, c = 2`, cut into one operation per
# node: `u = bc`, `v = a + u`, `J = 3v`. The forward pass (left to right) computes the
# node values; the backward pass (right to left) multiplies local derivatives:
# `dJ/dv = 3`, `dJ/du = dJ/dv · dv/du`, `dJ/da = dJ/dv · dv/da`, `dJ/db = dJ/du · c`,
# `dJ/dc = dJ/du · b`. Each node needs only its own local derivative and the gradient
# arriving from its right.

# %%
inputs = {"a": 5.0, "b": 3.0, "c": 2.0}
forward = dict(inputs)
forward["u"] = forward["b"] * forward["c"]
forward["v"] = forward["a"] + forward["u"]
forward["J"] = 3 * forward["v"]
backward = {"J": 1.0}
backward["v"] = backward["J"] * 3  # J = 3v
backward["u"] = backward["v"] * 1  # v = a + u
backward["a"] = backward["v"] * 1
backward["b"] = backward["u"] * forward["c"]  # u = bc
backward["c"] = backward["u"] * forward["b"]

graph_inputs = {name: ops.convert_to_tensor(value, "float64") for name, value in inputs.items()}
graph_cost, graph_grads = backend.value_and_grad(
    lambda v: 3 * (v["a"] + v["b"] * v["c"]), graph_inputs
)
graph_autodiff = {name: float(backend.to_numpy(graph_grads[name])) for name in inputs}
graph_error = max(abs(backward[name] - graph_autodiff[name]) for name in inputs)
print(f"forward: {forward}\nbackward (dJ/d·): {backward}\n{FRAMEWORK}: {graph_autodiff}")
lesson.claim(
    f"computation graph J = 3(a + bc) at (5, 3, 2): chain rule by hand vs {FRAMEWORK}'s autodiff, "
    "max |difference| of dJ/da, dJ/db, dJ/dc",
    graph_error,
    target="< 1e-12",
    holds=graph_error < 1e-12 and float(backend.to_numpy(graph_cost)) == forward["J"],
)

# %%
NODES = {"a": (0, 2), "b": (0, 1), "c": (0, 0), "u": (1.6, 0.5), "v": (3.2, 1.25), "J": (4.8, 1.25)}
RULES = {"a": "a", "b": "b", "c": "c", "u": "u = bc", "v": "v = a + u", "J": "J = 3v"}
EDGES = [("a", "v"), ("b", "u"), ("c", "u"), ("u", "v"), ("v", "J")]
LOCAL = {
    ("a", "v"): "∂v/∂a = 1",
    ("b", "u"): f"∂u/∂b = c = {forward['c']:g}",
    ("c", "u"): f"∂u/∂c = b = {forward['b']:g}",
    ("u", "v"): "∂v/∂u = 1",
    ("v", "J"): "∂J/∂v = 3",
}
fig, ax = plt.subplots(figsize=(10, 4.2))
for start_node, end_node in EDGES:
    (x0, y0), (x1, y1) = NODES[start_node], NODES[end_node]
    ax.annotate(
        "",
        xy=(x1 - 0.45, y1 + (y0 - y1) * 0.45 / (x1 - x0)),
        xytext=(x0 + 0.45, y0),
        arrowprops=dict(arrowstyle="-|>", color=plotting.color("black"), lw=1.3),
    )
    ax.text(
        (x0 + x1) / 2,
        (y0 + y1) / 2,
        LOCAL[start_node, end_node],
        ha="center",
        va="center",
        fontsize=8,
        color=plotting.color("black"),
        bbox=dict(facecolor="white", edgecolor="none", pad=1.5),
    )
for name, (x_pos, y_pos) in NODES.items():
    ax.text(
        x_pos,
        y_pos,
        f"{RULES[name]}\n= {forward[name]:g}",
        ha="center",
        va="center",
        fontsize=10,
        bbox=dict(
            boxstyle="round,pad=0.4", facecolor="white", edgecolor=plotting.color("blue"), lw=1.5
        ),
    )
    ax.text(
        x_pos,
        y_pos - 0.36,
        f"dJ/d{name} = {backward[name]:g}",
        ha="center",
        va="top",
        fontsize=9,
        color=plotting.color("red"),
        fontweight="bold",
    )
ax.annotate(
    "forward: values",
    xy=(5.2, 2.15),
    xytext=(3.4, 2.15),
    va="center",
    color=plotting.color("blue"),
    arrowprops=dict(arrowstyle="->", color=plotting.color("blue")),
)
ax.annotate(
    "backward: dJ/d·",
    xy=(1.5, 2.15),
    xytext=(3.1, 2.15),
    va="center",
    ha="right",
    color=plotting.color("red"),
    arrowprops=dict(arrowstyle="->", color=plotting.color("red")),
)
ax.set_xlim(-0.6, 5.5)
ax.set_ylim(-0.7, 2.4)
ax.axis("off")
ax.set_title(
    f"Computation graph of J = 3(a + bc) at a = {inputs['a']:g}, b = {inputs['b']:g}, "
    f"c = {inputs['c']:g}\nboxes: forward values; below them: dJ/d· from the backward "
    f"pass ({FRAMEWORK}'s autodiff: max difference {graph_error:g})"
)
lesson.savefig(fig, "computation_graph")

# %% [markdown]
# Read the boxes left to right for the forward pass (`u = 6`, `v = 11`, `J = 33`) and
# the bold numbers under the boxes right to left for the backward pass: each is the
# gradient of the node to its right times the local derivative written on the arrow.
# `dJ/db = 3 · 2 = 6` and `dJ/dc = 3 · 3 = 9`: changing `c` by 0.001 changes `J` by
# about 0.009. The local derivatives of `u = bc` use the forward values (`c` and `b`):
# that is why the forward pass keeps them.

# %% [markdown]
# ## 3. The sigmoid's derivative is `y (1 − y)`
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
ax.plot(
    x_sig[::16],
    numerical[::16],
    "o",
    ms=5,
    mfc="none",
    color=plotting.color("black"),
    label="finite difference of σ",
)
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
# ## 4. Forward pass, then backward pass, for a small network
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


weights = {k: ops.convert_to_tensor(v, "float64") for k, v in params.items()}
cost_autodiff, autodiff_grads = backend.value_and_grad(cost_of, weights)
by_autodiff = {"d" + k: backend.to_numpy(g) for k, g in autodiff_grads.items()}

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
# ## 5. What does a backward pass cost?
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
