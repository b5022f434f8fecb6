"""The playground's configuration as a stand-alone script: data, `deep_net`, `compile`, `fit`."""

from __future__ import annotations

import json

import numpy as np

from dlcourse.playground.data import FEATURE_CODE
from dlcourse.playground.settings import CUSTOM, DATASETS, OPTIMIZERS

__all__ = ["playground_code"]


def _q(text):
    """A string literal in double quotes, as the project writes them."""
    return json.dumps(text)


def _array(values, dtype):
    return f"np.array({np.asarray(values).tolist()!r}, dtype={_q(dtype)})"


def _data_lines(pg):
    s = pg.settings
    if s["dataset"] == CUSTOM:
        x, y = pg.custom_data
        return [
            "# Your own points and labels, as the playground was given them.",
            f"x = {_array(x, 'float32')}",
            f"y = {_array(y, 'int32')}",
        ]
    noise = DATASETS[s["dataset"]] if s["noise"] is None else s["noise"]
    if s["dataset"] == "three_blobs":
        return [f"x, y = three_blobs({s['n_points']}, noise={noise!r}, seed={s['seed']})"]
    argument = "flip" if s["dataset"] == "noisy_two_class" else "noise"
    return [
        f"x, y = dlcourse.datasets.{s['dataset']}({s['n_points']}, "
        f"{argument}={noise!r}, seed={s['seed']})"
    ]


def _keep_prob(s):
    keep_prob = s["keep_prob"]
    if isinstance(keep_prob, tuple) and len(set(keep_prob)) > 1:
        return repr(keep_prob)
    return repr(
        keep_prob[0]
        if isinstance(keep_prob, tuple) and keep_prob
        else keep_prob
        if isinstance(keep_prob, float)
        else 1.0
    )


def playground_code(pg, epochs):
    """Python source that rebuilds `pg`'s network (same initial weights) and trains it."""
    s = pg.settings
    m = len(pg.x_train)
    if s["regularizer"] == "none":
        regularizer = "None"
    else:
        regularizer = f"dlcourse.{s['regularizer'].upper()}(lambd={s['lambd']!r}, m={m})"
    binary = pg.num_outputs == 1
    columns = ", ".join(FEATURE_CODE[name] for name in s["features"])
    share = s["train_share"]
    lines = [
        f'"""Train the playground\'s {s["dataset"]} network on its own (code from '
        'dlcourse.Playground.code())."""',
        "",
        "import keras",
        "import numpy as np",
        "",
        "import dlcourse",
        *(["from dlcourse.playground import three_blobs"] if s["dataset"] == "three_blobs" else []),
        "",
        f"EPOCHS = {epochs}",
        "",
        *_data_lines(pg),
        f"split = dlcourse.datasets.train_dev_test_split(x, y, ratios=({share!r}, "
        f"{1.0 - share!r}, 0.0), seed={s['seed']})",
        "",
        "",
        "def features(points):",
        f'    """The input features: {", ".join(s["features"])}."""',
        "    x1, x2 = points[:, 0], points[:, 1]",
        f'    return np.stack([{columns}], axis=1).astype("float32")',
        "",
        "",
        "x_train, y_train = features(split.x_train), split.y_train",
        "x_dev, y_dev = features(split.x_dev), split.y_dev",
        "",
        "model = dlcourse.deep_net(",
        f"    input_shape=({len(s['features'])},),",
        f"    hidden_units={s['hidden_units']!r},",
        f"    num_classes={pg.num_outputs},  # "
        + ("1 = one sigmoid unit (binary)" if binary else "softmax over the classes"),
        f"    activation={_q(s['activation'])},",
        f"    initializer={_q(s['initializer'])},",
        f"    regularizer={regularizer},",
        f"    keep_prob={_keep_prob(s)},",
        f"    seed={s['seed']},",
        '    name="playground",',
        ")",
        "model.compile(",
        f"    optimizer={OPTIMIZERS[s['optimizer']].code(s['learning_rate'])},",
        "    loss="
        + ('"binary_crossentropy"' if binary else '"sparse_categorical_crossentropy"')
        + ",",
        '    metrics=["accuracy"],',
        ")",
        "history = model.fit(",
        f"    x_train, y_train, batch_size={min(s['batch_size'], m)}, epochs=EPOCHS,",
        "    validation_data=(x_dev, y_dev), verbose=0,",
        ")",
        '# model.save("playground.keras")',
        "",
    ]
    return "\n".join(lines)
