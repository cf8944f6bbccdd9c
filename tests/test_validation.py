"""Every class of bad input gives exit 2 and a message naming the file, row and column (or
the YAML key), the bad value and what would be valid; all problems are reported at once."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from planner.cli import cli


@pytest.fixture
def scenario(make_scenario) -> Path:
    # A valid scenario; each test breaks one thing. Rows: header is row 1, data from row 2.
    return make_scenario(
        options=[
            {"option_id": "a", "partner_id": "p1", "budget_musd": 5, "diplomatic_capacity": 1},
            {"option_id": "b", "partner_id": "p2", "budget_musd": 3, "diplomatic_capacity": 1},
            {"option_id": "c", "partner_id": "p1", "budget_musd": 4, "diplomatic_capacity": 2},
        ],
        gaps=[
            {"gap_id": "g1", "size": 10, "weight": 1, "target": ""},
            {"gap_id": "g2", "size": 5, "weight": 2, "target": 2},
        ],
        contributions=[("a", "g1", 10), ("b", "g2", 5), ("c", "g1", 3)],
        config={"limits": {"budget_musd": 8, "diplomatic_capacity": 3}},
    )


def table(scenario: Path, name: str) -> Path:
    return scenario.parent / "inputs" / f"{name}.csv"


def set_cell(scenario: Path, name: str, row: int, column: str, value: str) -> None:
    """Overwrite one cell; `row` is the spreadsheet row (header = 1)."""
    path = table(scenario, name)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def drop_column(scenario: Path, name: str, column: str) -> None:
    path = table(scenario, name)
    rows = list(csv.reader(path.open(encoding="utf-8")))
    k = rows[0].index(column)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([r[:k] + r[k + 1 :] for r in rows])


def edit_yaml(scenario: Path, change) -> None:
    data = yaml.safe_load(scenario.read_text())
    change(data)
    scenario.write_text(yaml.safe_dump(data))


def invoke(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_bad_input(result, *expected: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, f"{text!r} not in:\n{result.output}"
    return result.output


def test_valid_scenario_passes(scenario):
    result = invoke("validate", scenario)
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


def test_missing_table(scenario):
    table(scenario, "sectors").unlink()
    assert_bad_input(invoke("validate", scenario), "sectors.csv", "missing")


def test_missing_column(scenario):
    drop_column(scenario, "gaps", "size")
    assert_bad_input(invoke("validate", scenario), "gaps.csv", "row 1", "column size", "required column")


def test_duplicate_id(scenario):
    set_cell(scenario, "options", 3, "option_id", "a")
    assert_bad_input(invoke("validate", scenario), "options.csv, row 3, column option_id", "duplicate", "'a'", "row 2")


@pytest.mark.parametrize(
    "name, row, column, value, valid",
    [
        ("contributions", 3, "gap_id", "g9", "gaps.gap_id"),
        ("contributions", 4, "option_id", "zz", "options.option_id"),
        ("options", 2, "partner_id", "p9", "partners.partner_id"),
        ("gaps", 2, "sector_id", "s9", "sectors.sector_id"),
    ],
)
def test_dangling_reference(scenario, name, row, column, value, valid):
    set_cell(scenario, name, row, column, value)
    assert_bad_input(invoke("validate", scenario), f"{name}.csv, row {row}, column {column}", f"'{value}'", valid)


@pytest.mark.parametrize(
    "name, row, column, value, message",
    [
        ("options", 2, "budget_musd", "five", "not a number"),
        ("gaps", 3, "size", "", "a number is required"),
        ("contributions", 2, "amount", "-1", "≥ 0"),
        ("options", 4, "diplomatic_capacity", "-2", "≥ 0"),
        ("gaps", 2, "size", "0", "> 0"),
        ("gaps", 2, "size", "nan", "finite"),
        ("contributions", 3, "amount", "inf", "finite"),
        ("gaps", 3, "weight", "-inf", "finite"),
    ],
)
def test_bad_number(scenario, name, row, column, value, message):
    set_cell(scenario, name, row, column, value)
    assert_bad_input(invoke("validate", scenario), f"{name}.csv, row {row}, column {column}", message)


def test_target_above_size(scenario):
    set_cell(scenario, "gaps", 3, "target", "6")  # g2 has size 5
    assert_bad_input(invoke("validate", scenario), "gaps.csv, row 3, column target", "≤ size (5)", "'6'")


def test_limited_resource_not_an_options_column(scenario):
    edit_yaml(scenario, lambda d: d["limits"].update(staff=4))
    out = assert_bad_input(invoke("validate", scenario), "key limits.staff", "'staff'", "options.csv")
    assert "budget_musd" in out  # names the columns that could be resources


def test_cost_resource_not_an_options_column(scenario):
    out = assert_bad_input(
        invoke("validate", scenario, "--set", "objective.cost_resource=euros"), "key objective.cost_resource", "'euros'"
    )
    assert "diplomatic_capacity" in out


def test_header_only_table(scenario):
    table(scenario, "partners").write_text("partner_id,name\n")
    assert_bad_input(invoke("validate", scenario), "partners.csv", "no data rows")


def test_empty_file(scenario):
    table(scenario, "contributions").write_text("")
    assert_bad_input(invoke("validate", scenario), "contributions.csv", "empty")


@pytest.mark.parametrize(
    "change, key, suggestion",
    [
        (lambda d: d["objective"].update(sens="min_cost"), "objective.sens", "did you mean 'sense'?"),
        (lambda d: d.update(limts={"budget_musd": 3}), "limts", "did you mean 'limits'?"),
        (lambda d: d.update(solver={"time_limit": 5}), "solver.time_limit", "did you mean 'time_limit_s'?"),
    ],
)
def test_unknown_yaml_key_suggests_nearest(scenario, change, key, suggestion):
    edit_yaml(scenario, change)
    assert_bad_input(invoke("validate", scenario), f"key {key}", "unknown key", suggestion, "scenario.yaml")


@pytest.mark.parametrize(
    "setting, expected",
    [
        ("limits.budget_musd", ["--set", "KEY=VALUE"]),
        ("=5", ["--set", "KEY must be a dotted path"]),
        ("limits.budget_musd=lots", ["key limits.budget_musd", "'lots'"]),
        ("objective.sense=maximize", ["key objective.sense", "max_coverage", "min_cost"]),
        ("name.first=x", ["key name.first", "'name' is not a mapping"]),
        ("limits.budget_musd=-5", ["key limits.budget_musd", "≥ 0"]),
        ("solver.mip_gap=[1", ["key solver.mip_gap", "not valid YAML"]),
    ],
)
def test_bad_set_option(scenario, setting, expected):
    assert_bad_input(invoke("solve", scenario, "--set", setting, "--out", scenario.parent / "out"), *expected)
    assert not (scenario.parent / "out").exists()


def test_every_problem_reported_at_once(scenario):
    set_cell(scenario, "options", 2, "budget_musd", "five")
    set_cell(scenario, "contributions", 4, "amount", "-3")
    set_cell(scenario, "gaps", 3, "target", "6")
    out = assert_bad_input(
        invoke("validate", scenario),
        "options.csv, row 2, column budget_musd",
        "contributions.csv, row 4, column amount",
        "gaps.csv, row 3, column target",
    )
    assert "3 input problem(s)" in out


def test_two_config_problems_at_once(scenario):
    edit_yaml(scenario, lambda d: d.update(limts=1, objective={"sense": "most"}))
    assert_bad_input(invoke("validate", scenario), "key limts", "key objective.sense", "2 input problem(s)")


def test_config_and_table_problems_together(scenario):
    edit_yaml(scenario, lambda d: d["limits"].update(staff=4))
    set_cell(scenario, "contributions", 2, "amount", "lots")
    assert_bad_input(
        invoke("validate", scenario),
        "key limits.staff",
        "contributions.csv, row 2, column amount",
        "2 input problem(s)",
    )


def test_solve_rejects_bad_input_before_solving(scenario):
    set_cell(scenario, "options", 3, "budget_musd", "x")
    out_dir = scenario.parent / "out"
    assert_bad_input(invoke("solve", scenario, "--out", out_dir), "options.csv, row 3, column budget_musd")
    assert not out_dir.exists()


def test_json_problems_are_structured(scenario):
    set_cell(scenario, "options", 2, "budget_musd", "five")
    set_cell(scenario, "contributions", 3, "gap_id", "g9")
    result = invoke("validate", scenario, "--json")
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["status"] == "error"
    found = {(Path(p["file"]).name, p["row"], p["column"], p["value"]) for p in data["problems"]}
    assert found == {("options.csv", 2, "budget_musd", "five"), ("contributions.csv", 3, "gap_id", "g9")}


def test_missing_scenario_file(tmp_path):
    assert_bad_input(invoke("validate", tmp_path / "nope.yaml"), "nope.yaml", "not found")


def test_missing_inputs_folder(scenario):
    edit_yaml(scenario, lambda d: d.update(inputs="elsewhere"))
    assert_bad_input(invoke("validate", scenario), "elsewhere", "key inputs")


def test_ids_that_outputs_would_change_are_refused(scenario):
    # Issue 18, defect 10: outputs write text a spreadsheet runs as a formula with a ' in front
    # (planner.io.safety.neutralise), so option ids `=b` and `'=b` were both written `'=b` and
    # `planner check` blamed correct runs. An id must read back from the outputs as itself.
    set_cell(scenario, "options", 3, "option_id", "=b")
    set_cell(scenario, "contributions", 3, "option_id", "=b")
    set_cell(scenario, "options", 4, "option_id", "'=b")
    set_cell(scenario, "contributions", 4, "option_id", "'=b")
    set_cell(scenario, "partners", 2, "partner_id", "@p1")
    set_cell(scenario, "options", 2, "partner_id", "@p1")
    set_cell(scenario, "options", 4, "partner_id", "@p1")
    out = assert_bad_input(
        invoke("validate", scenario),
        "options.csv, row 3, column option_id",
        "'=b'",
        "options.csv, row 4, column option_id",
        '"\'=b"',
        "partners.csv, row 2, column partner_id",
        "'@p1'",
        "may not start with = + - @ or '",
        "start it with a letter",
    )
    assert "3 input problem(s)" in out  # the references to them are not reported again
    data = json.loads(invoke("validate", scenario, "--json").output)
    assert {(p["row"], p["column"], p["value"]) for p in data["problems"]} == {
        (3, "option_id", "=b"),
        (4, "option_id", "'=b"),
        (2, "partner_id", "@p1"),
    }


@pytest.mark.parametrize("ident", ["-3", "+7", "b-1", "b=1", "b'", "_b", "Ærø"])
def test_ids_that_read_back_are_accepted(scenario, ident):
    # A plain number is not a formula (written as is); only the first character matters.
    set_cell(scenario, "options", 3, "option_id", ident)
    set_cell(scenario, "contributions", 3, "option_id", ident)
    result = invoke("validate", scenario)
    assert result.exit_code == 0, result.output
