"""The one live model: a compiled model and its HiGHS session, owned together.

`LiveModel` is the only object above `planner.solver` that re-solves a model. It keeps its
own copy of the compiled arrays (`comp`) and the HiGHS model in step: every change goes
through a typed method that updates both, so no caller patches arrays by hand and the
tie-break stage (which restores bounds and costs from `comp`) always sees the live values.

Changes are undoable: inside `with live.changes():` every change records its inverse, and
leaving the block (normally or by an exception) restores the model as it was — bounds,
coefficients, costs, and rows or columns added in the block are deleted.

    live = LiveModel.of(compile_model(build(scenario)), threads=1)
    with live.changes():
        live.fix(live.comp.x_cols[[3]], [1.0])     # require option 3
        out = live.solve(time_limit=None, mip_gap=0.0)
    # option 3 is free again here

Solves run exactly as `planner solve` runs them (`HighsSession.solve`: stage 1, then the
tie-break stage); `run_stage` is one solver run with a given cost vector (no tie-break).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from planner.model.compile import Compiled
from planner.solver.highs import HighsSession, Iis, Indices, Start, Values
from planner.solver.search import FROM_START_OPTIONS, Search
from planner.solver.outcome import SolveOutcome, StageResult

_MUTABLE = ("row_lower", "row_upper", "value", "primary", "secondary", "col_lower", "col_upper")


def _own_copy(comp: Compiled) -> Compiled:
    """A shallow copy whose mutable arrays belong to the live model alone."""
    out = copy.copy(comp)
    for name in _MUTABLE:
        setattr(out, name, np.array(getattr(comp, name), dtype=float, copy=True))
    return out


class LiveModel:
    """A compiled model and its HiGHS session, changed in place by typed, undoable steps."""

    def __init__(
        self, comp: Compiled, threads: int | None = None, *, own: bool = True, search: Search = Search.DEFAULT
    ):
        """`comp` is copied unless `own` is False (the caller hands its arrays over). `search`:
        `Search.RESOLVE` for a model re-solved many times (HiGHS's search only; see `Search`)."""
        self.comp = _own_copy(comp) if own else comp
        self.threads = int(threads) if threads else None
        self.search = Search(search)
        self._session = HighsSession(self.comp, self.threads, self.search)
        self._undo: list[list[Callable[[], None]]] = []  # one frame per open `changes()` block
        self._undoing = False
        self._entry_pos: dict[tuple[int, int], int] | None = None
        self.solves = 0

    @classmethod
    def of(cls, comp: Compiled, threads: int | None = None, search: Search = Search.DEFAULT) -> LiveModel:
        return cls(comp, threads, search=search)

    def copy(self, threads: int | None = None) -> LiveModel:
        """A separate live model of this one as it stands (outside any `changes()` block), e.g. for
        another thread: HiGHS releases the GIL while it solves, so copies solve side by side."""
        if self._undo:
            raise RuntimeError("copy() inside a changes() block would copy a temporary change")
        return LiveModel(self.comp, self.threads if threads is None else threads, search=self.search)

    def relaxation(self) -> LiveModel:
        """A separate live model of this one's LP relaxation (every integer column continuous)."""
        comp = replace(self.comp, integer=np.zeros(len(self.comp.integer), dtype=bool))
        return LiveModel(comp, self.threads)

    # ---- the model's size -------------------------------------------------------------
    @property
    def num_columns(self) -> int:
        """Columns of the live model (the compiled ones plus any added in a `changes()` block)."""
        return self._session.num_columns

    @property
    def num_rows(self) -> int:
        return self._session.num_rows

    # ---- undo --------------------------------------------------------------------------
    def _record(self, undo: Callable[[], None]) -> None:
        if self._undo and not self._undoing:
            self._undo[-1].append(undo)

    @contextmanager
    def changes(self) -> Iterator[LiveModel]:
        """Every change inside the block is undone when it ends; rows and columns added are deleted."""
        n, m = self.num_columns, self.num_rows
        self._undo.append([])
        try:
            yield self
        finally:
            frame = self._undo.pop()
            self._undoing = True  # an undo is not itself a change to record
            try:
                for undo in reversed(frame):
                    undo()
            finally:
                self._undoing = False
            if self.num_rows > m:
                self._session.delete_rows(np.arange(m, self.num_rows))
            if self.num_columns > n:
                self._session.delete_columns(np.arange(n, self.num_columns))

    # ---- typed changes ------------------------------------------------------------------
    def set_row_bounds(self, which: Indices, lower: Values, upper: Values) -> None:
        """Rows `which` (compiled indices) get bounds lower ≤ a·x ≤ upper."""
        rows = np.asarray(which, dtype=np.int32)
        if not rows.size:
            return
        c = self.comp
        lo = np.broadcast_to(np.asarray(lower, dtype=float), rows.shape).copy()
        hi = np.broadcast_to(np.asarray(upper, dtype=float), rows.shape).copy()
        if not (rows < len(c.row_lower)).all():  # an added row: HiGHS alone holds its bounds
            self._session.set_row_bounds_at(rows, lo, hi)
            return
        old_lo, old_hi = c.row_lower[rows].copy(), c.row_upper[rows].copy()
        self._session.set_row_bounds_at(rows, lo, hi)
        c.row_lower[rows], c.row_upper[rows] = lo, hi
        self._record(lambda: self.set_row_bounds(rows, old_lo, old_hi))

    def set_column_bounds(self, which: Indices, lower: Values, upper: Values) -> None:
        """Columns `which` get bounds lower ≤ x ≤ upper (a compiled column's arrays follow)."""
        cols = np.asarray(which, dtype=np.int32)
        if not cols.size:
            return
        c = self.comp
        lo = np.broadcast_to(np.asarray(lower, dtype=float), cols.shape).copy()
        hi = np.broadcast_to(np.asarray(upper, dtype=float), cols.shape).copy()
        own = cols < len(c.col_lower)
        if not own.all():  # an added column: HiGHS alone holds its bounds
            self._session.set_column_bounds(cols, lo, hi)
            return
        old_lo, old_hi = c.col_lower[cols].copy(), c.col_upper[cols].copy()
        self._session.set_column_bounds(cols, lo, hi)
        c.col_lower[cols], c.col_upper[cols] = lo, hi
        self._record(lambda: self.set_column_bounds(cols, old_lo, old_hi))

    def fix(self, cols: Indices, values: Values) -> None:
        """Fix columns at values (lower = upper)."""
        self.set_column_bounds(cols, values, values)

    def set_objectives(self, primary: np.ndarray, secondary: np.ndarray | None = None) -> None:
        """Replace the (min-sense) primary objective and, if given, the tie-break objective."""
        c = self.comp
        old_p, old_s = c.primary.copy(), c.secondary.copy()
        c.primary[:] = primary
        if secondary is not None:
            c.secondary[:] = secondary
        self._record(lambda: self.set_objectives(old_p, old_s))

    @contextmanager
    def objectives(self, primary: np.ndarray, secondary: np.ndarray) -> Iterator[None]:
        """Inside the block `solve` uses these (min-sense) objectives, which may also cover columns
        added in a `changes()` block; the model's own objectives return when it ends."""
        with self._session.objectives(primary, secondary):
            yield

    def _positions(self) -> dict[tuple[int, int], int]:
        if self._entry_pos is None:
            c = self.comp
            rows = np.repeat(np.arange(len(c.row_names)), np.diff(c.start))
            self._entry_pos = {(int(r), int(j)): p for p, (r, j) in enumerate(zip(rows.tolist(), c.index.tolist()))}
        return self._entry_pos

    def set_coefficient(self, row: int, col: int, value: float) -> None:
        """Set A[row, col]. A compiled entry keeps `comp.value` in step; a new one lives in HiGHS only."""
        pos = self._positions().get((int(row), int(col)))
        old = float(self.comp.value[pos]) if pos is not None else 0.0
        self._session.set_coefficient(row, col, value)
        if pos is not None:
            self.comp.value[pos] = value
        self._record(lambda: self.set_coefficient(row, col, old))

    def set_entries(self, positions: np.ndarray, values: np.ndarray, rows: np.ndarray) -> None:
        """Set the compiled entries at CSR `positions` (in rows `rows`) to `values`."""
        c = self.comp
        positions = np.asarray(positions, dtype=np.int64)
        if not positions.size:
            return
        old = c.value[positions].copy()
        for p, r, v in zip(positions.tolist(), np.asarray(rows).tolist(), np.asarray(values, dtype=float).tolist()):
            self._session.set_coefficient(int(r), int(c.index[p]), v)
        c.value[positions] = values
        self._record(lambda: self.set_entries(positions, old, rows))

    def add_row(self, lower: float, upper: float, cols: Indices, values: Values) -> int:
        """Append a row lower ≤ Σ values·x[cols] ≤ upper (deleted when the enclosing `changes()` ends)."""
        return self._session.add_row(lower, upper, cols, values)

    def add_column(
        self, cost: float, lower: float, upper: float, rows: Indices, values: Values, integer: bool = False
    ) -> int:
        """Append a column (deleted when the enclosing `changes()` ends); `cost` applies to `run_stage` callers."""
        return self._session.add_column(cost, lower, upper, rows, values, integer)

    # ---- solves -----------------------------------------------------------------------
    def solve(
        self,
        time_limit: float | None,
        mip_gap: float,
        tie_break: bool = True,
        start: Start = None,
        scope: str | None = None,
    ) -> SolveOutcome:
        """Solve as `planner solve` does: stage 1 on `comp.primary`, then the tie-break stage."""
        self.solves += 1
        return self._session.solve(time_limit, mip_gap, tie_break, start, scope)

    def run_stage(
        self, cost: np.ndarray, time_limit: float | None, mip_gap: float, start: Start = None, resolve: bool = False
    ) -> StageResult:
        """One solver run with objective `cost` (min sense, over every live column); no tie-break.

        `resolve`: search as `Search.RESOLVE` does, if this model is one it applies to — for a
        caller whose use of the run does not depend on which of several optima HiGHS returns."""
        self.solves += 1
        options = self._session.resolve_options() if resolve else None
        return self._session.run_stage(np.asarray(cost, dtype=float), time_limit, mip_gap, start, options)

    def resolve_applies(self, mip_gap: float, tie_break: bool = True) -> bool:
        """True if `solve` with these settings has one answer whatever the search and runs with
        the re-solve options (`Search.RESOLVE`); then MIP starts, too, change only the speed."""
        return self._session.resolve_applies(mip_gap, tie_break)

    def best_within(self, x: np.ndarray, time_limit: float | None) -> np.ndarray | None:
        """A MIP start for this model: its best portfolio (stage-1 objective) among the
        sub-portfolios of selection `x` (0/1 per option), every column's value; None if none
        is feasible. One small MIP (every option outside `x` fixed out), e.g. when a limit
        has just been tightened below `x`'s use: the answer is often close to the new optimum."""
        comp = self.comp
        off = comp.x_cols[np.asarray(x) < 0.5]
        with self.changes():
            self.fix(off, np.zeros(len(off)))
            self.solves += 1
            res = self._session.run_stage(comp.primary, time_limit, 0.0, None, FROM_START_OPTIONS)
        return res.values

    def allow_interrupt(self) -> None:
        self._session.allow_interrupt()

    def cancel(self) -> None:
        """Stop the running solve (from another thread, after `allow_interrupt()`)."""
        self._session.cancel()

    def row_duals(self) -> np.ndarray:
        return self._session.row_duals()

    def set_iis_strategy(self, strategy: int) -> None:
        self._session.set_iis_strategy(strategy)

    def iis(self) -> Iis:
        return self._session.iis()
