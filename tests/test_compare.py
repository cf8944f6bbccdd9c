"""`planner compare`: differences between two run folders, B − A."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.analysis.compare import compare_runs
from planner.cli import cli

TINY = Path(__file__).parent / "data" / "tiny.yaml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    runner = CliRunner()
    # A: budget 11 → {a, b}: g1 10, g2 10, objective 1 + 2 = 3, budget used 11.
    # B: budget 8 → {c, d} (cost 7): g2 5 + 5 = 10, g1 2, objective 2 + 0.2 = 2.2;
    #    the alternatives within 8 are worse: {a, c} = 1 + 1 = 2, {b} = 2, {a} = 1.
    for name, budget in (("a", 11), ("b", 8)):
        res = runner.invoke(
            cli, ["solve", str(TINY), "--set", f"limits.budget_musd={budget}", "--out", str(root / name)]
        )
        assert res.exit_code == 0, res.output
    return root / "a", root / "b"


def test_compare_by_hand(runs):
    c = compare_runs(*runs)
    assert [o.option_id for o in c.added] == ["c", "d"] and [o.option_id for o in c.removed] == ["a", "b"]
    assert c.kept == 0
    assert c.objective_a == pytest.approx(3.0) and c.objective_b == pytest.approx(2.2)
    assert c.objective_change == pytest.approx(-0.8)
    gaps = {g["gap_id"]: g for g in c.gaps}
    assert gaps["g1"]["covered_a"] == 10 and gaps["g1"]["covered_b"] == 2 and gaps["g1"]["change"] == -8
    assert gaps["g2"]["change"] == 0
    sectors = {s["sector_id"]: s for s in c.sectors}
    assert sectors["semis"]["change"] == -8 and sectors["minerals"]["fraction_b"] == 1.0
    res = {r["resource"]: r for r in c.resources}
    assert res["budget_musd"]["used_a"] == 11 and res["budget_musd"]["used_b"] == 7
    assert res["budget_musd"]["limit_b"] == 8 and res["budget_musd"]["change"] == -4
    assert not c.same_inputs


def test_compare_same_run_is_empty(runs):
    c = compare_runs(runs[0], runs[0])
    assert not c.added and not c.removed and c.objective_change == 0 and c.same_inputs
    assert all(g["change"] == 0 for g in c.gaps)


def test_cli_compare_json_text_and_out(runs, tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["compare", str(runs[0]), str(runs[1]), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["objective_change"] == pytest.approx(-0.8)
    res = runner.invoke(cli, ["compare", str(runs[0]), str(runs[1]), "--out", str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output
    assert "2 option(s) added, 2 removed" in res.output and "Coverage by sector" in res.output
    assert {p.name for p in (tmp_path / "cmp").iterdir()} == {
        ".planner-run",
        "compare.json",
        "compare_gaps.csv",
        "compare_sectors.csv",
        "compare_resources.csv",
    }


def test_compare_missing_files_listed(tmp_path, runs):
    (tmp_path / "empty").mkdir()
    res = CliRunner().invoke(cli, ["compare", str(tmp_path / "empty"), str(runs[0])])
    assert res.exit_code == 2
    assert "summary.json" in res.output and "portfolio.csv" in res.output and "coverage.csv" in res.output
