"""`planner sweep`: grid parsing, hand-checked results, agreement with independent `planner solve`
runs, worker- and executor-independence, and resume after an interruption."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from planner.api import load_scenario, solve
from planner.cli import cli
from planner.errors import InputError
from planner.sensitivity.write import write_sweep
from planner.sensitivity.grid import blocks, neighbours, parse_axes, parse_vary, points
from planner.sensitivity.journal import Journal, journal_dir
from planner.sensitivity.runner import RunInterrupted
from planner.sensitivity.sweep import resume_sweep
from sens_helpers import resume_into, sweep_into, write_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"
BASELINE = Path(__file__).parent.parent / "models" / "baseline.yaml"


def test_parse_vary_ranges_and_lists():
    assert parse_vary("limits.budget_musd=2000:3000:500").values == (2000, 2500, 3000)
    assert parse_vary("limits.budget_musd=2000:2900:500").values == (2000, 2500)  # STOP included only when reached
    assert parse_vary("objective.risk_penalty=0:0.3:0.1").values == (0.0, 0.1, 0.2, 0.3)  # not 0.30000000000000004
    assert parse_vary("limits.x=10:0:-5").values == (10, 5, 0)
    assert parse_vary("objective.sense=max_coverage,min_cost").values == ("max_coverage", "min_cost")
    for bad in (
        "limits.budget_musd",
        "=1,2",
        "limits.budget_musd=1:2",
        "limits.budget_musd=1:5:0",
        "limits.budget_musd=5:1:1",
        "limits.budget_musd=a:2:1",
        "limits.budget_musd=1,,2",
    ):
        with pytest.raises(InputError):
            parse_vary(bad)
    with pytest.raises(InputError, match="twice"):
        parse_axes(["limits.a=1,2", "limits.a=3"])


def test_grid_blocks_and_neighbours():
    axes = parse_axes(["a.x=1,2", "a.y=1:5:1"])
    grid = points(axes)
    assert len(grid) == 10 and grid[0] == {"a.x": 1, "a.y": 1} and grid[6] == {"a.x": 2, "a.y": 2}
    assert blocks(axes, 3) == [[0, 1, 2], [3, 4], [5, 6, 7], [8, 9]]  # never across a row of the last axis
    pairs = neighbours(axes)
    assert (0, 0, 5) in pairs and (1, 0, 1) in pairs and (1, 4, 5) not in pairs
    assert len(pairs) == 5 + 2 * 4


def test_tiny_sweep_by_hand(tmp_path):
    # Worked out in test_sens_engine.test_tiny_budget_ladder_by_hand.
    out = sweep_into(tmp_path / "run", load_scenario(TINY), parse_axes(["limits.budget_musd=2:11:1"]), workers=1)
    frame = pd.read_csv(tmp_path / "run" / "sweep.csv", keep_default_na=False)
    assert frame["objective"].tolist() == [0.0, 1.0, 1.2, 1.2, 2.0, 2.2, 2.2, 2.2, 2.2, 3.0]
    assert frame["portfolio"].tolist() == ["", "c", "d", "d", "b", "c;d", "c;d", "c;d", "c;d", "a;b"]
    assert frame["budget_musd_used"].tolist() == [0, 3, 4, 4, 6, 7, 7, 7, 7, 11]
    changes = pd.read_csv(tmp_path / "run" / "changes.csv")
    last = changes[changes["to_point"] == 9]
    assert sorted(zip(last["option_id"], last["change"])) == [
        ("a", "enter"),
        ("b", "enter"),
        ("c", "leave"),
        ("d", "leave"),
    ]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["kind"] == "sweep" and summary["points"] == 10 and summary["status_counts"] == {"optimal": 10}
    assert summary["paths"] == {"fast": 10, "rebuild": 0}
    assert json.loads(json.dumps(out.summary)) == summary and summary["workers"] == 1
    assert not journal_dir(tmp_path / "run").exists()  # the journal is dropped once the run is complete
    assert summary["warm_start"] is False  # MIP starts are off by default (they slowed HiGHS down)
    warm = sweep_into(
        tmp_path / "warm", load_scenario(TINY), parse_axes(["limits.budget_musd=2:11:1"]), workers=1, warm_start=True
    )
    assert warm.summary["warm_start"] is True
    _same_tables(tmp_path / "run", tmp_path / "warm")  # MIP starts change the path, not the answer


def test_sweep_points_equal_independent_planner_solve(tmp_path):
    """A sample of points (fast path and rebuild path) against `planner.api.solve(load_scenario(path, --set))`."""
    path = write_scenario(tmp_path, seed=11, n_options=12, n_gaps=6)
    vary = ["limits.budget_musd=6:30:4", "objective.sector_weights.s2=0.5,3", "rules.forbid=[],[o1]"]
    out = sweep_into(tmp_path / "run", load_scenario(path), parse_axes(vary), workers=1, block_size=4)
    frame = out.tables["sweep.csv"]
    assert out.summary["paths"]["rebuild"] > 0 and out.summary["paths"]["fast"] > 0
    for index in range(0, len(frame), 5):
        row = frame.iloc[index]
        forbid = row["rules.forbid"]  # written in YAML flow style: [] or [o1]
        ref = solve(
            load_scenario(
                path,
                [
                    f"limits.budget_musd={row['limits.budget_musd']}",
                    f"objective.sector_weights.s2={row['objective.sector_weights.s2']}",
                    f"rules.forbid={forbid}",
                ],
            )
        )
        assert row["status"] == ref.status
        assert row["objective"] == pytest.approx(ref.objective, abs=1e-7)
        assert row["portfolio"] == ";".join(ref.selected)


def test_baseline_points_equal_planner_solve(tmp_path):
    out = sweep_into(tmp_path / "run", load_scenario(BASELINE), parse_axes(["limits.budget_musd=3000,4500"]), workers=1)
    for _, row in out.tables["sweep.csv"].iterrows():
        ref = solve(load_scenario(BASELINE, [f"limits.budget_musd={row['limits.budget_musd']}"]))
        assert row["objective"] == pytest.approx(ref.objective, abs=1e-7)
        assert row["portfolio"] == ";".join(ref.selected)


def _same_tables(a: Path, b: Path) -> None:
    for name in ("sweep.csv", "changes.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.slow
def test_two_workers_give_the_same_tables(tmp_path):
    path = write_scenario(tmp_path, seed=4, n_options=12, n_gaps=6)
    vary = ["limits.budget_musd=4:40:2"]
    sweep_into(tmp_path / "one", load_scenario(path), parse_axes(vary), workers=1, block_size=4)
    out = sweep_into(tmp_path / "two", load_scenario(path), parse_axes(vary), workers=2, block_size=4)
    assert out.summary["workers"] == 2
    _same_tables(tmp_path / "one", tmp_path / "two")


def test_dask_local_cluster_gives_the_same_tables(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_scenario(tmp_path, seed=4, n_options=10, n_gaps=5)
    vary = ["limits.budget_musd=4:30:2"]
    sweep_into(tmp_path / "local", load_scenario(path), parse_axes(vary), workers=1, block_size=4)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, host="127.0.0.1", protocol="tcp", dashboard_address=None
    ) as cluster:
        out = sweep_into(
            tmp_path / "dask", load_scenario(path), parse_axes(vary), scheduler=cluster.scheduler_address, block_size=4
        )
    assert out.summary["scheduler"] is True
    _same_tables(tmp_path / "local", tmp_path / "dask")


def test_interrupted_sweep_resumes_to_identical_tables(tmp_path):
    path = write_scenario(tmp_path, seed=8, n_options=10, n_gaps=5)
    vary = ["limits.budget_musd=2:30:2", "objective.risk_penalty=0,1"]
    # warm starts chain points within a block; a resumed block must start from the same portfolio
    sweep_into(tmp_path / "whole", load_scenario(path), parse_axes(vary), workers=1, block_size=3, warm_start=True)

    calls = []

    def stop_after_three_batches(done, total):
        calls.append(done)
        if len(calls) == 4:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as info:
        sweep_into(
            tmp_path / "cut",
            load_scenario(path),
            parse_axes(vary),
            workers=1,
            block_size=3,
            warm_start=True,
            progress=stop_after_three_batches,
        )
    assert info.value.done == calls[-1] > 0
    assert not (tmp_path / "cut").exists()  # nothing half-written where results go
    journal = Journal(tmp_path / "cut")
    kept = journal.records()
    assert len(kept) == info.value.done
    with open(journal.path / "points.jsonl", "a") as fh:  # a kill mid-write leaves a torn line
        fh.write('{"index": 999, "stat')
    out = resume_into(tmp_path / "cut", resume_sweep, write_sweep, workers=1)
    assert out.summary["points_resumed"] == len(kept)
    assert out.summary["points_solved_now"] == out.summary["points"] - len(kept)
    _same_tables(tmp_path / "whole", tmp_path / "cut")
    with pytest.raises(InputError, match="already complete"):
        resume_sweep(tmp_path / "cut")


def test_resume_refuses_changed_inputs(tmp_path):
    path = write_scenario(tmp_path, seed=8, n_options=6, n_gaps=3)

    def stop(done, total):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted):
        sweep_into(
            tmp_path / "cut",
            load_scenario(path),
            parse_axes(["limits.budget_musd=2:20:2"]),
            workers=1,
            block_size=2,
            progress=stop,
        )
    contributions = path.parent / "gen-data" / "contributions.csv"
    contributions.write_text(contributions.read_text().replace(",1\n", ",2\n", 1) + "o0,g2,1\n")
    with pytest.raises(InputError, match="changed since"):
        resume_sweep(tmp_path / "cut", workers=1)


def test_cli_sweep_json_and_errors(tmp_path):
    runner = CliRunner()
    res = runner.invoke(
        cli,
        [
            "sweep",
            str(TINY),
            "--vary",
            "limits.budget_musd=5,11",
            "--out",
            str(tmp_path / "r"),
            "--json",
            "--workers",
            "1",
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kind"] == "sweep" and data["out_dir"] == str(tmp_path / "r") and data["points"] == 2
    bad = runner.invoke(cli, ["sweep", str(TINY), "--vary", "limits.budget_musd=-5,11", "--out", str(tmp_path / "b")])
    assert bad.exit_code == 2 and "limits.budget_musd" in bad.output
    unknown = runner.invoke(cli, ["sweep", str(TINY), "--vary", "limits.budgt=1,2", "--json"])
    assert unknown.exit_code == 2 and "budgt" in unknown.output
    assert runner.invoke(cli, ["sweep", str(TINY)]).exit_code == 2  # no --vary
    nothing = runner.invoke(cli, ["sweep", "--resume", str(tmp_path / "nowhere")])
    assert nothing.exit_code == 2 and "nothing to resume" in nothing.output
    assert "Example" in runner.invoke(cli, ["sweep", "--help"]).output


def test_time_limited_points_are_marked_feasible_not_optimal(tmp_path):
    # A 1e-6 s limit stops HiGHS before it proves anything; points must never be reported optimal.
    out = sweep_into(
        tmp_path / "r",
        load_scenario(BASELINE),
        parse_axes(["limits.budget_musd=3000,4000"]),
        workers=1,
        time_limit_s=1e-6,
    )
    assert set(out.tables["sweep.csv"]["status"]) <= {"feasible", "no_solution"}


def test_resumed_batches_start_from_the_latest_earlier_portfolio():
    from planner.sensitivity.sweep import make_batches

    grid = [{"k": i} for i in range(7)]
    done = {
        0: {"objective": 1.0, "selected": ["a"]},
        1: {"objective": None, "selected": []},  # 1 infeasible
        3: {"objective": 2.0, "selected": ["b"]},
        5: {"objective": 3.0, "selected": ["c"]},
    }
    batches = make_batches(grid, [[0, 1, 2, 3, 4], [5, 6]], done)
    assert batches == [
        {"start": ["a"], "points": [(2, {"k": 2})]},  # 1 had no portfolio: 0's is the latest
        {"start": ["b"], "points": [(4, {"k": 4})]},
        {"start": ["c"], "points": [(6, {"k": 6})]},
    ]


def test_default_blocks_are_single_points_without_warm_start(tmp_path):
    out = sweep_into(tmp_path / "r", load_scenario(TINY), parse_axes(["limits.budget_musd=2:6:1"]), workers=1)
    assert out.summary["block_size"] == 1 and out.summary["warm_start"] is False
    warm = sweep_into(
        tmp_path / "w", load_scenario(TINY), parse_axes(["limits.budget_musd=2:6:1"]), workers=1, warm_start=True
    )
    assert warm.summary["block_size"] == 10
