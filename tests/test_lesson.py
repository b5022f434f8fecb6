"""The lesson plumbing: settings, claims.json, failure handling, the runner."""

import json

import matplotlib.pyplot as plt
import pytest

from dlcourse import lesson as plumbing

LESSON_OK = '''
from dlcourse.lesson import start
import matplotlib.pyplot as plt
lesson = start("98_ok", title="A passing lesson")
fig, ax = plt.subplots()
ax.plot([1, 2], [3, 4])
lesson.savefig(fig, "line")
lesson.claim("two is less than three", 2, target="< 3", holds=2 < 3)
lesson.finish()
'''

LESSON_FAILS = LESSON_OK.replace("98_ok", "99_fails").replace("holds=2 < 3", "holds=2 > 3")


@pytest.fixture
def lessons_dir(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "98_ok.py").write_text(LESSON_OK)
    (folder / "99_fails.py").write_text(LESSON_FAILS)
    (folder / "README.md").write_text("not a lesson")
    return folder


def test_settings_from_argv_and_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("DLCOURSE_QUICK", raising=False)
    quick, seed, out = plumbing._parse_settings("01_x", ["--quick", "--seed", "3", "--out", str(tmp_path)])
    assert (quick, seed, out) == (True, 3, tmp_path)
    quick, seed, out = plumbing._parse_settings("01_x", [])
    assert (quick, seed, str(out)) == (False, 0, "out/01_x")
    monkeypatch.setenv("DLCOURSE_QUICK", "1")
    monkeypatch.setenv("DLCOURSE_SEED", "4")
    monkeypatch.setenv("DLCOURSE_OUT", str(tmp_path))
    # a Jupyter kernel's own flags are ignored
    quick, seed, out = plumbing._parse_settings("01_x", ["-f", "/tmp/kernel.json"])
    assert (quick, seed, out) == (True, 4, tmp_path)


def test_bad_seed_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DLCOURSE_SEED", "abc")
    with pytest.raises(ValueError, match="seed"):
        plumbing._parse_settings("01_x", [])


def test_pick_follows_the_mode(tmp_path):
    quick = plumbing.Lesson("01_x", "t", quick=True, seed=0, out=tmp_path)
    full = plumbing.Lesson("01_x", "t", quick=False, seed=0, out=tmp_path)
    assert quick.pick(full=100, quick=5) == 5
    assert full.pick(full=100, quick=5) == 100


def test_finish_writes_claims_json(tmp_path):
    import numpy as np

    run = plumbing.Lesson("01_x", "Title", quick=True, seed=2, out=tmp_path)
    fig, ax = plt.subplots()
    run.savefig(fig, "figure")
    run.claim("a numpy value", np.float32(0.5), target="< 1", holds=np.bool_(True))
    run.claim("a list", np.arange(3), target="anything", holds=True)
    report = run.finish()
    written = json.loads((tmp_path / "claims.json").read_text())
    assert written == report
    assert written["lesson"] == "01_x" and written["seed"] == 2 and written["quick"] is True
    assert written["figures"] == ["figure.png"]
    assert written["claims"][0] == {"name": "a numpy value", "value": 0.5, "target": "< 1", "holds": True}
    assert written["claims"][1]["value"] == [0, 1, 2]
    assert (tmp_path / "figure.png").exists()


def test_finish_exits_1_when_a_claim_fails(tmp_path):
    run = plumbing.Lesson("01_x", "Title", quick=True, seed=0, out=tmp_path)
    run.claim("false", 1, target="== 2", holds=False)
    with pytest.raises(SystemExit) as stop:
        run.finish()
    assert stop.value.code == 1
    assert json.loads((tmp_path / "claims.json").read_text())["claims"][0]["holds"] is False


def test_a_lesson_without_claims_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="no claims"):
        plumbing.Lesson("01_x", "Title", quick=True, seed=0, out=tmp_path).finish()


def test_find_lessons_filters_by_number_and_name(lessons_dir):
    assert [p.stem for p in plumbing.find_lessons(lessons_dir)] == ["98_ok", "99_fails"]
    assert [p.stem for p in plumbing.find_lessons(lessons_dir, only=[98])] == ["98_ok"]
    assert [p.stem for p in plumbing.find_lessons(lessons_dir, only=["99_fails"])] == ["99_fails"]
    with pytest.raises(ValueError, match="only"):
        plumbing.find_lessons(lessons_dir, only=[42])
    with pytest.raises(ValueError, match="lessons_dir"):
        plumbing.find_lessons(lessons_dir / "missing")


def test_runner_reports_pass_and_fail(lessons_dir, tmp_path, capsys):
    out = tmp_path / "out"
    status = plumbing.main(["--lessons", str(lessons_dir), "--out", str(out), "--quick"])
    assert status == 1  # 99_fails fails
    summary = json.loads((out / "summary.json").read_text())
    by_name = {r["lesson"]: r for r in summary["lessons"]}
    assert by_name["98_ok"]["claims"][0]["holds"] is True and "error" not in by_name["98_ok"]
    assert by_name["99_fails"]["claims"][0]["holds"] is False
    assert (out / "98_ok" / "line.png").exists()
    assert plumbing.main(["--lessons", str(lessons_dir), "--out", str(out), "--only", "98"]) == 0
    assert "FAIL  99_fails" in capsys.readouterr().out


def test_runner_reports_a_crashing_lesson(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "97_crash.py").write_text("raise ZeroDivisionError('boom')\n")
    report = plumbing.run_lesson(folder / "97_crash.py", quick=True, out=tmp_path / "o")
    assert "ZeroDivisionError" in report["error"] and report["claims"] == []
