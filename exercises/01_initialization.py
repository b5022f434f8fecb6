"""Initialization

Write the three initializations of Ng's assignment — zeros, large random (a standard
normal × 10) and He — then train the same network with each and look at what they do.

Lessons: 18
"""

# %% [markdown]
# A network's weights must start somewhere. Ng's assignment tries three starts on the
# same 3-layer ReLU net: **zeros** (every unit of a layer computes the same thing, forever),
# **large random** values (a standard normal × 10: a huge initial cost and slow progress)
# and **He** (`Var(W[l]) = 2 / n[l−1]`, made for ReLU). The conventions are
# `dlcourse.scratch`'s: `layer_dims = [n[0], …, n[L]]`, `W[l]` of shape `(n[l], n[l−1])`,
# `b[l]` of shape `(n[l], 1)`, all in one dict `parameters = {"W1", "b1", …}`.
#
# Write each function where it says so, then run the cell below it: `check` tells you
# what it found, and `hint("initialize_parameters_he")` helps if you are stuck.

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import datasets, plotting, scratch
from dlcourse.exercises import check, hint, ready  # noqa: F401 (hint: when you are stuck)

# %% [markdown]
# ## 1. Zeros
# `W[l] = 0` and `b[l] = 0` for every layer.


# %%
def initialize_parameters_zeros(layer_dims):
    """Every weight and bias zero.

    Args:
        layer_dims: layer sizes `[n[0], n[1], ..., n[L]]`, input first.

    Returns:
        `{"W1": (n[1], n[0]) zeros, "b1": (n[1], 1) zeros, ..., "WL", "bL"}`.
    """
    ### BEGIN SOLUTION
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters
    ### END SOLUTION


# %%
check(initialize_parameters_zeros)

# %% [markdown]
# ## 2. Large random
# `W[l] = standard normal × 10`, `b[l] = 0`. Draw your numbers from `seed`
# (`np.random.default_rng(seed)`, or `np.random.seed(seed)` and `np.random.randn`):
# the same seed must give the same weights.


# %%
def initialize_parameters_random(layer_dims, seed=0):
    """Weights from a standard normal distribution times 10, zero biases.

    Args:
        layer_dims: layer sizes `[n[0], ..., n[L]]`.
        seed: seed of the random numbers.

    Returns:
        The `parameters` dict.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * 10
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters
    ### END SOLUTION


# %%
check(initialize_parameters_random)

# %% [markdown]
# ## 3. He
# `W[l] = standard normal × √(2 / n[l−1])`, `b[l] = 0`: each unit's weighted sum keeps the
# variance of its inputs through a ReLU (He et al., 2015).


# %%
def initialize_parameters_he(layer_dims, seed=0):
    """He initialization: `Var(W[l]) = 2 / n[l−1]`, zero biases.

    Args:
        layer_dims: layer sizes `[n[0], ..., n[L]]`.
        seed: seed of the random numbers.

    Returns:
        The `parameters` dict.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        scale = np.sqrt(2 / layer_dims[l - 1])
        parameters[f"W{l}"] = rng.standard_normal((layer_dims[l], layer_dims[l - 1])) * scale
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters
    ### END SOLUTION


# %%
check(initialize_parameters_he)

# %% [markdown]
# ## 4. Your initializations at work
# Once the three checks pass, this trains Ng's `[2, 10, 5, 1]` ReLU net on the circles
# with full-batch gradient descent (`dlcourse.scratch`'s forward and backward passes),
# once from each of *your* initializations.

# %%
if ready(initialize_parameters_zeros, initialize_parameters_random, initialize_parameters_he):
    x, y = datasets.circles(300, noise=0.05, seed=1)  # rows are examples: transpose
    starts = {
        "zeros": initialize_parameters_zeros([2, 10, 5, 1]),
        "large random": initialize_parameters_random([2, 10, 5, 1], seed=3),
        "He": initialize_parameters_he([2, 10, 5, 1], seed=3),
    }
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    for ax, (name, parameters) in zip(axes, starts.items()):
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            for _ in range(3000):
                a_last, caches = scratch.forward(parameters, x.T)
                parameters = scratch.update_parameters(
                    parameters, scratch.backward(a_last, y, caches), learning_rate=0.05
                )
            accuracy = np.mean((scratch.forward(parameters, x.T)[0] > 0.5) == y)
        plotting.plot_decision_boundary(
            ax,
            lambda points, p=parameters: scratch.forward(p, points.T)[0].T,
            x,
            y,
            title=f"{name}: train accuracy {accuracy:.0%}",
        )
        ax.set(xlabel="$x_1$", ylabel="$x_2$")
    fig.suptitle("3,000 gradient-descent steps from your three initializations")
    plt.show()

# %% [markdown]
# Zeros leave every unit of a layer identical, so the net can only draw what one unit
# draws: a straight line at best (here, usually one class everywhere, 50%). The large
# random start saturates the sigmoid output — a huge initial cost — and progresses slowly;
# He's start trains to a closed boundary around the inner circle. Lesson 18 measures
# the same on deeper nets.
