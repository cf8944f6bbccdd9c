"""`planner generate`: valid, reproducible, realistically shaped synthetic scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.api import load_scenario, solve
from planner.cli import cli
from planner.errors import InputError
from planner.inputs.generate import generate


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    a = generate(tmp_path / "a", 400, seed=7, resources=4, rules=True)
    b = generate(tmp_path / "b", 400, seed=7, resources=4, rules=True)
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.name == b.name and len(fa) == 6
    assert fa == fb


def test_another_seed_gives_other_data(tmp_path):
    generate(tmp_path / "a", 400, seed=1)
    generate(tmp_path / "b", 400, seed=2)
    fa, fb = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert fa.keys() != fb.keys()  # the seed is in the default name
    opts = [f for f in fa if f.endswith("options.csv")][0], [f for f in fb if f.endswith("options.csv")][0]
    assert fa[opts[0]] != fb[opts[1]]


@pytest.mark.parametrize(
    "options,gaps,resources,rules", [(1, 1, 1, False), (5, 40, 2, True), (300, None, 2, False), (800, 60, 5, True)]
)
def test_output_passes_validation(tmp_path, options, gaps, resources, rules):
    gen = generate(tmp_path, options, gaps, seed=3, resources=resources, rules=rules)
    sc = load_scenario(gen.scenario_file)  # raises InputError on any problem
    assert len(sc.options) == options and len(sc.gaps) == (gaps or max(1, options // 10))
    assert len(sc.config.limits) == resources
    if resources == 5:
        assert list(sc.config.limits) == [
            "budget_musd",
            "diplomatic_capacity",
            "negotiators",
            "summit_slots",
            "resource_5",
        ]


def test_cli_generate_then_validate(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["generate", str(tmp_path), "--options", "200", "--seed", "4", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.output)
    assert info["counts"]["options"] == 200 and info["counts"]["gaps"] == 20
    res = runner.invoke(cli, ["validate", info["scenario_file"], "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["status"] == "valid"


def test_refuses_to_overwrite_without_force(tmp_path):
    generate(tmp_path, 50, seed=1, name="mine")
    with pytest.raises(InputError, match="already exists"):
        generate(tmp_path, 60, seed=1, name="mine")
    res = CliRunner().invoke(cli, ["generate", str(tmp_path), "--options", "60", "--name", "mine"])
    assert res.exit_code == 2 and "--force" in res.output
    gen = generate(tmp_path, 60, seed=1, name="mine", overwrite=True)
    assert len(load_scenario(gen.scenario_file).options) == 60


def test_bad_name_is_refused(tmp_path):
    res = CliRunner().invoke(cli, ["generate", str(tmp_path), "--options", "10", "--name", "../escape"])
    assert res.exit_code == 2 and "--name" in res.output
    assert not (tmp_path.parent / "escape.yaml").exists()


def test_structure_is_realistic(tmp_path):
    sc = load_scenario(generate(tmp_path, 2000, seed=5).scenario_file)
    c = sc.contributions
    per_option = c.groupby("option_id").size()
    assert per_option.min() >= 1 and per_option.max() <= 3
    assert set(per_option.index) == set(sc.options.index)
    share = per_option.value_counts(normalize=True)
    assert share[1] > 0.3 and share[2] > 0.2 and share[3] > 0.05
    own = (c["gap_id"].map(sc.gaps["sector_id"]) == c["option_id"].map(sc.options["sector_id"])).mean()
    assert 0.75 < own < 1.0  # mostly, not only, in the option's own sector
    assert c["gap_id"].nunique() == len(sc.gaps)  # every gap can be worked on
    budget = sc.options["budget_musd"]
    assert budget.max() / budget.min() > 20  # heterogeneous costs
    for res, limit in sc.config.limits.items():  # no limit lets everything through
        assert sc.options[res].sum() > 3 * limit
    offered = c.groupby("gap_id")["amount"].sum()
    assert (sc.gaps["size"] <= offered.reindex(sc.gaps.index) + 1.0).all()  # gaps can be closed, with a surplus


def test_limits_bind(tmp_path):
    # Solved to proven optimality, the portfolio (nearly) exhausts a limit: limits bind.
    gen = generate(tmp_path, 150, seed=11)
    result = solve(load_scenario(gen.scenario_file, ["solver.mip_gap=0"]))
    assert result.status == "optimal"
    assert any(r["used"] > 0.97 * r["limit"] for r in result.resources.values())


def test_targets_and_rules_are_met(tmp_path):
    # With --rules: feasible, every target met, every stated rule holds in the optimum.
    gen = generate(tmp_path, 150, seed=11, rules=True)
    sc = load_scenario(gen.scenario_file, ["solver.mip_gap=0"])
    result = solve(sc)
    assert result.status == "optimal"
    cov = result.coverage
    has_target = cov["target"].notna()
    assert has_target.sum() == gen.targets >= 1
    assert (cov.loc[has_target, "covered"] >= cov.loc[has_target, "target"] - 1e-6).all()
    chosen = set(result.selected)
    assert set(gen.rules["require"]) <= chosen
    assert not set(gen.rules["forbid"]) & chosen
    for rule in gen.rules["requires"]:
        assert rule["option"] not in chosen or rule["needs"] in chosen
    for a, b in gen.rules["excludes"]:
        assert not {a, b} <= chosen
    assert {"requires", "excludes", "groups", "max_options", "risk", "diminishing_returns", "standards_bonus"} <= set(
        result.rules_active
    )


@pytest.mark.slow
def test_generated_5000_options_solves(tmp_path):
    gen = generate(tmp_path, 5000, seed=1)
    sc = load_scenario(gen.scenario_file)
    result = solve(sc)
    assert result.status == "optimal", f"not proven within the time limit: {result.summary()}"
    assert result.mip_gap <= 1e-4
    assert all(r["used"] <= r["limit"] + 1e-6 for r in result.resources.values())
