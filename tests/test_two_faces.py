"""The model's two faces cannot drift: at a fixed portfolio, the MILP's rows and objective,
evaluated at the numpy face's column values, equal the numpy face (`planner.model.faces`).

For random tiny scenarios with every registered rule family (alone and combined), random
portfolios and random start years, every column of the built model must get a value from
the numpy face (a family without an evaluation of its columns fails), every row of the
model must have its numpy twin with the same activity and bounds (and no twin without a
row), and the MILP's primary objective at those values must equal
`planner.results.evaluation.evaluate(...).objective`.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rival_property import FAMILIES, PARTNERS, rival_scenario
from test_rules_property import instances, rule_for, scenario_of

from planner.model.assemble import build
from planner.model.compile import compile_model
from planner.model.rules import REGISTRY, family_names
from planner.results.evaluation import evaluate

TOL = 1e-9


def random_portfolio(draw, sc):
    x = np.array(draw(st.lists(st.integers(0, 1), min_size=len(sc.options), max_size=len(sc.options))), dtype=np.int8)
    start = None
    phasing = sc.config.rules.phasing
    if phasing is not None:
        start = {o: draw(st.sampled_from(phasing.years)) for o, v in zip(sc.options.index, x) if v}
    return x, start


def assert_faces_agree(sc, x, start) -> None:
    comp = compile_model(build(sc))
    ev = evaluate(sc, x if start is None else {o: y for o, y in start.items()})
    rows, columns = ev.faces()
    missing = [key for key in comp.col_keys if key not in columns]
    assert not missing, f"columns without a value from the numpy face: {missing}"
    v = np.array([columns[key] for key in comp.col_keys], dtype=float)
    assert np.all(v >= comp.col_lower - TOL) and np.all(v <= comp.col_upper + TOL), (
        "a face value is outside its column's bounds"
    )
    row_of_entry = np.repeat(np.arange(len(comp.tags)), np.diff(comp.start))
    activity = np.bincount(row_of_entry, weights=comp.value * v[comp.index], minlength=len(comp.tags))
    seen = set()
    for i, tag in enumerate(comp.tags):
        key = (tag.family, tag.ident)
        assert key in rows, f"row {comp.row_names[i]} ({tag.family}) has no numpy twin"
        seen.add(key)
        twin = rows[key]
        assert twin.activity == pytest.approx(activity[i], abs=1e-7), comp.row_names[i]
        assert twin.lower == pytest.approx(comp.row_lower[i]), comp.row_names[i]
        assert twin.upper == pytest.approx(comp.row_upper[i]), comp.row_names[i]
    assert not set(rows) - seen, f"numpy rows the MILP does not have: {sorted(set(rows) - seen)}"
    sign = -1.0 if comp.maximize else 1.0
    assert sign * float(comp.primary @ v) == pytest.approx(ev.objective, abs=1e-7)


@pytest.mark.parametrize("family", family_names())
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_each_family_two_faces(family, data):
    inst = data.draw(instances(max_options=6))
    sc = scenario_of(inst, rule_for(family, data.draw, inst))
    assert family in [f.name for f in REGISTRY.values() if f.active(sc)]
    x, start = random_portfolio(data.draw, sc)
    assert_faces_agree(sc, x, start)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_families_combined_two_faces(data):
    families = data.draw(st.lists(st.sampled_from(family_names()), min_size=2, max_size=5, unique=True))
    inst = data.draw(instances(max_options=6))
    rules: dict = {}
    for family in families:
        rules.update(rule_for(family, data.draw, inst))
    sense = data.draw(st.sampled_from(["max_coverage", "max_coverage", "min_cost"]))
    sc = scenario_of(inst, rules)
    if sense == "min_cost":
        from dataclasses import replace

        cfg = sc.config.model_copy(update={"objective": sc.config.objective.model_copy(update={"sense": "min_cost"})})
        sc = replace(sc, config=cfg)
    x, start = random_portfolio(data.draw, sc)
    assert_faces_agree(sc, x, start)


def test_every_registered_family_has_both_faces():
    for family in REGISTRY.values():
        module = __import__(family.module, fromlist=["_"])
        assert callable(getattr(module, f"add_{family.name}", None)), f"{family.name} has no add_{family.name}"
        assert callable(getattr(module, f"evaluate_{family.name}", None)), (
            f"{family.name} has no evaluate_{family.name}"
        )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_rival_response_copy_two_faces(data):
    """The rival's master (planner.rival.master): a response copy's value, the model's own rows on
    the coverage the pulled partners leave, maximised at a fixed portfolio, equals the numpy face's
    value after that response (`planner.rival.value.value_under`)."""
    import pulp

    from planner.rival.master import Master
    from planner.rival.value import Evaluator, rival_terms, value_under
    from planner.solver import solve_model

    inst = data.draw(instances(max_options=6))
    rules: dict = {}
    for family in data.draw(st.lists(st.sampled_from(FAMILIES), max_size=2, unique=True)):
        rules.update(rule_for(family, data.draw, inst))
    loss = data.draw(st.sampled_from([1.0, 0.5, 0.25]))
    sc = rival_scenario(inst, rules, {"cost": "rival_cost", "budget": 1, "loss": loss}, [1.0] * len(PARTNERS))
    x, _ = random_portfolio(data.draw, sc)
    pulled = tuple(data.draw(st.lists(st.sampled_from([p for p, _, _ in PARTNERS]), max_size=2, unique=True)))
    master = Master(sc, rival_terms(sc), Evaluator(sc, loss))
    value = master.value_after(pulled, "t")
    for var, on in zip(master.model.x.values(), x.tolist()):
        var.lowBound = var.upBound = float(on)
    master.model.primary = value
    master.model.prob.sense = pulp.LpMaximize
    master.model.prob.setObjective(value)
    outcome = solve_model(master.model, tie_break=False)
    if not outcome.status.has_portfolio:  # x breaks a row of the model: the copy has nothing to say
        assert evaluate(sc, x).violations()
        return
    assert outcome.objective_solver == pytest.approx(value_under(sc, x, pulled), abs=1e-7)


@settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)
@given(data=st.data())
def test_engaged_part_two_faces(data):
    """The partner-engagement part (`planner.model.engaged`, added on demand by `planner pareto`):
    its rows and columns in the MILP equal its numpy face at any portfolio, and Σ y counts the
    partners engaged."""
    from planner.model.engaged import FAMILY, add_engaged, evaluate_engaged, partners_engaged
    from planner.model.faces import State

    inst = data.draw(instances(max_options=6))
    sc = scenario_of(inst, {})
    model = build(sc)
    add_engaged(model)
    comp = compile_model(model)
    x, _ = random_portfolio(data.draw, sc)
    state = State.of(sc, x)
    face = evaluate_engaged(state)
    _, columns = evaluate(sc, x).faces()
    columns.update(face.columns)
    v = np.array([columns[key] for key in comp.col_keys], dtype=float)
    row_of_entry = np.repeat(np.arange(len(comp.tags)), np.diff(comp.start))
    activity = np.bincount(row_of_entry, weights=comp.value * v[comp.index], minlength=len(comp.tags))
    rows = [i for i, tag in enumerate(comp.tags) if tag.family == FAMILY]
    assert {comp.tags[i].ident for i in rows} == set(face.rows)
    for i in rows:
        twin = face.rows[comp.tags[i].ident]
        assert twin.activity == pytest.approx(activity[i]) and twin.upper == pytest.approx(comp.row_upper[i])
        assert activity[i] <= comp.row_upper[i] + TOL
    engaged = {o["partner_id"] for o, on in zip(inst["options"], x) if on}
    assert partners_engaged(state) == len(engaged)
