"""The grid: configurations from a dict of lists or a list of dicts, and what `build` gets."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from dlcourse._validation import check_int, invalid_value

#: Grid keys the sweep reads itself. They are passed to `build` only when
#: `build` names a parameter of that name (a `**kwargs` catch-all does not count).
RESERVED_KEYS = ("learning_rate", "batch_size")


@dataclasses.dataclass(frozen=True)
class Member:
    """One configuration, split: `build`'s keyword arguments and the keys the sweep reads."""

    kwargs: dict
    learning_rate: float | None
    batch_size: int | None


def expand_grid(grid):
    """The list of configuration dicts: a cartesian product, or a list of dicts."""
    if isinstance(grid, Mapping):
        if not grid:
            raise invalid_value(
                "grid", grid, "a non-empty dict of lists of values, or a non-empty list of dicts"
            )
        values = []
        for key, options in grid.items():
            if not isinstance(key, str):
                raise invalid_value("grid", grid, "string keys (argument names of `build`)")
            if isinstance(options, np.ndarray):
                options = options.tolist()
            if isinstance(options, (str, bytes)) or not isinstance(options, (Sequence, range)):
                raise invalid_value(
                    f"grid[{key!r}]", options, "a list of values to try (use [value] for one value)"
                )
            if len(options) == 0:
                raise invalid_value(f"grid[{key!r}]", options, "a non-empty list of values")
            values.append(list(options))
        return [dict(zip(grid, combination)) for combination in itertools.product(*values)]
    if isinstance(grid, Sequence) and not isinstance(grid, (str, bytes)):
        if len(grid) == 0:
            raise invalid_value("grid", grid, "a non-empty list of configuration dicts")
        configs = []
        for i, config in enumerate(grid):
            if not isinstance(config, Mapping) or not all(isinstance(k, str) for k in config):
                raise invalid_value(f"grid[{i}]", config, "a dict of build arguments")
            configs.append(dict(config))
        return configs
    raise invalid_value("grid", grid, "a dict of lists of values, or a list of dicts")


def build_arguments(build):
    """(named parameters, required parameters, accepts **kwargs) of `build`, or None."""
    try:
        signature = inspect.signature(build)
    except (TypeError, ValueError):
        return None
    named, required, var_keyword = set(), set(), False
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_KEYWORD:
            var_keyword = True
        elif parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY):
            named.add(parameter.name)
            if parameter.default is parameter.empty:
                required.add(parameter.name)
    return named, required, var_keyword


def split_config(config, arguments, build_name):
    """A `Member`: `build`'s keyword arguments, the learning rate and the batch size."""
    named, required, var_keyword = arguments or (set(), set(), True)
    kwargs = {}
    for key, value in config.items():
        if key in RESERVED_KEYS and key not in named:
            continue
        if key not in named and not var_keyword:
            raise ValueError(
                f"Invalid grid key `{key}`: `{build_name}` has no parameter `{key}` "
                f"(its parameters: {', '.join(sorted(named)) or 'none'}). The keys "
                f"{', '.join(RESERVED_KEYS)} are read by the sweep itself."
            )
        kwargs[key] = value
    missing = sorted(required - set(kwargs))
    if missing:
        raise ValueError(
            f"Invalid grid: `{build_name}` requires {', '.join(f'`{m}`' for m in missing)}, "
            f"which configuration {config!r} does not give (add it to the grid or give "
            "it a default)."
        )
    learning_rate = config.get("learning_rate")
    if learning_rate is not None and (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, numbers.Real)
        or not learning_rate > 0
        or not math.isfinite(learning_rate)
    ):
        raise invalid_value("learning_rate", learning_rate, "a finite float > 0 in the grid")
    batch_size = config.get("batch_size")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", low=1)
    return Member(kwargs, learning_rate, batch_size)
