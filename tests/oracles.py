"""Independent references the tests compare the package against, built from public API only."""

import numpy as np

from dlcourse.gradcheck import GradientCheckResult
from dlcourse.modelcheck import cost_function


def loop_check_model_gradients(model, x, y, loss, indices=None, *, epsilon=1e-6, two_sided=True):
    """Ng's gradient check of a Keras model as a plain Python loop, one parameter at a time.

    The oracle for `check_model_gradients`' batched, vectorized perturbations: the same
    float64 cost `J(θ)` (`cost_function`, one compiled forward pass a call), evaluated at
    each `θ ± ε e_i` in turn, as in Ng's assignment. `indices` picks the components of θ
    to check (default: all).
    """
    J, gradient, theta0 = cost_function(model, x, y, loss)
    indices = np.arange(theta0.size) if indices is None else np.asarray(indices)
    base = None if two_sided else J(theta0)
    approx = np.empty(indices.size)
    for k, i in enumerate(indices):
        plus = theta0.copy()
        plus[i] += epsilon
        if two_sided:
            minus = theta0.copy()
            minus[i] -= epsilon
            approx[k] = (J(plus) - J(minus)) / (2 * epsilon)
        else:
            approx[k] = (J(plus) - base) / epsilon
    analytic = gradient(theta0)[indices]
    return GradientCheckResult.compare(approx, analytic, epsilon, two_sided, indices=indices)
