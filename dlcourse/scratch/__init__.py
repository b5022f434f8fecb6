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
  equivalent; `momentum_step`, `adam_step` — one parameter's step as a function
  (Ng's `update_parameters_with_*`); `random_mini_batches`; `decayed_learning_rate`
  (Ng's decay, per epoch or at fixed intervals).
- `dlcourse.scratch.multiclass`: `softmax`, `cross_entropy`, `softmax_backward` —
  softmax, the categorical cross-entropy and `dZ = Ŷ − Y`, examples as columns
  (lesson 24).
- `dlcourse.scratch.batchnorm`: `batchnorm_forward`, `batchnorm_inference`,
  `ewa_update` — Ng's batch-normalization formulas, examples as columns, with the
  exponentially weighted running statistics used at test time (lesson 23).

Every public name is also importable from `dlcourse.scratch` itself
(`scratch.forward`, `scratch.Adam`).
"""

from dlcourse.scratch import batchnorm, mlp, multiclass, optimizers, perceptron
from dlcourse.scratch.batchnorm import batchnorm_forward, batchnorm_inference, ewa_update
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
from dlcourse.scratch.multiclass import cross_entropy, softmax, softmax_backward
from dlcourse.scratch.optimizers import (
    SGD,
    Adam,
    Momentum,
    Optimizer,
    RMSProp,
    adam_step,
    decayed_learning_rate,
    momentum_step,
    random_mini_batches,
)
from dlcourse.scratch.perceptron import (
    PerceptronResult,
    perceptron_fit,
    perceptron_predict,
    step,
)

__all__ = [
    "ACTIVATIONS",
    "Adam",
    "Momentum",
    "Optimizer",
    "PerceptronResult",
    "RMSProp",
    "SGD",
    "adam_step",
    "backward",
    "batchnorm",
    "batchnorm_forward",
    "batchnorm_inference",
    "cost",
    "cross_entropy",
    "decayed_learning_rate",
    "ewa_update",
    "forward",
    "gradients_to_vector",
    "init_parameters",
    "mlp",
    "momentum_step",
    "multiclass",
    "multiply_adds",
    "optimizers",
    "parameter_slices",
    "parameters_to_vector",
    "perceptron",
    "perceptron_fit",
    "perceptron_predict",
    "random_mini_batches",
    "sigmoid",
    "softmax",
    "softmax_backward",
    "step",
    "update_parameters",
    "vector_to_parameters",
]
