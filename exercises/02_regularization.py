"""Regularization: L2 and dropout

Write the L2-regularized cost and its backward pass, then inverted dropout forward and
backward, in Ng's from-scratch conventions; then train an overfitting net with each of
your regularizers.

Lessons: 11, 13
"""

# %% [markdown]
# Two ways to fight overfitting, written by hand. **L2** adds `(λ / 2m) Σ_l ||W[l]||²` to the
# cost — the weights only, never the biases — so every `dW[l]` gains `(λ/m) W[l]`.
# **Inverted dropout** switches each hidden unit off with probability `1 − keep_prob` on
# every training step and divides the survivors by `keep_prob`; the backward pass must
# switch off the *same* units.
#
# The network is `dlcourse.scratch`'s: examples are columns, ReLU hidden layers and a
# sigmoid output; `scratch.forward(parameters, x)` returns `(a_last, caches)` with one
# cache `(a_prev, W, z, a, d)` per layer (`d` is the dropout mask, or `None`).

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import datasets, scratch
from dlcourse.exercises import check, hint, ready  # noqa: F401 (hint: when you are stuck)

# %% [markdown]
# ## 1. The L2-regularized cost
# `J = cross-entropy + (λ / 2m) Σ_l ||W[l]||²_F`. `scratch.cost(a_last, y)` gives the
# cross-entropy part.


# %%
def compute_cost_with_regularization(a_last, y, parameters, lambd):
    """The cross-entropy cost plus the L2 term of every weight matrix.

    Args:
        a_last: the output `A[L]`, shape `(1, m)`.
        y: the labels, shape `(1, m)`.
        parameters: `{"W1", "b1", ..., "WL", "bL"}`.
        lambd: λ, the regularization strength.

    Returns:
        The cost, a float.
    """
    ### BEGIN SOLUTION
    m = y.shape[1]
    weights = [value for key, value in parameters.items() if key.startswith("W")]
    l2 = sum(np.sum(np.square(w)) for w in weights)
    return scratch.cost(a_last, y) + lambd / (2 * m) * l2
    ### END SOLUTION


# %%
check(compute_cost_with_regularization)

# %% [markdown]
# ## 2. Backward pass with L2
# The plain backward pass, with `(λ/m) W[l]` added to every `dW[l]`:
# `dZ[L] = A[L] − Y`, `dW[l] = (1/m) dZ[l] A[l−1]ᵀ + (λ/m) W[l]`,
# `db[l] = (1/m) Σ dZ[l]`, `dA[l−1] = W[l]ᵀ dZ[l]`, `dZ[l−1] = dA[l−1] · (Z[l−1] > 0)`.


# %%
def backward_propagation_with_regularization(a_last, y, caches, lambd):
    """The gradients of `compute_cost_with_regularization`.

    Args:
        a_last: the output `A[L]`, `(1, m)`.
        y: the labels, `(1, m)`.
        caches: from `scratch.forward`: per layer `(a_prev, W, z, a, d)`.
        lambd: λ.

    Returns:
        `{"dW1", "db1", ..., "dWL", "dbL"}`, shaped like the parameters.
    """
    ### BEGIN SOLUTION
    m = y.shape[1]
    grads = {}
    dz = a_last - y
    for l in range(len(caches), 0, -1):
        a_prev, w, _, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T / m + lambd / m * w
        grads[f"db{l}"] = np.sum(dz, axis=1, keepdims=True) / m
        if l > 1:
            z_prev = caches[l - 2][2]
            dz = (w.T @ dz) * (z_prev > 0)
    return grads
    ### END SOLUTION


# %%
check(backward_propagation_with_regularization)

# %% [markdown]
# ## 3. Forward pass with dropout
# For each hidden layer: `a = relu(z)`, then `d = (random numbers < keep_prob)` of the
# shape of `a`, `a = a * d / keep_prob`, and keep `d` in the layer's cache. Draw with
# `rng` (a `np.random.Generator`). The input and the sigmoid output are never dropped.


# %%
def forward_propagation_with_dropout(x, parameters, keep_prob, rng):
    """Forward pass with inverted dropout on the hidden layers.

    Args:
        x: inputs, `(n[0], m)`.
        parameters: `{"W1", "b1", ...}`.
        keep_prob: probability of keeping a hidden unit.
        rng: a `np.random.Generator` for the masks.

    Returns:
        `(a_last, caches)`, `caches[l - 1] = (a_prev, W, z, a, d)` as `scratch.forward`
        makes them (`d` the layer's 0/1 mask, `None` for the output layer).
    """
    ### BEGIN SOLUTION
    num_layers = len(parameters) // 2
    a, caches = x, []
    for l in range(1, num_layers + 1):
        a_prev, w, b = a, parameters[f"W{l}"], parameters[f"b{l}"]
        z = w @ a_prev + b
        d = None
        if l < num_layers:
            d = rng.random(z.shape) < keep_prob
            a = np.maximum(z, 0) * d / keep_prob
        else:
            a = scratch.sigmoid(z)
        caches.append((a_prev, w, z, a, d))
    return a, caches
    ### END SOLUTION


# %%
check(forward_propagation_with_dropout)

# %% [markdown]
# ## 4. Backward pass with dropout
# The plain backward pass, but each `dA[l]` of a hidden layer is multiplied by the mask
# `d` of that layer's cache and divided by `keep_prob` — the forward pass's mask, not a
# new one.


# %%
def backward_propagation_with_dropout(a_last, y, caches, keep_prob):
    """The gradients of the cross-entropy cost through the forward pass's dropout masks.

    Args:
        a_last: the output `A[L]`, `(1, m)`.
        y: the labels, `(1, m)`.
        caches: from `forward_propagation_with_dropout`.
        keep_prob: as given to the forward pass.

    Returns:
        `{"dW1", "db1", ..., "dWL", "dbL"}`.
    """
    ### BEGIN SOLUTION
    m = y.shape[1]
    grads = {}
    dz = a_last - y
    for l in range(len(caches), 0, -1):
        a_prev, w, _, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T / m
        grads[f"db{l}"] = np.sum(dz, axis=1, keepdims=True) / m
        if l > 1:
            _, _, z_prev, _, d_prev = caches[l - 2]
            da_prev = w.T @ dz * d_prev / keep_prob
            dz = da_prev * (z_prev > 0)
    return grads
    ### END SOLUTION


# %%
check(backward_propagation_with_dropout)

# %% [markdown]
# ## 5. Your regularizers at work
# Once the four checks pass: a `[2, 64, 64, 1]` ReLU net overfits 211 noisy points
# (`datasets.noisy_two_class`, the stand-in for Ng's football data). We train it three
# times with full-batch gradient descent — plain, with your L2 (λ = 0.7), with your
# dropout (keep_prob = 0.86) — and compare train and dev accuracy.

# %%
if ready(
    compute_cost_with_regularization,
    backward_propagation_with_regularization,
    forward_propagation_with_dropout,
    backward_propagation_with_dropout,
):
    x_train, y_train = datasets.noisy_two_class(211, seed=0)
    x_dev, y_dev = datasets.noisy_two_class(1000, seed=1)
    x_train, x_dev = x_train.T, x_dev.T  # examples as columns
    y_train, y_dev = y_train.reshape(1, -1), y_dev.reshape(1, -1)

    def train(lambd=0.0, keep_prob=1.0, steps=1000, learning_rate=0.3):
        parameters = scratch.init_parameters([2, 64, 64, 1], initializer="he", seed=0)
        rng, costs = np.random.default_rng(0), []
        for _ in range(steps):
            if keep_prob < 1:
                a_last, caches = forward_propagation_with_dropout(
                    x_train, parameters, keep_prob, rng
                )
                grads = backward_propagation_with_dropout(a_last, y_train, caches, keep_prob)
            else:
                a_last, caches = scratch.forward(parameters, x_train)
                grads = backward_propagation_with_regularization(a_last, y_train, caches, lambd)
            costs.append(compute_cost_with_regularization(a_last, y_train, parameters, lambd))
            parameters = scratch.update_parameters(parameters, grads, learning_rate)
        return parameters, costs

    def accuracy(parameters, x, y):
        return float(np.mean((scratch.forward(parameters, x)[0] > 0.5) == y))

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for name, settings in {
        "no regularization": {},
        "your L2, λ = 0.7": {"lambd": 0.7},
        "your dropout, keep_prob = 0.86": {"keep_prob": 0.86},
    }.items():
        parameters, costs = train(**settings)
        train_acc, dev_acc = (
            accuracy(parameters, x_train, y_train),
            accuracy(parameters, x_dev, y_dev),
        )
        ax.plot(costs, label=f"{name}: train {train_acc:.1%}, dev {dev_acc:.1%}")
    ax.set(
        xlabel="gradient-descent step",
        ylabel="training cost J",
        yscale="log",
        title="Training cost with your regularizers (accuracies in the legend)",
    )
    ax.legend(loc="upper right", fontsize=8)
    plt.show()

# %% [markdown]
# Read the legend first: without regularization the net fits some of the noise of 211
# points, and its dev accuracy is the lowest of the three (86% here, against about 89%
# with either regularizer). The curves are not directly comparable — your L2 cost
# includes the `(λ/2m) Σ ||W||²` term, which stays large while the weights must stay
# small — but they show the character of each: L2 descends smoothly, dropout's cost is
# noisy because every step trains a different thinned network. Lessons 11 and 13
# measure these effects over seeds.
