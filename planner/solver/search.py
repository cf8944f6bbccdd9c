"""How HiGHS searches in a session's two-stage solves (`Search`), and the options each way sets."""

from __future__ import annotations

from enum import StrEnum

Option = bool | int | float | str
Options = dict[str, Option]  # HiGHS options by name


class Search(StrEnum):
    """How HiGHS searches in a session's two-stage solves — never what a solve returns.

    `RESOLVE` is for sessions that re-solve one small model many times (a frontier walk,
    Monte Carlo samples, explain's thresholds). Its solves that have one answer whatever the
    search — mip_gap 0 with the tie-break stage and a canonical order among exact ties
    (`tiebreak.canonical_weights`) — of a model with at most `RESOLVE_MAX_INTEGERS` integer
    columns run without restarts and without the RINS/RENS sub-MIP heuristics
    (`RESOLVE_OPTIONS`): on such models these cost more than they find (the baseline's
    frontier walk: −45 % solver CPU; Monte Carlo samples −40 %), while at 3,000 options they
    are what finds the optimum quickly, so larger models, and every other solve, keep HiGHS's
    defaults. Results are the same either way (the optimum is proven, and unique).

    `SAMPLES` searches as `RESOLVE` and also runs the primary stage without the feasibility
    jump and root-reduced-cost heuristics, for sessions whose solves start from nothing (Monte
    Carlo samples): there they cost more than they find (the baseline's samples: −18 % solver
    CPU), while a frontier walk, whose primary stages start from a sub-portfolio, needs them
    (without them its solver CPU doubled). In both, the tie-break stage fixes the columns that
    the primary stage's LP duals fix within its tolerance (`planner.solver.fixing`)."""

    DEFAULT = "default"
    RESOLVE = "resolve"
    SAMPLES = "samples"

    @property
    def stage_options(self) -> tuple[Options, Options]:
        """HiGHS options of the primary and the tie-break stage of a solve it applies to."""
        if self is Search.DEFAULT:
            return {}, {}
        tie = {**RESOLVE_OPTIONS, **FROM_START_OPTIONS}
        return (tie if self is Search.SAMPLES else dict(RESOLVE_OPTIONS)), tie


RESOLVE_OPTIONS: Options = {
    "mip_allow_restart": False,
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
}
# A run that starts from a portfolio at or near its answer (the tie-break stage, a search among a
# portfolio's subsets) needs no primal heuristics from scratch: on the baseline's frontier the
# tie-break stage took 16 ms instead of 31, the sub-portfolio search 1 ms instead of 4.
FROM_START_OPTIONS: Options = {
    "mip_heuristic_run_feasibility_jump": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
RESOLVE_MAX_INTEGERS = 1000
