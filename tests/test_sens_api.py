"""The sensitivity commands from Python: a `Scenario` and typed values (`Vary`, `Perturbation`,
floats) give the same tables as the command line, which only parses its text into them."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.api import load_scenario
from planner.cli import cli
from planner.errors import InputError
from planner.inputs.config import Perturbation
from planner.sensitivity.write import write_sweep
from planner.sensitivity.grid import Vary, check_grid, parse_vary
from planner.sensitivity.journal import Journal
from planner.sensitivity.alternatives import AlternativesOptions, run_alternatives
from planner.sensitivity.frontier import FrontierOptions, run_frontier
from planner.sensitivity.montecarlo import MonteCarloOptions, run_montecarlo
from planner.sensitivity.runner import RunInterrupted
from planner.sensitivity.sweep import SweepOptions, resume_sweep, run_sweep
from sens_helpers import alternatives_into, frontier_into, montecarlo_into, resume_into, sweep_into, write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def cli_run(*args: str) -> dict:
    res = CliRunner().invoke(cli, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def same_files(a: Path, b: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_vary_is_what_the_flag_means():
    assert Vary.range("limits.budget_musd", 2000, 3000, 500) == parse_vary("limits.budget_musd=2000:3000:500")
    assert Vary.range("objective.risk_penalty", 0, 0.3, 0.1).values == (0.0, 0.1, 0.2, 0.3)
    assert Vary("rules.forbid", [[], ["o1"]]) == parse_vary("rules.forbid=[],[o1]")
    assert Vary("limits.budget_musd", [1, 2]).values == (1, 2)  # any sequence; stored as a tuple
    with pytest.raises(TypeError):
        Vary("limits.budget_musd", "1,2")  # text is the CLI's to parse
    with pytest.raises(InputError, match="towards STOP"):
        Vary.range("limits.budget_musd", 3, 1, 1)
    with pytest.raises(InputError, match="twice"):
        check_grid([Vary("limits.budget_musd", [1]), Vary("limits.budget_musd", [2])])
    with pytest.raises(InputError, match="at least one value"):
        check_grid(Vary("limits.budget_musd", []))


def test_run_sweep_with_typed_axes_equals_the_cli(tmp_path):
    scenario = load_scenario(TINY, ["limits.diplomatic_capacity=3"])
    out = sweep_into(
        tmp_path / "py",
        scenario,
        [
            Vary("limits.budget_musd", [5, 7, 11]),
            Vary.range("objective.risk_penalty", 0, 0.2, 0.1),
            Vary("rules.forbid", [[], ["b"]]),
        ],
        workers=1,
    )
    data = cli_run(
        "sweep",
        str(TINY),
        "--set",
        "limits.diplomatic_capacity=3",
        "--vary",
        "limits.budget_musd=5,7,11",
        "--vary",
        "objective.risk_penalty=0:0.2:0.1",
        "--vary",
        "rules.forbid=[],[b]",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "cli"),
    )
    same_files(tmp_path / "py", tmp_path / "cli", ("sweep.csv", "changes.csv"))
    assert out.summary["points"] == data["points"] == 18 and out.summary["axes"] == data["axes"]
    assert out.summary["paths"] == data["paths"] and out.summary["paths"]["rebuild"] > 0


def test_run_montecarlo_with_typed_perturbations_equals_the_cli(tmp_path):
    perturb = [
        Perturbation(table="contributions", column="amount", dist="uniform", low=0.7, high=1.3),
        Perturbation(table="sectors", column="weight", dist="normal", sd=0.2, scope="column"),
    ]
    out = montecarlo_into(tmp_path / "py", load_scenario(TINY), samples=7, seed=4, perturb=perturb, workers=1)
    data = cli_run(
        "montecarlo",
        str(TINY),
        "--samples",
        "7",
        "--seed",
        "4",
        "--perturb",
        "contributions.amount=uniform:0.7:1.3",
        "--perturb",
        "sectors.weight=normal:0.2:column",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "cli"),
    )
    same_files(
        tmp_path / "py",
        tmp_path / "cli",
        ("montecarlo_options.csv", "montecarlo_objective.csv", "montecarlo_coverage.csv"),
    )
    assert out.summary["perturb"] == data["perturb"] and out.summary["counts"] == data["counts"]
    with pytest.raises(InputError, match="perturbable columns"):
        montecarlo_into(
            tmp_path / "bad",
            load_scenario(TINY),
            samples=2,
            perturb=[Perturbation(table="gaps", column="size", low=1, high=2)],
            workers=1,
        )


def test_run_frontier_and_alternatives_with_typed_values_equal_the_cli(tmp_path):
    frontier_into(tmp_path / "fpy", load_scenario(TINY), "budget_musd", lo=4.0, hi=9.0)
    cli_run(
        "frontier", str(TINY), "--resource", "budget_musd", "--from", "4", "--to", "9", "--out", str(tmp_path / "fcli")
    )
    same_files(tmp_path / "fpy", tmp_path / "fcli", ("frontier.csv", "ladder.csv"))
    alternatives_into(tmp_path / "apy", load_scenario(TINY), within=0.3, count=2)
    cli_run("alternatives", str(TINY), "--within", "0.3", "--count", "2", "--out", str(tmp_path / "acli"))
    same_files(tmp_path / "apy", tmp_path / "acli", ("alternatives.csv", "alternatives_matrix.csv"))
    with pytest.raises(InputError, match="share of the optimum"):
        alternatives_into(tmp_path / "bad", load_scenario(TINY), within=-0.1)


def _changed_in_memory_and_on_file(tmp_path: Path):
    """(tiny with option c's budget 3 → 1 and contribution a→g1 halved, edited with pandas in
    memory; the same edits written to a copy of its files and loaded)."""
    scenario = load_scenario(TINY)
    options, contributions = scenario.options.copy(), scenario.contributions.copy()
    options.loc["c", "budget_musd"] = 1.0
    first = contributions.index[(contributions["option_id"] == "a") & (contributions["gap_id"] == "g1")][0]
    contributions.loc[first, "amount"] = contributions.loc[first, "amount"] / 2
    changed = dataclasses.replace(scenario, options=options, contributions=contributions)
    shutil.copytree(TINY.parent / "tiny", tmp_path / "tiny")
    for name, frame in (("options", options), ("contributions", contributions)):
        frame.to_csv(tmp_path / "tiny" / f"{name}.csv", index=False)
    (tmp_path / "tiny.yaml").write_text(TINY.read_text())
    return changed, load_scenario(tmp_path / "tiny.yaml")


def test_a_scenario_changed_in_memory_runs_as_the_same_change_written_to_its_files(tmp_path):
    """Runs start from the Scenario itself; a structural point (a rule, the objective's sense)
    re-validates the scenario's own tables, not its (unchanged) files."""
    changed, on_file = _changed_in_memory_and_on_file(tmp_path)
    axes = (Vary("limits.budget_musd", [4, 7, 11]), Vary("rules.forbid", [[], ["d"]]))
    mem, disk = (run_sweep(sc, SweepOptions(axes, workers=1)) for sc in (changed, on_file))
    assert mem.points.equals(disk.points) and mem.changes.equals(disk.changes)
    assert mem.summary["paths"]["rebuild"] > 0  # the forbid axis re-validated the in-memory tables
    unchanged = run_sweep(load_scenario(TINY), SweepOptions(axes, workers=1))
    assert not unchanged.points["objective"].equals(mem.points["objective"])  # the edit matters
    fronts = [run_frontier(sc, FrontierOptions("budget_musd", workers=1)) for sc in (changed, on_file)]
    assert fronts[0].segments.equals(fronts[1].segments) and fronts[0].ladder.equals(fronts[1].ladder)
    amounts = (Perturbation(table="contributions", column="amount", dist="uniform", low=0.7, high=1.3),)
    mcs = [run_montecarlo(sc, MonteCarloOptions(5, 3, amounts, workers=1)) for sc in (changed, on_file)]
    assert (
        mcs[0]
        .samples.drop(columns="solve_seconds", errors="ignore")
        .equals(mcs[1].samples.drop(columns="solve_seconds", errors="ignore"))
    )
    alts = [run_alternatives(sc, AlternativesOptions(0.3, 2)) for sc in (changed, on_file)]
    assert alts[0].alternatives.equals(alts[1].alternatives)
    # Its digests are its own tables', so `planner check` sees it was not made from the files.
    assert mem.summary["input_sha256"] != unchanged.summary["input_sha256"]


def test_a_structural_sweep_of_a_scenario_changed_in_memory_matches_the_files(tmp_path):
    """Every point rebuilt from the in-memory tables (objective sense, a rule) equals the point
    solved from the same change written to files."""
    changed, on_file = _changed_in_memory_and_on_file(tmp_path)
    axes = (Vary("objective.sense", ["max_coverage", "min_cost"]), Vary("objective.coverage_target", [0.5]))
    mem, disk = (run_sweep(sc, SweepOptions(axes, workers=2)) for sc in (changed, on_file))
    assert mem.points.equals(disk.points)
    assert mem.summary["paths"] == disk.summary["paths"] and mem.summary["paths"]["rebuild"] > 0


def test_resume_reads_a_journal_written_before_runs_took_typed_values(tmp_path):
    """A journal from the text-argument API (manifest with `vary` texts and `overrides`) resumes."""
    path = write_scenario(tmp_path, seed=8, n_options=8, n_gaps=4)
    vary, overrides = ["limits.budget_musd=2:30:2"], ["objective.risk_penalty=0.5"]
    axes = [parse_vary(v) for v in vary]
    sweep_into(tmp_path / "whole", load_scenario(path, overrides), axes, workers=1, block_size=3)

    def stop(done, total):
        if done >= 6:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        sweep_into(tmp_path / "cut", load_scenario(path, overrides), axes, workers=1, block_size=3, progress=stop)
    journal = Journal(tmp_path / "cut")
    manifest = json.loads((journal.path / "manifest.json").read_text())
    for key in ("config", "axes"):
        del manifest[key]
    manifest.update(vary=vary, overrides=overrides)
    (journal.path / "manifest.json").write_text(json.dumps(manifest))
    out = resume_into(tmp_path / "cut", resume_sweep, write_sweep, workers=1)
    assert out.summary["points_resumed"] >= 6
    same_files(tmp_path / "whole", tmp_path / "cut", ("sweep.csv", "changes.csv"))


def test_a_journaled_run_of_a_scenario_changed_in_memory_says_why_it_cannot_resume(tmp_path):
    changed, _ = _changed_in_memory_and_on_file(tmp_path)

    def stop(done, total):
        if done >= 2:
            raise KeyboardInterrupt

    options = SweepOptions(Vary("limits.budget_musd", [4, 5, 6, 7]), workers=1, journal=tmp_path / "cut", progress=stop)
    with pytest.raises(RunInterrupted):
        run_sweep(changed, options)
    with pytest.raises(InputError, match="changed in memory"):
        resume_sweep(tmp_path / "cut", workers=1)
