"""Your own Keras components

Write the course's three components as real Keras objects — an L2 regularizer in the
course's λ/2m convention, an inverted-dropout layer with `keep_prob`, a He initializer —
then train a Keras model built from them.

Lessons: 11, 13, 18
"""

# %% [markdown]
# Keras lets you plug your own pieces into any model: a **regularizer** is a callable
# `keras.regularizers.Regularizer` that returns a penalty for one weight matrix; a
# **layer** subclasses `keras.layers.Layer` and does its work in `call(inputs, training)`;
# an **initializer** subclasses `keras.initializers.Initializer` and returns a tensor for
# `__call__(shape, dtype)`. Write the math with `keras.ops` and draw random numbers with
# `keras.random` (a `keras.random.SeedGenerator` made in `__init__`), and they run on every
# Keras backend. Each also needs `get_config`, so that Keras can save and rebuild it.
#
# Careful with shapes: a Keras `Dense` kernel is `(n_in, n_out)` — the transpose of
# the course's `W[l]` — so its fan-in is `shape[0]`.

# %%
import keras
import matplotlib.pyplot as plt

import dlcourse
from dlcourse import datasets
from dlcourse.exercises import check, hint, ready  # noqa: F401 (hint: when you are stuck)

# %% [markdown]
# ## 1. An L2 regularizer, λ/2m
# The penalty of one weight matrix: `(λ / 2m) Σ W²` — what
# `keras.regularizers.L2(λ / (2m))` computes, written in the course's terms.


# %%
class L2Regularizer(keras.regularizers.Regularizer):
    """The course's L2 term of one weight matrix, `(λ / 2m) Σ W²`.

    Args:
        lambd: λ.
        m: the number of training examples.
    """

    def __init__(self, lambd, m):
        self.lambd = lambd
        self.m = m

    def __call__(self, weights):
        ### BEGIN SOLUTION
        return self.lambd / (2 * self.m) * keras.ops.sum(keras.ops.square(weights))
        ### END SOLUTION

    def get_config(self):
        return {"lambd": self.lambd, "m": self.m}


# %%
check(L2Regularizer)

# %% [markdown]
# ## 2. Inverted dropout
# In training, keep each unit with probability `keep_prob` and divide the kept ones by
# `keep_prob`; at inference, return the inputs unchanged.


# %%
class InvertedDropout(keras.layers.Layer):
    """Inverted dropout with the course's `keep_prob`.

    Args:
        keep_prob: probability of keeping a unit.
        seed: seed of the masks.
    """

    def __init__(self, keep_prob, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.keep_prob = keep_prob
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        ### BEGIN SOLUTION
        if not training:
            return inputs
        draws = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
        return keras.ops.where(draws < self.keep_prob, inputs / self.keep_prob, 0.0)
        ### END SOLUTION

    def get_config(self):
        return {**super().get_config(), "keep_prob": self.keep_prob, "seed": self.seed}


# %%
check(InvertedDropout)

# %% [markdown]
# ## 3. He's initializer
# `Var(W) = 2 / fan_in`, with `fan_in = shape[0]` for a Keras kernel.


# %%
class HeInitializer(keras.initializers.Initializer):
    """He's normal initializer, `Var(W) = 2 / fan_in`.

    Args:
        seed: seed of the weights.
    """

    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        ### BEGIN SOLUTION
        stddev = (2 / shape[0]) ** 0.5
        return keras.random.normal(shape, stddev=stddev, dtype=dtype, seed=self.seed)
        ### END SOLUTION

    def get_config(self):
        return {"seed": self.seed}


# %%
check(HeInitializer)

# %% [markdown]
# ## 4. Your components in a Keras model
# Once the three checks pass: the same 2-64-64-1 ReLU net on 211 noisy points, built
# twice with `keras.layers.Dense` — plain, and with your He initializer, your L2
# regularizer (λ = 0.7) and your dropout (keep_prob 0.86) — and trained with `fit`
# (200 full-batch Adam steps); the legend gives train and dev accuracy.

# %%
if ready(L2Regularizer, InvertedDropout, HeInitializer):
    m = 211
    x_train, y_train = datasets.noisy_two_class(m, seed=0)
    x_dev, y_dev = datasets.noisy_two_class(1000, seed=1)

    def build(regularized):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((2,))
        h = inputs
        for units in (64, 64):
            h = keras.layers.Dense(
                units,
                activation="relu",
                kernel_initializer=HeInitializer(seed=units),
                kernel_regularizer=L2Regularizer(0.7, m) if regularized else None,
            )(h)
            if regularized:
                h = InvertedDropout(0.86, seed=units)(h)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
        model.compile(
            optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"]
        )
        return model

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    for name, regularized in (("plain Dense layers", False), ("your components", True)):
        model = build(regularized)
        # Full batches from a tf.data pipeline: Keras on TensorFlow rebuilds its own
        # pipeline for NumPy arrays every epoch (~35 ms here, against ~5 ms).
        batches = datasets.to_dataset(x_train, y_train, batch_size=m)
        history = model.fit(batches, epochs=200, shuffle=False, verbose=0)
        train_acc = model.evaluate(x_train, y_train, verbose=0)[1]
        dev_acc = model.evaluate(x_dev, y_dev, verbose=0)[1]
        ax.plot(history.history["loss"], label=f"{name}: train {train_acc:.1%}, dev {dev_acc:.1%}")
    ax.set(
        xlabel="epoch (one full-batch Adam step)",
        ylabel="training loss (with the L2 term)",
        yscale="log",
        title="Training with and without your components",
    )
    ax.legend(loc="upper right")
    plt.show()
    print("dlcourse's own versions:", dlcourse.L2(0.7, m), dlcourse.InvertedDropout(0.86))

# %% [markdown]
# The plain net drives its training loss toward zero and fits the noise of 211 points;
# with your components the loss stays higher — the L2 term and dropout's noise — and the
# train–dev gap is smaller. Your three classes are ordinary Keras citizens: they go into
# `Dense` and `Model`,
# train with `fit`, and (with `@keras.saving.register_keras_serializable()`) save and load
# with the model. dlcourse's `L2`, `InvertedDropout` and `He` are the same ideas with
# argument checks, serialization and tests on every backend (lessons 11, 13, 18).
