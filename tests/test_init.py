"""`planner init`: the new scenario validates and solves as written, in CSV and in xlsx.

The example row is one option using 300 of 1000 budget and 2 of 10 capacity that closes
40 of a gap of size 100 (gap and sector weight 1): objective 1 · 1 · 40/100 = 0.4.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from planner.cli import cli
from planner.inputs.read import TABLES
from planner.inputs.scaffold import COLUMNS


@pytest.mark.parametrize("xlsx", [False, True], ids=["csv", "xlsx"])
def test_init_then_validate_and_solve(tmp_path, xlsx):
    runner = CliRunner()
    folder = tmp_path / "japan-semis"
    res = runner.invoke(cli, ["init", str(folder), "--json"] + (["--xlsx"] if xlsx else []))
    assert res.exit_code == 0, res.output
    made = json.loads(res.output)
    scenario = folder / "models" / "japan-semis.yaml"
    assert made["scenario"] == str(scenario)
    res = runner.invoke(cli, ["validate", str(scenario)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["solve", str(scenario), "--out", str(tmp_path / "run"), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(0.4)
    assert summary["selected_ids"] == ["jpn-semis-packaging"]
    if xlsx:
        wb = load_workbook(folder / "inputs" / "japan-semis.xlsx")
        assert wb.sheetnames == [*TABLES, "columns"]
        assert [c.value for c in wb["options"][1]] == [c[0] for c in COLUMNS["options"]]
        assert wb["options"]["F2"].value == 300 and wb["options"].freeze_panes == "A2"
    else:
        header = (folder / "inputs" / "japan-semis" / "gaps.csv").read_text().splitlines()[0]
        assert header == "gap_id,sector_id,name,size,weight,target,critical"
        assert "| `amount` | yes |" in (folder / "inputs" / "japan-semis" / "COLUMNS.md").read_text()


def test_init_never_replaces_files_without_force(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["init", str(tmp_path), "--name", "plan"]).exit_code == 0
    options = tmp_path / "inputs" / "plan" / "options.csv"
    options.write_text("edited by an analyst\n")
    res = runner.invoke(cli, ["init", str(tmp_path), "--name", "plan"])
    assert res.exit_code == 2 and "--force" in res.output
    assert options.read_text() == "edited by an analyst\n"
    assert runner.invoke(cli, ["init", str(tmp_path), "--name", "plan", "--force"]).exit_code == 0
    assert options.read_text().startswith("option_id,")
    assert not [p for p in (tmp_path / "inputs" / "plan").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("name", ["..", "../escape", "a b", "x/y"])
def test_init_refuses_names_that_are_not_plain(tmp_path, name):
    res = CliRunner().invoke(cli, ["init", str(tmp_path / "s"), "--name", name])
    assert res.exit_code == 2 and "scenario name" in res.output
    assert not (tmp_path / "s").exists() and not (tmp_path / "escape.yaml").exists()
