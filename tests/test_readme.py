"""The README's code runs as written (the usage example and the fast-training recipe)."""

import re
from pathlib import Path

import keras
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run_in_order(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2, "README.md should show the usage example and the fast-training recipe"
    monkeypatch.chdir(tmp_path)  # the example saves net.keras in the working directory
    keras.utils.set_random_seed(0)
    namespace = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), namespace)
    model = namespace["model"]
    assert (tmp_path / "net.keras").exists()
    reloaded = keras.models.load_model(tmp_path / "net.keras")
    x = namespace["x"]
    assert isinstance(reloaded, keras.Model) and reloaded.count_params() == model.count_params()
    accuracy = np.mean((model.predict(x, verbose=0)[:, 0] > 0.5) == namespace["y"])
    assert accuracy > 0.8  # both blocks trained the same net on the noisy two-class set
