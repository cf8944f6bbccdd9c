"""Monte Carlo's local workers are threads of this process, each on a fork of the one built
model: no process is spawned, the tables are the same as with one worker, and a failing batch
is raised in the caller's thread."""

from __future__ import annotations

import pytest

from planner.api import load_scenario
from planner.errors import PlannerError
from planner.sensitivity import executors, montecarlo
from planner.sensitivity.montecarlo import run_montecarlo
from planner.sensitivity.perturb import parse_flag
from sens_helpers import write_scenario

PERTURB = [parse_flag("contributions.amount=uniform:0.7:1.3"), parse_flag("gaps.weight=uniform:0.8:1.2")]
TABLES = ("montecarlo_options.csv", "montecarlo_objective.csv", "montecarlo_coverage.csv")


def _no_pool(*args, **kwargs):
    raise AssertionError("a process pool was started")


def test_two_workers_are_threads_with_the_one_worker_tables(tmp_path, monkeypatch):
    path = write_scenario(tmp_path, seed=4, n_options=10, n_gaps=5)
    kwargs = dict(samples=30, seed=3, perturb=PERTURB)
    run_montecarlo(load_scenario(path), out_dir=tmp_path / "one", workers=1, **kwargs)
    monkeypatch.setattr(executors, "_run_pool", _no_pool)
    run_montecarlo(load_scenario(path), out_dir=tmp_path / "two", workers=2, **kwargs)
    for name in TABLES:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


def test_a_failing_batch_is_raised_in_the_callers_thread(tmp_path, monkeypatch):
    path = write_scenario(tmp_path, seed=4, n_options=10, n_gaps=5)
    real = montecarlo.solve_samples

    def fail_on_the_second_batch(engine, job, batch):
        if batch[0] >= montecarlo.BATCH:
            raise PlannerError("batch failed")
        return real(engine, job, batch)

    monkeypatch.setattr(executors, "_run_pool", _no_pool)
    monkeypatch.setattr(montecarlo, "solve_samples", fail_on_the_second_batch)
    with pytest.raises(PlannerError, match="batch failed"):
        run_montecarlo(load_scenario(path), out_dir=tmp_path / "x", workers=2, samples=30, seed=3, perturb=PERTURB)
