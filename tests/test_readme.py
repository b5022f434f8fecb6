"""The README: its code runs as written (the usage example and the fast-training recipe),
and its lesson table and thumbnails are generated from the lessons (`make docs`)."""

import json
import re
from pathlib import Path
from urllib.parse import unquote

import keras
import matplotlib.image
import numpy as np
import pytest

from dlcourse.course import readme
from dlcourse.header import find_lessons

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


def test_readme_shows_the_exercise_report_as_check_prints_it():
    from dlcourse.exercises import check

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "check(" in b)
    shown = block.split("check(update_lr)")[1].split("\nhint(")[0].splitlines()[1:]
    namespace = {}
    exec(compile(block.split("check(update_lr)")[0], "README.md", "exec"), namespace)
    assert [line.removeprefix("# ") for line in shown] == str(
        check(namespace["update_lr"])
    ).splitlines()


SCRIPT = '''"""{title}

The *first* paragraph of {title}: it uses `code`, **bold** text
and a second line.

Claim: {claim}
"""

# %% [markdown]
# A paragraph of the lesson's prose.

# %%
print("hello")
'''


def write_script(lessons_dir, name, title, claim="x stays below one"):
    (lessons_dir / f"{name}.py").write_text(
        SCRIPT.format(title=title, claim=claim), encoding="utf-8"
    )


def write_png(path, seed=0):
    path.parent.mkdir(parents=True, exist_ok=True)
    matplotlib.image.imsave(path, np.random.default_rng(seed).random((30, 60, 3)))


def write_run(out_root, name, title, claims, figures=("curve.png",), seconds=2.5):
    folder = out_root / name
    for i, figure in enumerate(figures):
        write_png(folder / figure, seed=i)
    report = {
        "lesson": name,
        "title": title,
        "seconds": seconds,
        "quick": True,
        "seed": 0,
        "figures": list(figures),
        "claims": claims,
    }
    (folder / "claims.json").write_text(json.dumps(report), encoding="utf-8")


def claim(name, value, holds, target="< 1"):
    return {"name": name, "value": value, "target": target, "holds": holds}


@pytest.fixture
def course(tmp_path):
    """Four lesson scripts; three ran (pass, fail, crashed) and one did not."""
    lessons_dir, out_root = tmp_path / "lessons", tmp_path / "out"
    lessons_dir.mkdir()
    write_script(lessons_dir, "01_passes", "A passing lesson", claim="x stays below one")
    write_script(
        lessons_dir,
        "02_fails",
        "A <failing> lesson & more",
        claim="ratio ||dW[1]|| / ||dW[10]|| is small",
    )
    write_script(lessons_dir, "03_crashes", "A crashing lesson")
    write_script(lessons_dir, "04_not_run", "A lesson that did not run")
    write_run(
        out_root,
        "01_passes",
        "A passing lesson",
        [claim("x is small", 0.5, True), claim("y is small", [0.1, 0.2], True)],
        figures=("first.png", "second.png"),
    )
    write_run(
        out_root,
        "02_fails",
        "A <failing> lesson & more",
        [
            claim("ratio ||dW[1]|| / ||dW[10]||", 0.2, True),
            claim("<script>alert(1)</script> is escaped", 7.0, False),
        ],
    )
    write_png(out_root / "03_crashes" / "partial.png")  # a figure from before the crash
    run = {"title": "", "seconds": 0.0, "quick": True, "seed": 0, "claims": [], "figures": []}
    summary = {
        "quick": True,
        "seeds": [0],
        "lessons": [
            {**run, "lesson": "01_passes", "wall_seconds": 3.25},
            {**run, "lesson": "02_fails", "wall_seconds": 4.0, "error": "exited with status 1"},
            {
                **run,
                "lesson": "03_crashes",
                "wall_seconds": 1.0,
                "title": "A crashing lesson",
                "error": (
                    "Traceback (most recent call last):\nValueError: shapes (3,) and <4> differ"
                ),
            },
        ],
    }
    (out_root / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return lessons_dir, out_root


# ------------------------------------------------------------------------------ README table


def test_readme_table_and_thumbnails(course, tmp_path):
    lessons_dir, out_root = course
    thumbnails = tmp_path / "docs" / "thumbnails"
    thumbnails.mkdir(parents=True)
    write_png(thumbnails / "99_gone.png")  # a lesson that was removed
    written = readme.write_thumbnails(out_root, lessons_dir, thumbnails, width=240)
    assert set(written) == {"01_passes", "02_fails"}  # the lessons with a finished run
    assert not (thumbnails / "99_gone.png").exists()
    image = matplotlib.image.imread(thumbnails / "01_passes.png")
    assert image.shape[1] == 240 and image.shape[0] == 120  # 60x30 figure, same aspect

    table = readme.readme_table(lessons_dir, thumbnails, readme_dir=tmp_path)
    lines = table.splitlines()
    assert lines[0] == "| # | lesson | claim it measures | first figure |"
    assert len(lines) == 2 + 4
    assert lines[2] == (
        "| 01 | [A passing lesson](lessons/01_passes.py) | x stays below one | "
        "![A passing lesson](docs/thumbnails/01_passes.png) |"
    )
    # the table's pipes and tag-like text are escaped
    assert lines[3].startswith(
        "| 02 | [A &lt;failing> lesson & more](lessons/02_fails.py) | "
        "ratio \\|\\|dW[1]\\|\\| / \\|\\|dW[10]\\|\\| is small | "
    )
    # a lesson without output: title and claim from its header, no thumbnail
    assert lines[5] == (
        "| 04 | [A lesson that did not run](lessons/04_not_run.py) | x stays below one | — |"
    )
    for line in lines[2:]:
        assert line.count(" | ") == 3  # four cells: no unescaped pipe split a cell


def test_long_claims_are_one_line():
    text = readme._one_line("word " * 100, limit=60)
    assert len(text) <= 60 and text.endswith(" …") and "\n" not in text


def test_update_readme_replaces_only_between_markers(tmp_path):
    readme_file = tmp_path / "README.md"
    readme_file.write_text(
        "intro\n<!-- lessons:start -->\nold table\n<!-- lessons:end -->\noutro\n"
    )
    assert readme.update_readme(readme_file, "| new |")
    assert readme_file.read_text() == (
        "intro\n<!-- lessons:start -->\n| new |\n<!-- lessons:end -->\noutro\n"
    )
    assert not readme.update_readme(readme_file, "| new |")
    readme_file.write_text("no markers")
    with pytest.raises(ValueError, match="lessons:start"):
        readme.update_readme(readme_file, "| new |")


def test_readme_lists_every_lesson():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.find(readme.README_START), text.find(readme.README_END)
    assert 0 <= start < end, "README.md lacks the lesson table markers"
    table = text[start:end]
    missing = [
        p.stem for p in find_lessons(ROOT / "lessons") if f"(lessons/{p.stem}.py)" not in table
    ]
    assert not missing, f"lessons missing from the README table: {missing}; run make docs"
    for line in table.splitlines():
        if "docs/thumbnails/" in line:
            thumbnail = line.split("](docs/thumbnails/")[1].split(")")[0]
            assert (ROOT / "docs" / "thumbnails" / unquote(thumbnail)).is_file(), thumbnail
