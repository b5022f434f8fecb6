"""The Colab install cell every notebook opens with: what it would run, without running it."""

import configparser
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from dlcourse.course import colab

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cell_run(monkeypatch):
    """Run the cell's code; return (pip commands it ran, what it printed)."""
    commands = []
    monkeypatch.setattr(subprocess, "run", lambda args, **kwargs: commands.append(list(args)))

    def run(*, on_colab=True, installed=False, keras="3.9.0", source=None, capsys=None):
        if on_colab:
            monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
        else:
            monkeypatch.delitem(sys.modules, "google.colab", raising=False)
        real_find_spec = importlib.util.find_spec
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a: (
                (object() if installed else None)
                if name == "dlcourse"
                else real_find_spec(name, *a)
            ),
        )
        monkeypatch.setattr(importlib.metadata, "version", lambda name: keras)
        if source is None:
            monkeypatch.delenv("DLCOURSE_SOURCE", raising=False)
        else:
            monkeypatch.setenv("DLCOURSE_SOURCE", source)
        exec(compile(colab.install_cell("the-default-source"), "cell", "exec"), {})
        return commands

    return run


def test_on_colab_without_dlcourse_it_pip_installs_from_the_named_source(cell_run, capsys):
    assert cell_run() == [[sys.executable, "-m", "pip", "install", "--quiet", "the-default-source"]]
    assert "Installing dlcourse from the-default-source" in capsys.readouterr().out


def test_dlcourse_source_in_the_environment_wins(cell_run):
    source = "git+https://example.org/dlcourse"
    assert cell_run(source=source)[0][-1] == source


def test_outside_colab_or_when_installed_it_does_nothing(cell_run, capsys):
    assert cell_run(on_colab=False) == []
    assert cell_run(installed=True) == []
    assert capsys.readouterr().out == ""


def test_an_old_keras_is_named_and_nothing_is_installed(cell_run, capsys):
    assert cell_run(keras="3.6.0") == []
    out = capsys.readouterr().out
    assert "Keras 3.6.0 is older than dlcourse's minimum, 3.7" in out and "restart" in out
    assert cell_run(keras="3.10.1") != []  # 3.10 is newer than 3.7, not older


def test_the_keras_minimum_is_setup_cfgs():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    requirement = next(
        line.strip()
        for line in config["options"]["install_requires"].splitlines()
        if line.strip().startswith("keras")
    )
    assert requirement == "keras>=" + ".".join(map(str, colab.KERAS_MINIMUM))


def test_every_notebook_opens_with_the_cell():
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    notebooks += sorted((ROOT / "notebooks" / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert len(notebooks) >= 20
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        first_code = next(cell for cell in cells if cell["cell_type"] == "code")
        assert "".join(first_code["source"]) == colab.install_cell(), path.name
