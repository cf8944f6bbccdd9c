"""What a solve returns: status constants and `SolveOutcome` (plain data)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, NO_SOLUTION, ERROR = (
    "optimal", "feasible", "infeasible", "unbounded", "no_solution", "error")


@dataclass
class SolveOutcome:
    status: str
    x: np.ndarray | None  # 0/1 per option, in scenario.options order
    objective_solver: float | None  # stage-1 objective as the solver saw it (user sense)
    bound: float | None  # best proven bound on the stage-1 objective (user sense)
    mip_gap: float | None
    solve_seconds: float
    backend: str
    message: str = ""
    stages: list[dict] = field(default_factory=list)
    prepare_seconds: float = 0.0  # model → solver arrays (compile_model, passModel), before stage 1
    race: dict | None = None  # --solver auto: winner and each solver's status and seconds (planner.solver.auto)
    start_year: np.ndarray | None = None  # phasing: start year per option (0 where not selected)


def _guarded(solver: str, call, *args):
    """Run a solver call; an exception from the solver becomes a PlannerError (exit 1) that
    carries the solver's own message, instead of an anonymous internal error."""
    from planner.errors import PlannerError

    try:
        return call(*args)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - solver bindings raise many types
        raise PlannerError(f"{solver} failed: {exc}") from exc
