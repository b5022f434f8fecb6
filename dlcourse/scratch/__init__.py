"""From-scratch NumPy code: every step the first lessons build by hand.

Nothing here is faster or better than Keras; the point is to see every step. The
lessons check these functions against the framework (its automatic differentiation, Keras
layers and optimizers), and so do `tests/test_scratch.py` and
`tests/test_scratch_optimizers.py`. Nothing in this package is a Keras object:
for Keras models use `dlcourse.layers`, `dlcourse.models` and `keras.optimizers`.

- `dlcourse.scratch.perceptron`: `perceptron_fit`, `perceptron_predict`, `step` —
  Rosenblatt's rule (lesson 1); rows are examples.
- `dlcourse.scratch.mlp`: `init_parameters`, `forward`, `cost`, `backward`,
  `update_parameters` — Ng's MLP with examples as columns (lessons 3 and 4);
  `parameters_to_vector`, `vector_to_parameters`, `gradients_to_vector`,
  `parameter_slices` — flattening for gradient checking; `multiply_adds` — a
  pass's cost counted from the matrix shapes (lesson 3).
- `dlcourse.scratch.optimizers`: `SGD`, `Momentum`, `RMSProp`, `Adam` — the update
  rules in Ng's notation (lessons 5 and 6), each naming its `keras.optimizers`
  equivalent.

Every public name is also importable from `dlcourse.scratch` itself
(`scratch.forward`, `scratch.Adam`).
"""

from dlcourse.scratch import mlp, optimizers, perceptron
from dlcourse.scratch.mlp import (
    ACTIVATIONS,
    backward,
    cost,
    forward,
    gradients_to_vector,
    init_parameters,
    multiply_adds,
    parameter_slices,
    parameters_to_vector,
    sigmoid,
    update_parameters,
    vector_to_parameters,
)
from dlcourse.scratch.optimizers import SGD, Adam, Momentum, Optimizer, RMSProp
from dlcourse.scratch.perceptron import (
    PerceptronResult,
    perceptron_fit,
    perceptron_predict,
    step,
)

__all__ = [
    "ACTIVATIONS",
    "SGD",
    "Adam",
    "Momentum",
    "Optimizer",
    "PerceptronResult",
    "RMSProp",
    "backward",
    "cost",
    "forward",
    "gradients_to_vector",
    "init_parameters",
    "mlp",
    "multiply_adds",
    "optimizers",
    "parameter_slices",
    "parameters_to_vector",
    "perceptron",
    "perceptron_fit",
    "perceptron_predict",
    "sigmoid",
    "step",
    "update_parameters",
    "vector_to_parameters",
]
