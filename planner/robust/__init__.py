"""Robust portfolios when the objective weights are contested (`planner robust`, docs/robust.md).

    >>> from planner import load_scenario
    >>> from planner.robust import robust
    >>> report = robust(load_scenario("models/robust-weights.yaml"))
    >>> report.status, report.maximin["worst_case"], report.core_index["options"]

- weights.py:   a point y of W → the objective as V(P)·y + c(P), from the model's one definition
- methods.py:   maximin (one MILP by LP duality), minimax regret (constraint generation), the
                non-dominated portfolios and core index, a bound on the optimum over W
- figures.py:   worst cases (exact over W), regrets (exact over all vertices, else bounds), the
                lazy minimax regret when W's vertices are too many to solve
- analysis.py:  the stages of one analysis
- outcome.py:   RobustReport (robust.json), Progress events, Stop reasons, core labels
- run.py:       `robust(scenario)` → RobustReport; `write_robust` writes the run folder
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planner.inputs.scenario import Scenario
    from planner.robust.outcome import Progress, RobustReport


def robust(
    scenario: Scenario,
    *,
    max_portfolios: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
    max_vertices: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> RobustReport:
    """Maximin, minimax regret, non-dominated portfolios and core index of a scenario over its
    `robust:` weight set; `progress` a callable given `planner.robust.run.Progress` events."""
    # loaded here, not on import: the CLI imports planner.robust.outcome, which must not pull in the solver
    from planner.robust.run import robust as run

    return run(
        scenario,
        max_portfolios=max_portfolios,
        samples=samples,
        seed=seed,
        max_vertices=max_vertices,
        progress=progress,
    )
