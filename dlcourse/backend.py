"""The few things Keras 3 does not offer on every backend: gradients, compilation, NumPy.

Keras 3 runs the same model, loss and optimizer on TensorFlow, JAX and PyTorch, and
`keras.ops` does the math on each. Three things it leaves to the backend: the
gradient of a function (`tf.GradientTape`, `jax.value_and_grad`,
`torch.autograd.grad`), compiling a function (`tf.function`, `jax.jit`; PyTorch runs
eagerly) and one setting of `compile` (`steps_per_execution` must be 1 on PyTorch).
This module does each in a few lines per backend, as Keras's own trainers do, and
imports a framework only when it is the active backend (`KERAS_BACKEND`): on JAX
or PyTorch, TensorFlow is never imported.

- `value_and_grad(function, values)`: a function of tensors, its value and gradient;
- `variable_value_and_grad(function, variables)`: the same for a function that
  reads Keras variables (a model's weights);
- `loss_gradients(model, x, y, loss)`: the gradient of the cost `fit` minimizes and
  of its data term alone, as NumPy arrays (Ng's regularization lessons);
- `compile_function(function)`, `to_numpy(value)`, `steps_per_execution(steps)`;
- `float64()`: a context in which float64 really is float64 on every backend;
- `small_model_threads()`: PyTorch on one CPU thread, for the course's small models,
  and `op_threads(count)`, the same for one block only;
- `spread_over_devices(value)`: a stacked value split over JAX's devices.

JAX computes float64 in float32 unless its 64-bit mode (`jax_enable_x64`) is on, and
turning it on globally would change a learner's own JAX code. So `import dlcourse`
leaves it alone: the course's float64 checks (`check_model_gradients`,
`cost_function`, the lessons' float64 comparisons) run inside `float64()`, which
switches the mode on for that block only (`jax.enable_x64`), and
`float64_enabled()` says whether it is on.
"""

from __future__ import annotations

import contextlib
import warnings

import keras
import numpy as np

from dlcourse._validation import check_int, invalid_value

__all__ = [
    "BACKENDS",
    "compile_function",
    "float64",
    "float64_enabled",
    "small_model_threads",
    "loss_gradients",
    "name",
    "op_threads",
    "spread_over_devices",
    "steps_per_execution",
    "to_numpy",
    "value_and_grad",
    "variable_value_and_grad",
]

#: The Keras backends this module supports.
BACKENDS = ("tensorflow", "jax", "torch")


def name():
    """The active Keras backend: `"tensorflow"`, `"jax"` or `"torch"`.

    Example:

    >>> name() in BACKENDS
    True
    """
    backend = keras.backend.backend()
    if backend not in BACKENDS:
        raise invalid_value("KERAS_BACKEND", backend, f"one of {BACKENDS}")
    return backend


def float64_enabled():
    """Whether float64 tensors really hold float64 here: always, except on JAX.

    On JAX, only while its 64-bit mode is on (`float64()` or the learner's own
    `jax.config.update("jax_enable_x64", True)`); otherwise JAX makes every
    float64 array float32 (with a warning) and computes in float32.

    Example:

    >>> with float64():
    ...     float64_enabled()
    True
    """
    if name() != "jax":
        return True
    import jax

    return bool(jax.config.jax_enable_x64)


@contextlib.contextmanager
def float64():
    """A block in which float64 computes in float64 on every backend.

    TensorFlow and PyTorch always do (this context does nothing there). JAX
    does only in its 64-bit mode: inside the block it is on (JAX's own
    `jax.enable_x64` context, thread-local), after it the mode is what it was,
    so the learner's JAX code is unaffected. Create *and* use float64 tensors,
    variables and models inside the block: a float64 array is float32 when made
    outside it, and a function compiled inside it is compiled again outside.
    Keras's float32 models are unaffected.

    Example:

    >>> with float64():
    ...     x = keras.ops.convert_to_tensor([1.0, 1e-12], dtype="float64")
    ...     total = float(to_numpy(keras.ops.sum(x)))
    >>> total == 1.0 + 1e-12  # float32 would have lost the 1e-12
    True
    """
    if name() != "jax":
        yield
        return
    import jax

    if hasattr(jax, "enable_x64"):  # JAX ≥ 0.8: a config context manager
        context = jax.enable_x64(True)
    else:  # older JAX: the experimental one
        from jax.experimental import enable_x64

        context = enable_x64(True)
    with context:
        yield


def warn_if_float32_only(what):
    """Warn that `what` would compute in float32: JAX outside `float64()`.

    Returns whether float64 is really available (`float64_enabled()`).
    """
    enabled = float64_enabled()
    if not enabled:
        warnings.warn(
            f"{what}: JAX's 64-bit mode is off, so float64 computes in float32 here. "
            "Run it inside `with dlcourse.backend.float64():`.",
            stacklevel=3,
        )
    return enabled


def to_numpy(value):
    """A NumPy array from a tensor, Keras variable, array or number of any backend.

    `keras.ops.convert_to_numpy` with the two cases it does not cover: a Keras
    variable (its value) and TensorFlow's sparse `IndexedSlices` gradients.

    Example:

    >>> to_numpy(keras.ops.ones((2,)))
    array([1., 1.], dtype=float32)
    """
    if isinstance(value, keras.Variable):
        value = value.value
    if type(value).__name__ == "IndexedSlices":  # TensorFlow's sparse gradients
        import tensorflow as tf

        value = tf.convert_to_tensor(value)
    return np.asarray(keras.ops.convert_to_numpy(value))


def value_and_grad(function, values, *, has_aux=False):
    """The value of `function(values)` and its gradient with respect to `values`.

    `values` is a tensor or a structure (list, tuple, dict) of tensors; the
    gradient has the same structure. `function` must return a scalar, or
    `(scalar, aux)` with `has_aux=True`. Works eagerly and inside a function
    compiled with `compile_function`.

    Args:
        function: `function(values) -> scalar` (or `(scalar, aux)`), written with
            `keras.ops`.
        values: Where to differentiate: a tensor or structure of float tensors.
        has_aux: Whether `function` also returns auxiliary outputs.

    Returns:
        `(value, gradients)`, or `((value, aux), gradients)` with `has_aux`
        (JAX's convention). Tensors of the backend; `to_numpy` converts them.

    Example:

    >>> x = keras.ops.convert_to_tensor([1.0, 2.0], "float32")
    >>> value, gradient = value_and_grad(lambda x: keras.ops.sum(x**3), x)
    >>> to_numpy(gradient)
    array([ 3., 12.], dtype=float32)
    """
    backend = name()
    if backend == "jax":
        import jax

        return jax.value_and_grad(function, has_aux=has_aux)(values)
    flat = keras.tree.flatten(values)
    if backend == "tensorflow":
        import tensorflow as tf

        flat = [tf.convert_to_tensor(v) for v in flat]
        with tf.GradientTape() as tape:
            tape.watch(flat)
            out = function(keras.tree.pack_sequence_as(values, flat))
        loss = out[0] if has_aux else out
        gradients = tape.gradient(loss, flat, unconnected_gradients="zero")
    else:
        import torch

        flat = [keras.ops.convert_to_tensor(v).detach().requires_grad_(True) for v in flat]
        with torch.enable_grad():
            out = function(keras.tree.pack_sequence_as(values, flat))
            loss = out[0] if has_aux else out
            gradients = torch.autograd.grad(loss, flat, allow_unused=True)
        gradients = [torch.zeros_like(v) if g is None else g for v, g in zip(flat, gradients)]
        out = keras.tree.map_structure(
            lambda t: t.detach() if isinstance(t, torch.Tensor) else t, out
        )
    return out, keras.tree.pack_sequence_as(values, list(gradients))


def variable_value_and_grad(function, variables, *, has_aux=False):
    """The value of `function()` and its gradient with respect to Keras variables.

    `function` takes no arguments and reads `variables` (a model's weights, say
    `model.trainable_variables`): a loss of `model(x)`. The variables are
    swapped for tensors inside a `keras.StatelessScope` (as `model.stateless_call`
    does), so it works on every backend, JAX included; the variables and any
    state the function would update (dropout seeds) are left unchanged.

    Args:
        function: `function() -> scalar` (or `(scalar, aux)` with `has_aux`).
        variables: A list of `keras.Variable`.
        has_aux: Whether `function` also returns auxiliary outputs.

    Returns:
        `(value, gradients)` (or `((value, aux), gradients)`), one gradient per
        variable, in order; backend tensors (`to_numpy` converts them).

    Example:

    >>> w = keras.Variable([1.0, -2.0], dtype="float32")
    >>> value, (gradient,) = variable_value_and_grad(lambda: keras.ops.sum(w * w), [w])
    >>> to_numpy(gradient)
    array([ 2., -4.], dtype=float32)
    """
    variables = list(variables)
    for index, variable in enumerate(variables):
        if not isinstance(variable, keras.Variable):
            raise invalid_value(f"variables[{index}]", variable, "a keras.Variable")

    def of_values(values):
        with keras.StatelessScope(state_mapping=list(zip(variables, values))):
            return function()

    return value_and_grad(of_values, [v.value for v in variables], has_aux=has_aux)


def loss_gradients(model, x, y, loss, *, training=False):
    """Gradients of the cost `fit` minimizes and of its data term alone, as NumPy.

        J = mean loss(y, model(x)) + Σ model.losses        (full)
        J_data = mean loss(y, model(x))                     (data term)

    Their difference is what the regularizers add to each gradient: Ng's
    `dW += (λ/m) W` for L2, `(λ/m) sgn(W)` for L1. The model is unchanged.

    Args:
        model: A built `keras.Model`.
        x: Inputs for the model.
        y: Targets for `loss`.
        loss: A Keras loss name, a `keras.losses.Loss` or a callable
            `loss(y_true, y_pred)`; per-example values are averaged, as `fit` does.
        training: Call the model in training mode (dropout on).

    Returns:
        `(full, data)`: two lists of NumPy arrays, one per
        `model.trainable_variables` entry, in that order.

    Example:

    >>> import dlcourse
    >>> model = dlcourse.two_layer_net(2, 3, 1, regularizer=dlcourse.L2(0.5, m=4), seed=0)
    >>> x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    >>> full, data = loss_gradients(model, x, y, "binary_crossentropy")
    >>> kernel = to_numpy(model.trainable_variables[0])
    >>> bool(np.allclose(full[0] - data[0], 0.5 / 4 * kernel, atol=1e-6))
    True
    """
    if not isinstance(model, keras.Model):
        raise invalid_value("model", model, "a keras.Model")
    expected = "a Keras loss name, a keras.losses.Loss or a callable loss(y_true, y_pred)"
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except ValueError:
            raise invalid_value("loss", loss, expected) from None
    if not callable(loss):
        raise invalid_value("loss", loss, expected)
    variables = model.trainable_variables

    def costs():
        data = keras.ops.mean(loss(y, model(x, training=training)))
        penalties = model.losses
        full = data + keras.ops.sum(keras.ops.stack(penalties)) if penalties else data
        return full, data

    def full_cost():
        return costs()[0]

    def data_cost():
        return costs()[1]

    gradients = [variable_value_and_grad(f, variables)[1] for f in (full_cost, data_cost)]
    return tuple([to_numpy(g) for g in grads] for grads in gradients)


def compile_function(function, *, jit_compile=False):
    """`function` compiled for the active backend: `tf.function`, `jax.jit`, or as is.

    TensorFlow traces a graph (autograph off: write loops with `keras.ops.fori_loop`,
    `keras.ops.while_loop`; shapes generalize after a second call with new ones),
    XLA with `jit_compile=True`; JAX compiles with XLA, once per input shape.
    PyTorch runs it eagerly: `torch.compile` costs more than it saves for the
    course's small models. On JAX the function must be pure (no variable
    assignment): pass state in and return it, as `model.stateless_call` does.

    Args:
        function: A function of tensors written with `keras.ops`.
        jit_compile: TensorFlow: compile with XLA (JAX always does).

    Returns:
        The compiled function (the same function on PyTorch).

    Example:

    >>> square_sum = compile_function(lambda x: keras.ops.sum(x * x))
    >>> float(square_sum(keras.ops.ones((3,))))
    3.0
    """
    if jit_compile not in (True, False):
        raise invalid_value("jit_compile", jit_compile, "True or False")
    backend = name()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(
            function, jit_compile=jit_compile, autograph=False, reduce_retracing=True
        )
    if backend == "jax":
        import jax

        return jax.jit(function)
    return function


def small_model_threads(threads=1):
    """On PyTorch, compute on `threads` CPU threads (unless `OMP_NUM_THREADS` says otherwise).

    PyTorch runs each operation on every core (OpenMP), and its threads wait for each
    other at the end of each one. For the course's small models each operation is a few
    microseconds of arithmetic, so the waiting dominates, badly so on a shared machine:
    on 2 busy cores a (200, 100) × (100, 100) matmul took 3.6 ms on 2 threads and 0.13 ms
    on 1, and a 3-layer `fit` step 100 ms against 8 ms. TensorFlow and JAX keep their own
    thread pools and are left alone; so is PyTorch when `OMP_NUM_THREADS` is set (your
    choice wins). The lessons call it at their start; call it yourself for small models.

    Args:
        threads: CPU threads for PyTorch's operations (a positive int).

    Returns:
        The number of threads PyTorch now uses, or None on TensorFlow and JAX.

    Example:

    >>> threads = small_model_threads()  # None on TensorFlow and JAX
    >>> threads is None or threads >= 1
    True
    """
    import os

    threads = check_int(threads, "threads", low=1)
    if name() != "torch":
        return None
    import torch

    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def steps_per_execution(steps=32):
    """The `steps_per_execution` to give `model.compile`: `steps`, or 1 on PyTorch.

    Running several mini-batch steps per call speeds `fit` up 2–4× on TensorFlow
    and JAX for small models (the call, not the arithmetic, sets the pace); Keras's
    PyTorch trainer runs one step per call and rejects more.

    Args:
        steps: Steps per call wanted (a positive int).

    Returns:
        `steps`, or 1 on the PyTorch backend.

    Example:

    >>> steps_per_execution(32) == (1 if name() == "torch" else 32)
    True
    """
    steps = check_int(steps, "steps", low=1)
    return 1 if name() == "torch" else steps


@contextlib.contextmanager
def op_threads(threads=1):
    """`small_model_threads(threads)` for the block only: PyTorch's setting comes back after.

    For library code that runs many small eager ops (a sweep's steps, the playground's
    frames) inside a learner's session: on 2 loaded cores, lesson 11's sweep ran 13×
    faster on one thread. TensorFlow and JAX are left alone, and so is PyTorch when
    `OMP_NUM_THREADS` is set.

    Args:
        threads: CPU threads for PyTorch's operations (a positive int).

    Example:

    >>> with op_threads(1):
    ...     float(keras.ops.sum(keras.ops.ones((3,))))
    3.0
    """
    threads = check_int(threads, "threads", low=1)
    if name() != "torch":
        yield
        return
    import torch

    before = torch.get_num_threads()
    small_model_threads(min(threads, before))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def spread_over_devices(value, axis_name="members"):
    """`value` split along its first axis over the available devices (JAX), else as is.

    Keras's distribution API does the placing: a one-axis `DeviceMesh` over every
    device and a `TensorLayout` that splits the first axis over it, the other axes
    whole. Compiled functions then run each device's share where it lives (JAX
    follows the inputs' placement). On one device, on TensorFlow or PyTorch, or when
    the first axis does not split evenly, `value` is returned unchanged.

    Args:
        value: A tensor whose first axis is independent items (a sweep's members).
        axis_name: The mesh axis's name.

    Returns:
        The tensor, placed over the devices where it can be.

    Example:

    >>> tuple(spread_over_devices(keras.ops.ones((4, 3))).shape)
    (4, 3)
    """
    if name() != "jax":
        return value
    devices = keras.distribution.list_devices()
    if len(devices) < 2 or value.shape[0] % len(devices):
        return value
    mesh = keras.distribution.DeviceMesh((len(devices),), [axis_name], devices)
    layout = keras.distribution.TensorLayout((axis_name,) + (None,) * (len(value.shape) - 1), mesh)
    return keras.distribution.distribute_tensor(value, layout)
