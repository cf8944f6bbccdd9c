"""The CLI's tables show names where `planner solve` does: compare's options, partners,
sectors and gaps, the sweep's resource column; ids in the solve table stay whole."""

import json
import re

import pytest
from click.testing import CliRunner
from rich.console import Console

from planner import SolveOptions, load_scenario, solve
from planner.cli import cli
from planner.cli.display import print_result

BASE = "models/baseline.yaml"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    for name, extra in (("base", []), ("cut", ["--set", "limits.budget_musd=3360"])):
        result = CliRunner().invoke(cli, ["solve", BASE, *extra, "--out", str(root / name)])
        assert result.exit_code == 0, result.output
    return root


def test_compare_shows_names_like_solve(runs):
    result = CliRunner().invoke(cli, ["compare", str(runs / "base"), str(runs / "cut")])
    assert result.exit_code == 0, result.output
    out = result.output
    # an added option by name and id (cells may wrap), its partner and sector by name
    assert "(bra-minerals-standards)" in out and "traceability standard" in out
    assert re.search(r"│ Brazil +│", out) and "Critical minerals and rare earths" in out
    assert not re.search(r"│ (bra|minerals) +│", out)  # no bare partner/sector ids
    assert "Rare-earth separation" in out and "(minerals-ree-separation)" in out  # a gap, by name and id


def test_compare_json_has_no_display_names(runs):
    result = CliRunner().invoke(cli, ["compare", str(runs / "base"), str(runs / "cut"), "--json"])
    assert result.exit_code == 0, result.output
    assert "names" not in json.loads(result.output)


def test_sweep_header_names_the_resource(tmp_path):
    args = [
        "sweep",
        BASE,
        "--vary",
        "limits.budget_musd=3000:4800:1800",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "s"),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "budget (M$) limit" in result.output and "limits.budget_musd" not in result.output


def test_solve_table_keeps_option_ids_whole_in_a_narrow_terminal():
    result = solve(load_scenario(BASE), SolveOptions())
    console = Console(width=80, record=True)
    print_result(result, console=console)
    text = console.export_text()
    for option_id in result.portfolio["option_id"]:
        assert re.search(rf"│ {re.escape(option_id)} +│", text), option_id
