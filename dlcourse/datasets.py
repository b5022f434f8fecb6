"""Offline datasets for the lessons: 2-D toy sets, 1-D curves, digits, and a split helper.

Everything here is generated in code or shipped by a package (scikit-learn's 8×8
digits), so lessons and tests run without a network. MNIST and Fashion-MNIST are
available through `load_mnist()` only when Keras has them cached or the machine
is online; otherwise it fails at once with a message that says how to get them.

All generators take a `seed` and return float32 features `x` of shape
`(n, 2)` (or `(n, 1)` for curves) and int32 labels `y` of shape `(n,)`. They take
`n`, the number of points generated before any split, where the rest of the course
writes `m` for the examples a model trains on: `train_dev_test_split` turns the `n`
points into the `m` of each part.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlcourse._validation import check_int

__all__ = [
    "Split",
    "linearly_separable",
    "xor",
    "circles",
    "moons",
    "spirals",
    "flower",
    "noisy_two_class",
    "curve",
    "tent_map",
    "load_digits",
    "load_mnist",
    "shift_images",
    "to_dataset",
    "train_dev_test_split",
]


def _check_non_negative(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.number))
        or not (np.isfinite(value) and value >= 0)
    ):
        raise ValueError(
            f"Invalid value for `{name}`: expected a finite number >= 0, received {name}={value!r}"
        )


def _finish(x, y):
    return np.asarray(x, dtype="float32"), np.asarray(y, dtype="int32").reshape(-1)


def linearly_separable(n=200, *, margin=0.5, seed=0):
    """Two Gaussian blobs that a straight line separates with a gap of at least `margin`.

    Args:
        n: Number of points (half per class), an integer `>= 2`.
        margin: The smallest distance of any point to the line `x1 + x2 = 0`, `>= 0`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1}.

    Example:

    >>> x, y = linearly_separable(100, margin=0.5)
    >>> x.shape, x.dtype, y.shape, y.dtype
    ((100, 2), dtype('float32'), (100,), dtype('int32'))
    >>> side = np.where(y == 1, 1.0, -1.0)   # the distance to the line, signed by class
    >>> bool(np.all((x[:, 0] + x[:, 1]) / np.sqrt(2) * side >= 0.5 - 1e-6))
    True
    """
    check_int(n, "n", low=2)
    _check_non_negative("margin", margin)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(0.0, 0.6, size=(n, 2)) + np.where(y[:, None] == 1, 1.2, -1.2)
    # push every point to its own side, at least `margin` away from the line
    normal = np.array([1.0, 1.0]) / np.sqrt(2.0)
    side = np.where(y == 1, 1.0, -1.0)
    distance = x @ normal * side
    x += np.maximum(margin - distance, 0.0)[:, None] * normal * side[:, None]
    return _finish(x, y)


def xor(n=200, *, noise=0.15, seed=0):
    """XOR-like data: four Gaussian clusters at (±1, ±1); the label is 1 where x1·x2 < 0.

    No straight line gets more than three of the four clusters right, so a linear
    classifier is stuck at about 75% accuracy.

    Args:
        n: Number of points (split evenly over the four clusters), an integer `>= 4`.
        noise: Standard deviation of each cluster, `>= 0`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1}.

    Example:

    >>> x, y = xor(8, noise=0.0)
    >>> x.tolist()[:4], y.tolist()
    ([[1.0, 1.0], [-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0]], [0, 0, 1, 1, 0, 0, 1, 1])
    """
    check_int(n, "n", low=4)
    _check_non_negative("noise", noise)
    rng = np.random.default_rng(seed)
    corners = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=float)
    which = np.arange(n) % 4
    x = corners[which] + rng.normal(0.0, noise, size=(n, 2))
    y = (corners[which, 0] * corners[which, 1] < 0).astype(int)
    return _finish(x, y)


def circles(n=300, *, noise=0.05, factor=0.5, seed=0):
    """Two concentric circles (scikit-learn's `make_circles`), as in Ng's init assignment.

    Args:
        n: Number of points (half per circle), an integer `>= 2`.
        noise: Standard deviation of the Gaussian noise added to the points, `>= 0`.
        factor: Radius of the inner circle relative to the outer one (radius 1).
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels (1 = inner circle).
    """
    from sklearn.datasets import make_circles

    check_int(n, "n", low=2)
    _check_non_negative("noise", noise)
    x, y = make_circles(n_samples=n, noise=noise, factor=factor, random_state=seed)
    return _finish(x, y)


def moons(n=300, *, noise=0.2, seed=0):
    """Two interleaving half moons (scikit-learn's `make_moons`), as in Ng's optimization lab.

    Args:
        n: Number of points (half per moon), an integer `>= 2`.
        noise: Standard deviation of the Gaussian noise added to the points, `>= 0`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1}.
    """
    from sklearn.datasets import make_moons

    check_int(n, "n", low=2)
    _check_non_negative("noise", noise)
    x, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return _finish(x, y)


def spirals(n=400, *, turns=1.5, noise=0.1, seed=0):
    """Two interleaved spirals: hard for linear models, easy for a small deep net.

    Args:
        n: Number of points (half per spiral), an integer `>= 2`.
        turns: How many times each spiral winds around the origin.
        noise: Standard deviation of the Gaussian noise added to the points, `>= 0`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1}.
    """
    check_int(n, "n", low=2)
    _check_non_negative("noise", noise)
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0.02, 1.0, size=n)) * turns * 2 * np.pi
    r = t / (turns * 2 * np.pi) * 2.0
    angle = t + np.pi * y
    x = np.c_[r * np.cos(angle), r * np.sin(angle)] + rng.normal(0.0, noise, size=(n, 2))
    return _finish(x, y)


def flower(n=400, *, petals=4, noise=0.2, seed=0):
    """Ng's "planar" flower data set: two classes interleaved as the petals of a flower.

    Follows `load_planar_dataset` from the course's first-week assignment
    (radius `4·sin(petals·t)` with Gaussian noise on angle and radius).

    Args:
        n: Number of points (half per class), an integer `>= 2`.
        petals: Number of petals per class, an integer `>= 1`.
        noise: Standard deviation of the noise on angle and radius, `>= 0`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1}.
    """
    check_int(n, "n", low=2)
    check_int(petals, "petals", low=1)
    _check_non_negative("noise", noise)
    rng = np.random.default_rng(seed)
    half = n // 2
    xs, ys = [], []
    for label, count in ((0, half), (1, n - half)):
        t = np.linspace(label * 3.12, (label + 1) * 3.12, count) + rng.normal(0, noise, count)
        r = 4.0 * np.sin(petals * t) + rng.normal(0, noise, count)
        xs.append(np.c_[r * np.sin(t), r * np.cos(t)])
        ys.append(np.full(count, label))
    return _finish(np.concatenate(xs), np.concatenate(ys))


def noisy_two_class(n=400, *, flip=0.08, seed=0):
    """A small, noisy two-class set like the one in Ng's regularization assignment.

    Points are uniform in `[-1, 1]²`; the true boundary is the smooth curve
    `x2 = 0.4·sin(2.5·x1)`; a fraction `flip` of the labels is flipped at random,
    so a big network can memorise noise (overfit) while the true rule stays simple.
    Ng's assignment uses 211 training points: split with `train_dev_test_split`.

    Args:
        n: Number of points, an integer `>= 2`.
        flip: Fraction of labels flipped (label noise), in `[0, 0.5)`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1}.

    Example:

    >>> x, y = noisy_two_class(400, flip=0.0)
    >>> bool(np.all(y == (x[:, 1] > 0.4 * np.sin(2.5 * x[:, 0]))))   # no noise: the true rule
    True
    """
    check_int(n, "n", low=2)
    if isinstance(flip, bool) or not isinstance(flip, (int, float)) or not 0 <= flip < 0.5:
        raise ValueError(
            f"Invalid value for `flip`: expected a float in [0, 0.5), received flip={flip!r}"
        )
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (x[:, 1] > 0.4 * np.sin(2.5 * x[:, 0])).astype(int)
    flipped = rng.random(n) < flip
    y = np.where(flipped, 1 - y, y)
    return _finish(x, y)


_CURVES = {
    "smooth": lambda x: np.sin(2.0 * x) + 0.5 * np.cos(5.0 * x) + 0.3 * x,
    "sine": lambda x: np.sin(2.0 * np.pi * x),
    "abs": np.abs,
}


def curve(kind="smooth", n=200, *, low=-2.0, high=2.0, noise=0.0, seed=0):
    """A 1-D continuous curve sampled on a grid, for piecewise-linear fitting.

    Args:
        kind: `"smooth"` (a wiggly sum of sines), `"sine"` or `"abs"`.
        n: Number of grid points in `[low, high]`, an integer `>= 2`.
        low: Left end of the grid.
        high: Right end of the grid.
        noise: Standard deviation of Gaussian noise added to the targets, `>= 0`.
        seed: Random seed (only used when `noise > 0`).

    Returns:
        `(x, y)`: `(n, 1)` float32 inputs and `(n, 1)` float32 targets.

    Example:

    >>> x, y = curve("abs", n=5)
    >>> x.ravel().tolist(), y.ravel().tolist()
    ([-2.0, -1.0, 0.0, 1.0, 2.0], [2.0, 1.0, 0.0, 1.0, 2.0])
    """
    if kind not in _CURVES:
        raise ValueError(
            f"Invalid value for `kind`: expected one of {sorted(_CURVES)}, received kind={kind!r}"
        )
    check_int(n, "n", low=2)
    _check_non_negative("noise", noise)
    x = np.linspace(low, high, n)
    y = _CURVES[kind](x) + np.random.default_rng(seed).normal(0, noise, n) * (noise > 0)
    return x.reshape(-1, 1).astype("float32"), y.reshape(-1, 1).astype("float32")


def tent_map(x, k=1):
    """The tent map `t(x) = 1 − |2x − 1|` on [0, 1], composed `k` times (2^k linear pieces).

    Each application is two ReLUs (`t(x) = 2·relu(x) − 4·relu(x − ½)` on [0, 1]), so
    a deep ReLU net represents `t∘…∘t` with O(k) units; one hidden layer needs O(2^k).

    Args:
        x: Points in [0, 1], any array-like.
        k: How many times to apply the map, an integer `>= 0` (`0`: the identity).

    Returns:
        A float64 array of the shape of `x`.

    Example:

    >>> tent_map([0.0, 0.25, 0.5, 0.75, 1.0]).tolist()
    [0.0, 0.5, 1.0, 0.5, 0.0]
    >>> tent_map([0.0, 0.25, 0.5, 0.75, 1.0], k=2).tolist()   # two teeth
    [0.0, 1.0, 0.0, 1.0, 0.0]
    """
    check_int(k, "k", low=0)
    x = np.asarray(x, dtype="float64")
    for _ in range(k):
        x = 1.0 - np.abs(2.0 * x - 1.0)
    return x


@dataclass(frozen=True)
class Split:
    """A train/dev/test split: arrays plus the indices they were taken from.

    Attributes:
        x_train: Training features, the rows `train_index` of `x`.
        y_train: Training labels.
        x_dev: Dev (validation) features, the rows `dev_index` of `x`.
        y_dev: Dev labels.
        x_test: Test features, the rows `test_index` of `x`.
        y_test: Test labels.
        train_index: Row indices of the training part in the original arrays.
        dev_index: Row indices of the dev part.
        test_index: Row indices of the test part.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_dev: np.ndarray
    y_dev: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    train_index: np.ndarray
    dev_index: np.ndarray
    test_index: np.ndarray


def train_dev_test_split(x, y, *, ratios=(0.6, 0.2, 0.2), stratify=True, seed=0) -> Split:
    """Split into train, dev and test sets, reproducibly, keeping class ratios.

    Ng's rule of thumb: 60/20/20 for ~10k examples, 98/1/1 for ~1M. Dev and test must
    come from the same distribution, which a random (stratified) split guarantees.

    Args:
        x: Features, first axis = examples.
        y: Integer labels `(m,)` (used for stratification).
        ratios: Three non-negative fractions summing to 1 (train, dev, test).
        stratify: Keep every class's share the same in all three parts.
        seed: Random seed; the same seed gives the same split.

    Returns:
        A `Split`. The three index sets are disjoint and cover `range(m)`.

    Raises:
        ValueError: if `y` does not have one label per row of `x`, or `ratios`
            are not three fractions that sum to 1 with a non-empty training part.

    Example:

    >>> split = train_dev_test_split(np.arange(20).reshape(10, 2), np.arange(10) % 2)
    >>> len(split.x_train), len(split.x_dev), len(split.x_test)
    (6, 2, 2)
    >>> np.bincount(split.y_train).tolist()   # stratified: both classes 3 times
    [3, 3]
    >>> sorted(np.concatenate([split.train_index, split.dev_index, split.test_index]).tolist())
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    """
    x = np.asarray(x)
    y = np.asarray(y).reshape(-1)
    if len(x) != len(y):
        raise ValueError(
            f"Invalid value for `y`: expected {len(x)} labels (one per row of x), received {len(y)}"
        )
    ratios = tuple(float(r) for r in ratios)
    if len(ratios) != 3 or min(ratios) < 0 or abs(sum(ratios) - 1.0) > 1e-6 or ratios[0] == 0:
        raise ValueError(
            "Invalid value for `ratios`: expected three fractions (train, dev, test) >= 0 "
            f"with train > 0 that sum to 1, received ratios={ratios!r}"
        )
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in np.unique(y)] if stratify else [np.arange(len(y))]
    parts = ([], [], [])
    for members in groups:
        members = rng.permutation(members)
        n_dev = int(round(ratios[1] * len(members)))
        n_test = int(round(ratios[2] * len(members)))
        n_train = len(members) - n_dev - n_test
        parts[0].append(members[:n_train])
        parts[1].append(members[n_train : n_train + n_dev])
        parts[2].append(members[n_train + n_dev :])
    train, dev, test = (rng.permutation(np.concatenate(p)).astype(int) for p in parts)
    return Split(x[train], y[train], x[dev], y[dev], x[test], y[test], train, dev, test)


def to_dataset(x, y=None, batch_size=32, *, shuffle=True, seed=0):
    """In-memory arrays as a fast `tf.data` input pipeline for `model.fit`.

    `model.fit(x, y)` with NumPy arrays re-slices the arrays on every step; for
    the small models of this course that bookkeeping, not the arithmetic, sets the
    speed (`BENCHMARKS.md`: about half of PyTorch's examples/s at batch 256).
    This pipeline keeps the tensors cached, reshuffles them every epoch when
    `shuffle` is true, batches and prefetches: the same training, 2–2.5× more
    examples per second at batch 256. Together with
    `compile(..., steps_per_execution=32)` it is the setting we recommend.

    Args:
        x: Features, first axis = examples (NumPy array or anything array-like).
        y: Labels with one entry per example, or `None` for a features-only dataset.
        batch_size: Examples per batch (positive integer); the last batch may be smaller.
        shuffle: Reshuffle the examples at the start of every epoch.
        seed: Shuffling seed; the same seed gives the same sequence of epochs.

    Returns:
        A `tf.data.Dataset` of `(x_batch, y_batch)` tuples (or `x_batch`
        alone when `y` is `None`); pass it to `fit` without `batch_size`,
        and with `shuffle=False`: the dataset does its own shuffling, and Keras
        warns that its default `shuffle=True` is ignored for datasets.

    Raises:
        ValueError: if `x` is a scalar, `y` does not have one entry per row of
            `x`, or `batch_size` is not a positive integer.

    Example (two epochs here to keep it quick; the lessons train for more):

    >>> from dlcourse import deep_net
    >>> data = load_digits()
    >>> train = to_dataset(data.x_train, data.y_train, batch_size=256)
    >>> x_batch, y_batch = next(iter(train))
    >>> tuple(x_batch.shape), tuple(y_batch.shape), len(data.x_train)   # 5 batches an epoch
    ((256, 64), (256,), 1079)
    >>> model = deep_net((64,), (32,), 10, activation="relu", initializer="he", seed=0)
    >>> model.compile("adam", "sparse_categorical_crossentropy", steps_per_execution=32)
    >>> history = model.fit(train, epochs=2, shuffle=False, verbose=0)
    >>> len(history.history["loss"])
    2
    """
    import tensorflow as tf

    check_int(batch_size, "batch_size")
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError(
            "Invalid value for `x`: expected an array with one row per example, "
            f"received a scalar {x!r}"
        )
    if y is None:
        dataset = tf.data.Dataset.from_tensor_slices(x)
    else:
        y = np.asarray(y)
        if y.ndim == 0 or len(y) != len(x):
            raise ValueError(
                f"Invalid value for `y`: expected {len(x)} labels (one per row of x), "
                f"received an array of shape {y.shape}"
            )
        dataset = tf.data.Dataset.from_tensor_slices((x, y))
    dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load_digits(*, ratios=(0.6, 0.2, 0.2), images=False, seed=0) -> Split:
    """scikit-learn's bundled 8×8 handwritten digits (1,797 images), ready for Keras.

    Pixel values (0..16) are scaled to [0, 1] float32; labels are int32 in 0..9.

    Args:
        ratios: Train/dev/test fractions (stratified, reproducible).
        images: `False` gives flat `(m, 64)` vectors for an MLP; `True` gives
            `(m, 8, 8, 1)` images for a CNN.
        seed: Split seed.

    Returns:
        A `Split`.

    Example:

    >>> data = load_digits()
    >>> data.x_train.shape, data.x_dev.shape, data.x_test.shape
    ((1079, 64), (359, 64), (359, 64))
    >>> load_digits(images=True).x_train.shape
    (1079, 8, 8, 1)
    """
    from sklearn.datasets import load_digits as _sk_load_digits

    data = _sk_load_digits()
    x = (data.images / 16.0).astype("float32")
    x = x[..., None] if images else x.reshape(len(x), -1)
    return train_dev_test_split(x, data.target.astype("int32"), ratios=ratios, seed=seed)


def shift_images(images, dy, dx):
    """Translate images by whole pixels, filling the uncovered border with zeros.

    Lessons 9 and 19 use it to make test digits that are slightly off-centre: a
    dense net has to re-learn every position, a CNN shares its filters across them.
    Unlike `np.roll` nothing wraps around the edge.

    Args:
        images: `(m, h, w)` or `(m, h, w, channels)` array.
        dy: Rows to move down (negative: up); an int for every image or an
            `(m,)` integer array, one per image.
        dx: Columns to move right (negative: left); an int or an `(m,)` array.

    Returns:
        An array of the same shape and dtype as `images`.

    Raises:
        ValueError: if `images` is not 3-D or 4-D, or `dy` / `dx` is not an
            integer or an integer array of shape `(m,)`.

    Example:

    >>> shift_images(np.eye(3)[None], 0, 1)[0]
    array([[0., 1., 0.],
           [0., 0., 1.],
           [0., 0., 0.]])
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(
            "Invalid value for `images`: expected an array of shape (m, h, w) or "
            f"(m, h, w, channels), received shape {images.shape}"
        )
    m, h, w = images.shape[:3]
    offsets = []
    for name, value in (("dy", dy), ("dx", dx)):
        value = np.asarray(value)
        if value.dtype.kind not in "iu" or value.shape not in ((), (m,)):
            raise ValueError(
                f"Invalid value for `{name}`: expected an integer or an integer array of "
                f"shape ({m},), received {name} with dtype {value.dtype} and shape {value.shape}"
            )
        offsets.append(np.broadcast_to(value, (m,)))
    shifted = np.zeros_like(images)
    for step_y, step_x in set(zip(offsets[0].tolist(), offsets[1].tolist())):
        rows = (offsets[0] == step_y) & (offsets[1] == step_x)
        if abs(step_y) >= h or abs(step_x) >= w:
            continue  # moved out of the frame entirely: all zeros
        # (k, h', w', ...) block of the k images that move by (step_y, step_x)
        source = images[rows][
            :, max(-step_y, 0) : h - max(step_y, 0), max(-step_x, 0) : w - max(step_x, 0)
        ]
        target_rows = np.arange(max(step_y, 0), h - max(-step_y, 0))
        target_columns = np.arange(max(step_x, 0), w - max(-step_x, 0))
        shifted[
            np.flatnonzero(rows)[:, None, None],
            target_rows[None, :, None],
            target_columns[None, None, :],
        ] = source
    return shifted


_MNIST_FILES = {"mnist": "mnist.npz", "fashion_mnist": "fashion-mnist"}


def _online(host="storage.googleapis.com", port=443, timeout=3.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def load_mnist(kind="mnist"):
    """MNIST or Fashion-MNIST through `keras.datasets`, only when cached or online.

    Never hangs and never silently substitutes another data set: when the files are
    not in Keras's cache (`~/.keras/datasets`) and the download host cannot be
    reached within a few seconds, it raises `RuntimeError` saying how to get them.

    Args:
        kind: `"mnist"` or `"fashion_mnist"`.

    Returns:
        `((x_train, y_train), (x_test, y_test))` as `keras.datasets` returns them.

    Raises:
        ValueError: if `kind` is not `"mnist"` or `"fashion_mnist"`.
        RuntimeError: if the data set is not cached and the machine is offline.

    Example:

    >>> load_mnist("cifar10")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for `kind`: expected one of ['fashion_mnist', 'mnist'], received ...
    """
    if kind not in _MNIST_FILES:
        raise ValueError(
            f"Invalid value for `kind`: expected one of {sorted(_MNIST_FILES)}, "
            f"received kind={kind!r}"
        )
    import keras

    cache = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "datasets"
    cached = (cache / _MNIST_FILES[kind]).exists()
    if not cached and not _online():
        raise RuntimeError(
            f"{kind} is not in the Keras cache ({cache}) and this machine is offline. "
            "On a machine with a network run: "
            f'python -c "import keras; keras.datasets.{kind}.load_data()" '
            f"and copy {cache / _MNIST_FILES[kind]} here, or use dlcourse.datasets.load_digits() "
            "(bundled with scikit-learn, no download)."
        )
    return getattr(keras.datasets, kind).load_data()
