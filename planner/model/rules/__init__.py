"""Planning rules: one `add_<family>` function per rule family, each adding named rows.

`FAMILIES` maps each family name to its function, in build order (phasing first: it
creates the start-year variables and may change what the objective values; the
objective-changing families last). Every family names its rows `<family>_<ident>`;
the math is in each function's docstring:

- logic.py:    require, forbid, requires, excludes, groups, max_options
- coverage.py: min_fraction, diversify, risk, resilience (N-1)
- value.py:    diminishing_returns, standards_bonus (objective terms)
- phasing.py:  phasing (start years, per-year limits, coverage over the horizon)

`objective_extra` recomputes, from a portfolio alone, what the objective-changing
families add, so `planner.results.evaluation` reproduces the solver's objective exactly.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Callable

import numpy as np

from planner.inputs.select import group_ids

if TYPE_CHECKING:
    from planner.model.core import Model

# family -> "module:function", in build order. The family modules speak PuLP, so they load
# on first use: validation imports planner.inputs.select and must not pay for the solver stack.
_FAMILY_FUNCTIONS = {
    "phasing": "phasing:add_phasing",
    "require": "logic:add_require",
    "forbid": "logic:add_forbid",
    "requires": "logic:add_requires",
    "excludes": "logic:add_excludes",
    "groups": "logic:add_groups",
    "max_options": "logic:add_max_options",
    "min_fraction": "coverage:add_min_fraction",
    "diversify": "coverage:add_diversify",
    "risk": "coverage:add_risk",
    "resilience": "coverage:add_resilience",
    "diminishing_returns": "value:add_diminishing_returns",
    "standards_bonus": "value:add_standards_bonus",
}


def family_names() -> list[str]:
    """Every rule family's name, in build order."""
    return list(_FAMILY_FUNCTIONS)


def _family(name: str) -> Callable[[Model], None]:
    module, func = _FAMILY_FUNCTIONS[name].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), func)


def __getattr__(name: str):
    if name == "FAMILIES":  # FAMILIES: dict[str, Callable[[Model], None]], loaded on first use
        return {family: _family(family) for family in _FAMILY_FUNCTIONS}
    raise AttributeError(name)


def active_rules(model_or_scenario) -> list[str]:
    """Names of the rule families the scenario switches on, in FAMILIES order.

    `max_options` is on when any partner has a cap (the partners table's column counts)."""
    from planner.model.rules.logic import partner_caps

    sc = getattr(model_or_scenario, "scenario", model_or_scenario)
    rules = sc.config.rules
    on = {
        "phasing": rules.phasing is not None,
        "require": bool(rules.require),
        "forbid": bool(rules.forbid),
        "requires": bool(rules.requires),
        "excludes": bool(rules.excludes),
        "groups": bool(rules.groups),
        "max_options": bool(partner_caps(sc)) if hasattr(sc, "partners") else False,
        "min_fraction": bool(rules.min_fraction.sectors or rules.min_fraction.gaps),
        "diversify": bool(rules.diversify),
        "risk": rules.risk.max_total is not None or bool(rules.risk.max_per_bloc or rules.risk.max_per_partner),
        "resilience": rules.resilience is not None,
        "diminishing_returns": bool(rules.diminishing_returns),
        "standards_bonus": bool(rules.standards_bonus),
    }
    return [name for name in _FAMILY_FUNCTIONS if on[name]]


def add_rules(model: Model) -> None:
    """Add every active family's rows, in FAMILIES order."""
    for name in active_rules(model.scenario):
        _family(name)(model)


def objective_extra(scenario, x: np.ndarray, covered: np.ndarray, start: np.ndarray | None = None) -> float:
    """What the rule families change in a max_coverage objective beyond Σ_g w[g]·covered[g]/size[g].

    value = Σ_g w[g]·f_g(covered[g]/size[g])  (f_g: diminishing-returns segments, else identity),
    averaged over the years' coverage under `phasing.value: horizon` (start: year index per
    option, −1 if not started), plus every standards bonus earned; returns value − base.
    """
    from planner.model.rules.value import gap_values, standards_value

    rules = scenario.config.rules
    if scenario.config.objective.sense != "max_coverage":
        return 0.0
    size = scenario.gaps["size"].to_numpy(dtype=float)
    base = float(np.sum(scenario.gap_weights() * covered / size))
    if rules.phasing is not None and rules.phasing.value == "horizon":
        from planner.model.rules.phasing import covered_by_year

        per_year = covered_by_year(scenario, x, start)
        value = float(np.mean([np.sum(gap_values(scenario, c)) for c in per_year]))
    else:
        value = float(np.sum(gap_values(scenario, covered)))
    return value - base + standards_value(scenario, x)


def forced_by(scenario, x: np.ndarray) -> list[str]:
    """Per option: `;`-joined rules that force it into this portfolio ('' if none).

    require → `require`; `requires[i]` when a selected option needs it (all of `needs`, or
    the only selected one of `needs_any`); `groups[L]` when dropping it would break its
    group's min_options or a min_use bound.
    """
    from planner.model.rules.logic import group_label, requires_pairs

    rules = scenario.config.rules
    ids = scenario.option_ids()
    chosen = {o for o, v in zip(ids, x.tolist()) if v}
    reasons: dict[str, list[str]] = {o: [] for o in ids}
    for oid in rules.require:
        reasons[oid].append("require")
    for i in range(len(rules.requires)):
        a_ids, b_ids, any_of = requires_pairs(scenario, i)
        for a in (a for a in a_ids if a in chosen):
            needed = [b for b in b_ids if b != a and b in chosen]
            if any_of and len(needed) != 1:
                continue
            for b in needed:
                if f"requires[{i}]" not in reasons[b]:
                    reasons[b].append(f"requires[{i}]")
    for i, rule in enumerate(rules.groups):
        members = [o for o in group_ids(scenario, rule.select) if o in chosen]
        used = {r: float(scenario.options.loc[members, r].sum()) for r in rule.min_use}
        for o in members:
            short = rule.min_options is not None and len(members) - 1 < rule.min_options
            short = short or any(used[r] - float(scenario.options.at[o, r]) < amount - 1e-9
                                 for r, amount in rule.min_use.items())
            if short:
                reasons[o].append(f"groups[{group_label(rule, i)}]")
    return [";".join(reasons[o]) for o in ids]
