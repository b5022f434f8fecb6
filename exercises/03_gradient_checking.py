"""Gradient checking

Write Ng's N-dimensional gradient check — two-sided differences and the relative
difference — then use it to find the bugs planted in a backward pass.

Lessons: 04
"""

# %% [markdown]
# A backward pass can be wrong and still train, a little. Gradient checking compares it
# with what the cost itself says: nudge one parameter at a time by ±ε and measure the
# slope, `dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε` (error O(ε²), where the
# one-sided difference has O(ε)). Then
# `difference = ||dθ_approx − dθ||₂ / (||dθ_approx||₂ + ||dθ||₂)`: about 1e-7 is right,
# 1e-3 or more is very likely a bug.
#
# `scratch.parameters_to_vector(parameters)` flattens `W1, b1, W2, …` into θ;
# `scratch.vector_to_parameters(theta, parameters)` turns a vector back into a dict;
# `scratch.gradients_to_vector(grads, parameters)` flattens `dW1, db1, …` in the same order.

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import scratch
from dlcourse.exercises import check, hint, ready  # noqa: F401 (hint: when you are stuck)

# %% [markdown]
# ## 1. The check
# `cost_function(parameters)` returns the cost `J` for a parameters dict.


# %%
def gradient_check_n(cost_function, parameters, grads, epsilon=1e-7):
    """Ng's relative difference between two-sided finite differences and `grads`.

    Args:
        cost_function: `cost_function(parameters) -> float`.
        parameters: `{"W1", "b1", ...}` where to check (left unchanged).
        grads: the gradients to check, `{"dW1", "db1", ...}`.
        epsilon: the step ε.

    Returns:
        The relative difference, a float.
    """
    ### BEGIN SOLUTION
    theta = scratch.parameters_to_vector(parameters)
    grad = scratch.gradients_to_vector(grads, parameters)
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        theta_plus, theta_minus = np.copy(theta), np.copy(theta)
        theta_plus[i] += epsilon
        theta_minus[i] -= epsilon
        j_plus = cost_function(scratch.vector_to_parameters(theta_plus, parameters))
        j_minus = cost_function(scratch.vector_to_parameters(theta_minus, parameters))
        approx[i] = (j_plus - j_minus) / (2 * epsilon)
    return np.linalg.norm(approx - grad) / (np.linalg.norm(approx) + np.linalg.norm(grad))
    ### END SOLUTION


# %%
check(gradient_check_n)

# %% [markdown]
# ## 2. Your check finds the bugs
# Once it passes: Ng's assignment plants two bugs in a 3-layer net's backward pass —
# `dW2` doubled and a wrong constant in `db1`. Your check on the buggy gradients, and
# again after fixing them, at several ε.

# %%
if ready(gradient_check_n):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 3)), np.array([[1.0, 1.0, 0.0]])
    parameters = scratch.init_parameters([4, 5, 3, 1], initializer="xavier", seed=1)

    def cost_function(trial):
        return scratch.cost(scratch.forward(trial, x)[0], y)

    a_last, caches = scratch.forward(parameters, x)
    grads = scratch.backward(a_last, y, caches)
    buggy = dict(grads, dW2=grads["dW2"] * 2, db1=grads["db1"] + 4 / 3)
    epsilons = np.logspace(-10, -1, 19)
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for name, candidate in (("planted bugs", buggy), ("correct backward pass", grads)):
        ax.loglog(
            epsilons,
            [gradient_check_n(cost_function, parameters, candidate, e) for e in epsilons],
            "o-",
            label=name,
        )
    ax.axhspan(1e-3, 1, color="#f4cccc", label="≥ 1e-3: very likely a bug")
    ax.axhspan(1e-16, 1e-7, color="#d9ead3", label="≤ 1e-7: right")
    ax.set(
        xlabel="ε",
        ylabel="your relative difference",
        ylim=(1e-12, 1),
        title="Your gradient check on a buggy and a correct backward pass",
    )
    ax.legend(loc="lower left", fontsize=8)
    plt.show()
    print(
        f"buggy: {gradient_check_n(cost_function, parameters, buggy):.3g}; "
        f"correct: {gradient_check_n(cost_function, parameters, grads):.3g}"
    )

# %% [markdown]
# The planted bugs stand out at every ε (Ng's assignment reports 0.285 on its net). The
# correct gradients reach about 1e-7 or less — but only in a window of ε: too large and
# the difference's O(ε²) error shows; too small and floating-point round-off in
# `J(θ + ε) − J(θ − ε)` takes over. Lesson 04 draws both errors.
