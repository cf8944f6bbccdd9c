"""What a solve returns, as types: `Status`, one `StageResult` per solver run, `SolveOutcome`."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Status(StrEnum):
    """A solve's outcome. A `StrEnum`, so it is written to JSON and CSV as its plain value."""

    OPTIMAL = "optimal"  # proven within the gap setting
    FEASIBLE = "feasible"  # a portfolio, stopped by a limit before the proof
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # stopped by a limit before any portfolio was found
    ERROR = "error"  # the solver failed

    @property
    def has_portfolio(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def is_proof(self) -> bool:
        """The solver proved what it reports: an optimum, infeasibility or unboundedness."""
        return self in (Status.OPTIMAL, Status.INFEASIBLE, Status.UNBOUNDED)

    @property
    def exit_code(self) -> int:
        """The CLI's exit status: 0 optimal, 3 infeasible, 4 stopped by a limit, 1 a fault (or unbounded)."""
        return {Status.OPTIMAL: 0, Status.FEASIBLE: 4, Status.NO_SOLUTION: 4, Status.INFEASIBLE: 3}.get(self, 1)


OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, NO_SOLUTION, ERROR = (
    Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE, Status.UNBOUNDED, Status.NO_SOLUTION, Status.ERROR)


@dataclass(frozen=True)
class StageResult:
    """One solver run (`HighsSession.run_stage`): min-sense objective, bound and gap as HiGHS reports them."""

    status: Status
    values: np.ndarray | None  # every column's value, None without a solution
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    message: str

    def record(self, stage: str, scope: str | None = None) -> dict:
        """The stage as `summary.json` lists it (plus the solver's figures)."""
        out = {"stage": stage, **({"scope": scope} if scope else {}), "status": self.status,
               "objective": self.objective, "bound": self.bound, "gap": self.gap, "seconds": self.seconds,
               "message": self.message}
        return out


@dataclass
class SolveOutcome:
    status: Status
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
