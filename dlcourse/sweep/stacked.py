"""The stacked engine: one group's members as one computation.

Three parts: the packing (where each member's Dense weights sit in one row of the
`(members, P)` variable), the members' math (forward pass, losses, penalties,
metrics; `keras.ops` only), and the compiled loop (many epochs per call, one
stateless step: values in, values out).
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
from keras import ops

from dlcourse import backend
from dlcourse import regularizers as course_regularizers
from dlcourse.sweep.plan import scaled_slots

#: Epochs run by one call of the compiled loop (the history buffer's length).
#: Fixed, so neither `epochs` nor `verbose` changes what is compiled.
EPOCHS_PER_CALL = 100

# Regularizers evaluated for all members at once from their coefficients (l1, l2).
_VECTOR_REGULARIZERS = {
    keras.regularizers.L2: lambda r: (0.0, r.l2),
    keras.regularizers.L1: lambda r: (r.l1, 0.0),
    keras.regularizers.L1L2: lambda r: (r.l1, r.l2),
    course_regularizers.L2: lambda r: (0.0, r.keras_coefficient),
    course_regularizers.L1: lambda r: (r.keras_coefficient, 0.0),
}


# --------------------------------------------------------------------------- packing


@dataclasses.dataclass(frozen=True)
class Slot:
    """One weight of every member: columns `start:stop` of the stacked variable."""

    attribute: str  # "kernel" or "bias"
    layer: int  # which Dense layer
    start: int
    stop: int
    shape: tuple


class Packing:
    """The members' Dense weights as one `(members, P)` array, and back.

    An elementwise optimizer does not care how entries are grouped into variables,
    and one variable is one update to run. Penalties of L1/L2 type become two
    `(members, P)` coefficient arrays (one multiply-and-sum for all weights);
    any other regularizer is called on its member's weight.
    """

    def __init__(self, architectures):
        self.layers = [arch.dense_layers for arch in architectures]
        self.members = len(self.layers)
        self.slots = []
        start = 0
        for index, layer in enumerate(self.layers[0]):
            for attribute in ("kernel", "bias") if layer.use_bias else ("kernel",):
                shape = tuple(getattr(layer, attribute).shape)
                stop = start + int(np.prod(shape))
                self.slots.append(Slot(attribute, index, start, stop, shape))
                start = stop
        self.size = start
        l1, l2 = np.zeros((2, self.members, self.size), "float32")
        self.other_penalties = []  # (member, slot, regularizer)
        for m, layers in enumerate(self.layers):
            for slot in self.slots:
                regularizer = getattr(layers[slot.layer], f"{slot.attribute}_regularizer")
                coefficients = _VECTOR_REGULARIZERS.get(type(regularizer))
                if coefficients is not None:
                    l1[m, slot.start : slot.stop], l2[m, slot.start : slot.stop] = coefficients(
                        regularizer
                    )
                elif regularizer is not None:
                    self.other_penalties.append((m, slot, regularizer))
        self.l1 = ops.convert_to_tensor(l1) if l1.any() else None
        self.l2 = ops.convert_to_tensor(l2) if l2.any() else None

    def weights(self, member):
        """The member's Dense variables, in slot order."""
        return [getattr(self.layers[member][s.layer], s.attribute) for s in self.slots]

    def gather(self):
        """`(members, P)` float32 from the members' current weights."""
        return np.stack(
            [
                np.concatenate([backend.to_numpy(w).reshape(-1) for w in self.weights(m)])
                for m in range(self.members)
            ]
        ).astype("float32")

    def scatter(self, flat):
        """Copy `flat (members, P)` (NumPy) into the members' own variables."""
        for m in range(self.members):
            for variable, slot in zip(self.weights(m), self.slots):
                variable.assign(flat[m, slot.start : slot.stop].reshape(slot.shape))

    def views(self, flat):
        """Per slot, `(members, n_in, n_out)` kernels and `(members, 1, n_out)` biases."""
        return [
            ops.reshape(flat[:, s.start : s.stop], (self.members, *s.shape))
            if s.attribute == "kernel"
            else flat[:, None, s.start : s.stop]
            for s in self.slots
        ]

    def penalty(self, flat):
        """Each member's penalty, `(members,)`, or None without regularizers."""
        total = None
        if self.l2 is not None:
            total = ops.sum(self.l2 * flat * flat, axis=1)
        if self.l1 is not None:
            part = ops.sum(self.l1 * ops.absolute(flat), axis=1)
            total = part if total is None else total + part
        for m, slot, regularizer in self.other_penalties:
            weight = ops.reshape(flat[m, slot.start : slot.stop], slot.shape)
            part = ops.one_hot(m, self.members) * ops.cast(regularizer(weight), "float32")
            total = part if total is None else total + part
        return total


# ------------------------------------------------------------------ the optimizer


def stateless_optimizer(optimizer):
    """`optimizer` itself, or on TensorFlow a twin whose `stateless_apply` works.

    Keras's TensorFlow optimizers refuse `stateless_apply` (their updates go through
    `tf.distribute`). The twin is the same class with Keras's backend-neutral update
    methods (`BaseOptimizer`'s: `update_step` unchanged, assignments recorded by the
    `StatelessScope`), so one stateless step serves every backend. On PyTorch,
    Keras's fused `torch._foreach_*` update works in the scope and updates the
    tensors it is given in place (the loop passes each step's values once).
    """
    if backend.name() != "tensorflow":
        return optimizer
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    methods = (
        "stateless_apply",
        "assign",
        "assign_add",
        "assign_sub",
        "_var_key",
        "_apply_weight_decay",
        "_backend_update_step",
    )
    cls = type(optimizer)
    twin = type(cls.__name__, (cls,), {name: getattr(BaseOptimizer, name) for name in methods})
    return twin.from_config(optimizer.get_config())


# ------------------------------------------------------------------- the engine


def _float32(values):
    """`values` as float32 (no op when they are already)."""
    if keras.backend.standardize_dtype(values.dtype) == "float32":
        return values
    return ops.cast(values, "float32")


def align_labels(y, output_rank, output_last_dim):
    """NumPy twin of Keras's `squeeze_or_expand_to_same_rank` for labels vs predictions."""
    if y.ndim == output_rank + 1 and y.shape[-1] == 1:
        return y[..., 0]
    if output_rank == y.ndim + 1 and output_last_dim == 1 and y.ndim == 1:
        return y[..., None]
    return y


class StackedGroup:
    """One `plan.Group` of members trained as one computation."""

    def __init__(self, group, models, optimizer, loss, *, seed, jit_compile):
        self.group = group
        self.models = models
        self.size = len(models)
        self.packing = Packing(group.architectures)
        self.signature = group.architectures[0].signature
        keeps = np.asarray([arch.keeps for arch in group.architectures], "float32")
        self.keeps = [  # per signature entry: (members, 1, ..) keep probabilities, or None
            ops.convert_to_tensor(keeps[:, s]) if np.any(keeps[:, s] < 1) else None
            for s in range(keeps.shape[1])
        ]
        self.dropout = any(keep is not None for keep in self.keeps)
        self.loss_function, self.reduction = loss
        self.metrics = group.metrics
        self.rates = (
            ops.convert_to_tensor(np.asarray(group.learning_rates, "float32")[:, None])
            if group.scale_steps
            else None
        )
        self.jit_compile = jit_compile
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.variable = keras.Variable(self.packing.gather(), name="stacked_weights")
        self.optimizer = stateless_optimizer(optimizer)
        self.optimizer.build([self.variable])
        self.loss_scale = getattr(self.optimizer, "loss_scale_factor", None) or 1.0
        output = models[0].outputs[0].shape
        self.output_rank, self.output_last_dim = len(output), output[-1]
        self._compiled = {}
        self.traces = 0  # how often a compiled loop was traced (a test counts them)

    # ---- weights and optimizer state in and out of the members' own models

    def pull(self):
        """Copy the members' current weights into the stacked variable."""
        self.variable.assign(self.packing.gather())

    def push(self):
        """Copy the weights, and every optimizer slot, into each member's own model.

        A member's optimizer variable named `<weight path>_<kind>` gets its slice of
        the group's `stacked_weights_<kind>`; step counts and other scalars are
        copied as they are. A slot with no counterpart raises, naming it.
        """
        flat = backend.to_numpy(self.variable)
        self.packing.scatter(flat)
        prefix = self.variable.path.replace("/", "_") + "_"
        kinds, scalars = {}, {}
        for variable in self.optimizer.variables:
            value = backend.to_numpy(variable)
            if variable.name.startswith(prefix) and value.shape == flat.shape:
                kinds[variable.name[len(prefix) :]] = value
            else:
                scalars[variable.name] = value
        for m, model in enumerate(self.models):
            optimizer = model.optimizer
            if optimizer is None:
                continue
            if not optimizer.built:
                optimizer.build(model.trainable_variables)
            slots = {
                w.path.replace("/", "_") + "_": slot
                for w, slot in zip(self.packing.weights(m), self.packing.slots)
            }
            updates = []
            for target in optimizer.variables:
                if target.name == "learning_rate":
                    continue  # the member's own (the group's may be 1, see scale_steps)
                if target.name in scalars:
                    value = scalars[target.name]
                else:
                    found = [
                        (slot, target.name[len(p) :])
                        for p, slot in slots.items()
                        if target.name.startswith(p) and target.name[len(p) :] in kinds
                    ]
                    if len(found) != 1:
                        raise ValueError(
                            f"Cannot copy the optimizer slot `{target.name}` of member "
                            f"{self.group.members[m]}: the group's optimizer has no such slot "
                            f"(its slots: {sorted(kinds) + sorted(scalars)})"
                        )
                    slot, kind = found[0]
                    value = kinds[kind][m, slot.start : slot.stop].reshape(slot.shape)
                    if self.rates is not None and kind in scaled_slots(optimizer):
                        value = value * float(self.group.learning_rates[m])  # group ran at 1
                if tuple(value.shape) != tuple(target.shape):
                    raise ValueError(
                        f"Cannot copy the optimizer slot `{target.name}` of member "
                        f"{self.group.members[m]}: shape {tuple(value.shape)} in the group, "
                        f"{tuple(target.shape)} in the member's optimizer"
                    )
                updates.append((target, value))
            for target, value in updates:
                target.assign(value)

    def state(self):
        """`(weights, optimizer values, seed)`: copies, as the loop consumes them.

        Values with one row per member are spread over the devices (JAX with
        several devices): each device trains its share of the members.
        """
        members = tuple(self.variable.shape)

        def spread(value):
            value = ops.copy(value)
            return backend.spread_over_devices(value) if tuple(value.shape) == members else value

        return (
            spread(self.variable.value),
            [spread(v.value) for v in self.optimizer.variables],
            ops.copy(self.seed_generator.state.value),
        )

    def set_state(self, state):
        weights, optimizer_values, seed = state
        self.variable.assign(weights)
        for variable, value in zip(self.optimizer.variables, optimizer_values):
            variable.assign(value)
        self.seed_generator.state.assign(seed)

    # ---- the members' math (keras.ops only)

    def forward(self, flat, x, training):
        """Stacked predictions `(members, batch, ...)` from shared inputs `(batch, ...)`."""
        weights = iter(self.packing.views(flat))
        h, stacked = x, False
        for slot, op in enumerate(self.signature):
            if op.kind == "dense":
                h = h @ next(weights)  # (batch, n_in) broadcasts over the members
                stacked = True
                if op.use_bias:
                    h = h + next(weights)
                if op.activation is not None:
                    h = op.activation(h)
            elif op.kind == "flatten":
                leading = (self.size, ops.shape(h)[1]) if stacked else (ops.shape(h)[0],)
                h = ops.reshape(h, (*leading, -1))
            elif op.kind == "activation":
                h = op.activation(h)
            keep = self.keeps[slot]
            if training and keep is not None:
                if not stacked:
                    h = ops.broadcast_to(h, (self.size, *ops.shape(h)))
                    stacked = True
                keep = ops.reshape(keep, (self.size,) + (1,) * (len(h.shape) - 1))
                u = keras.random.uniform(ops.shape(h), seed=self.seed_generator)
                kept = ops.logical_or(u < keep, keep >= 1.0)
                h = ops.where(kept, h / keep, ops.zeros_like(h))
        return h

    def _batch_sum(self, values, weights):
        """Sum over the batch of `values (members, batch, ...)`, examples weighted 0/1."""
        axes = tuple(range(2, len(values.shape)))
        if weights is not None:
            values = values * ops.reshape(weights, (1, -1) + (1,) * len(axes))
        return ops.sum(values, axis=(1, *axes))

    def scores(self, flat, x, y, training, weights=None):
        """`(members, 1 + metrics)` sums over the batch (loss × examples first), and the losses.

        `weights` (0/1 per example) mark a padded last batch: its mean is over
        the real examples, as Keras's is.
        """
        y_pred = self.forward(flat, x, training)
        y = ops.broadcast_to(y, (self.size, *ops.shape(y)))
        if weights is not None:
            count = ops.sum(weights)
        elif x.shape[0] is not None:
            count = float(x.shape[0])
        else:  # TensorFlow may trace with an unknown batch size
            count = ops.cast(ops.shape(x)[0], "float32")
        per_example = _float32(self.loss_function(y, y_pred))
        if len(per_example.shape) == 1:  # a loss that already reduced the batch
            losses = per_example
        else:
            losses = self._batch_sum(per_example, weights)
            if self.reduction != "sum":
                losses = losses / (count * float(np.prod(per_example.shape[2:])))
        penalty = self.packing.penalty(flat)
        if penalty is not None:
            losses = losses + penalty
        sums = [losses * count]
        for _, function in self.metrics:
            values = _float32(function(y, y_pred))
            while len(values.shape) > 2:  # one value per example, as keras.metrics.Mean does
                values = ops.mean(values, axis=-1)
            sums.append(self._batch_sum(values, weights))
        return ops.stack(sums, axis=1), losses

    # ---- one step and many epochs

    def train_step(self, state, x, y, weights=None):
        """One stateless step: `(weights, optimizer values, seed)` in and out, and the sums."""
        flat, optimizer_values, seed = state

        def total_loss(flat):
            if not self.dropout:
                sums, losses = self.scores(flat, x, y, training=True, weights=weights)
                return ops.sum(losses) * self.loss_scale, (sums, seed)
            with keras.StatelessScope(state_mapping=[(self.seed_generator.state, seed)]) as scope:
                sums, losses = self.scores(flat, x, y, training=True, weights=weights)
                new_seed = scope.get_current_value(self.seed_generator.state)
            return ops.sum(losses) * self.loss_scale, (sums, new_seed)

        (_, (sums, new_seed)), grad = backend.value_and_grad(total_loss, flat, has_aux=True)
        before = ops.copy(flat) if self.rates is not None else None  # PyTorch updates in place
        (new_flat,), optimizer_values = self.optimizer.stateless_apply(
            optimizer_values, [grad], [flat]
        )
        if self.rates is not None:  # the step at each member's own rate
            new_flat = before + (new_flat - before) * self.rates
        return (new_flat, optimizer_values, new_seed), sums

    def _epochs_function(self, m, has_validation):
        """Compiled `(state, x, y, x_val, y_val, order, n) -> (state, history)`.

        Runs `n ≤ EPOCHS_PER_CALL` epochs; `history (EPOCHS_PER_CALL, members, K)`
        holds each epoch's mean loss and metrics (and validation's). A full batch
        trains on `x` as given; mini-batches are gathered by `order (EPOCHS_PER_CALL,
        steps * batch)`, whose last batch is padded with examples of weight 0.
        """
        batch = min(self.group.batch_size, m)
        steps = -(-m // batch)
        padded = steps * batch != m
        width = (1 + len(self.metrics)) * (2 if has_validation else 1)

        def run(state, x, y, x_val, y_val, order, n_epochs):
            self.traces += 1  # Python side effect: once per trace where compiled

            def one_batch(epoch, b, inner):
                state, sums = inner
                start = (ops.cast(epoch, "int32"), ops.cast(b * batch, "int32"))
                index = ops.reshape(ops.slice(order, start, (1, batch)), (batch,))
                weights = None
                if padded:
                    position = b * batch + ops.arange(batch, dtype="int32")
                    weights = ops.cast(position < m, "float32")
                x_b, y_b = ops.take(x, index, axis=0), ops.take(y, index, axis=0)
                state, step_sums = self.train_step(state, x_b, y_b, weights)
                return state, sums + step_sums

            def one_epoch(epoch, carry):
                state, history = carry
                if steps == 1:
                    state, sums = self.train_step(state, x, y)
                else:
                    zeros = ops.zeros((self.size, 1 + len(self.metrics)), "float32")
                    state, sums = ops.fori_loop(
                        0, steps, lambda b, inner: one_batch(epoch, b, inner), (state, zeros)
                    )
                row = [sums / float(m)]
                if has_validation:
                    val_sums, _ = self.scores(state[0], x_val, y_val, training=False)
                    row.append(val_sums / float(ops.shape(x_val)[0]))
                row = ops.expand_dims(ops.concatenate(row, axis=1), 0)  # (1, members, K)
                zero = ops.zeros((), "int32")  # one index dtype (JAX's 64-bit mode mixes them)
                start = (ops.cast(epoch, "int32"), zero, zero)
                return state, ops.slice_update(history, start, row)

            history = ops.zeros((EPOCHS_PER_CALL, self.size, width), "float32")
            return ops.fori_loop(0, n_epochs, one_epoch, (state, history))

        return backend.compile_function(run, jit_compile=self.jit_compile)

    def fit(self, x, y, epochs, validation, order_for, on_epochs):
        """Train; return per member a dict of per-epoch lists. `order_for(epoch)` gives batches."""
        m = len(x)
        has_validation = validation is not None
        batch = min(self.group.batch_size, m)
        steps = -(-m // batch)
        key = (m, has_validation)
        if key not in self._compiled:
            self._compiled[key] = self._epochs_function(m, has_validation)
        run = self._compiled[key]
        self.pull()
        y = align_labels(y, self.output_rank, self.output_last_dim)
        x_t, y_t = ops.convert_to_tensor(x), ops.convert_to_tensor(y)
        if has_validation:
            x_val = ops.convert_to_tensor(validation[0])
            y_val = ops.convert_to_tensor(
                align_labels(validation[1], self.output_rank, self.output_last_dim)
            )
        else:
            x_val, y_val = x_t[:1], y_t[:1]
        state = self.state()
        rows = []
        with backend.op_threads(1):  # small tensors: one thread per op (PyTorch)
            for start in range(0, epochs, EPOCHS_PER_CALL):
                n = min(EPOCHS_PER_CALL, epochs - start)
                if steps == 1:
                    order = np.zeros((EPOCHS_PER_CALL, 1), "int32")  # unused: x as given
                else:
                    orders = [order_for(start + e) if order_for else np.arange(m) for e in range(n)]
                    orders += [np.arange(m)] * (EPOCHS_PER_CALL - n)
                    pad = steps * batch - m  # the padded last batch repeats the first examples
                    order = np.stack([np.concatenate([o, o[:pad]]) for o in orders])
                order = ops.convert_to_tensor(order.astype("int32"))
                state, history = run(
                    state, x_t, y_t, x_val, y_val, order, ops.convert_to_tensor(n, "int32")
                )
                rows.append(backend.to_numpy(history)[:n])
                on_epochs(n * self.size)
        self.set_state(state)
        self.push()
        rows = np.concatenate(rows)  # (epochs, members, K)
        names = ["loss"] + [name for name, _ in self.metrics]
        if has_validation:
            names += ["val_" + name for name in names]
        order = sorted(names[: 1 + len(self.metrics)])  # Keras's order: sorted, then val_
        if has_validation:
            order += ["val_" + name for name in order]
        columns = {name: k for k, name in enumerate(names)}
        return [
            {name: rows[:, member, columns[name]].astype(float).tolist() for name in order}
            for member in range(self.size)
        ]

    def evaluate(self, x, y, batch_size):
        """Per member, {"loss": ..., metric: ...} in inference mode."""
        if "evaluate" not in self._compiled:
            self._compiled["evaluate"] = backend.compile_function(
                lambda flat, x, y: self.scores(flat, x, y, training=False)[0],
                jit_compile=self.jit_compile,
            )
        self.pull()
        y = align_labels(y, self.output_rank, self.output_last_dim)
        totals = 0.0
        for start in range(0, len(x), batch_size):
            xb = ops.convert_to_tensor(x[start : start + batch_size])
            yb = ops.convert_to_tensor(y[start : start + batch_size])
            totals = totals + backend.to_numpy(
                self._compiled["evaluate"](self.variable.value, xb, yb)
            )
        totals = totals / len(x)
        names = ["loss"] + [name for name, _ in self.metrics]
        return [
            {name: float(totals[m, names.index(name)]) for name in sorted(names)}
            for m in range(self.size)
        ]
