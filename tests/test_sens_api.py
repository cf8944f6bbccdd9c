"""The sensitivity commands from Python: a `Scenario` and typed values (`Vary`, `Perturbation`,
floats) give the same tables as the command line, which only parses its text into them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.api import load_scenario
from planner.cli import cli
from planner.errors import InputError
from planner.inputs.config import Perturbation
from planner.sensitivity.alternatives import run_alternatives
from planner.sensitivity.frontier import run_frontier
from planner.sensitivity.grid import Vary, check_grid, parse_vary
from planner.sensitivity.journal import Journal
from planner.sensitivity.montecarlo import run_montecarlo
from planner.sensitivity.runner import RunInterrupted
from planner.sensitivity.sweep import resume_sweep, run_sweep
from sens_helpers import write_scenario

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
    out = run_sweep(
        scenario,
        [
            Vary("limits.budget_musd", [5, 7, 11]),
            Vary.range("objective.risk_penalty", 0, 0.2, 0.1),
            Vary("rules.forbid", [[], ["b"]]),
        ],
        out_dir=tmp_path / "py",
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
    out = run_montecarlo(load_scenario(TINY), samples=7, seed=4, perturb=perturb, out_dir=tmp_path / "py", workers=1)
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
        run_montecarlo(
            load_scenario(TINY),
            samples=2,
            perturb=[Perturbation(table="gaps", column="size", low=1, high=2)],
            out_dir=tmp_path / "bad",
            workers=1,
        )


def test_run_frontier_and_alternatives_with_typed_values_equal_the_cli(tmp_path):
    run_frontier(load_scenario(TINY), "budget_musd", lo=4.0, hi=9.0, out_dir=tmp_path / "fpy")
    cli_run(
        "frontier", str(TINY), "--resource", "budget_musd", "--from", "4", "--to", "9", "--out", str(tmp_path / "fcli")
    )
    same_files(tmp_path / "fpy", tmp_path / "fcli", ("frontier.csv", "ladder.csv"))
    run_alternatives(load_scenario(TINY), within=0.3, count=2, out_dir=tmp_path / "apy")
    cli_run("alternatives", str(TINY), "--within", "0.3", "--count", "2", "--out", str(tmp_path / "acli"))
    same_files(tmp_path / "apy", tmp_path / "acli", ("alternatives.csv", "alternatives_matrix.csv"))
    with pytest.raises(InputError, match="share of the optimum"):
        run_alternatives(load_scenario(TINY), within=-0.1, out_dir=tmp_path / "bad")


def test_a_scenario_changed_in_memory_is_refused(tmp_path):
    """Workers start from the scenario's files: a scenario that no longer says what they say
    would be solved as the files say on some points and as it says on others."""
    scenario = load_scenario(TINY)
    options = scenario.options.copy()
    options["budget_musd"] = options["budget_musd"] * 2
    changed = dataclasses.replace(scenario, options=options)
    with pytest.raises(InputError, match="differs from its files"):
        run_sweep(changed, Vary("limits.budget_musd", [5, 7]), out_dir=tmp_path / "s", workers=1)
    with pytest.raises(InputError, match="differs from its files"):
        run_frontier(changed, "budget_musd", out_dir=tmp_path / "f")


def test_resume_reads_a_journal_written_before_runs_took_typed_values(tmp_path):
    """A journal from the text-argument API (manifest with `vary` texts and `overrides`) resumes."""
    path = write_scenario(tmp_path, seed=8, n_options=8, n_gaps=4)
    vary, overrides = ["limits.budget_musd=2:30:2"], ["objective.risk_penalty=0.5"]
    axes = [parse_vary(v) for v in vary]
    run_sweep(load_scenario(path, overrides), axes, out_dir=tmp_path / "whole", workers=1, block_size=3)

    def stop(done, total):
        if done >= 6:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        run_sweep(
            load_scenario(path, overrides), axes, out_dir=tmp_path / "cut", workers=1, block_size=3, progress=stop
        )
    journal = Journal(tmp_path / "cut")
    manifest = json.loads((journal.path / "manifest.json").read_text())
    for key in ("config", "axes"):
        del manifest[key]
    manifest.update(vary=vary, overrides=overrides)
    (journal.path / "manifest.json").write_text(json.dumps(manifest))
    out = resume_sweep(tmp_path / "cut", workers=1)
    assert out.summary["points_resumed"] >= 6
    same_files(tmp_path / "whole", tmp_path / "cut", ("sweep.csv", "changes.csv"))
