"""coverage.csv shows both weights: the gaps table's (`weight`) and the one the objective used
(`objective_weight` = gap weight × sector weight, after overrides), and check verifies both."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from planner.cli import cli

BASELINE = Path(__file__).resolve().parents[1] / "models" / "baseline.yaml"


def test_coverage_shows_table_and_objective_weight(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        cli,
        [
            "solve",
            str(BASELINE),
            "--set",
            "objective.sector_weights.ai=2",
            "--set",
            "objective.gap_weights.ai-frontier-compute=3",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = {r["gap_id"]: r for r in csv.DictReader((out / "coverage.csv").open(encoding="utf-8"))}
    # ai-frontier-compute: table weight 2.5, overridden to 3; sector ai overridden from 1.4 to 2 → 6
    assert float(rows["ai-frontier-compute"]["weight"]) == 2.5
    assert float(rows["ai-frontier-compute"]["objective_weight"]) == 6.0
    # ai-datacenter-power: table weight 2 × sector ai 2 → 4
    assert float(rows["ai-datacenter-power"]["objective_weight"]) == 4.0
    assert CliRunner().invoke(cli, ["check", str(out)]).exit_code == 0
    text = (out / "coverage.csv").read_text(encoding="utf-8").replace(",6.0,", ",5.0,", 1)
    (out / "coverage.csv").write_text(text, encoding="utf-8")
    assert CliRunner().invoke(cli, ["check", str(out)]).exit_code == 1
