"""Write a sensitivity run's result as a run folder: separate from running it.

`write_sweep(result, out_dir)` (and `write_frontier`, `write_montecarlo`,
`write_tranches`, `write_alternatives`) writes the result's tables, summary.json and scenario.json into
`out_dir` at once (`planner.io.runfolder.atomic_dir`: never over a folder the planner did not
write), then drops the run's journal there if it kept one (`SweepOptions.journal`, …).
"""

from __future__ import annotations

from pathlib import Path

from planner.sensitivity.alternatives import AlternativesResult
from planner.sensitivity.frontier import FrontierResult
from planner.sensitivity.journal import Journal
from planner.sensitivity.montecarlo import MonteCarloResult
from planner.sensitivity.runner import RunResult, write_tables
from planner.sensitivity.sweep import SweepResult
from planner.sensitivity.tranches import TranchesResult


def write_result(result: RunResult, out_dir: str | Path) -> Path:
    """Write any run's result into `out_dir` and drop its journal; returns the folder."""
    write_tables(Path(out_dir), result.tables, result.summary, result.config)
    Journal(out_dir).discard()
    return Path(out_dir)


def write_sweep(result: SweepResult, out_dir: str | Path) -> Path:
    """sweep.csv, changes.csv, summary.json, scenario.json."""
    return write_result(result, out_dir)


def write_frontier(result: FrontierResult, out_dir: str | Path) -> Path:
    """frontier.csv, ladder.csv, summary.json, scenario.json."""
    return write_result(result, out_dir)


def write_montecarlo(result: MonteCarloResult, out_dir: str | Path) -> Path:
    """montecarlo_options.csv, montecarlo_objective.csv, montecarlo_coverage.csv, summary.json, scenario.json."""
    return write_result(result, out_dir)


def write_tranches(result: TranchesResult, out_dir: str | Path) -> Path:
    """tranches.csv, summary.json, scenario.json."""
    return write_result(result, out_dir)


def write_alternatives(result: AlternativesResult, out_dir: str | Path) -> Path:
    """alternatives.csv, alternatives_matrix.csv, summary.json, scenario.json."""
    return write_result(result, out_dir)
