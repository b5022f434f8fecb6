"""Optimization: mini-batches, momentum, Adam and learning-rate decay

Write the pieces of Ng's optimization assignment — random mini-batches, momentum, Adam
and two learning-rate decays — then train the same net on the moons with your momentum
and with your Adam.

Lessons: 05, 06, 22
"""

# %% [markdown]
# Mini-batch gradient descent takes a step after every `mini_batch_size` examples;
# momentum and Adam smooth those noisy steps with exponentially weighted averages; a
# decaying learning rate lets the iterate settle. Parameters are `dlcourse.scratch`'s dict
# `{"W1", "b1", …}`, gradients `{"dW1", "db1", …}`; the optimizer states `v` and `s` use
# the gradients' keys. Examples are columns: `x` is `(n[0], m)`, `y` is `(1, m)`.

# %%
import matplotlib.pyplot as plt
import numpy as np

from dlcourse import datasets, scratch
from dlcourse.exercises import check, hint, ready  # noqa: F401 (hint: when you are stuck)

# %% [markdown]
# ## 1. Random mini-batches
# Shuffle the columns of `x` and `y` with **one** permutation, then cut them into batches
# of `mini_batch_size`; the last batch holds what is left (`m mod mini_batch_size`).


# %%
def random_mini_batches(x, y, mini_batch_size=64, seed=0):
    """Shuffled mini-batches of the examples (columns) of `x` and `y`.

    Args:
        x: inputs, `(n[0], m)`.
        y: labels, `(1, m)`.
        mini_batch_size: examples per batch.
        seed: seed of the shuffle.

    Returns:
        A list of `(x_batch, y_batch)` pairs.
    """
    ### BEGIN SOLUTION
    m = x.shape[1]
    permutation = np.random.default_rng(seed).permutation(m)
    x, y = x[:, permutation], y[:, permutation]
    return [
        (x[:, k : k + mini_batch_size], y[:, k : k + mini_batch_size])
        for k in range(0, m, mini_batch_size)
    ]
    ### END SOLUTION


# %%
check(random_mini_batches)

# %% [markdown]
# ## 2. Momentum
# `v_dW = β v_dW + (1 − β) dW`, then `W = W − α v_dW`, for every `W` and `b`. The velocity
# starts at zero.


# %%
def initialize_velocity(parameters):
    """Zeros shaped like each parameter, keyed `"dW1", "db1", ...`."""
    ### BEGIN SOLUTION
    return {"d" + key: np.zeros_like(value) for key, value in parameters.items()}
    ### END SOLUTION


# %%
check(initialize_velocity)


# %%
def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    """One step of gradient descent with momentum.

    Args:
        parameters: `{"W1", "b1", ...}`.
        grads: `{"dW1", "db1", ...}`.
        v: the velocities, `{"dW1", "db1", ...}`.
        beta: β, the momentum.
        learning_rate: α.

    Returns:
        `(parameters, v)`, both updated.
    """
    ### BEGIN SOLUTION
    parameters, v = dict(parameters), dict(v)
    for key in parameters:
        v["d" + key] = beta * v["d" + key] + (1 - beta) * grads["d" + key]
        parameters[key] = parameters[key] - learning_rate * v["d" + key]
    return parameters, v
    ### END SOLUTION


# %%
check(update_parameters_with_momentum)

# %% [markdown]
# ## 3. Adam
# Momentum's `v` and RMSProp's `s` together, both bias-corrected (`t` counts the steps
# from 1): `v = β1 v + (1 − β1) dW`, `s = β2 s + (1 − β2) dW²`,
# `v_corrected = v / (1 − β1^t)`, `s_corrected = s / (1 − β2^t)`,
# `W = W − α v_corrected / (√s_corrected + ε)`.


# %%
def initialize_adam(parameters):
    """`(v, s)`: zeros shaped like each parameter, keyed `"dW1", "db1", ...`."""
    ### BEGIN SOLUTION
    v = {"d" + key: np.zeros_like(value) for key, value in parameters.items()}
    s = {"d" + key: np.zeros_like(value) for key, value in parameters.items()}
    return v, s
    ### END SOLUTION


# %%
check(initialize_adam)


# %%
def update_parameters_with_adam(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    """One Adam step.

    Args:
        parameters, grads: as for momentum.
        v, s: the first and second moment estimates, keyed like `grads`.
        t: the step number, from 1.
        learning_rate: α.
        beta1, beta2: the averaging coefficients.
        epsilon: ε, added to the square root.

    Returns:
        `(parameters, v, s, v_corrected, s_corrected)`.
    """
    ### BEGIN SOLUTION
    parameters, v, s = dict(parameters), dict(v), dict(s)
    v_corrected, s_corrected = {}, {}
    for key in parameters:
        name = "d" + key
        v[name] = beta1 * v[name] + (1 - beta1) * grads[name]
        s[name] = beta2 * s[name] + (1 - beta2) * grads[name] ** 2
        v_corrected[name] = v[name] / (1 - beta1**t)
        s_corrected[name] = s[name] / (1 - beta2**t)
        step = v_corrected[name] / (np.sqrt(s_corrected[name]) + epsilon)
        parameters[key] = parameters[key] - learning_rate * step
    return parameters, v, s, v_corrected, s_corrected
    ### END SOLUTION


# %%
check(update_parameters_with_adam)

# %% [markdown]
# ## 4. Learning-rate decay
# Per epoch: `α = α₀ / (1 + decay_rate · epoch_num)`. Decaying every epoch from a large
# `decay_rate` drives α to almost 0 too soon, so Ng also decays at fixed intervals:
# `α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)`.


# %%
def update_lr(learning_rate0, epoch_num, decay_rate):
    """The learning rate after `epoch_num` epochs of per-epoch decay."""
    ### BEGIN SOLUTION
    return learning_rate0 / (1 + decay_rate * epoch_num)
    ### END SOLUTION


# %%
check(update_lr)


# %%
def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    """The learning rate after `epoch_num` epochs, decayed once every `time_interval`."""
    ### BEGIN SOLUTION
    return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))
    ### END SOLUTION


# %%
check(schedule_lr_decay)

# %% [markdown]
# ## 5. Your optimizers at work
# Once the checks pass: Ng's `[2, 5, 2, 1]` net on the moons (300 points), mini-batches
# of 64 from your `random_mini_batches`, learning rate 0.0007 (Ng's), trained with your
# momentum and with your Adam. Ng's assignment reports 79.7% train accuracy for
# momentum and 94% for Adam after 10,000 epochs; we train fewer.

# %%
if ready(
    random_mini_batches,
    initialize_velocity,
    update_parameters_with_momentum,
    initialize_adam,
    update_parameters_with_adam,
):
    x, y = datasets.moons(300, noise=0.2, seed=3)
    x, y = x.T, y.reshape(1, -1)

    def train(optimizer, epochs=1500, learning_rate=0.0007):
        parameters = scratch.init_parameters([2, 5, 2, 1], initializer="he", seed=3)
        v = initialize_velocity(parameters)
        v_adam, s_adam = initialize_adam(parameters)
        costs, t = [], 0
        for epoch in range(epochs):
            for x_batch, y_batch in random_mini_batches(x, y, 64, seed=epoch):
                a_last, caches = scratch.forward(parameters, x_batch)
                grads = scratch.backward(a_last, y_batch, caches)
                if optimizer == "momentum":
                    parameters, v = update_parameters_with_momentum(
                        parameters, grads, v, 0.9, learning_rate
                    )
                else:
                    t += 1
                    parameters, v_adam, s_adam, _, _ = update_parameters_with_adam(
                        parameters, grads, v_adam, s_adam, t, learning_rate
                    )
            costs.append(scratch.cost(scratch.forward(parameters, x)[0], y))
        accuracy = float(np.mean((scratch.forward(parameters, x)[0] > 0.5) == y))
        return costs, accuracy

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for optimizer in ("momentum", "adam"):
        costs, accuracy = train(optimizer)
        ax.plot(costs, label=f"your {optimizer}: train accuracy {accuracy:.1%}")
    ax.set(
        xlabel="epoch",
        ylabel="cost J (whole training set)",
        title="Your momentum and your Adam on the moons, α = 0.0007",
    )
    ax.legend(loc="upper right")
    plt.show()

# %% [markdown]
# At Ng's small learning rate, momentum creeps: each of its steps is about α times the
# gradient. Adam divides each step by the root mean square of recent gradients, so its
# steps have about the size α whatever the gradient's scale, and it gets much further in
# the same number of epochs. Lesson 06 measures steps to a target loss for each
# optimizer at its best learning rate.
