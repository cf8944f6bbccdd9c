"""Recompute every reported figure from a portfolio and the inputs, without the solver.

This is the single source of the numbers in outputs: coverage per gap, resource use,
and the objective value. Tests and the output checker use it too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs.scenario import Scenario


@dataclass(frozen=True)
class Evaluation:
    x: np.ndarray  # 0/1 per option, scenario order
    covered: np.ndarray  # per gap: min(size, Σ selected contributions)
    objective: float
    resource_use: dict[str, float]
    start_year: np.ndarray | None = None  # phasing: start year per option (0 where not selected)
    use_by_year: dict[str, np.ndarray] | None = None  # phasing: resource → spending per horizon year


def selection_vector(scenario: Scenario, selected) -> np.ndarray:
    """0/1 vector from ids (or pass a vector through)."""
    if isinstance(selected, np.ndarray) and selected.dtype != object and len(selected) == len(scenario.options):
        return selected.astype(np.int8)
    chosen = set(selected)
    return np.array([1 if o in chosen else 0 for o in scenario.options.index], dtype=np.int8)


def covered_amounts(scenario: Scenario, x: np.ndarray) -> np.ndarray:
    """covered[g] = min(size[g], Σ_o amount[o,g]·x[o])."""
    oi, gi, amt = scenario.contribution_arrays()
    raw = np.bincount(gi, weights=amt * x[oi], minlength=len(scenario.gaps))
    return np.minimum(raw, scenario.gaps["size"].to_numpy(dtype=float))


def evaluate(scenario: Scenario, selected, start_year=None) -> Evaluation:
    """Objective and figures of a portfolio under the spec's model.

    With time phasing, `start_year` gives each option's start (an array in option order,
    or {option_id: year}; `selected` may itself be such a mapping); a selected option
    without one starts in the horizon's first year.
    """
    from planner.model import rules

    if isinstance(selected, dict) and start_year is None:
        start_year, selected = selected, list(selected)
    x = selection_vector(scenario, selected)
    covered = covered_amounts(scenario, x)
    phasing = scenario.config.rules.phasing
    start = years = None
    if phasing is not None:
        from planner.model.rules.phasing import start_index, use_by_year

        if isinstance(start_year, dict):
            start_year = [start_year.get(o, phasing.start) for o in scenario.options.index]
        idx = start_index(scenario, start_year) if start_year is not None else np.zeros(len(x), dtype=int)
        if np.any(x.astype(bool) & (idx < 0)):
            bad = scenario.options.index[x.astype(bool) & (idx < 0)][0]
            raise ValueError(f"option {bad!r} is selected but its start year is outside {phasing.start}–{phasing.end}")
        idx = np.where(x.astype(bool), idx, -1)
        start = np.where(idx >= 0, np.asarray(phasing.years)[np.maximum(idx, 0)], 0).astype(np.int64)
        years = use_by_year(scenario, x, idx)
    obj = scenario.config.objective
    if obj.sense == "max_coverage":
        size = scenario.gaps["size"].to_numpy(dtype=float)
        value = float(np.sum(scenario.gap_weights() * covered / size))
        value -= obj.risk_penalty * float(scenario.options["risk"].to_numpy(dtype=float) @ x)
        value += rules.objective_extra(scenario, x, covered, None if phasing is None else idx)
    else:
        value = float(scenario.options[scenario.cost_resource].to_numpy(dtype=float) @ x)
    use = {r: float(scenario.options[r].to_numpy(dtype=float) @ x) for r in scenario.resources}
    return Evaluation(x=x, covered=covered, objective=value, resource_use=use, start_year=start, use_by_year=years)
