"""The lesson plumbing: the header, settings, claims.json, failure handling, runner, CLI."""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcourse import cli, runner
from dlcourse import lesson as plumbing
from dlcourse.header import read_header
from dlcourse.report import Claim, LessonReport

ROOT = Path(__file__).resolve().parents[1]

LESSON_OK = '''"""A passing lesson

It draws a line and checks that two is less than three.

Claim: two is less than three.
"""
from dlcourse.lesson import start
import matplotlib.pyplot as plt
lesson = start(__file__)
fig, ax = plt.subplots()
ax.plot([1, 2], [3, 4])
lesson.savefig(fig, "line")
lesson.claim("two is less than three", 2, target="< 3", holds=2 < 3)
lesson.finish()
'''

LESSON_FAILS = LESSON_OK.replace("holds=2 < 3", "holds=2 > 3")


def write_lesson(folder, name, text=LESSON_OK):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lessons_dir(tmp_path):
    folder = tmp_path / "lessons"
    write_lesson(folder, "98_ok")
    write_lesson(folder, "99_fails", LESSON_FAILS)
    (folder / "README.md").write_text("not a lesson")
    return folder


def make_lesson(tmp_path, quick=True, seed=0):
    header = read_header(write_lesson(tmp_path / "lessons", "01_x"))
    return plumbing.Lesson(header, quick=quick, seed=seed, out=tmp_path / "out")


# ------------------------------------------------------------------------------- header


def test_header_gives_name_number_title_description_and_claim(tmp_path):
    header = read_header(write_lesson(tmp_path, "98_ok"))
    assert (header.name, header.number, header.title) == ("98_ok", 98, "A passing lesson")
    assert header.description == "It draws a line and checks that two is less than three."
    assert header.claim == "two is less than three."
    assert header.notebook_markdown().startswith("# 98 · A passing lesson\n")


def test_every_lesson_has_a_header_and_calls_start_with_its_file():
    for script in runner.find_lessons(ROOT / "lessons"):
        header = read_header(script)
        assert header.title and header.claim and header.description, script.name
        assert "Lesson " not in header.title, "the number comes from the file name"
        source = script.read_text(encoding="utf-8")
        assert source.count("start(__file__)") == 1, script.name
        assert "\n# # " not in source, f"{script.name}: the notebook heading is generated"


def test_a_lesson_in_two_parts_keeps_its_syllabus_number_and_sorts_by_letter(tmp_path):
    for name in ("04_next", "03b_second", "03a_first", "02_before"):
        write_lesson(tmp_path, name)
    header = read_header(tmp_path / "03a_first.py")
    assert (header.name, header.number, header.part, header.label) == ("03a_first", 3, "a", "03a")
    assert header.notebook_markdown().startswith("# 03a · A passing lesson\n")
    assert read_header(tmp_path / "04_next.py").label == "04"
    found = [p.stem for p in runner.find_lessons(tmp_path)]
    assert found == ["02_before", "03a_first", "03b_second", "04_next"]
    # `--only 3` (or 03) runs both parts; a label or a name runs one
    assert [p.stem for p in runner.find_lessons(tmp_path, only=[3])] == ["03a_first", "03b_second"]
    assert [p.stem for p in runner.find_lessons(tmp_path, only=["03"])] == found[1:3]
    assert [p.stem for p in runner.find_lessons(tmp_path, only=["03b"])] == ["03b_second"]
    assert [p.stem for p in runner.find_lessons(tmp_path, only=["03a_first"])] == ["03a_first"]
    # a notebook carries only the name: the part comes from it too
    lesson = plumbing.start(name="03b_second", title="Second", argv=["--out", str(tmp_path)])
    assert (lesson.header.number, lesson.header.label) == (3, "03b")


def test_exercise_links_and_readme_rows_name_a_lesson_in_two_parts(tmp_path):
    from dlcourse.course.exercises import exercise_notebook_text
    from dlcourse.course.readme import readme_table

    lessons = tmp_path / "lessons"
    for name in ("03a_first", "03b_second"):
        write_lesson(lessons, name)
    exercise = tmp_path / "exercises" / "01_practice.py"
    exercise.parent.mkdir()
    solution = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n"
    exercise.write_text('"""Practice\n\nDo it.\n\nLessons: 03\n"""\n' + solution, encoding="utf-8")
    text = exercise_notebook_text(exercise, lessons_dir=lessons)
    assert "[lesson 03](../03a_first.ipynb)" in text  # the lesson's first part
    table = readme_table(lessons, tmp_path / "thumbnails", tmp_path)
    assert "| 03a | [A passing lesson](lessons/03a_first.py)" in table
    assert "| 03b | [A passing lesson](lessons/03b_second.py)" in table


#: keras-io's bound for one example, and ours for one lesson (lines of code, see below).
MAX_CODE_LINES = 300


def code_lines(source):
    """Lines of code of a lesson: not blank, not comments (so not the Markdown cells, which
    are comments), not the module docstring (the header)."""
    body = ast.parse(source).body
    docstring = (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    lines = source.splitlines()[body[0].end_lineno if docstring else 0 :]
    return sum(1 for line in lines if line.strip() and not line.lstrip().startswith("#"))


def test_code_lines_skip_the_header_markdown_comments_and_blanks():
    source = '"""Title\n\nText.\n\nClaim: c.\n"""\n\n# %% [markdown]\n# prose\n\n# %%\nx = 1  # a\n'
    assert code_lines(source + 'y = """\na string\n"""\n') == 4
    assert code_lines(source) == 1


def test_markdown_cells_of_every_lesson_hold_only_comment_lines():
    """Code after a Markdown cell needs its own `# %%`: jupytext would put it in the prose."""
    for script in runner.find_lessons(ROOT / "lessons"):
        cells = re.split(r"^# %%", script.read_text(encoding="utf-8"), flags=re.M)
        for cell in (c for c in cells if c.startswith(" [markdown]")):
            code = [line for line in cell.splitlines()[1:] if line.strip() and line[0] != "#"]
            assert not code, f"{script.name}: code in a Markdown cell: {code[:2]}"


def test_every_lesson_has_at_most_300_lines_of_code():
    counts = {
        p.stem: code_lines(p.read_text(encoding="utf-8"))
        for p in runner.find_lessons(ROOT / "lessons")
    }
    over = {name: count for name, count in counts.items() if count > MAX_CODE_LINES}
    assert not over, f"lessons over {MAX_CODE_LINES} lines of code (split them): {over}"


@pytest.mark.parametrize(
    "name, text, match",
    [
        ("1_bad", LESSON_OK, "NN_name.py"),
        ("01_x", "x = 1\n", "docstring"),
        ("01_x", '"""Title\nno blank line\n\nClaim: c\n"""\n', "blank line"),
        ("01_x", '"""Title\n\nA description.\n"""\n', "Claim:"),
        ("01_x", '"""Title\n\nClaim: c\n"""\n', "description"),
        ("01_x", '"""Title\n\nA description.\n\nClaim:\n"""\n', "empty claim"),
        ("01_x", "def (:\n", "syntax"),
    ],
)
def test_a_bad_header_is_a_clear_error(tmp_path, name, text, match):
    with pytest.raises(ValueError, match=match):
        read_header(write_lesson(tmp_path, name, text))


# ----------------------------------------------------------------------------- settings


def test_settings_from_argv_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DLCOURSE_QUICK", raising=False)
    argv = ["--quick", "--seed", "3", "--out", str(tmp_path)]
    assert plumbing._parse_settings("01_x", argv) == (True, 3, tmp_path)
    quick, seed, out = plumbing._parse_settings("01_x", [])
    assert (quick, seed, str(out)) == (False, 0, "out/01_x")
    monkeypatch.setenv("DLCOURSE_QUICK", "1")
    monkeypatch.setenv("DLCOURSE_SEED", "4")
    monkeypatch.setenv("DLCOURSE_OUT", str(tmp_path))
    # a Jupyter kernel's own flags are ignored
    assert plumbing._parse_settings("01_x", ["-f", "/tmp/kernel.json"]) == (True, 4, tmp_path)


def test_bad_seed_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DLCOURSE_SEED", "abc")
    with pytest.raises(ValueError, match="seed"):
        plumbing._parse_settings("01_x", [])


def test_start_reads_the_header_of_its_script(tmp_path, capsys):
    script = write_lesson(tmp_path / "lessons", "01_x")
    run = plumbing.start(str(script), argv=["--quick", "--out", str(tmp_path / "o")])
    assert (run.name, run.title, run.quick, run.out) == (
        "01_x",
        "A passing lesson",
        True,
        tmp_path / "o",
    )
    assert "Lesson 01_x: A passing lesson (quick mode, seed 0)" in capsys.readouterr().out
    with pytest.raises(ValueError, match="cannot read"):
        plumbing.start(str(tmp_path / "lessons" / "02_missing.py"), argv=[])


def test_a_notebook_starts_from_the_header_it_carries(tmp_path, capsys):
    run = plumbing.start(name="13_dropout", title="Dropout", argv=["--out", str(tmp_path)])
    assert (run.name, run.header.number, run.header.title) == ("13_dropout", 13, "Dropout")
    assert "Lesson 13_dropout: Dropout" in capsys.readouterr().out
    with pytest.raises(ValueError, match="`name`: expected a lesson name NN_name"):
        plumbing.start(name="dropout", title="Dropout", argv=[])
    with pytest.raises(ValueError, match="`title`: expected a lesson title"):
        plumbing.start(name="13_dropout", title=" ", argv=[])


def test_pick_follows_the_mode(tmp_path):
    assert make_lesson(tmp_path, quick=True).pick(full=100, quick=5) == 5
    assert make_lesson(tmp_path, quick=False).pick(full=100, quick=5) == 100


# ------------------------------------------------------------------------------- report


def test_finish_writes_claims_json(tmp_path):
    run = make_lesson(tmp_path, quick=True, seed=2)
    fig, _ax = plt.subplots()
    run.savefig(fig, "figure")
    run.claim("a numpy value", np.float32(0.5), target="< 1", holds=np.bool_(True))
    run.claim("a list", np.arange(3), target="anything", holds=True)
    run.claim("not finite", float("nan"), target="anything", holds=True)
    report = run.finish()
    written = json.loads((run.out / "claims.json").read_text())
    assert written == report.to_dict()
    assert written["lesson"] == "01_x" and written["seed"] == 2 and written["quick"] is True
    assert written["title"] == "A passing lesson"
    assert written["figures"] == ["figure.png"]
    assert written["claims"][0] == {
        "name": "a numpy value",
        "value": 0.5,
        "target": "< 1",
        "holds": True,
    }
    assert written["claims"][1]["value"] == [0, 1, 2]
    assert written["claims"][2]["value"] == "nan"
    assert (run.out / "figure.png").exists()
    assert LessonReport.read(run.out) == report  # one class writes and reads the file


def test_finish_exits_1_when_a_claim_fails(tmp_path):
    run = make_lesson(tmp_path)
    run.claim("false", 1, target="== 2", holds=False)
    with pytest.raises(SystemExit) as stop:
        run.finish()
    assert stop.value.code == 1
    report = LessonReport.read(run.out / "claims.json")
    assert report.status == "fail" and [c.name for c in report.failed] == ["false"]


def test_a_lesson_without_claims_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="no claims"):
        make_lesson(tmp_path).finish()


def test_report_status_and_malformed_files(tmp_path):
    claim = Claim(name="c", value=1, target="t", holds=True)
    report = LessonReport("01_x", "T", 1.0, True, 0, ["a.png"], [claim])
    assert report.status == "pass" and report.passed
    report.error = "exited with status 1"
    assert report.status == "fail"
    report.error = "Traceback ... ZeroDivisionError"
    assert report.status == "crashed"
    assert LessonReport("01_x", "T", 1.0, True, 0).status == "fail"  # no claims measured
    (tmp_path / "claims.json").write_text('{"lesson": "01_x"}')
    with pytest.raises(ValueError, match="title"):
        LessonReport.read(tmp_path)
    (tmp_path / "claims.json").write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        LessonReport.read(tmp_path)
    assert LessonReport.read_or_none(tmp_path) is None
    assert LessonReport.read_or_none(tmp_path / "missing") is None


# ------------------------------------------------------------------------------- runner


def test_find_lessons_filters_by_number_and_name(lessons_dir):
    assert [p.stem for p in runner.find_lessons(lessons_dir)] == ["98_ok", "99_fails"]
    assert [p.stem for p in runner.find_lessons(lessons_dir, only=[98])] == ["98_ok"]
    assert [p.stem for p in runner.find_lessons(lessons_dir, only=["99_fails"])] == ["99_fails"]
    with pytest.raises(ValueError, match="only"):
        runner.find_lessons(lessons_dir, only=[42])
    with pytest.raises(ValueError, match="lessons_dir"):
        runner.find_lessons(lessons_dir / "missing")


def test_command_line_reports_pass_and_fail(lessons_dir, tmp_path, capsys):
    out = tmp_path / "out"
    options = ["--lessons", str(lessons_dir), "--out", str(out), "--no-site"]
    status = cli.main([*options, "--quick", "--runner", "script"])
    assert status == 1  # 99_fails fails
    reports = {r.lesson: r for r in runner.read_summary(out)}
    assert reports["98_ok"].status == "pass" and reports["98_ok"].error is None
    assert reports["99_fails"].status == "fail"
    assert reports["99_fails"].wall_seconds > 0
    assert (out / "98_ok" / "line.png").exists()
    assert not (out / "98_ok" / "98_ok.ipynb").exists()  # a script leaves no notebook
    assert not (out / "site").exists()
    assert cli.main([*options, "--only", "98", "--runner", "script"]) == 0
    assert "FAIL    99_fails" in capsys.readouterr().out
    assert cli.main(["--lessons", str(lessons_dir), "--only", "42"]) == 2


@pytest.mark.skipif(not runner.notebook_route_available(), reason="needs the `notebooks` extra")
def test_lessons_run_as_notebooks_on_one_kernel(lessons_dir, tmp_path):
    import nbformat

    reports = runner.run_lessons(
        runner.find_lessons(lessons_dir), out=tmp_path, quick=True, notebooks=True
    )
    assert [(r.lesson, r.status) for r in reports] == [("98_ok", "pass"), ("99_fails", "fail")]
    assert reports[1].error.startswith("exited with status 1 (ClaimFailed")
    for report in reports:  # the executed notebook: the lesson's cells and their outputs
        notebook = nbformat.read(tmp_path / report.lesson / f"{report.lesson}.ipynb", 4)
        assert "%reset" not in notebook.cells[0].source  # the lesson's cells, not the prologue
        shown = [
            output
            for cell in notebook.cells
            if cell.cell_type == "code"
            for output in cell.outputs
            if "image/png" in output.get("data", {})
        ]
        assert len(shown) == 1 and (tmp_path / report.lesson / "line.png").exists()
        assert LessonReport.read(tmp_path / report.lesson).quick is True


def test_runner_reports_a_crashing_lesson(tmp_path):
    script = write_lesson(
        tmp_path / "lessons",
        "97_crash",
        '"""Crash\n\nIt divides by zero.\n\nClaim: none.\n"""\n1 / 0\n',
    )
    report = runner.run_lesson(script, quick=True, out=tmp_path / "o")
    assert report.status == "crashed" and "ZeroDivisionError" in report.error
    assert report.claims == [] and report.title == "Crash"


def test_runner_seeds_write_one_folder_each(lessons_dir, tmp_path):
    paths = runner.find_lessons(lessons_dir, only=[98])
    reports = runner.run_lessons(paths, out=tmp_path, seeds=(0, 1), quick=True)
    assert [(r.lesson, r.seed) for r in reports] == [("98_ok", 0), ("98_ok", 1)]
    assert LessonReport.read(tmp_path / "seed1" / "98_ok").seed == 1


def test_outside_a_checkout_the_command_says_where_the_lessons_are(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--quick"]) == 2
    error = capsys.readouterr().err
    assert "not part of the installed package" in error and "lessons/ folder" in error


def test_help_answers_without_importing_tensorflow():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dlcourse", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "usage: dlcourse" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "dlcourse.cli" in imported
    assert not {"tensorflow", "keras", "numpy"} & imported


def test_console_command_is_the_command_line():
    command = Path(sys.executable).with_name("dlcourse")
    if not command.exists():
        pytest.skip("the `dlcourse` console script is installed with the package")
    done = subprocess.run([str(command), "--help"], capture_output=True, text=True, check=True)
    assert done.stdout == cli.parser().format_help()
