"""Partnership Planner: choose technology partnerships with allies by mixed-integer programming.

Light on import so `planner --help` starts fast; the API loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what a type checker sees of the names loaded on first use below
    from planner.api import SolveOptions, load_scenario, solve
    from planner.errors import InputError, PlannerError
    from planner.inputs.scenario import Scenario
    from planner.results.evaluation import evaluate
    from planner.results.result import Result

__version__ = "0.1.0"
__all__ = [
    "load_scenario",
    "solve",
    "SolveOptions",
    "evaluate",
    "Scenario",
    "Result",
    "InputError",
    "PlannerError",
    "__version__",
]


def __getattr__(name: str) -> object:
    if name in ("load_scenario", "solve", "SolveOptions"):
        from planner import api

        return getattr(api, name)
    if name == "evaluate":
        from planner.results.evaluation import evaluate

        return evaluate
    if name == "Scenario":
        from planner.inputs.scenario import Scenario

        return Scenario
    if name == "Result":
        from planner.results.result import Result

        return Result
    if name in ("InputError", "PlannerError"):
        from planner import errors

        return getattr(errors, name)
    raise AttributeError(name)
