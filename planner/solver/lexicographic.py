"""Lexicographic re-solves of one live model with objective rows whose bounds change in place.

`LexicographicSession(comp, vectors)` keeps the compiled model alive in HiGHS with one
extra row per objective vector k: row_k = vectors[k]·v (v every column), free until a
solve bounds it. `solve(lower, order, slack)` then optimises lexicographically:

    stage 1:  maximise row_{order[0]}  s.t. row_k ≥ lower[k] for every k
    stage i:  maximise row_{order[i]}  s.t. the above and z_j − s_j ≤ row_{order[j]} ≤ z_j + s_j, j < i
    last:     minimise the tie-break (`Compiled.secondary` + canonical weights, as `HighsSession.solve`)
              s.t. every z_j − s_j ≤ row_{order[j]} ≤ z_j + s_j

where z_j is stage j's optimum and s_j = slack[order[j]] (the upper side is implied, since z_j
is the maximum; stating it tightens the relaxation).
A caller whose objective values lie on a lattice of step δ_k
passes slack δ_k/2: "≥ z − δ/2" then means "= z" exactly, and solver tolerances far below
δ/2 cannot change which lattice value is admitted. Each stage starts from the previous
stage's portfolio (feasible for it). Nothing here knows what the rows mean.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from planner.model.compile import Compiled
from planner.solver.live import LiveModel
from planner.solver.outcome import PRIMARY, TIE_BREAK, Stage, Status
from planner.solver.tiebreak import canonical_weights

INF = float("inf")


@dataclass
class LexOutcome:
    """One lexicographic solve: `status` OPTIMAL when every stage was proven optimal (mip gap 0)."""

    status: Status
    x: np.ndarray | None  # 0/1 per option, scenario order
    start_year: np.ndarray | None
    stage_values: list[float] = field(default_factory=list)  # row_{order[i]} at stage i's optimum (solver's value)
    stages: list[Stage] = field(default_factory=list)
    seconds: float = 0.0


class LexicographicSession:
    """A compiled model plus free objective rows, solved lexicographically, re-used in place."""

    def __init__(self, comp: Compiled, vectors: Sequence[np.ndarray], threads: int | None = None):
        self.comp = comp
        self.session = LiveModel(comp, threads, own=False)
        self.vectors = [np.asarray(v, dtype=float) for v in vectors]
        self.rows = []
        for v in self.vectors:
            cols = np.flatnonzero(v)
            self.rows.append(self.session.add_row(-INF, INF, cols, v[cols]))
        self.tie = comp.secondary + canonical_weights(comp)
        self.solves = 0

    def _bound(self, lower: Sequence[float], upper: Sequence[float]) -> None:
        self.session.set_row_bounds(self.rows, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))

    def solve(
        self,
        lower: Sequence[float],
        order: Sequence[int],
        slack: Sequence[float],
        time_limit: float | None = None,
        tie_break: bool = True,
        upper: Sequence[float] | None = None,
    ) -> LexOutcome:
        """Stages as the module doc says; a stage that ends without a proof ends the solve with its status.

        `upper` bounds the rows from above in every stage (a caller that knows a bound no
        lexicographic optimum exceeds passes it to help the solver prove optimality)."""
        t0 = time.perf_counter()
        deadline = None if time_limit is None else t0 + time_limit
        bounds = [float(b) for b in lower]
        caps = [INF] * len(self.rows) if upper is None else [float(u) for u in upper]
        out = LexOutcome(Status.ERROR, None, None)
        values = None
        try:
            self._bound(bounds, caps)
            stages: list[tuple[int | None, np.ndarray]] = [(k, -self.vectors[k]) for k in order]
            if tie_break:
                stages.append((None, self.tie))
            for i, (k, cost) in enumerate(stages):
                remaining = None if deadline is None else max(0.05, deadline - time.perf_counter())
                result = self.session.run_stage(cost, remaining, 0.0, values)
                self.solves += 1
                out.stages.append(result.as_stage(TIE_BREAK if k is None else PRIMARY if i == 0 else f"stage_{i + 1}"))
                if result.status is not Status.OPTIMAL:
                    # Stage 1 infeasible: no portfolio meets the bounds. A later stage cannot be
                    # infeasible (stage i−1's portfolio is feasible for it) unless the solver failed.
                    out.status = result.status if i == 0 or result.status is not Status.INFEASIBLE else Status.ERROR
                    break
                values = result.values
                if k is not None:
                    z = float(self.vectors[k] @ values)
                    out.stage_values.append(z)
                    bounds[k] = max(bounds[k], z - float(slack[k]))
                    caps[k] = min(caps[k], z + float(slack[k]))  # z is the maximum: the row is fixed at it
                    self._bound(bounds, caps)
            else:
                assert values is not None  # every stage was optimal, so each has values
                out.status = Status.OPTIMAL
                out.x = (values[self.comp.x_cols] > 0.5).astype(np.int8)
                out.start_year = self.comp.start_year(values)
        finally:
            self._bound([-INF] * len(self.rows), [INF] * len(self.rows))
        out.seconds = time.perf_counter() - t0
        return out
