"""The playground's data: the course's 2-D sets, a 3-class set, input features, the split."""

from __future__ import annotations

import numpy as np

from dlcourse import datasets
from dlcourse._validation import check_int
from dlcourse.playground.settings import DATASETS

__all__ = ["FEATURE_CODE", "feature_matrix", "make_data", "split", "three_blobs"]

#: Each input feature as NumPy code on the raw coordinates `x1`, `x2` (the exported code
#: writes these same expressions).
FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1 ** 2",
    "x2^2": "x2 ** 2",
    "x1*x2": "x1 * x2",
    "sin(x1)": "np.sin(x1)",
    "sin(x2)": "np.sin(x2)",
}
_FEATURE_FUNCTIONS = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1**2,
    "x2^2": lambda x1, x2: x2**2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


def three_blobs(n=300, *, noise=0.3, seed=0):
    """Three Gaussian blobs on a circle of radius 1.5: a 3-class set for a softmax output.

    Args:
        n: Number of points (split evenly over the classes), an integer `>= 3`.
        noise: Standard deviation of each blob, `>= 0`.
        seed: Random seed.

    Returns:
        `(x, y)`: `(n, 2)` float32 points, `(n,)` int32 labels in {0, 1, 2}.

    Example:

    >>> x, y = three_blobs(6, noise=0.0)
    >>> y.tolist(), np.round(x[:3].astype("float64"), 2).tolist()
    ([0, 1, 2, 0, 1, 2], [[0.0, 1.5], [-1.3, -0.75], [1.3, -0.75]])
    """
    n = check_int(n, "n", low=3)
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0:
        raise ValueError(
            f"Invalid value for `noise`: expected a finite number >= 0, received noise={noise!r}"
        )
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    angle = np.pi / 2 + y * 2 * np.pi / 3
    centers = 1.5 * np.c_[np.cos(angle), np.sin(angle)]
    x = centers + rng.normal(0.0, noise, size=(n, 2))
    return x.astype("float32"), y.astype("int32")


def make_data(dataset, n_points, noise, seed):
    """`(x, y)` for a built-in data set; `noise=None` means the set's default.

    `noise` is the standard deviation of the points for every set except
    `noisy_two_class`, where it is the fraction of flipped labels (`flip`).

    Example:

    >>> x, y = make_data("xor", 40, None, seed=0)
    >>> x.shape, sorted(set(y.tolist()))
    ((40, 2), [0, 1])
    """
    noise = DATASETS[dataset] if noise is None else noise
    if dataset == "noisy_two_class":
        return datasets.noisy_two_class(n_points, flip=noise, seed=seed)
    if dataset == "three_blobs":
        return three_blobs(n_points, noise=noise, seed=seed)
    return getattr(datasets, dataset)(n_points, noise=noise, seed=seed)


def feature_matrix(points, features):
    """The model's inputs: one float32 column per feature name, from `(n, 2)` points.

    Example:

    >>> feature_matrix(np.array([[2.0, 3.0]]), ("x1", "x1*x2")).tolist()
    [[2.0, 6.0]]
    """
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([_FEATURE_FUNCTIONS[name](x1, x2) for name in features], axis=1).astype(
        "float32"
    )


def split(x, y, train_share, seed):
    """Stratified train/dev split (no test part), as `train_dev_test_split` makes it."""
    return datasets.train_dev_test_split(
        x, y, ratios=(train_share, 1.0 - train_share, 0.0), seed=seed
    )
