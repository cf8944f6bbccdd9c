"""Sweep grids: `--vary KEY=START:STOP:STEP` or `--vary KEY=v1,v2,v3`, as a cartesian product.

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
from typing import Any

import yaml

from planner.errors import InputError, Problem

MAX_POINTS = 100_000


@dataclass(frozen=True)
class Axis:
    key: str
    values: tuple[Any, ...]

    def spec(self) -> str:
        return f"{self.key}=" + ",".join(_text(v) for v in self.values)


def _text(value: Any) -> str:
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def cell(value: Any) -> Any:
    """A value as a table cell: scalars as they are, lists and mappings in YAML flow style ([a, b])."""
    return _text(value) if isinstance(value, (list, dict, tuple)) else value


def _number(text: str, key: str, spec: str) -> int | float:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(Problem(file="--vary", key=key, value=text,
                                 message=f"not a finite number in {spec!r}; write KEY=START:STOP:STEP, e.g. limits.budget_musd=2000:4000:500"))
    return value


def parse_vary(spec: str) -> Axis:
    """Parse `KEY=START:STOP:STEP` (STOP included when reached) or `KEY=v1,v2,...` (values read as YAML)."""
    if "=" not in spec:
        raise InputError(Problem(file="--vary", value=spec,
                                 message="expected KEY=START:STOP:STEP or KEY=v1,v2,..., e.g. limits.budget_musd=2000:4000:500"))
    key, rhs = (part.strip() for part in spec.split("=", 1))
    if not key or any(not part for part in key.split(".")):
        raise InputError(Problem(file="--vary", value=spec, message="KEY must be a dotted scenario key such as limits.budget_musd"))
    if ":" in rhs:
        parts = rhs.split(":")
        if len(parts) != 3:
            raise InputError(Problem(file="--vary", key=key, value=rhs, message="a range needs exactly START:STOP:STEP"))
        start, stop, step = (_number(p.strip(), key, spec) for p in parts)
        if step == 0 or (stop - start) * step < 0:
            raise InputError(Problem(file="--vary", key=key, value=rhs,
                                     message="STEP must be non-zero and point from START towards STOP"))
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        if count > MAX_POINTS:
            raise InputError(Problem(file="--vary", key=key, value=rhs, message=f"{count} values; at most {MAX_POINTS} are allowed"))
        if all(isinstance(v, int) for v in (start, step)):
            values: tuple[Any, ...] = tuple(start + i * step for i in range(count))
        else:  # 12 significant digits: 0.1 + 2·0.1 is 0.3, not 0.30000000000000004
            values = tuple(float(f"{start + i * step:.12g}") for i in range(count))
    else:
        items = [item.strip() for item in rhs.split(",")]
        if not rhs.strip() or any(not item for item in items):
            raise InputError(Problem(file="--vary", key=key, value=rhs, message="empty value in the list; write KEY=v1,v2,v3"))
        values = []
        for item in items:
            try:
                values.append(yaml.safe_load(item))
            except yaml.YAMLError as exc:
                raise InputError(Problem(file="--vary", key=key, value=item, message=f"not a valid value: {exc}")) from None
        values = tuple(values)
    return Axis(key, values)


def parse_axes(specs: list[str] | tuple[str, ...]) -> list[Axis]:
    axes = [parse_vary(s) for s in specs]
    if not axes:
        raise InputError(Problem(file="--vary", message="give at least one --vary KEY=START:STOP:STEP"))
    seen = set()
    for axis in axes:
        if axis.key in seen:
            raise InputError(Problem(file="--vary", key=axis.key, message="the same key is varied twice; merge the values into one --vary"))
        seen.add(axis.key)
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise InputError(Problem(file="--vary", value=total, message=f"the grid has more than {MAX_POINTS} points; use coarser steps"))
    return axes


def points(axes: list[Axis]) -> list[dict[str, Any]]:
    """Every grid point as {key: value}, row-major (last axis fastest)."""
    return [dict(zip((a.key for a in axes), combo)) for combo in itertools.product(*(a.values for a in axes))]


def blocks(axes: list[Axis], block_size: int) -> list[list[int]]:
    """Consecutive point indices along the last axis, split into runs of at most block_size."""
    inner = len(axes[-1].values)
    total = math.prod(len(a.values) for a in axes)
    out = []
    for row_start in range(0, total, inner):
        for s in range(row_start, row_start + inner, block_size):
            out.append(list(range(s, min(s + block_size, row_start + inner))))
    return out


def neighbours(axes: list[Axis]) -> list[tuple[int, int, int]]:
    """(axis number, point i, point j): j is i's next point along that axis, others equal."""
    sizes = [len(a.values) for a in axes]
    strides = [math.prod(sizes[k + 1:]) for k in range(len(sizes))]
    out = []
    for index, combo in enumerate(itertools.product(*(range(n) for n in sizes))):
        for k, pos in enumerate(combo):
            if pos + 1 < sizes[k]:
                out.append((k, index, index + strides[k]))
    return out
