"""What runs with rules write: start_year / forced_by in portfolio.csv, resources_by_year.csv,
N-1 columns in coverage.csv, rules_active and the resilience summary — and that every figure
recomputes from the portfolio (planner check), also on the shipped rule scenarios."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rules_support import RULES_YAML, rules_overrides

from planner.api import load_scenario, solve
from planner.model.assemble import build
from planner.results.audit import check_run
from planner.cli import cli
from planner.results.evaluation import evaluate
from planner.io.runfolder import write_run
from planner.model.rules import active_rules, family_names
from planner.solver import solve_model

REPO = Path(__file__).resolve().parent.parent
SHIPPED = ["gcc-ai-first", "resilient", "phased-2027-2030", "all-rules"]


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_run_folder_with_phasing_resilience_and_require(tmp_path):
    # The shared case (see test_rules_hand.py) with N-1 at .5 (forces {a, c, d, h}), h required,
    # and a two-year plan with two negotiations a year.
    rules = {
        "require": ["h"],
        "resilience": {"fraction": 0.5},
        "phasing": {"start": 2027, "end": 2028, "per_year": {"diplomatic_capacity": 2}, "spread": ["budget_musd"]},
    }
    overrides = rules_overrides(rules)
    result = solve(load_scenario(RULES_YAML, overrides))
    out = write_run(result, tmp_path / "run")
    assert {p.name for p in out.iterdir()} >= {"summary.json", "portfolio.csv", "coverage.csv", "resources_by_year.csv"}

    portfolio = {r["option_id"]: r for r in read_csv(out / "portfolio.csv")}
    assert set(portfolio) == {"a", "c", "d", "h"}
    assert portfolio["h"]["forced_by"] == "require" and portfolio["a"]["forced_by"] == ""
    years = [int(r["start_year"]) for r in portfolio.values()]
    assert sorted(years) == [2027, 2027, 2028, 2028]  # two talks a year

    by_year = read_csv(out / "resources_by_year.csv")
    assert list(by_year[0]) == ["year", "resource", "used", "limit"]
    dip = {int(r["year"]): float(r["used"]) for r in by_year if r["resource"] == "diplomatic_capacity"}
    assert dip == {2027: 2.0, 2028: 2.0}
    budget = sum(float(r["used"]) for r in by_year if r["resource"] == "budget_musd")
    assert budget <= 15  # spread spending; any after 2028 is outside the table

    coverage = {r["gap_id"]: r for r in read_csv(out / "coverage.csv")}
    assert float(coverage["g1"]["n1_covered"]) == 6 and coverage["g1"]["n1_worst_partner"] == "jpn"
    assert coverage["g3"]["n1_protected"] == "False"

    summary = json.loads((out / "summary.json").read_text())
    assert summary["rules_active"] == ["phasing", "require", "resilience"]
    assert summary["resilience"]["worst_partner"] == "jpn"

    report = check_run(out, RULES_YAML, overrides)
    assert report.ok, [str(d) for d in report.discrepancies]


def test_check_catches_a_wrong_start_year(tmp_path):
    overrides = rules_overrides(
        {"phasing": {"start": 2027, "end": 2028, "value": "horizon", "per_year": {"diplomatic_capacity": 2}}}
    )
    out = write_run(solve(load_scenario(RULES_YAML, overrides)), tmp_path / "run")
    text = (out / "portfolio.csv").read_text()
    (out / "portfolio.csv").write_text(text.replace(",2028,", ",2029,"))
    assert not check_run(out, RULES_YAML, overrides).ok


def test_check_catches_wrong_per_year_spending(tmp_path):
    overrides = rules_overrides(
        {"phasing": {"start": 2027, "end": 2028, "spread": ["budget_musd"], "per_year": {"diplomatic_capacity": 2}}}
    )
    out = write_run(solve(load_scenario(RULES_YAML, overrides)), tmp_path / "run")
    assert check_run(out, RULES_YAML, overrides).ok
    rows = read_csv(out / "resources_by_year.csv")
    rows[0]["used"] = str(float(rows[0]["used"]) + 1)
    with open(out / "resources_by_year.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    report = check_run(out, RULES_YAML, overrides)
    assert not report.ok and report.discrepancies[0].file == "resources_by_year.csv"


def test_rules_set_on_the_command_line(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "solve",
            str(RULES_YAML),
            "--set",
            "rules.require=[h]",
            "--set",
            "rules.max_options.default=1",
            "--out",
            str(tmp_path / "r"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert "h" in summary["selected_ids"] and summary["rules_active"] == ["require", "max_options"]


def test_contradictory_rules_exit_2_before_solving(tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "solve",
            str(RULES_YAML),
            "--set",
            "rules.require=[a]",
            "--set",
            "rules.forbid=[a]",
            "--out",
            str(tmp_path / "r"),
        ],
    )
    assert result.exit_code == 2 and "rules.require" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_rule_scenarios_recompute(name):
    # (tests/test_check.py also solves every shipped scenario and runs `planner check` on it)
    sc = load_scenario(REPO / "models" / f"{name}.yaml")
    outcome = solve_model(build(sc))
    assert outcome.status == "optimal"
    # the objective recomputed from the portfolio alone equals the solver's own value
    assert evaluate(sc, outcome.x, outcome.start_year).objective == pytest.approx(outcome.objective_solver, abs=1e-6)
    if name == "all-rules":
        assert active_rules(sc) == family_names()
