"""The Python API a notebook uses: load a scenario, solve it, get frames back.

>>> from planner import load_scenario, solve
>>> result = solve(load_scenario("models/baseline.yaml", ["limits.budget_musd=2000"]))
>>> result.portfolio.head()
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from planner.inputs.scenario import Scenario

if TYPE_CHECKING:  # solving imports PuLP and highspy; `planner validate` must not pay for them
    from planner.results.result import Result

DEFAULT_SCENARIO = Path("models") / "baseline.yaml"


def load_scenario(
    path: str | Path = DEFAULT_SCENARIO, overrides: list[str] | tuple[str, ...] = (), timings: dict | None = None
) -> Scenario:
    """Read and validate a scenario; raises InputError listing every problem."""
    from planner.inputs.read import load_raw
    from planner.inputs.validate import validate

    t0 = time.perf_counter()
    raw = load_raw(path, overrides)
    t1 = time.perf_counter()
    scenario = validate(raw)
    if timings is not None:
        timings["load"] = t1 - t0
        timings["validate"] = time.perf_counter() - t1
    return scenario


def solve(
    scenario: Scenario | str | Path,
    overrides: list[str] | tuple[str, ...] = (),
    *,
    time_limit_s: float | None = None,
    mip_gap: float | None = None,
    backend: str | None = None,
    write_model: str | Path | None = None,
    timings: dict | None = None,
    clean_sheet: bool = True,
) -> Result:
    """Build and solve; non-optimal outcomes (infeasible, time limit) are results, not errors.

    `time_limit_s`, `mip_gap` and `backend` (None: the scenario's own) become the scenario's
    solver settings, so the Result's scenario (hence `write_run`'s scenario.json and
    input_sha256) records what was run, exactly as `planner solve --time-limit/--mip-gap/--solver` does.

    A re-plan (`replan:`) is also solved without its `replan:` section (`clean_sheet`, unless
    False), so the result states the price of stability; that solve's time is `timings["clean_sheet"]`.
    """
    from planner.inputs.read import with_solver_settings
    from planner.model.assemble import build
    from planner.results.result import make_result
    from planner.model.rules import active_rules
    from planner.solver import solve_model

    timings = {} if timings is None else timings
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides, timings)
    scenario = with_solver_settings(scenario, time_limit_s=time_limit_s, mip_gap=mip_gap, backend=backend)
    t0 = time.perf_counter()
    model = build(scenario)
    timings["build"] = time.perf_counter() - t0
    if write_model is not None:
        from planner.model.lpfile import write_model_file

        write_model_file(model, write_model)
    outcome = solve_model(model)  # with the scenario's solver settings, now including the arguments
    if outcome.prepare_seconds:
        timings["compile"] = outcome.prepare_seconds
    timings["solve"] = outcome.solve_seconds
    result = make_result(scenario, outcome, timings, active_rules(scenario))
    if clean_sheet and scenario.config.replan is not None:
        import dataclasses

        t0 = time.perf_counter()
        free = solve(scenario.with_config(scenario.config.model_copy(update={"replan": None})), clean_sheet=False)
        timings["clean_sheet"] = time.perf_counter() - t0
        result = dataclasses.replace(result, clean_sheet=_clean_sheet(scenario, free))
    return result


def _clean_sheet(scenario: Scenario, free: Result) -> dict:
    """The plan without `replan:`: its status, objective and changes against the incumbent."""
    from planner.model.rules.replan import changes_of

    return {
        "status": free.status,
        "objective": None if free.objective is None else round(free.objective, 9),
        "selected": len(free.selected),
        "changes": changes_of(scenario, free.evaluation.x).counts() if free.has_portfolio else None,
    }
