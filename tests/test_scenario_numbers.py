"""Every number of a scenario is bounded like a table cell (issue 18, defect 5).

`--set objective.gap_weights.X=1e308` once gave exit 0, status optimal and `"objective":
Infinity`. Now every numeric key of the scenario file obeys the table cells' rule
(`planner.inputs.schema.number_problem`: finite, |value| ≤ 1e12, its own bounds): a bad value
is exit 2 naming the key path, the value and the valid range. Objective coefficients made of
valid numbers (weight × sector weight / size) that the solver would read as infinite are
refused too, at validation and for sweep points that skip it.
"""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from planner.cli import cli


def strict_loads(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity (which Python would accept)."""

    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def scenario(make_scenario) -> Path:
    # Two gaps (g1 size 10, g2 size 5) in sector s1; a (cost 5) covers g1, b (cost 3) covers g2.
    return make_scenario(
        options=[
            {"option_id": "a", "budget_musd": 5, "diplomatic_capacity": 1},
            {"option_id": "b", "budget_musd": 3, "diplomatic_capacity": 1},
        ],
        gaps=[{"gap_id": "g1", "size": 10, "weight": 1}, {"gap_id": "g2", "size": 5, "weight": 2}],
        contributions=[("a", "g1", 10), ("b", "g2", 5)],
        config={"limits": {"budget_musd": 8, "diplomatic_capacity": 3}},
    )


def test_the_reported_case_is_refused_as_strict_json(scenario, tmp_path):
    result = invoke("solve", scenario, "--set", "objective.gap_weights.g1=1e308", "--json", "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    (problem,) = strict_loads(result.stdout)["problems"]
    assert problem["key"] == "objective.gap_weights.g1"
    assert problem["value"] == "1e308"
    assert "≤ 1e12" in problem["message"] and "≥ 0" in problem["message"]
    assert not (tmp_path / "run").exists()


# (--set KEY=VALUE, the key path named, a piece of the valid range). Values are YAML: .nan / .inf
# are NaN and infinity; 1e13 without a dot is text that reads as a number.
BAD = [
    ("objective.gap_weights.g1=1e308", "objective.gap_weights.g1", "≤ 1e12"),
    ("objective.sector_weights.s1=.inf", "objective.sector_weights.s1", "finite"),
    ("objective.risk_penalty=.nan", "objective.risk_penalty", "finite"),
    ("objective.coverage_target=1.5", "objective.coverage_target", "≤ 1"),
    ("limits.budget_musd=1e13", "limits.budget_musd", "≤ 1e12"),
    ("limits.budget_musd=-.inf", "limits.budget_musd", "finite"),
    ("solver.time_limit_s=1e300", "solver.time_limit_s", "≤ 1e12"),
    ("solver.mip_gap=.nan", "solver.mip_gap", "≤ 1"),
    ("solver.threads=1e308", "solver.threads", "whole number ≥ 1"),
    ("uncertainty.seed=1e13", "uncertainty.seed", "≤ 1e12"),
    ("uncertainty.core=.inf", "uncertainty.core", "≤ 1"),
    (
        "uncertainty.perturb=[{table: gaps, column: weight, low: 0.5, high: 1e300}]",
        "uncertainty.perturb[0].high",
        "≤ 1e12",
    ),
    ("diagnose.weights.limit=1e13", "diagnose.weights.limit", "> 0"),
    ("rules.groups=[{select: {options: [a]}, max_options: 1e13}]", "rules.groups[0].max_options", "whole number"),
    (
        "rules.groups=[{select: {options: [a]}, max_use: {budget_musd: 1e20}}]",
        "rules.groups[0].max_use.budget_musd",
        "≤ 1e12",
    ),
    ("rules.max_options.default=1e15", "rules.max_options.default", "≤ 1e12"),
    ("rules.risk.max_total=.inf", "rules.risk.max_total", "finite"),
    ("rules.standards_bonus=[{sector: s1, min_partners: 1, bonus: 1e300}]", "rules.standards_bonus[0].bonus", "> 0"),
    ("rules.resilience.fraction=.nan", "rules.resilience.fraction", "≤ 1"),
    ("replan.incumbent=[a]", None, None),  # (valid: the next lines reuse it)
    ("replan={incumbent: [a], max_changes: 1e13}", "replan.max_changes", "≤ 1e12"),
    ("replan={incumbent: [a], drop_cost: {budget_musd: .inf}}", "replan.drop_cost.budget_musd", "finite"),
    ("robust.gap_weights.g1=[1, 1e300]", "robust.gap_weights.g1[1]", "≤ 1e12"),
    ("robust.max_portfolios=1e13", "robust.max_portfolios", "≤ 1e12"),
]


@pytest.mark.parametrize("setting, key, valid", [b for b in BAD if b[1]])
def test_a_scenario_number_out_of_bounds_is_exit_2_naming_key_value_and_range(scenario, setting, key, valid):
    result = invoke("validate", scenario, "--set", setting, "--json")
    assert result.exit_code == 2, result.output
    problems = strict_loads(result.stdout)["problems"]
    mine = [p for p in problems if p["key"] == key]
    assert mine, problems
    assert valid in mine[0]["message"] and "must be" in mine[0]["message"]
    assert mine[0]["value"] not in (None, "")  # the bad value is shown
    text = invoke("validate", scenario, "--set", setting)
    assert text.exit_code == 2 and f"key {key}:" in text.output and "Traceback" not in text.output


def test_the_bounds_are_the_table_cells_bounds(scenario):
    from planner.inputs.schema import MAX_ABS, number_problem

    # 1e12 itself is valid in a cell and in the scenario; the next float above it is not.
    assert number_problem(MAX_ABS, lo=0) is None
    assert number_problem(1e12 * (1 + 1e-15), lo=0) is not None
    assert invoke("validate", scenario, "--set", "limits.budget_musd=1000000000000.0").exit_code == 0
    assert invoke("validate", scenario, "--set", "limits.budget_musd=1000000000001.0").exit_code == 2


def _numbers(annotation, bounded: bool, path: str, out: list) -> None:
    """(path, bounded) for each int/float leaf of an annotation, models followed."""
    from planner.inputs import config_numbers

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, field in annotation.model_fields.items():
            ok = any(
                getattr(m, "func", None) and getattr(m.func, "__module__", "") == config_numbers.__name__
                for m in field.metadata
            )
            _numbers(field.annotation, ok, f"{path}.{name}", out)
        return
    if annotation in (int, float):
        out.append((path, bounded))
        return
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        ok = bounded or any(getattr(m, "func", None) and m.func.__module__ == config_numbers.__name__ for m in meta)
        _numbers(base, ok, path, out)
        return
    for arg in typing.get_args(annotation):
        _numbers(arg, bounded, path, out)


def test_every_number_of_the_scenario_file_is_bounded():
    """A numeric key added without `config_numbers.Number`/`Whole` would escape the bound."""
    from planner.inputs.config import ScenarioConfig

    found: list = []
    _numbers(ScenarioConfig, False, "", found)
    assert len(found) > 40  # the walk reaches every section
    unbounded = [p for p, ok in found if not ok]
    assert not unbounded, unbounded


def test_objective_weights_the_solver_would_read_as_infinite_are_refused(scenario, tmp_path):
    # gap weight 1e12 × sector weight 1e12 / size 10 = 1e23 per unit covered: each number is
    # valid, their quotient is past HiGHS's infinite cost (1e20). Before: exit 0, "optimal",
    # objective 1e24 against a bound of 1e12.
    sets = ["--set", "objective.gap_weights.g1=1000000000000.0", "--set", "objective.sector_weights.s1=1000000000000.0"]
    for command in ("validate", "solve"):
        args = [command, scenario, *sets, "--json"] + (["--out", tmp_path / "run"] if command == "solve" else [])
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        (problem,) = strict_loads(result.stdout)["problems"]
        assert problem["file"].endswith("gaps.csv") and problem["row"] == 2 and problem["column"] == "size"
        assert "g1" in problem["message"] and "1e+23" in problem["message"] and "1e15" in problem["message"]


def test_a_sweep_point_past_the_solver_range_is_refused(scenario, tmp_path):
    # The sweep's settings-only points skip validation; the objective's one formula refuses them.
    result = invoke(
        "sweep",
        scenario,
        "--set",
        "objective.gap_weights.g1=1000000000000.0",
        "--vary",
        "objective.sector_weights.s1=1,1000000000000.0",
        "--workers",
        "1",
        "--out",
        tmp_path / "sweep",
        "--json",
    )
    assert result.exit_code == 2, result.output
    assert "value per unit covered" in result.output


def test_a_tiny_size_is_refused_not_divided_into_infinity(scenario):
    path = scenario.parent / "inputs" / "gaps.csv"
    path.write_text(path.read_text().replace("g1,s1,g1,10,", "g1,s1,g1,1e-320,"))
    result = invoke("validate", scenario, "--json")
    assert result.exit_code == 2, result.output
    (problem,) = strict_loads(result.stdout)["problems"]
    assert (problem["row"], problem["column"]) == (2, "size") and "= inf" in problem["message"]


def test_the_web_answers_422_through_the_same_validation(tmp_path):
    from serve_helpers import client, copy_project

    api, _ = client(copy_project(tmp_path))
    r = api.post("/api/solve", json={"set": ["objective.gap_weights.ai-frontier-compute=1e308"]})
    assert r.status_code == 422, r.text[:300]
    (problem,) = strict_loads(r.text)["problems"]
    assert problem["key"] == "objective.gap_weights.ai-frontier-compute" and "≤ 1e12" in problem["message"]
