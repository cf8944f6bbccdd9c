"""Planning rules: one `add_<family>` function per rule family, each adding named rows.

Families implemented:
- require / forbid:  x[o] = 1 for o in rules.require (`require_<o>`);
                     x[o] = 0 for o in rules.forbid (`forbid_<o>`).
"""
from __future__ import annotations

from .build import Model, expr


def add_require_forbid(model: Model) -> None:
    """x[o] ≥ 1 for required options; x[o] ≤ 0 for forbidden ones."""
    rules = model.scenario.config.rules
    for oid in rules.require:
        model.add("require", expr([(model.x[oid], 1.0)]) >= 1, oid)
    for oid in rules.forbid:
        model.add("forbid", expr([(model.x[oid], 1.0)]) <= 0, oid)


FAMILIES = {
    "require": add_require_forbid,
}


def active_rules(model_or_config) -> list[str]:
    """Names of the rule families the scenario switches on."""
    cfg = getattr(model_or_config, "config", model_or_config)
    rules = cfg.rules
    active = []
    if rules.require or rules.forbid:
        active.append("require_forbid")
    return active


def add_rules(model: Model) -> None:
    for add in dict.fromkeys(FAMILIES.values()):
        add(model)


def objective_extra(scenario, x, covered) -> float:
    """Objective terms that rule families add beyond Σ w·cover/size (none yet)."""
    return 0.0
