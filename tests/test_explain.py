"""`planner explain`: hand-solved cases, and every stated number checked by re-solving the
modified scenario through `planner.api.solve(load_scenario(...))`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis_helpers import selected, variant, write_scenario, yaml_list
from planner.analysis.entry import EntryStatus
from planner.analysis.explain import describe, explain
from planner.api import load_scenario
from planner.cli import cli
from planner.errors import InputError

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def test_tiny_by_hand():
    # tiny: g1 (size 10, weight 1), g2 (size 10, weight 2); budget 11, capacity 2, every option uses 1 capacity.
    # a: g1 10, cost 5 · b: g2 10, cost 6 · c: g2 5, cost 3 · d: g2 5 + g1 2, cost 4.
    # Optimum {a, b}: 10/10·1 + 10/10·2 = 3 (cost 11). Forbid a: best is {c, d} = 2·(10/10) + 2/10 = 2.2.
    sc = load_scenario(TINY)
    a, c = explain(sc, ["a", "c"])
    assert a.selected and a.objective == pytest.approx(3.0)
    assert a.flipped_objective == pytest.approx(2.2) and a.objective_change == pytest.approx(-0.8)
    assert a.enters == ["c", "d"] and a.leaves == ["b"]
    assert [(g.gap_id, g.sole, g.covered, g.covered_other) for g in a.gaps] == [("g1", True, 10.0, 0.0)]
    # c out: requiring it gives {c, d} = 2.2. Adding c to {a, b} breaks both limits.
    assert not c.selected and c.flipped_objective == pytest.approx(2.2)
    assert {r.row for r in c.blocked_by} == {"limit_budget_musd", "limit_diplomatic_capacity"}
    paths = {p.parameter: p for p in c.entry}
    # Budget alone: capacity 2 allows two options; with c the best pair is {a, c} = 1 + 2·5/10 = 2 < 3.
    assert paths["budget_musd"].status is EntryStatus.IMPOSSIBLE
    # Capacity alone: budget 11 leaves {a, c, ?}: a+c+d costs 12 > 11, so the best with c is 2.2 < 3.
    assert paths["diplomatic_capacity"].status is EntryStatus.IMPOSSIBLE
    # Contributions ×2: c covers g2 fully, {a, c} = 3 ties {a, b} and is cheaper (8 < 11): selected.
    assert paths["contributions"].status is EntryStatus.FOUND and paths["contributions"].needed == pytest.approx(2.0)
    assert paths["contributions"].below == pytest.approx(1.999)
    # No cost cut helps: capacity, not budget, keeps c out of any pair as good as {a, b}.
    assert paths["cost"].status is EntryStatus.IMPOSSIBLE
    text = " ".join(describe(c))
    assert "scaled by ×2 (not at ×1.999)" in text
    # every option (5 + 6 + 3 + 4 M$) fits in 18 M$: beyond it the budget changes nothing
    assert "No budget brings it in, however large: not even 18 M$, where every option fits." in text


def test_unknown_option_is_an_input_error_with_suggestion():
    with pytest.raises(InputError) as err:
        explain(load_scenario(TINY), ["aa"])
    assert "did you mean a" in str(err.value) and "option_id" in str(err.value)


def _market(tmp_path: Path) -> Path:
    """Six options on three gaps, budget-bound: thresholds exist for budget, contribution and cost."""
    tables = {
        "partners": pd.DataFrame({"partner_id": ["p1", "p2", "p3"], "name": ["P1", "P2", "P3"]}),
        "sectors": pd.DataFrame({"sector_id": ["s1", "s2"], "name": ["S1", "S2"]}),
        "gaps": pd.DataFrame(
            {
                "gap_id": ["g1", "g2", "g3"],
                "sector_id": ["s1", "s1", "s2"],
                "name": ["G1", "G2", "G3"],
                "size": [10, 10, 10],
                "weight": [3, 2, 1],
            }
        ),
        "options": pd.DataFrame(
            {
                "option_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
                "partner_id": ["p1", "p1", "p2", "p2", "p3", "p3"],
                "sector_id": ["s1", "s1", "s1", "s2", "s2", "s1"],
                "kind": ["k"] * 6,
                "budget_musd": [40, 30, 50, 20, 35, 45],
                "diplomatic_capacity": [1, 1, 1, 1, 1, 1],
            }
        ),
        "contributions": pd.DataFrame(
            {
                "option_id": ["o1", "o2", "o3", "o3", "o4", "o5", "o6", "o6"],
                "gap_id": ["g1", "g2", "g1", "g2", "g3", "g3", "g2", "g3"],
                "amount": [6, 7, 5, 4, 8, 9, 6, 5],
            }
        ),
    }
    cfg = {
        "name": "market",
        "objective": {"sense": "max_coverage", "cost_resource": "budget_musd"},
        "limits": {"budget_musd": 100, "diplomatic_capacity": 4},
    }
    return write_scenario(tmp_path / "market", tables, cfg)


def verify(path: Path, expl, tmp_path: Path) -> int:
    """Re-solve the scenario for every number the explanation states; returns the checks made."""
    sc = load_scenario(path)
    o = expl.option_id
    checks = 0
    rules = sc.config.rules
    if expl.selected:
        flip = [f"rules.forbid={yaml_list([*rules.forbid, o])}"]
    else:
        flip = [f"rules.require={yaml_list([*rules.require, o])}"]
    from planner.api import solve

    res = solve(load_scenario(path, flip))
    assert res.status == expl.flipped_status
    if res.objective is not None:
        assert res.objective == pytest.approx(expl.flipped_objective, abs=1e-9)
        base = set(solve(sc).selected)
        assert set(res.selected) - {o} == (base | set(expl.enters)) - set(expl.leaves) - {o}
    checks += 1
    for p in expl.entry:
        if p.status not in (EntryStatus.FOUND, EntryStatus.NOT_BELOW):
            continue
        if p.kind == "limit" and p.status is EntryStatus.FOUND:
            assert o in selected(path, [f"limits.{p.parameter}={p.needed!r}"]), p
            if p.below is not None:
                assert o not in selected(path, [f"limits.{p.parameter}={p.below!r}"]), p
        elif p.kind == "limit":  # not_below: out one grid step short of the checked value
            assert o not in selected(path, [f"limits.{p.parameter}={p.checked - p.grid!r}"]), p
        elif p.kind == "contributions":
            assert o in selected(variant(path, tmp_path / f"{o}-c-in", o, scale_contributions=p.needed)), p
            if p.below is not None:
                assert o not in selected(variant(path, tmp_path / f"{o}-c-out", o, scale_contributions=p.below)), p
        elif p.kind == "cost":
            col = sc.cost_resource
            assert o in selected(variant(path, tmp_path / f"{o}-k-in", o, cost=(col, p.needed))), p
            if p.below is not None:
                assert o not in selected(variant(path, tmp_path / f"{o}-k-out", o, cost=(col, p.below))), p
        checks += 1
    return checks


def test_market_thresholds_are_exact(tmp_path):
    path = _market(tmp_path)
    sc = load_scenario(path)
    expls = explain(sc, list(sc.options.index))
    found = {(e.option_id, p.kind) for e in expls for p in e.entry if p.status is EntryStatus.FOUND}
    kinds = {k for _, k in found}
    assert {"limit", "contributions", "cost"} <= kinds, found  # the case exercises every kind of threshold
    total = sum(verify(path, e, tmp_path) for e in expls)
    assert total >= len(expls) + 3


def test_tiny_statements_verified_by_resolve(tmp_path):
    sc = load_scenario(TINY)
    for e in explain(sc, list(sc.options.index)):
        verify(TINY, e, tmp_path)


def test_forced_by_require_and_target(tmp_path):
    # Require c (cost 3): best with c and capacity 2 is {a, c} = 1 + 1 = 2 … the rule forces c.
    sc = load_scenario(TINY, ["rules.require=[c]"])
    (c,) = explain(sc, ["c"])
    assert c.selected and c.flipped_status == "infeasible"
    assert [r.row for r in c.forced_by] == ["require_c"]
    assert "forced by the rule require c" in " ".join(describe(c))


def test_forbidden_option_enters_when_rule_dropped(tmp_path):
    sc = load_scenario(TINY, ["rules.forbid=[a]"])
    (a,) = explain(sc, ["a"])
    assert not a.selected and a.flipped_status == "infeasible"
    rule = [p for p in a.entry if p.kind == "rule"]
    assert rule and rule[0].status is EntryStatus.FOUND and rule[0].override == "rules.forbid=[]"
    assert "a" in selected(TINY, [rule[0].override])


def test_cli_explain_json_table_and_out(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["explain", str(TINY), "a", "c", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [e["option_id"] for e in data["explanations"]] == ["a", "c"]
    res = runner.invoke(cli, ["explain", str(TINY), "a", "c", "--out", str(tmp_path / "why")])
    assert res.exit_code == 0, res.output
    assert "Explained options" in res.output and "It enters if its contributions are scaled by ×2" in res.output
    assert json.loads((tmp_path / "why" / "explain.json").read_text())["scenario"] == "tiny"
    csv = pd.read_csv(tmp_path / "why" / "explain.csv")
    assert list(csv["option_id"]) == ["a", "c"] and csv.loc[1, "enter_contributions"] == 2.0
    res = runner.invoke(cli, ["explain", str(TINY), "zz"])
    assert res.exit_code == 2 and "no option has this id" in res.output


@pytest.mark.slow
def test_baseline_statements_verified(tmp_path):
    base = Path(__file__).parent.parent / "models" / "baseline.yaml"
    sc = load_scenario(base)
    from planner.api import solve

    res = solve(sc)
    out = [o for o in sc.options.index if o not in res.selected][:1]  # one each: ~25 s of re-solves
    for e in explain(sc, [res.selected[0], *out]):
        verify(base, e, tmp_path)


@pytest.mark.slow
def test_phased_scenario_structural_rows_are_no_reason():
    # Under phasing, x[o] = Σ_y x[o, y] (phasing_once_<o>) defines a variable: it neither forces nor
    # blocks an option, and an option's data enter per-year columns, so scaling is not attempted.
    path = Path(__file__).parent.parent / "models" / "phased-2027-2030.yaml"
    sc = load_scenario(path)
    from planner.api import solve

    res = solve(sc)
    out = next(o for o in sc.options.index if o not in res.selected)
    for e in explain(sc, [res.selected[0], out]):
        rows = [r.row for r in e.forced_by + e.blocked_by]
        assert not any(r.startswith("phasing_once_") for r in rows), rows
        for p in e.entry:
            if p.kind in ("contributions", "cost"):
                assert p.status == "unknown" and "per-year" in p.notes[0]
