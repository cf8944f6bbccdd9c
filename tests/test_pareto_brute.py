"""`planner.pareto.pareto` against brute force on tiny random scenarios with rules.

Hypothesis draws an instance (≤ 7 options) and a rule family (every family but phasing),
then two or three objectives of mixed senses. Every portfolio is enumerated; feasibility
and the scenario objective come from the independent reading of the rules in
`test_rules_property.judge`, the other objectives from plain sums below. The front must be
exactly the non-dominated set of value vectors, each point once, each with a portfolio
that is feasible, has those values, and is least in cost_resource (budget_musd) among the
feasible portfolios with those values.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules_property import instances, judge, rule_for, scenario_of

from planner.model.rules import family_names
from planner.pareto import Kind, ObjectiveSpec, ParetoOptions, pareto

FAMILIES = [f for f in family_names() if f != "phasing"]
OBJECTIVES = {
    "coverage": ObjectiveSpec(Kind.COVERAGE),
    "sector:s0": ObjectiveSpec(Kind.SECTOR, "s0"),
    "sector:s1": ObjectiveSpec(Kind.SECTOR, "s1"),
    "gap:g0": ObjectiveSpec(Kind.GAP, "g0"),
    "cost:budget_musd": ObjectiveSpec(Kind.COST, "budget_musd"),
    "risk": ObjectiveSpec(Kind.RISK),
    "partners": ObjectiveSpec(Kind.PARTNERS),
}
MAXIMISED = {"coverage", "sector:s0", "sector:s1", "gap:g0"}


def values_of(inst, rules, chosen: set[str]) -> dict[str, float] | None:
    """Every objective of a portfolio, or None when it breaks a rule."""
    objective = judge(inst, rules, chosen, {})
    if objective is None:
        return None
    opts = {o["option_id"]: o for o in inst["options"]}
    gaps = {g["gap_id"]: g for g in inst["gaps"]}
    raw = {g: 0.0 for g in gaps}
    for c in inst["contributions"]:
        if c["option_id"] in chosen:
            raw[c["gap_id"]] += c["amount"]
    part = {g: gaps[g]["weight"] * min(gaps[g]["size"], raw[g]) / gaps[g]["size"] for g in gaps}
    return {
        "coverage": objective,
        "sector:s0": sum(v for g, v in part.items() if gaps[g]["sector_id"] == "s0"),
        "sector:s1": sum(v for g, v in part.items() if gaps[g]["sector_id"] == "s1"),
        "gap:g0": part["g0"],
        "cost:budget_musd": float(sum(opts[o]["budget_musd"] for o in chosen)),
        "risk": sum(opts[o]["risk"] for o in chosen),
        "partners": float(len({opts[o]["partner_id"] for o in chosen})),
    }


def key(values: dict[str, float], labels) -> tuple:
    return tuple(round(values[k], 6) for k in labels)


def brute_front(inst, rules, labels):
    """(non-dominated value tuples, least budget per value tuple) over every feasible portfolio."""
    ids = [o["option_id"] for o in inst["options"]]
    best_cost: dict[tuple, float] = {}
    for bits in itertools.product([0, 1], repeat=len(ids)):
        chosen = {o for o, b in zip(ids, bits) if b}
        v = values_of(inst, rules, chosen)
        if v is None:
            continue
        k = key(v, labels)
        best_cost[k] = min(best_cost.get(k, float("inf")), v["cost:budget_musd"])
    signs = [1 if label in MAXIMISED else -1 for label in labels]
    pts = {k: tuple(s * x for s, x in zip(signs, k)) for k in best_cost}
    nd = {
        k for k, h in pts.items() if not any(g != h and all(a >= b - 1e-9 for a, b in zip(g, h)) for g in pts.values())
    }
    return nd, best_cost


def check_front(inst, rules, labels):
    sc = scenario_of(inst, rules)
    result = pareto(sc, ParetoOptions(tuple(OBJECTIVES[label] for label in labels)))
    nd, best_cost = brute_front(inst, rules, labels)
    got = [key(p.values, labels) for p in result.points]
    assert result.complete
    assert len(got) == len(set(got)), "a point is listed twice"
    assert set(got) == nd, f"front {sorted(got)} != brute force {sorted(nd)} ({rules}, {labels})"
    for p in result.points:
        v = values_of(inst, rules, set(p.selected))
        assert v is not None, f"portfolio {p.selected} breaks {rules}"
        assert key(v, labels) == key(p.values, labels)
        assert v["cost:budget_musd"] == pytest.approx(best_cost[key(v, labels)]), "not the least-cost portfolio"


def objective_labels(draw, rules, n: int) -> list[str]:
    pool = list(OBJECTIVES)
    if "diminishing_returns" in rules:  # sector/gap values are then shaped; the plain sums above would differ
        pool = [p for p in pool if not p.startswith(("sector", "gap"))]
    return draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n, unique=True))


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_two_objectives_match_brute_force(data):
    inst = data.draw(instances(max_options=7))
    rules = rule_for(data.draw(st.sampled_from(FAMILIES)), data.draw, inst)
    check_front(inst, rules, objective_labels(data.draw, rules, 2))


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_three_objectives_match_brute_force(data):
    inst = data.draw(instances(max_options=6))
    rules = rule_for(data.draw(st.sampled_from(FAMILIES)), data.draw, inst)
    check_front(inst, rules, objective_labels(data.draw, rules, 3))
