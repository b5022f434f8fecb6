"""Every lesson, in quick mode with seed 0, through the lesson contract."""

import json
from pathlib import Path

import pytest

from dlcourse.lesson import find_lessons, run_lesson

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSONS = find_lessons(LESSONS_DIR)


def test_lessons_are_present():
    assert LESSONS, f"no lesson scripts found in {LESSONS_DIR}"


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_quick_mode_holds_its_claims(path, tmp_path):
    report = run_lesson(path, quick=True, seed=0, out=tmp_path)
    assert "error" not in report, report.get("error")

    written = json.loads((tmp_path / "claims.json").read_text())
    assert written["lesson"] == path.stem
    assert written["quick"] is True and written["seed"] == 0
    assert written["title"]
    assert written["seconds"] > 0
    assert written["claims"], "a lesson must measure at least one claim"
    for claim in written["claims"]:
        assert set(claim) == {"name", "value", "target", "holds"}
    failed = [c for c in written["claims"] if not c["holds"]]
    assert not failed, failed

    assert written["figures"], "a lesson must save at least one figure"
    for name in written["figures"]:
        png = tmp_path / name
        assert png.suffix == ".png" and png.exists()
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
