"""Invariants: more budget never lowers the objective; every figure a run writes recomputes
from portfolio.csv and the inputs. The recomputation here is written from the spec with the
csv module only: it shares no code with planner.results.evaluation."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from conftest import DATA, REPO
from planner import load_scenario, solve
from planner.cli import cli

BASELINE = REPO / "models" / "baseline.yaml"
TOL = 1e-6


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def num(text: str | None, default: float | None = None) -> float | None:
    return default if text is None or str(text).strip() == "" else float(text)


def recompute(scenario: Path, selected: list[str]) -> dict:
    """The spec's figures for a portfolio, from the scenario YAML and its CSV tables."""
    cfg = yaml.safe_load(scenario.read_text())
    assert "extends" not in cfg, "this recomputation reads one scenario file"
    inputs = scenario.parent / cfg["inputs"]
    objective = {
        "sense": "max_coverage",
        "cost_resource": "budget_musd",
        "risk_penalty": 0.0,
        "coverage_target": None,
        **(cfg.get("objective") or {}),
    }
    limits = cfg.get("limits") or {}
    options = {r["option_id"]: r for r in rows(inputs / "options.csv")}
    partners = {r["partner_id"]: r for r in rows(inputs / "partners.csv")}
    sector_w = {r["sector_id"]: num(r.get("weight"), 1.0) for r in rows(inputs / "sectors.csv")}
    gaps = rows(inputs / "gaps.csv")
    chosen = set(selected)
    amount: dict[str, float] = {}
    for c in rows(inputs / "contributions.csv"):
        if c["option_id"] in chosen:
            amount[c["gap_id"]] = amount.get(c["gap_id"], 0.0) + float(c["amount"])
    coverage, value = {}, 0.0
    for g in gaps:
        size = float(g["size"])
        covered = min(size, amount.get(g["gap_id"], 0.0))
        target = num(g.get("target"))
        if target is None and objective["coverage_target"] is not None:
            target = objective["coverage_target"] * size
        coverage[g["gap_id"]] = {
            "sector_id": g["sector_id"],
            "size": size,
            "covered": covered,
            "fraction": covered / size,
            "target": target or None,
        }
        value += num(g.get("weight"), 1.0) * sector_w[g["sector_id"]] * covered / size
    risk = sum(num(options[o].get("risk"), num(partners[options[o]["partner_id"]].get("risk"), 0.0)) for o in selected)
    value -= objective["risk_penalty"] * risk
    resources = list(dict.fromkeys([*limits, objective["cost_resource"]]))
    use = {r: sum(float(options[o][r]) for o in selected) for r in resources}
    if objective["sense"] == "min_cost":
        value = use[objective["cost_resource"]]
    return {
        "objective": value,
        "coverage": coverage,
        "use": use,
        "limits": limits,
        "options": options,
        "partners": partners,
    }


def check_run(scenario: Path, out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text())
    portfolio = rows(out / "portfolio.csv")
    coverage = rows(out / "coverage.csv")
    selected = [r["option_id"] for r in portfolio]
    ref = recompute(scenario, selected)
    assert summary["selected"] == len(selected) == len(set(selected))
    assert summary.get("selected_ids", selected) == selected
    assert summary["objective"] == pytest.approx(ref["objective"], abs=TOL)
    for r, use in ref["use"].items():
        assert summary["resources"][r]["used"] == pytest.approx(use, abs=TOL)
        assert summary["resources"][r]["limit"] == ref["limits"].get(r)
        if r in ref["limits"]:
            assert use <= ref["limits"][r] + TOL, f"{r} over its limit"
    for row in portfolio:  # each row repeats its option's inputs
        src = ref["options"][row["option_id"]]
        for col in ("partner_id", "sector_id", "kind"):
            assert row[col] == src[col]
        for r in ref["use"]:
            assert float(row[r]) == pytest.approx(float(src[r]), abs=TOL)
        assert row["partner_name"] == ref["partners"][src["partner_id"]]["name"]
    assert [r["gap_id"] for r in coverage] == list(ref["coverage"])
    for row in coverage:
        exp = ref["coverage"][row["gap_id"]]
        assert row["sector_id"] == exp["sector_id"]
        for col in ("size", "covered", "fraction"):
            assert float(row[col]) == pytest.approx(exp[col], abs=TOL), (row["gap_id"], col)
        assert num(row["target"]) == (None if exp["target"] is None else pytest.approx(exp["target"], abs=TOL))
        if exp["target"] is not None and summary["status"] in ("optimal", "feasible"):
            assert exp["covered"] >= exp["target"] - TOL, f"{row['gap_id']} misses its target"
    return summary


def rich_scenario(make_scenario) -> Path:
    # Sector weights, partner-inherited risk with a penalty, a gap target, two limits,
    # a contribution to another sector's gap, capped coverage.
    return make_scenario(
        options=[
            {
                "option_id": "a",
                "partner_id": "jp",
                "sector_id": "ai",
                "budget_musd": 40,
                "diplomatic_capacity": 2,
                "risk": 0.1,
            },
            {
                "option_id": "b",
                "partner_id": "kr",
                "sector_id": "ai",
                "budget_musd": 25,
                "diplomatic_capacity": 1,
                "risk": "",
            },
            {
                "option_id": "c",
                "partner_id": "jp",
                "sector_id": "semis",
                "budget_musd": 30,
                "diplomatic_capacity": 1,
                "risk": "",
            },
            {
                "option_id": "d",
                "partner_id": "tw",
                "sector_id": "semis",
                "budget_musd": 55,
                "diplomatic_capacity": 2,
                "risk": 0.6,
            },
            {
                "option_id": "e",
                "partner_id": "kr",
                "sector_id": "semis",
                "budget_musd": 10,
                "diplomatic_capacity": 1,
                "risk": 0.3,
            },
            {
                "option_id": "f",
                "partner_id": "tw",
                "sector_id": "ai",
                "budget_musd": 20,
                "diplomatic_capacity": 2,
                "risk": "",
            },
        ],
        partners=[
            {"partner_id": "jp", "name": "Japan", "risk": 0.1},
            {"partner_id": "kr", "name": "Korea", "risk": 0.2},
            {"partner_id": "tw", "name": "Taiwan", "risk": 0.5},
        ],
        sectors=[
            {"sector_id": "ai", "name": "AI", "weight": 1.5},
            {"sector_id": "semis", "name": "Semis", "weight": 2},
        ],
        gaps=[
            {"gap_id": "ai-compute", "sector_id": "ai", "size": 100, "weight": 2, "target": ""},
            {"gap_id": "ai-talent", "sector_id": "ai", "size": 40, "weight": 1, "target": 10},
            {"gap_id": "semis-fab", "sector_id": "semis", "size": 60, "weight": 1.5, "target": ""},
        ],
        contributions=[
            ("a", "ai-compute", 70),
            ("a", "ai-talent", 5),
            ("b", "ai-compute", 45),
            ("b", "ai-talent", 20),
            ("c", "semis-fab", 30),
            ("c", "ai-compute", 10),
            ("d", "semis-fab", 60),
            ("e", "semis-fab", 25),
            ("f", "ai-talent", 30),
            ("f", "ai-compute", 15),
        ],
        config={"limits": {"budget_musd": 120, "diplomatic_capacity": 6}, "objective": {"risk_penalty": 0.5}},
    )


@pytest.mark.parametrize("which", ["tiny", "rich", "rich-min-cost", "baseline"])
def test_every_output_figure_recomputes(which, make_scenario, tmp_path):
    if which == "tiny":
        scenario = DATA / "tiny.yaml"
    elif which == "baseline":
        scenario = BASELINE
    else:
        scenario = rich_scenario(make_scenario)
        if which == "rich-min-cost":
            cfg = yaml.safe_load(scenario.read_text())
            cfg["objective"] = {"sense": "min_cost", "coverage_target": 0.5}
            scenario.write_text(yaml.safe_dump(cfg))
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["solve", str(scenario), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = check_run(scenario, out)
    assert summary["status"] == "optimal" and summary["selected"] > 0


@pytest.mark.slow  # 12 baseline solves: ~5 s of CPU
@pytest.mark.parametrize(
    "resource, limits",
    [
        ("budget_musd", [0, 800, 1600, 2400, 3360, 4800, 9000]),
        ("diplomatic_capacity", [0, 10, 25, 42, 80]),
    ],
)
def test_more_of_a_resource_never_lowers_the_objective(resource, limits):
    # The baseline has gap targets, so the smallest limits may be infeasible; once a limit
    # is feasible every larger one must be, with an objective at least as high.
    objectives = []
    for limit in limits:
        result = solve(load_scenario(BASELINE, [f"limits.{resource}={limit}"]))
        if result.status == "infeasible":
            assert not objectives, f"{resource}={limit} infeasible after a feasible smaller limit"
            continue
        assert result.status == "optimal"
        assert result.resources[resource]["used"] <= limit + TOL
        objectives.append(result.objective)
    assert len(objectives) >= 3, "too few feasible limits to compare"
    assert all(b >= a - TOL for a, b in zip(objectives, objectives[1:])), objectives
    assert objectives[-1] > objectives[0]


def test_more_budget_on_a_small_scenario(make_scenario):
    # rich scenario: budgets from 0 to 200 in steps of 10, each objective ≥ the previous.
    scenario = rich_scenario(make_scenario)
    previous = None
    for budget in range(0, 201, 10):
        r = solve(load_scenario(scenario, [f"limits.budget_musd={budget}", "limits.diplomatic_capacity=20"]))
        if r.status == "infeasible":  # the ai-talent target needs budget; infeasible stays below
            assert previous is None
            continue
        assert r.status == "optimal"
        if previous is not None:
            assert r.objective >= previous - TOL, (budget, r.objective, previous)
        previous = r.objective
    assert previous is not None
