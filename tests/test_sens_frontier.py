"""`planner frontier`: exact breakpoints with one solve each, checked by hand and against `planner solve`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.api import load_scenario, solve
from planner.cli import cli
from sens_helpers import frontier_into, write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def test_tiny_frontier_by_hand(tmp_path):
    # Worked out in test_sens_engine.test_tiny_budget_ladder_by_hand: the optimum changes at
    # budgets 3 (c), 4 (d), 6 (b), 7 (c+d), 11 (a+b) — five breakpoints, six portfolios, six solves.
    out = frontier_into(tmp_path / "f", load_scenario(TINY), "budget_musd")
    frame = out.tables["frontier.csv"]
    assert frame["limit_from"].tolist() == [0, 3, 4, 6, 7, 11]
    assert frame["limit_to"].tolist() == [3, 4, 6, 7, 11, 11]
    assert frame["objective"].tolist() == [0.0, 1.0, 1.2, 2.0, 2.2, 3.0]
    assert frame["portfolio"].fillna("").tolist() == ["", "c", "d", "b", "c;d", "a;b"]
    s = json.loads((tmp_path / "f" / "summary.json").read_text())
    assert s["kind"] == "frontier" and s["solves"] == 6 and s["breakpoints"] == 5 and s["exact"] is True
    ladder = out.tables["ladder.csv"]
    a = ladder[ladder["option_id"] == "a"]
    assert a[["event", "at_limit"]].values.tolist() == [["enter", 11.0]]
    c = ladder[ladder["option_id"] == "c"]
    assert c[["event", "at_limit"]].values.tolist() == [["enter", 3.0], ["exit", 4.0], ["enter", 7.0], ["exit", 11.0]]


def test_frontier_range_and_infeasible_end(tmp_path):
    # min_cost with 30 % coverage targets, frontier over diplomatic capacity: below some capacity
    # no portfolio meets the targets; the walk ends there with one extra (infeasible) solve.
    path = write_scenario(tmp_path, seed=3, n_options=9, n_gaps=4, sense="min_cost")
    out = frontier_into(tmp_path / "f", load_scenario(path), "diplomatic_capacity")
    frame = out.tables["frontier.csv"]
    s = out.summary
    assert frame["status"].iloc[0] == "infeasible" and s["infeasible_below"] == frame["limit_to"].iloc[0]
    assert s["solves"] == s["segments"] + 1
    limit = s["infeasible_below"] - 0.5
    assert solve(load_scenario(path, [f"limits.diplomatic_capacity={limit}"])).status == "infeasible"


@pytest.mark.parametrize("seed", [1, 7])
def test_every_interval_is_what_planner_solve_returns(tmp_path, seed):
    path = write_scenario(tmp_path, seed=seed, n_options=10, n_gaps=5, budget=40)
    out = frontier_into(tmp_path / "f", load_scenario(path), "budget_musd", lo=5, hi=35)
    frame = out.tables["frontier.csv"]
    assert frame["limit_from"].iloc[0] == 5 and frame["limit_to"].iloc[-1] == 35
    assert out.summary["solves"] == len(frame)  # one solve per interval: nothing solved twice
    for _, row in frame.iterrows():  # the interval's two ends and its middle
        for limit in {row["limit_from"], (row["limit_from"] + row["limit_to"]) / 2}:
            ref = solve(load_scenario(path, [f"limits.budget_musd={limit}"]))
            assert ref.objective == pytest.approx(row["objective"], abs=1e-7), limit
            assert ";".join(ref.selected) == (row["portfolio"] if isinstance(row["portfolio"], str) else "")


def test_frontier_cli(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "frontier",
            str(TINY),
            "--resource",
            "budget_musd",
            "--from",
            "4",
            "--to",
            "9",
            "--out",
            str(tmp_path / "f"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["breakpoints"] == 2 and data["solves"] == 3  # [4, 6) d · [6, 7) b · [7, 9] c+d
    bad = runner.invoke(cli, ["frontier", str(TINY), "--resource", "nope"])
    assert bad.exit_code == 2 and "budget_musd" in bad.output
    assert (
        runner.invoke(cli, ["frontier", str(TINY), "--resource", "budget_musd", "--from", "5", "--to", "2"]).exit_code
        == 2
    )
    assert "Example" in runner.invoke(cli, ["frontier", "--help"]).output


def test_max_solves_stops_at_the_top_of_the_range(tmp_path):
    out = frontier_into(tmp_path / "f", load_scenario(TINY), "budget_musd", max_solves=2)
    s = out.summary
    assert s["complete"] is False and s["solves"] == 2 and s["covered_from"] == 7.0
    assert out.tables["frontier.csv"]["portfolio"].tolist() == ["c;d", "a;b"]
    res = CliRunner().invoke(
        cli, ["frontier", str(TINY), "--resource", "budget_musd", "--max-solves", "2", "--out", str(tmp_path / "g")]
    )
    assert res.exit_code == 4
