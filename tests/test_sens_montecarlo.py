"""`planner montecarlo`: reproducible draws, figures recomputed per sample, labels, and the
same results whatever the executor (local processes, Dask) or an interruption."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from planner.api import load_scenario, solve
from planner.cli import cli
from planner.errors import InputError
from planner.results.evaluation import evaluate
from planner.inputs.read import load_raw
from planner.sensitivity.write import write_montecarlo
from planner.sensitivity.montecarlo import label, resume_montecarlo
from planner.sensitivity.perturb import parse_flag, sample_tables
from planner.sensitivity.points import perturbed
from planner.sensitivity.runner import RunInterrupted
from planner.inputs.validate import validate
from sens_helpers import montecarlo_into, resume_into, write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"
PERTURB = [
    "contributions.amount=uniform:0.7:1.3",
    "options.budget_musd=triangular:0.8:1:1.5",
    "gaps.weight=uniform:0.8:1.2",
]


def test_parse_flags():
    p = parse_flag("options.budget_musd=triangular:0.8:1:1.5")
    assert (p.table, p.column, p.dist, p.low, p.peak, p.high, p.scope) == (
        "options",
        "budget_musd",
        "triangular",
        0.8,
        1,
        1.5,
        "cell",
    )
    assert parse_flag("sectors.weight=normal:0.2:column").scope == "column"
    for bad in (
        "amount=uniform:1:2",
        "contributions.amount=uniform:1",
        "contributions.amount=beta:1:2",
        "contributions.amount=uniform:2:1",
        "contributions.amount=uniform:a:b",
        "gaps.weight=normal:0",
    ):
        with pytest.raises(InputError):
            parse_flag(bad)


def test_draws_depend_only_on_seed_and_sample():
    base = validate(load_raw(TINY))
    perts = [parse_flag(f) for f in PERTURB] + [parse_flag("sectors.weight=uniform:0.5:2:column")]
    a = sample_tables(base, perts, seed=5, index=17)
    b = sample_tables(base, perts, seed=5, index=17)
    c = sample_tables(base, perts, seed=5, index=18)
    for name in a:
        assert a[name].equals(b[name])
    assert not a["contributions"].equals(c["contributions"])
    factors = a["contributions"]["amount"].to_numpy() / base.contributions["amount"].to_numpy()
    assert np.all((factors >= 0.7) & (factors <= 1.3)) and len(set(factors.round(12))) == len(factors)
    sector_factors = a["sectors"]["weight"].to_numpy() / base.sectors["weight"].to_numpy()
    assert np.allclose(sector_factors, sector_factors[0]) and 0.5 <= sector_factors[0] <= 2  # one factor per column
    risk = sample_tables(base, [parse_flag("options.risk=uniform:5:6")], 0, 0)["options"]["risk"]
    assert risk.max() <= 1.0  # risk stays a probability


def test_labels():
    assert [label(f, 0.9, 0.1) for f in (1.0, 0.9, 0.5, 0.1, 0.0, None)] == [
        "core",
        "core",
        "borderline",
        "exterior",
        "exterior",
        "",
    ]


def test_each_sample_is_its_perturbed_scenario_solved(tmp_path):
    out = montecarlo_into(
        tmp_path / "mc", load_scenario(TINY), samples=12, seed=3, perturb=[parse_flag(f) for f in PERTURB], workers=1
    )
    frame = out.tables["montecarlo_objective.csv"]
    base = validate(load_raw(TINY))
    perts = [parse_flag(f) for f in PERTURB]
    for i in (0, 5, 11):  # an independent build-and-solve of the same perturbed tables
        scenario = perturbed(base, sample_tables(base, perts, 3, i))
        ref = solve(scenario)
        row = frame.iloc[i]
        assert row["objective"] == pytest.approx(ref.objective, abs=1e-7)
        assert row["portfolio"] == ";".join(ref.selected)
        assert row["objective"] == pytest.approx(evaluate(scenario, ref.selected).objective, abs=1e-7)
    options = out.tables["montecarlo_options.csv"]
    solved = int(frame["objective"].notna().sum())
    for _, row in options.iterrows():
        count = sum(row["option_id"] in p.split(";") for p in frame["portfolio"].fillna(""))
        assert row["selected_samples"] == count and row["frequency"] == pytest.approx(count / solved)
    s = json.loads((tmp_path / "mc" / "summary.json").read_text())
    assert s["kind"] == "montecarlo" and s["samples"] == 12 and s["base"]["selected"] == ["a", "b"]
    assert s["objective"]["min"] <= s["objective"]["p50"] <= s["objective"]["max"]
    cov = out.tables["montecarlo_coverage.csv"]
    assert list(cov["sector_id"]) == ["semis", "minerals"] and (cov["p5"] <= cov["p95"]).all()


def test_yaml_section_and_flag_override(tmp_path):
    path = write_scenario(
        tmp_path,
        seed=2,
        n_options=8,
        extra={
            "uncertainty": {
                "samples": 6,
                "seed": 9,
                "core": 0.8,
                "perturb": [{"table": "contributions", "column": "amount", "dist": "uniform", "low": 0.5, "high": 1.5}],
            }
        },
    )
    out = montecarlo_into(tmp_path / "a", load_scenario(path), workers=1)
    assert out.summary["samples"] == 6 and out.summary["seed"] == 9 and out.summary["core_threshold"] == 0.8
    flagged = montecarlo_into(
        tmp_path / "b", load_scenario(path), perturb=[parse_flag("contributions.amount=uniform:0.9:1.1")], workers=1
    )
    assert flagged.summary["perturb"][0]["low"] == 0.9 and len(flagged.summary["perturb"]) == 1
    with pytest.raises(InputError, match="uncertainty.perturb"):
        data = yaml.safe_load(path.read_text())
        data["uncertainty"]["perturb"][0]["column"] = "size"
        data["uncertainty"]["perturb"][0]["table"] = "gaps"
        path.write_text(yaml.safe_dump(data))
        montecarlo_into(tmp_path / "c", load_scenario(path), workers=1)


@pytest.mark.slow
def test_same_seed_same_results_with_two_workers_and_on_dask(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_scenario(tmp_path, seed=6, n_options=10, n_gaps=5)
    kwargs = dict(samples=24, seed=11, perturb=[parse_flag(f) for f in PERTURB])
    montecarlo_into(tmp_path / "one", load_scenario(path), workers=1, **kwargs)
    montecarlo_into(tmp_path / "two", load_scenario(path), workers=2, **kwargs)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1", protocol="tcp", dashboard_address=None
    ) as cluster:
        montecarlo_into(tmp_path / "dask", load_scenario(path), scheduler=cluster.scheduler_address, **kwargs)
    for name in ("montecarlo_options.csv", "montecarlo_objective.csv", "montecarlo_coverage.csv"):
        one = (tmp_path / "one" / name).read_bytes()
        assert one == (tmp_path / "two" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes(), name


def test_interrupted_montecarlo_resumes(tmp_path):
    path = write_scenario(tmp_path, seed=6, n_options=8, n_gaps=4)
    kwargs = dict(samples=30, seed=1, perturb=[parse_flag(PERTURB[0])])
    montecarlo_into(tmp_path / "whole", load_scenario(path), workers=1, **kwargs)

    def stop(done, total):
        if done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        montecarlo_into(tmp_path / "cut", load_scenario(path), workers=1, progress=stop, **kwargs)
    out = resume_into(tmp_path / "cut", resume_montecarlo, write_montecarlo, workers=1)
    assert out.summary["points_resumed"] == 10
    for name in ("montecarlo_options.csv", "montecarlo_objective.csv", "montecarlo_coverage.csv"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "cut" / name).read_bytes(), name


def test_montecarlo_cli(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "montecarlo",
            str(TINY),
            "--samples",
            "8",
            "--seed",
            "2",
            "--workers",
            "1",
            "--json",
            "--out",
            str(tmp_path / "m"),
            *sum((["--perturb", p] for p in PERTURB), []),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["samples"] == 8 and set(data["counts"]) == {"core", "borderline", "exterior"}
    assert runner.invoke(cli, ["montecarlo", str(TINY), "--samples", "3"]).exit_code == 2  # nothing to perturb
    bad = runner.invoke(cli, ["montecarlo", str(TINY), "--perturb", "gaps.size=uniform:1:2"])
    assert bad.exit_code == 2 and "perturbable columns" in bad.output
    assert "Example" in runner.invoke(cli, ["montecarlo", "--help"]).output
