"""The numpy face of the rival: what a response costs the rival, and what our plan is worth after it.

Notation (docs/rival.md): x our portfolio, R a set of partners the rival pulls away,
n_p(x) the number of selected options with partner p, c_p the rival's cost of pulling p
(`rival.cost`), s the shield, B the rival's budget, ℓ the loss.

- spend_p(x) = c_p + s·n_p(x); R is affordable against x iff Σ_{p∈R} spend_p(x) ≤ B.
- value(x, R) is the model's own objective (`planner.model.rules.objective_value`) at x in
  the scenario the rival leaves us (`after_response`): every contribution of an option with
  a partner in R multiplied by (1 − ℓ); coverage stays capped at each gap's size, the risk
  term and bonuses unchanged. No formula of the objective is restated here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from planner.errors import InputError, Problem
from planner.inputs.config_rival import DEFAULT_COST
from planner.inputs.scenario import Scenario
from planner.model.faces import State
from planner.model.rules import gap_values, objective_value
from planner.model.rules.value import segments_by_gap

Pulled = Iterable[str]  # the partners a response pulls away

AFFORD_TOL = 1e-9  # relative: a response spending budget·(1 + 1e-9) still counts as affordable


@dataclass(frozen=True)
class RivalTerms:
    """The rival's numbers for one scenario: per partner (table order) its cost, and the settings."""

    name: str
    partners: tuple[str, ...]
    cost: np.ndarray
    budget: float
    shield: float
    loss: float
    cost_column: str | None

    def limit(self) -> float:
        """The budget with the tolerance every affordability test uses."""
        return self.budget + AFFORD_TOL * max(1.0, abs(self.budget))


def rival_terms(scenario: Scenario) -> RivalTerms:
    """The scenario's `rival:` section with the cost per partner as validated (`planner.inputs.validate_rival`)."""
    rival = scenario.config.rival
    if rival is None:
        raise InputError(
            Problem(
                file=str(scenario.scenario_file),
                key="rival",
                message="the scenario has no rival: section; add one (see docs/rival.md), e.g. --set rival.budget=3",
            )
        )
    ids = tuple(scenario.partners.index.tolist())
    cost = (
        scenario.partners[rival.cost].to_numpy(dtype=float)
        if rival.cost
        else np.full(len(ids), DEFAULT_COST, dtype=float)
    )
    return RivalTerms(rival.name, ids, cost, float(rival.budget), float(rival.shield), float(rival.loss), rival.cost)


def option_partner_index(scenario: Scenario) -> np.ndarray:
    """Per option: its partner's position in the partners table."""
    pos = {p: i for i, p in enumerate(scenario.partners.index.tolist())}
    return np.array([pos[p] for p in scenario.options["partner_id"].tolist()], dtype=np.int64)


def options_per_partner(scenario: Scenario, x: np.ndarray) -> np.ndarray:
    """n_p(x): selected options per partner, in partner order."""
    return np.bincount(
        option_partner_index(scenario), weights=np.asarray(x, dtype=float), minlength=len(scenario.partners)
    ).astype(np.int64)


def spend(terms: RivalTerms, scenario: Scenario, x: np.ndarray) -> np.ndarray:
    """spend_p(x) = c_p + s·n_p(x): what pulling each partner away costs the rival against x."""
    return terms.cost + terms.shield * options_per_partner(scenario, x)


def response_spend(terms: RivalTerms, scenario: Scenario, x: np.ndarray, pulled: Pulled) -> float:
    """Σ_{p∈R} spend_p(x)."""
    chosen = set(pulled)
    mask = np.array([p in chosen for p in terms.partners], dtype=bool)
    return float(spend(terms, scenario, x)[mask].sum())


def affordable(terms: RivalTerms, scenario: Scenario, x: np.ndarray, pulled: Pulled) -> bool:
    """Can the rival pay for pulling every partner in `pulled` away from portfolio x?"""
    return response_spend(terms, scenario, x, pulled) <= terms.limit()


def after_response(scenario: Scenario, pulled: Pulled, loss: float) -> Scenario:
    """The scenario the rival leaves us: the contributions of options with a pulled partner × (1 − loss).

    Only the contributions table changes, so everything else (limits, rules, weights) is the scenario's own."""
    chosen = set(pulled)
    if not chosen or loss == 0:
        return scenario
    contrib = scenario.contributions.copy()
    partner = contrib["option_id"].map(scenario.option_partner)
    factor = np.where(partner.isin(chosen).to_numpy(), 1.0 - loss, 1.0)
    contrib["amount"] = contrib["amount"].to_numpy(dtype=float) * factor
    new = replace(scenario, contributions=contrib)
    for name in ("_option_ids", "_gap_ids", "option_position", "option_partner", "select_columns"):
        if name in scenario.__dict__:  # table-derived facts that do not read the amounts carry over
            new.__dict__[name] = scenario.__dict__[name]
    return new


def value_under(scenario: Scenario, x: np.ndarray, pulled: Pulled, loss: float | None = None) -> float:
    """value(x, R): the objective of portfolio x after the rival pulls `pulled` away (`after_response`)."""
    if loss is None:
        loss = rival_terms(scenario).loss
    return objective_value(State.of(after_response(scenario, pulled, loss), np.asarray(x, dtype=np.int8)))


class Evaluator:
    """value(x, R) for many portfolios and responses of one scenario, each response's scenario built once."""

    def __init__(self, scenario: Scenario, loss: float):
        self.scenario, self.loss = scenario, loss
        self._after: dict[tuple[str, ...], Scenario] = {}

    def after(self, pulled: Pulled) -> Scenario:
        key = tuple(sorted(pulled))
        if key not in self._after:
            self._after[key] = after_response(self.scenario, key, self.loss)
        return self._after[key]

    def value(self, x: np.ndarray, pulled: Pulled) -> float:
        return objective_value(State.of(self.after(pulled), np.asarray(x, dtype=np.int8)))


def value_breakpoints(scenario: Scenario) -> list[np.ndarray]:
    """Per gap: the covered amounts where its value function may bend, 0 first and size last
    (a diminishing-returns rule's segment ends; just 0 and size for the base model's linear value).
    The value there is read from the model's own definition (`gap_values`), never restated."""
    sizes = scenario.gaps["size"].to_numpy(dtype=float)
    segs = segments_by_gap(scenario) if scenario.config.rules.diminishing_returns else {}
    out = []
    for gid, size in zip(scenario.gap_ids(), sizes.tolist()):
        points = {0.0, size}
        upto = 0.0
        for width, _ in segs.get(gid, []):
            upto += width
            points.add(min(size, upto * size))
        out.append(np.array(sorted(points)))
    return out


def gap_value_curves(scenario: Scenario) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per gap: (breakpoints, value of the gap's coverage at each), from `planner.model.rules.gap_values`."""
    points = value_breakpoints(scenario)
    depth = max(len(p) for p in points)
    grid = np.array([[p[min(k, len(p) - 1)] for p in points] for k in range(depth)])  # depth × gaps
    values = np.array([gap_values(scenario, row) for row in grid])
    return [(p, values[: len(p), j]) for j, p in enumerate(points)]
