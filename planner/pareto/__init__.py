"""Exact Pareto fronts of two or three objectives (`planner pareto`).

    >>> from planner import load_scenario
    >>> from planner.pareto import Kind, ObjectiveSpec, ParetoOptions, pareto, write_pareto
    >>> result = pareto(load_scenario("models/baseline.yaml"),
    ...                 ParetoOptions((ObjectiveSpec(Kind.COVERAGE), ObjectiveSpec(Kind.RISK))))
    >>> write_pareto(result, "outputs/baseline/pareto")

See docs/pareto.md for the method and why it is exact.
"""

from pathlib import Path

from planner.pareto.objectives import Kind, ObjectiveSpec, Sense
from planner.pareto.output import write_pareto as write
from planner.pareto.run import ParetoOptions, ParetoPoint, ParetoResult, pareto

__all__ = ["Kind", "ObjectiveSpec", "Sense", "ParetoOptions", "ParetoPoint", "ParetoResult", "pareto", "write_pareto"]


def write_pareto(result: ParetoResult, out_dir: str | Path) -> Path:
    """Write pareto.csv, summary.json and scenario.json (see `planner.pareto.output`)."""
    return write(result, out_dir)
