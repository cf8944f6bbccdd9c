"""Monte Carlo: the unperturbed plan's own value on every draw (`base_objective`, summary `base_plan`).

tiny (budget 11, capacity 2): the unperturbed optimum is {a, b} (objective 3). Perturbing only the
contribution amounts keeps {a, b} feasible on every draw, so on each draw the re-optimised objective
(that draw's best plan) is at least the base plan's, and the base plan's value is exactly what the
model's numpy face (`evaluate`) gives for {a, b} on that draw's tables.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.api import load_scenario
from planner.cli import cli
from planner.inputs.config import Perturbation
from planner.results.evaluation import evaluate
from planner.sensitivity.montecarlo import MonteCarloOptions, distribution, run_montecarlo
from planner.sensitivity.perturb import sample_tables
from planner.sensitivity.points import perturbed
from planner.sensitivity.write import write_montecarlo

TINY = Path(__file__).parent / "data" / "tiny.yaml"
AMOUNTS = Perturbation(table="contributions", column="amount", dist="uniform", low=0.5, high=1.5)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("mc") / "run"
    scenario = load_scenario(TINY)
    result = run_montecarlo(scenario, MonteCarloOptions(samples=12, seed=3, perturb=[AMOUNTS], workers=1))
    write_montecarlo(result, out)
    return scenario, result, out


def test_base_objective_is_the_base_plan_scored_on_each_draw(run):
    scenario, outcome, _ = run
    base = outcome.summary["base"]
    assert sorted(base["selected"]) == ["a", "b"] and base["objective"] == pytest.approx(3.0)
    frame = outcome.tables["montecarlo_objective.csv"]
    assert list(frame.columns[:4]) == ["sample", "status", "objective", "base_objective"]
    for i, row in frame.iterrows():
        draw = perturbed(scenario, sample_tables(scenario, [AMOUNTS], 3, i))
        assert row["base_objective"] == pytest.approx(evaluate(draw, ["a", "b"]).objective, abs=1e-9)
        assert row["base_objective"] <= row["objective"] + 1e-9  # the draw's own optimum is never worse
    stats = distribution(frame["base_objective"].tolist())
    assert outcome.summary["base_plan"] == pytest.approx(stats)


def test_check_verifies_base_objective_and_catches_an_edit(run, tmp_path):
    _, _, out = run
    res = CliRunner().invoke(cli, ["check", str(out), "--json"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader((out / "montecarlo_objective.csv").open()))
    rows[2]["base_objective"] = str(float(rows[2]["base_objective"]) + 0.25)
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in out.iterdir():
        if f.is_file():
            (bad / f.name).write_bytes(f.read_bytes())
    with (bad / "montecarlo_objective.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    res = CliRunner().invoke(cli, ["check", str(bad), "--json"])
    assert res.exit_code != 0
    found = json.loads(res.output)["discrepancies"]
    assert any(d["file"] == "montecarlo_objective.csv" and d.get("field") == "base_objective" for d in found), found


def test_report_labels_the_mean_and_shows_the_base_plan(run):
    from planner.report.export import export_run

    _, outcome, out = run
    text = export_run(out, "md", force=True).path.read_text()
    plan = outcome.summary["base_plan"]
    assert "Re-optimised per sample (each sample's own best plan)" in text
    assert "Unperturbed plan under the perturbations (held fixed)" in text
    assert f"mean {plan['mean']:.4g}"[:9] in text
