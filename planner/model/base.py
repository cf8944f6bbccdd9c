"""The base model: option and coverage variables, coverage links, resource limits, targets,
and the two objectives. Rule families (`planner.model.rules`) add to it.

Variables: binary `x[o]` selects option o; continuous `cover[g]` ∈ [0, size[g]] is the
amount of gap g covered. Rows, each from one `add_<family>` function with stable names:

- `link_<g>`:   cover[g] − Σ_o amount[o,g]·x[o] ≤ 0     (coverage needs contributions)
- `limit_<r>`:  Σ_o use[o,r]·x[o] ≤ limit[r]             (every limited resource)
- `target_<g>`: cover[g] ≥ target[g]                      (gaps with a target)

Objectives (`Model.primary`), always stated for minimisation by the solver layer:
- max_coverage: maximise Σ_g w[g]·cover[g]/size[g] − risk_penalty·Σ_o risk[o]·x[o]
- min_cost:     minimise Σ_o use[o, cost_resource]·x[o]
`Model.secondary` is the tie-break stage: least cost_resource; no idle option (for
max_coverage, a tiny weight on each zero-cost option; for min_cost, fewest options).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pulp

from planner.errors import InputError
from planner.inputs.scenario import FloatArray, Scenario, float_column
from planner.inputs.validate import cover_value_problems
from planner.model.core import Cell, Model, Role, expr, lp_names
from planner.model.faces import Face, State


def add_variables(model: Model) -> None:
    sc = model.scenario
    new = model.prob.add_variable
    opts, gaps = list(sc.options.index), list(sc.gaps.index)
    for oid, name in zip(opts, lp_names("x", opts, model._taken)):
        model.x[oid] = new(name, cat=pulp.LpBinary)
        model.var_keys[name] = ("x", oid)
    for gid, name, size in zip(gaps, lp_names("cover", gaps, model._taken), sc.gaps["size"].tolist()):
        model.cover[gid] = new(name, lowBound=0, upBound=float(size))
        model.var_keys[name] = ("cover", gid)


def add_link(model: Model) -> None:
    """cover[g] ≤ Σ_o amount[o,g]·x[o]: a gap is covered only by selected contributions."""
    sc = model.scenario
    oi, gi, amt = sc.contribution_arrays()
    nonzero = amt != 0
    oi, gi, amt = oi[nonzero], gi[nonzero], amt[nonzero]
    order = np.argsort(gi, kind="stable")  # per gap, contributions stay in table order
    ends = np.cumsum(np.bincount(gi, minlength=len(sc.gaps))).tolist()
    xs = list(model.x.values())
    terms = list(zip([xs[o] for o in oi[order].tolist()], (-amt[order]).tolist()))
    begin = 0
    for gid, end in zip(sc.gaps.index, ends):
        link = pulp.LpAffineExpression([(model.cover[gid], 1.0), *terms[begin:end]])
        model.add("link", link <= 0, gid, role=Role.DEFINE, subject=gid, scale=None)
        begin = end


def add_limit(model: Model) -> None:
    """Σ_o use[o,r]·x[o] ≤ limit[r] for every limited resource r."""
    sc = model.scenario
    xs = list(model.x.values())
    for res, limit in sc.config.limits.items():
        use = sc.options[res].to_numpy(dtype=float)
        nz = np.flatnonzero(use).tolist()
        row = pulp.LpAffineExpression(zip([xs[i] for i in nz], use[nz].tolist()))
        model.add("limit", row <= float(limit), res, subject=res, key=f"limits.{res}")


def add_target(model: Model) -> None:
    """cover[g] ≥ target[g] for gaps with a target (own, or objective.coverage_target × size)."""
    sc = model.scenario
    own = sc.gaps["target"].notna().tolist()
    for gid, target, has_own, size in zip(sc.gaps.index, sc.gap_targets().tolist(), own, sc.gaps["size"].tolist()):
        if target > 0:
            source = (
                dict(cell=Cell("gaps", gid, "target"))
                if has_own
                else dict(key="objective.coverage_target", scale=float(size))
            )
            model.add("target", expr([(model.cover[gid], 1.0)]) >= float(target), gid, subject=gid, **source)


def valued_slots(model: Model) -> list[tuple[str, pulp.LpVariable, float]]:
    """The (gap, cover variable, factor) terms the objective values linearly."""
    if model.valued is None:
        model.valued = [(gid, var, 1.0) for gid, var in model.cover.items()]
    return model.valued


def tie_eps(scenario: Scenario) -> float:
    """Weight of "one option fewer" in the tie-break: too small to trade against any cost."""
    costs = scenario.options[scenario.cost_resource].to_numpy(dtype=float)
    positive = costs[costs > 0]
    return float((positive.min() if positive.size else 1.0) * 1e-3 / max(1, len(costs)))


def tie_break_weights(scenario: Scenario) -> FloatArray:
    """max_coverage tie-break weight per option: its cost_resource use, or tie_eps if that is 0."""
    costs = scenario.options[scenario.cost_resource].to_numpy(dtype=float)
    return np.where(costs > 0, costs, tie_eps(scenario))


class ObjectiveVectors(NamedTuple):
    """The base objective's coefficients, in the model's own sense (maximise for max_coverage)."""

    cover: FloatArray  # per gap, on cover[g]
    x: FloatArray  # per option, on x[o]
    tie_break: FloatArray  # per option, on x[o] in the tie-break stage (least cost, no idle option)


def objective_vectors(scenario: Scenario) -> ObjectiveVectors:
    """The base objective's coefficients: the one statement of its formula.

    max_coverage: cover[g] · w[g]/size[g] (w = `Scenario.gap_weights`), x[o] · −risk_penalty·risk[o];
    tie-break `tie_break_weights`. min_cost: x[o] · use[o, cost_resource]; tie-break 1 per option.
    Rule families add their own terms (`Model.primary`, `Model.secondary`) on top.
    """
    n_options = len(scenario.options)
    obj = scenario.config.objective
    if obj.sense == "max_coverage":
        problems = cover_value_problems(scenario)  # validated already, but a sweep point or sample may exceed it
        if problems:
            raise InputError(problems)
        cover = scenario.cover_values()
        x = (
            -obj.risk_penalty * scenario.options["risk"].to_numpy(dtype=float)
            if obj.risk_penalty
            else np.zeros(n_options)
        )
        return ObjectiveVectors(cover, x, tie_break_weights(scenario))
    costs = scenario.options[scenario.cost_resource].to_numpy(dtype=float)
    return ObjectiveVectors(np.zeros(len(scenario.gaps)), costs, np.ones(n_options))


def set_objectives(model: Model) -> None:
    """The primary and tie-break objectives: `objective_vectors` on the valued coverage and x."""
    sc = model.scenario
    vectors = objective_vectors(sc)
    xs = list(model.x.values())
    pairs = list(zip(xs, vectors.x.tolist()))
    if sc.config.objective.sense == "max_coverage":
        coef = dict(zip(sc.gap_ids(), vectors.cover.tolist()))
        pairs = [(var, coef[gid] * factor) for gid, var, factor in valued_slots(model)] + pairs
    model.primary = expr(pairs) + model.primary
    # Tie-break: least cost. A positive-cost idle option already raises the cost, so only
    # zero-cost options get a tiny weight (to keep idle free options out). A count weight on
    # every option would trade against cost: {a: 3.0001} beat {b: 1.5, c: 1.5} by one option.
    # Rules may have added finer preferences to model.secondary already (earlier start years).
    model.secondary = expr(zip(xs, vectors.tie_break.tolist())) + model.secondary
    model.prob.sense = pulp.LpMaximize if model.maximize else pulp.LpMinimize
    model.prob.setObjective(model.primary)


# ---------------------------------------------------------------- the numpy face


def gap_value_linear(scenario: Scenario, covered: FloatArray) -> FloatArray:
    """Per gap: w[g]·covered[g]/size[g], the value the base objective gives a gap's coverage."""
    value: FloatArray = scenario.gap_weights() * covered / float_column(scenario.gaps["size"])
    return value


def evaluate_variables(state: State) -> Face:
    """x[o] from the portfolio; cover[g] = min(size[g], Σ_o a[o,g]·x[o]) (the MILP's value when
    coverage is worth anything; the link row allows exactly this much)."""
    sc = state.scenario
    face = Face()
    face.columns.update((("x", o), float(v)) for o, v in zip(sc.option_ids(), state.x.tolist()))
    face.columns.update((("cover", g), float(c)) for g, c in zip(sc.gap_ids(), state.covered.tolist()))
    return face


def evaluate_link(state: State) -> Face:
    """`link_<g>`: cover[g] − Σ_o a[o,g]·x[o] ≤ 0."""
    sc = state.scenario
    oi, gi, amt = sc.contribution_arrays()
    raw = np.bincount(gi, weights=amt * state.x[oi], minlength=len(sc.gaps))
    face = Face()
    for g, c, r in zip(sc.gap_ids(), state.covered.tolist(), raw.tolist()):
        face.row(g, c - r, upper=0.0)
    return face


def evaluate_limit(state: State) -> Face:
    """`limit_<r>`: Σ_o use[o,r]·x[o] ≤ limit[r]."""
    sc = state.scenario
    face = Face()
    for res, limit in sc.config.limits.items():
        face.row(res, float(sc.options[res].to_numpy(dtype=float) @ state.x), upper=float(limit))
    return face


def evaluate_target(state: State) -> Face:
    """`target_<g>`: cover[g] ≥ target[g] for gaps with a positive target."""
    sc = state.scenario
    face = Face()
    for g, target, c in zip(sc.gap_ids(), sc.gap_targets().tolist(), state.covered.tolist()):
        if target > 0:
            face.row(g, c, lower=float(target))
    return face
