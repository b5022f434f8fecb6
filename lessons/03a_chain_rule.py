"""The chain rule and the computation graph

Works through the chain rule in its two cases (a chain `z = h(g(x))` and two paths
`z = k(g(s), h(s))`) and checks both against the framework's automatic differentiation
(TensorFlow, JAX or PyTorch, whichever Keras runs on); walks Ng's computation graph
`J = 3(a + bc)` forward (values) and backward (gradients); and checks
`sigmoid'(x) = y(1 − y)`, the form the backward pass of lesson 03b uses. This is the
first half of lesson 3; the second (03b) writes backpropagation for a whole network.

Claim: the chain rule by hand equals the framework's autodiff (both cases, Ng's graph: < 1e-12); σ'(x) = y(1 − y).
"""

# %% [markdown]
# Training needs `∂J/∂w` for every weight `w`. Backpropagation is the chain rule,
# applied in the right order so that nothing is computed twice (Hung-yi Lee's lecture).
# This lesson is about the rule itself; lesson 03b applies it to a whole network.
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
import matplotlib.pyplot as plt
import numpy as np
from keras import ops

from dlcourse import backend, plotting, scratch
from dlcourse.lesson import start

lesson = start(__file__)
FRAMEWORK = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}[backend.name()]

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
def z_chain(x):  # case 1; summed, so each grid point's gradient is its own dz/dx
    return ops.sum(ops.log(1 + x**2))


def z_paths(s):  # case 2
    x_path, y_path = s**2, ops.exp(-s)
    return ops.sum(x_path * y_path**2)


with backend.float64():  # JAX computes float64 only in its 64-bit mode: on for this block
    grid = ops.convert_to_tensor(np.linspace(-2.0, 2.0, 41), "float64")
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

with backend.float64():
    graph_inputs = {k: ops.convert_to_tensor(value, "float64") for k, value in inputs.items()}
    graph_cost, graph_grads = backend.value_and_grad(
        lambda v: 3 * (v["a"] + v["b"] * v["c"]), graph_inputs
    )
    graph_autodiff = {name: float(backend.to_numpy(graph_grads[name])) for name in inputs}
    graph_cost = float(backend.to_numpy(graph_cost))
graph_error = max(abs(backward[name] - graph_autodiff[name]) for name in inputs)
print(f"forward: {forward}\nbackward (dJ/d·): {backward}\n{FRAMEWORK}: {graph_autodiff}")
lesson.claim(
    f"computation graph J = 3(a + bc) at (5, 3, 2): chain rule by hand vs {FRAMEWORK}'s autodiff, "
    "max |difference| of dJ/da, dJ/db, dJ/dc",
    graph_error,
    target="< 1e-12",
    holds=graph_error < 1e-12 and graph_cost == forward["J"],
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
# ## What to remember
#
# - The chain rule: along a chain multiply the local derivatives; where a value reaches
#   the output by several paths, add the paths' products.
# - A computation graph computes values left to right (forward) and gradients right to
#   left (backward); each node needs only its local derivative, the gradient arriving
#   from its right, and the forward values, which is why the forward pass keeps them.
# - `σ'(z) = a(1 − a)` reuses the forward pass's `a`: no exponential again.
# - Next, lesson 03b: the same rule for every weight of a network, in matrix form.

# %%
lesson.finish()
