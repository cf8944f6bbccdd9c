"""What a solve returns, as types: `Status`, one `StageResult` per solver run, one `Stage` per
stage of a solve (as `summary.json` lists it), `SolveOutcome`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from planner.errors import PlannerError

T = TypeVar("T")

if TYPE_CHECKING:  # numpy only in annotations: Status is imported by the CLI, which must start fast
    import numpy as np


class Status(StrEnum):
    """A solve's outcome. A `StrEnum`, so it is written to JSON and CSV as its plain value."""

    OPTIMAL = "optimal"  # proven within the gap setting
    FEASIBLE = "feasible"  # a portfolio, stopped by a limit before the proof
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"  # stopped by a limit before any portfolio was found
    ERROR = "error"  # the solver failed

    @classmethod
    def of(cls, value: object) -> Status | None:
        """The status `value` names (a `Status` or its plain string, e.g. read from JSON), None if none."""
        if not isinstance(value, str):
            return None
        try:
            return cls(value)
        except ValueError:
            return None

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


# The members under their own names too (`from planner.solver.outcome import OPTIMAL`).
OPTIMAL, FEASIBLE, INFEASIBLE, UNBOUNDED, NO_SOLUTION, ERROR = (
    Status.OPTIMAL,
    Status.FEASIBLE,
    Status.INFEASIBLE,
    Status.UNBOUNDED,
    Status.NO_SOLUTION,
    Status.ERROR,
)


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

    def as_stage(self, stage: str, scope: str | None = None) -> Stage:
        """This run as stage `stage` of a solve (with the solver's figures)."""
        return Stage(stage, self.status, self.seconds, scope, self.objective, self.bound, self.gap, self.message)


PRIMARY, TIE_BREAK = "primary", "tie_break"  # the stages of a solve, in order


@dataclass(frozen=True)
class Stage:
    """One stage of a solve: `primary` or `tie_break` (with its scope, `planner.solver.tiebreak`).

    The solver's figures (min-sense objective, bound, gap, message) are there when the backend
    reports them (HiGHS); `summary.json` lists stage, scope, status and seconds (`to_dict`)."""

    stage: str
    status: Status
    seconds: float
    scope: str | None = None  # tie-break stage only
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    message: str = ""

    def to_dict(self) -> dict[str, object]:
        """The stage as `summary.json` lists it."""
        return {
            "stage": self.stage,
            **({"scope": self.scope} if self.scope else {}),
            "status": self.status,
            "seconds": round(self.seconds, 4),
        }


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
    stages: list[Stage] = field(default_factory=list)
    prepare_seconds: float = 0.0  # model → solver arrays (compile_model, passModel), before stage 1
    race: dict[str, Any] | None = (
        None  # --solver auto: winner and each solver's status and seconds (planner.solver.auto)
    )
    start_year: np.ndarray | None = None  # phasing: start year per option (0 where not selected)


def relative_gap(objective: float, bound: float) -> float:
    """|objective − bound| / |objective|: HiGHS's and CBC's relative gap (|objective| floored at 1e-10)."""
    return abs(objective - bound) / max(abs(objective), 1e-10)


def reported_gap(outcome: SolveOutcome, objective: float | None) -> float | None:
    """The gap of the portfolio a run reports (objective recomputed from it): the solver's own figure,
    unless the tie-break stage found a portfolio better than the solver's stage-1 incumbent (it may,
    among the incumbent's sub-portfolios) — then `relative_gap` at the reported objective, so the gap
    always describes the figures it stands beside."""
    if outcome.mip_gap is None or outcome.bound is None or objective is None or outcome.objective_solver is None:
        return outcome.mip_gap
    if abs(objective - outcome.objective_solver) <= 1e-9 * max(1.0, abs(objective)):
        return outcome.mip_gap
    if outcome.status is Status.OPTIMAL and outcome.mip_gap == 0:
        return 0.0
    return relative_gap(objective, outcome.bound)


def _guarded(solver: str, call: Callable[..., T], *args: Any) -> T:
    """Run a solver call; an exception from the solver becomes a PlannerError (exit 1) that
    carries the solver's own message, instead of an anonymous internal error."""
    try:
        return call(*args)
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - solver bindings raise many types
        raise PlannerError(f"{solver} failed: {exc}") from exc
