"""Weight initializers as the course states them: large random, Xavier, He.

Each one draws from a zero-mean distribution with a stated variance:

    LargeRandom    w ~ N(0, 1) * scale           (Ng's "large random", scale 10)
    Xavier fan_in  Var(w) = scale / n_in          (Ng's form, for tanh)
    Xavier fan_avg Var(w) = 2 * scale / (n_in + n_out)   (Glorot's original)
    He             Var(w) = 2 * scale / n_in      (for ReLU)

`distribution="normal"` is the plain (untruncated) normal with exactly that
standard deviation; `"uniform"` is `U[-limit, limit]` with
`limit = sqrt(3 * Var)`. Use `get("zeros" | "large_random" | "xavier" | "he")`
to turn the course's names into initializers.

Seeds follow Keras 3: an integer seed (or `None`, which picks one integer at
construction) gives the *same* values on every call, exactly like
`keras.initializers.HeNormal(seed=...)`; pass a `keras.random.SeedGenerator`
to get new values on each call. Give each layer its own initializer.
"""

import math
import numbers
import random

import keras

from dlcourse._validation import check_choice, check_float, invalid_value

# The course's initializer names are defined once, in `COURSE_INITIALIZERS` below the
# classes: `get` (Keras) and `dlcourse.scratch.init_parameters` (NumPy, via `variance`).


def compute_fans(shape):
    """Return `(fan_in, fan_out)` for a weight shape, as Keras counts them.

    Dense kernel `(n_in, n_out)` → `(n_in, n_out)`; conv kernel
    `(*kernel_size, c_in, c_out)` → `(k * c_in, k * c_out)` with `k` the
    receptive-field size (product of `kernel_size`); 1-D `(n,)` → `(n, n)`;
    scalars → `(1, 1)`.

    Args:
        shape: A weight shape, a sequence of ints.

    Returns:
        `(fan_in, fan_out)`, two ints.

    Example:

    >>> compute_fans((3, 3, 16, 32))   # 3x3 conv, 16 -> 32 channels: 9 * 16, 9 * 32
    (144, 288)
    """
    shape = tuple(int(dim) for dim in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class _SeededInitializer(keras.initializers.Initializer):
    """Seed handling that mirrors Keras's own random initializers.

    `seed` may be an int, `None` (an int is drawn now from Python's `random`,
    which `keras.utils.set_random_seed` seeds) or a `keras.random.SeedGenerator`.
    """

    def __init__(self, seed=None):
        if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
            seed = int(seed)  # NumPy ints too; keeps the config JSON-friendly
        self._init_seed = seed
        if seed is None:
            seed = random.randint(1, int(1e9))
        elif isinstance(seed, dict):
            seed = keras.saving.deserialize_keras_object(seed)
        if isinstance(seed, bool) or not isinstance(seed, (int, keras.random.SeedGenerator)):
            raise invalid_value("seed", seed, "an int, None or a keras.random.SeedGenerator")
        self.seed = seed

    def _draw(self, shape, dtype, distribution, variance):
        """Zero-mean sample with the given variance."""
        if distribution == "normal":
            return keras.random.normal(
                shape, mean=0.0, stddev=math.sqrt(variance), dtype=dtype, seed=self.seed
            )
        limit = math.sqrt(3.0 * variance)
        return keras.random.uniform(shape, minval=-limit, maxval=limit, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"seed": keras.saving.serialize_keras_object(self._init_seed)}


@keras.saving.register_keras_serializable(package="dlcourse")
class Xavier(_SeededInitializer):
    """Xavier initializer: `Var(w) = scale / n_in` (Ng) or Glorot's `2 / (n_in + n_out)`.

    - `mode="fan_in"`: `Var(w) = scale / n_in` — Ng's form, good for tanh.
    - `mode="fan_avg"`: `Var(w) = 2 * scale / (n_in + n_out)` — Glorot &
      Bengio's normalized initialization.

    `distribution="normal"` draws from `N(0, Var)` (not truncated);
    `"uniform"` draws from `U[-limit, limit]`, `limit = sqrt(3 * Var)`.

    Keras equivalents: `Xavier(mode="fan_avg", distribution="uniform")` is
    `keras.initializers.GlorotUniform()`; the fan_in normal form is
    `keras.initializers.VarianceScaling(scale, "fan_in", "untruncated_normal")`.
    (Keras's `GlorotNormal` uses a truncated normal: same variance, no tails.)

    Args:
        distribution: `"normal"` or `"uniform"`.
        mode: `"fan_in"` or `"fan_avg"`.
        scale: Positive finite multiplier on the variance (a hyper-parameter
            Ng suggests tuning).
        seed: An int, `None` or a `keras.random.SeedGenerator`. An int or
            `None` gives the same values on every call (as in Keras); a
            `SeedGenerator` gives new values each call.

    Call arguments:
        shape: Weight shape; fans are computed as in `compute_fans`.
        dtype: Optional float dtype.

    Example:

    >>> init = Xavier(seed=0)
    >>> w = init((500, 100))
    >>> round(float(keras.ops.std(w)), 3), round((1 / 500) ** 0.5, 3)
    (0.045, 0.045)
    >>> bool(keras.ops.all(init((500, 100)) == w))   # an int seed: the same values every call
    True
    >>> layer = keras.layers.Dense(100, activation="tanh", kernel_initializer=init)

    Reference:
        Glorot & Bengio, 2010, "Understanding the difficulty of training deep
        feedforward neural networks", https://proceedings.mlr.press/v9/glorot10a.html
    """

    def __init__(self, distribution="normal", mode="fan_in", scale=1.0, seed=None):
        self.distribution = check_choice(distribution, "distribution", ("normal", "uniform"))
        self.mode = check_choice(mode, "mode", ("fan_in", "fan_avg"))
        self.scale = check_float(scale, "scale", low=0, low_open=True)
        super().__init__(seed=seed)

    def variance(self, shape):
        """The variance this initializer targets for `shape`."""
        fan_in, fan_out = compute_fans(shape)
        if self.mode == "fan_in":
            return self.scale / max(1, fan_in)
        return 2.0 * self.scale / max(1, fan_in + fan_out)

    def __call__(self, shape, dtype=None):
        return self._draw(shape, dtype, self.distribution, self.variance(shape))

    def get_config(self):
        return {
            **super().get_config(),
            "distribution": self.distribution,
            "mode": self.mode,
            "scale": self.scale,
        }


@keras.saving.register_keras_serializable(package="dlcourse")
class He(_SeededInitializer):
    """He initializer for ReLU layers: `Var(w) = 2 * scale / n_in`.

    ReLU zeroes half of its inputs, so `Var[y_l] = ½ n_l Var[w_l] Var[y_{l−1}]`;
    `Var(w) = 2 / n_in` keeps the signal's variance constant through depth
    (with `1 / n_in` it shrinks by `1/√2` per layer).

    `distribution="normal"` draws from `N(0, 2 * scale / n_in)` — the plain
    normal of the course formula. Keras's `he_normal` instead draws from a
    truncated normal with a corrected std, so the two share the variance but
    not the tails. `"uniform"` draws from `U[-limit, limit]`,
    `limit = sqrt(6 * scale / n_in)`, which equals `keras.initializers.HeUniform()`
    for `scale=1`.

    Args:
        distribution: `"normal"` or `"uniform"`.
        scale: Positive finite multiplier on the variance.
        seed: An int, `None` or a `keras.random.SeedGenerator` (see `Xavier`).

    Call arguments:
        shape: Weight shape; `n_in` is the fan-in from `compute_fans`.
        dtype: Optional float dtype.

    Example:

    >>> init = He(seed=0)
    >>> w = init((400, 500))
    >>> round(float(keras.ops.std(w)), 4), round((2 / 400) ** 0.5, 4)
    (0.0707, 0.0707)
    >>> layer = keras.layers.Dense(500, activation="relu", kernel_initializer=init)

    Reference:
        He et al., 2015, "Delving Deep into Rectifiers",
        https://arxiv.org/abs/1502.01852
    """

    def __init__(self, distribution="normal", scale=1.0, seed=None):
        self.distribution = check_choice(distribution, "distribution", ("normal", "uniform"))
        self.scale = check_float(scale, "scale", low=0, low_open=True)
        super().__init__(seed=seed)

    def variance(self, shape):
        """The variance this initializer targets for `shape`."""
        fan_in, _ = compute_fans(shape)
        return 2.0 * self.scale / max(1, fan_in)

    def __call__(self, shape, dtype=None):
        return self._draw(shape, dtype, self.distribution, self.variance(shape))

    def get_config(self):
        return {
            **super().get_config(),
            "distribution": self.distribution,
            "scale": self.scale,
        }


@keras.saving.register_keras_serializable(package="dlcourse")
class LargeRandom(_SeededInitializer):
    """Ng's "large random" initialization: `w = standard_normal(shape) * scale`.

    With the default `scale=10` the initial cost is huge and training is slow
    or unstable — the point of the lesson. Unlike Xavier and He the spread
    does not depend on the layer's size.

    Args:
        scale: Positive finite standard deviation (default 10).
        seed: An int, `None` or a `keras.random.SeedGenerator` (see `Xavier`).

    Call arguments:
        shape: Weight shape.
        dtype: Optional float dtype.

    Example:

    >>> w = LargeRandom(seed=0)((100, 100))   # like np.random.randn(100, 100) * 10
    >>> round(float(keras.ops.std(w)))   # whatever the layer's size
    10
    """

    def __init__(self, scale=10.0, seed=None):
        self.scale = check_float(scale, "scale", low=0, low_open=True)
        super().__init__(seed=seed)

    def variance(self, shape):
        """The variance this initializer targets: `scale²`, whatever the shape."""
        return self.scale**2

    def __call__(self, shape, dtype=None):
        return self._draw(shape, dtype, "normal", self.variance(shape))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


#: The course's initializer names → (the rule as the course states it, the
#: initializer with the course's defaults). One table for `get` (Keras) and
#: `dlcourse.scratch.init_parameters` (NumPy). Ng's first course also uses
#: "small random" weights (`randn × 0.01`); that is `LargeRandom(scale=0.01)`,
#: so the course's name list keeps the four names its week-1 lesson compares.
COURSE_INITIALIZERS = {
    "zeros": ("w = 0 (fails: symmetry)", keras.initializers.Zeros),
    "large_random": ("w = N(0, 1) × 10", LargeRandom),
    "xavier": ("Var(w) = 1 / n[l−1]", Xavier),
    "he": ("Var(w) = 2 / n[l−1]", He),
}
COURSE_NAMES = tuple(COURSE_INITIALIZERS)


def _course_name(identifier):
    """The table key for a course name in any case, else `None`."""
    if isinstance(identifier, str) and identifier.lower() in COURSE_INITIALIZERS:
        return identifier.lower()
    return None


def variance(name, shape):
    """`Var(w)` that the course initializer `name` draws a weight of `shape` with.

    The same rule `get(name)` follows, for code that draws its own weights
    (`dlcourse.scratch.init_parameters` passes the Keras kernel shape
    `(n[l−1], n[l])`). Zero for `"zeros"`.

    Args:
        name: A course name (any case): `"zeros"`, `"large_random"`,
            `"xavier"` or `"he"`.
        shape: Weight shape, fans as in `compute_fans`.

    Returns:
        The variance, a float.

    Raises:
        ValueError: if `name` is not a course name.

    Example:

    >>> variance("he", (400, 500)), variance("large_random", (2, 3))
    (0.005, 100.0)
    """
    key = _course_name(name)
    if key is None:
        raise invalid_value(
            "name", name, "one of " + ", ".join(repr(n) for n in COURSE_NAMES) + " (any case)"
        )
    cls = COURSE_INITIALIZERS[key][1]
    if cls is keras.initializers.Zeros:
        return 0.0
    return float(cls(seed=0).variance(shape))  # seed=0: no draw from Python's `random`


def get(identifier):
    """Return an initializer for a course name, or defer to `keras.initializers.get`.

    Course names (case-insensitive, the table `COURSE_INITIALIZERS`):
    `"zeros"`, `"large_random"`, `"xavier"` (Ng's `1 / n_in` normal), `"he"`
    (`2 / n_in` normal). Anything else —
    Keras names such as `"glorot_uniform"`, instances, configs, callables,
    `None` — goes to `keras.initializers.get`.

    Args:
        identifier: A course name, or anything `keras.initializers.get` accepts.

    Returns:
        A `keras.initializers.Initializer` (or what Keras returns, e.g. `None`
        for `None`).

    Raises:
        ValueError: for a string that is neither a course name nor a Keras one.

    Example:

    >>> isinstance(get("He"), He)
    True
    >>> type(get("glorot_uniform")).__name__
    'GlorotUniform'
    """
    key = _course_name(identifier)
    if key is not None:
        return COURSE_INITIALIZERS[key][1]()
    if isinstance(identifier, str):
        try:
            return keras.initializers.get(identifier)
        except ValueError:
            raise invalid_value(
                "identifier",
                identifier,
                "one of "
                + ", ".join(repr(n) for n in COURSE_NAMES)
                + " (any case) or a name keras.initializers.get accepts, "
                "such as 'glorot_uniform'",
            ) from None
    return keras.initializers.get(identifier)
