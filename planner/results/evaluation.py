"""Every reported figure of a portfolio, from the model's one definition (its numpy face).

`evaluate(scenario, selected)` gives coverage per gap, resource use, the objective value
(`planner.model.rules.objective_value`) and, on demand, every row's activity and bounds and
every auxiliary column's value (`Evaluation.faces()`), read from each part's
`evaluate_<part>` in the rule-family registry. Results, `planner check`, sensitivity and
the analysis commands all read this; none re-derives a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from planner.inputs.scenario import Scenario
from planner.model.base import evaluate_variables
from planner.model.faces import RowValue, State
from planner.model.rules import active_parts, objective_value
from planner.model.rules.phasing import start_index, use_by_year

# A portfolio as `evaluate` takes it: option ids, {option id: start year}, or a 0/1 vector in option order.
Selection = Iterable[str] | Mapping[str, int] | NDArray[Any]
# Start years: {option id: year}, or one per option in option order.
StartYears = Mapping[str, int] | Sequence[int] | NDArray[Any]


@dataclass(frozen=True)
class Evaluation:
    x: NDArray[np.int8]  # 0/1 per option, scenario order
    covered: NDArray[np.float64]  # per gap: min(size, Σ selected contributions)
    objective: float
    resource_use: dict[str, float]
    start_year: NDArray[np.int64] | None = None  # phasing: start year per option (0 where not selected)
    use_by_year: dict[str, NDArray[np.float64]] | None = None  # phasing: resource → spending per horizon year
    state: State | None = field(default=None, repr=False)

    def faces(self) -> tuple[dict[tuple[str, str], RowValue], dict[tuple[Any, ...], float]]:
        """Every row of the model at this portfolio, by (family, ident), and every column's value by key."""
        state = self.state
        if state is None:  # `evaluate` always records it
            raise ValueError("an Evaluation without its State has no faces")
        rows: dict[tuple[str, str], RowValue] = {}
        columns = dict(evaluate_variables(state).columns)
        for part in active_parts(state.scenario):
            face = part.evaluate(state)
            rows.update(((part.name, ident), value) for ident, value in face.rows.items())
            columns.update(face.columns)
        return rows, columns

    def violations(self, tol: float = 1e-6) -> list[tuple[str, str, RowValue]]:
        """(family, ident, row) of every row the portfolio violates, beyond a relative tolerance."""
        rows, _ = self.faces()
        return [
            (f, i, r)
            for (f, i), r in rows.items()
            if r.violation()
            > tol
            * max(1.0, abs(r.lower) if np.isfinite(r.lower) else 0.0, abs(r.upper) if np.isfinite(r.upper) else 0.0)
        ]


def selection_vector(scenario: Scenario, selected: Selection) -> NDArray[np.int8]:
    """0/1 vector from ids (or pass a vector through)."""
    if isinstance(selected, np.ndarray) and selected.dtype != object and len(selected) == len(scenario.options):
        return selected.astype(np.int8)
    chosen = set(selected)
    return np.array([1 if o in chosen else 0 for o in scenario.options.index], dtype=np.int8)


def covered_amounts(scenario: Scenario, x: NDArray[Any]) -> NDArray[np.float64]:
    """covered[g] = min(size[g], Σ_o amount[o,g]·x[o])."""
    covered: NDArray[np.float64] = State.of(scenario, x).covered
    return covered


def evaluate(scenario: Scenario, selected: Selection, start_year: StartYears | None = None) -> Evaluation:
    """Objective and figures of a portfolio under the spec's model.

    With time phasing, `start_year` gives each option's start (an array in option order,
    or {option_id: year}; `selected` may itself be such a mapping); a selected option
    without one starts in the horizon's first year.
    """
    if isinstance(selected, dict) and start_year is None:
        start_year, selected = selected, list(selected)
    x = selection_vector(scenario, selected)
    phasing = scenario.config.rules.phasing
    start = years = idx = None
    if phasing is not None:
        if isinstance(start_year, Mapping):
            by_id: Mapping[str, int] = start_year
            start_year = [by_id.get(o, phasing.start) for o in scenario.options.index]
        idx = start_index(scenario, start_year) if start_year is not None else np.zeros(len(x), dtype=int)
        if np.any(x.astype(bool) & (idx < 0)):
            bad = scenario.options.index[x.astype(bool) & (idx < 0)][0]
            raise ValueError(f"option {bad!r} is selected but its start year is outside {phasing.start}–{phasing.end}")
        idx = np.where(x.astype(bool), idx, -1)
        start = np.where(idx >= 0, np.asarray(phasing.years)[np.maximum(idx, 0)], 0).astype(np.int64)
        years = use_by_year(scenario, x, idx)
    state = State.of(scenario, x, idx)
    use = {r: float(scenario.options[r].to_numpy(dtype=float) @ x) for r in scenario.resources}
    return Evaluation(
        x=x,
        covered=state.covered,
        objective=objective_value(state),
        resource_use=use,
        start_year=start,
        use_by_year=years,
        state=state,
    )
