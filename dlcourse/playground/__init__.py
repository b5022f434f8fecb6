"""TensorFlow Playground's interactive trainer in Jupyter, on dlcourse's Keras components.

`Playground` trains a `deep_net` live on a 2-D classification problem and shows the
decision boundary, the train/dev curves, per-layer gradient norms and Ng's bias/variance
verdict; `pg.widget` is its ipywidgets UI (the `playground` extra: `pip install
"dlcourse[playground]"`, or `make playground` to serve it as a page with Voilà).

- `dlcourse.playground.core` — the `Playground` class (the contract the widgets use);
- `dlcourse.playground.settings` — setting names, defaults, ranges and their check;
- `dlcourse.playground.data` — data sets (plus `three_blobs`, a 3-class set), features;
- `dlcourse.playground.trainer` — the compiled Keras training loop and evaluation;
- `dlcourse.playground.views` — the matplotlib figure; `ui` — the widgets;
- `dlcourse.playground.export` — the stand-alone code `pg.code()` returns.

Importing this package needs neither ipywidgets nor a notebook.
"""

from dlcourse.playground.core import Playground
from dlcourse.playground.data import three_blobs

__all__ = ["Playground", "three_blobs"]
