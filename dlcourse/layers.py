"""Course layers: Ng's inverted dropout and Goodfellow's maxout."""

import keras
from keras import ops

from dlcourse import initializers
from dlcourse._validation import check_float, check_int


@keras.saving.register_keras_serializable(package="dlcourse")
class InvertedDropout(keras.layers.Layer):
    """Inverted dropout with Ng's parameter `keep_prob`.

    In training, each unit is kept with probability `keep_prob` and the kept
    ones are scaled up so the expected activation is unchanged:

        d = uniform(shape) < keep_prob
        a = a * d / keep_prob

    At inference the layer does nothing. `keep_prob=1` means no dropout (the
    layer is then an identity even in training and draws no random numbers).
    Udacity's wording: with keep 0.5, double the kept activations in
    training. The older, non-inverted dropout skips the division and scales
    the weights by `keep_prob` at test time instead (Lee: "multiply the
    weights by (1 − p)").

    Keras equivalent: `keras.layers.Dropout(rate=1 - keep_prob)` (same
    distribution; the random draws differ).

    Args:
        keep_prob: Probability of keeping a unit, a float in `(0, 1]`.
        seed: Optional integer seed for the layer's
            `keras.random.SeedGenerator`; each training call draws a new
            mask from it.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Input tensor of any rank.
        training: Python boolean, `True` to drop units. `model.fit` sets it.

    Masks are passed through unchanged.

    Example:

    >>> layer = InvertedDropout(keep_prob=0.8, seed=1)
    >>> x = keras.ops.ones((1000, 100))
    >>> y = layer(x, training=True)
    >>> sorted(set(keras.ops.convert_to_numpy(y).ravel().tolist()))   # dropped, or kept / 0.8
    [0.0, 1.25]
    >>> round(float(keras.ops.mean(y)), 2)   # the expected activation is unchanged
    1.0
    >>> bool(keras.ops.all(layer(x) == x))   # inference: identity
    True

    Reference:
        Srivastava et al., 2014, "Dropout: A Simple Way to Prevent Neural
        Networks from Overfitting", https://jmlr.org/papers/v15/srivastava14a.html
    """

    def __init__(self, keep_prob, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.keep_prob = check_float(keep_prob, "keep_prob", low=0, high=1, low_open=True)
        self.seed = None if seed is None else check_int(seed, "seed", low=0)
        self.seed_generator = keras.random.SeedGenerator(self.seed) if self.keep_prob < 1 else None
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.keep_prob == 1.0:
            return inputs
        u = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator)
        d = ops.cast(ops.less(u, self.keep_prob), inputs.dtype)  # 1 = keep
        return ops.divide(ops.multiply(inputs, d), ops.cast(self.keep_prob, inputs.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "keep_prob": self.keep_prob,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="dlcourse")
class Maxout(keras.layers.Layer):
    """Dense maxout layer: each unit is the max of `pieces` affine maps.

        output[..., j] = max_k (x W_k + b_k)[j],   k = 1 .. pieces

    A maxout unit learns its own piecewise-linear, convex activation. ReLU is
    the special case with pieces `(z, 0)`; with two pieces `(x, −x)` a single
    unit computes `|x|` exactly.

    The kernel has shape `(n_in, units * pieces)`: column `j * pieces + k` is
    piece `k` of unit `j` (the bias is laid out the same way). Keeping the
    kernel 2-D lets Keras initializers see the fans of a Dense layer.

    Args:
        units: Number of output units, an integer `>= 1`.
        pieces: Number of affine pieces per unit, an integer `>= 1`.
        kernel_initializer: Initializer for the kernel: an instance, a Keras
            name, or one of ours (`"xavier"`, `"he"`, ...).
        bias_initializer: Initializer for the bias.
        kernel_regularizer: Optional regularizer for the kernel (for example
            `dlcourse.regularizers.L2(lambd, m)`).
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Call arguments:
        inputs: Tensor of shape `(..., n_in)`; output is `(..., units)`.

    Example (ReLU as maxout over `(z, 0)`, and `|x|`):

    >>> import numpy as np
    >>> layer = Maxout(units=1, pieces=2)
    >>> layer.build((None, 1))
    >>> layer.set_weights([np.array([[1.0, 0.0]]), np.zeros(2)])
    >>> x = np.array([[-2.0], [3.0]])
    >>> keras.ops.convert_to_numpy(layer(x)).ravel().tolist()  # ReLU
    [0.0, 3.0]
    >>> layer.set_weights([np.array([[1.0, -1.0]]), np.zeros(2)])
    >>> keras.ops.convert_to_numpy(layer(x)).ravel().tolist()  # |x|
    [2.0, 3.0]

    Reference:
        Goodfellow et al., 2013, "Maxout Networks",
        https://arxiv.org/abs/1302.4389
    """

    def __init__(
        self,
        units,
        pieces=2,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_int(units, "units", low=1)
        self.pieces = check_int(pieces, "pieces", low=1)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.input_spec = keras.layers.InputSpec(min_ndim=2)

    def build(self, input_shape):
        n_in = input_shape[-1]
        self.kernel = self.add_weight(
            name="kernel",
            shape=(n_in, self.units * self.pieces),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = self.add_weight(
            name="bias",
            shape=(self.units * self.pieces,),
            initializer=self.bias_initializer,
        )
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: n_in})

    def call(self, inputs):
        z = ops.add(ops.matmul(inputs, self.kernel), self.bias)  # (..., units*pieces)
        z = ops.reshape(z, (*ops.shape(z)[:-1], self.units, self.pieces))
        return ops.max(z, axis=-1)  # (..., units)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "pieces": self.pieces,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
