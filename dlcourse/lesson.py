"""What a lesson script uses: `start`, then `pick`, `savefig`, `claim` and `finish`.

A lesson script starts with::

    from dlcourse.lesson import start

    lesson = start(__file__)   # name from the file, title and claim from its docstring
    EPOCHS = lesson.pick(full=200, quick=20)

saves figures with `lesson.savefig(fig, "name")`, records what it measured with
`lesson.claim(name, value, target=..., holds=...)`, and ends with `lesson.finish()`.

Settings come from the command line (`--quick`, `--out DIR`, `--seed N`) when run as a
script, and from the environment (`DLCOURSE_QUICK=1`, `DLCOURSE_OUT`, `DLCOURSE_SEED`)
under a Jupyter kernel, where the command line belongs to the kernel. The environment
also works for scripts; the command line wins.

`finish()` writes `OUT/claims.json` (`dlcourse.report.LessonReport`), prints a short
summary, and fails when a claim does not hold: `SystemExit(1)` in a script,
`ClaimFailed` under a notebook kernel (so notebook runs fail too).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlcourse import plotting
from dlcourse.header import LESSON_FILE, LessonHeader, read_header
from dlcourse.report import Claim, LessonReport, to_json

__all__ = ["ClaimFailed", "Lesson", "start"]


class ClaimFailed(AssertionError):
    """Raised by `Lesson.finish` under a notebook kernel when a claim fails."""


def _parse_settings(name: str, argv):
    env = os.environ
    parser = argparse.ArgumentParser(prog=f"lessons/{name}.py", description=f"Run lesson {name}.")
    parser.add_argument("--quick", action="store_true", help="small budget for tests (same claims)")
    parser.add_argument("--out", default=None, help=f"output folder (default out/{name})")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    args, _unknown = parser.parse_known_args(argv)  # a kernel's own flags are ignored
    quick = args.quick or env.get("DLCOURSE_QUICK", "").lower() in ("1", "true", "yes")
    seed_text = args.seed if args.seed is not None else env.get("DLCOURSE_SEED", "0")
    try:
        seed = int(seed_text)
    except ValueError:
        raise ValueError(
            f"Invalid value for `seed`: expected an integer, received seed={seed_text!r}"
        ) from None
    out_root = args.out or env.get("DLCOURSE_OUT")
    out = Path(out_root) if out_root else Path("out") / name
    return quick, seed, out


@dataclass
class Lesson:
    """The running lesson: its header, settings, figures and claims. Made by `start`."""

    header: LessonHeader
    quick: bool
    seed: int
    out: Path
    claims: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @property
    def name(self) -> str:
        return self.header.name

    @property
    def title(self) -> str:
        return self.header.title

    def pick(self, *, full, quick):
        """Return `quick` in quick mode and `full` otherwise (a settings preset)."""
        return quick if self.quick else full

    @property
    def rng(self) -> np.random.Generator:
        """A NumPy generator seeded from the lesson seed (a new one each access)."""
        return np.random.default_rng(self.seed)

    def savefig(self, fig, name: str) -> None:
        """Save `fig` as `OUT/name.png` and close it; under a notebook kernel, show that PNG.

        The file's name is added to `lesson.figures`. It returns nothing, so a notebook
        cell that ends with it shows the figure only.
        """
        import matplotlib.pyplot as plt

        path = self.out / f"{Path(name).stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        if path.name not in self.figures:
            self.figures.append(path.name)
        if plotting._inside_ipython_kernel():  # show the saved file: drawn once, as saved
            from IPython.display import Image, display

            display(Image(filename=str(path)))
        plt.close(fig)

    def claim(self, name: str, value, *, target: str, holds) -> None:
        """Record a measured claim (in `lesson.claims`) and print one line about it.

        It returns nothing, so a notebook cell that ends with a claim shows that line only.

        Args:
            name: what is claimed, in words a learner reads.
            value: the measured value (a number, a list, a bool).
            target: the condition in words, e.g. `"< 1e-3"`.
            holds: whether the measured value meets the target.
        """
        claim = Claim(name=name, value=to_json(value), target=target, holds=bool(holds))
        self.claims.append(claim)
        print(f"  {claim}")

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def finish(self) -> LessonReport:
        """Write `claims.json`, print a summary, and fail if any claim does not hold."""
        if not self.claims:
            raise RuntimeError(f"Lesson {self.name} recorded no claims: a lesson must measure one.")
        import keras

        report = LessonReport(
            lesson=self.name,
            title=self.title,
            seconds=round(self.seconds, 3),
            quick=self.quick,
            seed=self.seed,
            figures=list(self.figures),
            claims=list(self.claims),
            backend=keras.backend.backend(),
            keras_version=keras.__version__,
        )
        report.write(self.out)
        failed = report.failed
        verdict = "all claims hold" if not failed else f"{len(failed)} claim(s) FAILED"
        print(
            f"{self.name}: {len(self.claims) - len(failed)}/{len(self.claims)} claims hold "
            f"({verdict}); {report.seconds:.1f} s; figures in {self.out}/"
        )
        if failed:
            names = "; ".join(c.name for c in failed)
            if plotting._inside_ipython_kernel():
                raise ClaimFailed(f"{self.name}: claims failed: {names}")
            raise SystemExit(1)
        return report


def start(script=None, *, name=None, title=None, argv=None) -> Lesson:
    """Begin a lesson: read its header and settings, seed every generator, set the plot style.

    A script passes its own path, `start(__file__)`; its generated notebook, which has no
    `__file__` and may run far from the script, passes what it needs of the header,
    `start(name="13_dropout", title="Dropout")`.

    Args:
        script: the lesson script's path (`__file__`).
        name: the lesson's name, `NN_name` (instead of `script`).
        title: the lesson's title (with `name`).
        argv: command-line arguments (default `sys.argv[1:]`).

    Returns:
        A `Lesson`.

    Raises:
        ValueError: if `script` is not a lesson script with a valid header
            (see `dlcourse.header`), or neither `script` nor `name` and `title` are given.
    """
    import keras

    if script is not None:
        header = read_header(script)
    else:
        match = LESSON_FILE.match(f"{name}.py") if isinstance(name, str) else None
        if match is None:
            raise ValueError(
                f"Invalid value for `name`: expected a lesson name NN_name (or a script "
                f"path as `script`), received name={name!r}"
            )
        if not isinstance(title, str) or not title.strip():
            raise ValueError(
                f"Invalid value for `title`: expected a lesson title, received title={title!r}"
            )
        header = LessonHeader(
            name, int(match["number"]), title.strip(), "", "", None, part=match["part"]
        )
    quick, seed, out = _parse_settings(header.name, sys.argv[1:] if argv is None else argv)
    keras.utils.set_random_seed(seed)
    from dlcourse import backend

    backend.small_model_threads()  # PyTorch: one thread for small models (see its docstring)
    plotting.apply_style()
    mode = "quick" if quick else "full"
    print(f"== Lesson {header.name}: {header.title} ({mode} mode, seed {seed}) ==")
    return Lesson(header=header, quick=quick, seed=seed, out=out)
