"""HiGHS through highspy, from the compiled arrays: one model kept alive for re-solves.

Two stages, lexicographically: stage 1 optimises the primary objective; stage 2 (the
tie-break) keeps the primary within a tolerance of stage 1's value and minimises
`Model.secondary`, starting from stage 1's portfolio (see `planner.solver.tiebreak`).
Status is read from the solver's model status *and* its primal solution status, so a
time-limited MIP with an incumbent is `feasible` (with bound and gap), never `optimal`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from planner.model.compile import Compiled
from planner.solver.fixing import NONE, Fixing, Floats, LpArrays, fixed_by_bound
from planner.solver.search import (
    FROM_START_OPTIONS as FROM_START_OPTIONS,
)  # re-exported for callers importing from here
from planner.solver.search import RESOLVE_MAX_INTEGERS as RESOLVE_MAX_INTEGERS
from planner.solver.search import RESOLVE_OPTIONS as RESOLVE_OPTIONS
from planner.solver.search import Option, Options
from planner.solver.search import Search as Search
from planner.solver.outcome import PRIMARY, TIE_BREAK, SolveOutcome, StageResult, Status, _guarded
from planner.solver.tiebreak import ALL, SUBSETS, canonical_weights, tie_break_scope

if TYPE_CHECKING:  # highspy is imported where a session starts: `planner validate` never loads it
    from highspy import Highs

Indices = Sequence[int] | npt.NDArray[np.integer[Any]]  # row or column indices
Values = float | Sequence[float] | npt.NDArray[np.floating[Any]]  # one value for all, or one each
Start = np.ndarray | tuple[np.ndarray, np.ndarray] | None  # a MIP start: every column, or (columns, values)


_SCHEDULER = threading.local()  # per thread: the size of that thread's HiGHS scheduler (None: not started)


def _run_highs(h: Highs, threads: int | None) -> None:
    """h.run() with `threads` honoured. HiGHS (1.16) keeps one scheduler per OS thread, sized by
    that thread's first solve; a later solve in the same thread asking for another size fails
    ("Not Set" status). So the calling thread's scheduler is reset for the new size (a thread
    runs one solve at a time, and other threads' schedulers are their own); `threads` None
    uses whatever the thread has (HiGHS's default size on its first solve)."""
    import highspy

    size = getattr(_SCHEDULER, "threads", None)
    if threads and size != threads:
        if size is not None:
            highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER.threads = threads
    elif size is None:
        _SCHEDULER.threads = 0  # HiGHS's own default size
    h.setOptionValue("threads", threads if threads else 0)
    _guarded("HiGHS", h.run)


_BANNER_SHOWN = False


def _indices(values: Indices) -> npt.NDArray[np.int32]:
    return np.asarray(values, dtype=np.int32)


def _floats(values: Values, n: int) -> npt.NDArray[np.float64]:
    """`values` as n floats (one value stands for all n)."""
    return np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)).copy()


def _option(h: Highs, key: str) -> Option:
    """An option's value (highspy returns (status, value) in some versions, the value in others)."""
    value = h.getOptionValue(key)
    return value[1] if isinstance(value, tuple) else value


def new_highs() -> Highs:
    """A silent highspy.Highs. HiGHS prints a banner to fd 1 on the first construction in a
    process, which would corrupt `--json` output, so that one is sent to /dev/null."""
    import os
    import sys

    import highspy

    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy's Highs.__init__ is unannotated
    else:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]  # as above
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class Iis:
    """An irreducible infeasible subset as HiGHS reports it: row indices, and whether it is valid."""

    valid: bool
    rows: list[int]
    status: str  # HiGHS's call status, e.g. "HighsStatus.kOk"


class HighsSession:
    """One highspy model kept alive for repeated solves with changed bounds or costs.

    Callers outside `planner.solver` use the public methods only (bounds, costs,
    coefficients, scratch columns and rows, duals, IIS), never the highspy object itself.
    """

    def __init__(self, comp: Compiled, threads: int | None = None, search: Search = Search.DEFAULT):
        import highspy

        self.hs = highspy
        self.comp = comp
        h = new_highs()
        h.setOptionValue("random_seed", 0)
        self.threads = int(threads) if threads else None
        self.search = Search(search)
        lp = highspy.HighsLp()
        lp.num_col_ = len(comp.col_names)
        lp.num_row_ = len(comp.row_names)
        lp.col_cost_ = comp.primary
        lp.col_lower_ = comp.col_lower
        lp.col_upper_ = comp.col_upper
        lp.row_lower_ = comp.row_lower
        lp.row_upper_ = comp.row_upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = comp.start
        lp.a_matrix_.index_ = comp.index
        lp.a_matrix_.value_ = comp.value
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in comp.integer
        ]
        lp.col_names_ = comp.col_names
        lp.row_names_ = comp.row_names
        status = h.passModel(lp)
        if status == highspy.HighsStatus.kError:
            from planner.errors import PlannerError

            raise PlannerError("HiGHS refused the model (passModel returned an error)")
        self.h = h

    def allow_interrupt(self) -> None:
        """Let `cancel()` (from another thread) stop a running solve."""
        self.h.HandleUserInterrupt = True

    def cancel(self) -> None:
        """Stop the running solve (after `allow_interrupt()`); it ends as stopped by a limit."""
        self.h.cancelSolve()  # type: ignore[no-untyped-call]  # highspy's wrapper is unannotated

    def set_costs(self, cost: np.ndarray) -> None:
        """Replace every column's (min-sense) objective coefficient."""
        self.h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), np.asarray(cost, dtype=float))

    def set_column_bounds(self, cols: Indices, lower: Values, upper: Values) -> None:
        """Change the bounds of columns `cols` (fix a column with lower = upper)."""
        idx = _indices(cols)
        self.h.changeColsBounds(len(idx), idx, _floats(lower, len(idx)), _floats(upper, len(idx)))

    def set_row_bounds_at(self, rows: Indices, lower: Values, upper: Values) -> None:
        """Change the bounds of rows `rows` (indices into `comp.row_names`)."""
        idx = _indices(rows)
        lo, hi = _floats(lower, len(idx)), _floats(upper, len(idx))
        self.h.changeRowsBounds(len(idx), idx, lo, hi)  # type: ignore[attr-defined]  # bound, not in highspy's stub

    def set_coefficient(self, row: int, col: int, value: float) -> None:
        """Set one matrix entry A[row, col] (0 removes it)."""
        self.h.changeCoeff(int(row), int(col), float(value))

    @property
    def num_columns(self) -> int:
        """Columns of the live model (the compiled ones plus any scratch columns)."""
        return int(self.h.getNumCol())

    @property
    def num_rows(self) -> int:
        """Rows of the live model (the compiled ones plus any scratch rows)."""
        return int(self.h.getNumRow())

    def add_column(
        self, cost: float, lower: float, upper: float, rows: Indices, values: Values, integer: bool = False
    ) -> int:
        """Append a column (continuous, or integer) with entries `values` in rows `rows`; returns its index."""
        idx = _indices(rows)
        self.h.addCol(float(cost), float(lower), float(upper), len(idx), idx, _floats(values, len(idx)))
        if integer:
            self.h.changeColsIntegrality(
                1, np.array([self.num_columns - 1], dtype=np.int32), np.array([self.hs.HighsVarType.kInteger])
            )
        return self.num_columns - 1

    def add_row(self, lower: float, upper: float, cols: Indices, values: Values) -> int:
        """Append a row lower ≤ Σ values·x[cols] ≤ upper; returns its index."""
        idx = _indices(cols)
        self.h.addRow(float(lower), float(upper), len(idx), idx, _floats(values, len(idx)))
        return self.num_rows - 1

    def delete_columns(self, cols: Indices) -> None:
        idx = _indices(cols)
        self.h.deleteCols(len(idx), idx)

    def delete_rows(self, rows: Indices) -> None:
        idx = _indices(rows)
        self.h.deleteRows(len(idx), idx)

    @contextmanager
    def scratch(self) -> Iterator[None]:
        """Rows and columns added inside the block are deleted when it ends (the model's own stay)."""
        n, m = self.num_columns, self.num_rows
        try:
            yield
        finally:
            if self.num_rows > m:
                self.delete_rows(np.arange(m, self.num_rows))
            if self.num_columns > n:
                self.delete_columns(np.arange(n, self.num_columns))

    @contextmanager
    def objectives(self, primary: np.ndarray, secondary: np.ndarray) -> Iterator[None]:
        """`solve` inside the block uses these (min-sense) primary and tie-break objectives."""
        saved = self.comp
        self.comp = replace(saved, primary=primary, secondary=secondary)
        try:
            yield
        finally:
            self.comp = saved

    def row_duals(self) -> np.ndarray:
        """Row duals of the last solve (min sense; meaningful for an LP)."""
        return np.array(self.h.getSolution().row_dual)

    def set_iis_strategy(self, strategy: int) -> None:
        """HiGHS's `iis_strategy` option (a `highspy.IisStrategy` bit set), for `iis`."""
        self.h.setOptionValue("iis_strategy", int(strategy))

    def iis(self) -> Iis:
        """HiGHS's IIS of the model (computed on its LP; see `set_iis_strategy`)."""
        status, iis = self.h.getIis()
        return Iis(bool(str(status).endswith("kOk") and iis.valid_), [int(i) for i in iis.row_index_], str(status))

    def run_stage(
        self,
        cost: np.ndarray,
        time_limit: float | None,
        mip_gap: float,
        start: Start = None,
        options: Options | None = None,
    ) -> StageResult:
        """One solver run of the live model with objective `cost` (min sense): no tie-break stage.

        `start` is a MIP start: a full column vector, or (column indices, values) that HiGHS
        completes. `options`: HiGHS options for this run only (how it searches, e.g.
        `FROM_START_OPTIONS`; the session's own values return after it)."""
        with self._options(options or {}):
            return self._run_stage(cost, time_limit, mip_gap, start)

    @contextmanager
    def _options(self, options: Options) -> Iterator[None]:
        saved = {key: _option(self.h, key) for key in options}
        for key, value in options.items():
            self.h.setOptionValue(key, value)
        try:
            yield
        finally:
            for key, value in saved.items():
                self.h.setOptionValue(key, value)

    def _run_stage(
        self,
        cost: np.ndarray,
        time_limit: float | None,
        mip_gap: float,
        start: Start,
    ) -> StageResult:
        h, hs = self.h, self.hs
        h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        h.setOptionValue("time_limit", float(time_limit) if time_limit else float("inf"))
        h.setOptionValue("mip_rel_gap", float(mip_gap))
        h.setOptionValue("mip_abs_gap", 1e-9 if mip_gap == 0 else 1e-6)
        h.clearSolver()
        if isinstance(start, tuple):  # partial start (column indices, values): HiGHS completes it
            idx, vals = start
            h.setSolution(len(idx), np.asarray(idx, dtype=np.int32), np.asarray(vals, dtype=float))
        elif start is not None:
            sol = hs.HighsSolution()
            sol.col_value = start
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        _run_highs(h, self.threads)
        seconds = time.perf_counter() - t0
        ms = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2
        S = hs.HighsModelStatus
        if ms == S.kOptimal:
            status = Status.OPTIMAL
        elif ms == S.kInfeasible:
            status = Status.INFEASIBLE
        elif ms == S.kUnboundedOrInfeasible:
            status = self._infeasible_or_unbounded()
        elif ms == S.kUnbounded:
            status = Status.UNBOUNDED
        elif ms in (
            S.kTimeLimit,
            S.kIterationLimit,
            S.kSolutionLimit,
            S.kInterrupt,
            S.kMemoryLimit,
            S.kObjectiveBound,
            S.kObjectiveTarget,
            S.kHighsInterrupt,
        ):
            status = Status.FEASIBLE if has_solution else Status.NO_SOLUTION
        else:
            status = Status.ERROR
        values = np.array(h.getSolution().col_value) if has_solution else None
        if values is not None and start is not None:
            reported = info.objective_function_value
            if abs(float(cost @ values) - reported) > 1e-6 * max(1.0, abs(reported)):
                # HiGHS 1.16 can return the MIP start itself instead of the better solution it
                # reports (seen when the start, mapped into the presolved space, is optimal
                # there); the values then disagree with the objective. Solve again without it.
                return self._run_stage(cost, time_limit, mip_gap, None)
        return StageResult(
            status,
            values,
            info.objective_function_value if has_solution else None,
            info.mip_dual_bound,
            info.mip_gap,
            seconds,
            h.modelStatusToString(ms),
        )

    def _infeasible_or_unbounded(self) -> Status:
        """Presolve can only say "infeasible or unbounded"; the two need different fixes, so
        tell them apart: with a zero objective the model is feasible iff it was unbounded."""
        h, n = self.h, len(self.comp.primary)
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        h.clearSolver()
        _run_highs(h, self.threads)
        ms = h.getModelStatus()
        S = self.hs.HighsModelStatus
        if ms == S.kOptimal:
            return Status.UNBOUNDED
        if ms == S.kInfeasible:
            return Status.INFEASIBLE
        return Status.ERROR

    def _relaxation(self) -> tuple[LpArrays, Floats] | None:
        """The live model as HiGHS holds it and its LP relaxation's row duals, for
        `planner.solver.fixing`; None if the LP is not solved to optimality or the model's costs
        are not the primary objective (run while they are: after stage 1, or before it)."""
        h = self.h
        if h.getNumCol() != len(self.comp.primary):  # a scratch column's cost is not the primary's
            return None
        with self._options({"solve_relaxation": True}):
            h.clearSolver()
            _run_highs(h, self.threads)
        if h.getModelStatus() != self.hs.HighsModelStatus.kOptimal or not h.getSolution().dual_valid:
            return None
        lp = h.getLp()
        m = lp.a_matrix_
        arrays = LpArrays(
            cost=np.asarray(lp.col_cost_, dtype=float),
            col_lower=np.asarray(lp.col_lower_, dtype=float),
            col_upper=np.asarray(lp.col_upper_, dtype=float),
            row_lower=np.asarray(lp.row_lower_, dtype=float),
            row_upper=np.asarray(lp.row_upper_, dtype=float),
            start=np.asarray(m.start_, dtype=np.int64),
            index=np.asarray(m.index_, dtype=np.int64),
            value=np.asarray(m.value_, dtype=float),
            integer=np.asarray([v == self.hs.HighsVarType.kInteger for v in lp.integrality_], dtype=bool),
        )
        if (
            len(arrays.integer) != len(arrays.cost)
            or m.format_ != self.hs.MatrixFormat.kColwise
            or not np.array_equal(arrays.cost, self.comp.primary)
        ):
            return None
        return arrays, np.asarray(h.getSolution().row_dual, dtype=float)

    @contextmanager
    def _fixed(self, fixing: Fixing) -> Iterator[None]:
        """The columns of `fixing` fixed at its values inside the block, their bounds restored after."""
        if len(fixing):
            self.h.changeColsBounds(len(fixing), fixing.cols, fixing.values, fixing.values)
        try:
            yield
        finally:
            if len(fixing):
                self.h.changeColsBounds(len(fixing), fixing.cols, fixing.lower, fixing.upper)

    def resolve_applies(self, mip_gap: float, tie_break: bool) -> bool:
        """True if a solve with these settings runs with `RESOLVE_OPTIONS` (see `Search`)."""
        return mip_gap == 0 and tie_break and bool(self.resolve_options()) and bool(canonical_weights(self.comp).any())

    def resolve_options(self) -> Options:
        """`RESOLVE_OPTIONS` if this session re-solves a small model (`Search.RESOLVE`), else none."""
        small = int(self.comp.integer.sum()) <= RESOLVE_MAX_INTEGERS
        return dict(RESOLVE_OPTIONS) if self.search is not Search.DEFAULT and small else {}

    def solve(
        self,
        time_limit: float | None,
        mip_gap: float,
        tie_break: bool = True,
        start: Start = None,
        scope: str | None = None,
    ) -> SolveOutcome:
        """Stage 1, then (if a portfolio was found) the tie-break stage; see the module doc.

        `start` is a MIP start for stage 1: a full column vector, or a partial one as
        (column indices, values) that HiGHS completes (ignored if infeasible). `scope` sets
        the tie-break stage's scope (`planner.solver.tiebreak`; default: `tie_break_scope`)."""
        comp = self.comp
        sign = -1.0 if comp.maximize else 1.0
        t0 = time.perf_counter()
        primary_options, tie_options = (
            self.search if self.resolve_applies(mip_gap, tie_break) else Search.DEFAULT
        ).stage_options
        first = self.run_stage(comp.primary, time_limit, mip_gap, start, primary_options)
        stages = [first.as_stage(PRIMARY)]
        values = first.values
        if first.values is not None and tie_break:
            scope = scope or tie_break_scope(first.status, mip_gap)
            remaining = None if not time_limit else max(1.0, time_limit - (time.perf_counter() - t0))
            second, values = self._tie_break(first.values, scope, remaining, tie_options)
            stages.append(second.as_stage(TIE_BREAK, scope))
        has = first.values is not None
        bound = sign * first.bound if first.bound is not None and (has or first.status is Status.OPTIMAL) else None
        gap = None
        if has:
            gap = 0.0 if first.status is Status.OPTIMAL and mip_gap == 0 else first.gap
        return SolveOutcome(
            status=first.status,
            x=None if values is None else (values[comp.x_cols] > 0.5).astype(np.int8),
            objective_solver=None if first.objective is None else sign * first.objective,
            bound=bound if has else None,
            mip_gap=None if gap is None else float(gap),
            solve_seconds=time.perf_counter() - t0,
            backend="highs",
            message=first.message,
            stages=stages,
            start_year=None if values is None else comp.start_year(values),
        )

    def _tie_break(
        self, values: Floats, scope: str, time_limit: float | None, options: Options
    ) -> tuple[StageResult, Floats]:
        """The tie-break stage from stage 1's `values`: its run, and the values the solve reports
        (its portfolio if it kept the primary within the tolerance, else stage 1's)."""
        comp = self.comp
        z = float(comp.primary @ values)
        tol = 1e-6 * max(1.0, abs(z))
        cols = np.flatnonzero(comp.primary).astype(np.int32)
        off = comp.x_cols[values[comp.x_cols] < 0.5].astype(np.int32) if scope == SUBSETS else np.zeros(0, np.int32)
        fixing = NONE
        if scope == ALL and options:  # what the primary's tolerance fixes (planner.solver.fixing)
            relaxation = self._relaxation()
            fixing = NONE if relaxation is None else fixed_by_bound(*relaxation, z + 2 * tol)
        self.h.addRow(-np.inf, z + tol, len(cols), cols, comp.primary[cols])
        try:
            if len(off):  # only sub-portfolios of the one found: x = 0 for every option it left out
                self.h.changeColsBounds(len(off), off, comp.col_lower[off], np.zeros(len(off)))
            with self._fixed(fixing):
                second = self.run_stage(comp.secondary + canonical_weights(comp), time_limit, 0.0, values, options)
        finally:  # the live model as it was, also when the stage raises
            if len(off):
                self.h.changeColsBounds(len(off), off, comp.col_lower[off], comp.col_upper[off])
            self.h.deleteRows(1, np.array([self.h.getNumRow() - 1], dtype=np.int32))
            self.h.changeColsCost(len(comp.primary), np.arange(len(comp.primary), dtype=np.int32), comp.primary)
        if second.values is not None and float(comp.primary @ second.values) <= z + tol * 1.01:
            return second, second.values
        return second, values
