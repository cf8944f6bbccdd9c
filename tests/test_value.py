"""`planner value`: bound values by exact re-solves, each checked through planner.api.solve."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis_helpers import read_tables, write_scenario
from planner.analysis.value import value_bounds
from planner.analysis.workbench import Workbench
from planner.api import load_scenario, solve
from planner.cli import cli

TINY = Path(__file__).parent / "data" / "tiny.yaml"
BASELINE = Path(__file__).parent.parent / "models" / "baseline.yaml"


def test_tiny_by_hand():
    # Optimum {a, b} = 3 (budget 11 of 11, capacity 2 of 2).
    # budget Δ = median(5, 6, 3, 4) = 4.5. At 15.5 capacity still allows two options: 3 (gain 0).
    #   At 6.5: {b} = 2 is best ({c, d} costs 7): loss 1.
    # capacity Δ = 1. At 3: budget 11 still allows only {a, b} of value 3 ({a, c, d} costs 12): gain 0.
    #   At 1: {b} = 2: loss 1.
    r = value_bounds(load_scenario(TINY))
    b = {x.row: x for x in r.bounds}
    budget, cap = b["limit_budget_musd"], b["limit_diplomatic_capacity"]
    assert budget.delta == 4.5 and budget.gain_if_relaxed == 0 and budget.loss_if_tightened == pytest.approx(1.0)
    assert budget.relaxed_bound == 15.5 and budget.tightened_bound == 6.5
    assert cap.delta == 1 and cap.gain_if_relaxed == 0 and cap.loss_if_tightened == pytest.approx(1.0)
    assert cap.loss_per_unit == pytest.approx(1.0)


def test_lp_duals_are_the_relaxations_slopes():
    # The LP dual must equal the LP relaxation's objective change per unit of bound (a finite difference).
    for overrides in ([], ["limits.budget_musd=9"], ["limits.diplomatic_capacity=1.5"]):
        sc = load_scenario(TINY, overrides)
        r = value_bounds(sc, families=("limit",))
        for bv in r.bounds:
            res = bv.ident
            eps = 1e-3
            lim = sc.config.limits[res]
            lo = Workbench(load_scenario(TINY, [*overrides, f"limits.{res}={lim - eps}"])).lp_relaxation().objective
            hi = Workbench(load_scenario(TINY, [*overrides, f"limits.{res}={lim + eps}"])).lp_relaxation().objective
            slope_lo, slope_hi = (r.lp_objective - lo) / eps, (hi - r.lp_objective) / eps
            assert min(slope_lo, slope_hi) - 1e-6 <= bv.lp_dual <= max(slope_lo, slope_hi) + 1e-6, (overrides, bv)


def _with_table(path, folder, table, key_col, key, col, value):
    tables, cfg = read_tables(path)
    t = tables[table]
    if col not in t.columns:
        t[col] = ""
    t.loc[t[key_col] == key, col] = repr(float(value))
    return write_scenario(folder, tables, cfg)


def verify(path: Path, report, tmp_path: Path, rows=None) -> int:
    """Re-solve through the public API for each stated objective; returns the checks made."""
    checks = 0
    for b in report.bounds:
        if rows is not None and b.row not in rows:
            continue
        cases = [(b.relaxed_bound, b.status_relaxed, b.objective_relaxed)]
        if b.tightened_bound is not None:
            cases.append((b.tightened_bound, b.status_tightened, b.objective_tightened))
        for k, (bound, status, objective) in enumerate(cases):
            if b.family == "limit":
                sc = load_scenario(path, [f"limits.{b.ident}={bound!r}"])
            elif b.family == "target":
                sc = load_scenario(
                    _with_table(path, tmp_path / f"{b.row}-{k}", "gaps", "gap_id", b.ident, "target", bound)
                )
            elif b.family == "max_options":
                sc = load_scenario(
                    _with_table(
                        path, tmp_path / f"{b.row}-{k}", "partners", "partner_id", b.ident, "max_options", bound
                    )
                )
            else:
                continue
            res = solve(sc)
            assert res.status == status, (b.row, bound)
            if objective is not None:
                assert res.objective == pytest.approx(objective, abs=1e-9), (b.row, bound)
            checks += 1
    return checks


def test_tiny_values_verified(tmp_path):
    assert verify(TINY, value_bounds(load_scenario(TINY)), tmp_path) == 4


def test_infeasible_tightening_reported(tmp_path):
    # A target of 10 on g1 needs a (the only option covering g1 fully); with capacity 1 only a fits,
    # so tightening capacity to 0 is infeasible and lowering the target by Δ = median(10, 2) = 6 lets b in.
    tables, cfg = read_tables(TINY)
    tables["gaps"].loc[tables["gaps"]["gap_id"] == "g1", "target"] = "10"
    cfg["limits"]["diplomatic_capacity"] = 1
    path = write_scenario(tmp_path / "t", tables, cfg)
    r = value_bounds(load_scenario(path))
    b = {x.row: x for x in r.bounds}
    assert b["limit_diplomatic_capacity"].status_tightened == "infeasible"
    t = b["target_g1"]
    assert t.delta == 6 and t.relaxed_bound == 4
    # With target 4: d (g1 2) cannot meet it alone, a can; b would leave g1 at 0. So still {a} = 1: gain 0.
    assert t.gain_if_relaxed == 0
    assert verify(path, r, tmp_path) >= 3


def test_cli_value(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["value", str(TINY), "--json", "--delta", "budget_musd=2"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    b = {x["row"]: x for x in data["bounds"]}
    assert b["limit_budget_musd"]["delta"] == 2.0 and b["limit_budget_musd"]["lp_dual"] is not None
    res = runner.invoke(cli, ["value", str(TINY), "--out", str(tmp_path / "v")])
    assert res.exit_code == 0, res.output
    assert "LP dual" in res.output and (tmp_path / "v" / "value.csv").is_file()
    res = runner.invoke(cli, ["value", str(TINY), "--delta", "budget_musd=-1"])
    assert res.exit_code == 2 and "--delta" in res.output


@pytest.mark.slow
def test_baseline_values_verified(tmp_path):
    r = value_bounds(load_scenario(BASELINE), families=("limit", "target"))
    assert verify(BASELINE, r, tmp_path) >= 4


def test_require_rule_priced_as_dropping_it():
    # Require c: the best portfolio with c is {c, d} = 2 + 0.2 = 2.2 ({a, c} gives 1 + 1 = 2).
    # Dropping the rule gives {a, b} = 3: worth 0.8.
    from planner.analysis.value import describe

    r = value_bounds(load_scenario(TINY, ["rules.require=[c]"]), families=("require",))
    (b,) = r.bounds
    assert b.row == "require_c" and b.tightened_bound is None and b.gain_if_relaxed == pytest.approx(0.8)
    assert "Dropping the rule require c is worth 0.8." in describe(r)
    assert "c" not in solve(load_scenario(TINY)).selected  # the re-solve the 0.8 stands for
    assert solve(load_scenario(TINY)).objective - solve(
        load_scenario(TINY, ["rules.require=[c]"])
    ).objective == pytest.approx(0.8)
