"""`Sweep`: train a grid of configurations together — Ng's "caviar" strategy.

Comparing configurations (λ values, keep_probs, initializers, several seeds of each)
means training many small models. Trained one `fit` at a time they pay Keras's
per-step and per-epoch cost again and again; `Sweep` trains them in one computation
and hands back ordinary, trained Keras models. How (the contract is `Sweep`'s
docstring):

1. **The grid** (`grid`): each configuration calls `build(**config)`; the keys
   `learning_rate` and `batch_size` are the sweep's.
2. **The plan** (`plan`): members with one architecture (a chain of `Dense`,
   `Flatten`, `Activation` and dropout layers of the same sizes and activations) and
   one batch size form a *stacked* group; members the stacked engine cannot run
   (other layers, optimizers or metrics that couple values across a tensor) train
   by their own `fit` on the same batches. Members with different learning rates
   share a group when the optimizer's step is proportional to its rate (every
   elementwise one but Ftrl): its optimizer runs at rate 1 and each member's step
   is multiplied by its own rate.
3. **The stacked engine** (`stacked`): every member's Dense weights are one row of
   one variable `(members, P)`, viewed as kernels `(members, n_in, n_out)` and
   biases; one batched matmul per layer runs all members. The group's loss is the
   sum of the members' losses (each with its own penalty and its own dropout keep
   probability): the members share no weights, so each member's slice of the
   gradient is its own gradient, and an elementwise optimizer keeps per-member
   state. One stateless step (values in, values out: `dlcourse.backend` for the
   gradient, `optimizer.stateless_apply` for the update) serves TensorFlow, JAX and
   PyTorch; many epochs (and each epoch's train and validation metrics) run in one
   compiled call. At the end the trained slices and every optimizer slot are copied
   back into each member's model and optimizer.
4. **The results** (`table`): `sweep.results()` is a `SweepTable`.
"""

from dlcourse.sweep.core import Sweep
from dlcourse.sweep.table import SweepTable

__all__ = ["Sweep", "SweepTable"]
