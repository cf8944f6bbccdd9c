"""Re-planning (`replan:`) and nested tranches (`planner frontier --tranches`).

- brute force on random tiny scenarios with an incumbent and each of max_changes, max_dropped,
  max_added and drop_cost: the objective equals enumeration over the portfolios that satisfy
  the re-planning limits (judged in plain Python here), changes.csv recomputes, `planner check`
  verifies the run;
- hand-solved: an incumbent that is the optimum stays with 0 changes; max_changes 0 returns the
  incumbent, or is infeasible and `planner diagnose` names replan.max_changes;
- validation: unknown ids (did-you-mean), a folder that is no run, a forbidden incumbent,
  negative limits, a bad drop-cost column; `--set replan.incumbent=RUN_DIR`;
- other commands honour the section (sweep, explain);
- tranches: nesting holds, joint ≥ greedy in total, nested ≤ unconstrained per tranche, and
  both modes equal brute force on tiny instances.
"""

from __future__ import annotations

import csv
import itertools
import json
import random

import pytest
import yaml
from click.testing import CliRunner
from rules_support import write_case

from planner.api import load_scenario, solve
from planner.cli import cli as main
from planner.errors import InputError
from planner.io.runfolder import write_run
from planner.results.audit import check_run
from planner.sensitivity.tranches import TranchesOptions, run_tranches

TOL = 1e-6


def random_case(rng: random.Random, n: int = 6):
    options = [
        {
            "option_id": f"o{i}",
            "partner_id": f"p{i % 3}",
            "budget_musd": rng.randint(1, 6),
            "diplomatic_capacity": 1,
            "exit_cost": rng.randint(0, 3),
        }
        for i in range(n)
    ]
    gaps = [{"gap_id": f"g{j}", "size": rng.choice([5, 10, 20]), "weight": rng.randint(1, 3)} for j in range(3)]
    contribs = []
    for o in options:
        for j in rng.sample(range(3), rng.randint(1, 2)):
            contribs.append((o["option_id"], f"g{j}", rng.randint(1, 12)))
    return options, gaps, contribs


def objective(options, gaps, contribs, chosen) -> float:
    raw = {g["gap_id"]: 0.0 for g in gaps}
    for o, g, a in contribs:
        if o in chosen:
            raw[g] += a
    return sum(g["weight"] * min(g["size"], raw[g["gap_id"]]) / g["size"] for g in gaps)


def replan_ok(options, budget, rule, chosen) -> bool:
    """The re-planning limits' meaning, read independently of planner.model.rules.replan."""
    by_id = {o["option_id"]: o for o in options}
    inc = set(rule["incumbent"])
    dropped, added = inc - chosen, chosen - inc
    if (
        len(dropped) + len(added) > rule.get("max_changes", 99)
        or len(dropped) > rule.get("max_dropped", 99)
        or len(added) > rule.get("max_added", 99)
    ):
        return False
    cost = rule.get("drop_cost", {}).get("budget_musd", 0)
    leaving = sum(by_id[o][cost] if isinstance(cost, str) else cost for o in dropped)
    return sum(by_id[o]["budget_musd"] for o in chosen) + leaving <= budget + TOL


def brute_force(options, gaps, contribs, budget, rule):
    ids = [o["option_id"] for o in options]
    best = None
    for bits in itertools.product([0, 1], repeat=len(ids)):
        chosen = {o for o, b in zip(ids, bits) if b}
        if replan_ok(options, budget, rule, chosen):
            value = objective(options, gaps, contribs, chosen)
            best = value if best is None else max(best, value)
    return best


LIMITS = {
    "max_changes": lambda rng: {"max_changes": rng.randint(0, 3)},
    "max_dropped": lambda rng: {"max_dropped": rng.randint(0, 2)},
    "max_added": lambda rng: {"max_added": rng.randint(0, 2)},
    "drop_cost": lambda rng: {"drop_cost": {"budget_musd": rng.choice([1, 2, "exit_cost"])}},
}


@pytest.mark.parametrize("kind", sorted(LIMITS))
def test_replan_matches_brute_force_and_checks(kind, tmp_path):
    rng = random.Random(f"replan-{kind}")
    for case in range(6):
        options, gaps, contribs = random_case(rng)
        budget = rng.randint(6, 16)
        rule = {"incumbent": rng.sample([o["option_id"] for o in options], rng.randint(1, 4)), **LIMITS[kind](rng)}
        root = tmp_path / f"{case}"
        path = write_case(
            root,
            options=options,
            gaps=gaps,
            contributions=contribs,
            config={"limits": {"budget_musd": budget}, "replan": rule},
        )
        best = brute_force(options, gaps, contribs, budget, rule)
        result = solve(load_scenario(path))
        if best is None:
            assert result.status == "infeasible", (kind, case, rule)
            continue
        assert result.status == "optimal"
        chosen = set(result.selected)
        assert replan_ok(options, budget, rule, chosen), (rule, chosen)
        assert result.objective == pytest.approx(best, abs=1e-6)
        write_run(result, root / "run")
        with open(root / "run" / "changes.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        inc = set(rule["incumbent"])
        assert {r["option_id"] for r in rows} == inc | chosen
        for r in rows:
            assert r["change"] == (
                "kept" if r["option_id"] in inc & chosen else "dropped" if r["option_id"] in inc else "added"
            )
        summary = json.loads((root / "run" / "summary.json").read_text())
        assert summary["changes"]["dropped"] == len(inc - chosen) and summary["changes"]["added"] == len(chosen - inc)
        report = check_run(root / "run")
        assert report.ok, [str(d) for d in report.discrepancies]


def _rules_case(tmp_path, replan: dict | None = None, settings: dict | None = None):
    from rules_support import RULES_YAML

    overrides = [f"replan={json.dumps(replan)}"] if replan is not None else []
    overrides += [f"{k}={v}" for k, v in (settings or {}).items()]
    return load_scenario(RULES_YAML, overrides)


def test_an_optimal_incumbent_stays_with_no_changes(tmp_path):
    plain = solve(_rules_case(tmp_path))
    for rule in (
        {"incumbent": list(plain.selected)},
        {"incumbent": list(plain.selected), "max_changes": 0},
        {"incumbent": list(plain.selected), "max_changes": 2, "drop_cost": {"budget_musd": 1}},
    ):
        result = solve(_rules_case(tmp_path, rule))
        assert result.status == "optimal" and set(result.selected) == set(plain.selected)
        assert result.change_counts() == {"kept": len(plain.selected), "dropped": 0, "added": 0, "total": 0}
        clean = result.summary()["replan"]["clean_sheet"]
        assert clean["changes"]["total"] == 0 and clean["price_of_stability"] == pytest.approx(0.0, abs=1e-9)


def test_max_changes_zero_returns_the_incumbent_or_names_the_limit(tmp_path):
    from planner.analysis.diagnose import diagnose

    result = solve(_rules_case(tmp_path, {"incumbent": ["c", "f"], "max_changes": 0}))
    assert result.status == "optimal" and set(result.selected) == {"c", "f"}
    # the incumbent a, b, d, e uses 19 > 15 of the budget: dropping is the only way, and max_changes forbids it
    sc = _rules_case(tmp_path, {"incumbent": ["a", "b", "d", "e"], "max_changes": 0}, {"limits.diplomatic_capacity": 8})
    assert solve(sc).status == "infeasible"
    diag = diagnose(sc)
    keys = {r.key for r in diag.alternatives} | {r.key for r in diag.combined}
    assert "replan.max_changes" in keys, diag.to_dict()
    # keep the budget: then raising max_changes is the answer
    sc = _rules_case(
        tmp_path,
        {"incumbent": ["a", "b", "d", "e"], "max_changes": 0},
        {"limits.diplomatic_capacity": 8, "diagnose.keep": "[limit]"},
    )
    combined = diagnose(sc).combined
    assert [r.key for r in combined] == ["replan.max_changes"]
    assert combined[0].override == "replan.max_changes=1"


def _problems(call) -> list[str]:
    with pytest.raises(InputError) as exc:
        call()
    return [str(p) for p in exc.value.problems]


def test_validation_names_the_key_and_what_would_be_valid(tmp_path):
    msgs = _problems(lambda: _rules_case(tmp_path, {"incumbent": ["a", "bb"]}))
    assert any("replan.incumbent[1]" in m and "did you mean 'b'" in m for m in msgs), msgs
    msgs = _problems(lambda: _rules_case(tmp_path, {"incumbent": ["a"]}, {"rules.forbid": "[a]"}))
    assert any("replan.incumbent" in m and "forbidden" in m for m in msgs), msgs
    msgs = _problems(lambda: _rules_case(tmp_path, {"incumbent": ["a"], "max_dropped": -1}))
    assert any("replan.max_dropped" in m for m in msgs), msgs
    msgs = _problems(lambda: _rules_case(tmp_path, {"incumbent": ["a"], "drop_cost": {"budget_musd": "nope"}}))
    assert any("replan.drop_cost.budget_musd" in m and "nope" in m for m in msgs), msgs
    (tmp_path / "empty").mkdir()
    msgs = _problems(lambda: _rules_case(tmp_path, {"incumbent": str(tmp_path / "empty")}))
    assert any("not a run folder" in m and "replan.incumbent" in m for m in msgs), msgs
    msgs = _problems(lambda: _rules_case(tmp_path, {"incumbent": str(tmp_path / "missing")}))
    assert any("no such run folder" in m for m in msgs), msgs


def test_set_incumbent_to_a_run_folder_and_check_it(tmp_path):
    from rules_support import RULES_YAML

    runner = CliRunner()
    first = runner.invoke(main, ["solve", str(RULES_YAML), "--out", str(tmp_path / "q1"), "--json"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(
        main,
        [
            "solve",
            str(RULES_YAML),
            "--set",
            f"replan.incumbent={tmp_path / 'q1'}",
            "--set",
            "replan.max_changes=2",
            "--set",
            "limits.budget_musd=9",
            "--out",
            str(tmp_path / "q2"),
            "--json",
        ],
    )
    assert second.exit_code == 0, second.output
    summary = json.loads(second.output)
    before = json.loads(first.output)["selected_ids"]
    assert summary["replan"]["incumbent"] == len(before) and summary["replan"]["incumbent_from"] == str(tmp_path / "q1")
    assert summary["changes"]["total"] <= 2 and "clean_sheet" in summary["replan"]
    scenario = json.loads((tmp_path / "q2" / "scenario.json").read_text())
    assert scenario["replan"]["incumbent"] == before  # the ids, so the run stands on its own
    check = runner.invoke(main, ["check", str(tmp_path / "q2")])
    assert check.exit_code == 0, check.output
    text = runner.invoke(
        main,
        [
            "solve",
            str(RULES_YAML),
            "--set",
            f"replan.incumbent={tmp_path / 'q1' / 'portfolio.csv'}",
            "--set",
            "replan.max_changes=2",
            "--set",
            "limits.budget_musd=9",
            "--out",
            str(tmp_path / "q3"),
        ],
    )
    assert "Changes against the incumbent" in text.output and "price of stability" in text.output


def test_sweep_and_explain_honour_replan(tmp_path):
    from rules_support import RULES_YAML

    runner = CliRunner()
    rule = ["--set", "replan={incumbent: [a, b, f], max_changes: 1}"]
    out = runner.invoke(
        main,
        [
            "sweep",
            str(RULES_YAML),
            *rule,
            "--vary",
            "limits.budget_musd=8,11,15",
            "--out",
            str(tmp_path / "sw"),
            "--json",
            "--workers",
            "1",
        ],
    )
    assert out.exit_code == 0, out.output
    with open(tmp_path / "sw" / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["status"] == "optimal":
            chosen = set(row["portfolio"].split(";")) if row["portfolio"] else set()
            assert len({"a", "b", "f"} ^ chosen) <= 1, row
    # Requiring c: without replan, a and b leave and d, h join (objective 3.8 → 3.6). With the
    # incumbent {a, b, f} and one change allowed, adding c (budget 13 + 3 > 15) needs a second
    # change (a drop), so requiring it is infeasible: explain's re-solve honours replan.
    out = runner.invoke(main, ["explain", str(RULES_YAML), "c", *rule, "--json", "--out", str(tmp_path / "ex")])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["explanations"][0]["flipped_status"] == "infeasible"
    plain = runner.invoke(main, ["explain", str(RULES_YAML), "c", "--json"])
    assert json.loads(plain.output)["explanations"][0]["flipped_status"] == "optimal"


# ---------------------------------------------------------------- tranches


def _chains(ids, T):
    """Every nested sequence P_1 ⊆ … ⊆ P_T: each option enters at one tranche, or never."""
    for entry in itertools.product(range(T + 1), repeat=len(ids)):
        yield [{o for o, e in zip(ids, entry) if e <= t} for t in range(T)]


@pytest.mark.parametrize("seed", range(3))
def test_tranches_match_brute_force(seed, tmp_path):
    rng = random.Random(f"tranches-{seed}")
    options, gaps, contribs = random_case(rng, n=6)
    limits = sorted(rng.sample(range(3, 20), 3))
    path = write_case(
        tmp_path, options=options, gaps=gaps, contributions=contribs, config={"limits": {"budget_musd": limits[-1]}}
    )
    sc = load_scenario(path)
    budget = {o["option_id"]: o["budget_musd"] for o in options}
    ids = list(budget)
    fits = lambda P, L: sum(budget[o] for o in P) <= L + TOL  # noqa: E731
    value = lambda P: objective(options, gaps, contribs, P)  # noqa: E731
    best_sum = max(
        sum(value(P) for P in chain) for chain in _chains(ids, 3) if all(fits(P, L) for P, L in zip(chain, limits))
    )
    out = {}
    for mode in ("joint", "greedy"):
        out[mode] = run_tranches(sc, TranchesOptions("budget_musd", limits, mode))
        frame = out[mode].tables["tranches.csv"]
        plans = [set(p.split(";")) if p else set() for p in frame["portfolio"]]
        assert all(a <= b for a, b in zip(plans, plans[1:])) and out[mode].summary["nested_ok"]
        for P, L, obj, free in zip(plans, limits, frame["objective"], frame["unconstrained_objective"]):
            assert fits(P, L) and obj == pytest.approx(value(P), abs=1e-6)
            assert free == pytest.approx(max(value(Q) for Q in _subsets(ids) if fits(Q, L)), abs=1e-6)
            assert obj <= free + 1e-6
        if mode == "greedy":  # each tranche the best superset of the one before
            previous: set = set()
            for P, L in zip(plans, limits):
                assert value(P) == pytest.approx(
                    max(value(Q) for Q in _subsets(ids) if Q >= previous and fits(Q, L)), abs=1e-6
                )
                previous = P
    assert out["joint"].summary["objective_sum"] == pytest.approx(best_sum, abs=1e-6)
    assert out["joint"].summary["objective_sum"] >= out["greedy"].summary["objective_sum"] - 1e-6


def _subsets(ids):
    for bits in itertools.product([0, 1], repeat=len(ids)):
        yield {o for o, b in zip(ids, bits) if b}


def test_tranches_cli_writes_its_table_and_refuses_bad_limits(tmp_path):
    from rules_support import RULES_YAML

    runner = CliRunner()
    out = runner.invoke(
        main,
        [
            "frontier",
            str(RULES_YAML),
            "--resource",
            "budget_musd",
            "--tranches",
            "6,10,15",
            "--nested",
            "greedy",
            "--out",
            str(tmp_path / "t"),
            "--json",
        ],
    )
    assert out.exit_code == 0, out.output
    summary = json.loads(out.output)
    assert summary["kind"] == "tranches" and summary["nested"] == "greedy" and len(summary["price_of_nesting"]) == 3
    assert (tmp_path / "t" / "tranches.csv").is_file()
    bad = runner.invoke(main, ["frontier", str(RULES_YAML), "--resource", "budget_musd", "--tranches", "10,6"])
    assert bad.exit_code == 2 and "increasing" in bad.output
    both = runner.invoke(
        main, ["frontier", str(RULES_YAML), "--resource", "budget_musd", "--tranches", "6,10", "--to", "9"]
    )
    assert both.exit_code == 2


def test_an_infeasible_replan_writes_an_empty_change_table_that_checks(tmp_path):
    sc = _rules_case(tmp_path, {"incumbent": ["a", "b", "d", "e"], "max_changes": 0}, {"limits.diplomatic_capacity": 8})
    result = solve(sc)
    assert result.status == "infeasible" and result.change_counts() is None
    write_run(result, tmp_path / "run")
    with open(tmp_path / "run" / "changes.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:6] == ["option_id", "partner_id", "sector_id", "kind", "name", "change"] and len(rows) == 1
    report = check_run(tmp_path / "run")
    assert report.ok, [str(d) for d in report.discrepancies]


def test_incumbent_path_in_a_scenario_file_is_relative_to_it(tmp_path):
    from rules_support import RULES_YAML

    first = solve(load_scenario(RULES_YAML))
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    write_run(first, root / "outputs" / "q1")
    import shutil

    shutil.copytree(RULES_YAML.parent / "rules", root / "inputs")
    data = yaml.safe_load(RULES_YAML.read_text())
    data["inputs"] = "../inputs"
    data["replan"] = {"incumbent": "../outputs/q1", "max_changes": 1}
    (root / "models" / "re.yaml").write_text(yaml.safe_dump(data))
    sc = load_scenario(root / "models" / "re.yaml")
    assert sc.config.replan.ids == list(first.selected)
    data["replan"]["incumbent"] = "../../outside"
    (root / "models" / "out.yaml").write_text(yaml.safe_dump(data))
    msgs = _problems(lambda: load_scenario(root / "models" / "out.yaml"))
    assert any("outside the project" in m and "--set replan.incumbent" in m for m in msgs), msgs
