"""Checks of the optimization exercises: mini-batches, momentum, Adam, learning-rate decay.

References: `dlcourse.scratch.momentum_step`, `adam_step` and `decayed_learning_rate`.
Mini-batches are checked by what holds however the shuffle is drawn: the batches cut
one permutation of the examples (x and y still paired), in order of size, with the last
partial batch, the same for the same seed.
"""

from __future__ import annotations

import math

import numpy as np

from dlcourse import scratch
from dlcourse.exercises._core import register, show

NOTEBOOK = "04_optimization"
MINI_BATCH_LESSONS = ((5, "Batch, stochastic and mini-batch gradient descent"),)
OPTIMIZER_LESSONS = ((6, "Optimizers: momentum, RMSProp and Adam"),)
DECAY_LESSONS = ((22, "Learning-rate decay"),)


def _examples(m, n_x=3):
    """x whose column j is (j, j + 0.5, ...) and y = j: a pair's identity is its column."""
    x = np.arange(m, dtype=np.float64)[None, :] + 0.5 * np.arange(n_x)[:, None]
    y = np.arange(m, dtype=np.float64)[None, :]
    return x, y


def _check_batches(t, m, size, seed):
    x, y = _examples(m)
    case = f"m = {m} examples, mini_batch_size = {size}"
    batches = t.call(x, y, size, seed)
    if not isinstance(batches, (list, tuple)) or not all(
        isinstance(b, (list, tuple)) and len(b) == 2 for b in batches
    ):
        t.fail(
            "the return value",
            expected="a list of (x_batch, y_batch) pairs",
            received=show(batches),
            case=case,
        )
    count = math.ceil(m / size)
    sizes = [np.shape(b[0])[-1] if np.ndim(b[0]) == 2 else None for b in batches]
    want = [size] * (m // size) + ([m % size] if m % size else [])
    if sizes != want:
        mistake = None
        if sizes == [size] * (m // size):
            mistake = "the last partial mini-batch is missing: keep the m mod size examples left"
        elif sizes == want + [0]:
            mistake = "an empty last batch: only add a partial batch when m mod size > 0"
        elif sizes and all(s == 64 for s in sizes[:-1]) and size != 64:
            mistake = "the batch size is hard-coded to 64: use mini_batch_size"
        t.fail(
            "the batch sizes",
            expected=f"{count} batches of sizes {want}",
            received=f"{len(sizes)} batches of sizes {sizes}",
            mistake=mistake,
            case=case,
        )
    for x_batch, y_batch in batches:
        if np.shape(x_batch)[0] != x.shape[0] or np.shape(y_batch) != (1, np.shape(x_batch)[1]):
            t.fail(
                "a batch's shapes",
                expected=f"x_batch ({x.shape[0]}, size), y_batch (1, size)",
                received=f"{np.shape(x_batch)}, {np.shape(y_batch)}",
                mistake="the examples are the columns: slice x[:, k:k + size]",
                case=case,
            )
    xs = np.concatenate([np.asarray(b[0]) for b in batches], axis=1)
    ys = np.concatenate([np.asarray(b[1]) for b in batches], axis=1)
    if not np.allclose(xs - 0.5 * np.arange(x.shape[0])[:, None], xs[0]):
        t.fail(
            "each x column",
            expected="whole examples (columns) moved together",
            received="columns mixed between features",
            mistake="shuffle the columns (examples), not the rows or each feature on its own",
            case=case,
        )
    if sorted(xs[0].tolist()) != list(range(m)):
        t.fail(
            "the examples in the batches",
            expected="every example exactly once",
            received=f"{len(set(xs[0].tolist()))} distinct of {m}",
            mistake="the batches overlap or skip examples: batch k is columns "
            "k·size … (k+1)·size − 1 of the shuffled data",
            case=case,
        )
    if not np.array_equal(xs[0], ys[0]):
        t.fail(
            "x and y pairs",
            expected="y_batch[:, i] the label of x_batch[:, i]",
            received="labels of other examples",
            mistake="x and y are shuffled with different permutations: draw one permutation "
            "and index both with it",
            case=case,
        )
    if np.array_equal(xs[0], np.arange(m)):
        t.fail(
            "the order of the examples",
            expected="shuffled",
            received="the original order",
            mistake="the examples are not shuffled: np.random.permutation(m)",
            case=case,
        )
    return xs[0]


@register(
    "random_mini_batches",
    notebook=NOTEBOOK,
    arguments=("x", "y", "mini_batch_size", "seed"),
    formula="shuffle the columns of x and y with one permutation; cut ⌈m / size⌉ batches, "
    "the last one of m mod size examples",
    lessons=MINI_BATCH_LESSONS,
    hints=(
        "Two steps: shuffle (x, y) together, then partition; mind the examples left over "
        "when size does not divide m.",
        "permutation = np.random.default_rng(seed).permutation(m); x[:, permutation] and "
        "y[:, permutation]; then batch k is columns k·size to (k+1)·size.",
        "[(x[:, k:k + size], y[:, k:k + size]) for k in range(0, m, size)]",
    ),
)
def check_mini_batches(t):
    for m, size in ((148, 64), (128, 64), (50, 7), (10, 20)):
        t.step(
            f"one permutation cut into ⌈m / size⌉ batches (m = {m}, size = {size})",
            case=f"m = {m} examples, mini_batch_size = {size}",
        )
        _check_batches(t, m, size, seed=1)
    t.step(
        "the same seed gives the same batches; another seed others",
        case="m = 148, mini_batch_size = 64",
    )
    x, y = _examples(148)
    first, second = (np.concatenate([b[0][0] for b in t.call(x, y, 64, 2)]) for _ in range(2))
    if not np.array_equal(first, second):
        t.fail(
            "two calls with seed = 2",
            expected="the same order",
            received="another order",
            mistake="the shuffle must come from `seed`: np.random.default_rng(seed) or "
            "np.random.seed(seed)",
        )
    other = np.concatenate([b[0][0] for b in t.call(x, y, 64, 3)])
    if np.array_equal(first, other):
        t.fail(
            "seeds 2 and 3",
            expected="different orders",
            received="the same order",
            mistake="`seed` is ignored",
        )


def _parameters(seed=0):
    rng = np.random.default_rng(seed)
    parameters = {
        "W1": rng.normal(size=(3, 2)),
        "b1": rng.normal(size=(3, 1)),
        "W2": rng.normal(size=(1, 3)),
        "b2": rng.normal(size=(1, 1)),
    }
    grads = {"d" + k: rng.normal(size=v.shape) for k, v in parameters.items()}
    return parameters, grads


def _check_zeros_like(t, state, parameters, what):
    t.expect_keys(state, ["d" + k for k in parameters], f"the keys of `{what}`")
    for key, value in parameters.items():
        t.expect_shape(state["d" + key], value.shape, f"{what}['d{key}']")
        if np.any(np.asarray(state["d" + key]) != 0):
            t.fail(f"{what}['d{key}']", expected="zeros", received="non-zero values")
        if state["d" + key] is value:
            t.fail(
                f"{what}['d{key}']",
                expected="a new array of zeros",
                received=f"parameters['{key}'] itself",
            )


@register(
    "initialize_velocity",
    notebook=NOTEBOOK,
    arguments=("parameters",),
    formula="v['dW' + str(l)] = np.zeros_like(W[l]);  v['db' + str(l)] = np.zeros_like(b[l])",
    lessons=OPTIMIZER_LESSONS,
    hints=(
        "One array of zeros per parameter, named after its gradient.",
        "The keys are 'dW1', 'db1', …; the shapes those of W1, b1, ….",
        "v = {'d' + key: np.zeros_like(value) for key, value in parameters.items()}",
    ),
)
def check_initialize_velocity(t):
    parameters, _ = _parameters()
    t.step("one zero array per parameter, keyed dW1, db1, …", case="W1 (3, 2), b1, W2 (1, 3), b2")
    _check_zeros_like(t, t.call(parameters), parameters, "v")


@register(
    "initialize_adam",
    notebook=NOTEBOOK,
    arguments=("parameters",),
    formula="v and s: np.zeros_like of every parameter, keys 'dW1', 'db1', …",
    lessons=OPTIMIZER_LESSONS,
    hints=(
        "Like initialize_velocity, twice: v for the first moment, s for the second.",
        "Both dicts have the keys 'dW1', 'db1', … and zeros shaped like the parameters.",
        "v = {'d' + k: np.zeros_like(p) for k, p in parameters.items()}; "
        "s = {'d' + k: np.zeros_like(p) for k, p in parameters.items()}",
    ),
)
def check_initialize_adam(t):
    parameters, _ = _parameters()
    t.step("returns (v, s), zeros keyed dW1, db1, …", case="W1 (3, 2), b1, W2 (1, 3), b2")
    output = t.call(parameters)
    if not isinstance(output, tuple) or len(output) != 2:
        t.fail("the return value", expected="(v, s)", received=show(output))
    _check_zeros_like(t, output[0], parameters, "v")
    _check_zeros_like(t, output[1], parameters, "s")
    if any(output[0][k] is output[1][k] for k in output[0]):
        t.fail(
            "v and s",
            expected="separate arrays",
            received="the same arrays",
            mistake="v and s share arrays: make two sets of zeros",
        )


def _momentum(one_minus_beta=True, use_grad=False, old_velocity=False, swap=False):
    def update(parameters, grads, v, beta, learning_rate):
        new_parameters, new_v = {}, {}
        for key, w in parameters.items():
            dw, velocity = grads["d" + key], v["d" + key]
            if swap:
                new_v["d" + key] = (1 - beta) * velocity + beta * dw
            elif one_minus_beta:
                new_v["d" + key] = beta * velocity + (1 - beta) * dw
            else:
                new_v["d" + key] = beta * velocity + dw
            step = dw if use_grad else (velocity if old_velocity else new_v["d" + key])
            new_parameters[key] = w - learning_rate * step
        return new_parameters, new_v

    return update


def _split(output, names, t):
    if not isinstance(output, tuple) or len(output) != len(names):
        t.fail("the return value", expected=f"({', '.join(names)})", received=show(output))
    return output


@register(
    "update_parameters_with_momentum",
    notebook=NOTEBOOK,
    arguments=("parameters", "grads", "v", "beta", "learning_rate"),
    formula="v_dW = β v_dW + (1 − β) dW;  W = W − α v_dW   (and the same for b)",
    lessons=OPTIMIZER_LESSONS,
    hints=(
        "Update the velocity first, then step the parameter along the velocity.",
        "v['dW1'] = beta * v['dW1'] + (1 - beta) * grads['dW1'], then "
        "parameters['W1'] -= learning_rate * v['dW1'], for every W and b.",
        "v[f'dW{l}'] = beta * v[f'dW{l}'] + (1 - beta) * grads[f'dW{l}']; "
        "parameters[f'W{l}'] = parameters[f'W{l}'] - learning_rate * v[f'dW{l}']",
    ),
)
def check_momentum(t):
    parameters, grads = _parameters()
    rng = np.random.default_rng(5)
    v = {k: rng.normal(size=g.shape) for k, g in grads.items()}
    for beta, learning_rate in ((0.9, 0.1), (0.5, 0.01)):
        inputs = (parameters, grads, v, beta, learning_rate)
        t.step(
            f"one step equals the course's (beta {beta}, learning_rate {learning_rate})",
            case=f"2-layer parameters, non-zero v, beta = {beta}, learning_rate = {learning_rate}",
        )
        received = _split(t.call(*inputs, mutable=(0, 2)), ("parameters", "v"), t)
        expected = ({}, {})
        for key, w in parameters.items():
            expected[0][key], expected[1]["d" + key] = scratch.momentum_step(
                w, grads["d" + key], v["d" + key], beta, learning_rate
            )
        mistakes = (
            ("the (1 − β) factor is missing: v = β v + (1 − β) dW", _momentum(False)),
            ("β and 1 − β are swapped: v = β v + (1 − β) dW", _momentum(swap=True)),
            ("the step uses the gradient, not the velocity: W = W − α v", _momentum(use_grad=True)),
            (
                "the step uses the old velocity: update v first, then W",
                _momentum(old_velocity=True),
            ),
        )
        t.step(f"the new v equals the course's (beta {beta})")
        t.expect_close(
            received[1],
            expected[1],
            "v",
            mistakes=((m, lambda *a, f=f: f(*a)[1]) for m, f in mistakes),
            inputs=inputs,
        )
        t.step(f"the new parameters equal the course's (beta {beta})")
        t.expect_close(
            received[0],
            expected[0],
            "parameters",
            mistakes=((m, lambda *a, f=f: f(*a)[0]) for m, f in mistakes),
            inputs=inputs,
        )


def _adam(t_shift=0, power=True, eps_inside=False, correct=True, square=True, use_v=False):
    def update(
        parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
    ):
        step = t + t_shift
        out = ({}, {}, {}, {}, {})
        for key, w in parameters.items():
            dw, name = grads["d" + key], "d" + key
            vv = beta1 * v[name] + (1 - beta1) * dw
            ss = beta2 * s[name] + (1 - beta2) * (dw**2 if square else dw)
            b1, b2 = (beta1**step, beta2**step) if power else (beta1, beta2)
            vc, sc = (vv / (1 - b1), ss / (1 - b2)) if correct else (vv, ss)
            numerator = vv if use_v else vc
            denominator = np.sqrt(sc + epsilon) if eps_inside else np.sqrt(sc) + epsilon
            out[0][key] = w - learning_rate * numerator / denominator
            out[1][name], out[2][name], out[3][name], out[4][name] = vv, ss, vc, sc
        return out

    return update


ADAM_MISTAKES = (
    ("the bias correction uses β instead of β^t: v_corrected = v / (1 − β1^t)", _adam(power=False)),
    ("the bias correction uses t − 1 (as if t started at 0): t counts from 1", _adam(t_shift=-1)),
    ("the bias correction uses t + 1: t counts from 1, the first step is t = 1", _adam(t_shift=1)),
    (
        "ε is inside the square root: W = W − α v_corrected / (√s_corrected + ε)",
        _adam(eps_inside=True),
    ),
    ("there is no bias correction: divide v by 1 − β1^t and s by 1 − β2^t", _adam(correct=False)),
    ("s averages dW, not dW²: s = β2 s + (1 − β2) dW²", _adam(square=False)),
    ("the step uses v, not v_corrected", _adam(use_v=True)),
)


@register(
    "update_parameters_with_adam",
    notebook=NOTEBOOK,
    arguments=("parameters", "grads", "v", "s", "t", "learning_rate", "beta1", "beta2", "epsilon"),
    formula="v = β1 v + (1 − β1) dW;  s = β2 s + (1 − β2) dW²;  v_corrected = v / (1 − β1^t);  "
    "s_corrected = s / (1 − β2^t);  W = W − α v_corrected / (√s_corrected + ε)",
    lessons=OPTIMIZER_LESSONS,
    hints=(
        "Adam = momentum (v) + RMSProp (s), each bias-corrected because both start at zero.",
        "The corrections divide by 1 − β1^t and 1 − β2^t with t the step number, from 1; "
        "ε goes outside the square root.",
        "parameters[key] = parameters[key] - learning_rate * v_corrected[name] / "
        "(np.sqrt(s_corrected[name]) + epsilon)",
    ),
)
def check_adam(t):
    parameters, grads = _parameters()
    rng = np.random.default_rng(6)
    v = {k: rng.normal(size=g.shape) * 0.1 for k, g in grads.items()}
    s = {k: rng.random(g.shape) * 0.1 for k, g in grads.items()}
    names = ("parameters", "v", "s", "v_corrected", "s_corrected")
    for step, learning_rate, epsilon in ((1, 0.01, 1e-8), (2, 0.1, 1e-8), (10, 0.05, 0.5)):
        inputs = (parameters, grads, v, s, step, learning_rate, 0.9, 0.999, epsilon)
        case = (
            f"2-layer parameters, non-zero v and s, t = {step}, learning_rate = "
            f"{learning_rate}, epsilon = {epsilon}"
        )
        t.step(f"one step at t = {step} equals the course's", case=case)
        received = _split(t.call(*inputs, mutable=(0, 2, 3)), names, t)
        expected = ({}, {}, {}, {}, {})
        for key, w in parameters.items():
            parts = scratch.adam_step(
                w,
                grads["d" + key],
                v["d" + key],
                s["d" + key],
                step,
                learning_rate,
                0.9,
                0.999,
                epsilon,
            )
            expected[0][key] = parts[0]
            for i in range(1, 5):
                expected[i]["d" + key] = parts[i]
        for i in (1, 2, 3, 4, 0):  # the moments first: a wrong one explains a wrong step
            t.expect_close(
                received[i],
                expected[i],
                names[i],
                mistakes=((m, lambda *a, f=f, i=i: f(*a)[i]) for m, f in ADAM_MISTAKES),
                inputs=inputs,
            )


DECAY_MISTAKES = (
    (
        "looks like exponential decay: Ng's form is α₀ / (1 + decay_rate · epoch_num)",
        lambda a, e, d, *rest: a * (1 - d) ** e,
    ),
    ("the 1 + is missing: α₀ / (1 + decay_rate · epoch_num)", lambda a, e, d, *rest: a / (d * e)),
    (
        "looks like α₀ · (1 + decay_rate · epoch_num): divide, don't multiply",
        lambda a, e, d, *rest: a * (1 + d * e),
    ),
    (
        "looks like epoch_num + 1: the first epoch, 0, has α = α₀",
        lambda a, e, d, *rest: a / (1 + d * (e + 1)),
    ),
)


@register(
    "update_lr",
    notebook=NOTEBOOK,
    arguments=("learning_rate0", "epoch_num", "decay_rate"),
    formula="α = α₀ / (1 + decay_rate · epoch_num)",
    lessons=DECAY_LESSONS,
    hints=(
        "α shrinks as the epochs go by: at epoch 0 it is α₀.",
        "Divide α₀ by one plus decay_rate times the epoch number.",
        "return learning_rate0 / (1 + decay_rate * epoch_num)",
    ),
)
def check_update_lr(t):
    for args in ((0.5, 0, 1.0), (0.5, 2, 1.0), (0.1, 10, 0.3), (0.01, 100, 0.05)):
        t.step(
            f"update_lr{args} equals the course's",
            case=f"learning_rate0, epoch_num, decay_rate = {args}",
        )
        t.expect_close(
            t.call(*args),
            scratch.decayed_learning_rate(*args),
            "the learning rate α",
            mistakes=DECAY_MISTAKES,
            inputs=args,
        )


SCHEDULE_MISTAKES = (
    (
        "no floor: decay once every time_interval epochs, ⌊epoch_num / time_interval⌋",
        lambda a, e, d, i: a / (1 + d * e / i),
    ),
    (
        "time_interval is ignored: α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)",
        lambda a, e, d, i: a / (1 + d * e),
    ),
    (
        "looks like round() or ceil(): use the floor, epoch_num // time_interval",
        lambda a, e, d, i: a / (1 + d * np.ceil(e / i)),
    ),
    (
        "looks like round(): use the floor, epoch_num // time_interval",
        lambda a, e, d, i: a / (1 + d * np.round(e / i)),
    ),
    (
        "looks like exponential decay per interval: Ng's form divides by 1 + decay_rate · k",
        lambda a, e, d, i: a * (1 - d) ** (e // i),
    ),
)


@register(
    "schedule_lr_decay",
    notebook=NOTEBOOK,
    arguments=("learning_rate0", "epoch_num", "decay_rate", "time_interval"),
    formula="α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)",
    lessons=DECAY_LESSONS,
    hints=(
        "The same decay as update_lr, but α only changes every time_interval epochs.",
        "Count the whole intervals gone by: epoch_num // time_interval.",
        "return learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))",
    ),
)
def check_schedule_lr_decay(t):
    for args in (
        (0.5, 0, 1.0, 1000),
        (0.5, 999, 1.0, 1000),
        (0.5, 1000, 1.0, 1000),
        (0.5, 2600, 0.3, 1000),
        (0.1, 7, 0.5, 3),
        (0.1, 5, 0.5, 3),
    ):
        t.step(
            f"schedule_lr_decay{args} equals the course's",
            case="learning_rate0, epoch_num, decay_rate, time_interval = " + str(args),
        )
        t.expect_close(
            t.call(*args),
            scratch.decayed_learning_rate(*args),
            "the learning rate α",
            mistakes=SCHEDULE_MISTAKES,
            inputs=args,
        )
