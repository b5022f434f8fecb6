"""Lesson runs on a chosen backend: `dlcourse --backend`, and the backend in `claims.json`."""

import json

import keras
import pytest

from dlcourse.cli import main, parser
from dlcourse.report import Claim, LessonReport


def test_backend_option_accepts_the_three_backends_only(capsys):
    for name in ("tensorflow", "jax", "torch"):
        assert parser().parse_args(["--backend", name]).backend == name
    assert parser().parse_args([]).backend is None  # KERAS_BACKEND, else Keras's default
    with pytest.raises(SystemExit):
        parser().parse_args(["--backend", "numpy"])
    assert "invalid choice: 'numpy'" in capsys.readouterr().err


def test_backend_option_refuses_another_backend_once_keras_is_loaded(capsys):
    other = "jax" if keras.backend.backend() != "jax" else "torch"
    assert main(["--backend", other, "--only", "01", "--no-site"]) == 2
    assert f"--backend {other}: Keras is already loaded" in capsys.readouterr().err


def test_claims_json_records_backend_and_keras_version(tmp_path):
    claim = Claim("c", 1.0, "< 2", True)
    report = LessonReport("01_x", "T", 1.0, True, 0, [], [claim], "jax", "3.15.1")
    data = json.loads(report.write(tmp_path).read_text())
    assert data["backend"] == "jax" and data["keras_version"] == "3.15.1"
    again = LessonReport.read(tmp_path)
    assert (again.backend, again.keras_version) == ("jax", "3.15.1")
    del data["backend"], data["keras_version"]  # files written before these fields
    older = LessonReport.from_dict(data)
    assert older.backend is None and older.keras_version is None
    with pytest.raises(ValueError, match="'backend' of type str"):
        LessonReport.from_dict({**data, "backend": 3})
