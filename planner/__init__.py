"""Partnership Planner: choose technology partnerships with allies by mixed-integer programming.

Light on import so `planner --help` starts fast; the API loads on first use.
"""

from __future__ import annotations

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


def __getattr__(name: str):
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
