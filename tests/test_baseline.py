"""The shipped scenarios: models/baseline.yaml validates and solves to optimal within both
limits (also as `planner solve` without an argument); budget-cut-30 extends it and can
only do worse or equal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import REPO
from planner import load_scenario, solve
from planner.cli import cli

MODELS = REPO / "models"


@pytest.mark.parametrize("name", ["baseline", "budget-cut-30"])
def test_shipped_scenarios_validate(name):
    result = CliRunner().invoke(cli, ["validate", str(MODELS / f"{name}.yaml")])
    assert result.exit_code == 0, result.output


def test_default_scenario_solves_optimal_within_limits(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # `planner solve` without SCENARIO means models/baseline.yaml here
    result = CliRunner().invoke(cli, ["solve", "--json", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["scenario"] == "baseline" and summary["status"] == "optimal"
    assert set(summary["resources"]) >= {"budget_musd", "diplomatic_capacity"}
    for name, r in summary["resources"].items():
        assert r["limit"] is not None and 0 <= r["used"] <= r["limit"] + 1e-6, name
    assert summary["selected"] > 0


def test_budget_cut_extends_baseline_and_scores_no_higher():
    base = load_scenario(MODELS / "baseline.yaml")
    cut = load_scenario(MODELS / "budget-cut-30.yaml")
    assert cut.config.limits["budget_musd"] == pytest.approx(0.7 * base.config.limits["budget_musd"])
    assert cut.config.limits["diplomatic_capacity"] == base.config.limits["diplomatic_capacity"]  # inherited
    r_base, r_cut = solve(base), solve(cut)
    assert r_base.status == r_cut.status == "optimal"
    assert r_cut.resources["budget_musd"]["used"] <= cut.config.limits["budget_musd"] + 1e-6
    assert r_cut.objective <= r_base.objective + 1e-6
