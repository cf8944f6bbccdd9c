"""`planner pareto`: hand-solved fronts, a one-point front, public knapsack fronts, the CLI,
the run folder and `planner check` of it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from pareto_instances import knapsack_scenario
from rules_support import write_case

from planner.api import load_scenario
from planner.cli import cli
from planner.pareto import Kind, ObjectiveSpec, ParetoOptions, pareto, write_pareto

S1, S2 = ObjectiveSpec(Kind.SECTOR, "s1"), ObjectiveSpec(Kind.SECTOR, "s2")
COVERAGE, RISK = ObjectiveSpec(Kind.COVERAGE), ObjectiveSpec(Kind.RISK)


def case(tmp_path, budget: float, c_amount: float = 4, extra: list[dict] | None = None):
    """Options (budget, risk; contributions): a (3, 0.5; g1 10), b (2, 0.2; g2 10),
    c (4, 0.1; g1 c_amount, g2 c_amount), plus `extra`; gaps g1 (sector s1), g2 (s2), size 10, weight 1."""
    options = [
        {"option_id": "a", "budget_musd": 3, "risk": 0.5},
        {"option_id": "b", "budget_musd": 2, "risk": 0.2},
        {"option_id": "c", "budget_musd": 4, "risk": 0.1},
        *(extra or []),
    ]
    contributions = [
        ("a", "g1", 10),
        ("b", "g2", 10),
        ("c", "g1", c_amount),
        ("c", "g2", c_amount),
        *((o["option_id"], "g2", 10) for o in extra or []),
    ]
    path = write_case(
        tmp_path,
        options=options,
        gaps=[
            {"gap_id": "g1", "sector_id": "s1", "size": 10, "weight": 1},
            {"gap_id": "g2", "sector_id": "s2", "size": 10, "weight": 1},
        ],
        contributions=contributions,
        config={"limits": {"budget_musd": budget}},
    )
    return load_scenario(path)


def front_of(sc, *specs):
    result = pareto(sc, ParetoOptions(specs))
    return result, [(tuple(p.values.values()), p.selected, p.supported) for p in result.points]


def test_hand_front_sectors(tmp_path):
    # Budget 4: feasible portfolios {}, {a} (3), {b} (2), {c} (4); pairs cost ≥ 5.
    # (sector s1, sector s2): a (1, 0), b (0, 1), c (0.4, 0.4), {} (0, 0).
    # Non-dominated: a, c, b — c is not supported: 0.4 + 0.4 < 1 (below the segment a–b).
    _, pts = front_of(case(tmp_path, 4), S1, S2)
    assert pts == [((1.0, 0.0), ("a",), True), ((0.4, 0.4), ("c",), False), ((0.0, 1.0), ("b",), True)]


def test_hand_front_supported_on_an_edge(tmp_path):
    # As above with c contributing 5 + 5: c = (0.5, 0.5) lies on the segment a–b, so it is
    # supported (optimal for weights 1:1) though not an extreme point.
    _, pts = front_of(case(tmp_path, 4, c_amount=5), S1, S2)
    assert [p[2] for p in pts] == [True, True, True]


def test_single_point_front(tmp_path):
    # Budget 5 allows {a, b} (cost 5) = (1, 1), which dominates every other portfolio:
    # the front is that one point.
    result, pts = front_of(case(tmp_path, 5), S1, S2)
    assert pts == [((1.0, 1.0), ("a", "b"), True)]
    assert result.complete


def test_hand_front_coverage_against_risk(tmp_path):
    # Budget 5, (coverage = s1 + s2, risk): {} (0, 0), a (1, .5), b (1, .2), c (.8, .1),
    # {a, b} (2, .7). a is dominated by b; the rest trade coverage for risk.
    _, pts = front_of(case(tmp_path, 5), COVERAGE, RISK)
    assert [(v, sel) for v, sel, _ in pts] == [
        ((2.0, 0.7), ("a", "b")),
        ((1.0, 0.2), ("b",)),
        ((0.8, 0.1), ("c",)),
        ((0.0, 0.0), ()),
    ]


def test_tie_break_least_cost(tmp_path):
    # d covers g2 like b but costs 1: with budget 3 the points are a (1, 0) and (0, 1), which
    # {b}, {d} and {b, d} all reach; the least-cost portfolio {d} is the one listed.
    sc = case(tmp_path, 3, extra=[{"option_id": "d", "budget_musd": 1, "risk": 0.2}])
    _, pts = front_of(sc, S1, S2)
    assert [(v, sel) for v, sel, _ in pts] == [((1.0, 0.0), ("a",)), ((0.0, 1.0), ("d",))]


def test_partners_and_cost_objectives(tmp_path):
    # Each option has its own partner here: partners = options selected. Budget 5, objectives
    # (coverage max, partners min, cost min): {a,b} (2, 2, 5); b (1, 1, 2); c (0.8, 1, 4) is
    # dominated by b; a (1, 1, 3) too; {} (0, 0, 0). Front: {a,b}, b, {}.
    options = [{"option_id": o, "partner_id": f"p{o}", "budget_musd": c} for o, c in (("a", 3), ("b", 2), ("c", 4))]
    path = write_case(
        tmp_path,
        options=options,
        gaps=[{"gap_id": "g1", "size": 10, "weight": 1}, {"gap_id": "g2", "size": 10, "weight": 1}],
        contributions=[("a", "g1", 10), ("b", "g2", 10), ("c", "g1", 4), ("c", "g2", 4)],
        config={"limits": {"budget_musd": 5}},
    )
    _, pts = front_of(
        load_scenario(path), COVERAGE, ObjectiveSpec(Kind.PARTNERS), ObjectiveSpec(Kind.COST, "budget_musd")
    )
    assert [(v, sel) for v, sel, _ in pts] == [
        ((2.0, 2.0, 5.0), ("a", "b")),
        ((1.0, 1.0, 2.0), ("b",)),
        ((0.0, 0.0, 0.0), ()),
    ]


def test_unknown_and_unavailable_objectives_are_refused(tmp_path):
    from planner.errors import InputError

    sc = case(tmp_path, 4)
    with pytest.raises(InputError, match="unknown sector id; valid sectors: s1, s2"):
        pareto(sc, ParetoOptions((ObjectiveSpec(Kind.SECTOR, "nope"), RISK)))
    with pytest.raises(InputError, match="worst_case .* not available yet"):
        pareto(sc, ParetoOptions((ObjectiveSpec(Kind.WORST_CASE), RISK)))
    with pytest.raises(InputError, match="two or three objectives"):
        pareto(sc, ParetoOptions((RISK,)))


@pytest.mark.slow
def test_public_knapsack_2kp50_matches_published_front():
    # pyaugmecon's 2kp50 (tests/data/pareto/README.md): 50 items, 2 objectives, 35 points.
    sc, published = knapsack_scenario("2kp50")
    result = pareto(sc, ParetoOptions((ObjectiveSpec(Kind.SECTOR, "p1"), ObjectiveSpec(Kind.SECTOR, "p2"))))
    got = sorted((round(p.values["sector:p1"]), round(p.values["sector:p2"])) for p in result.points)
    assert result.complete and got == sorted(published)


def test_max_points_stops_with_a_covered_range(tmp_path):
    result = pareto(case(tmp_path, 4), ParetoOptions((S1, S2), max_points=2))
    assert not result.complete and len(result.points) == 2
    # every point with sector:s2 at most 0.4 (the last point's) is listed
    assert result.covered == {"objective": "sector:s2", "side": "at_most", "value": 0.4}


def test_cli_json_folder_and_check(tmp_path):
    sc_path = case(tmp_path, 4).scenario_file
    out = tmp_path / "run"
    runner = CliRunner()
    res = runner.invoke(
        cli, ["pareto", str(sc_path), "--objectives", "sector:s1,sector:s2", "--json", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["complete"] is True and [o["label"] for o in data["objectives"]] == ["sector:s1", "sector:s2"]
    assert [p["values"] for p in data["points"]] == [
        {"sector:s1": 1.0, "sector:s2": 0.0},
        {"sector:s1": 0.4, "sector:s2": 0.4},
        {"sector:s1": 0.0, "sector:s2": 1.0},
    ]
    assert sorted(p.name for p in out.iterdir()) == [".planner-run", "pareto.csv", "scenario.json", "summary.json"]
    csv_text = (out / "pareto.csv").read_text()
    assert csv_text.splitlines()[0] == "point,sector:s1,sector:s2,supported,options,selected_ids,entered_ids,left_ids"
    res = runner.invoke(cli, ["check", str(out)])
    assert res.exit_code == 0, res.output
    # a tampered value is caught
    (out / "pareto.csv").write_text(csv_text.replace("0.4,0.4", "0.4,0.5"))
    res = runner.invoke(cli, ["check", str(out)])
    assert res.exit_code == 1 and "sector:s2" in res.output


def test_cli_bad_objective_is_exit_2(tmp_path):
    sc_path = case(tmp_path, 4).scenario_file
    res = CliRunner().invoke(cli, ["pareto", str(sc_path), "--objectives", "coverage,worst_case"])
    assert res.exit_code == 2 and "worst_case" in res.output
    res = CliRunner().invoke(cli, ["pareto", str(sc_path), "--objectives", "coverage,bogus"])
    assert res.exit_code == 2 and "unknown objective" in res.output


def test_cli_max_points_is_exit_4(tmp_path):
    sc_path = case(tmp_path, 4).scenario_file
    res = CliRunner().invoke(
        cli,
        [
            "pareto",
            str(sc_path),
            "--objectives",
            "sector:s1,sector:s2",
            "--max-points",
            "1",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert res.exit_code == 4, res.output
    assert "incomplete" in res.output


def test_write_pareto_api(tmp_path):
    result = pareto(case(tmp_path, 4), ParetoOptions((S1, S2)))
    folder = write_pareto(result, tmp_path / "api")
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["kind"] == "pareto" and summary["points_count"] == 3 and summary["complete"] is True


@pytest.mark.parametrize("n", [2, 3])
def test_export_draws_the_front(tmp_path, n):
    from planner.report.export import export_run

    specs = (S1, S2, RISK)[:n]
    folder = write_pareto(pareto(case(tmp_path, 5, c_amount=4), ParetoOptions(specs)), tmp_path / f"run{n}")
    out = export_run(folder, "md")
    assert out.charts == 1 and (folder / "report_charts" / "pareto_front.png").exists()
    assert "Pareto front" in out.path.read_text()
