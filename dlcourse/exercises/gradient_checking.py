"""Check of the gradient-checking exercise, `gradient_check_n`.

The reference is `dlcourse.gradcheck` (two-sided differences, Ng's relative difference)
over `dlcourse.scratch`'s flattening. The learner may flatten θ in any order, loop over
the dict instead, or perturb copies of the arrays: only the returned difference counts,
on correct gradients, on gradients with planted bugs, and at a large ε where a one-sided
difference shows.
"""

from __future__ import annotations

import numpy as np

from dlcourse import gradcheck, scratch
from dlcourse.exercises._core import register
from dlcourse.exercises.regularization import net

NOTEBOOK = "03_gradient_checking"
LESSONS = ((4, "Gradient checking"),)


def _problem(lambd=0.7):
    parameters, x, y = net([3, 4, 3, 1], m=5)

    def cost_function(trial):
        return scratch.cost(scratch.forward(trial, x)[0], y, trial, lambd=lambd)

    a_last, caches = scratch.forward(parameters, x)
    grads = scratch.backward(a_last, y, caches, lambd=lambd)
    return cost_function, parameters, grads


def _buggy(grads):
    """Ng's two planted bugs: dW2 doubled, a wrong constant in db1."""
    grads = {key: value.copy() for key, value in grads.items()}
    grads["dW2"] = grads["dW2"] * 2
    grads["db1"] = grads["db1"] + 0.4
    return grads


def _approx(cost_function, parameters, epsilon, kind="two-sided", restore=True):
    """A (possibly wrong) finite-difference gradient, flattened as scratch does."""
    theta = scratch.parameters_to_vector(parameters)
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        plus = theta.copy()
        plus[i] += epsilon
        j_plus = cost_function(scratch.vector_to_parameters(plus, parameters))
        if kind == "one-sided":
            j_base = cost_function(scratch.vector_to_parameters(theta, parameters))
            approx[i] = (j_plus - j_base) / epsilon
            continue
        minus = theta if not restore else theta.copy()  # not restored: θ drifts by −ε
        minus[i] -= epsilon
        j_minus = cost_function(scratch.vector_to_parameters(minus, parameters))
        approx[i] = (j_plus - j_minus) / (epsilon if kind == "by-epsilon" else 2 * epsilon)
        if kind == "aliased":  # thetaplus and thetaminus both the same array as θ
            approx[i] = (
                j_plus - cost_function(scratch.vector_to_parameters(theta, parameters))
            ) / (2 * epsilon)
    return approx


def reference(cost_function, parameters, grads, epsilon=1e-7):
    """Ng's check with `dlcourse.gradcheck`: two-sided differences, relative difference."""
    theta = scratch.parameters_to_vector(parameters)
    approx = gradcheck.numerical_gradient(
        lambda vector: cost_function(scratch.vector_to_parameters(vector, parameters)),
        theta,
        epsilon,
    )
    return gradcheck.relative_difference(approx, scratch.gradients_to_vector(grads, parameters))


def _mistake(kind="two-sided", restore=True, order=None, norm="ng", fixed_epsilon=None):
    def wrong(cost_function, parameters, grads, epsilon=1e-7):
        epsilon = fixed_epsilon or epsilon
        approx = _approx(cost_function, parameters, epsilon, kind, restore)
        if order == "sorted":  # grads flattened in another order than θ
            grad = np.concatenate([np.ravel(grads[k]) for k in sorted(grads)])
        else:
            grad = scratch.gradients_to_vector(grads, parameters)
        numerator = np.linalg.norm(approx - grad)
        if norm == "numerator":
            return numerator
        if norm == "one-norm":
            return numerator / np.linalg.norm(grad)
        if norm == "squared":
            return numerator**2 / (np.linalg.norm(approx) ** 2 + np.linalg.norm(grad) ** 2)
        return numerator / (np.linalg.norm(approx) + np.linalg.norm(grad))

    return wrong


#: What it means when `parameters` or `grads` come back changed.
CHANGED = (
    "θ is not restored after a perturbation: your function leaves `{name}` changed; "
    "perturb a copy (np.copy(theta), or a copied dict) and leave the learner's values alone"
)

MISTAKES = (
    (
        "looks like a one-sided difference (J(θ+ε) − J(θ))/ε: use the two-sided "
        "(J(θ+ε) − J(θ−ε))/2ε, error O(ε²)",
        _mistake("one-sided"),
    ),
    ("looks like dividing by ε instead of 2ε", _mistake("by-epsilon")),
    (
        "θ is not copied before perturbing it: thetaplus and thetaminus are the same "
        "array as θ (use np.copy)",
        _mistake("aliased"),
    ),
    (
        "θ is not restored after a perturbation: θ−ε is taken from θ itself, so θ drifts "
        "(copy θ for each perturbation)",
        _mistake(restore=False),
    ),
    (
        "the gradients are flattened in another order than θ: flatten both in the same "
        "order (scratch.gradients_to_vector)",
        _mistake(order="sorted"),
    ),
    (
        "only the numerator ||approx − grad||₂: divide by ||approx||₂ + ||grad||₂",
        _mistake(norm="numerator"),
    ),
    (
        "looks like ||approx − grad|| / ||grad||: the denominator is ||approx|| + ||grad||",
        _mistake(norm="one-norm"),
    ),
    (
        "looks like squared norms: use the norms themselves, np.linalg.norm",
        _mistake(norm="squared"),
    ),
    ("`epsilon` is ignored: perturb by the epsilon you are given", _mistake(fixed_epsilon=1e-7)),
)


@register(
    "gradient_check_n",
    notebook=NOTEBOOK,
    arguments=("cost_function", "parameters", "grads", "epsilon"),
    formula="dθ_approx[i] = (J(θ + ε e_i) − J(θ − ε e_i)) / 2ε;  "
    "difference = ||dθ_approx − dθ||₂ / (||dθ_approx||₂ + ||dθ||₂)",
    lessons=LESSONS,
    hints=(
        "Flatten the parameters into one vector θ, nudge one component at a time by ±ε, "
        "and compare the slope you measure with the gradient you were given.",
        "thetaplus = np.copy(theta); thetaplus[i] += epsilon; J_plus = cost_function("
        "scratch.vector_to_parameters(thetaplus, parameters)); the same with −ε; then "
        "(J_plus − J_minus) / (2 * epsilon).",
        "difference = np.linalg.norm(approx - grad) / (np.linalg.norm(approx) + "
        "np.linalg.norm(grad))",
    ),
)
def check_gradient_check(t):
    cost_function, parameters, grads = _problem()
    case = "net [3, 4, 3, 1], m = 5, L2 cost with lambd = 0.7"
    t.step(
        "gradients with two bugs give the course's difference",
        case=case + ", grads with dW2 doubled and 0.4 added to db1",
    )
    inputs = (cost_function, parameters, _buggy(grads), 1e-7)
    received = t.number(t.call(*inputs, changed=CHANGED), "the difference", mistake=None)
    t.expect_close(
        received, reference(*inputs), "the difference", mistakes=MISTAKES, inputs=inputs, rtol=1e-4
    )
    t.step("correct gradients give a difference < 1e-7", case=case + ", correct grads")
    inputs = (cost_function, parameters, grads, 1e-7)
    received = t.number(t.call(*inputs, changed=CHANGED), "the difference", mistake=None)
    if not received < 1e-7:
        t.expect_close(
            received,
            reference(*inputs),
            "the difference",
            mistakes=MISTAKES,
            inputs=inputs,
            rtol=1e-2,
        )
    t.step("the difference at ε = 1e-3 is the two-sided one", case=case + ", correct grads")
    inputs = (cost_function, parameters, grads, 1e-3)
    t.expect_close(
        t.number(t.call(*inputs, changed=CHANGED), "the difference", mistake=None),
        reference(*inputs),
        "the difference",
        mistakes=MISTAKES,
        inputs=inputs,
        rtol=1e-3,
        atol=1e-11,
    )
