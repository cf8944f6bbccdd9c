"""Honest status: a stopped solve is `feasible` with a real bound and gap, never `optimal`;
a gap setting is reported truthfully; infeasible and unbounded are told apart; a solver
failure is exit 1 carrying the solver's message.

(tests/test_cli.py covers HiGHS stopped by time on a min_cost instance, and exit 3.)
"""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.io.runfolder import MARKER, write_marker

ORLIB = Path(__file__).resolve().parent / "data" / "orlib" / "scp42.txt"
TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"


def scp42_four_cover(root: Path) -> Path:
    """OR-Library scp42 (200 rows × 1000 columns, Beasley 1987) as planner tables: every row
    with ≥ 4 covering columns is a gap of size 4 (weight 1), every column an option costing
    its OR-Library cost, contributing 1 to each row it covers. min_cost with
    coverage_target 1 asks for a 4-fold cover; max_coverage with budget 3000 takes HiGHS
    ~29 s and CBC (preprocess off) ~12 s to prove on the 2-core development machine — a 1 s
    limit stops both well short. (At budget 2000 CBC without preprocessing proves 180 in
    under 1 s.)"""
    nums = [int(t) for t in ORLIB.read_text().split()]
    m, n = nums[0], nums[1]
    costs, rows, pos = nums[2 : 2 + n], [], 2 + n
    for _ in range(m):
        rows.append(nums[pos + 1 : pos + 1 + nums[pos]])
        pos += 1 + nums[pos]
    inputs = root / "inputs" / "scp"
    inputs.mkdir(parents=True)
    tables = {
        "partners": (["partner_id", "name"], [["p", "P"]]),
        "sectors": (["sector_id", "name"], [["s", "S"]]),
        "gaps": (
            ["gap_id", "sector_id", "name", "size"],
            [[f"r{i}", "s", f"row {i}", 4] for i, c in enumerate(rows, 1) if len(c) >= 4],
        ),
        "options": (
            ["option_id", "partner_id", "sector_id", "kind", "budget_musd"],
            [[f"c{j}", "p", "s", "buyer", c] for j, c in enumerate(costs, 1)],
        ),
        "contributions": (
            ["option_id", "gap_id", "amount"],
            [[f"c{j}", f"r{i}", 1] for i, c in enumerate(rows, 1) if len(c) >= 4 for j in c],
        ),
    }
    for name, (header, data) in tables.items():
        with (inputs / f"{name}.csv").open("w", newline="") as fh:
            csv.writer(fh).writerows([header, *data])
    (root / "models").mkdir()
    path = root / "models" / "scp.yaml"
    path.write_text("name: scp42\ninputs: ../inputs/scp\nobjective: {sense: min_cost, coverage_target: 1}\n")
    return path


@pytest.fixture(scope="module")
def scp(tmp_path_factory) -> Path:
    return scp42_four_cover(tmp_path_factory.mktemp("scp"))


MAX_3000 = [
    "--set",
    "objective.sense=max_coverage",
    "--set",
    "objective.coverage_target=null",
    "--set",
    "limits.budget_musd=3000",
]


def solve(*args) -> tuple[int, dict]:
    res = CliRunner().invoke(cli, ["solve", *map(str, args), "--json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, json.loads(res.stdout)


def check(run: Path) -> dict:
    res = CliRunner().invoke(cli, ["check", str(run), "--json"])
    report = json.loads(res.stdout)
    assert res.exit_code == 0, report["discrepancies"]
    return report


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["highs"])  # CBC proves this one in 0.3–12 s: see the log tests below
def test_max_coverage_stopped_by_time_is_feasible_with_bound_above(scp, tmp_path, backend):
    code, s = solve(scp, *MAX_3000, "--solver", backend, "--time-limit", "1", "--out", tmp_path / "run")
    assert (code, s["status"]) == (4, "feasible"), s
    assert s["bound"] is not None and s["mip_gap"] is not None  # CBC's bound is read from its log
    assert s["bound"] >= s["objective"] - 1e-6  # maximising: the bound is an upper bound
    assert s["mip_gap"] == pytest.approx((s["bound"] - s["objective"]) / s["objective"], rel=1e-3, abs=1e-9)
    check(tmp_path / "run")


CBC_LOG = """
Result - Stopped on time limit

Objective value:                {obj}
{side} bound:                    {bound}
Gap:                            0.01
Enumerated nodes:               0
"""


@pytest.mark.parametrize(
    "maximize, obj, side, bound, expected",
    [
        (False, "3293.00000000", "Lower", "3269.237", 3269.237),  # as CBC 2.10 writes a minimisation
        (True, "180.00000000", "Upper", "180.191", 180.191),  # … and a maximisation (user sense)
        (True, "-180.00000000", "Lower", "-180.191", 180.191),  # should it ever write the negated form
    ],
)
def test_cbc_bound_is_read_from_its_log(tmp_path, maximize, obj, side, bound, expected):
    solve_mod = importlib.import_module("planner.solver.cbc")
    log = tmp_path / "cbc.log"
    log.write_text(CBC_LOG.format(obj=obj, side=side, bound=bound))
    figures = solve_mod._cbc_log_figures(str(log))
    z = abs(float(obj))
    got, gap = solve_mod._cbc_bound(z, figures, "feasible", 0.0)
    assert got == pytest.approx(expected) and gap == pytest.approx(abs(z - expected) / z)
    assert solve_mod._cbc_bound(z, {}, "feasible", 0.0) == (None, None)  # unknown stays unknown
    assert solve_mod._cbc_bound(z, figures, "optimal", 0.0) == (z, 0.0)  # proven at gap 0


@pytest.mark.slow
def test_cbc_min_cost_stopped_by_time_is_feasible_with_bound_below(scp, tmp_path):
    # CBC needs ~5 s to prove this 4-fold cover (optimum 3283) on the development machine.
    code, s = solve(scp, "--solver", "cbc", "--time-limit", "1", "--out", tmp_path / "run")
    assert (code, s["status"]) == (4, "feasible"), s
    assert s["bound"] is not None and s["bound"] <= s["objective"] + 1e-6 and s["mip_gap"] > 0
    check(tmp_path / "run")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_a_gap_setting_reports_the_true_bound_and_gap(scp, tmp_path, backend):
    # Stopped by mip_gap 5 %: "optimal within the gap setting", with the bound and gap the solver
    # proved — CBC used to claim bound = objective and gap 0 here.
    code, s = solve(scp, "--solver", backend, "--mip-gap", "0.05", "--out", tmp_path / "run")
    assert (code, s["status"]) == (0, "optimal"), s
    assert s["bound"] < s["objective"] and 0 < s["mip_gap"] <= 0.05
    rec = json.loads((tmp_path / "run" / "scenario.json").read_text())["solver"]
    assert (rec["mip_gap"], rec["backend"]) == (0.05, backend)  # the flags are recorded as run
    check(tmp_path / "run")
    # Judged against a zero gap setting, the same run is not proven optimal.
    res = CliRunner().invoke(
        cli, ["check", str(tmp_path / "run"), "--scenario", str(scp), "--set", f"solver.backend={backend}", "--json"]
    )
    where = [d["where"] for d in json.loads(res.stdout)["discrepancies"]]
    assert res.exit_code == 1 and "key status" in where


def _unbounded(monkeypatch):
    """Make every build unbounded: coverage variables lose their upper bound and their links."""
    import planner.model.assemble as build

    def loose_variables(model):
        sc = model.scenario
        for oid in sc.options.index:
            model.x[oid] = model.prob.add_variable(build.lp_name("x", oid, model._taken), cat="Binary")
        for gid in sc.gaps.index:
            model.cover[gid] = model.prob.add_variable(build.lp_name("cover", gid, model._taken), lowBound=0)

    monkeypatch.setattr(build, "add_variables", loose_variables)
    monkeypatch.setattr(build, "add_link", lambda model: None)


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_unbounded_is_not_reported_as_infeasible(monkeypatch, tmp_path, backend):
    _unbounded(monkeypatch)
    code, s = solve(TINY, "--solver", backend, "--out", tmp_path / "run")
    # HiGHS's presolve says only "infeasible or unbounded"; the planner finds out which.
    assert (code, s["status"]) == (1, "unbounded"), s
    assert s["objective"] is None and s["selected"] == 0


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_infeasible_stays_infeasible(tmp_path, backend):
    code, s = solve(
        TINY,
        "--solver",
        backend,
        "--set",
        "objective.coverage_target=1",
        "--set",
        "limits.budget_musd=6",
        "--out",
        tmp_path / "run",
    )
    assert (code, s["status"]) == (3, "infeasible"), s


def test_highs_error_status_is_exit_1_with_its_message(monkeypatch, tmp_path):
    import highspy

    solve_mod = importlib.import_module("planner.solver.highs")

    real = solve_mod.new_highs

    class Failing:
        """A Highs whose solve ends in HiGHS's own error status."""

        def __init__(self):
            self._h = real()

        def __getattr__(self, name):
            return getattr(self._h, name)

        def run(self):
            return highspy.HighsStatus.kError

        def getModelStatus(self):
            return highspy.HighsModelStatus.kSolveError

    monkeypatch.setattr(solve_mod, "new_highs", Failing)
    res = CliRunner().invoke(cli, ["solve", str(TINY), "--out", str(tmp_path / "run")])
    assert res.exit_code == 1 and "Solve error" in res.output and "Traceback" not in res.output
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["status"] == "error"


@pytest.mark.parametrize("backend", ["highs", "cbc"])
def test_a_solver_exception_is_exit_1_with_the_solvers_message(monkeypatch, tmp_path, backend):
    import pulp

    solve_mod = importlib.import_module("planner.solver.highs")

    message = "out of licences at node 17"  # any message the solver gives must reach the user
    if backend == "cbc":

        def boom(self, lp):
            raise pulp.PulpSolverError(f"Pulp: Error while executing {message}")

        monkeypatch.setattr(pulp.PULP_CBC_CMD, "actualSolve", boom)
    else:
        real = solve_mod.new_highs

        class Raising:
            def __init__(self):
                self._h = real()

            def __getattr__(self, name):
                return getattr(self._h, name)

            def run(self):
                raise RuntimeError(message)

        monkeypatch.setattr(solve_mod, "new_highs", Raising)
    (tmp_path / "run").mkdir()
    write_marker(tmp_path / "run", "solve")  # an earlier run folder
    (tmp_path / "run" / "keep.txt").write_text("earlier")
    res = CliRunner().invoke(cli, ["solve", str(TINY), "--solver", backend, "--out", str(tmp_path / "run")])
    assert res.exit_code == 1, res.output
    assert f"{'CBC' if backend == 'cbc' else 'HiGHS'} failed" in res.output and message in res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [MARKER, "keep.txt"]
