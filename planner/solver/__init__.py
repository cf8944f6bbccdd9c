"""Solve a built model with HiGHS (default), CBC, or both at once (`auto`).

Returns plain data (`SolveOutcome`), never prints. See `planner.solver.highs` for the two
stages and the honest status, `planner.solver.tiebreak` for the tie-break's scope.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from planner.model.core import Model
    from planner.solver.outcome import SolveOutcome


def solve_model(
    model: Model,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    backend: str | None = None,
    tie_break: bool | None = None,
    start: np.ndarray | None = None,
) -> SolveOutcome:
    """Solve with the scenario's solver settings, each overridable by argument.

    `start`: a portfolio (0/1 per option) to start from; HiGHS completes the other columns and
    ignores a start that breaks a row. Other backends ignore it."""
    # Imported here, not at the top: `planner.solver.outcome` (Status) stays a light import for the CLI.
    import numpy as np

    from planner.model.compile import compile_model
    from planner.solver.cbc import solve_cbc
    from planner.solver.live import LiveModel

    cfg = model.scenario.config.solver
    time_limit = cfg.time_limit_s if time_limit is None else time_limit
    mip_gap = cfg.mip_gap if mip_gap is None else mip_gap
    backend = backend or cfg.backend
    tie_break = cfg.tie_break if tie_break is None else tie_break
    if backend == "cbc":
        return solve_cbc(model, time_limit, mip_gap, tie_break)
    if backend == "auto":
        from planner.solver.auto import solve_auto

        return solve_auto(model, time_limit, mip_gap, tie_break, cfg.threads)
    t0 = time.perf_counter()
    live = LiveModel(compile_model(model), cfg.threads, own=False)
    prepare = time.perf_counter() - t0
    hint = None if start is None else (live.comp.x_cols.astype(np.int32), np.asarray(start, dtype=float))
    outcome = live.solve(time_limit, mip_gap, tie_break, start=hint)
    outcome.prepare_seconds = prepare
    return outcome
