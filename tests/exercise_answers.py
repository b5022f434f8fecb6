"""Learners' answers to the exercises: planted mistakes and correct solutions written differently.

`MISTAKES` is a list of `(exercise, answer, words)`: the check must fail the answer and its
report must name the mistake with `words`. `CORRECT` lists `(exercise, answer)`: solutions
written another way than the course's (other random APIs, loops, `>` masks, in-place
updates, a ceil-based batch loop): the check must pass them.
"""

import math

import keras
import numpy as np

from dlcourse import scratch

MISTAKES = []
CORRECT = []


def mistake(exercise, words):
    def register(function):
        MISTAKES.append((exercise, function, words))
        return function

    return register


def correct(exercise):
    def register(function):
        CORRECT.append((exercise, function))
        return function

    return register


# --------------------------------------------------------------------------
# Initialization


def _init(layer_dims, draw):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = draw(layer_dims[l], layer_dims[l - 1])
        parameters[f"b{l}"] = np.zeros((layer_dims[l], 1))
    return parameters


@mistake("initialize_parameters_he", "1/n[l−1] (Xavier)")
def he_xavier(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(layer_dims, lambda n, n_prev: rng.standard_normal((n, n_prev)) / np.sqrt(n_prev))


@mistake("initialize_parameters_he", "the fan of the wrong layer")
def he_wrong_fan(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(layer_dims, lambda n, n_prev: rng.standard_normal((n, n_prev)) * np.sqrt(2 / n))


@mistake("initialize_parameters_he", "variance used as the standard deviation")
def he_no_sqrt(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(layer_dims, lambda n, n_prev: rng.standard_normal((n, n_prev)) * (2 / n_prev))


@mistake("initialize_parameters_he", "`seed` is ignored")
def he_ignores_seed(layer_dims, seed=0):
    rng = np.random.default_rng(12345)
    return _init(
        layer_dims, lambda n, n_prev: rng.standard_normal((n, n_prev)) * np.sqrt(2 / n_prev)
    )


@mistake("initialize_parameters_he", "transposed")
def he_transposed(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(
        layer_dims, lambda n, n_prev: rng.standard_normal((n_prev, n)) * np.sqrt(2 / n_prev)
    )


@mistake("initialize_parameters_zeros", "b[l] must be a column")
def zeros_flat_bias(layer_dims):
    parameters = {}
    for l in range(1, len(layer_dims)):
        parameters[f"W{l}"] = np.zeros((layer_dims[l], layer_dims[l - 1]))
        parameters[f"b{l}"] = np.zeros(layer_dims[l])
    return parameters


@mistake("initialize_parameters_random", "×0.01 (small random)")
def random_small(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(layer_dims, lambda n, n_prev: rng.standard_normal((n, n_prev)) * 0.01)


@mistake("initialize_parameters_random", "uniform")
def random_uniform(layer_dims, seed=0):
    np.random.seed(seed)
    return _init(layer_dims, lambda n, n_prev: (np.random.rand(n, n_prev) - 0.5) * np.sqrt(12) * 10)


@correct("initialize_parameters_he")
def he_legacy_api(layer_dims, seed=0):
    np.random.seed(seed)
    parameters = {}
    L = len(layer_dims)
    for l in range(1, L):
        parameters["W" + str(l)] = np.random.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(
            2.0 / layer_dims[l - 1]
        )
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


@correct("initialize_parameters_he")
def he_uniform_right_variance(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(
        layer_dims,
        lambda n, n_prev: rng.uniform(-1, 1, (n, n_prev)) * np.sqrt(6 / n_prev),
    )


@correct("initialize_parameters_random")
def random_generator_normal(layer_dims, seed=0):
    rng = np.random.default_rng(seed)
    return _init(layer_dims, lambda n, n_prev: rng.normal(0.0, 10.0, size=(n, n_prev)))


@correct("initialize_parameters_zeros")
def zeros_comprehension(layer_dims):
    return {
        key: value
        for l in range(1, len(layer_dims))
        for key, value in (
            (f"W{l}", np.zeros((layer_dims[l], layer_dims[l - 1]), dtype=np.float32)),
            (f"b{l}", np.zeros((layer_dims[l], 1), dtype=np.float32)),
        )
    }


# --------------------------------------------------------------------------
# Regularization


def _cross_entropy(a_last, y):
    m = y.shape[1]
    return float(-np.sum(y * np.log(a_last) + (1 - y) * np.log(1 - a_last)) / m)


@mistake("compute_cost_with_regularization", "λ/m instead of λ/2m")
def cost_lambda_over_m(a_last, y, parameters, lambd):
    m = y.shape[1]
    squares = sum(np.sum(w**2) for k, w in parameters.items() if k.startswith("W"))
    return _cross_entropy(a_last, y) + lambd / m * squares


@mistake("compute_cost_with_regularization", "biases are regularized")
def cost_with_biases(a_last, y, parameters, lambd):
    m = y.shape[1]
    return _cross_entropy(a_last, y) + lambd / (2 * m) * sum(
        np.sum(v**2) for v in parameters.values()
    )


@mistake("compute_cost_with_regularization", "only W1, W2, W3")
def cost_three_layers_hard_coded(a_last, y, parameters, lambd):
    m = y.shape[1]
    squares = sum(np.sum(np.square(parameters[k])) for k in ("W1", "W2", "W3") if k in parameters)
    return _cross_entropy(a_last, y) + lambd / (2 * m) * squares


@correct("compute_cost_with_regularization")
def cost_with_loops(a_last, y, parameters, lambd):
    m = y.shape[1]
    total = 0.0
    for i in range(m):
        a, label = a_last[0, i], y[0, i]
        total -= label * math.log(a) + (1 - label) * math.log(1 - a)
    squares = 0.0
    for key, w in parameters.items():
        if key[0] == "W":
            squares += float(np.sum(w * w))
    return total / m + lambd * squares / (2 * m)


@correct("compute_cost_with_regularization")
def cost_as_a_one_by_one_array(a_last, y, parameters, lambd):
    # np.dot leaves a (1, 1) array: one number, not a float
    m = y.shape[1]
    cross_entropy = -(np.dot(y, np.log(a_last).T) + np.dot(1 - y, np.log(1 - a_last).T)) / m
    squares = sum(np.linalg.norm(w) ** 2 for k, w in parameters.items() if k.startswith("W"))
    return cross_entropy + lambd / (2 * m) * squares


@mistake("backward_propagation_with_regularization", "λ/(2m)·W")
def backward_half_lambda(a_last, y, caches, lambd):
    grads = scratch.backward(a_last, y, caches)
    m = y.shape[1]
    for l, cache in enumerate(caches, start=1):
        grads[f"dW{l}"] += lambd / (2 * m) * cache[1]
    return grads


@mistake("backward_propagation_with_regularization", "biases are regularized")
def backward_bias_decay(a_last, y, caches, lambd):
    # the learner's db gets λ/m times the bias, recovered as z − W a_prev
    grads = scratch.backward(a_last, y, caches, lambd=lambd)
    m = y.shape[1]
    for l, (a_prev, w, z, _, _) in enumerate(caches, start=1):
        b = (z - w @ a_prev)[:, :1]
        grads[f"db{l}"] = grads[f"db{l}"] + lambd / m * b
    return grads


@mistake("backward_propagation_with_regularization", "term is missing")
def backward_no_lambda(a_last, y, caches, lambd):
    return scratch.backward(a_last, y, caches)


@correct("backward_propagation_with_regularization")
def backward_with_explicit_layers(a_last, y, caches, lambd):
    m = y.shape[1]
    grads, dz = {}, a_last - y
    for l in reversed(range(1, len(caches) + 1)):
        a_prev, w, _, _, _ = caches[l - 1]
        grads["dW" + str(l)] = 1.0 / m * np.dot(dz, a_prev.T) + (lambd / m) * w
        grads["db" + str(l)] = 1.0 / m * np.sum(dz, axis=1, keepdims=True)
        if l > 1:
            da = np.dot(w.T, dz)
            dz = np.multiply(da, np.int64(caches[l - 2][2] > 0))
            grads["dA" + str(l - 1)] = da  # extra keys are fine
    return grads


def _forward_dropout(x, parameters, keep_prob, rng, *, draw, scale=True, drop_output=False):
    num_layers = len(parameters) // 2
    a, caches = x, []
    for l in range(1, num_layers + 1):
        a_prev, w = a, parameters[f"W{l}"]
        z = w @ a_prev + parameters[f"b{l}"]
        d = None
        if l < num_layers or drop_output:
            d = draw(rng, z.shape, keep_prob)
            base = np.maximum(z, 0) if l < num_layers else scratch.sigmoid(z)
            a = base * d / (keep_prob if scale else 1.0)
        else:
            a = scratch.sigmoid(z)
        caches.append((a_prev, w, z, a, d))
    return a, caches


@mistake("forward_propagation_with_dropout", "not divided by keep_prob")
def dropout_forward_no_division(x, parameters, keep_prob, rng):
    return _forward_dropout(
        x, parameters, keep_prob, rng, draw=lambda r, s, k: r.random(s) < k, scale=False
    )


@mistake("forward_propagation_with_dropout", "keeps 1 − keep_prob")
def dropout_forward_inverted_mask(x, parameters, keep_prob, rng):
    return _forward_dropout(x, parameters, keep_prob, rng, draw=lambda r, s, k: r.random(s) < 1 - k)


@mistake("forward_propagation_with_dropout", "output layer is dropped")
def dropout_forward_drops_output(x, parameters, keep_prob, rng):
    return _forward_dropout(
        x, parameters, keep_prob, rng, draw=lambda r, s, k: r.random(s) < k, drop_output=True
    )


@mistake("forward_propagation_with_dropout", "one mask for every example")
def dropout_forward_one_mask(x, parameters, keep_prob, rng):
    return _forward_dropout(
        x, parameters, keep_prob, rng, draw=lambda r, s, k: r.random((s[0], 1)) < k
    )


@correct("forward_propagation_with_dropout")
def dropout_forward_greater_mask(x, parameters, keep_prob, rng):
    return _forward_dropout(
        x, parameters, keep_prob, rng, draw=lambda r, s, k: (r.random(s) > 1 - k).astype(int)
    )


@correct("forward_propagation_with_dropout")
def dropout_forward_relu_after_the_mask(x, parameters, keep_prob, rng):
    num_layers = len(parameters) // 2
    a, caches = x, []
    for l in range(1, num_layers):
        z = parameters[f"W{l}"] @ a + parameters[f"b{l}"]
        d = rng.uniform(size=z.shape) < keep_prob
        caches.append((a, parameters[f"W{l}"], z, np.maximum(z * d / keep_prob, 0), d))
        a = caches[-1][3]
    z = parameters[f"W{num_layers}"] @ a + parameters[f"b{num_layers}"]
    a_last = 1 / (1 + np.exp(-z))
    caches.append((a, parameters[f"W{num_layers}"], z, a_last, None))
    return a_last, caches


@correct("forward_propagation_with_dropout")
def dropout_forward_legacy_api(x, parameters, keep_prob, rng):
    return _forward_dropout(
        x, parameters, keep_prob, rng, draw=lambda r, s, k: np.random.rand(*s) < k
    )


@correct("forward_propagation_with_dropout")
def dropout_forward_binomial(x, parameters, keep_prob, rng):
    return _forward_dropout(
        x, parameters, keep_prob, rng, draw=lambda r, s, k: r.binomial(1, k, size=s)
    )


def _backward_dropout(a_last, y, caches, keep_prob, *, mask=True, divide=True, fresh=False):
    m = y.shape[1]
    grads, dz = {}, a_last - y
    for l in range(len(caches), 0, -1):
        a_prev, w, _, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T / m
        grads[f"db{l}"] = dz.sum(axis=1, keepdims=True) / m
        if l > 1:
            _, _, z_prev, _, d_prev = caches[l - 2]
            da = w.T @ dz
            if fresh:
                d_prev = np.random.rand(*da.shape) < keep_prob  # the legacy global stream
            if mask:
                da = da * d_prev
            if divide:
                da = da / keep_prob
            dz = da * (z_prev > 0)
    return grads


@mistake("backward_propagation_with_dropout", "not divided by keep_prob")
def dropout_backward_no_division(a_last, y, caches, keep_prob):
    return _backward_dropout(a_last, y, caches, keep_prob, divide=False)


@mistake("backward_propagation_with_dropout", "mask is not reused")
def dropout_backward_no_mask(a_last, y, caches, keep_prob):
    return _backward_dropout(a_last, y, caches, keep_prob, mask=False, divide=False)


@mistake("backward_propagation_with_dropout", "new mask is drawn")
def dropout_backward_new_mask(a_last, y, caches, keep_prob):
    return _backward_dropout(a_last, y, caches, keep_prob, fresh=True)


@correct("backward_propagation_with_dropout")
def dropout_backward_mask_after_derivative(a_last, y, caches, keep_prob):
    # masks dZ after the ReLU derivative instead of dA before it: the same numbers
    m = y.shape[1]
    grads, dz = {}, a_last - y
    for l in range(len(caches), 0, -1):
        a_prev, w, _, _, _ = caches[l - 1]
        grads[f"dW{l}"] = dz @ a_prev.T / m
        grads[f"db{l}"] = dz.sum(axis=1, keepdims=True) / m
        if l > 1:
            _, _, z_prev, _, d_prev = caches[l - 2]
            dz = (w.T @ dz) * (z_prev > 0) * d_prev / keep_prob
    return grads


# --------------------------------------------------------------------------
# Gradient checking


def _gradient_check(cost_function, parameters, grads, epsilon=1e-7, *, kind="two-sided", copy=True):
    theta = scratch.parameters_to_vector(parameters)
    grad = scratch.gradients_to_vector(grads, parameters)
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        plus = np.copy(theta) if copy else theta
        plus[i] += epsilon
        j_plus = cost_function(scratch.vector_to_parameters(plus, parameters))
        if kind == "one-sided":
            plus[i] -= epsilon
            approx[i] = (
                j_plus - cost_function(scratch.vector_to_parameters(theta, parameters))
            ) / epsilon
            continue
        minus = np.copy(theta) if copy else theta
        minus[i] -= epsilon
        j_minus = cost_function(scratch.vector_to_parameters(minus, parameters))
        approx[i] = (j_plus - j_minus) / (2 * epsilon)
    return np.linalg.norm(approx - grad) / (np.linalg.norm(approx) + np.linalg.norm(grad))


@mistake("gradient_check_n", "one-sided difference")
def gradient_check_one_sided(cost_function, parameters, grads, epsilon=1e-7):
    return _gradient_check(cost_function, parameters, grads, epsilon, kind="one-sided")


@mistake("gradient_check_n", "θ is not copied")
def gradient_check_not_copied(cost_function, parameters, grads, epsilon=1e-7):
    return _gradient_check(cost_function, parameters, grads, epsilon, copy=False)


@mistake("gradient_check_n", "not restored")
def gradient_check_dict_in_place(cost_function, parameters, grads, epsilon=1e-7):
    # perturbs the learner's own dict in place and forgets to put the value back
    approx, grad = [], []
    for key in parameters:
        flat = parameters[key].reshape(-1)
        for i in range(flat.size):
            flat[i] += epsilon
            j_plus = cost_function(parameters)
            flat[i] -= 2 * epsilon
            j_minus = cost_function(parameters)
            approx.append((j_plus - j_minus) / (2 * epsilon))
            grad.append(grads["d" + key].reshape(-1)[i])
    approx, grad = np.array(approx), np.array(grad)
    return np.linalg.norm(approx - grad) / (np.linalg.norm(approx) + np.linalg.norm(grad))


@mistake("gradient_check_n", "only the numerator")
def gradient_check_no_denominator(cost_function, parameters, grads, epsilon=1e-7):
    theta = scratch.parameters_to_vector(parameters)
    approx = np.array(
        [
            (
                cost_function(scratch.vector_to_parameters(theta + epsilon * e, parameters))
                - cost_function(scratch.vector_to_parameters(theta - epsilon * e, parameters))
            )
            / (2 * epsilon)
            for e in np.eye(theta.size)
        ]
    )
    return np.linalg.norm(approx - scratch.gradients_to_vector(grads, parameters))


@correct("gradient_check_n")
def gradient_check_per_key(cost_function, parameters, grads, epsilon=1e-7):
    # loops over the dict, perturbing copies; its own order of components
    approx, grad = [], []
    for key in sorted(parameters, reverse=True):
        for index in np.ndindex(parameters[key].shape):
            plus = {k: v.copy() for k, v in parameters.items()}
            minus = {k: v.copy() for k, v in parameters.items()}
            plus[key][index] += epsilon
            minus[key][index] -= epsilon
            approx.append((cost_function(plus) - cost_function(minus)) / (2 * epsilon))
            grad.append(grads["d" + key][index])
    approx, grad = np.array(approx), np.array(grad)
    return np.linalg.norm(approx - grad) / (np.linalg.norm(approx) + np.linalg.norm(grad))


# --------------------------------------------------------------------------
# Optimization


@mistake("random_mini_batches", "last partial mini-batch is missing")
def batches_drop_last(x, y, mini_batch_size=64, seed=0):
    order = np.random.default_rng(seed).permutation(x.shape[1])
    x, y = x[:, order], y[:, order]
    count = x.shape[1] // mini_batch_size
    return [
        (
            x[:, k * mini_batch_size : (k + 1) * mini_batch_size],
            y[:, k * mini_batch_size : (k + 1) * mini_batch_size],
        )
        for k in range(count)
    ]


@mistake("random_mini_batches", "different permutations")
def batches_two_permutations(x, y, mini_batch_size=64, seed=0):
    rng = np.random.default_rng(seed)
    x, y = x[:, rng.permutation(x.shape[1])], y[:, rng.permutation(x.shape[1])]
    return [
        (x[:, k : k + mini_batch_size], y[:, k : k + mini_batch_size])
        for k in range(0, x.shape[1], mini_batch_size)
    ]


@mistake("random_mini_batches", "hard-coded to 64")
def batches_hard_coded(x, y, mini_batch_size=64, seed=0):
    order = np.random.default_rng(seed).permutation(x.shape[1])
    x, y = x[:, order], y[:, order]
    return [(x[:, k : k + 64], y[:, k : k + 64]) for k in range(0, x.shape[1], 64)]


@mistake("random_mini_batches", "not shuffled")
def batches_not_shuffled(x, y, mini_batch_size=64, seed=0):
    return [
        (x[:, k : k + mini_batch_size], y[:, k : k + mini_batch_size])
        for k in range(0, x.shape[1], mini_batch_size)
    ]


@correct("random_mini_batches")
def batches_legacy_ceil_loop(x, y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = x.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_x, shuffled_y = x[:, permutation], y[:, permutation].reshape((1, m))
    batches = []
    for k in range(math.ceil(m / mini_batch_size)):
        end = min((k + 1) * mini_batch_size, m)
        batches.append(
            (shuffled_x[:, k * mini_batch_size : end], shuffled_y[:, k * mini_batch_size : end])
        )
    return batches


@mistake("update_parameters_with_momentum", "(1 − β) factor is missing")
def momentum_no_one_minus_beta(parameters, grads, v, beta, learning_rate):
    for key in parameters:
        v["d" + key] = beta * v["d" + key] + grads["d" + key]
        parameters[key] = parameters[key] - learning_rate * v["d" + key]
    return parameters, v


@correct("update_parameters_with_momentum")
def momentum_in_place_ng_style(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(L):
        v["dW" + str(l + 1)] = beta * v["dW" + str(l + 1)] + (1 - beta) * grads["dW" + str(l + 1)]
        v["db" + str(l + 1)] = beta * v["db" + str(l + 1)] + (1 - beta) * grads["db" + str(l + 1)]
        parameters["W" + str(l + 1)] -= learning_rate * v["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] -= learning_rate * v["db" + str(l + 1)]
    return parameters, v


def _adam(
    parameters,
    grads,
    v,
    s,
    t,
    learning_rate,
    beta1,
    beta2,
    epsilon,
    *,
    power=True,
    t_shift=0,
    eps_inside=False,
):
    v_corrected, s_corrected = {}, {}
    step = t + t_shift
    for key in parameters:
        d = "d" + key
        v[d] = beta1 * v[d] + (1 - beta1) * grads[d]
        s[d] = beta2 * s[d] + (1 - beta2) * np.square(grads[d])
        v_corrected[d] = v[d] / (1 - (beta1**step if power else beta1))
        s_corrected[d] = s[d] / (1 - (beta2**step if power else beta2))
        root = (
            np.sqrt(s_corrected[d] + epsilon) if eps_inside else np.sqrt(s_corrected[d]) + epsilon
        )
        parameters[key] = parameters[key] - learning_rate * v_corrected[d] / root
    return parameters, v, s, v_corrected, s_corrected


@mistake("update_parameters_with_adam", "β instead of β^t")
def adam_beta_not_power(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, power=False)


@mistake("update_parameters_with_adam", "as if t started at 0")
def adam_t_from_zero(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, t_shift=-1)


@mistake("update_parameters_with_adam", "ε is inside the square root")
def adam_epsilon_inside(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    return _adam(parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon, eps_inside=True)


@correct("update_parameters_with_adam")
def adam_scratch_steps(
    parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999, epsilon=1e-8
):
    out = ({}, {}, {}, {}, {})
    for key, w in parameters.items():
        d = "d" + key
        parts = scratch.adam_step(w, grads[d], v[d], s[d], t, learning_rate, beta1, beta2, epsilon)
        out[0][key] = parts[0]
        for i in range(1, 5):
            out[i][d] = parts[i]
    return out


@mistake("update_lr", "1 + is missing")
def update_lr_no_one(learning_rate0, epoch_num, decay_rate):
    return learning_rate0 / (decay_rate * epoch_num) if epoch_num else learning_rate0


@mistake("schedule_lr_decay", "no floor")
def schedule_no_floor(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return learning_rate0 / (1 + decay_rate * epoch_num / time_interval)


@mistake("schedule_lr_decay", "time_interval is ignored")
def schedule_ignores_interval(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return learning_rate0 / (1 + decay_rate * epoch_num)


@correct("schedule_lr_decay")
def schedule_integer_division(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    intervals = epoch_num // time_interval
    return learning_rate0 * 1.0 / (1.0 + decay_rate * intervals)


# --------------------------------------------------------------------------
# Keras components


@mistake("L2Regularizer", "λ/m instead of λ/2m")
class L2OverM(keras.regularizers.Regularizer):
    def __init__(self, lambd, m):
        self.lambd, self.m = lambd, m

    def __call__(self, weights):
        return self.lambd / self.m * keras.ops.sum(keras.ops.square(weights))

    def get_config(self):
        return {"lambd": self.lambd, "m": self.m}


@mistake("InvertedDropout", "not divided by keep_prob")
class DropoutNoScale(keras.layers.Layer):
    def __init__(self, keep_prob, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.keep_prob, self.seed = keep_prob, seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        keep = (
            keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) < self.keep_prob
        )
        return keras.ops.where(keep, inputs, 0.0)

    def get_config(self):
        return {**super().get_config(), "keep_prob": self.keep_prob, "seed": self.seed}


@mistake("InvertedDropout", "inference scales")
class DropoutScalesAtInference(DropoutNoScale):
    def call(self, inputs, training=False):
        if not training:
            return inputs * self.keep_prob
        keep = (
            keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator) < self.keep_prob
        )
        return keras.ops.where(keep, inputs / self.keep_prob, 0.0)


@correct("InvertedDropout")
class DropoutGreaterMask(DropoutNoScale):
    def call(self, inputs, training=False):
        if not training:
            return inputs
        draws = keras.random.uniform(keras.ops.shape(inputs), seed=self.seed_generator)
        keep = keras.ops.cast(draws > 1 - self.keep_prob, inputs.dtype)
        return inputs * keep / self.keep_prob


@correct("InvertedDropout")
class DropoutWithKerasRandomDropout(DropoutNoScale):
    def call(self, inputs, training=False):
        if not training:
            return inputs
        return keras.random.dropout(inputs, 1 - self.keep_prob, seed=self.seed_generator)


@mistake("InvertedDropout", "the same on every call")
class DropoutIntSeed(DropoutNoScale):
    def call(self, inputs, training=False):
        if not training:
            return inputs
        draws = keras.random.uniform(keras.ops.shape(inputs), seed=7)  # an int seed repeats
        return keras.ops.where(draws < self.keep_prob, inputs / self.keep_prob, 0.0)


@mistake("HeInitializer", "2 / fan_out")
class HeFanOut(keras.initializers.Initializer):
    def __init__(self, seed=None):
        self.seed = seed

    def __call__(self, shape, dtype=None):
        return keras.random.normal(shape, stddev=(2 / shape[1]) ** 0.5, dtype=dtype, seed=self.seed)

    def get_config(self):
        return {"seed": self.seed}


@correct("HeInitializer")
class HeTruncatedUniform(HeFanOut):
    def __call__(self, shape, dtype=None):
        limit = (6 / shape[0]) ** 0.5  # uniform in ±√(6/n): variance 2/n
        return keras.random.uniform(shape, -limit, limit, dtype=dtype, seed=self.seed)


@correct("HeInitializer")
class HeThroughVarianceScaling(HeFanOut):
    def __call__(self, shape, dtype=None):
        scaling = keras.initializers.VarianceScaling(2.0, "fan_in", "truncated_normal", self.seed)
        return scaling(shape, dtype=dtype)
