"""The objective as a linear function of a point y = (f, t) of W: value(P, y) = V(P)·y + c(P).

A gap's objective weight is gap weight × sector weight (`Scenario.gap_weights`); every part
of the objective that a weight touches (linear value, diminishing-returns segments, phasing's
per-year value) is linear in that weight, the rest (standards bonuses, −risk) is weight-free.
At y the factors' weights are f and every other gap's objective weight is t × its nominal one
(`WeightSet.scaled_gaps`), so with y's coordinates as the variables:

- c(P)   = the objective with every weight at 0 (y = 0): the weight-free part;
- V_k(P) = the objective at the k-th unit vector of y, minus c(P).

Both are read from the model's one definition: `planner.model.rules.objective_value` for a
portfolio (numpy face), and the compiled model's objective vector for the MILP — this module
writes no objective formula of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from planner.errors import PlannerError
from planner.inputs.scenario import Scenario
from planner.inputs.validate_robust import WeightSet, weight_set
from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.model.faces import State
from planner.model.rules import objective_value


def weight_set_of(scenario: Scenario) -> WeightSet:
    """W of a validated scenario (its `robust:` section; without one W is the nominal point)."""
    return weight_set(scenario.config, scenario.sectors, scenario.gaps)


def at_point(scenario: Scenario, ws: WeightSet, y: npt.ArrayLike) -> Scenario:
    """The scenario with the objective weights of y = (f, t): each factor's weight f_k (through
    `objective.sector_weights` / `gap_weights`), every other gap's weight × t."""
    obj = scenario.config.objective
    sector_w, gap_w = dict(obj.sector_weights), dict(obj.gap_weights)
    point = np.asarray(y, dtype=float).tolist()
    for (kind, ident), v in zip(ws.factors, point[:-1]):
        (sector_w if kind == "sector" else gap_w)[ident] = v
    for gid, weight in ws.scaled_gaps:
        gap_w[gid] = point[-1] * weight
    objective = obj.model_copy(update={"sector_weights": sector_w, "gap_weights": gap_w})
    return scenario.with_config(scenario.config.model_copy(update={"objective": objective}))


@dataclass
class Linear:
    """The objective of one scenario as V·y + c, per portfolio (numpy) and per MILP column."""

    scenario: Scenario
    ws: WeightSet

    @cached_property
    def variants(self) -> list[Scenario]:
        """[every weight 0, y = e_0, e_1, …, e_F (the last: t)]."""
        n = self.ws.size + 1
        return [at_point(self.scenario, self.ws, np.zeros(n))] + [
            at_point(self.scenario, self.ws, np.eye(n)[k]) for k in range(n)
        ]

    def portfolio(self, x: np.ndarray, start: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """(V(P), c(P)) of a portfolio, from `objective_value` at each variant."""
        values = np.array([objective_value(State.of(sc, x, start)) for sc in self.variants])
        return values[1:] - values[0], float(values[0])

    def value(self, x: np.ndarray, y: np.ndarray, start: np.ndarray | None = None) -> float:
        v, c = self.portfolio(x, start)
        return float(v @ y + c)

    @cached_property
    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """(A, C): per coordinate of y and per compiled column, the objective coefficient (user
        sense) is C + Σ_k y_k·A[k] — read from each variant's compiled model."""
        vectors, names = [], None
        for sc in self.variants:
            comp = compile_model(build(sc))
            if names is None:
                names = comp.col_names
            elif comp.col_names != names:  # a weight of 0 must not change the model's columns
                raise PlannerError("the model's columns depend on the weights; robust analysis needs them fixed")
            vectors.append(-comp.primary if comp.maximize else comp.primary)
        base = vectors[0]
        return np.array([v - base for v in vectors[1:]]).reshape(self.ws.size + 1, len(base)), base
