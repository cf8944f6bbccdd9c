"""`planner diagnose` on deliberately infeasible scenarios: it names the right limit or rule,
and applying each stated relaxation (by --set or by editing the table) makes
`planner.api.solve` find a portfolio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis_helpers import read_tables, write_scenario
from planner.analysis.diagnose import describe, diagnose
from planner.api import load_scenario, solve
from planner.cli import cli

TINY = Path(__file__).parent / "data" / "tiny.yaml"
BASELINE = Path(__file__).parent.parent / "models" / "baseline.yaml"


def _applied(path: Path, overrides: list[str], relaxations, folder: Path) -> str:
    """Status of the scenario with the relaxations applied (overrides and table edits)."""
    extra = [r.override for r in relaxations if r.override]
    edits = [r.edit for r in relaxations if r.edit]
    if edits:
        tables, cfg = read_tables(path)
        # keep the same overrides: apply them to the written config through load_scenario below
        for e in edits:
            table = Path(e["file"]).stem
            key = {"gaps": "gap_id", "partners": "partner_id", "options": "option_id"}[table]
            t = tables[table]
            t.loc[t[key] == e[key], e["column"]] = repr(float(e["value"]))
        path = write_scenario(folder, tables, cfg)
    return solve(load_scenario(path, [*overrides, *extra])).status


def _check(path: Path, overrides: list[str], tmp_path: Path, expect_rows: set[str]):
    sc = load_scenario(path, overrides)
    assert solve(sc).status == "infeasible"
    d = diagnose(sc)
    named = {r.row for r in d.alternatives} | {r.row for r in d.combined}
    assert expect_rows <= named | set(d.iis["rows"]), (named, d.iis)
    assert d.feasible_after is True
    assert _applied(path, overrides, d.combined, tmp_path / "combined") == "optimal"
    for k, r in enumerate(d.alternatives):
        assert r.verified
        assert _applied(path, overrides, [r], tmp_path / f"alt{k}") == "optimal", r
    return d


def test_required_options_exceed_both_limits(tmp_path):
    # Require a, b, c: cost 5 + 6 + 3 = 14 > 11, capacity 3 > 2. No single limit fixes it (both bind);
    # dropping any one requirement does. Weighted: budget +3/11 + capacity +1/2 = 0.773 < 1 (one require).
    ov = ["rules.require=[a, b, c]"]
    d = _check(TINY, ov, tmp_path, {"require_a", "require_b", "require_c"})
    assert {r.row for r in d.alternatives} == {"require_a", "require_b", "require_c"}
    assert [(r.row, r.new_bound) for r in d.combined] == [("limit_budget_musd", 14), ("limit_diplomatic_capacity", 3)]
    assert d.penalty == pytest.approx(3 / 11 + 1 / 2)
    assert set(d.iis["rows"]) == {"limit_diplomatic_capacity", "require_a", "require_b", "require_c"}
    text = " ".join(describe(d))
    assert "raise the budget limit from 11 M$ to 14 M$, and raise the diplomatic capacity limit from 2 to 3" in text


def test_weights_and_keep_steer_the_relaxation(tmp_path):
    ov = ["rules.require=[a, b, c]", "diagnose.weights.limit=10"]
    d = diagnose(load_scenario(TINY, ov))
    assert len(d.combined) == 1 and d.combined[0].family == "require"  # 1 < 10·0.773
    d = diagnose(load_scenario(TINY, ["rules.require=[a, b, c]", "diagnose.keep=[limit_budget_musd]"]))
    assert "limit_budget_musd" in d.kept and all(r.row != "limit_budget_musd" for r in d.combined + d.alternatives)


def _targets(tmp_path: Path, g1=None, g2=None, capacity=None) -> Path:
    tables, cfg = read_tables(TINY)
    gaps = tables["gaps"]
    for g, t in (("g1", g1), ("g2", g2)):
        if t is not None:
            gaps.loc[gaps["gap_id"] == g, "target"] = str(t)
    if capacity is not None:
        cfg["limits"]["diplomatic_capacity"] = capacity
    return write_scenario(tmp_path / "targets", tables, cfg)


def test_contradictory_targets(tmp_path):
    # Targets 10 on g1 and on g2 need a (the only full g1 cover) and b or c+d: capacity 1 allows one.
    # Alone: capacity 2 ({a, b}); target g1 → 0 ({b}); target g2 → 0 ({a}).
    path = _targets(tmp_path, g1=10, g2=10, capacity=1)
    d = _check(path, [], tmp_path, {"limit_diplomatic_capacity", "target_g1", "target_g2"})
    alts = {r.row: r.new_bound for r in d.alternatives}
    assert alts == {"limit_diplomatic_capacity": 2, "target_g1": 0, "target_g2": 0}


def test_target_above_what_partners_can_supply(tmp_path):
    # With a forbidden only d covers g1, with 2: a target of 10 on g1 cannot be met.
    # Alone: lower the target to 2, or drop the rule forbidding a.
    path = _targets(tmp_path, g1=10)
    d = _check(path, ["rules.forbid=[a]"], tmp_path, {"target_g1", "forbid_a"})
    alts = {r.row: r.new_bound for r in d.alternatives}
    assert alts["target_g1"] == 2 and "forbid_a" in alts
    assert any("lower the target on gap g1 from 10 to 2" in line for line in describe(d))


def test_resilience_rule_no_partner_set_can_meet(tmp_path):
    # N-1 at fraction 1 on g2 (size 10). Without aus: 5c + 5d ≥ 10 needs c and d; without uae:
    # 10b + 5d ≥ 10 needs b. So {b, c, d}: capacity 3 > 2, cost 13 > 11. At fraction 0.5 every row
    # needs 5 and {b, c} (cost 9, capacity 2) meets them all.
    d = _check(TINY, ["rules.resilience={fraction: 1.0, gaps: [g2]}"], tmp_path, {"resilience_g2_aus"})
    (alt,) = [r for r in d.alternatives if r.family == "resilience"]
    assert alt.override == "rules.resilience.fraction=0.5"


def test_partner_cap_against_required_option(tmp_path):
    d = _check(TINY, ["rules.max_options.default=0", "rules.require=[a]"], tmp_path, {"max_options_jpn", "require_a"})
    alt = {r.row: r for r in d.alternatives}
    assert alt["max_options_jpn"].override == "rules.max_options.partners.jpn=1"


def test_coverage_target_is_named_as_the_source_of_the_targets(tmp_path):
    # coverage_target 1 gives g1 and g2 (no targets of their own) targets of 10: only {a, b} meets
    # both, cost 11 > 10. Alone: budget 11; coverage_target 0.5 ({a, c}: g2 5 of 10); 0.2 ({b, d}: g1 2).
    ov = ["objective.coverage_target=1", "limits.budget_musd=10"]
    d = _check(TINY, ov, tmp_path, {"target_g1", "target_g2"})
    alts = {r.row: r for r in d.alternatives}
    assert alts["target_g2"].override == "objective.coverage_target=0.5"
    assert alts["target_g1"].override == "objective.coverage_target=0.2"
    assert alts["target_g1"].edit is None and alts["target_g1"].key == "objective.coverage_target"
    text = "\n".join(describe(d))
    assert "lower objective.coverage_target from 1 to 0.5" in text
    assert "--set objective.coverage_target=0.5" in text and "gaps.csv" not in text.replace("gaps.csv leaves", "")


def test_shared_coverage_target_gets_one_value(tmp_path):
    # Budget 4 (kept) affords d alone: g1 2 of 10, g2 5 of 10. The elastic model lowers target g1
    # to 2 and g2 to 5, but both come from one key: the stated change is the smaller fraction, 0.2,
    # for both rows (g2's then 2, penalty 0.8 each), so the two overrides agree.
    ov = [
        "objective.coverage_target=1",
        "limits.budget_musd=4",
        "diagnose.keep=[limit_budget_musd, limit_diplomatic_capacity]",
    ]
    d = _check(TINY, ov, tmp_path, {"target_g1", "target_g2"})
    assert [(r.row, r.new_bound, r.override) for r in d.combined] == [
        ("target_g1", 2, "objective.coverage_target=0.2"),
        ("target_g2", 2, "objective.coverage_target=0.2"),
    ]
    assert d.penalty == pytest.approx(1.6)


def test_partner_cap_from_the_table_names_the_column_and_the_override(tmp_path):
    tables, cfg = read_tables(TINY)
    tables["partners"]["max_options"] = ["0", "", ""]  # jpn: no option
    path = write_scenario(tmp_path / "caps", tables, cfg)
    d = _check(path, ["rules.require=[a]"], tmp_path, {"max_options_jpn", "require_a"})
    alt = {r.row: r for r in d.alternatives}["max_options_jpn"]
    assert alt.edit["column"] == "max_options" and alt.edit["partner_id"] == "jpn" and alt.edit["value"] == 1
    assert alt.override == "rules.max_options.partners.jpn=1"
    assert "partners table's max_options column" in alt.text


def test_rule_with_a_list_index_names_its_yaml_key():
    # rules.groups[0]: both of jpn's options (a, d), but d is forbidden. Alone: drop the rule
    # forbidding d, or lower the group's min_options to 1 (a YAML edit: --set cannot reach groups[0]).
    d = diagnose(load_scenario(TINY, ["rules.groups=[{select: {partner: jpn}, min_options: 2}]", "rules.forbid=[d]"]))
    (alt,) = [r for r in d.alternatives if r.family == "groups"]
    assert alt.key == "rules.groups[0].min_options" and alt.override is None and alt.new_bound == 1
    assert "lower rules.groups[0].min_options (group 0) from 2 to 1" in alt.text
    assert any("set rules.groups[0].min_options in the scenario file" in line for line in describe(d))


def test_feasible_scenario_has_nothing_to_diagnose():
    d = diagnose(load_scenario(TINY))
    assert d.status == "optimal" and not d.combined and not d.alternatives


def test_cli_diagnose_and_solve_print_the_diagnosis(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["diagnose", str(TINY), "--set", "rules.require=[a, b, c]", "--out", str(tmp_path / "d")])
    assert res.exit_code == 3, res.output
    assert "drop the rule requiring c" in res.output and "--set rules.require=" in res.output
    assert json.loads((tmp_path / "d" / "diagnose.json").read_text())["status"] == "infeasible"
    res = runner.invoke(cli, ["diagnose", str(TINY), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["status"] == "optimal"
    res = runner.invoke(cli, ["solve", str(TINY), "--set", "rules.require=[a, b, c]", "--out", str(tmp_path / "s")])
    assert res.exit_code == 3
    assert "Any one of these makes it feasible" in res.output and "planner diagnose" in res.output
    res = runner.invoke(
        cli, ["solve", str(TINY), "--set", "rules.require=[a, b, c]", "--out", str(tmp_path / "s"), "--json"]
    )
    assert res.exit_code == 3
    data = json.loads(res.output)
    assert data["status"] == "infeasible" and data["diagnosis"]["alternatives"]


@pytest.mark.slow
def test_baseline_budget_too_small(tmp_path):
    d = _check(BASELINE, ["limits.budget_musd=500"], tmp_path, {"limit_budget_musd"})
    assert any(r.row == "limit_budget_musd" for r in d.alternatives)
