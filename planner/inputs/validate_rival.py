"""The `rival:` section judged against the tables (`planner rival`, docs/rival.md).

`check_rival` returns every problem at once and the rival's cost per partner (floats, in
partner order): the `rival.cost` column's cells, each a finite number ≥ 0, or
`DEFAULT_COST` for every partner when no column is named. A column is read only when the
section names it; any other extra column of partners.csv is carried through untouched.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from planner.errors import Problem
from planner.inputs.config import ScenarioConfig
from planner.inputs.config_rival import DEFAULT_COST

if TYPE_CHECKING:
    import pandas as pd

REFUSE_MIN_COST = (
    "a rival changes the value of coverage, and under objective.sense min_cost the objective is the "
    "cost of the plan, which pulling partners away cannot change (targets bind the plan as signed); "
    "plan against a rival with objective.sense: max_coverage, or remove the rival: section"
)
REFUSE_HORIZON = (
    "rules.phasing.value horizon values each year's coverage, which planner rival does not model yet; "
    "use value: end (the default) or remove the rival: section"
)


def check_rival(
    cfg: ScenarioConfig, scenario_file: str, partners_file: str, partners: pd.DataFrame
) -> tuple[list[Problem], list[float] | None]:
    """Problems of `cfg.rival` against the partners table (strings), and the cost per partner (None on problems)."""
    rival = cfg.rival
    if rival is None:
        return [], None
    problems: list[Problem] = []
    if cfg.objective.sense == "min_cost":
        problems.append(Problem(file=scenario_file, key="objective.sense", value="min_cost", message=REFUSE_MIN_COST))
    phasing = cfg.rules.phasing
    if phasing is not None and phasing.value == "horizon":
        problems.append(Problem(file=scenario_file, key="rules.phasing.value", value="horizon", message=REFUSE_HORIZON))
    if rival.cost is None:
        return problems, None if problems else [DEFAULT_COST] * len(partners)
    if rival.cost not in partners.columns:
        extra = [
            c for c in partners.columns if c not in ("partner_id", "name", "region", "bloc", "risk", "max_options")
        ]
        problems.append(
            Problem(
                file=scenario_file,
                key="rival.cost",
                value=rival.cost,
                message=f"unknown column; it must name a column of {partners_file} that holds what "
                f"pulling each partner away costs the rival (extra columns there: "
                f"{', '.join(extra) or 'none'}); omit rival.cost to make every partner cost "
                f"{DEFAULT_COST:g}",
            )
        )
        return problems, None
    costs: list[float] = []
    for i, cell in enumerate(partners[rival.cost].tolist()):
        value = _number(cell)
        if value is None:
            problems.append(
                Problem(
                    file=partners_file,
                    row=i + 2,
                    column=rival.cost,
                    value=cell,
                    message="must be a finite number ≥ 0: what pulling this partner away costs the "
                    f"rival {rival.name!r} (rival.cost)",
                )
            )
        costs.append(0.0 if value is None else value)
    return problems, None if problems else costs


def _number(cell: Any) -> float | None:
    try:
        value = float(str(cell).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 <= value <= 1e12 else None
