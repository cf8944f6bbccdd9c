"""CBC through PuLP (the bundled binary): both stages, bound read from CBC's log."""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pulp

from planner.inputs.scenario import IndexArray
from planner.model.compile import start_years
from planner.model.core import Model
from planner.solver.outcome import PRIMARY, TIE_BREAK, SolveOutcome, Stage, Status, _guarded, relative_gap
from planner.solver.tiebreak import SUBSETS, canonical_x_weights, tie_break_scope


@dataclass(frozen=True)
class _Cbc:
    """How each CBC run of one solve is made, and what its first run's log said."""

    time_limit: float | None
    mip_gap: float
    tmp_dir: str | None
    log: dict[str, float] = field(default_factory=dict)

    def run(self, problem: pulp.LpProblem, stage: str) -> tuple[Status, str]:
        fd, log_path = tempfile.mkstemp(prefix="planner-cbc-", suffix=".log", dir=self.tmp_dir)
        os.close(fd)
        objective_name = None if problem.objective is None else problem.objective.name
        try:
            # preprocess off: the bundled CBC 2.10.3's default (sos) preprocessing returned a wrong
            # "optimal" answer (cost 1 instead of 0) on a 3-option tie-break; see test_hand.py
            # test_tie_break_free_option_beats_paid_one. ~30 % slower on scp42; correct first.
            solver = pulp.PULP_CBC_CMD(
                msg=False,
                timeLimit=self.time_limit,
                gapRel=self.mip_gap,
                warmStart=stage == "tie",
                logPath=log_path,
                options=["preprocess off"],
            )
            if self.tmp_dir is not None:
                solver.tmpDir = self.tmp_dir
            _guarded("CBC", problem.solve, solver)
            if stage == "first":
                self.log.update(_cbc_log_figures(log_path))
        finally:
            os.unlink(log_path)
            if problem.objective is not None:  # PuLP's MPS writer renames the objective ("OBJ")
                problem.objective.name = objective_name
        return _status_of(problem)


def _status_of(problem: pulp.LpProblem) -> tuple[Status, str]:
    sol = problem.sol_status
    if sol == pulp.LpSolutionOptimal:
        return Status.OPTIMAL, "optimal"
    if sol == pulp.LpSolutionIntegerFeasible:
        return Status.FEASIBLE, "stopped by a limit with a portfolio"
    if sol == pulp.LpSolutionInfeasible or problem.status == pulp.LpStatusInfeasible:
        return Status.INFEASIBLE, "infeasible"
    if sol == pulp.LpSolutionUnbounded:
        return Status.UNBOUNDED, "unbounded"
    return Status.NO_SOLUTION, str(pulp.LpStatus[problem.status])


def _selection(model: Model) -> npt.NDArray[np.int8]:
    return np.array([1 if (v.varValue or 0) > 0.5 else 0 for v in model.x.values()], dtype=np.int8)


def _starts(model: Model) -> IndexArray | None:
    if not model.x_year:
        return None
    years = sorted({y for _, y in model.x_year})
    grid = np.array([[model.x_year[(o, y)].varValue or 0 for y in years] for o in model.x], dtype=float)
    return start_years(grid, years)


def solve_cbc(
    model: Model, time_limit: float | None, mip_gap: float, tie_break: bool = True, tmp_dir: str | None = None
) -> SolveOutcome:
    """Solve with CBC through PuLP (bundled binary). CBC reports no bound through PuLP.
    `tmp_dir`: where PuLP writes the model and solution files (default: the system's)."""
    t0 = time.perf_counter()
    cbc = _Cbc(time_limit, mip_gap, tmp_dir)
    status, message = cbc.run(model.prob, "first")
    stages = [Stage(PRIMARY, status, time.perf_counter() - t0)]
    if not status.has_portfolio:
        return SolveOutcome(status, None, None, None, None, time.perf_counter() - t0, "cbc", message, stages)
    x, start = _selection(model), _starts(model)
    # Not pulp.value(): with an all-zero objective PuLP adds a `__dummy` variable with no
    # value to it, and value() then returns None.
    z = model.primary.constant + sum(c * (v.varValue or 0.0) for v, c in model.primary.items())
    if tie_break:
        stage = _tie_break(model, cbc, status, x, z)
        stages.append(stage)
        if stage.status.has_portfolio:
            x, start = _selection(model), _starts(model)
    bound, gap = _cbc_bound(z, cbc.log, status, mip_gap)
    return SolveOutcome(status, x, z, bound, gap, time.perf_counter() - t0, "cbc", message, stages, start_year=start)


def _tie_break(model: Model, cbc: _Cbc, status: Status, x: npt.NDArray[np.int8], z: float) -> Stage:
    """The tie-break stage on a shallow copy of `model.prob` (`LpProblem.copy()`: same variables,
    constraints and objective by reference) with its own constraint, sense and objective, so the
    model's problem is never changed; only the variables' upper bounds are set for it, and reset
    in `finally`."""
    tol = 1e-6 * max(1.0, abs(z))
    xs = list(model.x.values())
    canon = canonical_x_weights(np.array([model.secondary.get(v, 0.0) for v in xs], dtype=float))
    tie = model.prob.copy()  # the stage's own constraint, sense and objective: model.prob stays as it is
    tie.addConstraint(
        (model.primary >= z - tol) if model.maximize else (model.primary <= z + tol), "tie_break_keep_primary"
    )
    tie.sense = pulp.LpMinimize
    tie.setObjective(model.secondary + pulp.LpAffineExpression([(v, c) for v, c in zip(xs, canon) if c]))
    scope = tie_break_scope(status, cbc.mip_gap)
    off = [v for v, on in zip(xs, x) if not on] if scope == SUBSETS else []
    saved = [v.upBound for v in off]  # the variables are shared with model.prob
    t1 = time.perf_counter()
    try:
        for v in off:
            v.upBound = 0
        second, _ = cbc.run(tie, "tie")
    finally:
        for v, up in zip(off, saved):
            v.upBound = up
    return Stage(TIE_BREAK, second, time.perf_counter() - t1, scope)


def _cbc_log_figures(path: str) -> dict[str, float]:
    """'Objective value:' and 'Lower bound:' (minimising) or 'Upper bound:' (maximising) from CBC's closing summary."""
    figures: dict[str, float] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return figures
    for key, label in (("objective", "Objective value:"), ("bound", "(?:Lower|Upper) bound:")):
        found = re.findall(rf"^{label}\s+(-?[0-9.eE+-]+)\s*$", text, flags=re.M)
        if found:
            try:
                figures[key] = float(found[-1])
            except ValueError:
                pass
    return figures


def _cbc_bound(z: float, log: dict[str, float], status: Status, mip_gap: float) -> tuple[float | None, float | None]:
    """The proven bound (user sense) and relative gap |z − bound| / |z| of a CBC stage-1 solve.

    PuLP does not pass CBC's bound on, so it is read from CBC's log; should the log state the
    figures negated (CBC minimises internally), matching CBC's objective to z finds the sign. Only a
    proven optimum at mip_gap 0 may claim bound = z; unknown stays None, never invented."""
    if status == Status.OPTIMAL and mip_gap == 0:
        return z, 0.0
    cbc_obj, cbc_bound = log.get("objective"), log.get("bound")
    if cbc_obj is None or cbc_bound is None:
        return None, None
    tol = 1e-6 * max(1.0, abs(z))
    if abs(cbc_obj - z) <= tol:
        bound = cbc_bound
    elif abs(-cbc_obj - z) <= tol:
        bound = -cbc_bound
    else:
        return None, None
    return bound, relative_gap(z, bound)
