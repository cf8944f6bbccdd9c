"""The independent checker: every shipped scenario's run recomputes; tampered runs do not."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.api import load_scenario, solve
from planner.results.audit import check_run
from planner.cli import cli
from planner.io.runfolder import write_run

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "models").glob("*.yaml"))
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def _run(tmp_path: Path, scenario: Path = TINY, overrides=()) -> Path:
    out = tmp_path / "run"
    write_run(solve(load_scenario(scenario, list(overrides))), out)
    return out


def _edit_csv(path: Path, row: int, column: str, value: str) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
        header = list(rows[0].keys()) if rows else []
    rows[row - 2][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _edit_summary(path: Path, **changes) -> None:
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("scenario", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_recomputes(tmp_path, scenario):
    out = tmp_path / "run"
    res = CliRunner().invoke(cli, ["solve", str(scenario), "--out", str(out), "--json"])
    assert res.exit_code in (0, 4), res.output
    res = CliRunner().invoke(cli, ["check", str(out), "--json"])
    report = json.loads(res.output)
    assert res.exit_code == 0, report["discrepancies"]
    assert report["ok"] and report["checked"] > 50


def test_tiny_run_holds_and_counts_figures(tmp_path):
    # tiny: budget 11, capacity 2 (every option uses 1, so at most two). a (cost 5) closes g1
    # (weight 1), b (cost 6) closes g2 (weight 2); c, d add only 5 to g2 (d also 2 to g1).
    # a+b costs exactly 11: objective 1·10/10 + 2·10/10 = 3; every other pair scores ≤ 2.2.
    out = _run(tmp_path)
    report = check_run(out)
    assert report.ok, report.discrepancies
    assert json.loads((out / "summary.json").read_text())["objective"] == 3.0


@pytest.mark.parametrize(
    "file, row, column, value",
    [
        ("coverage.csv", 2, "covered", "9.5"),
        ("coverage.csv", 3, "fraction", "0.5"),
        ("coverage.csv", 2, "size", "11"),
        ("coverage.csv", 3, "target", "4"),
        ("portfolio.csv", 2, "budget_musd", "4"),
        ("portfolio.csv", 3, "partner_id", "jpn"),
        ("portfolio.csv", 2, "partner_name", "Narnia"),
    ],
)
def test_a_tampered_table_cell_is_named(tmp_path, file, row, column, value):
    out = _run(tmp_path)
    _edit_csv(out / file, row, column, value)
    res = CliRunner().invoke(cli, ["check", str(out)])
    assert res.exit_code == 1, res.output
    assert f"{file}, row {row}, column {column}" in res.output


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"objective": 2.5}, "key objective"),
        ({"selected": 1}, "key selected"),
        (
            {
                "resources": {
                    "budget_musd": {"used": 10, "limit": 11.0},
                    "diplomatic_capacity": {"used": 2.0, "limit": 2.0},
                }
            },
            "key resources.budget_musd.used",
        ),
        ({"bound": 3.5}, "key bound"),  # 'optimal' with a bound 17 % away is not proven optimal
        ({"selected_ids": ["a"], "selected": 1}, "key selected_ids"),  # portfolio.csv still gives the objective
        ({"status": "infeasible"}, "key selected_ids"),  # infeasible runs have no portfolio
        ({"scenario": "other"}, "key scenario"),
    ],
)
def test_a_tampered_summary_is_named(tmp_path, changes, key):
    out = _run(tmp_path)
    _edit_summary(out / "summary.json", **changes)
    report = check_run(out)
    assert not report.ok
    assert any(key in d.where for d in report.discrepancies), report.discrepancies


def test_feasible_bound_on_the_wrong_side(tmp_path):
    from planner.solver.tiebreak import SUBSETS

    out = _run(tmp_path)
    stages = [
        {"stage": "primary", "status": "feasible", "seconds": 0.1},
        {"stage": "tie_break", "scope": SUBSETS, "status": "optimal", "seconds": 0.1},
    ]
    _edit_summary(out / "summary.json", status="feasible", bound=2.0, mip_gap=0.5, stages=stages)
    report = check_run(out)
    assert [d.where for d in report.discrepancies] == ["key bound"]


def test_selection_over_a_limit_is_caught(tmp_path):
    # Solve with budget 11 (both options, cost 11), then check against a scenario with budget 10.
    out = _run(tmp_path)
    report = check_run(out, TINY, ["limits.budget_musd=10"])
    msgs = [d.message for d in report.discrepancies]
    assert "the portfolio exceeds the limit on budget_musd" in msgs
    assert any(d.where == "key input_sha256" for d in report.discrepancies)


def test_unmet_target_and_forbidden_option_are_caught(tmp_path):
    out = _run(tmp_path)
    # Claim only 'a' was chosen while the scenario demands g2 be covered and forbids 'a'.
    _edit_summary(out / "summary.json", selected_ids=["a"], selected=1)
    with (out / "portfolio.csv").open() as fh:
        lines = fh.readlines()
    (out / "portfolio.csv").write_text("".join(line for line in lines if not line.startswith("b,")))
    report = check_run(out, TINY, ["objective.coverage_target=0.5", "rules.forbid=[a]"])
    msgs = " | ".join(d.message for d in report.discrepancies)
    assert "target of g2 is not met" in msgs
    assert "forbidden option" in msgs


def test_min_cost_objective(tmp_path):
    # min_cost, every gap ≥ 5 covered: g1 needs a (5; d gives only 2), g2 then cheapest by c (3): 8.
    out = _run(tmp_path, overrides=["objective.sense=min_cost", "objective.coverage_target=0.5"])
    assert json.loads((out / "summary.json").read_text())["objective"] == 8.0
    assert check_run(out).ok
    _edit_summary(out / "summary.json", objective=9.0)
    assert [d.where for d in check_run(out).discrepancies] == ["key objective"]


def test_infeasible_run_has_no_figures(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        cli,
        [
            "solve",
            str(TINY),
            "--set",
            "objective.coverage_target=1",
            "--set",
            "limits.budget_musd=6",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 3, res.output
    assert check_run(out).ok
    _edit_csv(out / "coverage.csv", 2, "covered", "1")
    assert [d.where for d in check_run(out).discrepancies] == ["row 2, column covered"]


def test_unreadable_run_folder_is_exit_2(tmp_path):
    out = _run(tmp_path)
    (out / "coverage.csv").unlink()
    res = CliRunner().invoke(cli, ["check", str(out)])
    assert res.exit_code == 2 and "coverage.csv" in res.output
    res = CliRunner().invoke(cli, ["check", str(tmp_path / "nowhere")])
    assert res.exit_code == 2 and "run folder not found" in res.output
    shutil.rmtree(out)
    out = _run(tmp_path)
    (out / "summary.json").write_text("{not json")
    res = CliRunner().invoke(cli, ["check", str(out), "--json"])
    assert res.exit_code == 2 and json.loads(res.output)["problems"][0]["file"].endswith("summary.json")


# ---------------------------------------------------------------- figures the audit used to pass (issue 18, defect 8)

RULES = ROOT / "tests" / "data" / "rules.yaml"
REPLAN_RESILIENCE = [
    "limits.budget_musd=20",
    'rules.resilience={"fraction": 0.2, "gaps": ["g1"]}',
    'replan={"incumbent": ["a", "c", "f"], "max_changes": 3, "drop_cost": {"budget_musd": 1}}',
]


@pytest.fixture(scope="module")
def replan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("replan") / "run"
    write_run(solve(load_scenario(RULES, REPLAN_RESILIENCE)), out)
    return out


def _bump(data: dict, path: str, change) -> None:
    keys = path.split(".")
    for k in keys[:-1]:
        data = data[k]
    data[keys[-1]] = change(data[keys[-1]])


@pytest.mark.parametrize(
    "path, change",
    [
        ("mip_gap", lambda v: 0.25),  # an optimum at gap setting 0 has gap 0
        ("rules_active", lambda v: v[:-1]),
        ("resilience.fraction", lambda v: v + 0.1),
        ("resilience.worst_partner", lambda v: "gbr" if v != "gbr" else "jpn"),
        ("resilience.worst_partner_loss", lambda v: v + 0.5),
        ("resilience.loss_by_partner.jpn", lambda v: v + 0.5),
        ("replan.incumbent", lambda v: v + 1),
        ("replan.max_changes", lambda v: v + 1),
        ("replan.drop_use.budget_musd", lambda v: v + 1),
        ("replan.clean_sheet.objective", lambda v: v + 0.5),  # re-solved: the clean sheet is an optimum
        ("replan.clean_sheet.selected", lambda v: v + 1),
        ("replan.clean_sheet.changes.added", lambda v: v + 1),
        ("replan.clean_sheet.price_of_stability", lambda v: v + 0.5),
    ],
)
def test_an_edited_reported_figure_is_named(replan_run, tmp_path, path, change):
    # Each of these keys was written but never compared: an edit passed `planner check`.
    out = tmp_path / "run"
    shutil.copytree(replan_run, out)
    assert check_run(out).ok
    data = json.loads((out / "summary.json").read_text())
    _bump(data, path, change)
    (out / "summary.json").write_text(json.dumps(data))
    report = check_run(out)
    assert any(d.file == "summary.json" and d.where == f"key {path}" for d in report.discrepancies), [
        str(d) for d in report.discrepancies
    ]


def test_a_bound_on_a_run_without_a_portfolio_is_caught(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(
        cli,
        [
            "solve",
            str(TINY),
            "--set",
            "objective.coverage_target=1",
            "--set",
            "limits.budget_musd=6",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 3, res.output
    _edit_summary(out / "summary.json", bound=3.0, mip_gap=0.0)
    assert {d.where for d in check_run(out).discrepancies} == {"key bound", "key mip_gap"}


def test_a_deleted_risk_column_is_named(tmp_path):
    out = _run(tmp_path)
    with (out / "portfolio.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    header = [c for c in rows[0] if c != "risk"]
    with (out / "portfolio.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    report = check_run(out)
    assert [(d.file, d.where) for d in report.discrepancies] == [("portfolio.csv", "column risk")]


def test_an_edited_scenario_json_is_blamed_on_it_not_on_the_figures(tmp_path):
    # budget 11 → 12 in scenario.json: the figures still recompute, but the run was not made with it
    out = _run(tmp_path)
    record = json.loads((out / "scenario.json").read_text())
    record["limits"]["budget_musd"] = 12.0
    (out / "scenario.json").write_text(json.dumps(record))
    files = {d.file for d in check_run(out).discrepancies}
    assert "scenario.json" in files


def test_the_gap_describes_the_objective_it_stands_beside():
    # CBC stopped by its time limit with an incumbent of cost 3294 and bound 3269.237 (min_cost); the
    # tie-break stage then found a sub-portfolio of cost 3283 (it may: cheaper, same coverage). The
    # run reports objective 3283, so its gap must be |3283 − 3269.237| / 3283, not the incumbent's
    # 0.0075 (which `planner check` rightly refused; seen on scp42 under load).
    from planner.solver.outcome import SolveOutcome, Status, relative_gap, reported_gap

    stopped = SolveOutcome(Status.FEASIBLE, None, 3294.0, 3269.237, relative_gap(3294.0, 3269.237), 1.0, "cbc")
    assert reported_gap(stopped, 3283.0) == pytest.approx((3283.0 - 3269.237) / 3283.0)
    assert reported_gap(stopped, 3294.0) == stopped.mip_gap  # nothing improved: the solver's own figure
    proven = SolveOutcome(Status.OPTIMAL, None, 3.0, 3.0, 0.0, 1.0, "highs")
    assert reported_gap(proven, 3.0 - 1e-7) == 0.0
