"""`--solver auto`: HiGHS and CBC race on the same model; the first proof wins, the other stops."""

from __future__ import annotations

import json
import multiprocessing
import os
import time

import pytest
from click.testing import CliRunner

from planner.solver import auto as race
from planner.api import SolveOptions, load_scenario, solve
from planner.model.assemble import build
from planner.cli import cli
from planner.inputs.generate import generate
from planner.solver.outcome import INFEASIBLE, SolveOutcome

from test_scale import _write_two_way_tie  # noqa: E402 (tests/ is on sys.path under pytest)


def test_auto_gives_the_same_tie_broken_optimum(tmp_path):
    # The two-way tie of test_scale: whichever solver wins, {b} (cost 3) is the answer.
    result = solve(load_scenario(_write_two_way_tie(tmp_path)), SolveOptions(backend="auto"))
    assert result.status == "optimal" and result.selected == ("b",)
    assert result.race["winner"] in ("highs", "cbc") and result.backend == result.race["winner"]
    loser = "cbc" if result.race["winner"] == "highs" else "highs"
    assert result.race[loser]["status"] in ("stopped", "optimal")
    assert result.summary()["auto"] == result.race
    assert not multiprocessing.active_children()  # the CBC child is gone


def test_auto_proves_infeasibility(tmp_path):
    path = _write_two_way_tie(tmp_path)
    result = solve(
        load_scenario(path, ["limits.budget_musd=2", "objective.coverage_target=0.9"]), SolveOptions(backend="auto")
    )
    assert result.status == "infeasible"  # 2 buys only c (4 of 10); 9 must be covered
    assert not multiprocessing.active_children()


def _instant_infeasible(*args, **kwargs):
    return SolveOutcome(INFEASIBLE, None, None, None, None, 0.0, "cbc", "test double: CBC answers at once")


def _never_answers(*args, **kwargs):
    time.sleep(600)


def _dies(*args, **kwargs):
    os._exit(3)


@pytest.fixture
def slow_model(tmp_path):
    gen = generate(tmp_path, 3000, seed=1)
    return build(load_scenario(gen.scenario_file, ["solver.mip_gap=0"]))


def test_a_cbc_proof_stops_highs_at_once(slow_model, monkeypatch):
    # HiGHS needs many seconds for 3,000 options at mip_gap 0; a CBC proof at once must
    # interrupt it (cancelSolve) rather than wait.
    monkeypatch.setattr(race, "solve_cbc", _instant_infeasible)
    t0 = time.perf_counter()
    outcome = race.solve_auto(slow_model, time_limit=60, mip_gap=0.0)
    assert outcome.race["winner"] == "cbc" and outcome.race["highs"]["status"] == "stopped"
    assert outcome.status == INFEASIBLE
    assert time.perf_counter() - t0 < 10  # alone, HiGHS would run its exact tie-break to the 60 s limit


def test_a_highs_proof_kills_cbc(tmp_path, monkeypatch):
    monkeypatch.setattr(race, "solve_cbc", _never_answers)
    model = build(load_scenario(_write_two_way_tie(tmp_path)))
    t0 = time.perf_counter()
    outcome = race.solve_auto(model, time_limit=60, mip_gap=0.0)
    assert outcome.race == {"winner": "highs", "highs": outcome.race["highs"], "cbc": outcome.race["cbc"]}
    assert outcome.race["cbc"]["status"] == "stopped" and outcome.status == "optimal"
    assert time.perf_counter() - t0 < 30
    assert not multiprocessing.active_children()


def test_a_crashed_cbc_leaves_the_highs_result(tmp_path, monkeypatch):
    monkeypatch.setattr(race, "solve_cbc", _dies)
    model = build(load_scenario(_write_two_way_tie(tmp_path)))
    outcome = race.solve_auto(model, time_limit=60, mip_gap=0.0)
    assert outcome.race["winner"] == "highs" and outcome.status == "optimal"


def test_cli_solver_auto(tmp_path):
    res = CliRunner().invoke(
        cli, ["solve", str(_write_two_way_tie(tmp_path)), "--solver", "auto", "--json", "--out", str(tmp_path / "run")]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["auto"]["winner"] == data["backend"] and data["selected_ids"] == ["b"]


def test_auto_does_not_wait_past_the_time_limit(slow_model, monkeypatch):
    # HiGHS stops at the 2 s limit without a proof; CBC (a double that never answers) is
    # not waited for once the limit has passed. On a loaded machine HiGHS may not even have a
    # portfolio by then (no_solution): the point here is only that auto returns.
    monkeypatch.setattr(race, "solve_cbc", _never_answers)
    t0 = time.perf_counter()
    outcome = race.solve_auto(slow_model, time_limit=2, mip_gap=0.0)
    assert outcome.race["winner"] == "highs" and outcome.race["cbc"]["status"] == "stopped"
    assert outcome.status in ("feasible", "optimal", "no_solution")
    assert time.perf_counter() - t0 < 120  # CBC's double sleeps 600 s
    assert not multiprocessing.active_children()
