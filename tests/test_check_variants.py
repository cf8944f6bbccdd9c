"""`planner check` agrees with every run `planner solve` writes, over seeded random settings,
and still catches an edited figure.

Each variant draws, from a seeded generator, settings an analyst changes: sector and gap
weights, the risk penalty, a coverage target, limits, the objective sense, and rule
families (every registered family appears in some variant, phasing included). The run is
written by the CLI, `planner check` must exit 0 on it, then one figure is edited (the
objective, a covered amount, a resource's use, the gap, the active rule families, or a rule
family's own figure: N-1 resilience's loss, a re-plan's drop use or clean-sheet objective)
and `planner check` must exit 1.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.model.rules import family_names

ROOT = Path(__file__).resolve().parents[1]
RULES_YAML = ROOT / "tests" / "data" / "rules.yaml"
BASELINE = ROOT / "models" / "baseline.yaml"
N_VARIANTS = 52

# One rule section per family on the shared 8-option case (tests/data/rules: partners jpn,
# aus, uae, gbr; gaps g1 semis, g2 minerals, g3 ai; options a..h).
RULE_CASES = {
    "require": {"require": ["a"]},
    "forbid": {"forbid": ["b"]},
    "requires": {"requires": [{"option": ["c"], "needs_any": ["a", "d"]}]},
    "excludes": {"excludes": [{"options": ["a", "b", "e"], "at_most": 1}]},
    "groups": {"groups": [{"select": {"partner": ["jpn"]}, "max_options": 2, "name": "japan"}]},
    "max_options": {"max_options": {"default": 2, "partners": {"uae": 1}}},
    "min_fraction": {"min_fraction": {"sectors": {"semis": 0.2}, "gaps": {"g3": 0.1}}},
    "diversify": {"diversify": [{"sector": "semis", "min_partners": 1, "max_partner_share": 0.9}]},
    "risk": {"risk": {"max_total": 1.5, "max_per_bloc": {"GCC": 0.6}}},
    "resilience": {"resilience": {"fraction": 0.2, "gaps": ["g1"]}},
    "diminishing_returns": {
        "diminishing_returns": [{"segments": [{"upto": 0.5, "value": 0.7}, {"upto": 1.0, "value": 0.3}]}]
    },
    "standards_bonus": {"standards_bonus": [{"sector": "ai", "min_partners": 2, "bonus": 0.4}]},
    "phasing": {"phasing": {"start": 2027, "end": 2028, "per_year": {"budget_musd": 12}, "value": "horizon"}},
    "replan": {"replan": {"incumbent": ["a", "c", "f"], "max_changes": 3, "drop_cost": {"budget_musd": 1}}},
}
TOP_LEVEL = {"replan"}  # sections beside rules:, not under it


def variant(seed: int) -> tuple[Path, list[str]]:
    """(scenario, --set overrides) of variant `seed`."""
    rng = np.random.default_rng(seed)
    sets: list[str] = []
    if seed % 4 == 3:  # the shipped baseline with changed weights and limits
        scenario = BASELINE
        for sector in rng.choice(["ai", "semis", "quantum", "robotics-drones", "cyber", "minerals"], 2, replace=False):
            sets.append(f"objective.sector_weights.{sector}={round(float(rng.uniform(0.2, 3.0)), 3)}")
        sets.append(f"objective.gap_weights.ai-frontier-compute={round(float(rng.uniform(0, 4)), 3)}")
        sets.append(f"objective.risk_penalty={round(float(rng.choice([0, 0.5, 2.0])), 2)}")
        sets.append(f"limits.diplomatic_capacity={int(rng.integers(8, 20))}")
        sets.append(f"limits.budget_musd={int(rng.integers(1500, 4000))}")
        return scenario, sets
    scenario = RULES_YAML
    families = family_names()
    chosen = [families[seed % len(families)], *rng.choice(families, int(rng.integers(0, 3)), replace=False)]
    rules: dict = {}
    for family in dict.fromkeys(chosen):
        rules.update(RULE_CASES[family])
    sets += [f"{'' if k in TOP_LEVEL else 'rules.'}{k}={json.dumps(v)}" for k, v in rules.items()]
    sets.append(f"objective.sector_weights.semis={round(float(rng.uniform(0.5, 2.5)), 3)}")
    sets.append(f"objective.gap_weights.g2={round(float(rng.uniform(0, 3)), 3)}")
    sets.append(f"objective.risk_penalty={round(float(rng.choice([0, 0.3])), 2)}")
    sets.append(f"limits.budget_musd={int(rng.integers(10, 25))}")
    if rng.random() < 0.3:
        sets.append(f"objective.coverage_target={round(float(rng.choice([0.1, 0.2])), 2)}")
    if rng.random() < 0.25 and "phasing" not in rules:
        sets += ["objective.sense=min_cost", "objective.coverage_target=0.3"]
    return scenario, sets


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def edit_a_family_figure(out: Path, seed: int) -> str:
    """Change a figure a rule family adds to summary.json (else the active families); return what."""
    summary = json.loads((out / "summary.json").read_text())
    if summary.get("resilience"):
        summary["resilience"]["worst_partner_loss"] = (summary["resilience"]["worst_partner_loss"] or 0) + 0.5
        what = "resilience.worst_partner_loss"
    elif summary.get("replan", {}).get("clean_sheet") and seed % 2:
        summary["replan"]["clean_sheet"]["objective"] += 0.5
        what = "replan.clean_sheet.objective"
    elif summary.get("replan", {}).get("drop_use"):
        res = next(iter(summary["replan"]["drop_use"]))
        summary["replan"]["drop_use"][res] += 1
        what = f"replan.drop_use.{res}"
    else:
        summary["rules_active"] = summary["rules_active"][:-1] if summary["rules_active"] else ["risk"]
        what = "rules_active"
    (out / "summary.json").write_text(json.dumps(summary))
    return f"summary.json {what}"


def edit_a_figure(out: Path, seed: int) -> str:
    """Change one reported figure of the run folder; return what was changed."""
    which = seed % 5
    if which == 3:
        summary = json.loads((out / "summary.json").read_text())
        summary["mip_gap"] = 0.3  # a proven optimum at gap setting 0 has gap 0
        (out / "summary.json").write_text(json.dumps(summary))
        return "summary.json mip_gap"
    if which == 4:
        return edit_a_family_figure(out, seed)
    if which == 0:
        summary = json.loads((out / "summary.json").read_text())
        summary["objective"] = summary["objective"] + 0.25
        (out / "summary.json").write_text(json.dumps(summary))
        return "summary.json objective"
    if which == 1:
        rows = list(csv.DictReader((out / "coverage.csv").open(encoding="utf-8", newline="")))
        rows[0]["covered"] = str(float(rows[0]["covered"]) + 1.0)
        with (out / "coverage.csv").open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        return "coverage.csv covered"
    summary = json.loads((out / "summary.json").read_text())
    res = next(iter(summary["resources"]))
    summary["resources"][res]["used"] = summary["resources"][res]["used"] + 1
    (out / "summary.json").write_text(json.dumps(summary))
    return f"summary.json resources.{res}.used"


def test_every_family_appears_in_some_variant():
    seen = set()
    for seed in range(N_VARIANTS):
        _, sets = variant(seed)
        seen |= {s.split("=")[0].split(".")[1] for s in sets if s.startswith("rules.")}
        seen |= {s.split("=")[0] for s in sets if s.split("=")[0] in TOP_LEVEL}
    assert set(family_names()) <= seen


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(N_VARIANTS))
def test_check_agrees_with_solve_and_catches_an_edit(seed, tmp_path):
    scenario, sets = variant(seed)
    overrides = [a for s in sets for a in ("--set", s)]
    out = tmp_path / "run"
    solved = run("solve", scenario, *overrides, "--out", out, "--json")
    assert solved.exit_code in (0, 3), solved.output
    if solved.exit_code == 3:  # an infeasible variant: check judges a run without a portfolio
        checked = run("check", out)
        assert checked.exit_code == 0, checked.output
        return
    checked = run("check", out)
    assert checked.exit_code == 0, f"{sets}\n{checked.output}"
    copy = tmp_path / "edited"
    shutil.copytree(out, copy)
    what = edit_a_figure(copy, seed)
    caught = run("check", copy)
    assert caught.exit_code == 1, f"check missed an edited {what}: {caught.output}"
