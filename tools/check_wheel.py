"""`make check-wheel`: an installed dlcourse is all a notebook needs.

Builds the sdist and the wheel (`python -m build`), installs the wheel with its
`notebooks` extra into a new venv outside the checkout (uv: quick, and it never reads
this checkout), copies a lesson notebook and a learner's exercise notebook into an empty
folder, and executes both there with that venv's kernel: the lesson in quick mode (its
figures and claims.json must appear beside it), the exercise as a learner first opens it
(every check says "not implemented yet"). Exit status 0 only if all of that worked.

    .venv/bin/python tools/check_wheel.py [--lesson 13_dropout] [--exercise 02_regularization]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN_NOTEBOOK = """
import sys, nbclient, nbformat
notebook = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
nbformat.write(notebook, sys.argv[1])
"""


def run(command, **kwargs):
    print("$", " ".join(str(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], check=True, **kwargs)


def main(argv=None) -> int:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--lesson", default="13_dropout")
    cli.add_argument("--exercise", default="02_regularization")
    args = cli.parse_args(argv)
    began = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="dlcourse-wheel-check-"))
    try:
        dist = work / "dist"
        run([sys.executable, "-m", "build", "--outdir", dist, ROOT], stdout=subprocess.DEVNULL)
        wheels, sdists = sorted(dist.glob("*.whl")), sorted(dist.glob("*.tar.gz"))
        assert len(wheels) == 1 and len(sdists) == 1, sorted(dist.iterdir())
        uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
        venv = work / "venv"
        run([uv, "venv", "--quiet", "--python", sys.executable, venv])
        python = venv / "bin" / "python"
        run([uv, "pip", "install", "--quiet", "--python", python, f"{wheels[0]}[notebooks]"])
        folder = work / "anywhere"  # an empty folder, far from the checkout
        folder.mkdir()
        lesson = folder / f"{args.lesson}.ipynb"
        exercise = folder / f"{args.exercise}.ipynb"
        shutil.copy(ROOT / "notebooks" / lesson.name, lesson)
        shutil.copy(ROOT / "notebooks" / "exercises" / exercise.name, exercise)
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(DLCOURSE_QUICK="1", TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="")
        check = (
            "import dlcourse, sys; assert 'site-packages' in dlcourse.__file__, dlcourse.__file__"
        )
        run([python, "-c", check], cwd=folder, env=env)
        for notebook in (lesson, exercise):
            run([python, "-c", RUN_NOTEBOOK, notebook.name], cwd=folder, env=env)
        claims = json.loads((folder / "out" / args.lesson / "claims.json").read_text())
        assert claims["quick"] and all(c["holds"] for c in claims["claims"]), claims
        figures = sorted((folder / "out" / args.lesson).glob("*.png"))
        assert figures, "the lesson saved no figure beside its notebook"
        cells = json.loads(exercise.read_text())["cells"]
        reports = [
            "".join(o.get("data", {}).get("text/plain", ""))
            for c in cells
            if c["cell_type"] == "code" and "".join(c["source"]).startswith("check(")
            for o in c["outputs"]
        ]
        assert reports and all("not implemented yet" in r for r in reports), reports
        print(
            f"check-wheel: {wheels[0].name} and {sdists[0].name} built; in a clean venv, "
            f"{lesson.name} ran ({len(claims['claims'])} claims hold, {len(figures)} figures "
            f"beside it) and {exercise.name} ran ({len(reports)} checks: not implemented yet), "
            f"in {time.perf_counter() - began:.0f} s"
        )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
