"""Sweep grids: a cartesian product of `Vary(key, values)` axes.

`Vary("limits.budget_musd", [2000, 2500, 3000])` (or `Vary.range("limits.budget_musd",
2000, 3000, 500)`) sets one scenario key to each value, as `--set KEY=VALUE` would. The
command line writes an axis as `--vary KEY=START:STOP:STEP` or `--vary KEY=v1,v2,v3`;
`parse_vary` reads that text into a `Vary` (only the CLI parses text). `check_grid` checks
a list of axes (at least one, no key twice, at most MAX_POINTS points).

Points are numbered in row-major order (the first `--vary` is the outermost loop, the
last changes fastest). Points are solved in *blocks*: runs of consecutive points along
the last axis, at most `block_size` long, each point starting from the previous one's
portfolio. Blocks depend only on the grid and `block_size` — never on the number of
workers — so results are the same whatever runs them.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Sequence

import yaml

from planner.errors import InputError, Problem
from planner.inputs.read import load_yaml_text

MAX_POINTS = 100_000


@dataclass(frozen=True)
class Vary:
    """One axis of a sweep: a dotted scenario key and the values it takes, in order."""

    key: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if isinstance(self.values, (str, bytes, dict)):
            raise TypeError(f"Vary({self.key!r}, …): values must be a list of values, not {type(self.values).__name__}")
        object.__setattr__(self, "values", tuple(self.values))

    @classmethod
    def range(cls, key: str, start: int | float, stop: int | float, step: int | float) -> "Vary":
        """START, START+STEP, … up to STOP (included when reached); 12 significant digits for floats."""
        for value in (start, stop, step):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InputError(
                    Problem(file="--vary", key=key, value=value, message="START, STOP and STEP must be finite numbers")
                )
        return cls(key, _range(key, start, stop, step, f"{start}:{stop}:{step}"))


def _text(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def cell(value: Any) -> Any:
    """A value as a table cell: scalars as they are, lists and mappings in YAML flow style ([a, b])."""
    return _text(value) if isinstance(value, (list, dict, tuple)) else value


def _number(text: str, key: str, spec: str) -> int | float:
    try:
        value = load_yaml_text(text, "--vary", key=key, value=text)
    except InputError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(
            Problem(
                file="--vary",
                key=key,
                value=text,
                message=f"not a finite number in {spec!r}; write KEY=START:STOP:STEP, e.g. limits.budget_musd=2000:4000:500",
            )
        )
    return value


def _range(key: str, start: float, stop: float, step: float, shown: str) -> tuple[Any, ...]:
    if step == 0 or (stop - start) * step < 0:
        raise InputError(
            Problem(
                file="--vary", key=key, value=shown, message="STEP must be non-zero and point from START towards STOP"
            )
        )
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_POINTS:
        raise InputError(
            Problem(file="--vary", key=key, value=shown, message=f"{count} values; at most {MAX_POINTS} are allowed")
        )
    if all(isinstance(v, int) for v in (start, step)):
        return tuple(start + i * step for i in range(count))
    # 12 significant digits: 0.1 + 2·0.1 is 0.3, not 0.30000000000000004
    return tuple(float(f"{start + i * step:.12g}") for i in range(count))


def parse_vary(spec: str) -> Vary:
    """Parse `KEY=START:STOP:STEP` (STOP included when reached) or `KEY=v1,v2,...` (values read as YAML)."""
    if "=" not in spec:
        raise InputError(
            Problem(
                file="--vary",
                value=spec,
                message="expected KEY=START:STOP:STEP or KEY=v1,v2,..., e.g. limits.budget_musd=2000:4000:500",
            )
        )
    key, rhs = (part.strip() for part in spec.split("=", 1))
    if not key or any(not part for part in key.split(".")):
        raise InputError(
            Problem(file="--vary", value=spec, message="KEY must be a dotted scenario key such as limits.budget_musd")
        )
    if ":" in rhs:
        parts = rhs.split(":")
        if len(parts) != 3:
            raise InputError(
                Problem(file="--vary", key=key, value=rhs, message="a range needs exactly START:STOP:STEP")
            )
        start, stop, step = (_number(p.strip(), key, spec) for p in parts)
        values = _range(key, start, stop, step, rhs)
    else:
        items = [item.strip() for item in rhs.split(",")]
        if not rhs.strip() or any(not item for item in items):
            raise InputError(
                Problem(file="--vary", key=key, value=rhs, message="empty value in the list; write KEY=v1,v2,v3")
            )
        # each item read as scenario files are (and with their limits)
        values = tuple(load_yaml_text(item, "--vary", key=key, value=item) for item in items)
    return Vary(key, values)


def parse_axes(specs: list[str] | tuple[str, ...]) -> list[Vary]:
    """`--vary` texts as a checked grid (see `check_grid`)."""
    return check_grid([parse_vary(s) for s in specs])


def check_grid(axes: "Vary | Sequence[Vary]") -> list[Vary]:
    """The axes as a list, checked: at least one, each a dotted key with at least one value,
    no key twice, at most MAX_POINTS points in all (InputError naming the key otherwise)."""
    axes = [axes] if isinstance(axes, Vary) else list(axes)
    if not axes:
        raise InputError(Problem(file="--vary", message="give at least one --vary KEY=START:STOP:STEP"))
    seen = set()
    for axis in axes:
        if not isinstance(axis, Vary):
            raise InputError(Problem(file="--vary", value=repr(axis), message="each axis must be a Vary(key, values)"))
        if not isinstance(axis.key, str) or not axis.key or any(not part for part in axis.key.split(".")):
            raise InputError(
                Problem(
                    file="--vary",
                    value=axis.key,
                    message="KEY must be a dotted scenario key such as limits.budget_musd",
                )
            )
        if not axis.values:
            raise InputError(Problem(file="--vary", key=axis.key, message="an axis needs at least one value"))
        if axis.key in seen:
            raise InputError(
                Problem(
                    file="--vary",
                    key=axis.key,
                    message="the same key is varied twice; merge the values into one --vary",
                )
            )
        seen.add(axis.key)
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise InputError(
            Problem(
                file="--vary", value=total, message=f"the grid has more than {MAX_POINTS} points; use coarser steps"
            )
        )
    return axes


def points(axes: list[Vary]) -> list[dict[str, Any]]:
    """Every grid point as {key: value}, row-major (last axis fastest)."""
    return [dict(zip((a.key for a in axes), combo)) for combo in itertools.product(*(a.values for a in axes))]


def blocks(axes: list[Vary], block_size: int) -> list[list[int]]:
    """Consecutive point indices along the last axis, split into runs of at most block_size."""
    inner = len(axes[-1].values)
    total = math.prod(len(a.values) for a in axes)
    out = []
    for row_start in range(0, total, inner):
        for s in range(row_start, row_start + inner, block_size):
            out.append(list(range(s, min(s + block_size, row_start + inner))))
    return out


def neighbours(axes: list[Vary]) -> list[tuple[int, int, int]]:
    """(axis number, point i, point j): j is i's next point along that axis, others equal."""
    sizes = [len(a.values) for a in axes]
    strides = [math.prod(sizes[k + 1 :]) for k in range(len(sizes))]
    out = []
    for index, combo in enumerate(itertools.product(*(range(n) for n in sizes))):
        for k, pos in enumerate(combo):
            if pos + 1 < sizes[k]:
                out.append((k, index, index + strides[k]))
    return out
