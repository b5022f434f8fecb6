"""The report of one lesson run: what it measured, written to and read from `claims.json`.

A lesson (`dlcourse.lesson`) writes its report when it finishes; the runner
(`dlcourse.runner`), the site, the README table and the tests read it back. This
module is the one place that knows the file's schema::

    {"lesson": "17_vanishing_gradients", "title": "Vanishing and exploding gradients",
     "seconds": 3.1, "quick": true, "seed": 0, "figures": ["gradient_norms.png"],
     "claims": [{"name": "...", "value": 0.0004, "target": "< 1e-3", "holds": true}],
     "backend": "tensorflow", "keras_version": "3.15.1"}

It needs only the standard library (NumPy values are converted when a claim is made).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["CLAIMS_FILE", "Claim", "LessonReport", "format_value", "to_json"]

#: The file a lesson writes in its output folder.
CLAIMS_FILE = "claims.json"


def to_json(value):
    """`value` as plain JSON data: scalars and arrays (NumPy, TensorFlow, JAX, PyTorch)
    become numbers and lists, non-finite floats become strings (`"nan"`, `"inf"`).

    Example:

    >>> to_json([1.5, float("inf"), (2, 3)])
    [1.5, 'inf', [2, 3]]
    """
    if hasattr(value, "detach"):  # a PyTorch tensor (which may require grad)
        value = value.detach()
    if hasattr(value, "numpy"):  # TensorFlow and PyTorch tensors (JAX arrays have tolist)
        value = value.numpy()
    if hasattr(value, "tolist"):  # NumPy scalars and arrays
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


def format_value(value) -> str:
    """A measured value as a learner reads it: floats to 6 significant digits, long
    lists cut after 6 items.

    Example:

    >>> format_value([0.123456789, 2, 3.0])
    '[0.123457, 2, 3]'
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list) and len(value) > 6:
        return "[" + ", ".join(format_value(v) for v in value[:6]) + ", ...]"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


@dataclass
class Claim:
    """One measured claim: what was measured, its value, the target, and whether it holds."""

    name: str
    value: object
    target: str
    holds: bool

    def __str__(self) -> str:
        mark = "PASS" if self.holds else "FAIL"
        return f"[{mark}] {self.name}: {format_value(self.value)} (target {self.target})"


def _invalid(path, expected, received):
    return ValueError(f"Invalid lesson report {path}: expected {expected}, received {received}")


@dataclass
class LessonReport:
    """What one run of a lesson measured.

    Attributes:
        lesson: the lesson's name, `"NN_name"`.
        title: its title (from its header).
        seconds: the lesson's own run time, from `start()` to `finish()`.
        quick: whether it ran in quick mode.
        seed: the seed it ran with.
        figures: the PNG file names it saved, in order.
        claims: the claims it measured (`Claim` objects).
        backend: the Keras backend it ran on (`"tensorflow"`, `"jax"`, `"torch"`), or
            `None` in files written before it was recorded.
        keras_version: the Keras version it ran with (`None` likewise).
        error: set by the runner when the lesson crashed or exited early (not in the file).
        wall_seconds: set by the runner: the time the run took in all (not in the file).
    """

    lesson: str
    title: str
    seconds: float
    quick: bool
    seed: int
    figures: list = field(default_factory=list)
    claims: list = field(default_factory=list)
    backend: str | None = None
    keras_version: str | None = None
    error: str | None = None
    wall_seconds: float | None = None

    @property
    def failed(self) -> list:
        """The claims that do not hold."""
        return [claim for claim in self.claims if not claim.holds]

    @property
    def status(self) -> str:
        """`"pass"` (every claim holds), `"fail"` (some do not, or none were measured),
        or `"crashed"` (the lesson raised before finishing)."""
        if self.error and not self.error.startswith("exited with status"):
            return "crashed"
        return "pass" if self.claims and not self.failed and not self.error else "fail"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def _repr_pretty_(self, printer, cycle) -> None:
        """One line under IPython (a notebook's last cell, `lesson.finish()`, shows it)."""
        held = len(self.claims) - len(self.failed)
        mode = "quick" if self.quick else "full"
        printer.text(
            f"LessonReport({self.lesson}: {self.status}, {held}/{len(self.claims)} claims hold, "
            f"{mode} mode, seed {self.seed})"
        )

    def to_dict(self) -> dict:
        """The `claims.json` content (the runner's `error`/`wall_seconds` added when set)."""
        data = {
            "lesson": self.lesson,
            "title": self.title,
            "seconds": self.seconds,
            "quick": self.quick,
            "seed": self.seed,
            "figures": list(self.figures),
            "claims": [asdict(claim) for claim in self.claims],
        }
        if self.backend is not None:
            data["backend"] = self.backend
        if self.keras_version is not None:
            data["keras_version"] = self.keras_version
        if self.error is not None:
            data["error"] = self.error
        if self.wall_seconds is not None:
            data["wall_seconds"] = self.wall_seconds
        return data

    def write(self, folder) -> Path:
        """Write `folder/claims.json` (the folder is created); return its path."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / CLAIMS_FILE
        data = self.to_dict()
        data.pop("error", None)
        data.pop("wall_seconds", None)
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data, source="<dict>") -> LessonReport:
        """Build a report from `claims.json` data, checking every field.

        Raises:
            ValueError: naming `source` and the field that is missing or malformed.
        """
        if not isinstance(data, dict):
            raise _invalid(source, "a JSON object", type(data).__name__)
        kinds = {
            "lesson": str,
            "title": str,
            "seconds": (int, float),
            "quick": bool,
            "seed": int,
            "figures": list,
            "claims": list,
        }
        for key, kind in kinds.items():
            if key not in data:
                raise _invalid(source, f"a field {key!r}", f"fields {sorted(data)}")
            if not isinstance(data[key], kind) or (kind is int and isinstance(data[key], bool)):
                raise _invalid(source, f"{key!r} of type {kind}", repr(data[key]))
        claims = []
        for item in data["claims"]:
            if not isinstance(item, dict) or set(item) != {"name", "value", "target", "holds"}:
                raise _invalid(source, "claims with name, value, target, holds", repr(item))
            if not isinstance(item["holds"], bool):
                raise _invalid(source, "a boolean 'holds'", repr(item["holds"]))
            claims.append(Claim(**item))
        for key in ("backend", "keras_version"):  # optional: older files lack them
            if not isinstance(data.get(key, ""), str):
                raise _invalid(source, f"{key!r} of type str", repr(data[key]))
        return cls(
            lesson=data["lesson"],
            title=data["title"],
            seconds=float(data["seconds"]),
            quick=data["quick"],
            seed=data["seed"],
            figures=[str(name) for name in data["figures"]],
            claims=claims,
            backend=data.get("backend"),
            keras_version=data.get("keras_version"),
            error=data.get("error"),
            wall_seconds=data.get("wall_seconds"),
        )

    @classmethod
    def read(cls, path) -> LessonReport:
        """Read a report from `path`: a `claims.json` file or the folder holding one.

        Raises:
            FileNotFoundError: if there is no such file.
            ValueError: if the file is not a well-formed report.
        """
        path = Path(path)
        if path.is_dir():
            path = path / CLAIMS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise _invalid(path, "JSON", f"a parse error ({error})") from None
        return cls.from_dict(data, source=path)

    @classmethod
    def read_or_none(cls, path) -> LessonReport | None:
        """Like `read`, but `None` when the file is missing or malformed."""
        try:
            return cls.read(path)
        except (OSError, ValueError):
            return None
