"""Multi-objective knapsack instances (tests/data/pareto, see its README) as scenarios.

Instance `mkpN` has m objectives and m knapsack constraints over N items: item i has
profit c[k][i] in objective k and weight a[r][i] in constraint r, with capacity b[r].
As a scenario: one option per item, one limited resource `w<r>` per constraint (limit
b[r]), and per objective k a sector `p<k>` with one gap of size and weight S_k + 1
(S_k = Σ_i c[k][i]) to which item i contributes c[k][i]. The gap is never full, so
`sector:p<k>` = weight·covered/size = Σ_{i selected} c[k][i], exactly the profit.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data" / "pareto"


def _matrix(path: Path) -> list[list[float]]:
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return [[float(v) for v in row[1:]] for row in rows[1:]]


def knapsack(name: str):
    """(a, b, c, front): weights per constraint, capacities, profits per objective, published front."""
    folder = DATA / name
    a, b, c = (_matrix(folder / f"{x}.csv") for x in "abc")
    front = [tuple(int(v) for v in row) for row in _matrix(folder / "pareto_sols.csv")]
    return a, [row[0] for row in b], c, front


def knapsack_scenario(name: str):
    """The instance as a validated scenario (see the module doc) and its published front."""
    from planner.inputs.config import parse_config
    from planner.inputs.read import RawInputs
    from planner.inputs.validate import validate

    a, b, c, front = knapsack(name)
    n, m = len(c[0]), len(c)
    options = [
        {
            "option_id": f"i{i + 1}",
            "partner_id": "p",
            "sector_id": "p1",
            "kind": "item",
            **{f"w{r + 1}": str(a[r][i]) for r in range(len(a))},
        }
        for i in range(n)
    ]
    gaps = [
        {
            "gap_id": f"g{k + 1}",
            "sector_id": f"p{k + 1}",
            "name": f"objective {k + 1}",
            "size": str(sum(c[k]) + 1),
            "weight": str(sum(c[k]) + 1),
        }
        for k in range(m)
    ]
    contributions = [
        {"option_id": f"i{i + 1}", "gap_id": f"g{k + 1}", "amount": str(c[k][i])}
        for i in range(n)
        for k in range(m)
        if c[k][i]
    ]
    tables = {
        "partners": pd.DataFrame([{"partner_id": "p", "name": "p"}], dtype=str),
        "sectors": pd.DataFrame(
            [{"sector_id": f"p{k + 1}", "name": f"p{k + 1}", "weight": "1"} for k in range(m)], dtype=str
        ),
        "gaps": pd.DataFrame(gaps, dtype=str),
        "options": pd.DataFrame(options, dtype=str),
        "contributions": pd.DataFrame(contributions, dtype=str),
    }
    cfg = parse_config(
        {
            "name": name,
            "inputs": ".",
            "objective": {"cost_resource": "w1"},
            "limits": {f"w{r + 1}": b[r] for r in range(len(b))},
        },
        f"{name}.yaml",
    )
    raw = RawInputs(cfg, Path(f"{name}.yaml"), Path("."), tables, {k: f"{k}.csv" for k in tables}, "sha")
    return validate(raw), front
