"""Solver outcomes as types: `Status` and its properties, `Stage`, and CBC leaving the PuLP model as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pulp
import pytest

from planner.api import SolveOptions, load_scenario, solve
from planner.cli.common import status_exit
from planner.cli.sweep_cmd import batch_exit
from planner.errors import PlannerError
from planner.io.runfolder import write_run
from planner.model.assemble import build
from planner.results.audit import check_run
from planner.solver.cbc import solve_cbc
from planner.solver.outcome import Stage, Status
from planner.solver.tiebreak import ALL, SUBSETS

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"

# member: (has_portfolio, is_proof, exit code per the README's "Exit status" table)
EXPECTED = {
    Status.OPTIMAL: (True, True, 0),
    Status.FEASIBLE: (True, False, 4),
    Status.NO_SOLUTION: (False, False, 4),
    Status.INFEASIBLE: (False, True, 3),
    Status.UNBOUNDED: (False, True, 1),
    Status.ERROR: (False, False, 1),
}


def test_every_status_member_is_covered():
    assert set(EXPECTED) == set(Status)


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_status_properties(status):
    has_portfolio, is_proof, exit_code = EXPECTED[status]
    assert status.has_portfolio is has_portfolio
    assert status.is_proof is is_proof
    assert status.exit_code == exit_code
    assert status_exit(status) == exit_code and status_exit(status.value) == exit_code  # the CLI's mapping


@pytest.mark.parametrize("status", list(Status), ids=[s.value for s in Status])
def test_status_is_written_as_its_plain_value(status):
    assert json.dumps({"status": status}) == json.dumps({"status": status.value})
    assert str(status) == f"{status}" == status.value
    assert Status.of(status.value) is status and Status.of(status) is status
    assert {status.value: 1}[status] == 1 and {status: 1}[status.value] == 1  # same hash as the string


@pytest.mark.parametrize("value", ["bogus", "OPTIMAL", "", None, 7, ["optimal"]])
def test_what_is_not_a_status_is_none(value):
    assert Status.of(value) is None
    assert status_exit(value) == 1


def test_batch_exit_codes():
    assert batch_exit({"optimal": 3, "infeasible": 2}) == 0  # infeasible points are results
    assert batch_exit({"optimal": 3, "feasible": 1}) == 4
    assert batch_exit({"optimal": 3, "no_solution": 1}) == 4
    assert batch_exit({"feasible": 1, "error": 1}) == 1
    assert batch_exit({"optimal": 1, "unbounded": 1}) == 1
    assert batch_exit({Status.OPTIMAL: 1, Status.FEASIBLE: 2}) == 4
    assert batch_exit({"optimal": 1, "error": 0}) == 0  # a zero count is no point


def test_stage_to_dict_is_what_summary_json_lists():
    assert Stage(
        "primary", Status.OPTIMAL, 0.123456, objective=1.0, bound=1.0, gap=0.0, message="Optimal"
    ).to_dict() == {"stage": "primary", "status": "optimal", "seconds": 0.1235}
    tie = Stage("tie_break", Status.FEASIBLE, 2.0, SUBSETS).to_dict()
    assert list(tie) == ["stage", "scope", "status", "seconds"] and tie["scope"] == SUBSETS


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_solve_returns_typed_stages_and_summary_keeps_its_keys(backend):
    result = solve(load_scenario(TINY), SolveOptions(backend=backend))
    assert isinstance(result.status, Status) and result.status is Status.OPTIMAL
    assert [type(st) for st in result.stages] == [Stage, Stage]
    assert [st.stage for st in result.stages] == ["primary", "tie_break"]
    assert all(isinstance(st.status, Status) for st in result.stages)
    stages = result.summary()["stages"]
    assert [list(st) for st in stages] == [["stage", "status", "seconds"], ["stage", "scope", "status", "seconds"]]
    assert stages[1]["scope"] == ALL
    if backend == "highs":  # HiGHS reports its figures per stage
        assert result.stages[0].objective is not None and result.stages[0].message


@pytest.mark.parametrize("value", ["bogus", 7, None, ["optimal"]])
def test_check_reports_an_unknown_status_and_does_not_crash(tmp_path, value):
    out = tmp_path / "run"
    write_run(solve(load_scenario(TINY)), out)
    data = json.loads((out / "summary.json").read_text())
    data["status"] = value
    (out / "summary.json").write_text(json.dumps(data))
    report = check_run(out)
    assert not report.ok
    assert any(d.where == "key status" and d.message == "unknown status" for d in report.discrepancies), (
        report.discrepancies
    )
    assert report.to_dict()["status"] == str(value)


def _snapshot(prob: pulp.LpProblem) -> tuple:
    """Everything of a PuLP problem a solve could change: constraints, bounds, sense, objective."""
    return (
        prob.name,
        prob.sense,
        id(prob.objective),
        prob.objective.name,
        [(v.name, c) for v, c in prob.objective.items()],
        prob.objective.constant,
        [(c.name, str(c), c.sense, c.constant, id(c)) for c in prob.constraints()],
        [(v.name, v.lowBound, v.upBound, v.cat) for v in prob.variables()],
    )


@pytest.mark.parametrize("mip_gap", [0.0, 0.01], ids=["scope-all", "scope-subsets"])
def test_cbc_leaves_the_model_as_it_was(mip_gap):
    model = build(load_scenario(TINY))
    before = _snapshot(model.prob)
    outcome = solve_cbc(model, None, mip_gap, True)
    assert outcome.status is Status.OPTIMAL and outcome.stages[-1].scope == (ALL if mip_gap == 0 else SUBSETS)
    assert _snapshot(model.prob) == before


@pytest.mark.parametrize("mip_gap", [0.0, 0.01], ids=["scope-all", "scope-subsets"])
def test_a_cbc_tie_break_that_raises_leaves_the_model_as_it_was(monkeypatch, mip_gap):
    model = build(load_scenario(TINY))
    before = _snapshot(model.prob)
    real = pulp.LpProblem.solve
    calls = []

    def second_raises(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2:  # the tie-break stage
            assert self.get_constraint_by_name("tie_break_keep_primary") is not None
            if mip_gap:  # sub-portfolios: the options left out are held at 0 for the stage
                assert any(v.upBound == 0 for v in model.x.values())
            raise RuntimeError("the tie-break blew up")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pulp.LpProblem, "solve", second_raises)
    with pytest.raises(PlannerError, match="CBC failed: the tie-break blew up"):
        solve_cbc(model, None, mip_gap, True)
    assert len(calls) == 2
    assert _snapshot(model.prob) == before
    monkeypatch.setattr(pulp.LpProblem, "solve", real)
    # and the model still solves as a fresh one does
    again, fresh = solve_cbc(model, None, mip_gap, True), solve_cbc(build(load_scenario(TINY)), None, mip_gap, True)
    assert (again.status, list(again.x), again.objective_solver) == (
        fresh.status,
        list(fresh.x),
        fresh.objective_solver,
    )


@pytest.mark.parametrize("mip_gap", [0.0, 0.01], ids=["scope-all", "scope-subsets"])
def test_a_highs_tie_break_that_raises_leaves_the_session_as_it_was(monkeypatch, mip_gap):
    from planner.model.compile import compile_model
    from planner.solver.highs import HighsSession

    session = HighsSession(compile_model(build(load_scenario(TINY))))

    def live():
        lp = session.h.getLp()
        return (
            lp.num_row_,
            list(lp.col_cost_),
            list(lp.col_lower_),
            list(lp.col_upper_),
            list(lp.row_lower_),
            list(lp.row_upper_),
        )

    before = live()
    real, calls = session.run_stage, []

    def second_raises(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            assert session.h.getNumRow() == before[0] + 1  # the tie-break row is in
            raise PlannerError("HiGHS failed: the tie-break blew up")
        return real(*args, **kwargs)

    monkeypatch.setattr(session, "run_stage", second_raises)
    with pytest.raises(PlannerError, match="the tie-break blew up"):
        session.solve(None, mip_gap, True)
    assert len(calls) == 2 and live() == before
    monkeypatch.setattr(session, "run_stage", real)
    assert session.solve(None, mip_gap, True).status is Status.OPTIMAL
