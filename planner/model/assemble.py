"""`build(scenario)`: the base model, then every active rule family, then the objectives."""

from __future__ import annotations

import pulp

from planner.inputs.scenario import Scenario
from planner.model import rules
from planner.model.base import add_link, add_limit, add_target, add_variables, set_objectives
from planner.model.core import Model, lp_name, paused_gc


def build(scenario: Scenario) -> Model:
    """Create the PuLP problem for a validated scenario."""
    maximize = scenario.config.objective.sense == "max_coverage"
    prob = pulp.LpProblem(lp_name("planner", scenario.name, set()), pulp.LpMaximize if maximize else pulp.LpMinimize)
    model = Model(scenario, prob, {}, {}, maximize, pulp.LpAffineExpression(), pulp.LpAffineExpression())
    with paused_gc():
        add_variables(model)
        add_link(model)
        add_limit(model)
        add_target(model)
        rules.add_rules(model)
        set_objectives(model)
    return model
