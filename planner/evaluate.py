"""Recompute every reported figure from a portfolio and the inputs, without the solver.

This is the single source of the numbers in outputs: coverage per gap, resource use,
and the objective value. Tests and the output checker use it too.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scenario import Scenario


@dataclass(frozen=True)
class Evaluation:
    x: np.ndarray  # 0/1 per option, scenario order
    covered: np.ndarray  # per gap: min(size, Σ selected contributions)
    objective: float
    resource_use: dict[str, float]


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


def evaluate(scenario: Scenario, selected) -> Evaluation:
    """Objective and figures of a portfolio under the spec's model."""
    from . import rules

    x = selection_vector(scenario, selected)
    covered = covered_amounts(scenario, x)
    obj = scenario.config.objective
    if obj.sense == "max_coverage":
        size = scenario.gaps["size"].to_numpy(dtype=float)
        value = float(np.sum(scenario.gap_weights() * covered / size))
        value -= obj.risk_penalty * float(scenario.options["risk"].to_numpy(dtype=float) @ x)
        value += rules.objective_extra(scenario, x, covered)
    else:
        value = float(scenario.options[scenario.cost_resource].to_numpy(dtype=float) @ x)
    use = {r: float(scenario.options[r].to_numpy(dtype=float) @ x) for r in scenario.resources}
    return Evaluation(x=x, covered=covered, objective=value, resource_use=use)
