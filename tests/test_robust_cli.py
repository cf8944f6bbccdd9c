"""planner robust through the CLI (CliRunner), in `planner export`, and with rules active
(maximin / minimax regret against brute force over the portfolios that satisfy the rules)."""

from __future__ import annotations

import csv
import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner

from planner import load_scenario
from planner.cli import cli
from planner.model.faces import State
from planner.model.rules import objective_value
from planner.results.evaluation import evaluate
from planner.robust import robust
from planner.solver.outcome import Status
from tests.conftest import write_scenario
from tests.test_robust import at_sector_weights, corners

SECTORS = [{"sector_id": s, "name": s.upper(), "weight": 1} for s in ("a", "b")]


def two_sector(root, **config):
    """Four options over two sectors (budget 3): oa1/oa2 serve sector a, ob1/ob2 sector b."""
    options = [
        {"option_id": o, "budget_musd": c, "sector_id": s}
        for o, c, s in (("oa1", 1, "a"), ("oa2", 2, "a"), ("ob1", 1, "b"), ("ob2", 2, "b"))
    ]
    gaps = [
        {"gap_id": "ga", "sector_id": "a", "size": 10, "weight": 1},
        {"gap_id": "gb", "sector_id": "b", "size": 10, "weight": 1},
    ]
    contributions = [("oa1", "ga", 4), ("oa2", "ga", 7), ("ob1", "gb", 3), ("ob2", "gb", 8)]
    cfg = {
        "limits": {"budget_musd": 3},
        "robust": {"sector_weights": {"a": [0.5, 1.5], "b": [0.5, 1.5]}, "samples": 4},
        **config,
    }
    return write_scenario(root, options=options, gaps=gaps, contributions=contributions, sectors=SECTORS, config=cfg)


def invoke(*args):
    return CliRunner().invoke(cli, ["robust", *map(str, args)])


def test_json_keys_and_out_files(tmp_path):
    out = tmp_path / "run"
    res = invoke(two_sector(tmp_path), "--json", "--out", out)
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert {"worst_case", "selected", "worst_weights"} <= set(d["maximin"])
    assert {"max_regret", "selected", "gap"} <= set(d["minimax_regret"])
    assert {"objective", "worst_case", "max_regret", "selected"} <= set(d["nominal"])
    assert {"complete", "portfolios", "options"} <= set(d["core_index"])
    assert set(d["maximin"]["worst_weights"]) == {"a", "b"} and d["core_index"]["complete"] is True
    assert set(d["core_index"]["options"].values()) <= {"core", "borderline", "exterior"}
    assert d["out_dir"] == str(out)
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "robust.json",
        "robust_options.csv",
        "robust_portfolios.csv",
        "scenario.json",
    ]
    assert json.loads((out / "robust.json").read_text())["maximin"] == d["maximin"]
    with (out / "robust_options.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["option_id"] for r in rows] == ["oa1", "oa2", "ob1", "ob2"]
    assert {r["option_id"]: r["core"] for r in rows} == d["core_index"]["options"]
    with (out / "robust_portfolios.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == d["core_index"]["portfolios"]
    # Re-running replaces the folder whole (atomic_dir): no temporary sibling is left behind.
    assert invoke(two_sector(tmp_path), "--out", out, "--samples", "0").exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "run", "scenario.yaml"]
    assert json.loads((out / "robust.json").read_text())["monte_carlo"]["samples"] == 0


def test_text_output(tmp_path):
    res = invoke(two_sector(tmp_path), "--out", tmp_path / "run", "--samples", "0")
    assert res.exit_code == 0, res.output
    assert "maximin" in res.output and "minimax regret" in res.output and "core index" in res.output
    assert f"written to {tmp_path / 'run'}" in res.output


def test_validation_error_exit_2_names_the_key(tmp_path):
    res = invoke(two_sector(tmp_path), "--set", "robust.sector_weights.c=[1,2]", "--out", tmp_path / "run")
    assert res.exit_code == 2
    assert "key robust.sector_weights.c" in res.output and "unknown sector id" in res.output
    assert "Valid: a, b" in res.output and "(got 'c')" in res.output
    assert not (tmp_path / "run").exists()
    res = invoke(two_sector(tmp_path), "--set", "robust.sector_weights.a=[2,1]", "--json")
    assert res.exit_code == 2 and "reversed" in res.output and "robust.sector_weights.a" in res.output


def test_infeasible_exits_3(tmp_path):
    res = invoke(two_sector(tmp_path, rules={"require": ["oa2", "ob2"]}), "--out", tmp_path / "run", "--json")
    assert res.exit_code == 3, res.output
    assert json.loads(res.output)["nominal"]["status"] == "infeasible"


def test_min_cost_says_weights_do_not_matter(tmp_path):
    path = two_sector(tmp_path, objective={"sense": "min_cost", "coverage_target": 0.3})
    res = invoke(path, "--json", "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["weights_matter"] is False and "do not enter the objective" in d["message"]
    text = invoke(path, "--out", tmp_path / "run2")
    assert text.exit_code == 0 and "weights do not enter the objective" in text.output


def test_export_robust_folder_all_formats(tmp_path):
    from openpyxl import load_workbook

    from planner.robust.run import write_robust
    from planner.report.export import export_run

    rep = robust(load_scenario(two_sector(tmp_path)))
    folder = write_robust(rep, tmp_path / "run")
    xlsx = export_run(folder, "xlsx")
    wb = load_workbook(xlsx.path)
    assert {"robust_options", "robust_portfolios"} <= set(wb.sheetnames)
    sheet = wb["robust_portfolios"]
    header = [c.value for c in sheet[1]]
    low, high = "worst case over the weights", "best case over the weights"  # min, max in words
    assert {"portfolio", "options", low, high} <= set(header)
    ranges = [
        v for r in sheet.iter_rows(min_row=2, values_only=True) for v in (r[header.index(low)], r[header.index(high)])
    ]
    assert ranges == pytest.approx([v for p in rep.portfolios for v in (p["min"], p["max"])])
    options = wb["robust_options"]
    assert [r[0] for r in options.iter_rows(min_row=2, values_only=True)] == ["oa1", "oa2", "ob1", "ob2"]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Run"] == "robust"
    assert summary["Best worst case (maximin plan)"] == pytest.approx(rep.maximin["worst_case"])

    html = export_run(folder, "html")
    text = html.path.read_text()
    assert html.charts == 1 and "Robust: non-dominated portfolios" in html.sections
    assert "Robust portfolios:" in text and "data:image/png;base64" in text and "value range over W" in text

    md = export_run(folder, "md")
    body = md.path.read_text()
    assert md.charts == 1 and "## Robust: per option" in body and "## Robust: vertices of the weight set W" in body
    assert "value_ranges_robust_portfolios.png" in body
    assert (md.path.parent / "report_charts" / "value_ranges_robust_portfolios.png").is_file()
    assert "Smallest largest regret (minimax-regret plan)" in body


def test_export_min_cost_robust_folder(tmp_path):
    from planner.robust.run import write_robust
    from planner.report.export import export_run

    path = two_sector(tmp_path, objective={"sense": "min_cost", "coverage_target": 0.3})
    folder = write_robust(robust(load_scenario(path)), tmp_path / "run")
    md = export_run(folder, "md")
    assert md.charts == 0 and "do not enter the objective" in md.path.read_text()


RULES = [{"require": ["oa1"]}, {"forbid": ["ob2"]}, {"max_options": {"default": 2}}, {"excludes": [["oa1", "ob1"]]}]


@pytest.mark.parametrize("rules", RULES, ids=lambda r: next(iter(r)))
def test_rules_match_brute_force(tmp_path, rules):
    sc = load_scenario(
        two_sector(
            tmp_path,
            rules=rules,
            limits={"budget_musd": 4},
            robust={"sector_weights": {"a": [0.5, 1.5], "b": [0.5, 1.5]}, "order": ["b >= a"], "samples": 0},
        )
    )
    variants = [at_sector_weights(sc, w) for w in corners(sc)]  # brute force, independent of planner.robust
    z = []
    for bits in itertools.product([0, 1], repeat=len(sc.options)):  # the portfolios every row admits
        x = np.array(bits)
        if not evaluate(sc, x).violations():
            z.append([objective_value(State.of(v, x)) for v in variants])
    z = np.array(z)
    assert 1 < len(z) < 16  # the rule cut some portfolios
    rep = robust(sc)
    assert rep.maximin["worst_case"] == pytest.approx(z.min(axis=1).max(), abs=1e-6)
    regret = (z.max(axis=0)[None, :] - z).max(axis=1)
    assert rep.minimax_regret["max_regret"] == pytest.approx(regret.min(), abs=1e-5)
    for key in ("maximin", "minimax_regret", "nominal"):
        assert not evaluate(
            sc, np.array([o in rep.to_dict()[key]["selected"] for o in sc.option_ids()], dtype=int)
        ).violations()


def test_solve_accepts_a_nominal_weight_outside_its_interval(tmp_path):
    # Issue 18: the statements of models/robust-weights.yaml do not conflict, so a nominal
    # quantum weight of 3.5 (outside its interval [0.5, 1.5]) no longer empties W.
    res = CliRunner().invoke(
        cli,
        [
            "solve",
            "models/robust-weights.yaml",
            "--set",
            "objective.sector_weights.quantum=3.5",
            "--out",
            str(tmp_path / "run"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output


def test_bound_of_1e12_keeps_every_reported_weight_inside_the_statements(tmp_path):
    # Issue 18, defect 6: a ∈ [1, 1e12] beside b ∈ [0.5, 1.5]. A tolerance that grew with the
    # largest bound (1e-9 × 1e12) let a = 0.5 in; each statement now holds within its own size.
    res = invoke(
        two_sector(tmp_path),
        "--set",
        "robust.sector_weights.a=[1,1e12]",
        "--json",
        "--out",
        tmp_path / "run",
        "--samples",
        "2",
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert sorted((v["a"], v["b"]) for v in d["vertices"]) == [(1, 0.5), (1, 1.5), (1e12, 0.5), (1e12, 1.5)]
    for k in ("nominal", "maximin", "minimax_regret"):
        w = d[k]["worst_weights"]
        assert 1 <= w["a"] <= 1e12 and 0.5 <= w["b"] <= 1.5
        assert d[k]["worst_scale"] == pytest.approx(2 / (w["a"] + w["b"]), rel=1e-12)  # keeps the total 2


def test_many_factors_say_the_count_and_report_bounds(tmp_path):
    gaps = [{"gap_id": f"g{j}", "sector_id": "a" if j < 6 else "b", "size": 10, "weight": 1} for j in range(12)]
    options = [{"option_id": f"o{i}", "budget_musd": 1 + i % 2, "sector_id": "a" if i < 3 else "b"} for i in range(6)]
    contributions = [(f"o{i}", f"g{j}", 1 + (i + j) % 4) for i in range(6) for j in range(12) if (i * j) % 5 < 2]
    path = write_scenario(
        tmp_path,
        options=options,
        gaps=gaps,
        contributions=contributions,
        sectors=SECTORS,
        config={
            "limits": {"budget_musd": 3},
            "robust": {"gap_weights": {g["gap_id"]: [0.5, 2] for g in gaps}, "samples": 0, "max_portfolios": 2},
        },
    )
    res = invoke(path, "--max-vertices", "3", "--out", tmp_path / "run")
    assert res.exit_code == 0, res.output
    assert "12 factors, 4,096 vertices" in res.output and "robust.max_vertices" in res.output
    assert "not all vertices solved" in res.output and "the least max regret lies in [" in res.output
    d = json.loads((tmp_path / "run" / "robust.json").read_text())
    assert d["weight_set"]["vertex_count"] == 4096 and d["weight_set"]["complete"] is False
    assert d["weight_set"]["vertices_examined"] <= 3 and len(d["vertices"]) == len(d["vertex_scales"]) <= 3
    assert d["minimax_regret"]["complete"] is False and d["core_index"]["stopped_by"] in (
        "max_vertices",
        "max_portfolios",
    )


def test_infeasible_is_a_status_not_a_string(tmp_path):
    # the library says it as a type: the CLI's exit 3 reads RobustReport.status, not nominal["status"]
    rep = robust(load_scenario(two_sector(tmp_path, rules={"require": ["oa2", "ob2"]})))
    assert rep.status is Status.INFEASIBLE and rep.to_dict()["nominal"] == {"status": "infeasible"}
    assert "status" not in rep.to_dict()  # robust.json is unchanged: nominal.status says it there
    assert robust(load_scenario(two_sector(tmp_path / "ok"))).status is Status.OPTIMAL
