"""Monte Carlo perturbations: what may be perturbed, flag parsing, and per-sample draws.

A perturbation is a `planner.inputs.config.Perturbation` (the type of the scenario's
`uncertainty.perturb` entries); only the CLI writes one as `--perturb` text (`parse_flag`).

A perturbation multiplies every cell of one table column by a random factor (`scope:
cell`, the default) or the whole column by one factor (`scope: column`):

- `uniform`    factor ~ U(low, high)
- `triangular` factor ~ Tri(low, peak, high)   (peak defaults to 1)
- `normal`     factor ~ N(1, sd), clipped at 0

Perturbable columns: `contributions.amount`, `options.<resource>` (any resource of the
scenario), `options.risk` (clipped to [0, 1] after scaling), `gaps.weight`, `sectors.weight`.

Sample i draws from `numpy.random.default_rng(SeedSequence(seed, spawn_key=(i,)))`, the
perturbations in the order stated — so a sample's numbers depend only on (seed, i) and the
perturbation list, never on which worker draws them or in what order.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray
from pydantic import ValidationError

from planner.inputs.config import Perturbation
from planner.errors import InputError, Problem
from planner.inputs.scenario import Scenario

FIXED = {"contributions": ("amount",), "options": ("risk",), "gaps": ("weight",), "sectors": ("weight",)}


def allowed_columns(scenario: Scenario) -> list[str]:
    cols = [f"{t}.{c}" for t, cs in FIXED.items() for c in cs]
    return cols + [f"options.{r}" for r in scenario.resources]


def parse_flag(text: str) -> Perturbation:
    """`TABLE.COLUMN=uniform:LOW:HIGH`, `=triangular:LOW:PEAK:HIGH`, `=normal:SD`, optionally `:column`."""
    example = "e.g. contributions.amount=uniform:0.7:1.3 or options.budget_musd=triangular:0.8:1:1.5"
    if "=" not in text or "." not in text.split("=", 1)[0]:
        raise InputError(Problem(file="--perturb", value=text, message=f"expected TABLE.COLUMN=DIST:PARAMS, {example}"))
    target, spec = text.split("=", 1)
    table, column = target.strip().split(".", 1)
    parts = [p.strip() for p in spec.split(":")]
    scope = "cell"
    if parts and parts[-1] in ("cell", "column"):
        scope = parts.pop()
    dist, args = parts[0], parts[1:]
    shapes = {"uniform": ("low", "high"), "triangular": ("low", "peak", "high"), "normal": ("sd",)}
    if dist not in shapes or len(args) != len(shapes[dist]):
        raise InputError(
            Problem(
                file="--perturb",
                key=target,
                value=spec,
                message=f"use uniform:LOW:HIGH, triangular:LOW:PEAK:HIGH or normal:SD, {example}",
            )
        )
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise InputError(
            Problem(file="--perturb", key=target, value=spec, message=f"parameters must be numbers, {example}")
        ) from None
    try:
        return Perturbation(table=table, column=column, dist=dist, scope=scope, **dict(zip(shapes[dist], values)))
    except ValidationError as exc:
        msg = "; ".join(e["msg"] for e in exc.errors())
        raise InputError(Problem(file="--perturb", key=target, value=spec, message=msg)) from None


def parse_flags(texts: Sequence[str], scenario: Scenario) -> list[Perturbation]:
    """`--perturb` texts as perturbations, each naming a perturbable column of `scenario`
    (InputError naming every flag that does not)."""
    flags = [parse_flag(t) for t in texts]
    if flags:
        check(flags, scenario, "--perturb", list(texts))
    return flags


def merge(from_yaml: Sequence[Perturbation], from_flags: Sequence[Perturbation]) -> list[Perturbation]:
    """The scenario's perturbations with each flag replacing the one on the same column (or added)."""
    out = {(p.table, p.column): p for p in from_yaml}
    for p in from_flags:
        out[(p.table, p.column)] = p
    return list(out.values())


def check(perturbations: Sequence[Perturbation], scenario: Scenario, file: str, keys: Sequence[str]) -> None:
    """Every perturbation names a perturbable column (InputError listing all that do not, each
    with its YAML key or flag in `keys`), and there is at least one."""
    allowed = allowed_columns(scenario)
    problems = [
        Problem(
            file=file,
            key=key,
            value=f"{p.table}.{p.column}",
            message=f"cannot be perturbed; perturbable columns: {', '.join(allowed)}",
        )
        for p, key in zip(perturbations, keys)
        if f"{p.table}.{p.column}" not in allowed
    ]
    if not perturbations:
        problems.append(
            Problem(
                file=file,
                key="uncertainty.perturb",
                message="nothing to perturb: state uncertainty.perturb in the scenario or give "
                "--perturb, e.g. --perturb contributions.amount=uniform:0.7:1.3",
            )
        )
    if problems:
        raise InputError(problems)


def factors(rng: np.random.Generator, p: Perturbation, n: int) -> NDArray[np.float64]:
    size = 1 if p.scope == "column" else n
    if p.dist == "normal":
        assert p.sd is not None  # Perturbation's own check: normal needs sd
        draw = np.maximum(0.0, rng.normal(1.0, p.sd, size))
    else:
        assert p.low is not None and p.high is not None  # uniform and triangular need both (checked)
        if p.dist == "uniform":
            draw = rng.uniform(p.low, p.high, size)
        else:
            peak = 1.0 if p.peak is None else p.peak
            draw = np.full(size, p.low) if p.low == p.high else rng.triangular(p.low, peak, p.high, size)
    return np.broadcast_to(draw, (n,)) if p.scope == "column" else draw


def sample_tables(base: Scenario, perturbations: Sequence[Perturbation], seed: int, index: int) -> dict[str, Any]:
    """The perturbed typed tables of sample `index` (only the tables that change)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))
    tables: dict[str, Any] = {}
    for p in perturbations:
        frame = tables.get(p.table)
        if frame is None:
            frame = tables[p.table] = getattr(base, p.table).copy()
        values = frame[p.column].to_numpy(dtype=float) * factors(rng, p, len(frame))
        if p.table == "options" and p.column == "risk":
            values = np.clip(values, 0.0, 1.0)
        frame[p.column] = values
    return tables


def changes_of(perturbations: Sequence[Perturbation]) -> frozenset[str]:
    return frozenset({f"{p.table}.{p.column}" for p in perturbations})
