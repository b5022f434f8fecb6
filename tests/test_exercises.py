"""The exercise checker: every planted mistake fails with its own diagnosis, every correct
solution passes (however it is written), stubs report "not implemented yet"."""

import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from exercise_answers import CORRECT, MISTAKES

from dlcourse import exercises
from dlcourse.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[1]


def test_the_catalogues_are_big_enough():
    assert len(MISTAKES) >= 25
    assert len(CORRECT) >= 8
    assert {name for name, _, _ in MISTAKES} | {name for name, _ in CORRECT} <= set(
        exercises.EXERCISES
    )


@pytest.mark.parametrize(
    "name, answer, words", MISTAKES, ids=[f"{n}-{a.__name__}" for n, a, _ in MISTAKES]
)
def test_a_planted_mistake_fails_and_is_named(name, answer, words):
    report = exercises.check(answer, name=name)
    assert not report.passed, report
    assert report.status == "failed", report
    assert report.mistake is not None and words in report.mistake, str(report)


@pytest.mark.parametrize("name, answer", CORRECT, ids=[f"{n}-{a.__name__}" for n, a in CORRECT])
def test_a_correct_solution_written_differently_passes(name, answer):
    report = exercises.check(answer, name=name)
    assert report.passed, str(report)


def test_each_mistake_gets_its_own_diagnosis():
    diagnoses = {}
    for name, answer, _ in MISTAKES:
        diagnoses.setdefault(exercises.check(answer, name=name).mistake, []).append(answer.__name__)
    shared = {mistake: names for mistake, names in diagnoses.items() if len(names) > 1}
    assert not shared, shared


def _raise(*args, **kwargs):
    raise NotImplementedError("not written yet")


#: The learner's stub classes: the constructor written, the method to write raising.
STUB_CLASSES = {
    "L2Regularizer": (keras.regularizers.Regularizer, "__call__"),
    "InvertedDropout": (keras.layers.Layer, "call"),
    "HeInitializer": (keras.initializers.Initializer, "__call__"),
}


def test_a_stub_is_not_implemented_yet_for_every_exercise():
    for name, exercise in exercises.EXERCISES.items():
        if exercise.kind == "function":
            stub = _raise
        else:
            base, method = STUB_CLASSES[name]

            def init(self, *args, base=base, **kwargs):
                base.__init__(self)

            stub = type(name, (base,), {method: _raise, "__init__": init})
        report = exercises.check(stub, name=name)
        assert report.status == "not implemented yet", (name, str(report))
        assert "not implemented yet" in str(report) and "formula" in str(report)


def test_a_function_that_raises_is_reported_not_raised():
    def update_lr(learning_rate0, epoch_num, decay_rate):
        return learning_rate0 / undefined_name  # noqa: F821

    report = exercises.check(update_lr)
    assert report.status == "error" and "NameError" in report.received


def test_wrong_signature_and_type_are_named():
    def update_lr(learning_rate0):
        return learning_rate0

    assert exercises.check(update_lr).failed == "the signature"

    def compute_cost_with_regularization(a_last, y, parameters, lambd):
        return np.zeros(2) + 1.0

    report = exercises.check(compute_cost_with_regularization)
    assert "a number" in report.expected


def test_mutating_an_input_is_named():
    def initialize_velocity(parameters):
        for key in list(parameters):
            parameters[key] = np.zeros_like(parameters[key])
        return {"d" + key: value for key, value in parameters.items()}

    report = exercises.check(initialize_velocity)
    assert "modifies its argument `parameters`" in report.mistake


def test_report_text_and_html_show_the_expected_received_and_formula():
    def update_lr(learning_rate0, epoch_num, decay_rate):
        return learning_rate0 * (1 + decay_rate * epoch_num)

    report = exercises.check(update_lr)
    text, page = str(report), report._repr_html_()
    for part in (
        "✗ update_lr: failed",
        "expected:",
        "received:",
        "likely mistake:",
        "formula:",
        "lesson 22",
        'hint("update_lr")',
    ):
        assert part in text, text
    assert "divide, don&#x27;t multiply" in page and "<table" in page
    assert not report
    assert str(exercises.check(update_lr_ok)).startswith("✓ update_lr: passed")


def update_lr_ok(learning_rate0, epoch_num, decay_rate):
    return learning_rate0 / (1 + decay_rate * epoch_num)


update_lr_ok.__name__ = "update_lr"  # as a learner's notebook names it


def test_hints_and_bad_names():
    texts = [exercises.hint("initialize_parameters_he", level).text for level in (1, 2, 3)]
    assert len(set(texts)) == 3 and "np.sqrt(2 / layer_dims[l - 1])" in texts[2]
    assert exercises.hint(update_lr_ok, 3).level == 3
    with pytest.raises(ValueError, match="`level`: expected 1, 2 or 3, received level=4"):
        exercises.hint("update_lr", 4)
    with pytest.raises(ValueError, match="`name`: expected the name of an exercise"):
        exercises.check(lambda x: x)
    with pytest.raises(ValueError, match="received name='updat_lr'"):
        exercises.hint("updat_lr")


def test_ready_says_what_to_finish(capsys):
    def update_lr(learning_rate0, epoch_num, decay_rate):
        raise NotImplementedError

    assert exercises.ready(update_lr_ok)
    assert not exercises.ready(update_lr)
    assert "Skipped: this experiment uses update_lr" in capsys.readouterr().out


def test_check_file_and_the_command_line(tmp_path, capsys):
    learner = tmp_path / "mine.py"
    learner.write_text(
        "def update_lr(learning_rate0, epoch_num, decay_rate):\n"
        "    return learning_rate0 / (1 + decay_rate * epoch_num)\n\n"
        "def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):\n"
        "    return learning_rate0 / (1 + decay_rate * epoch_num)\n\n"
        "def helper():\n    return 1\n"
    )
    reports = exercises.check_file(learner)
    assert [r.exercise for r in reports] == ["update_lr", "schedule_lr_decay"]
    assert [r.passed for r in reports] == [True, False]
    assert cli_main(["exercises", "check", str(learner)]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 exercises pass" in out and "time_interval is ignored" in out
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert cli_main(["exercises", "check", str(empty)]) == 2
    assert "defines none" in capsys.readouterr().err
    assert cli_main(["exercises", "hint", "update_lr", "--level", "3"]) == 0
    assert "return learning_rate0 / (1 + decay_rate * epoch_num)" in capsys.readouterr().out
    assert cli_main(["exercises", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.index("01_initialization") < listing.index("05_keras_components")


def test_the_solved_exercise_scripts_pass_every_check(tmp_path):
    from dlcourse.course.exercises import solved_source
    from dlcourse.header import find_exercises

    pytest.importorskip("jupytext")
    scripts = find_exercises(ROOT / "exercises")
    assert len(scripts) == 5
    names = []
    for script in scripts:
        # the definitions only: everything up to the experiments
        text = solved_source(script.read_text(encoding="utf-8"))
        definitions = text.split("if ready(")[0]
        path = tmp_path / script.name
        path.write_text(definitions, encoding="utf-8")
        reports = exercises.check_file(path)
        assert all(r.passed for r in reports), "\n".join(map(str, reports))
        names += [r.exercise for r in reports]
    assert names == list(exercises.EXERCISES)


def test_dlcourse_exercises_help_needs_no_tensorflow():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dlcourse", "exercises", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: dlcourse exercises" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "dlcourse.cli" in imported and not {"tensorflow", "keras", "numpy"} & imported
