"""Lesson plumbing: settings, seeding, figures and claims, written once for every lesson.

A lesson script starts with::

    from dlcourse.lesson import start
    lesson = start("17_vanishing_gradients", title="Vanishing and exploding gradients")
    EPOCHS = lesson.pick(full=200, quick=20)

and ends with ``lesson.finish()``. In between it saves figures with
``lesson.savefig(fig, "name")`` and records what it measured with
``lesson.claim(name, value, target=..., holds=...)``.

Settings come from the command line (``--quick``, ``--out DIR``, ``--seed N``) when
run as a script, and from the environment (``DLCOURSE_QUICK=1``, ``DLCOURSE_OUT``,
``DLCOURSE_SEED``) under a Jupyter kernel, where the command line belongs to the
kernel. The environment also works for scripts; the command line wins.

``finish()`` writes ``DIR/claims.json``::

    {"lesson": "17_vanishing_gradients", "title": ..., "seconds": 3.1, "quick": true,
     "seed": 0, "figures": ["gradient_norms.png"],
     "claims": [{"name": ..., "value": ..., "target": ..., "holds": true}]}

prints a short summary, and fails when a claim does not hold: ``SystemExit(1)`` in a
script, :class:`ClaimFailed` under a notebook kernel (so notebook runs fail too).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dlcourse import plotting

__all__ = ["Claim", "ClaimFailed", "Lesson", "start"]


class ClaimFailed(AssertionError):
    """Raised by :meth:`Lesson.finish` under a notebook kernel when a claim fails."""


@dataclass
class Claim:
    """One measured claim: what was measured, its value, the target, and whether it holds."""

    name: str
    value: object
    target: str
    holds: bool


def _to_json(value):
    """Convert NumPy/TF scalars and arrays to plain JSON values (non-finite floats to strings)."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, (np.generic, np.ndarray)):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    return value


def _format_value(value) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list) and len(value) > 6:
        return "[" + ", ".join(_format_value(v) for v in value[:6]) + ", ...]"
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)


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
    """The running lesson: its settings, figures and claims. Create it with :func:`start`."""

    name: str
    title: str
    quick: bool
    seed: int
    out: Path
    claims: list = field(default_factory=list)
    figures: list = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def pick(self, *, full, quick):
        """Return ``quick`` in quick mode and ``full`` otherwise (a settings preset)."""
        return quick if self.quick else full

    @property
    def rng(self) -> np.random.Generator:
        """A NumPy generator seeded from the lesson seed (a new one each access)."""
        return np.random.default_rng(self.seed)

    def savefig(self, fig, name: str) -> Path:
        """Save ``fig`` as ``OUT/name.png``; show it inline under a notebook kernel.

        Returns:
            The path of the PNG.
        """
        import matplotlib.pyplot as plt

        stem = Path(name).stem
        path = self.out / f"{stem}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
        if path.name not in self.figures:
            self.figures.append(path.name)
        if plotting._inside_ipython_kernel():
            plt.show()
        else:
            plt.close(fig)
        return path

    def claim(self, name: str, value, *, target: str, holds) -> Claim:
        """Record a measured claim and print one line about it.

        Args:
            name: what is claimed, in words a learner reads.
            value: the measured value (a number, a list, a bool).
            target: the condition in words, e.g. ``"< 1e-3"``.
            holds: whether the measured value meets the target.
        """
        claim = Claim(name=name, value=_to_json(value), target=target, holds=bool(holds))
        self.claims.append(claim)
        mark = "PASS" if claim.holds else "FAIL"
        print(f"  [{mark}] {name}: {_format_value(claim.value)} (target {target})")
        return claim

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def finish(self) -> dict:
        """Write ``claims.json``, print a summary, and fail if any claim does not hold."""
        if not self.claims:
            raise RuntimeError(f"Lesson {self.name} recorded no claims: a lesson must measure one.")
        failed = [c for c in self.claims if not c.holds]
        report = {
            "lesson": self.name,
            "title": self.title,
            "seconds": round(self.seconds, 3),
            "quick": self.quick,
            "seed": self.seed,
            "figures": list(self.figures),
            "claims": [asdict(c) for c in self.claims],
        }
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "claims.json").write_text(json.dumps(report, indent=2) + "\n")
        verdict = "all claims hold" if not failed else f"{len(failed)} claim(s) FAILED"
        print(
            f"{self.name}: {len(self.claims) - len(failed)}/{len(self.claims)} claims hold "
            f"({verdict}); {report['seconds']:.1f} s; figures in {self.out}/"
        )
        if failed:
            names = "; ".join(c.name for c in failed)
            if plotting._inside_ipython_kernel():
                raise ClaimFailed(f"{self.name}: claims failed: {names}")
            raise SystemExit(1)
        return report


def start(name: str, *, title: str, argv=None) -> Lesson:
    """Begin a lesson: read settings, seed every generator, set the plot style.

    Args:
        name: the lesson id, ``"NN_name"`` (the file name without ``.py``).
        title: the lesson title shown in summaries and the gallery.
        argv: command-line arguments (default ``sys.argv[1:]``).

    Returns:
        A :class:`Lesson`.
    """
    import keras

    quick, seed, out = _parse_settings(name, sys.argv[1:] if argv is None else argv)
    keras.utils.set_random_seed(seed)
    plotting.apply_style()
    mode = "quick" if quick else "full"
    print(f"== Lesson {name}: {title} ({mode} mode, seed {seed}) ==")
    return Lesson(name=name, title=title, quick=quick, seed=seed, out=out)


def find_lessons(lessons_dir="lessons", only=None) -> list:
    """Return the lesson scripts ``NN_name.py`` in ``lessons_dir``, sorted by number.

    Args:
        lessons_dir: folder holding the lesson scripts.
        only: optional iterable of lesson numbers or names to keep (``17`` or
            ``"17_vanishing_gradients"``).
    """
    folder = Path(lessons_dir)
    if not folder.is_dir():
        raise ValueError(
            f"Invalid value for `lessons_dir`: expected a folder of lesson scripts, "
            f"received lessons_dir={str(lessons_dir)!r} (not a folder)"
        )
    paths = sorted(p for p in folder.glob("[0-9][0-9]_*.py"))
    if only:
        wanted = {str(item) for item in only}
        wanted |= {f"{int(item):02d}" for item in only if str(item).isdigit()}
        paths = [p for p in paths if p.stem in wanted or p.stem[:2] in wanted]
        if not paths:
            raise ValueError(f"Invalid value for `only`: no lesson matches {sorted(wanted)}")
    return paths


def run_lesson(path, *, quick=False, seed=0, out=None) -> dict:
    """Run one lesson script in this process and return its ``claims.json`` report.

    Running lessons in one process pays TensorFlow's start-up once. Each lesson runs
    in fresh globals; Keras state and open figures are cleared between lessons.
    A lesson that raises is reported with ``"error"`` and no claims.
    """
    import runpy
    import traceback

    import keras
    import matplotlib.pyplot as plt

    path = Path(path)
    out = Path(out) if out is not None else Path("out") / path.stem
    argv = [str(path), "--seed", str(seed), "--out", str(out)] + (["--quick"] if quick else [])
    claims_file = out / "claims.json"
    if claims_file.exists():
        claims_file.unlink()  # never report a stale result
    saved_argv = sys.argv
    sys.argv = argv
    began = time.perf_counter()
    error = None
    try:
        runpy.run_path(str(path), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (0, None):
            error = f"exited with status {stop.code}"
    except Exception:  # a broken lesson must not stop the others
        error = traceback.format_exc()
    finally:
        sys.argv = saved_argv
        plt.close("all")
        keras.mixed_precision.set_global_policy("float32")
        keras.backend.clear_session()
    report = {"lesson": path.stem, "claims": [], "figures": []}
    if claims_file.exists():
        report = json.loads(claims_file.read_text())
    report["wall_seconds"] = round(time.perf_counter() - began, 3)
    if error is not None:
        report["error"] = error
    return report


def main(argv=None) -> int:
    """Command line: run every lesson (or some) in one process; exit 1 if any claim fails."""
    parser = argparse.ArgumentParser(
        prog="python -m dlcourse", description="Run dlcourse lessons and write their figures."
    )
    parser.add_argument("--lessons", default="lessons", help="folder of lesson scripts")
    parser.add_argument("--out", default="out", help="output root (one folder per lesson)")
    parser.add_argument("--quick", action="store_true", help="small budgets (as the tests use)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds to run")
    parser.add_argument("--only", nargs="+", help="lesson numbers or names to run")
    args = parser.parse_args(argv)

    paths = find_lessons(args.lessons, args.only)
    results = []
    for seed in args.seeds:
        for path in paths:
            out = Path(args.out) / path.stem
            if len(args.seeds) > 1:
                out = Path(args.out) / f"seed{seed}" / path.stem
            report = run_lesson(path, quick=args.quick, seed=seed, out=out)
            report["seed"] = seed
            results.append(report)

    failed = [r for r in results if r.get("error") or not all(c["holds"] for c in r["claims"])]
    print("\n== Summary ==")
    for r in results:
        ok = not r.get("error") and all(c["holds"] for c in r["claims"])
        held = sum(c["holds"] for c in r["claims"])
        print(f"  {'PASS' if ok else 'FAIL'}  {r['lesson']:<28} seed {r['seed']}  "
              f"{held}/{len(r['claims'])} claims  {r['wall_seconds']:6.1f} s")
        if r.get("error") and not r["error"].startswith("exited"):
            print("        " + r["error"].strip().splitlines()[-1])
    Path(args.out).mkdir(parents=True, exist_ok=True)
    summary = {"quick": args.quick, "seeds": args.seeds, "lessons": results}
    (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{len(results) - len(failed)}/{len(results)} lesson runs passed; summary in "
          f"{Path(args.out) / 'summary.json'}")
    from dlcourse import gallery  # imported here: gallery imports this module

    print(f"gallery: {gallery.write_gallery(args.out, args.lessons)}")
    return 1 if failed else 0
