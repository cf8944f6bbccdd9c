"""Hand-solvable scenarios (3–6 options): the optimum is worked out in each comment and the
selected ids are asserted, not only the objective. Each runs on HiGHS and on CBC."""

from __future__ import annotations

import pytest

from planner import SolveOptions, load_scenario, solve

BACKENDS = ["highs", "cbc"]
TOL = 1e-6


def run(path, backend, overrides=()):
    return solve(load_scenario(path, list(overrides)), SolveOptions(backend=backend))


def opt(oid, cost, **kw):
    return {"option_id": oid, "budget_musd": cost, **kw}


@pytest.mark.parametrize("backend", BACKENDS)
def test_max_coverage_basic(make_scenario, backend):
    # g1, g2 size 10, weight 1. Budget 11.
    #   a: 10 → g1, cost 5    b: 10 → g2, cost 6    c: 5 → g2, cost 3    d: 5 → g2, cost 4
    # {a,b} cost 11 → 1 + 1 = 2.0.  Next best: {a,c}/{a,d} 1.5, {b,c} 1.0 ({a,c,d} costs 12).
    path = make_scenario(
        options=[opt("a", 5), opt("b", 6), opt("c", 3), opt("d", 4)],
        gaps=[{"gap_id": "g1", "size": 10}, {"gap_id": "g2", "size": 10}],
        contributions=[("a", "g1", 10), ("b", "g2", 10), ("c", "g2", 5), ("d", "g2", 5)],
        config={"limits": {"budget_musd": 11}},
    )
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == ("a", "b")
    assert r.objective == pytest.approx(2.0, abs=TOL)
    assert r.resources["budget_musd"] == {"used": 11.0, "limit": 11.0}


@pytest.mark.parametrize("backend", BACKENDS)
def test_coverage_is_capped_at_gap_size(make_scenario, backend):
    # g1, g2 size 10. Budget 8.
    #   a: 10 → g1, cost 4    b: 10 → g1, cost 3    c: 5 → g2, cost 5
    # Uncapped, {a,b} would score 20/10 = 2.0 (cost 7). Capped, g1 closes at 10: {a,b} = 1.0,
    # {b,c} = 1 + 0.5 = 1.5 (cost 8) is the optimum; {a,c} costs 9.
    path = make_scenario(
        options=[opt("a", 4), opt("b", 3), opt("c", 5)],
        gaps=[{"gap_id": "g1", "size": 10}, {"gap_id": "g2", "size": 10}],
        contributions=[("a", "g1", 10), ("b", "g1", 10), ("c", "g2", 5)],
        config={"limits": {"budget_musd": 8}},
    )
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == ("b", "c")
    assert r.objective == pytest.approx(1.5, abs=TOL)
    cov = r.coverage.set_index("gap_id")
    assert cov.loc["g1", "covered"] == 10 and cov.loc["g2", "fraction"] == 0.5


@pytest.mark.parametrize("backend", BACKENDS)
def test_sector_weight_multiplies_gap_weight(make_scenario, backend):
    # g1 in sector s1 (weight 2), gap weight 2 → 2·2 = 4.  g2 in s2 (weight 1), gap weight 3.5 → 3.5.
    # a closes g1, b closes g2, both cost 5, budget 5: only one fits.
    # Product of weights: a = 4 > b = 3.5 → {a}, objective 4.
    # (A sum would give a = 4 < b = 4.5; ignoring sector weights a = 2 < b = 3.5: both pick b.)
    path = make_scenario(
        options=[opt("a", 5, sector_id="s1"), opt("b", 5, sector_id="s2")],
        gaps=[
            {"gap_id": "g1", "sector_id": "s1", "size": 10, "weight": 2},
            {"gap_id": "g2", "sector_id": "s2", "size": 10, "weight": 3.5},
        ],
        sectors=[{"sector_id": "s1", "name": "S1", "weight": 2}, {"sector_id": "s2", "name": "S2", "weight": 1}],
        contributions=[("a", "g1", 10), ("b", "g2", 10)],
        config={"limits": {"budget_musd": 5}},
    )
    r = run(path, backend)
    assert r.selected == ("a",)
    assert r.objective == pytest.approx(4.0, abs=TOL)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    "penalty, expected, objective",
    [
        # g1 size 10, weight 1; each option alone closes it; budget 5 → one option.
        #   a: cost 3, risk 0.9   b: cost 5, risk 0.1   c: cost 4, no own risk → partner risk 0.6
        # penalty 0: all score 1.0; the tie-break takes the cheapest, a.
        (0.0, ("a",), 1.0),
        # penalty 1: a = 1 − 0.9 = 0.1, b = 1 − 0.1 = 0.9, c = 1 − 0.6 = 0.4 → b.
        (1.0, ("b",), 0.9),
        # penalty 20: every option scores below 0 (b: 1 − 2 = −1) → select nothing, objective 0.
        (20.0, (), 0.0),
    ],
)
def test_risk_penalty(make_scenario, backend, penalty, expected, objective):
    path = make_scenario(
        options=[opt("a", 3, risk=0.9), opt("b", 5, risk=0.1), opt("c", 4, risk="", partner_id="p2")],
        partners=[{"partner_id": "p1", "name": "P1", "risk": 0.2}, {"partner_id": "p2", "name": "P2", "risk": 0.6}],
        gaps=[{"gap_id": "g1", "size": 10}],
        contributions=[("a", "g1", 10), ("b", "g1", 10), ("c", "g1", 10)],
        config={"limits": {"budget_musd": 5}, "objective": {"risk_penalty": penalty}},
    )
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == expected
    assert r.objective == pytest.approx(objective, abs=TOL)


def _target_scenario(make_scenario, budget):
    # g1, g2 size 10; g2 has target 10.
    #   a: 10 → g1, cost 5    b: 5 → g2, cost 2    c: 6 → g2, cost 4
    return make_scenario(
        options=[opt("a", 5), opt("b", 2), opt("c", 4)],
        gaps=[{"gap_id": "g1", "size": 10}, {"gap_id": "g2", "size": 10, "target": 10}],
        contributions=[("a", "g1", 10), ("b", "g2", 5), ("c", "g2", 6)],
        config={"limits": {"budget_musd": budget}},
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_target_forces_a_lower_objective(make_scenario, backend):
    # Budget 9. Without the target {a,c} (cost 9) scores 1 + 0.6 = 1.6.
    # g2 ≥ 10 needs b and c (5 + 6 = 11, capped at 10; cost 6); a then no longer fits (11 > 9).
    # Optimum {b,c} = 1.0.
    path = _target_scenario(make_scenario, 9)
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == ("b", "c")
    assert r.objective == pytest.approx(1.0, abs=TOL)
    # Dropping the target (empty cell → no target) restores {a,c}.
    gaps = path.parent / "inputs" / "gaps.csv"
    gaps.write_text(gaps.read_text().replace("10,10\n", "10,\n"))
    r = run(path, backend)
    assert r.selected == ("a", "c")
    assert r.objective == pytest.approx(1.6, abs=TOL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_unreachable_target_is_infeasible(make_scenario, backend):
    # Budget 5: b + c cost 6, so g2 cannot reach its target of 10.
    r = run(_target_scenario(make_scenario, 5), backend)
    assert r.status == "infeasible"
    assert r.selected == () and r.objective is None


@pytest.mark.parametrize("backend", BACKENDS)
def test_min_cost_with_gap_targets(make_scenario, backend):
    # min_cost; g1 size 10 target 10, g2 size 10 target 5.
    #   a: 10 → g1, cost 7            b: 6 → g1 and 5 → g2, cost 5
    #   c: 4 → g1, cost 2             d: 10 → g2, cost 4
    #   z: 1 → g2, cost 0 (free, but never needed: b already covers g2's target)
    # g1 needs a, or b + c. g2 needs b or d. Portfolios: {b,c} = 7, {a,d} = 11, {a,b} = 12.
    # Optimum {b,c}, cost 7; z would be idle.
    path = make_scenario(
        options=[opt("a", 7), opt("b", 5), opt("c", 2), opt("d", 4), opt("z", 0)],
        gaps=[{"gap_id": "g1", "size": 10, "target": 10}, {"gap_id": "g2", "size": 10, "target": 5}],
        contributions=[
            ("a", "g1", 10),
            ("b", "g1", 6),
            ("b", "g2", 5),
            ("c", "g1", 4),
            ("d", "g2", 10),
            ("z", "g2", 1),
        ],
        config={"objective": {"sense": "min_cost"}},
    )
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == ("b", "c")
    assert r.objective == pytest.approx(7.0, abs=TOL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_min_cost_with_coverage_target(make_scenario, backend):
    # min_cost, objective.coverage_target 0.5: g1 (size 10, no own target) needs 5;
    # g2 (size 20) has its own target 20, which wins over the fraction.
    #   a: 5 → g1, cost 1    b: 10 → g1, cost 3
    #   c: 20 → g2, cost 10  d: 10 → g2, cost 4    e: 10 → g2, cost 5
    # g1: a (1). g2: c (10) or d + e (9). Optimum {a,d,e}, cost 10.
    path = make_scenario(
        options=[opt("a", 1), opt("b", 3), opt("c", 10), opt("d", 4), opt("e", 5)],
        gaps=[{"gap_id": "g1", "size": 10}, {"gap_id": "g2", "size": 20, "target": 20}],
        contributions=[("a", "g1", 5), ("b", "g1", 10), ("c", "g2", 20), ("d", "g2", 10), ("e", "g2", 10)],
        config={"objective": {"sense": "min_cost", "coverage_target": 0.5}},
    )
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == ("a", "d", "e")
    assert r.objective == pytest.approx(10.0, abs=TOL)
    assert r.coverage.set_index("gap_id")["target"].to_dict() == {"g1": 5.0, "g2": 20.0}
    # coverage_target 1 makes g1 need b (10), and the optimum becomes {b,d,e}, cost 12.
    r = run(path, backend, ["objective.coverage_target=1"])
    assert r.selected == ("b", "d", "e")
    assert r.objective == pytest.approx(12.0, abs=TOL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_min_cost_without_targets_selects_nothing(make_scenario, backend):
    # Nothing must be covered, so the cheapest portfolio is the empty one (cost 0).
    path = make_scenario(
        options=[opt("a", 1), opt("b", 0), opt("c", 2)],
        gaps=[{"gap_id": "g1", "size": 1}],
        contributions=[("a", "g1", 1), ("b", "g1", 1)],
        config={"objective": {"sense": "min_cost"}},
    )
    r = run(path, backend)
    assert r.status == "optimal" and r.selected == () and r.objective == 0.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_tie_break_cheapest_and_no_idle_option(make_scenario, backend):
    # g1 size 10. Budget 10. Every portfolio containing a or b closes g1 (objective 1.0).
    #   a: 10 → g1, cost 5     b: 10 → g1, cost 3
    #   w: 3 → g1, cost 0 (free, but g1 is already closed by b: idle)
    #   z: contributes nothing, cost 0 (always idle)
    # Among the optima {a}, {b}, {a,b}, {b,w}, {b,z}, … the cheapest is cost 3, and of those
    # only {b} has no idle option.
    path = make_scenario(
        options=[opt("a", 5), opt("b", 3), opt("w", 0), opt("z", 0)],
        gaps=[{"gap_id": "g1", "size": 10}],
        contributions=[("a", "g1", 10), ("b", "g1", 10), ("w", "g1", 3)],
        config={"limits": {"budget_musd": 10}},
    )
    r = run(path, backend)
    assert r.status == "optimal"
    assert r.selected == ("b",)
    assert r.objective == pytest.approx(1.0, abs=TOL)


@pytest.mark.parametrize("backend", BACKENDS)
def test_tie_break_prefers_cheaper_over_fewer(make_scenario, backend):
    # g1 size 10, budget 10. {a} and {b,c} both close g1 (objective 1.0).
    #   a: 10 → g1, cost 3.0001     b: 5 → g1, cost 1.5     c: 5 → g1, cost 1.5
    # Least cost_resource wins: {b,c} costs 3.0 < 3.0001, even though it has more options.
    path = make_scenario(
        options=[opt("a", 3.0001), opt("b", 1.5), opt("c", 1.5)],
        gaps=[{"gap_id": "g1", "size": 10}],
        contributions=[("a", "g1", 10), ("b", "g1", 5), ("c", "g1", 5)],
        config={"limits": {"budget_musd": 10}},
    )
    r = run(path, backend)
    assert r.selected == ("b", "c")
    assert r.resources["budget_musd"]["used"] == pytest.approx(3.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_second_resource_limit_binds(make_scenario, backend):
    # Two resources; g1..g3 size 10; budget 100 (slack), diplomatic_capacity 2.
    #   a: 10 → g1, dip 1    b: 10 → g2, dip 1    c: 10 → g3, dip 1    d: 10 → g1 and g2, dip 2
    # Capacity 2 allows two of a, b, c (2.0) or d alone (2.0); tie → cheapest:
    # costs a 10, b 20, c 5, d 12 → {a,c} costs 15, {d} 12. Optimum {d} (2.0, cost 12).
    path = make_scenario(
        options=[
            opt("a", 10, diplomatic_capacity=1),
            opt("b", 20, diplomatic_capacity=1),
            opt("c", 5, diplomatic_capacity=1),
            opt("d", 12, diplomatic_capacity=2),
        ],
        gaps=[{"gap_id": g, "size": 10} for g in ("g1", "g2", "g3")],
        contributions=[("a", "g1", 10), ("b", "g2", 10), ("c", "g3", 10), ("d", "g1", 10), ("d", "g2", 10)],
        config={"limits": {"budget_musd": 100, "diplomatic_capacity": 2}},
    )
    r = run(path, backend)
    assert r.selected == ("d",)
    assert r.objective == pytest.approx(2.0, abs=TOL)
    assert r.resources["diplomatic_capacity"] == {"used": 2.0, "limit": 2.0}


@pytest.mark.parametrize("backend", BACKENDS)
def test_tie_break_free_option_beats_paid_one(make_scenario, backend):
    # g1, g2 size 1, weight 1; budget 1.
    #   a: 1 → g2, cost 1     b: 1 → g2, cost 0     c: 1 → g1, cost 0
    # {a,c} and {b,c} both close both gaps (2.0); {b,c} costs 0 and wins.
    # (CBC 2.10.3's default preprocessing answered {a,c} for the tie-break stage.)
    path = make_scenario(
        options=[opt("a", 1), opt("b", 0), opt("c", 0)],
        gaps=[{"gap_id": "g1", "size": 1}, {"gap_id": "g2", "size": 1}],
        contributions=[("a", "g2", 1), ("b", "g2", 1), ("c", "g1", 1)],
        config={"limits": {"budget_musd": 1}},
    )
    r = run(path, backend)
    assert r.selected == ("b", "c")
    assert r.objective == pytest.approx(2.0, abs=TOL)
