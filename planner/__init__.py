"""Partnership Planner: choose technology partnerships with allies by mixed-integer programming.

Light on import so `planner --help` starts fast; the API loads on first use.
"""
from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"
__all__ = ["load_scenario", "solve", "evaluate", "Scenario", "Result", "InputError", "PlannerError", "__version__"]


def __getattr__(name: str):
    if name in ("load_scenario", "solve"):
        from . import api

        return getattr(api, name)
    if name == "evaluate":
        from .evaluate import evaluate

        return evaluate
    if name == "Scenario":
        from .scenario import Scenario

        return Scenario
    if name == "Result":
        from .result import Result

        return Result
    if name in ("InputError", "PlannerError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(name)


def _function_over_submodule(module: str, name: str) -> property:
    def get(self):
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)

    def ignore(self, value) -> None:
        pass  # the import system's setattr(planner, name, <submodule>) is dropped on purpose

    return property(get, ignore)


class _Package(types.ModuleType):
    """`solve` and `evaluate` name both API functions and submodules. Importing a submodule
    makes the import system set the package attribute to the module, which would turn
    `from planner import solve` into a module once anything imported `planner.solve`.
    These properties keep the attributes the functions; `from planner.solve import X`
    still works (it reads sys.modules)."""

    solve = _function_over_submodule("api", "solve")
    evaluate = _function_over_submodule("evaluate", "evaluate")


sys.modules[__name__].__class__ = _Package
