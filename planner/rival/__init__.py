"""Plan against a rival who courts the same partners (`planner rival`, docs/rival.md).

    >>> from planner import load_scenario
    >>> from planner.rival import RivalOptions, rival, write_rival
    >>> result = rival(load_scenario("models/rival.yaml"), RivalOptions(budget=3))
    >>> result.hedged.plan.worst_case, result.nominal.worst_case, result.price_of_hedging
    >>> write_rival(result, "outputs/rival")

- value.py:    the numpy face: what a response costs the rival, value(x, R) after it
- response.py: the rival's best response to a portfolio (a small exact MILP)
- master.py:   the master MILP with one coverage copy per response (the model's own rows)
- run.py:      `rival(scenario, options)` → RivalResult; `worst_case(scenario, selected)`
- folder.py:   `write_rival` writes the run folder
"""

from __future__ import annotations

from pathlib import Path

from planner.rival.folder import write_rival as write
from planner.rival.run import Hedge, Plan, RivalInfeasible, RivalOptions, RivalResult, rival, worst_case

__all__ = ["Hedge", "Plan", "RivalInfeasible", "RivalOptions", "RivalResult", "rival", "worst_case", "write_rival"]


def write_rival(result: RivalResult, out_dir: str | Path) -> Path:
    """rival.json, rival_partners.csv, rival_ladder.csv and scenario.json, written as one atomic folder."""
    return write(result, out_dir)
