"""The rule-family registry: one `Family` per family, in build order.

Each family lives in one module of this package with its two faces (see
`planner.model.faces`): `add_<family>(model)` adds its rows (math in the docstring, stable
names `<family>_<ident>`, a `RowTag` per row) and `evaluate_<family>(state)` gives, with
numpy, its columns' values and its rows' activities at a portfolio. The registry says
when a family is active, what it reads (for in-place re-solves) and which families shape
the objective. A new family touches its own module and one entry below, nothing else.

- logic.py:    require, forbid, requires, excludes, groups, max_options
- coverage.py: min_fraction, diversify, risk, resilience (N-1)
- value.py:    diminishing_returns, standards_bonus (objective terms)
- phasing.py:  phasing (start years, per-year limits, coverage over the horizon)
- replan.py:   replan (changes against an incumbent portfolio; the scenario's `replan:` section)

The base model's parts (`link`, `limit`, `target`, in `planner.model.base`) are listed in
`BASE` with the same shape, so every reader of rows and faces treats them alike.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from numpy.typing import NDArray

from planner.inputs.config_rules import RulesConfig
from planner.inputs.scenario import FloatArray, Scenario
from planner.model.base import gap_value_linear
from planner.model.core import Model
from planner.model.faces import Face, State
from planner.model.rules.logic import forced_by as forced_by_rules
from planner.model.rules.logic import partner_caps
from planner.model.rules.phasing import covered_by_year, start_indices
from planner.model.rules.value import gap_values as shaped_gap_values
from planner.model.rules.value import standards_value

ANY_OPTION_COLUMN = "options.*"


@dataclass(frozen=True)
class Family:
    """One part of the model.

    `reads`: the inputs its rows read besides the selection, as `<table>.<column>`
    (`options.*`: any option column) — a re-solve that changes only other numbers may
    update the base rows in place; None: its rows (or objective terms) read limits,
    weights or anything else, so any change rebuilds the model.
    `keys`: the scenario keys its bounds come from (each row's `RowTag` names its own).
    """

    name: str
    module: str  # where add_<name> and evaluate_<name> live
    active: Callable[[Scenario], bool]
    reads: frozenset[str] | None = frozenset()
    keys: tuple[str, ...] = ()

    def _function(self, prefix: str) -> Callable[..., Any]:
        function: Callable[..., Any] = getattr(importlib.import_module(self.module), f"{prefix}_{self.name}")
        return function

    def add(self, model: Model) -> None:
        self._function("add")(model)

    def evaluate(self, state: State) -> Face:
        face: Face = self._function("evaluate")(state)
        return face


def _rules(sc: Scenario) -> RulesConfig:
    return sc.config.rules


def _always(sc: Scenario) -> bool:
    return True


def _max_options_on(sc: Scenario) -> bool:
    return bool(partner_caps(sc))


def _risk_on(sc: Scenario) -> bool:
    risk = _rules(sc).risk
    return risk.max_total is not None or bool(risk.max_per_bloc or risk.max_per_partner)


_R = __name__
BASE: tuple[Family, ...] = (
    Family("link", "planner.model.base", _always),
    Family("limit", "planner.model.base", _always, keys=("limits.<resource>",)),
    Family("target", "planner.model.base", _always, keys=("objective.coverage_target", "gaps.csv target")),
)

# In build order: phasing first (it creates the start-year variables and may change what the
# objective values), the objective-shaping families last.
FAMILIES: tuple[Family, ...] = (
    Family(
        "phasing",
        f"{_R}.phasing",
        lambda sc: _rules(sc).phasing is not None,
        None,
        ("rules.phasing.per_year.<resource>",),
    ),
    Family("require", f"{_R}.logic", lambda sc: bool(_rules(sc).require), keys=("rules.require",)),
    Family("forbid", f"{_R}.logic", lambda sc: bool(_rules(sc).forbid), keys=("rules.forbid",)),
    Family("requires", f"{_R}.logic", lambda sc: bool(_rules(sc).requires), keys=("rules.requires[i]",)),
    Family("excludes", f"{_R}.logic", lambda sc: bool(_rules(sc).excludes), keys=("rules.excludes[i].at_most",)),
    Family(
        "groups",
        f"{_R}.logic",
        lambda sc: bool(_rules(sc).groups),
        frozenset({ANY_OPTION_COLUMN}),
        (
            "rules.groups[i].min_options",
            "rules.groups[i].max_options",
            "rules.groups[i].min_use.<r>",
            "rules.groups[i].max_use.<r>",
        ),
    ),
    Family(
        "max_options",
        f"{_R}.logic",
        _max_options_on,
        keys=("rules.max_options.partners.<p>", "rules.max_options.default", "partners.csv max_options"),
    ),
    Family(
        "min_fraction",
        f"{_R}.coverage",
        lambda sc: bool(_rules(sc).min_fraction.sectors or _rules(sc).min_fraction.gaps),
        frozenset({"gaps.size"}),
        ("rules.min_fraction.sectors.<s>", "rules.min_fraction.gaps.<g>"),
    ),
    Family(
        "diversify",
        f"{_R}.coverage",
        lambda sc: bool(_rules(sc).diversify),
        frozenset({"contributions.amount"}),
        ("rules.diversify[i].min_partners", "rules.diversify[i].max_partner_share"),
    ),
    Family(
        "risk",
        f"{_R}.coverage",
        _risk_on,
        frozenset({"options.risk"}),
        ("rules.risk.max_total", "rules.risk.max_per_bloc.<b>", "rules.risk.max_per_partner.<p>"),
    ),
    Family(
        "resilience",
        f"{_R}.coverage",
        lambda sc: _rules(sc).resilience is not None,
        frozenset({"contributions.amount", "gaps.size"}),
        ("rules.resilience.fraction",),
    ),
    Family(
        "replan",
        f"{_R}.replan",
        lambda sc: sc.config.replan is not None,
        None,
        ("replan.max_changes", "replan.max_dropped", "replan.max_added", "limits.<resource>"),
    ),
    Family("diminishing_returns", f"{_R}.value", lambda sc: bool(_rules(sc).diminishing_returns), None),
    Family("standards_bonus", f"{_R}.value", lambda sc: bool(_rules(sc).standards_bonus), None),
)
REGISTRY: dict[str, Family] = {f.name: f for f in (*BASE, *FAMILIES)}


def family_names() -> list[str]:
    """Every rule family's name, in build order."""
    return [f.name for f in FAMILIES]


def active_rules(model_or_scenario: Model | Scenario) -> list[str]:
    """Names of the rule families the scenario switches on, in build order.

    `max_options` is on when any partner has a cap (the partners table's column counts)."""
    sc = model_or_scenario.scenario if isinstance(model_or_scenario, Model) else model_or_scenario
    return [f.name for f in FAMILIES if f.active(sc)]


def active_parts(scenario: Scenario) -> list[Family]:
    """The base parts and every active rule family, in build order."""
    return [*BASE, *(f for f in FAMILIES if f.active(scenario))]


def add_rules(model: Model) -> None:
    """Add every active family's rows, in build order."""
    for family in FAMILIES:
        if family.active(model.scenario):
            family.add(model)


# ---------------------------------------------------------------- the objective's shape
# The objective is Σ over valued coverage of each gap's value, plus bonuses (see
# `objective_value`); these three hooks say how families shape it.


def valued_coverage(state: State) -> list[tuple[FloatArray, float]]:
    """The coverage the objective values, with its factor: [(covered, 1)], or under
    `phasing.value: horizon` each year's coverage with factor 1/T."""
    phasing = state.scenario.config.rules.phasing
    if phasing is not None and phasing.value == "horizon":
        per_year = covered_by_year(state.scenario, state.x, start_indices(state))
        return [(c, 1.0 / len(per_year)) for c in per_year]
    return [(state.covered, 1.0)]


def gap_values(scenario: Scenario, covered: FloatArray) -> FloatArray:
    """Per gap: the value of its coverage — linear (base), or diminishing-returns segments."""
    if scenario.config.rules.diminishing_returns:
        return shaped_gap_values(scenario, covered)
    return gap_value_linear(scenario, covered)


def objective_bonus(state: State) -> float:
    """Objective terms beyond coverage: the standards bonuses earned."""
    if not state.scenario.config.rules.standards_bonus:
        return 0.0
    return standards_value(state.scenario, state.x)


def objective_value(state: State) -> float:
    """The primary objective of a portfolio (user sense), from the model's one definition of it:

    max_coverage: Σ_(c, φ) φ·Σ_g value_g(c[g]) + Σ bonuses − risk_penalty·Σ_o risk[o]·x[o], where the
    valued coverage (c, φ) is the coverage (or, under phasing, each year's with φ = 1/T) and
    value_g is w[g]·c/size[g] or a rule family's shape of it (diminishing returns);
    min_cost: Σ_o use[o, cost_resource]·x[o].
    """
    sc = state.scenario
    obj = sc.config.objective
    if obj.sense != "max_coverage":
        return float(sc.options[sc.cost_resource].to_numpy(dtype=float) @ state.x)
    valued = valued_coverage(state)
    value = sum(factor * float(np.sum(gap_values(sc, covered))) for covered, factor in valued)
    value += objective_bonus(state)
    if obj.risk_penalty:
        value -= obj.risk_penalty * float(sc.options["risk"].to_numpy(dtype=float) @ state.x)
    return float(value)


def forced_by(scenario: Scenario, x: NDArray[Any]) -> list[str]:
    """Per option: `;`-joined rules that force it into this portfolio (see `logic.forced_by`)."""
    return forced_by_rules(scenario, x)
