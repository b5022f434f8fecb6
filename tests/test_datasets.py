"""Tests for dlcourse.datasets: generators, the split helper, digits, shifts and the MNIST guard."""

import time

import numpy as np
import pytest

from dlcourse import datasets

TWO_D = [
    datasets.linearly_separable,
    datasets.xor,
    datasets.circles,
    datasets.moons,
    datasets.spirals,
    datasets.flower,
    datasets.noisy_two_class,
]


# ---------------------------------------------------------------- generators


@pytest.mark.parametrize("generator", TWO_D, ids=lambda g: g.__name__)
def test_two_d_generators_shapes_dtypes_labels(generator):
    x, y = generator(n=120, seed=0)
    assert x.shape == (120, 2) and x.dtype == np.float32
    assert y.shape == (120,) and y.dtype == np.int32
    assert set(np.unique(y)) == {0, 1}
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("generator", TWO_D, ids=lambda g: g.__name__)
def test_two_d_generators_same_seed_same_data(generator):
    x1, y1 = generator(n=80, seed=3)
    x2, y2 = generator(n=80, seed=3)
    x3, _ = generator(n=80, seed=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("generator", TWO_D, ids=lambda g: g.__name__)
@pytest.mark.parametrize("n", [0, -5, 2.5, True])
def test_two_d_generators_reject_bad_n(generator, n):
    with pytest.raises(ValueError, match="Invalid value for `n`"):
        generator(n=n)


def test_linearly_separable_keeps_its_margin():
    x, y = datasets.linearly_separable(400, margin=0.3, seed=1)
    signed = (x @ np.array([1.0, 1.0]) / np.sqrt(2.0)) * np.where(y == 1, 1.0, -1.0)
    assert signed.min() >= 0.3 - 1e-5


def test_xor_labels_follow_the_quadrant():
    x, y = datasets.xor(400, noise=0.05, seed=0)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(int))


def test_noisy_two_class_flips_about_the_requested_fraction():
    x, y = datasets.noisy_two_class(20_000, flip=0.1, seed=0)
    clean = (x[:, 1] > 0.4 * np.sin(2.5 * x[:, 0])).astype(int)
    assert abs(np.mean(y != clean) - 0.1) < 0.01
    with pytest.raises(ValueError, match="Invalid value for `flip`"):
        datasets.noisy_two_class(10, flip=0.5)


@pytest.mark.parametrize(
    "kwargs, name", [({"noise": -0.1}, "noise"), ({"noise": float("nan")}, "noise")]
)
def test_moons_rejects_bad_noise(kwargs, name):
    with pytest.raises(ValueError, match=f"Invalid value for `{name}`"):
        datasets.moons(10, **kwargs)


@pytest.mark.parametrize("kind", ["smooth", "sine", "abs"])
def test_curve_shapes_and_grid(kind):
    x, y = datasets.curve(kind, n=50, low=-1.0, high=1.0)
    assert x.shape == (50, 1) and y.shape == (50, 1)
    assert x.dtype == np.float32 and y.dtype == np.float32
    assert x[0, 0] == -1.0 and x[-1, 0] == 1.0
    with pytest.raises(ValueError, match="Invalid value for `kind`"):
        datasets.curve("cubic")


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_tent_map_has_two_to_the_k_pieces(k):
    x = np.linspace(0.0, 1.0, 2**k * 64 + 1)
    slopes = np.sign(np.round(np.diff(datasets.tent_map(x, k)), 12))
    assert 1 + np.count_nonzero(np.diff(slopes)) == 2**k


# ---------------------------------------------------------------- the split helper


def _labels(m=1000, shares=(0.5, 0.3, 0.15, 0.05), seed=0):
    return np.random.default_rng(seed).choice(len(shares), size=m, p=shares).astype("int32")


@pytest.mark.parametrize("ratios", [(0.6, 0.2, 0.2), (0.98, 0.01, 0.01), (0.8, 0.2, 0.0)])
@pytest.mark.parametrize("stratify", [True, False])
def test_split_is_disjoint_and_covers(ratios, stratify):
    y = _labels()
    x = np.arange(len(y))
    split = datasets.train_dev_test_split(x, y, ratios=ratios, stratify=stratify, seed=1)
    everything = np.concatenate([split.train_index, split.dev_index, split.test_index])
    np.testing.assert_array_equal(np.sort(everything), np.arange(len(y)))  # disjoint and covering
    # the arrays are the rows the indices name
    np.testing.assert_array_equal(split.x_dev, x[split.dev_index])
    np.testing.assert_array_equal(split.y_test, y[split.test_index])
    for part, ratio in zip(("train", "dev", "test"), ratios):
        assert abs(len(getattr(split, f"{part}_index")) - ratio * len(y)) <= 4


def test_split_keeps_class_ratios_when_stratified():
    y = _labels(m=2000)
    split = datasets.train_dev_test_split(np.zeros((len(y), 3)), y, seed=0)
    whole = np.bincount(y) / len(y)
    for part in (split.y_train, split.y_dev, split.y_test):
        assert np.max(np.abs(np.bincount(part, minlength=4) / len(part) - whole)) <= 0.02


def test_split_same_seed_same_split_other_seed_other_split():
    y = _labels()
    a = datasets.train_dev_test_split(np.arange(len(y)), y, seed=7)
    b = datasets.train_dev_test_split(np.arange(len(y)), y, seed=7)
    c = datasets.train_dev_test_split(np.arange(len(y)), y, seed=8)
    for part in ("train_index", "dev_index", "test_index"):
        np.testing.assert_array_equal(getattr(a, part), getattr(b, part))
    assert not np.array_equal(a.dev_index, c.dev_index)


@pytest.mark.parametrize(
    "ratios",
    [(0.5, 0.5), (0.6, 0.3, 0.3), (0.0, 0.5, 0.5), (1.2, -0.1, -0.1), (0.6, 0.2, 0.2, 0.0)],
)
def test_split_rejects_bad_ratios(ratios):
    with pytest.raises(ValueError, match="Invalid value for `ratios`"):
        datasets.train_dev_test_split(np.zeros((10, 2)), np.zeros(10, int), ratios=ratios)


def test_split_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="Invalid value for `y`"):
        datasets.train_dev_test_split(np.zeros((10, 2)), np.zeros(9, int))


# ---------------------------------------------------------------- digits


@pytest.mark.parametrize("images, shape", [(False, (64,)), (True, (8, 8, 1))])
def test_load_digits_shapes_dtypes_range(images, shape):
    split = datasets.load_digits(images=images, seed=0)
    total = len(split.y_train) + len(split.y_dev) + len(split.y_test)
    assert total == 1797
    assert split.x_train.shape[1:] == shape and split.x_train.dtype == np.float32
    assert split.y_train.dtype == np.int32 and set(np.unique(split.y_train)) == set(range(10))
    assert 0.0 <= split.x_train.min() and split.x_train.max() <= 1.0
    assert abs(len(split.y_train) / total - 0.6) < 0.01


# ---------------------------------------------------------------- shift_images


def test_shift_images_matches_a_numpy_reference():
    rng = np.random.default_rng(0)
    images = rng.random((6, 5, 7, 2)).astype("float32")
    dy = np.array([0, 1, -2, 3, 0, -1])
    dx = np.array([0, -1, 2, 0, 6, 1])
    shifted = datasets.shift_images(images, dy, dx)
    assert shifted.shape == images.shape and shifted.dtype == images.dtype
    for i in range(len(images)):
        padded = np.pad(images[i], ((7, 7), (7, 7), (0, 0)))
        expected = padded[7 - dy[i] : 7 - dy[i] + 5, 7 - dx[i] : 7 - dx[i] + 7]
        np.testing.assert_array_equal(shifted[i], expected)


def test_shift_images_scalar_shift_and_out_of_frame():
    images = np.arange(2 * 4 * 4, dtype="float32").reshape(2, 4, 4)
    np.testing.assert_array_equal(datasets.shift_images(images, 0, 0), images)
    np.testing.assert_array_equal(datasets.shift_images(images, 1, 0)[:, 1:], images[:, :-1])
    assert not datasets.shift_images(images, 4, 0).any()


@pytest.mark.parametrize(
    "args, name",
    [
        ((np.zeros((4, 4)), 1, 1), "images"),
        ((np.zeros((2, 4, 4)), 0.5, 1), "dy"),
        ((np.zeros((2, 4, 4)), 1, np.array([1, 2, 3])), "dx"),
    ],
)
def test_shift_images_rejects_bad_arguments(args, name):
    with pytest.raises(ValueError, match=f"Invalid value for `{name}`"):
        datasets.shift_images(*args)


# ---------------------------------------------------------------- load_mnist guard


@pytest.mark.parametrize("kind", ["mnist", "fashion_mnist"])
def test_load_mnist_offline_fails_fast_with_instructions(kind, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache
    monkeypatch.setattr(datasets, "_online", lambda *args, **kwargs: False)
    began = time.perf_counter()
    with pytest.raises(RuntimeError) as info:
        datasets.load_mnist(kind)
    assert time.perf_counter() - began < 5  # never a hang (generous: CI machines are slow)
    message = str(info.value)
    assert kind in message and "offline" in message
    assert f"keras.datasets.{kind}.load_data()" in message and "load_digits" in message


def test_load_mnist_rejects_unknown_kind():
    with pytest.raises(ValueError, match="Invalid value for `kind`"):
        datasets.load_mnist("cifar10")


# ---------------------------------------------------------------- to_dataset


def _epoch(dataset):
    xs, ys = zip(*[(bx.numpy(), by.numpy()) for bx, by in dataset])
    return xs, np.concatenate(xs), np.concatenate(ys)


def test_to_dataset_yields_every_example_once_per_epoch_reshuffled():
    x = np.arange(50, dtype="float32").reshape(25, 2)
    y = np.arange(25, dtype="int32")
    dataset = datasets.to_dataset(x, y, batch_size=8, seed=3)
    batches, xs, ys = _epoch(dataset)
    assert [len(b) for b in batches] == [8, 8, 8, 1]
    np.testing.assert_array_equal(np.sort(ys), y)
    np.testing.assert_array_equal(xs, x[ys])  # features stay paired with their labels
    _, _, ys_again = _epoch(dataset)
    assert not np.array_equal(ys, ys_again)  # a new order every epoch
    _, _, ys_same_seed = _epoch(datasets.to_dataset(x, y, batch_size=8, seed=3))
    np.testing.assert_array_equal(ys, ys_same_seed)  # same seed, same first epoch


def test_to_dataset_without_shuffle_keeps_order_and_accepts_features_only():
    x = np.arange(10, dtype="float32").reshape(5, 2)
    _, _, ys = _epoch(datasets.to_dataset(x, np.arange(5), batch_size=2, shuffle=False))
    np.testing.assert_array_equal(ys, np.arange(5))
    features = np.concatenate(
        [b.numpy() for b in datasets.to_dataset(x, batch_size=2, shuffle=False)]
    )
    np.testing.assert_array_equal(features, x)


def test_to_dataset_trains_a_model_like_arrays_do():
    import keras

    from dlcourse import deep_net

    data = datasets.load_digits(seed=0)
    keras.utils.set_random_seed(0)
    model = deep_net((64,), (32,), 10, activation="relu", initializer="he", seed=0)
    model.compile(
        keras.optimizers.Adam(1e-2),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=8,
    )
    model.fit(
        datasets.to_dataset(data.x_train, data.y_train, batch_size=64),
        epochs=5,
        shuffle=False,
        verbose=0,
    )
    _, accuracy = model.evaluate(data.x_dev, data.y_dev, verbose=0)
    assert accuracy > 0.9


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(batch_size=0), "batch_size"),
        (dict(batch_size=2.5), "batch_size"),
        (dict(y=np.arange(3)), "y"),
        (dict(x=np.float32(1.0)), "x"),
    ],
)
def test_to_dataset_rejects_bad_arguments(kwargs, name):
    arguments = dict(x=np.zeros((4, 2)), y=np.arange(4), batch_size=2) | kwargs
    with pytest.raises(ValueError, match=f"Invalid value for `{name}`"):
        datasets.to_dataset(**arguments)
