"""`planner rival` against brute force on tiny random scenarios (≤ 8 options, 4 partners).

Hypothesis draws an instance (`test_rules_property.instances`), rule families, a rival cost per
partner, a rival budget, a shield and a loss (partial too). The test enumerates every portfolio
that breaks no row of the model (the numpy face) and, for each, every response the rival can
afford against it, and checks: the hedged plan's worst case is the maximin; its reported response
is affordable and a best response; its cost is the least among maximin plans (the tie-break);
the nominal plan is the plain optimum with its worst case; every value is the numpy face's.

Phasing is not drawn: its start years multiply the enumeration, and a rival refuses
`value: horizon` (docs/rival.md). min_cost is refused with a rival.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_rules_property import SECTORS, instances, rule_for

from planner.errors import InputError
from planner.inputs.config import parse_config
from planner.inputs.read import RawInputs
from planner.inputs.validate import validate
from planner.model.rules import family_names
from planner.results.evaluation import evaluate
from planner.rival import RivalInfeasible, RivalOptions, rival
from planner.rival.value import affordable, value_under

PARTNERS = [("p0", "R1", "A"), ("p1", "R1", "A|B"), ("p2", "R2", "B"), ("p3", "R2", "")]
FAMILIES = [f for f in family_names() if f != "phasing"]
TOL = 1e-6


def rival_scenario(inst, rules: dict, section: dict, costs: list[float]):
    top = {k: v for k, v in rules.items() if k == "replan"}
    rules = {k: v for k, v in rules.items() if k != "replan"}
    cfg = parse_config(
        {
            "name": "prop",
            "inputs": ".",
            "objective": {"risk_penalty": inst["risk_penalty"]},
            "limits": {"budget_musd": inst["budget"]},
            "rules": rules,
            "rival": section,
            **top,
        },
        "prop.yaml",
    )
    frame = lambda rows: pd.DataFrame([{k: str(v) for k, v in r.items()} for r in rows], dtype=str)  # noqa: E731
    options = [
        {**o, "partner_id": o["partner_id"] if o["option_id"] not in inst.get("to_p3", ()) else "p3"}
        for o in inst["options"]
    ]
    tables = {
        "partners": frame(
            [
                {"partner_id": p, "name": p, "region": r, "bloc": b, "rival_cost": c}
                for (p, r, b), c in zip(PARTNERS, costs)
            ]
        ),
        "sectors": frame([{"sector_id": s, "name": s} for s in SECTORS]),
        "gaps": frame([{**g, "name": g["gap_id"]} for g in inst["gaps"]]),
        "options": frame(options),
        "contributions": frame(inst["contributions"]),
    }
    raw = RawInputs(cfg, Path("prop.yaml"), Path("."), tables, {k: f"{k}.csv" for k in tables}, "sha")
    try:
        return validate(raw)
    except InputError:
        assume(False)


@st.composite
def cases(draw):
    inst = draw(instances(max_options=7))
    inst["to_p3"] = draw(st.lists(st.sampled_from([o["option_id"] for o in inst["options"]]), max_size=2, unique=True))
    rules: dict = {}
    for family in draw(st.lists(st.sampled_from(FAMILIES), max_size=2, unique=True)):
        rules.update(rule_for(family, draw, inst))
    costs = [draw(st.sampled_from([0.5, 1.0, 1.0, 2.0])) for _ in PARTNERS]
    section = {
        "cost": "rival_cost",
        "budget": draw(st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0])),
        "shield": draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
        "loss": draw(st.sampled_from([1.0, 1.0, 0.5, 0.3])),
    }
    return rival_scenario(inst, rules, section, costs)


def brute(sc):
    """(plain optimum, maximin, least cost among maximin plans) over every feasible portfolio."""
    n, partners = len(sc.options), sc.partners.index.tolist()
    cost = sc.options[sc.cost_resource].to_numpy(dtype=float)
    loss = sc.config.rival.loss
    terms = __import__("planner.rival.value", fromlist=["rival_terms"]).rival_terms(sc)
    best_plain, best_worst, plans = -np.inf, -np.inf, []
    for bits in itertools.product([0, 1], repeat=n):
        x = np.array(bits, dtype=np.int8)
        ev = evaluate(sc, x)
        if ev.violations():
            continue
        worst = min(
            value_under(sc, x, r, loss)
            for k in range(len(partners) + 1)
            for r in itertools.combinations(partners, k)
            if affordable(terms, sc, x, r)
        )
        best_plain = max(best_plain, ev.objective)
        best_worst = max(best_worst, worst)
        plans.append((worst, float(cost @ x)))
    if not plans:
        return None
    least = min(c for w, c in plans if w >= best_worst - TOL)
    return best_plain, best_worst, least


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(sc=cases())
@pytest.mark.slow
def test_rival_against_brute_force(sc):
    found = brute(sc)
    assume(found is not None)
    plain, maximin, least = found
    result = rival(sc)
    terms = result.terms
    assert result.hedged.exact and result.hedged.gap == 0
    assert result.nominal.objective == pytest.approx(plain, abs=TOL)
    h = result.hedged.plan
    assert h.worst_case == pytest.approx(maximin, abs=TOL)
    assert not evaluate(sc, h.x).violations()
    assert affordable(terms, sc, h.x, h.response.pulled)
    assert value_under(sc, h.x, h.response.pulled) == pytest.approx(h.worst_case, abs=1e-9)
    assert h.cost == pytest.approx(least, abs=TOL)  # the tie-break: least cost among maximin plans
    n = result.nominal
    worst = min(
        value_under(sc, n.x, r)
        for k in range(len(terms.partners) + 1)
        for r in itertools.combinations(terms.partners, k)
        if affordable(terms, sc, n.x, r)
    )
    assert n.worst_case == pytest.approx(worst, abs=TOL)
    assert h.worst_case >= n.worst_case - TOL


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(sc=cases())
@pytest.mark.slow
def test_more_budget_never_helps_us_and_more_shield_never_hurts(sc):
    try:
        base = rival(sc, RivalOptions(budgets=(0.0, 1.0, 2.0, 3.0)))
    except RivalInfeasible:
        assume(False)
    worst = [row["hedged_worst_case"] for row in base.ladder]
    assert all(b <= a + TOL for a, b in zip(worst, worst[1:])), worst
    cfg = sc.config
    shields = []
    for shield in (0.0, 0.5, 1.0):
        more = sc.with_config(cfg.model_copy(update={"rival": cfg.rival.model_copy(update={"shield": shield})}))
        shields.append(rival(more).hedged.plan.worst_case)
    assert all(b >= a - TOL for a, b in zip(shields, shields[1:])), shields
